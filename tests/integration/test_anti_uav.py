"""The Anti-UAV benchmarks through pytracking's own run_tracker.py and `pytracking-cmd evaluate`: generated
Anti-UAV410 and Anti-UAV300 roots in the shipped layouts, flawed ones included, tracked with dimp_cmd and
tomp_cmd on random-initialised networks, then scored with the Anti-UAV toolkit's definition."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from ltr_cmd.checkpoints import NETWORK_VARIABLE
from ltr_cmd.settings_overrides import VARIABLE as SETTINGS_VARIABLE
from tests import anti_uav_roots
from tests.integration.test_tracking import random_network, random_tomp_network  # noqa: F401 (fixtures)

pytestmark = pytest.mark.integration


@pytest.fixture(scope='module')
def roots(tmp_path_factory):
    base = tmp_path_factory.mktemp('anti_uav')
    return {'anti_uav410': anti_uav_roots.anti_uav410(base / 'AntiUAV410'),
            'anti_uav300': anti_uav_roots.anti_uav300(base / 'Anti-UAV-RGBT')}


def environment(tmp_path, roots, network):
    settings = {'pytracking.results_path': str(tmp_path / 'results'),
                'pytracking.anti_uav410_path': str(roots['anti_uav410'][0]),
                'pytracking.anti_uav300_path': str(roots['anti_uav300'][0])}
    return dict(os.environ, **{SETTINGS_VARIABLE: json.dumps(settings), NETWORK_VARIABLE: str(network),
                               'PYTRACKING_CMD_DEVICE': 'cpu'})


def run(command, cwd=None, env=None, timeout=600):
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    return done, done.stdout[-4000:] + done.stderr[-4000:]


def evaluate(env, dataset, tracker, param, sequences, out):
    return run([sys.executable, '-m', 'pytracking_cmd.cli', 'evaluate', '--dataset', dataset, '--tracker', tracker,
                param, '--sequences', *sequences, '--out', str(out)], env=env, timeout=300)


def test_dimp_cmd_tracks_anti_uav410_and_evaluate_scores_it_as_the_toolkit(pytracking_root, tmp_path, roots,
                                                                            random_network):
    env = environment(tmp_path, roots, random_network)
    tracked, output = run([sys.executable, 'run_tracker.py', 'dimp_cmd', 'demo_cmd', '--dataset_name', 'anti_uav410'],
                          cwd=str(pytracking_root / 'pytracking'), env=env)
    assert tracked.returncode == 0, output
    expected = roots['anti_uav410'][1]
    # the reader named the flawed sequences; the truncated frame stops its sequence with the frame named
    for name in expected['skipped']:
        assert name in output, output
    assert '000004.jpg' in output
    results = tmp_path / 'results' / 'dimp_cmd' / 'demo_cmd'
    good = sorted(n for n in expected['used'] if n != 'truncated_frame')
    assert not (results / 'truncated_frame.txt').exists()
    for name in good:
        boxes = np.loadtxt(results / (name + '.txt'), delimiter='\t')
        assert boxes.shape == (expected['used'][name], 4)

    out = tmp_path / 'report'
    evaluated, output = evaluate(env, 'anti_uav410', 'dimp_cmd', 'demo_cmd', good, out)
    assert evaluated.returncode == 0, output
    header = next(line for line in evaluated.stdout.splitlines() if line.startswith('Tracker'))
    assert 'State accuracy [antiuav]' in header and 'Success AUC [antiuav]' in header and 'Norm.' not in header
    assert 'Super_DiMP [published]' in evaluated.stdout and '0.531' in evaluated.stdout
    row = next(line for line in evaluated.stdout.splitlines() if line.startswith('dimp_cmd/demo_cmd'))
    sa = float(row.split('|')[1])
    assert 0.0 <= sa <= 1.0
    # the result files as the official toolkit reads them: {"res": [...]} with [] where the tracker said absent
    toolkit = out / 'anti_uav410_toolkit_results' / 'dimp_cmd_demo_cmd'
    for name in good:
        rows = json.loads((toolkit / (name + '.txt')).read_text())['res']
        written = np.loadtxt(results / (name + '.txt'), delimiter='\t')
        assert [r == [] for r in rows] == [bool((w == 0).all()) for w in written]
    for metric in ('success', 'precision'):
        assert (out / 'Anti-UAV410_{}_antiuav.png'.format(metric)).stat().st_size > 5000
    assert not list(out.glob('*norm_precision*'))


def test_pytrackings_sequences_know_where_the_target_is_absent(pytracking_root, tmp_path, roots, random_network):
    env = environment(tmp_path, roots, random_network)
    code = ('from pytracking.evaluation import get_dataset\n'
            'for s in get_dataset("anti_uav300"): print(s.name, list(map(int, s.target_visible)), '
            'len(s.frames), s.ground_truth_rect.shape)\n')
    listed, output = run([sys.executable, '-c', code], cwd=str(pytracking_root / 'pytracking'), env=env)
    assert listed.returncode == 0, output
    lines = dict(line.split(' ', 1) for line in listed.stdout.splitlines())
    assert sorted(lines) == sorted(roots['anti_uav300'][1]['used'])
    assert all(v.startswith('[1, 1, 1, 1, 1, 0, 1, 1] 8 (8, 4)') for v in lines.values()), lines


def test_tomp_cmd_tracks_anti_uav300_thermal(pytracking_root, tmp_path, roots, random_tomp_network):
    env = environment(tmp_path, roots, random_tomp_network)
    name = sorted(roots['anti_uav300'][1]['used'])[0]
    # by index: run_tracker.py tries int(--sequence) first, and int('20190925_101846_1_1') is a number
    tracked, output = run([sys.executable, 'run_tracker.py', 'tomp_cmd', 'demo_tomp_cmd', '--dataset_name',
                           'anti_uav300', '--sequence', '0'], cwd=str(pytracking_root / 'pytracking'), env=env)
    assert tracked.returncode == 0, output
    assert (tmp_path / 'results' / 'tomp_cmd' / 'demo_tomp_cmd' / (name + '.txt')).is_file(), output
    evaluated, output = evaluate(env, 'anti_uav300', 'tomp_cmd', 'demo_tomp_cmd', [name], tmp_path / 'report')
    assert evaluated.returncode == 0, output
    assert 'State accuracy [antiuav]' in evaluated.stdout and '[published]' not in evaluated.stdout


def test_reproduce_compares_stock_and_student_on_anti_uav410_with_the_published_state_accuracies(
        pytracking_root, tmp_path):
    root, expected = anti_uav_roots.anti_uav410(tmp_path / 'AntiUAV410', flaws=False)
    results = tmp_path / 'results'
    # the student says "absent" exactly where the drone is not there; the stock network keeps a box there
    for folder, absence in (('dimp_cmd/super_dimp_antiuav_000', False), ('dimp_cmd/super_dimp_cmd_antiuav_000', True)):
        (results / folder).mkdir(parents=True)
        for name in expected['used']:
            label = json.loads((root / 'test' / name / 'IR_label.json').read_text())
            boxes = [rect if any(rect) else ([0, 0, 0, 0] if absence else [30, 40, 16, 12]) for rect in label['gt_rect']]
            np.savetxt(results / folder / (name + '.txt'), boxes, delimiter='\t', fmt='%d')
    settings = {'pytracking.results_path': str(results), 'pytracking.anti_uav410_path': str(root)}
    done, output = run([sys.executable, '-m', 'pytracking_cmd.cli', 'reproduce', '--baseline', 'super_dimp',
                        '--benchmarks', 'anti_uav410', '--stages', 'evaluate,report', '--out', str(tmp_path / 'out')],
                       env=dict(os.environ, **{SETTINGS_VARIABLE: json.dumps(settings)}))
    assert done.returncode == 0, output
    table = (tmp_path / 'out' / 'anti_uav410.txt').read_text()
    student = next(line for line in table.splitlines() if line.startswith('CMD dimp_cmd super_dimp_cmd_antiuav  |'))
    stock = next(line for line in table.splitlines() if line.startswith('baseline dimp_cmd super_dimp_antiuav |'))
    assert float(student.split('|')[1]) == 1.0              # every frame: IoU 1 or a correct "absent"
    assert float(stock.split('|')[1]) == pytest.approx(6 / 8)  # 2 of 8 frames without the drone: a box, 0
    assert 'Super_DiMP [published]' in table and '0.531' in table and 'State accuracy' in table
    assert 'scores 1.000 state accuracy against 0.750 for baseline' in table and 'ahead on 2 of 2' in table
