"""ONNX export and ONNX Runtime tracking (pytracking_cmd/deploy, docs/deploy.md) against the real checkout:
`pytracking-cmd export` writes checked files; pytracking's own ToMP and DiMP run the *_ort parameter files
with the same boxes as PyTorch; run_tracker.py and the TraX tracker process run them."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from ltr_cmd.checkpoints import NETWORK_VARIABLE
from tests.integration.test_tracking import FRAMES, benchmarks, environment, random_network  # noqa: F401 (fixtures)
from tests.integration.test_vot import FRAMES as VOT_FRAMES, VOT_MISSING, make_sequence, run_vot, trajectories, vot_init

pytestmark = pytest.mark.integration

PARITY_FRAMES = 12


@pytest.fixture(scope='module')
def tomp_network(tmp_path_factory):
    """A random ToMP-50 (one-layer transformer) whose box regression is scaled to boxes of about a fifth of the
    search area: a random one predicts boxes larger than the frame, which clipping makes equal on every frame."""
    import math
    import torch
    from ltr.models.tracking import tompnet
    torch.manual_seed(0)
    net = tompnet.tompnet50(filter_size=1, backbone_pretrained=False, out_feature_dim=256, num_encoder_layers=1,
                            num_decoder_layers=1, dim_feedforward=256)
    with torch.no_grad():
        net.head.bb_regressor.bbreg_layer.weight.mul_(0.01)
        net.head.bb_regressor.bbreg_layer.bias.fill_(math.log(0.1))
    path = tmp_path_factory.mktemp('network') / 'random_tomp50_boxes.pth.tar'
    torch.save({'net': net.state_dict(), 'constructor': net.constructor, 'net_info': None}, path)
    return path


def export(tracker, param, network, monkeypatch):
    """`pytracking-cmd export TRACKER PARAM --network NETWORK` into the cache the *_ort files read; its folder."""
    from pytracking.evaluation import Tracker
    from pytracking_cmd import cli
    from pytracking_cmd.deploy import export as deploy_export
    before = os.environ.get(NETWORK_VARIABLE)
    assert cli.main(['export', tracker, param, '--network', str(network)]) == 0
    assert os.environ.get(NETWORK_VARIABLE) == before  # the command leaves the environment as it was
    monkeypatch.setenv(NETWORK_VARIABLE, str(network))
    params = Tracker(tracker, param).get_parameters()
    return deploy_export.cache_folder(params.net.net_path, params)


@pytest.fixture(scope='module')
def tomp_export(pytracking_root, tomp_network):
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv('PYTRACKING_CMD_DEVICE', 'cpu')
        return export('tomp_cmd', 'tomp50_cmd', tomp_network, monkeypatch)


@pytest.fixture(scope='module')
def dimp_export(pytracking_root, random_network):
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv('PYTRACKING_CMD_DEVICE', 'cpu')
        return export('dimp_cmd', 'demo_cmd', random_network, monkeypatch)


@pytest.mark.parametrize('which, parts', [
    ('tomp', {'backbone', 'head_features', 'filter_and_features_n1', 'filter_and_features_n2', 'classifier',
              'bb_regressor'}),
    ('dimp', {'backbone', 'classification_features', 'target_model', 'iou_features', 'iou_modulation',
              'iou_prediction'})])
def test_export_writes_checked_files_with_their_shapes_opset_and_tolerance(request, which, parts):
    import onnx
    folder = request.getfixturevalue(which + '_export')
    manifest = json.loads((folder / 'export.json').read_text())
    assert manifest['kind'] == which and set(manifest['parts']) == parts
    assert bool(manifest['stays_in_pytorch']) == (which == 'dimp')  # ToMP's whole per-frame network is exported
    for name in parts:
        onnx.checker.check_model(str(folder / (name + '.onnx')), full_check=True)
        record = json.loads((folder / (name + '.json')).read_text())
        assert record['opset'] == 18 and record['stands_for']
        assert record['tolerance']['max_abs_diff'] <= record['tolerance']['accepted']
    backbone = json.loads((folder / 'backbone.json').read_text())
    assert backbone['inputs'][0]['shape'][0] == 'batch'  # one patch per frame, several at initialisation


def generated_thermal_sequence():
    """A thermal sequence of the demo's synthetic world (frames HxWx3 uint8, ground-truth boxes)."""
    from ltr_cmd.data.synthetic import SyntheticRGBT
    world = SyntheticRGBT(3, num_sequences=1, length=PARITY_FRAMES, frame_size=(320, 240))
    frames = []
    for k in range(PARITY_FRAMES):
        frame = world.frame(0, k, 'tir')
        frames.append(np.repeat(frame[:, :, None], 3, axis=2) if frame.ndim == 2 else frame)
    return frames, np.asarray(world.boxes(0), dtype=float)


