"""CMDTrainer itself, in this process, on the demo's small DiMP network and synthetic RGB video: what it keeps
of LTRTrainer (freeze_backbone_bn_layers), mixed precision with the GradScaler, checkpoints that survive a crash
(flushed saves, damaged and leftover files, untrusted pickles), and which samples its loader draws (spawned
workers kept across epochs, ranks, resume). Runs under torchrun are in test_distributed.py."""
import json
import os
import pickle
import re
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch

from ltr_cmd import checkpoints

pytestmark = pytest.mark.integration


def demo_settings(tmp_path, **values):
    """pytracking's Settings (with the checkout's ltr/admin/local.py) for a short demo-sized run in tmp_path."""
    import ltr.admin.settings as ws_settings
    settings = ws_settings.Settings()
    settings.module_name, settings.script_name, settings.project_path = 'cmd', 'trainer_test', 'ltr/cmd/trainer_test'
    settings.env.workspace_dir = str(tmp_path / 'workspace')
    settings.env.tensorboard_dir = str(tmp_path / 'tensorboard')
    for name, value in dict(dict(batch_size=2, num_workers=0, samples_per_epoch=4, print_interval=1, seed=1,
                                 device=torch.device('cpu')), **values).items():
        setattr(settings, name, value)
    return settings


def demo_trainer(settings, frozen_backbone_layers='all', freeze_backbone_bn_layers=False):
    """The real CMDTrainer around pytracking's DiMPActor on the demo network and the demo's RGB video."""
    from ltr_cmd import demo
    from ltr_cmd.models import dimpnet18_layer2
    from ltr_cmd.trainer import CMDTrainer
    model = demo.MODELS['dimp']
    torch.manual_seed(0)
    net = dimpnet18_layer2(filter_size=model.FILTER_SZ, out_feature_dim=model.OUT_DIM, backbone_pretrained=False,
                           frozen_backbone_layers=frozen_backbone_layers)
    optimizer, scheduler = model.optimizer(net)
    return CMDTrainer(model.actor(net), [demo.rgb_video_loader(settings, model)], optimizer, settings, scheduler,
                      freeze_backbone_bn_layers=freeze_backbone_bn_layers)


def run_dir(settings):
    return checkpoints.run_dir(settings.env.workspace_dir, settings.project_path)


@pytest.mark.parametrize('freeze', [True, False])
def test_freeze_backbone_bn_layers_keeps_the_backbones_batchnorm_statistics(pytracking_root, tmp_path, freeze):
    trainer = demo_trainer(demo_settings(tmp_path), frozen_backbone_layers=('conv1', 'bn1', 'layer1'),
                           freeze_backbone_bn_layers=freeze)
    layer3_bn = trainer.net.feature_extractor.layer3[0].bn1
    before = layer3_bn.running_mean.clone()
    trainer.train(1)
    assert torch.equal(layer3_bn.running_mean, before) == freeze
    assert not any(p.requires_grad for p in trainer.net.feature_extractor.parameters())  # not in the optimizer


@pytest.mark.parametrize('amp', ['bf16', 'fp16'])
def test_mixed_precision_trains_and_the_scaler_state_survives_a_resume(pytracking_root, tmp_path, amp):
    settings = demo_settings(tmp_path, amp=amp, grad_clip_max_norm=100)
    trainer = demo_trainer(settings)
    trainer.train(1)
    assert trainer.scaler.is_enabled() == (amp == 'fp16')
    assert np.isfinite(trainer.stats['train']['Loss/total'].history[-1])
    if amp == 'fp16':
        trainer.scaler.update(new_scale=256.0)  # as after overflows; the default scale would resume unnoticed
    trainer.save_checkpoint()
    saved = checkpoints.load_checkpoint(checkpoints.epoch_file(run_dir(settings), 'DiMPnet', 1))
    assert saved['scaler'] == trainer.scaler.state_dict()

    resumed = demo_trainer(demo_settings(tmp_path, amp=amp, grad_clip_max_norm=100))
    assert resumed.load_checkpoint() and resumed.epoch == 1
    assert resumed.scaler.state_dict() == saved['scaler']
    if amp == 'fp16':
        assert resumed.scaler.get_scale() == 256.0


