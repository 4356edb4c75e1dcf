"""Tracking with pytracking's own run_tracker.py on generated trees in the official LSOTB-TIR and
PTB-TIR layouts, with a random-initialised network, then `pytracking-cmd evaluate` on the results.
Paths go through $PYTRACKING_CMD_SETTINGS, so the user's local.py is neither read for them nor touched."""
import json
import os
import subprocess
import sys

import cv2
import numpy as np
import pytest

from ltr_cmd.checkpoints import NETWORK_VARIABLE
from ltr_cmd.settings_overrides import VARIABLE as SETTINGS_VARIABLE

pytestmark = pytest.mark.integration

FRAMES = 6


def write_sequence(folder, digits, annotation, sixteen_bit=False):
    """A thermal sequence: a warm square moving right on a noisy background; boxes to `annotation`."""
    rng = np.random.default_rng(len(str(folder)))
    (folder / 'img').mkdir(parents=True)
    boxes = []
    for k in range(FRAMES):
        image = rng.normal(60, 5, (96, 128)).clip(0, 255)
        x, y = 30 + 3 * k, 40
        image[y:y + 20, x:x + 16] = 200
        if sixteen_bit:
            cv2.imwrite(str(folder / 'img' / ('{:0%dd}.png' % digits).format(k + 1)), (image * 100).astype(np.uint16))
        else:
            cv2.imwrite(str(folder / 'img' / ('{:0%dd}.jpg' % digits).format(k + 1)), image.astype(np.uint8))
        boxes.append('{},{},16,20'.format(x, y))
    annotation.parent.mkdir(parents=True, exist_ok=True)
    annotation.write_text('\n'.join(boxes) + '\n')


@pytest.fixture(scope='module')
def benchmarks(tmp_path_factory):
    root = tmp_path_factory.mktemp('benchmarks')
    lsotb = root / 'lsotb'
    for name in ('cat_D_001', 'person_S_002'):
        write_sequence(lsotb / name, 4, lsotb / name / 'groundtruth_rect.txt')
    ptb = root / 'ptb'  # the PTB-TIR toolkit's own layout: frames in tirsequences/, boxes in tiranno/
    for name in ('campus1', 'street'):
        write_sequence(ptb / 'tirsequences' / name, 8, ptb / 'tiranno' / (name + '.txt'), sixteen_bit=name == 'street')
    return {'lsotb_tir': lsotb, 'ptb_tir': ptb}


@pytest.fixture(scope='module')
def random_network(tmp_path_factory):
    import torch
    from ltr_cmd import demo
    torch.manual_seed(0)
    net = demo.MODELS['dimp'].network()
    path = tmp_path_factory.mktemp('network') / 'random_demo.pth.tar'
    torch.save({'net': net.state_dict(), 'constructor': net.constructor, 'net_info': None}, path)
    return path


@pytest.fixture(scope='module')
def random_tomp_network(tmp_path_factory):
    """A random ToMP-50 (one-layer transformer, to keep CPU frames short) in pytracking's checkpoint format."""
    import torch
    from ltr.models.tracking import tompnet
    torch.manual_seed(0)
    net = tompnet.tompnet50(filter_size=1, backbone_pretrained=False, out_feature_dim=256, num_encoder_layers=1,
                            num_decoder_layers=1, dim_feedforward=256)
    path = tmp_path_factory.mktemp('network') / 'random_tomp50.pth.tar'
    torch.save({'net': net.state_dict(), 'constructor': net.constructor, 'net_info': None}, path)
    return path


def environment(tmp_path, benchmarks, network):
    settings = {'pytracking.results_path': str(tmp_path / 'results'),
                'pytracking.lsotb_tir_path': str(benchmarks['lsotb_tir']),
                'pytracking.ptb_tir_path': str(benchmarks['ptb_tir'])}
    return dict(os.environ, **{SETTINGS_VARIABLE: json.dumps(settings), NETWORK_VARIABLE: str(network),
                               'PYTRACKING_CMD_DEVICE': 'cpu'})


@pytest.mark.parametrize('dataset, sequences', [('lsotb_tir', ('cat_D_001', 'person_S_002')),
                                                ('ptb_tir', ('campus1', 'street'))])
