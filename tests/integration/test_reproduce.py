"""`pytracking-cmd reproduce` against the real checkout: the paper preset's chain, check, resuming an
interrupted track stage with pytracking's own run_tracker.py, and (slow) the whole demo preset."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from ltr_cmd import baselines
from ltr_cmd.checkpoints import NETWORK_VARIABLE
from ltr_cmd.settings_overrides import VARIABLE as SETTINGS_VARIABLE
from pytracking_cmd import presets

from .test_tracking import FRAMES, benchmarks, random_network, write_sequence  # noqa: F401 (fixtures)

pytestmark = pytest.mark.integration


def cli(args, env, timeout=600):
    return subprocess.run([sys.executable, '-m', 'pytracking_cmd.cli'] + args, env=env, capture_output=True,
                          text=True, timeout=timeout)


def settings_env(**settings):
    return dict(os.environ, **{SETTINGS_VARIABLE: json.dumps(settings), 'PYTRACKING_CMD_DEVICE': 'cpu'})


@pytest.mark.parametrize('baseline', sorted(baselines.BASELINES))
def test_dry_run_prints_the_paper_chain_for_each_baseline(pytracking_root, tmp_path, baseline):
    row = baselines.BASELINES[baseline]
    tracker, param, student_tracker, student_param = (row.stock_tracker, row.stock_param, row.student_tracker,
                                                      row.student_param)
    done = cli(['reproduce', '--baseline', baseline, '--runs', '2', '--dry-run', '--out', str(tmp_path / 'out')],
               settings_env(**{'pytracking.results_path': str(tmp_path / 'results')}))
    assert done.returncode == 0, done.stderr[-3000:]
    ltr, tracking = pytracking_root / 'ltr', pytracking_root / 'pytracking'
    expected = ['cd {} && {} run_training.py cmd {}'.format(ltr, sys.executable, row.setting)]
    for benchmark in presets.PAPER_BENCHMARKS:
        for run_id in (0, 1):
            expected += ['cd {} && {} run_tracker.py {} {} --dataset_name {} --runid {}'.format(
                tracking, sys.executable, t, p, benchmark, run_id) for t, p in ((tracker, param),
                                                                               (student_tracker, student_param))]
    commands = [line for line in done.stdout.splitlines() if line.startswith('cd ')]
    assert sorted(commands) == sorted(expected)
    assert '# evaluate lsotb_tir, ptb_tir' in done.stdout
    assert not (tmp_path / 'results').exists() and not (tmp_path / 'out').exists()


def test_check_without_the_release_file_names_it_and_runs_nothing(pytracking_root, tmp_path):
    env = settings_env(**{'pytracking.network_path': str(tmp_path / 'networks'),
                          'pytracking.results_path': str(tmp_path / 'results')})
    done = cli(['reproduce', '--baseline', 'dimp50', '--stages', 'track,evaluate', '--out', str(tmp_path / 'out')], env)
    assert done.returncode == 2
    assert '[MISSING] release network dimp50.pth' in done.stderr
    assert 'nothing was run' in done.stderr
    assert not (tmp_path / 'results').exists() and not (tmp_path / 'out').exists()


def test_an_interrupted_track_stage_redoes_only_the_missing_sequences(pytracking_root, tmp_path, benchmarks,
                                                                      random_network):
    # dimp18: the demo network has DiMP-18's heads; it is the "release file" (never loaded: the baseline's
    # results are complete) and, through $PYTRACKING_CMD_NETWORK, the student
    networks = tmp_path / 'networks'
    networks.mkdir()
    (networks / 'dimp18.pth').write_bytes(random_network.read_bytes())
    results = tmp_path / 'results'
    lsotb = benchmarks['lsotb_tir']
    names = sorted(p.name for p in lsotb.iterdir())
    complete = ''.join('7\t7\t7\t7\n' for _ in range(FRAMES))
    for name in names:
        (results / 'dimp' / 'dimp18_000').mkdir(parents=True, exist_ok=True)
        (results / 'dimp' / 'dimp18_000' / (name + '.txt')).write_text(complete)
    student = results / 'dimp_cmd' / 'dimp18_cmd_000'
    student.mkdir(parents=True)
    (student / (names[0] + '.txt')).write_text(complete[:10])          # cut by Ctrl-C; names[1] missing

    env = settings_env(**{'pytracking.network_path': str(networks), 'pytracking.results_path': str(results),
                          'pytracking.lsotb_tir_path': str(lsotb)})
    env[NETWORK_VARIABLE] = str(random_network)
    done = cli(['reproduce', '--baseline', 'dimp18', '--benchmarks', 'lsotb_tir', '--stages', 'track'], env)
    assert done.returncode == 0, done.stderr[-3000:]
    assert 'every result file exists' in done.stderr          # the baseline was not run again
    assert (student / (names[0] + '.txt.incomplete')).read_text() == complete[:10]
    for name in names:
        assert np.loadtxt(student / (name + '.txt'), delimiter='\t').shape == (FRAMES, 4)
        assert (results / 'dimp' / 'dimp18_000' / (name + '.txt')).read_text() == complete


def test_a_tracker_that_fails_on_every_sequence_stops_the_chain_with_the_command_to_debug(pytracking_root, tmp_path,
                                                                                            benchmarks, random_network):
    """run_tracker.py prints a tracker's error and exits 0; the chain checks the result files it left."""
    networks, results = tmp_path / 'networks', tmp_path / 'results'
    networks.mkdir()
    (networks / 'dimp18.pth').write_bytes(random_network.read_bytes())
    broken = tmp_path / 'half_written.pth.tar'
    broken.write_bytes(random_network.read_bytes()[:1000])  # the student: a checkpoint cut while it was written
    env = settings_env(**{'pytracking.network_path': str(networks), 'pytracking.results_path': str(results),
                          'pytracking.lsotb_tir_path': str(benchmarks['lsotb_tir'])})
    env[NETWORK_VARIABLE] = str(broken)
    done = cli(['reproduce', '--baseline', 'dimp18', '--benchmarks', 'lsotb_tir', '--stages', 'track'], env)
    assert done.returncode == 2, done.stderr[-3000:]
    assert 'ended without a complete result file for 2 of 2 sequences' in done.stderr
    assert 'half_written.pth.tar could not be read' in done.stderr  # pytracking printed the tracker's error
    assert 'run_tracker.py dimp_cmd dimp18_cmd --dataset_name lsotb_tir --runid 0 --debug 1 --sequence' in done.stderr


