"""CMD training through pytracking's own run_training.py, in the registered checkout.

Real settings run one short epoch on CPU, with two loader workers, with random-initialised networks
standing in for the release files (which cannot be downloaded here), on a tiny LasHeR-layout tree
with real download flaws (tests/flawed_roots.py); the demo
settings train, write checkpoints and resume. Overrides go through $PYTRACKING_CMD_SETTINGS (train.*, ltr.*).
"""
import json
import os
import pickletools
import subprocess
import sys

import cv2
import numpy as np
import pytest

from ltr_cmd import baselines
from ltr_cmd.settings_overrides import VARIABLE as SETTINGS_VARIABLE
from tests import flawed_roots

pytestmark = pytest.mark.integration

# setting -> (module, constructor) of its release network
RELEASE_NETWORKS = {
    'dimp18_cmd': ('ltr.models.tracking.dimpnet', 'dimpnet18'),
    'dimp50_cmd': ('ltr.models.tracking.dimpnet', 'dimpnet50'),
    'super_dimp_cmd': ('ltr.models.tracking.dimpnet', 'dimpnet50'),
    'prdimp50_cmd': ('ltr.models.tracking.dimpnet', 'klcedimpnet50'),
    'atom_cmd': ('ltr.models.bbreg.atom', 'atom_resnet18'),
    'tomp50_cmd': ('ltr.models.tracking.tompnet', 'tompnet50'),
    'tomp101_cmd': ('ltr.models.tracking.tompnet', 'tompnet101'),
}
# ToMP: a one-layer transformer to keep CPU steps short; use_test_frame_encoding=True where tomp50's setting
# has False, as the release may: the student must take the file's architecture
TOMP_RELEASE = dict(filter_size=1, out_feature_dim=256, num_encoder_layers=1, num_decoder_layers=1, dim_feedforward=256,
                    use_test_frame_encoding=True)
CONSTRUCTOR_KWARGS = {
    'dimp50_cmd': dict(out_feature_dim=512, clf_feat_blocks=0, num_dist_bins=100, bin_displacement=0.1),
    'super_dimp_cmd': dict(out_feature_dim=512, clf_feat_blocks=0, num_dist_bins=100, bin_displacement=0.1),
    'dimp18_cmd': dict(num_dist_bins=100, bin_displacement=0.1),
    'prdimp50_cmd': dict(out_feature_dim=512, clf_feat_blocks=0, init_initializer='zero'),
    'atom_cmd': {},
    'tomp50_cmd': TOMP_RELEASE,
    'tomp101_cmd': TOMP_RELEASE,
}
# Train settings that keep a CPU step short: ToMP's 288-pixel crops cost ~10 s a step here, 128 ~2 s
QUICK_SIZES = {'tomp50_cmd': {'feature_sz': 8, 'output_sz': 128}, 'tomp101_cmd': {'feature_sz': 8, 'output_sz': 128}}


def write_lasher_tree(root, sequences=2, frames=3, size=(96, 72)):
    rng = np.random.default_rng(0)
    for s in range(sequences):
        seq = root / 'seq{}'.format(s)
        (seq / 'visible').mkdir(parents=True)
        (seq / 'infrared').mkdir()
        for i in range(frames):
            cv2.imwrite(str(seq / 'visible' / 'v{:03d}.jpg'.format(i)), rng.integers(0, 255, (size[1], size[0], 3),
                                                                                     dtype=np.uint8))
            cv2.imwrite(str(seq / 'infrared' / 'i{:03d}.jpg'.format(i)), rng.integers(0, 255, (size[1], size[0]),
                                                                                      dtype=np.uint8))
    return root


def run_training(pytracking_root, setting, overrides, timeout=900):
    env = dict(os.environ, **{SETTINGS_VARIABLE: json.dumps(overrides), 'PYTHONUNBUFFERED': '1'})
    return subprocess.run([sys.executable, 'run_training.py', 'cmd', setting], cwd=str(pytracking_root / 'ltr'),
                          env=env, capture_output=True, text=True, timeout=timeout)


def quick(tmp_path, **extra):
    """Settings for a quick run; keyword arguments without a section are train settings."""
    train = dict({'num_epochs': 1, 'samples_per_epoch': 2, 'batch_size': 2, 'num_workers': 0, 'fail_safe': False},
                 **{k: v for k, v in extra.items() if '.' not in k})
    return dict({'train.' + k: v for k, v in train.items()}, **{k: v for k, v in extra.items() if '.' in k},
                **{'ltr.workspace_dir': str(tmp_path / 'workspace'),
                   'ltr.tensorboard_dir': str(tmp_path / 'tensorboard')})