def test_run_tracker_writes_results_for_every_sequence_and_evaluate_reads_them(
        pytracking_root, tmp_path, benchmarks, random_network, dataset, sequences):
    env = environment(tmp_path, benchmarks, random_network)
    # --debug 1 would be the way to see errors, but pytracking's own matplotlib visualisation, which
    # debug >= 1 switches on, fails on single-object sequences (tracker.py visualize: a list state);
    # with --debug 0 an error in a sequence leaves no result file, which the checks below catch.
    tracked = subprocess.run([sys.executable, 'run_tracker.py', 'dimp_cmd', 'demo_cmd', '--dataset_name', dataset],
                             cwd=str(pytracking_root / 'pytracking'), env=env, capture_output=True, text=True,
                             timeout=600)
    assert tracked.returncode == 0, tracked.stdout[-3000:] + tracked.stderr[-3000:]
    assert 'Traceback' not in tracked.stdout + tracked.stderr
    results = tmp_path / 'results' / 'dimp_cmd' / 'demo_cmd'
    for name in sequences:
        assert (results / (name + '.txt')).exists(), tracked.stdout[-3000:]
        boxes = np.loadtxt(results / (name + '.txt'), delimiter='\t')
        assert boxes.shape == (FRAMES, 4)
    assert boxes[0].tolist() == [30, 40, 16, 20]  # frame 1 is the initial box

    out = tmp_path / 'report'
    evaluated = subprocess.run([sys.executable, '-m', 'pytracking_cmd.cli', 'evaluate', '--dataset', dataset,
                                '--tracker', 'dimp_cmd', 'demo_cmd', '--out', str(out), '--definition', 'both'],
                               env=env, capture_output=True, text=True, timeout=300)
    assert evaluated.returncode == 0, evaluated.stdout[-3000:] + evaluated.stderr[-3000:]
    assert 'dimp_cmd/demo_cmd' in evaluated.stdout
    assert 'toolkit' in evaluated.stdout.lower() and 'pytracking' in evaluated.stdout.lower()
    plots = {p.suffix for p in out.iterdir()}
    assert {'.png', '.pdf'} <= plots


def test_an_unset_benchmark_root_names_the_attribute_and_the_file(pytracking_root, tmp_path, random_network):
    env = dict(os.environ, **{SETTINGS_VARIABLE: json.dumps({'pytracking.vot_tir2016_path': '',
                                                             'pytracking.results_path': str(tmp_path)}),
                              NETWORK_VARIABLE: str(random_network)})
    tracked = subprocess.run([sys.executable, 'run_tracker.py', 'dimp_cmd', 'demo_cmd', '--dataset_name', 'vot_tir2016'],
                             cwd=str(pytracking_root / 'pytracking'), env=env, capture_output=True, text=True,
                             timeout=300)
    assert tracked.returncode != 0
    assert 'vot_tir2016_path' in tracked.stderr and 'local.py' in tracked.stderr


def test_evaluate_lists_missing_result_files_with_the_command_to_make_them(pytracking_root, tmp_path, benchmarks):
    env = dict(os.environ, **{SETTINGS_VARIABLE: json.dumps({'pytracking.lsotb_tir_path': str(benchmarks['lsotb_tir']),
                                                             'pytracking.results_path': str(tmp_path)})})
    evaluated = subprocess.run([sys.executable, '-m', 'pytracking_cmd.cli', 'evaluate', '--dataset', 'lsotb_tir',
                                '--tracker', 'dimp_cmd', 'never_run'], env=env, capture_output=True, text=True,
                               timeout=300)
    assert evaluated.returncode != 0
    output = evaluated.stdout + evaluated.stderr
    assert 'cat_D_001.txt' in output and 'run_tracker.py dimp_cmd never_run --dataset_name lsotb_tir' in output


def test_atom_cmd_runs_the_demo_student_through_pytrackings_atom(pytracking_root, tmp_path, benchmarks, random_network):
    env = environment(tmp_path, benchmarks, random_network)
    tracked = subprocess.run([sys.executable, 'run_tracker.py', 'atom_cmd', 'demo_cmd', '--dataset_name', 'lsotb_tir',
                              '--sequence', 'cat_D_001'], cwd=str(pytracking_root / 'pytracking'), env=env,
                             capture_output=True, text=True, timeout=600)
    assert tracked.returncode == 0 and 'Traceback' not in tracked.stdout + tracked.stderr, tracked.stdout[-3000:]
    boxes = np.loadtxt(tmp_path / 'results' / 'atom_cmd' / 'demo_cmd' / 'cat_D_001.txt', delimiter='\t')
    assert boxes.shape == (FRAMES, 4) and np.isfinite(boxes).all()


