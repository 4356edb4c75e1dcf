"""The foundation against the real, registered pytracking checkout: pytracking's own modules import
and run on this stack, each compatibility fix is needed (the same code fails with that fix
disabled), and registration leaves the checkout's tracked files alone."""
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from pytracking_cmd import _startup, compat, registration

pytestmark = pytest.mark.integration


def run_python(code, cwd=None, disable=None, env=None):
    environment = dict(os.environ, **(env or {}))
    environment[_startup.DISABLE_VARIABLE] = disable or ''
    return subprocess.run([sys.executable, '-c', textwrap.dedent(code)], cwd=cwd, env=environment,
                          capture_output=True, text=True, timeout=600)


# (fix, code that needs it, text of the failure without it)
FIX_CASES = [
    ('fix_torchvision_op_schemas', 'import torchvision', 'torchvision::nms does not exist'),
    ('fix_resnet_model_urls', 'import ltr.models.backbone.resnet', "cannot import name 'model_urls'"),
    ('fix_collections_abc', '''
        import torch
        from ltr.data.loader import ltr_collate
        batch = ltr_collate([{'a': torch.ones(1)}, {'a': torch.ones(1)}])
        assert batch['a'].shape == (2, 1)
     ''', "has no attribute 'Mapping'"),
    ('fix_legacy_fft', '''
        import torch
        from pytracking.libs import fourier
        assert fourier.cfft2(torch.ones(1, 1, 5, 5)).shape == (1, 1, 5, 3, 2)
     ''', "has no attribute 'rfft'"),
    ('fix_tensorlist_dunders', '''
        import torch
        from pytracking.libs import TensorList
        x = torch.ones(2, requires_grad=True)
        assert torch.autograd.grad(TensorList([(x * 2).sum()]), TensorList([x]))[0].tolist() == [2., 2.]
     ''', "no implementation found for 'torch.autograd.grad'"),
    ('fix_tikzplotlib', 'import pytracking.analysis.plot_results', 'tikzplotlib'),
    # another tracking process creates the results folder right after this one checked for it
    ('fix_results_dir_race', '''
        import os, types
        from pytracking.evaluation import running
        folder = os.path.join(os.getcwd(), 'dimp_cmd', 'demo_cmd_001')
        exists = os.path.exists
        def exists_then_created_elsewhere(path):
            found = exists(path)
            if path == folder and not found:
                os.makedirs(folder)
            return found
        os.path.exists = exists_then_created_elsewhere
        tracker = types.SimpleNamespace(results_dir=folder, segmentation_dir=folder)
        seq = types.SimpleNamespace(name='seq', frames=['0001.jpg', '0002.jpg'], object_ids=None)
        running._save_tracker_output(seq, tracker, {'target_bbox': [[1, 2, 3, 4], [5, 6, 7, 8]]})
        os.path.exists = exists
        assert open(os.path.join(folder, 'seq.txt')).read().split() == ['1', '2', '3', '4', '5', '6', '7', '8']
     ''', 'FileExistsError'),
]


@pytest.mark.parametrize('fix, code, failure', FIX_CASES, ids=[c[0] for c in FIX_CASES])
def test_each_fix_is_needed_and_works(pytracking_root, tmp_path, fix, code, failure):
    (tmp_path / 'fixed').mkdir(), (tmp_path / 'broken').mkdir()
    fixed = run_python(code, cwd=tmp_path / 'fixed')
    assert fixed.returncode == 0, fixed.stderr[-2000:]
    broken = run_python(code, cwd=tmp_path / 'broken', disable=fix)
    assert broken.returncode != 0 and failure in broken.stderr, broken.stderr[-2000:]


def test_checkpoints_load_weights_only_with_the_allow_list(pytracking_root, tmp_path):
    code = '''
        import torch
        from ltr.models.tracking import dimpnet
        from ltr.admin.loading import load_network
        net = dimpnet.dimpnet18(backbone_pretrained=False)
        path = {path!r}
        torch.save({{'net': net.state_dict(), 'constructor': net.constructor, 'net_info': None}}, path)
        loaded, checkpoint = load_network(path)
        assert type(loaded).__name__ == 'DiMPnet'
    '''.format(path=str(tmp_path / 'net.pth'))
    fixed = run_python(code)
    assert fixed.returncode == 0, fixed.stderr[-2000:]
    broken = run_python(code, disable='fix_checkpoint_loading')
    assert broken.returncode != 0 and 'Weights only load failed' in broken.stderr