def test_a_damaged_latest_checkpoint_is_named_and_the_one_before_it_resumes(pytracking_root, tmp_path, capsys):
    settings = demo_settings(tmp_path)
    demo_trainer(settings).train(1)
    folder = run_dir(settings)
    good = checkpoints.epoch_file(folder, 'DiMPnet', 1)
    truncated = checkpoints.interval_file(folder, 'DiMPnet', 2, 1)
    truncated.parent.mkdir()
    truncated.write_bytes(good.read_bytes()[:good.stat().st_size // 2])  # a node crash mid-write
    empty = checkpoints.epoch_file(folder, 'DiMPnet', 2)
    empty.write_bytes(b'')  # a full disk

    resumed = demo_trainer(demo_settings(tmp_path))
    assert resumed.load_checkpoint() and resumed.epoch == 1
    err = capsys.readouterr().err
    assert 'WARNING: checkpoint {} could not be read'.format(empty) in err
    assert 'WARNING: checkpoint {} could not be read'.format(truncated) in err


def test_leftovers_of_a_killed_save_are_removed_at_start(pytracking_root, tmp_path, capsys):
    settings = demo_settings(tmp_path)
    folder = run_dir(settings)
    (folder / 'interval').mkdir(parents=True)
    leftovers = [folder / 'DiMPnet_ep0001.tmp', folder / 'interval' / 'DiMPnet_ep0001_it000002.pth.tar.tmp']
    for leftover in leftovers:
        leftover.write_bytes(b'half')
    demo_trainer(settings).train(1)
    assert not any(p.exists() for p in leftovers)
    assert 'removed {}: a checkpoint save that was killed'.format(leftovers[0]) in capsys.readouterr().out
    assert [p.name for p in checkpoints.epoch_files(folder)] == ['DiMPnet_ep0001.pth.tar']


def test_the_previous_interval_checkpoint_stays_until_the_new_one_is_on_disk(pytracking_root, tmp_path, monkeypatch):
    settings = demo_settings(tmp_path)
    trainer = demo_trainer(settings)
    trainer.epoch = 1
    trainer.save_interval_checkpoint(1, settings.batch_size)
    first = checkpoints.interval_file(run_dir(settings), 'DiMPnet', 1, 1)

    def disk_full(*_args):
        raise OSError(28, 'No space left on device')
    monkeypatch.setattr(checkpoints.os, 'replace', disk_full)
    with pytest.raises(OSError, match='No space left'):
        trainer.save_interval_checkpoint(2, settings.batch_size)
    monkeypatch.undo()
    assert checkpoints.interval_files(run_dir(settings)) == [first]
    state = checkpoints.load_checkpoint(first)
    assert state['iteration'] == 1 and 'scaler' in state and len(state['rng']) == 1


def test_an_untrusted_pickle_in_the_resume_folder_is_named_and_skipped_and_refused_everywhere(pytracking_root, tmp_path,
                                                                                                capsys):
    from ltr.admin.loading import load_network
    settings = demo_settings(tmp_path)
    demo_trainer(settings).train(1)
    foreign = checkpoints.interval_file(run_dir(settings), 'DiMPnet', 2, 5)  # newer than epoch 1's file
    foreign.parent.mkdir(parents=True)
    torch.save({'net': {}, 'payload': np.float64(1.0).__class__}, foreign)  # unpickling calls anything it names
    capsys.readouterr()
    trainer = demo_trainer(demo_settings(tmp_path))
    assert trainer.load_checkpoint() and trainer.epoch == 1  # the file before it
    with pytest.raises(pickle.UnpicklingError) as elsewhere:
        load_network(str(foreign))
    warning = capsys.readouterr().err
    assert 'WARNING: {}'.format(elsewhere.value) in warning and 'skipping it' in warning
    assert str(foreign) in str(elsewhere.value) and checkpoints.TRUSTED_DIRS_VARIABLE in str(elsewhere.value)


def test_loading_an_epoch_or_a_file_keeps_the_scaler_iteration_and_random_state(pytracking_root, tmp_path, capsys):
    import random
    settings = demo_settings(tmp_path, amp='fp16', samples_per_epoch=8)
    trainer = demo_trainer(settings)
    trainer.train(1)
    trainer.scaler.update(new_scale=512.0)
    trainer.save_checkpoint()
    trainer.epoch = 2
    trainer.save_interval_checkpoint(3, batch_size=2)  # 3 iterations of epoch 2 done
    interval = checkpoints.interval_file(run_dir(settings), 'DiMPnet', 2, 3)
    python_state = random.getstate()

    by_epoch = demo_trainer(demo_settings(tmp_path, amp='fp16', samples_per_epoch=8))
    assert by_epoch.load_checkpoint(1) and by_epoch.epoch == 1 and by_epoch._resume_iteration == 0
    assert isinstance(by_epoch.scaler, torch.amp.GradScaler) and by_epoch.scaler.get_scale() == 512.0

    random.seed(12345)
    by_file = demo_trainer(demo_settings(tmp_path, amp='fp16', samples_per_epoch=8))
    assert by_file.load_checkpoint(str(interval))
    assert (by_file.epoch, by_file._resume_iteration) == (1, 3) and by_file.scaler.get_scale() == 512.0
    assert random.getstate() == python_state
    capsys.readouterr()
    by_file.train(2)  # the step after the load: the scaler is a GradScaler, the epoch goes on after iteration 3
    assert by_file.epoch == 2 and re.findall(r'\[train: (\d+), (\d+) / 4\]', capsys.readouterr().out) == [('2', '4')]
    with pytest.raises(FileNotFoundError, match='ep0009'):
        by_file.load_checkpoint(9)
    other = tmp_path / 'other_tracker.pth.tar'
    torch.save({'epoch': 1, 'net_type': 'ToMPnet', 'net': {}}, other)
    with pytest.raises(checkpoints.CorruptCheckpointError, match='holds a ToMPnet, this run trains a DiMPnet'):
        by_file.load_checkpoint(str(other))


def test_paths_and_numpy_values_in_settings_and_local_py_load_everywhere(pytracking_root, tmp_path):
    """The values a user's ltr/admin/local.py and train settings hold as stock pytracking accepts them: the
    trainer's checkpoints load in its own resume, in the tracker's loader, and the folders are found."""
    from ltr.admin.loading import load_network
    settings = demo_settings(tmp_path, scale_jitter=np.float64(0.25), sizes=np.array([288, 352]))
    settings.env.workspace_dir = tmp_path / 'workspace'  # pathlib, as in a local.py that uses it
    settings.env.tensorboard_dir = tmp_path / 'tensorboard'
    settings.env.pretrained_networks = tmp_path / 'pretrained'
    demo_trainer(settings).train(1)
    saved = checkpoints.epoch_file(run_dir(settings), 'DiMPnet', 1)
    state = checkpoints.load_checkpoint(saved)
    assert state['settings'].scale_jitter == 0.25 and state['settings'].env.pretrained_networks == tmp_path / 'pretrained'
    net, _ = load_network(str(saved))
    assert type(net).__name__ == 'DiMPnet'
    resumed = demo_trainer(settings)
    assert resumed.load_checkpoint() and resumed.epoch == 1
    (tmp_path / 'pretrained').mkdir()
    (tmp_path / 'pretrained' / 'release.pth.tar').write_bytes(b'')
    found = checkpoints.find_release_file('release.pth.tar', ltr_env=settings.env,
                                          tracking_env=type('Env', (), {'network_path': tmp_path / 'networks'})())
    assert found == tmp_path / 'pretrained' / 'release.pth.tar'


SAMPLES = '''
import hashlib, json, sys
import torch
torch.multiprocessing.set_start_method('spawn', force=True)  # as run_training.py
from tests.integration.test_trainer import demo_settings
from ltr_cmd import demo
from pathlib import Path

contexts = []

def draws(rank, workers, epochs, start=(1, 0)):
    import os
    os.environ.update(WORLD_SIZE='2', RANK=str(rank))
    settings = demo_settings(Path(sys.argv[1]), num_workers=workers, samples_per_epoch=16)
    loader = demo.rgb_video_loader(settings, demo.MODELS['dimp'])
    if workers:
        contexts.append(loader.multiprocessing_context.get_start_method())
    out = []
    for epoch in epochs:
        loader.set_epoch(epoch, settings.seed, start[1] if epoch == start[0] else 0)
        for batch in loader:
            images = batch['train_images']
            out += [hashlib.sha1(images[:, b].numpy().tobytes()).hexdigest()[:12] for b in range(images.shape[1])]
    return out

print('SAMPLES ' + json.dumps({
    'rank0': draws(0, 2, [1, 2]), 'rank1': draws(1, 2, [1, 2]), 'rank0_no_workers': draws(0, 0, [1, 2]),
    'rank0_resumed': draws(0, 2, [2], start=(2, 2)), 'contexts': contexts}))
'''


def test_ranks_workers_and_epochs_draw_distinct_samples_and_a_resume_draws_what_came_next(pytracking_root, tmp_path):
    """EpochLoader with 2 workers kept across epochs (forked from a fork server under run_training.py's spawn
    start method), as rank 0 and rank 1 of 2: every sample differs, a sample does not depend on which worker
    drew it, and a resume after 2 batches of epoch 2 draws exactly the rest of that epoch."""
    result = subprocess.run([sys.executable, '-c', textwrap.dedent(SAMPLES), str(tmp_path)], capture_output=True,
                            text=True, timeout=600, cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
    assert result.returncode == 0, result.stderr[-3000:]
    drawn = json.loads(result.stdout.split('SAMPLES ', 1)[1])
    per_rank = 16 // 2  # samples_per_epoch over 2 ranks
    assert len(drawn['rank0']) == len(drawn['rank1']) == 2 * per_rank
    assert len(set(drawn['rank0'] + drawn['rank1'])) == 4 * per_rank  # workers, epochs and ranks: all distinct
    assert drawn['rank0_no_workers'] == drawn['rank0']
    assert drawn['rank0_resumed'] == drawn['rank0'][per_rank + 2 * 2:]  # epoch 2 after its first 2 batches of 2
    assert drawn['contexts'] == ['forkserver'] * 3


CRASH = '''
import sys
import torch
torch.multiprocessing.set_start_method('spawn', force=True)  # as run_training.py
from pathlib import Path
from tests.integration.test_trainer import demo_settings
from ltr_cmd import demo

if __name__ == '__main__':
    settings = demo_settings(Path(sys.argv[1]), num_workers=2, samples_per_epoch=8)
    loader = demo.rgb_video_loader(settings, demo.MODELS['dimp'])
    loader.set_epoch(1, 1)
    next(iter(loader))
    raise RuntimeError('a crash while the workers are alive')
'''


def test_a_process_that_crashes_with_live_loader_workers_exits(pytracking_root, tmp_path):
    """Workers ignore SIGTERM (a scheduler's SIGTERM must reach the trainer first), which multiprocessing's
    exit handler sends them and then waits for: a crash with the loader still referenced (the traceback
    holds it) used to hang there instead of exiting. Without the fix this subprocess never returns."""
    script = tmp_path / 'crash.py'
    script.write_text(textwrap.dedent(CRASH))
    root = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))
    result = subprocess.run([sys.executable, str(script), str(tmp_path)], capture_output=True, text=True,
                            timeout=300, cwd=root, env=dict(os.environ, PYTHONPATH=root))
    assert result.returncode == 1, result.stderr[-3000:]
    assert 'RuntimeError: a crash while the workers are alive' in result.stderr


LEAVE_GROUP = '''
import json, sys, weakref
from pathlib import Path
import torch.distributed as dist
from tests.integration.test_trainer import demo_settings, demo_trainer

settings = demo_settings(Path(sys.argv[1]), dist_backend='gloo', samples_per_epoch=2)
trainer = demo_trainer(settings)
wrapper = weakref.ref(trainer.ddp)
destroy, seen = dist.destroy_process_group, {}

def recording_destroy(*args, **kwargs):
    seen['wrapper_alive'] = wrapper() is not None
    destroy(*args, **kwargs)

dist.destroy_process_group = recording_destroy
trainer.train(1)
print('LEFT ' + json.dumps(dict(seen, group_left=not dist.is_initialized())))
'''


def test_the_ddp_wrapper_is_freed_before_the_process_group_is_left(pytracking_root, tmp_path):
    """DDP's Reducer frees its process group with the GIL held; as the group's last holder, ProcessGroupGloo's
    destructor waits for a gloo thread that needs the GIL (the end of 2 in 100 runs under torchrun hung).
    CMDTrainer.train frees the wrapper first: a one-process gloo group (dist_backend set), the real trainer."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))
    environment = dict(os.environ, PYTHONPATH=root, WORLD_SIZE='1', RANK='0', LOCAL_RANK='0',
                       MASTER_ADDR='127.0.0.1', MASTER_PORT=str(free_port()))
    result = subprocess.run([sys.executable, '-c', textwrap.dedent(LEAVE_GROUP), str(tmp_path)], capture_output=True,
                            text=True, timeout=300, cwd=root, env=environment)
    assert result.returncode == 0, result.stderr[-3000:]
    assert json.loads(result.stdout.split('LEFT ', 1)[1]) == {'wrapper_alive': False, 'group_left': True}


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]