@pytest.mark.slow
@pytest.mark.parametrize('dataset, sequence', [('lsotb_tir', 'cat_D_001'), ('ptb_tir', 'street')])
def test_tomp_cmd_runs_pytrackings_tomp_on_8_and_16_bit_thermal_frames(pytracking_root, tmp_path, benchmarks,
                                                                       random_tomp_network, dataset, sequence):
    """tomp_cmd tomp50_cmd through run_tracker.py: an 8-bit JPEG sequence and a 16-bit PNG one (PTB-TIR's street),
    both one-channel, read through the plugin's frame reader."""
    env = environment(tmp_path, benchmarks, random_tomp_network)
    tracked = subprocess.run([sys.executable, 'run_tracker.py', 'tomp_cmd', 'tomp50_cmd', '--dataset_name', dataset,
                              '--sequence', sequence], cwd=str(pytracking_root / 'pytracking'), env=env,
                             capture_output=True, text=True, timeout=600)
    assert tracked.returncode == 0 and 'Traceback' not in tracked.stdout + tracked.stderr, \
        tracked.stdout[-3000:] + tracked.stderr[-3000:]
    boxes = np.loadtxt(tmp_path / 'results' / 'tomp_cmd' / 'tomp50_cmd' / (sequence + '.txt'), delimiter='\t')
    assert boxes.shape == (FRAMES, 4) and np.isfinite(boxes).all()
    assert boxes[0].tolist() == [30, 40, 16, 20]  # frame 1 is the initial box
    assert (boxes[1:, 2:] > 0).all()


@pytest.fixture(scope='module')
def trained_tomp50_cmd(pytracking_root, tmp_path_factory):
    """The workspace of a one-iteration tomp50_cmd run of the real trainer (run_training.py) from a random stand-in of
    tomp50.pth.tar (test_training's: a one-layer transformer, 128-pixel crops)."""
    from tests.integration.test_training import QUICK_SIZES, quick, run_training, stand_in_release_file, \
        write_lasher_tree
    folder = tmp_path_factory.mktemp('tomp50_cmd')
    stand_in_release_file('tomp50_cmd', folder / 'pretrained')
    trained = run_training(pytracking_root, 'tomp50_cmd', quick(
        folder, cmd_source_root=str(write_lasher_tree(folder / 'lasher')), **QUICK_SIZES['tomp50_cmd'],
        **{'ltr.pretrained_networks': str(folder / 'pretrained')}))
    assert trained.returncode == 0, trained.stdout[-3000:] + trained.stderr[-3000:]
    assert '[train: 1, 1 / 1]' in trained.stdout
    return folder / 'workspace'


@pytest.mark.slow
def test_tomp_cmd_tracks_with_the_checkpoint_the_trainer_wrote_for_tomp50_cmd(pytracking_root, tmp_path, benchmarks,
                                                                               trained_tomp50_cmd):
    """The chain a user runs: `run_training.py cmd tomp50_cmd`, then `run_tracker.py tomp_cmd tomp50_cmd`, which
    finds the run's latest checkpoint itself (no $PYTRACKING_CMD_NETWORK, an empty network_path)."""
    run = trained_tomp50_cmd / 'checkpoints' / 'ltr' / 'cmd' / 'tomp50_cmd'
    assert [p.name for p in run.rglob('*.pth.tar')] == ['ToMPnet_ep0001.pth.tar']
    (tmp_path / 'networks').mkdir()
    settings = {'pytracking.results_path': str(tmp_path / 'results'), 'pytracking.network_path': str(tmp_path / 'networks'),
                'pytracking.lsotb_tir_path': str(benchmarks['lsotb_tir']), 'ltr.workspace_dir': str(trained_tomp50_cmd)}
    env = {k: v for k, v in os.environ.items() if k != NETWORK_VARIABLE}
    env.update({SETTINGS_VARIABLE: json.dumps(settings), 'PYTRACKING_CMD_DEVICE': 'cpu', 'OMP_NUM_THREADS': '1'})
    # --debug 0: pytracking saves no result file with debug >= 1 (running.py run_sequence), and its matplotlib
    # visualisation fails on single-object sequences; an error leaves no result file, which the checks catch
    tracked = subprocess.run([sys.executable, 'run_tracker.py', 'tomp_cmd', 'tomp50_cmd', '--dataset_name', 'lsotb_tir',
                              '--sequence', 'cat_D_001'], cwd=str(pytracking_root / 'pytracking'), env=env,
                             capture_output=True, text=True, timeout=600)
    assert tracked.returncode == 0 and 'Traceback' not in tracked.stdout + tracked.stderr, \
        tracked.stdout[-3000:] + tracked.stderr[-3000:]
    boxes = np.loadtxt(tmp_path / 'results' / 'tomp_cmd' / 'tomp50_cmd' / 'cat_D_001.txt', delimiter='\t')
    assert boxes.shape == (FRAMES, 4) and np.isfinite(boxes).all()
    assert boxes[0].tolist() == [30, 40, 16, 20]  # frame 1 is the initial box
    assert (boxes[1:, 2:] > 0).all()