def pickled_globals(path):
    """Module names of every class or function a checkpoint's pickle refers to."""
    import zipfile
    with zipfile.ZipFile(path) as archive:
        data = archive.read([n for n in archive.namelist() if n.endswith('data.pkl')][0])
    modules = set()
    ops = list(pickletools.genops(data))
    for index, (opcode, arg, _) in enumerate(ops):
        if opcode.name == 'GLOBAL':
            modules.add(arg.split(' ')[0])
        elif opcode.name == 'STACK_GLOBAL':
            strings = [a for op, a, _ in ops[max(0, index - 4):index] if op.name in ('SHORT_BINUNICODE', 'BINUNICODE',
                                                                                     'UNICODE')]
            if len(strings) >= 2:
                modules.add(strings[-2])
    return modules


@pytest.fixture(scope='module')
def lasher(tmp_path_factory):
    return write_lasher_tree(tmp_path_factory.mktemp('lasher'))


@pytest.fixture(scope='module')
def flawed_lasher(tmp_path_factory):
    return flawed_roots.lasher(tmp_path_factory.mktemp('flawed_lasher'))


def stand_in_release_file(setting, folder):
    """A random-initialised network of the setting's release type, saved as pytracking saves it, in `folder`."""
    import importlib
    import torch
    module, function = RELEASE_NETWORKS[setting]
    net = getattr(importlib.import_module(module), function)(backbone_pretrained=False, **CONSTRUCTOR_KWARGS[setting])
    folder.mkdir(exist_ok=True)
    torch.save({'net': net.state_dict(), 'constructor': net.constructor, 'net_info': None},
               folder / baselines.of_setting(setting).release_file)
    return net


def assert_data_summary(output, root, expected):
    """The start of training lists every skipped sequence with its reason, and where the full list is."""
    assert 'CMD training data: {} pairs from '.format(sum(expected['used'].values())) in output
    assert '{} skipped'.format(len(expected['skipped'])) in output
    for name, reason in expected['skipped'].items():
        assert '{} ({}): '.format(name, root / name) in output and reason in output, name
    assert 'full list in ' in output


@pytest.mark.slow
@pytest.mark.parametrize('setting', sorted(RELEASE_NETWORKS))
def test_real_setting_trains_one_epoch_on_a_flawed_root_with_two_workers(pytracking_root, tmp_path, flawed_lasher,
                                                                         setting):
    root, expected = flawed_lasher
    net = stand_in_release_file(setting, tmp_path / 'pretrained')
    result = run_training(pytracking_root, setting, quick(tmp_path, cmd_source_root=str(root), num_workers=2,
                                                          samples_per_epoch=4, **QUICK_SIZES.get(setting, {}),
                                                          **{'ltr.pretrained_networks': str(tmp_path / 'pretrained')}))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert_data_summary(result.stdout, root, expected)
    listed = (tmp_path / 'workspace' / 'logs' / 'ltr' / 'cmd' / setting / 'skipped_sequences.txt').read_text()
    assert sorted(line.split(' ')[0] for line in listed.splitlines()) == sorted(expected['skipped'])
    assert 'CMD/rgb_to_tir_share' in result.stdout and 'Loss/total' in result.stdout
    assert 'Data/replaced_frames' in result.stdout
    assert 'Data/pseudo_box_short_frames' in result.stdout  # counted in the loader workers, reported by the trainer
    written = sorted((tmp_path / 'workspace' / 'checkpoints' / 'ltr' / 'cmd' / setting).glob('*_ep0001.pth.tar'))
    assert len(written) == 1
    # a stock network of the baseline type: nothing of the plugin is pickled, stock load_network loads it
    assert not {m for m in pickled_globals(written[0]) if m.split('.')[0] in ('ltr_cmd', 'pytracking_cmd')}
    import torch
    from ltr.admin.loading import load_network
    loaded, checkpoint = load_network(str(written[0]), backbone_pretrained=False)  # as pytracking's NetWithBackbone
    assert type(loaded).__name__ == type(net).__name__
    assert loaded.constructor.fun_module == net.constructor.fun_module  # pytracking's own constructor
    # the backbone is the release's, BatchNorm statistics included (not in ATOM, whose stock network keeps its
    # backbone BatchNorm in training mode); the trained parts moved
    release, trained = net.state_dict(), loaded.state_dict()
    parameters = dict(net.named_parameters())
    backbone = [k for k in release if k.startswith('feature_extractor.') and (setting != 'atom_cmd' or k in parameters)]
    assert backbone and all(torch.equal(trained[k], release[k]) for k in backbone)
    assert any(not torch.equal(trained[k], release[k]) for k in release if k not in backbone)
    assert all(torch.equal(trained[k], checkpoint['net'][k]) for k in trained)
    if setting.startswith('tomp'):  # built from the release file's constructor, with the backbone frozen
        assert loaded.constructor.kwds == dict(net.constructor.kwds, frozen_backbone_layers='all')
        assert hasattr(loaded.head.filter_predictor, 'query_embed_test')


@pytest.mark.parametrize('setting', ['dimp50_cmd', 'tomp101_cmd'])
def test_a_missing_release_file_is_named_with_where_to_put_it(pytracking_root, tmp_path, lasher, setting):
    empty = tmp_path / 'no_networks'
    empty.mkdir()
    result = run_training(pytracking_root, setting, quick(tmp_path, cmd_source_root=str(lasher),
                                                          **{'ltr.pretrained_networks': str(empty)}))
    assert result.returncode != 0
    assert '{}, which was not found in {}'.format(baselines.of_setting(setting).release_file, empty) in result.stderr
    assert 'MODEL_ZOO.md' in result.stderr