def track(tracker, param, network, frames, box, monkeypatch):
    """Boxes of pytracking's tracker for TRACKER PARAM on `frames` (the first one the initial box)."""
    import torch
    from pytracking.evaluation import Tracker
    monkeypatch.setenv(NETWORK_VARIABLE, str(network))
    monkeypatch.setenv('PYTRACKING_CMD_DEVICE', 'cpu')
    wrapper = Tracker(tracker, param)
    params = wrapper.get_parameters()
    params.debug, params.visualization = 0, False
    params.target_not_found_threshold = -1e9  # a random network's scores are low: let every frame move the box
    created = wrapper.create_tracker(params)
    torch.manual_seed(0)  # the initial augmentation's random shifts, the same for both backends
    created.initialize(frames[0], {'init_bbox': [float(v) for v in box]})
    return params, np.array([box] + [created.track(f)['target_bbox'] for f in frames[1:]], dtype=float)


def iou(a, b):
    from pytracking.analysis.extract_results import calc_iou_overlap
    import torch
    return calc_iou_overlap(torch.tensor(a), torch.tensor(b)).numpy()


def test_tomp_on_onnx_runtime_gives_the_boxes_of_pytorch_on_every_frame(tomp_export, tomp_network, monkeypatch):
    from pytracking_cmd.deploy.runtime import OrtToMPNet
    frames, truth = generated_thermal_sequence()
    _, torch_boxes = track('tomp_cmd', 'tomp50_cmd', tomp_network, frames, truth[0], monkeypatch)
    params, ort_boxes = track('tomp_cmd', 'tomp50_cmd_ort', tomp_network, frames, truth[0], monkeypatch)
    assert params.backend == 'onnxruntime' and isinstance(params.net, OrtToMPNet)
    assert params.net.export_dir == tomp_export
    assert params.net.torch_net.net is None  # no PyTorch network in this path
    assert len({tuple(b) for b in torch_boxes[1:]}) > 1, 'the boxes do not move: the parity below would be vacuous'
    overlaps = iou(torch_boxes, ort_boxes)
    assert overlaps.min() >= 0.99, overlaps


def test_dimp_on_onnx_runtime_keeps_the_success_auc_of_pytorch(dimp_export, random_network, monkeypatch):
    from pytracking_cmd.evaluation import metrics
    frames, truth = generated_thermal_sequence()
    _, torch_boxes = track('dimp_cmd', 'demo_cmd', random_network, frames, truth[0], monkeypatch)
    params, ort_boxes = track('dimp_cmd', 'demo_cmd_ort', random_network, frames, truth[0], monkeypatch)
    assert params.backend == 'onnxruntime' and params.net.export_dir == dimp_export
    assert len({tuple(b) for b in torch_boxes[1:]}) > 1, 'the boxes do not move: the parity below would be vacuous'
    auc = [metrics.sequence_curves(metrics.sequence_errors(boxes, truth))[0].mean() for boxes in (torch_boxes, ort_boxes)]
    assert abs(auc[0] - auc[1]) <= 0.005, auc