def test_a_half_written_checkpoint_is_named_with_what_to_do(pytracking_root, tmp_path):
    from ltr.admin.loading import load_network
    path = tmp_path / 'DiMPnet_ep0003.pth.tar'
    path.write_bytes(b'PK\x03\x04 truncated')
    with pytest.raises(RuntimeError, match='DiMPnet_ep0003.pth.tar could not be read.*half-written'):
        load_network(str(path))


def test_an_untrusted_checkpoint_with_arbitrary_objects_is_refused(pytracking_root, tmp_path):
    import pickle
    import torch
    from ltr.admin.loading import load_network
    path = tmp_path / 'foreign.pth'
    torch.save({'net': {}, 'constructor': None, 'payload': np.float64(1.0).__class__}, path)
    with pytest.raises(pickle.UnpicklingError, match='foreign.pth.*PYTRACKING_CMD_TRUSTED_DIRS'):
        load_network(str(path))


def test_a_checkpoint_in_a_trusted_folder_is_unpickled_in_full(pytracking_root, tmp_path, monkeypatch):
    import torch
    from ltr.admin.loading import torch_load_legacy
    from ltr_cmd import checkpoints
    path = tmp_path / 'trusted' / 'foreign.pth'
    path.parent.mkdir()
    torch.save({'net': {}, 'payload': np.float64(1.0).__class__}, path)
    monkeypatch.setenv(checkpoints.TRUSTED_DIRS_VARIABLE, str(path.parent))
    assert torch_load_legacy(str(path))['payload'] is np.float64


def test_stock_parameters_run_on_the_cpu(pytracking_root):
    import torch
    from pytracking.evaluation import Tracker
    params = Tracker('atom', 'default').get_parameters()
    cuda = torch.cuda.is_available()
    assert params.use_gpu is cuda and params.features.features[0].use_gpu is cuda
    if not cuda:  # the problem the fix solves exists only without CUDA
        broken = run_python('''
            from pytracking.evaluation import Tracker
            assert Tracker('dimp', 'dimp50').get_parameters().use_gpu is False
        ''', disable='fix_device_choice')
        assert broken.returncode != 0  # stock files say use_gpu = True


def test_16_bit_frames_reach_trackers_scaled_not_truncated(pytracking_root, tmp_path):
    import cv2
    from pytracking.evaluation import Tracker
    path = str(tmp_path / '00000001.png')
    cv2.imwrite(path, np.array([[1000, 1100], [1200, 1300]], dtype=np.uint16))
    frame = Tracker('dimp_cmd', 'dimp50_cmd')._read_image(path)
    assert frame.shape == (2, 2, 3) and frame[..., 0].tolist() == [[0, 85], [170, 255]]
    stock = run_python('''
        from pytracking.evaluation import Tracker
        print(Tracker('dimp', 'dimp50')._read_image({!r})[..., 0].tolist())
    '''.format(path), disable='fix_frame_reading')
    assert stock.stdout.strip() == '[[3, 4], [4, 5]]'  # the problem: only the high byte survives


@pytest.mark.parametrize('factory, crop', [('dimpnet.dimpnet50', 288), ('dimpnet.klcedimpnet50', 352),
                                           ('atom.atom_resnet18', 288)])
def test_stock_networks_run_forward_and_backward_on_the_cpu(pytracking_root, factory, crop):
    import torch
    from ltr.models.bbreg import atom  # noqa: F401
    from ltr.models.tracking import dimpnet  # noqa: F401
    module, function = factory.split('.')
    net = getattr(locals()[module], function)(backbone_pretrained=False)
    torch.manual_seed(0)
    images = torch.randn(1, 2, 3, crop, crop)
    boxes = torch.tensor([[[100., 100., 60., 60.], [90., 80., 50., 70.]]])
    proposals = boxes.unsqueeze(2).repeat(1, 1, 4, 1) + torch.randn(1, 2, 4, 4)
    out = net(images, images.clone(), boxes, proposals)
    loss = (out[0][-1].mean() + out[1].mean()) if isinstance(out, tuple) else out.mean()
    loss.backward()
    grads = [p.grad for p in net.bb_regressor.parameters() if p.grad is not None]
    assert grads and all(torch.isfinite(g).all() for g in grads)