def test_a_release_file_of_another_network_is_named(pytracking_root, tmp_path, lasher):
    import torch
    from ltr_cmd import demo
    net = demo.MODELS['dimp'].network()
    folder = tmp_path / 'pretrained'
    folder.mkdir()
    torch.save({'net': net.state_dict(), 'constructor': net.constructor, 'net_info': None}, folder / 'tomp101.pth.tar')
    result = run_training(pytracking_root, 'tomp101_cmd', quick(tmp_path, cmd_source_root=str(lasher),
                                                                 **{'ltr.pretrained_networks': str(folder)}))
    assert result.returncode != 0
    assert '{} holds a ltr_cmd.models.dimpnet18_layer2 network, but tomp101_cmd starts from ' \
           'ltr.models.tracking.tompnet.tompnet101'.format(folder / 'tomp101.pth.tar') in result.stderr


def test_a_missing_source_root_names_the_local_py_attribute(pytracking_root, tmp_path):
    result = run_training(pytracking_root, 'dimp18_cmd', quick(tmp_path, cmd_source_root=str(tmp_path / 'nowhere')))
    assert result.returncode != 0
    assert str(tmp_path / 'nowhere') in result.stderr


@pytest.mark.slow
def test_demo_settings_train_write_checkpoints_and_resume(pytracking_root, tmp_path):
    from ltr_cmd import demo
    overrides = quick(tmp_path, samples_per_epoch=4)
    for setting in ('demo_teacher', 'demo_cmd', 'demo_control'):
        result = run_training(pytracking_root, setting, overrides)
        assert result.returncode == 0, setting + result.stdout[-3000:] + result.stderr[-3000:]
    runs = tmp_path / 'workspace' / 'checkpoints' / 'ltr' / 'cmd'
    first = runs / 'demo_cmd' / 'DiMPnet_ep0001.pth.tar'
    stamp = first.stat().st_mtime_ns
    resumed = run_training(pytracking_root, 'demo_cmd', dict(overrides, **{'train.num_epochs': 2}))
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert (runs / 'demo_cmd' / 'DiMPnet_ep0002.pth.tar').exists()
    assert first.stat().st_mtime_ns == stamp  # epoch 1 was loaded, not trained again
    assert demo.training_differences(first) == []  # the record reproduce's check compares
    assert '[train: 1,' not in resumed.stdout and '[train: 2,' in resumed.stdout


def test_malformed_overrides_are_named(pytracking_root, tmp_path):
    env = dict(os.environ, **{SETTINGS_VARIABLE: '{"train.num_epochs": 1,'})
    result = subprocess.run([sys.executable, 'run_training.py', 'cmd', 'demo_teacher'], cwd=str(pytracking_root / 'ltr'),
                            env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode != 0 and '$PYTRACKING_CMD_SETTINGS is not valid JSON' in result.stderr


def test_demo_cmd_without_a_teacher_says_what_to_run(pytracking_root, tmp_path):
    result = run_training(pytracking_root, 'demo_cmd', quick(tmp_path))
    assert result.returncode != 0
    assert 'run_training.py cmd demo_teacher' in result.stderr


def test_gradients_are_clipped_at_the_settings_grad_clip_max_norm(pytracking_root, tmp_path):
    """pytracking's settings.grad_clip_max_norm (the demo sets it): one SGD step of rate 1 on a loss
    whose gradient is 1000 moves the weight by 1000, or by 1 when clipped at norm 1."""
    from types import SimpleNamespace
    import torch
    from ltr.actors import BaseActor
    from ltr.admin.settings import Settings
    from pytracking import TensorDict
    from ltr_cmd.trainer import CMDTrainer

    class ScaledSum(BaseActor):
        def __call__(self, data):
            loss = 1000 * self.net(data['x']).sum()
            return loss, {'Loss/total': loss.item()}

    class Loader(list):
        training, name, batch_size = True, 'train', 1

    moved = {}
    for clip in (None, 1.0):
        net = torch.nn.Linear(1, 1, bias=False)
        torch.nn.init.zeros_(net.weight)
        settings = Settings()
        settings.env = SimpleNamespace(workspace_dir=str(tmp_path), tensorboard_dir=str(tmp_path / 'tensorboard'))
        settings.project_path, settings.device = 'clip', torch.device('cpu')
        if clip is not None:
            settings.grad_clip_max_norm = clip
        loader = Loader([TensorDict({'x': torch.ones(1, 1)})])
        trainer = CMDTrainer(ScaledSum(net, None), [loader], torch.optim.SGD(net.parameters(), lr=1.0), settings)
        trainer.cycle_dataset(loader)
        moved[clip] = -net.weight.item()
    assert moved == {None: pytest.approx(1000), 1.0: pytest.approx(1)}