# Trained demo networks are kept here between test runs (a fresh machine trains them once); the ToMP demo
# trains on fewer samples in the test, so that its chain stays a few minutes
DEMO_WORKSPACE = Path('~/.cache/pytracking-cmd/test-demo').expanduser()
DEMO_TEST_SETTINGS = {'dimp': {}, 'tomp': {'train.samples_per_epoch': 64}}


@pytest.mark.slow
@pytest.mark.parametrize('baseline', sorted(DEMO_TEST_SETTINGS))
def test_the_demo_preset_runs_the_whole_chain_and_reports(pytracking_root, tmp_path, baseline):
    from ltr_cmd import demo
    model = demo.MODELS[baseline]
    workspace = DEMO_WORKSPACE / baseline
    env = settings_env(**{'pytracking.results_path': str(tmp_path / 'results'), 'ltr.workspace_dir': str(workspace),
                          'ltr.tensorboard_dir': str(tmp_path / 'tensorboard'),
                          'pytracking.cmd_demo_path': str(workspace / 'cmd_demo')}, **DEMO_TEST_SETTINGS[baseline])
    check = cli(['reproduce', '--preset', 'demo', '--baseline', baseline, '--stages', 'check'], env)
    if check.returncode == 2 and '[MISSING] demo outputs of this version' in check.stderr:
        shutil.rmtree(workspace)  # trained by an earlier version of the demo: this test's own folder, trained again
    out = tmp_path / 'out'
    done = cli(['demo', '--baseline', baseline, '--out', str(out)], env, timeout=3600)
    assert done.returncode == 0, done.stderr[-5000:]
    stem = 'cmd_{}_seed1'.format(model.prefix)
    table = (out / (stem + '.txt')).read_text()
    for label in ('teacher on RGB', 'teacher on thermal', 'RGB-only control on thermal', 'CMD student on thermal',
                  'CMD student on thermal - RGB-only control on thermal'):
        assert label in table and label in done.stdout
    assert {stem + '_success_toolkit.png', stem + '_success_toolkit.pdf', stem + '.csv', stem + '.json'} <= {
        p.name for p in out.iterdir()}
    readme = (out / 'README.md').read_text()
    assert 'run_training.py cmd {}'.format(demo.setting(model, 'cmd')) in readme
    assert 'run_tracker.py {} {}'.format(model.tracker, demo.setting(model, 'control')) in readme
    assert '--threads {}'.format(min(os.cpu_count(), 8)) in readme  # every core tracks (pytracking's own pool)
    assert not [p for p in out.iterdir() if p.name.startswith('.partial-')]
    # what the table shows in words, and the video of a held-out sequence
    assert 'In words:' in table and 'CMD student on thermal scores' in done.stdout
    assert 'of 8 sequences' in table
    import cv2
    video = cv2.VideoCapture(str(out / 'cmd_demo_demo_000.mp4'))
    assert int(video.get(cv2.CAP_PROP_FRAME_COUNT)) == 100
    assert (out / 'cmd_demo_demo_000.gif').stat().st_size < 5e6