def test_plugin_trackers_get_their_classes(pytracking_root):
    from pytracking.evaluation import Tracker
    from pytracking.tracker.atom import ATOM
    from pytracking.tracker.dimp import DiMP
    from pytracking.tracker.tomp import ToMP
    # pytracking's own classes under the plugin's absence reporting (pytracking_cmd/tracker/_absence.py)
    for name, param, stock in (('dimp_cmd', 'dimp50_cmd', DiMP), ('atom_cmd', 'default_cmd', ATOM),
                               ('tomp_cmd', 'tomp50_cmd', ToMP)):
        tracker_class = Tracker(name, param).tracker_class
        assert issubclass(tracker_class, stock) and tracker_class.__name__ == stock.__name__ + 'CMD'


def test_train_settings_import_from_ltr(pytracking_root):
    names = registration.provided()['train_settings']
    code = 'import importlib\n' + ''.join(
        'assert callable(importlib.import_module("ltr.train_settings.cmd.{}").run)\n'.format(n) for n in names)
    result = run_python(code, cwd=str(pytracking_root / 'ltr'))
    assert result.returncode == 0, result.stderr[-2000:]


def test_plugin_datasets_are_in_pytrackings_table(pytracking_root):
    from pytracking.evaluation.datasets import dataset_dict
    from pytracking_cmd.evaluation.registry import DATASETS
    assert set(DATASETS) <= set(dataset_dict)
    assert dataset_dict['lsotb_tir'].module == 'pytracking_cmd.evaluation.pytracking_datasets'


def test_register_and_unregister_on_a_clone_leave_tracked_files_alone(pytracking_root, tmp_path):
    clone = tmp_path / 'pytracking'
    subprocess.run(['git', 'clone', '-q', str(pytracking_root), str(clone)], check=True)
    for command in ('register', 'register', 'unregister', 'unregister'):
        if command == 'register':  # in-process: the hook goes to tmp_path, not this environment's site-packages
            registration.register(clone, log=lambda *_: None, workspace=tmp_path / 'ws', site_dir=tmp_path)
        else:  # the command, told which environment's registration to remove by its hook file
            result = subprocess.run([sys.executable, '-m', 'pytracking_cmd.cli', command, str(clone), '--environment',
                                     str(tmp_path / registration.PTH_NAME)], capture_output=True, text=True)
            assert result.returncode == 0, result.stderr
        status = subprocess.run(['git', '-C', str(clone), 'status', '--porcelain'], capture_output=True,
                                text=True).stdout.splitlines()
        if command == 'register':
            assert status and all(line.startswith('?? ') for line in status)
            assert (tmp_path / registration.PTH_NAME).exists()
        else:
            assert status == []
            assert not (tmp_path / registration.PTH_NAME).exists()