def test_run_tracker_runs_tomp50_cmd_ort_and_evaluate_reads_it(pytracking_root, tmp_path, benchmarks, tomp_export,
                                                               tomp_network):
    env = environment(tmp_path, benchmarks, tomp_network)
    tracked = subprocess.run([sys.executable, 'run_tracker.py', 'tomp_cmd', 'tomp50_cmd_ort', '--dataset_name',
                              'lsotb_tir'], cwd=str(pytracking_root / 'pytracking'), env=env, capture_output=True,
                             text=True, timeout=600)
    output = tracked.stdout + tracked.stderr
    assert tracked.returncode == 0 and 'Traceback' not in output, output[-3000:]
    assert 'exporting' not in output  # it used the export of the fixture, from the cache
    for name in ('cat_D_001', 'person_S_002'):
        boxes = np.loadtxt(tmp_path / 'results' / 'tomp_cmd' / 'tomp50_cmd_ort' / (name + '.txt'), delimiter='\t')
        assert boxes.shape == (FRAMES, 4) and np.isfinite(boxes).all() and (boxes[1:, 2:] > 0).all()
    evaluated = subprocess.run([sys.executable, '-m', 'pytracking_cmd.cli', 'evaluate', '--dataset', 'lsotb_tir',
                                '--tracker', 'tomp_cmd', 'tomp50_cmd_ort', '--out', str(tmp_path / 'report')],
                               env=env, capture_output=True, text=True, timeout=300)
    assert evaluated.returncode == 0, evaluated.stdout[-3000:] + evaluated.stderr[-3000:]
    assert 'tomp_cmd/tomp50_cmd_ort' in evaluated.stdout


@pytest.mark.skipif(VOT_MISSING is not None, reason='vot-toolkit / vot-trax not usable: {}'.format(VOT_MISSING))
def test_the_vot_tracker_process_runs_tomp50_cmd_ort(tmp_path, tomp_export, tomp_network):
    """`vot init --tracker tomp_cmd --param tomp50_cmd_ort`, then a one-pass `vot evaluate`: the TraX tracker
    process (pytracking_cmd/vot/trax_tracker.py) runs pytracking's ToMP on ONNX Runtime."""
    from vot.region import Rectangle
    make_sequence(tmp_path / 'data' / 'drift8', bits=8, seed=1)
    workspace, name = tmp_path / 'workspace', 'tomp_cmd_tomp50_cmd_ort'
    assert vot_init(workspace, '--tracker', 'tomp_cmd', '--param', 'tomp50_cmd_ort', '--stack', 'ir-local-oneshot',
                    '--sequences', tmp_path / 'data' / 'drift8', '--network', tomp_network, '--threads', 1) == 0
    result = run_vot(workspace, 'evaluate', name)
    output = result.stdout + result.stderr
    assert result.returncode == 0 and 'Evaluation concluded successfuly' in output, output[-3000:]
    regions = trajectories(workspace, 'unsupervised', name)['drift8_001']
    assert len(regions) == VOT_FRAMES
    assert all(isinstance(r, Rectangle) and r.width > 0 and r.height > 0 for r in regions[1:])


def test_export_names_a_missing_network_and_an_ort_parameter_file(pytracking_root, tmp_path, tomp_network):
    missing = tmp_path / 'missing.pth.tar'
    done = subprocess.run([sys.executable, '-m', 'pytracking_cmd.cli', 'export', 'dimp_cmd', 'demo_cmd', '--network',
                           str(missing)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 2 and str(missing) in done.stderr, done.stderr[-2000:]
    done = subprocess.run([sys.executable, '-m', 'pytracking_cmd.cli', 'export', 'tomp_cmd', 'tomp50_cmd_ort'],
                          capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, **{NETWORK_VARIABLE: str(tomp_network)}))
    assert done.returncode == 2 and 'export its PyTorch parameter file (tomp50_cmd)' in done.stderr, done.stderr[-2000:]


def test_an_export_folder_without_its_manifest_or_with_a_cut_file_is_named(tomp_export, tomp_network, tmp_path,
                                                                            monkeypatch):
    import shutil
    from pytracking.evaluation import Tracker
    from ltr_cmd.errors import UserError
    monkeypatch.setenv(NETWORK_VARIABLE, str(tomp_network))
    monkeypatch.setenv('PYTRACKING_CMD_DEVICE', 'cpu')
    params = Tracker('tomp_cmd', 'tomp50_cmd_ort').get_parameters()
    params.onnx_dir = str(tmp_path / 'empty')
    (tmp_path / 'empty').mkdir()
    with pytest.raises(UserError, match=r'params.onnx_dir = .*empty holds no export.json: write it with'):
        params.net.load_network()
    cut = tmp_path / 'cut'
    shutil.copytree(tomp_export, cut)
    data = (cut / 'backbone.onnx').read_bytes()
    (cut / 'backbone.onnx').write_bytes(data[:len(data) // 3])   # a copy to the device that stopped
    params.onnx_dir = str(cut)
    with pytest.raises(UserError, match=r'backbone.onnx: ONNX Runtime cannot load it .*pytracking-cmd export'):
        params.net.load_network()