def test_evaluate_and_report_write_the_table_deltas_and_readme_atomically(pytracking_root, tmp_path, benchmarks):
    results, out = tmp_path / 'results', tmp_path / 'out'
    lsotb = benchmarks['lsotb_tir']
    truth = {p.name: np.loadtxt(p / 'groundtruth_rect.txt', delimiter=',', ndmin=2) for p in lsotb.iterdir()}
    # the student matches the ground truth; the baseline is 4 px off in run 0 and 8 px off in run 1
    for folder, shift in (('dimp/dimp18_000', 4), ('dimp/dimp18_001', 8), ('dimp_cmd/dimp18_cmd_000', 0),
                          ('dimp_cmd/dimp18_cmd_001', 0)):
        (results / folder).mkdir(parents=True)
        for name, boxes in truth.items():
            np.savetxt(results / folder / (name + '.txt'), boxes + [shift, shift, 0, 0], delimiter='\t', fmt='%d')
    env = settings_env(**{'pytracking.results_path': str(results), 'pytracking.lsotb_tir_path': str(lsotb)})
    done = cli(['reproduce', '--baseline', 'dimp18', '--benchmarks', 'lsotb_tir', '--runs', '2',
                '--stages', 'evaluate,report', '--out', str(out)], env)
    assert done.returncode == 0, done.stderr[-3000:]
    table = (out / 'lsotb_tir.txt').read_text()
    assert 'CMD-DiMP [published]' in table and 'baseline dimp dimp18 (2 runs)' not in table
    delta = next(line for line in table.splitlines() if line.startswith('CMD dimp_cmd dimp18_cmd - baseline'))
    auc = delta.split('|')[1].strip()
    assert auc.startswith('+') and ' ± ' in auc and float(auc.split(' ± ')[1]) > 0   # two runs, two offsets
    # in words: the exact student is ahead of the shifted baseline on both sequences
    assert 'CMD dimp_cmd dimp18_cmd scores 0.952 success AUC against' in table  # 20 of 21 thresholds
    assert 'it is ahead on 2 of 2 sequences' in table
    assert {'lsotb_tir.csv', 'lsotb_tir.json', 'lsotb_tir_success_toolkit.png', 'README.md'} <= {
        p.name for p in out.iterdir()}
    readme = (out / 'README.md').read_text()
    assert 'pytracking: {} at commit '.format(pytracking_root) in readme and 'run ids: 0, 1' in readme
    assert not [p for p in out.iterdir() if p.name.startswith('.partial-')]