def test_doctor_reports_a_healthy_installation(pytracking_root):
    result = subprocess.run([sys.executable, '-m', 'pytracking_cmd.cli', 'doctor', str(pytracking_root)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    for expected in ('registration', 'compatibility fixes', 'torchvision-op-schemas', 'PrRoIPool', 'cpu: pytorch',
                     'network for dimp50_cmd'):
        assert expected in result.stdout


def test_doctor_fails_with_what_to_do_when_not_registered(pytracking_root, tmp_path):
    clone = tmp_path / 'pytracking'
    subprocess.run(['git', 'clone', '-q', str(pytracking_root), str(clone)], check=True)
    result = subprocess.run([sys.executable, '-m', 'pytracking_cmd.cli', 'doctor', str(clone)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode != 0
    assert 'not registered: run `pytracking-cmd register' in result.stdout


# A pytracking-like sample (TensorDict of images, boxes, labels, a TensorList, a list, a string) for LTRLoader's
# workers; worker_init_fn makes torch repeat "TypedStorage is deprecated" in every worker (it says it once per
# process otherwise). Imported by name from forkserver workers.
LOADER_SAMPLES = '''
import torch
from pytracking import TensorDict, TensorList

class Samples(torch.utils.data.Dataset):
    def __len__(self):
        return 8

    def __getitem__(self, i):
        g = torch.Generator().manual_seed(i)
        return TensorDict({'train_images': torch.rand(2, 3, 8, 8, generator=g),
                           'train_anno': torch.rand(2, 4, generator=g),
                           'label': torch.tensor([i]), 'valid': torch.tensor([i % 2 == 0]),
                           'features': TensorList([torch.full((2,), i, dtype=torch.float16), torch.arange(3) + i]),
                           'pair': [torch.tensor([i, i + 1]), torch.zeros(2, dtype=torch.uint8)], 'dataset': 'demo'})

def always_warn(worker_id):
    torch.storage._set_always_warn_typed_storage_removal(True)
'''

LOADER_RUN = '''
import torch
from ltr.data.loader import LTRLoader
from samples import Samples, always_warn

def flat(x, key=''):
    found = {key + '#type': type(x).__name__}
    if isinstance(x, torch.Tensor):
        found.update({key: x, key + '#shared': x.is_shared(), key + '#stride': x.stride()})
    elif isinstance(x, (dict, list, tuple)):
        for k, v in (x.items() if isinstance(x, dict) else enumerate(x)):
            found.update(flat(v, '{}/{}'.format(key, k)))
    else:
        found[key] = x
    return found

batches = {}
for context, stack_dim in (('fork', 0), ('forkserver', 1)):  # the plugin's EpochLoader: forkserver, stack_dim=1
    loader = LTRLoader('train', Samples(), batch_size=4, num_workers=2, stack_dim=stack_dim,
                       worker_init_fn=always_warn)
    loader.multiprocessing_context = context
    for n, batch in enumerate(loader):
        batches.update(flat(batch, '{}/{}'.format(context, n)))
torch.save(batches, 'batches.pt')
'''
DEPRECATED_COLLATE = ('TypedStorage is deprecated', 'An output with one or more elements was resized')


def test_loader_workers_collate_without_deprecated_calls(pytracking_root, tmp_path):
    import torch
    for name in ('fixed', 'stock'):
        (tmp_path / name).mkdir()
        (tmp_path / name / 'samples.py').write_text(LOADER_SAMPLES)
    # a deprecation warning in a worker is an error there; the loader re-raises it in the main process
    errors = ','.join('error:{}:UserWarning'.format(message) for message in DEPRECATED_COLLATE)
    fixed = run_python(LOADER_RUN, cwd=tmp_path / 'fixed', env={'PYTHONWARNINGS': errors})
    assert fixed.returncode == 0, fixed.stderr[-3000:]
    assert not any(message in fixed.stderr for message in DEPRECATED_COLLATE), fixed.stderr[-3000:]
    stock = run_python(LOADER_RUN, cwd=tmp_path / 'stock', disable='fix_shared_memory_collate')
    assert stock.returncode == 0, stock.stderr[-3000:]
    assert all(message in stock.stderr for message in DEPRECATED_COLLATE), stock.stderr[-3000:]  # the problem

    batches, expected = (torch.load(tmp_path / name / 'batches.pt') for name in ('fixed', 'stock'))
    assert batches.keys() == expected.keys()
    assert expected['fork/0/train_images'].shape == (4, 2, 3, 8, 8)
    assert expected['forkserver/0/train_images'].shape == (2, 4, 3, 8, 8)
    assert expected['forkserver/1/features/1#type'] == 'Tensor' and expected['fork/0/features#type'] == 'TensorList'
    for key, value in expected.items():
        if isinstance(value, torch.Tensor):
            assert batches[key].dtype == value.dtype and torch.equal(batches[key], value), key
        else:
            assert batches[key] == value, key
    assert all(value for key, value in batches.items() if key.endswith('#shared'))


def test_the_fixed_collate_fails_on_uneven_tensors_as_pytrackings_does(pytracking_root, monkeypatch):
    """The fixed collate in a worker (pytracking's own module, its worker check answering yes) gives torch.stack's
    error for tensors of different sizes, as the stock collate does; in the main process it is pytracking's own."""
    import torch
    from ltr.data import loader
    assert 'shared-memory-collate' in compat.applied()
    batch = loader.ltr_collate([torch.ones(2), torch.zeros(2)])
    assert batch.tolist() == [[1., 1.], [0., 0.]] and not batch.is_shared()
    monkeypatch.setattr(loader, '_check_use_shared_memory', lambda: True)
    assert loader.ltr_collate([torch.ones(2), torch.zeros(2)]).is_shared()
    for collate in (loader.ltr_collate, loader.ltr_collate_stack1):
        with pytest.raises(RuntimeError, match='stack expects each tensor to be equal size'):
            collate([torch.ones(2, 3), torch.ones(3, 2)])