def test_demo_outputs_of_another_version_are_named_before_any_work(pytracking_root, tmp_path):
    """A benchmark rendered otherwise (an earlier demo) means that seed's networks and results are
    from that version too: check names what to remove and runs nothing."""
    from ltr_cmd import demo
    from ltr_cmd.data.synthetic import demo_benchmark_seed, write_benchmark
    benchmark = tmp_path / 'cmd_demo_seed7'
    write_benchmark(benchmark, demo_benchmark_seed(7), num_sequences=1, length=2, progress=False)
    old_run = tmp_path / 'ws' / 'checkpoints' / 'ltr' / 'cmd' / 'demo_teacher_seed7'
    old_run.mkdir(parents=True)
    env = settings_env(**{'pytracking.cmd_demo_path': str(tmp_path / 'cmd_demo'), 'ltr.workspace_dir': str(tmp_path / 'ws'),
                          'pytracking.results_path': str(tmp_path / 'results')})
    done = cli(['demo', '--seed', '7', '--out', str(tmp_path / 'out')], env)
    assert done.returncode == 2
    assert '[MISSING] demo outputs of this version' in done.stderr
    assert 'num_sequences: 1 -> {}'.format(demo.BENCHMARK['num_sequences']) in done.stderr
    assert 'rm -r {} {}'.format(benchmark, old_run) in done.stderr
    assert 'nothing was run' in done.stderr
    assert not (tmp_path / 'results').exists() and not (tmp_path / 'out').exists()


def test_networks_trained_by_another_version_of_the_demo_are_named_before_any_work(pytracking_root, tmp_path):
    """Each demo training records its settings in its checkpoints (pytracking's `settings` entry):
    networks trained otherwise, or before the demo recorded them, are named with what to remove;
    this version's pass."""
    import torch
    from ltr.admin.settings import Settings
    from ltr_cmd import demo
    runs = tmp_path / 'ws' / 'checkpoints' / 'ltr' / 'cmd'

    def checkpoint(path, training):
        settings = Settings()
        if training is not None:
            settings.demo_training = training
        path.parent.mkdir(parents=True)
        torch.save({'epoch': 1, 'settings': settings}, path)
        return path

    unclipped = checkpoint(runs / 'demo_teacher_seed7' / 'DiMPnet_ep0004.pth.tar',
                           dict(demo.training_identity(), grad_clip=None))
    unrecorded = checkpoint(runs / 'demo_cmd_seed7' / 'interval' / 'DiMPnet_ep0001_it000020.pth.tar', None)
    current = checkpoint(runs / 'demo_control_seed7' / 'DiMPnet_ep0001.pth.tar', demo.training_identity())
    truncated = runs / 'demo_control_seed7' / 'interval' / 'DiMPnet_ep0002_it000020.pth.tar'
    truncated.parent.mkdir()
    truncated.write_bytes(b'')
    env = settings_env(**{'pytracking.cmd_demo_path': str(tmp_path / 'cmd_demo'), 'ltr.workspace_dir': str(tmp_path / 'ws'),
                          'pytracking.results_path': str(tmp_path / 'results')})
    check = ['reproduce', '--preset', 'demo', '--seed', '7', '--stages', 'check', '--out', str(tmp_path / 'out')]
    done = cli(check, env)
    assert done.returncode == 2, done.stderr[-3000:]
    assert '{}: grad_clip: None -> {}'.format(unclipped, demo.GRAD_CLIP) in done.stderr
    assert '{}: training settings: not recorded'.format(unrecorded) in done.stderr
    assert str(current) + ':' not in done.stderr
    assert '{}: cannot be read ('.format(truncated) in done.stderr
    assert 'rm -r {} {} {}'.format(runs / 'demo_teacher_seed7', runs / 'demo_cmd_seed7', runs / 'demo_control_seed7') \
        in done.stderr
    unclipped.unlink(), unrecorded.unlink(), truncated.unlink()
    done = cli(check, env)
    assert done.returncode == 0, done.stderr[-3000:]
    assert '[ok] demo outputs of this version: seed 7' in done.stderr
