"""The VOT toolkit integration against the real toolkit (vot-toolkit 0.9.0, vot-trax 4): a workspace
written by `pytracking-cmd vot init` on two synthetic thermal sequences (8- and 16-bit PNG), a
randomly initialised demo DiMP network, then `vot evaluate`, `vot analysis` and `vot report` as
subprocesses, with a TraX tracker process per sequence that loads its network once.

Runtime: under a minute on 2 CPU cores (one shared evaluation for most tests)."""
import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from tests.integration.test_tracking import random_tomp_network  # noqa: F401 (a fixture)


def _vot_missing():
    try:
        import trax  # noqa: F401
        import vot  # noqa: F401
    except Exception as error:  # ImportError, or attributee >= 0.1.10 failing on Python >= 3.11
        return '{}: {}'.format(type(error).__name__, error)
    if not (Path(sys.executable).parent / 'vot').is_file():
        return 'no `vot` executable next to {}'.format(sys.executable)
    return None


VOT_MISSING = _vot_missing()
pytestmark = [pytest.mark.integration,
              pytest.mark.skipif(VOT_MISSING is not None,
                                 reason='vot-toolkit / vot-trax not usable in this environment (install them with '
                                        'scripts/install-vot.sh): {}'.format(VOT_MISSING))]

VOT = str(Path(sys.executable).parent / 'vot')
FRAMES = 12
REPETITIONS = 2
JUMP = 4  # drift16's target jumps away at this frame: a failure, then a re-initialisation 5 frames later
TRACKER = 'dimp_cmd_demo_cmd'
TIMEOUT = 900  # per vot command: a stuck run (the toolkit does not enforce trackers.ini's timeout) fails the test


def make_sequence(folder, bits, frames=FRAMES, seed=0, color=False, jump_at=None):
    """A bright box drifting over noise; VOT format with a `sequence` file (channels.ir). From frame
    index `jump_at` on, the box is in the opposite corner: a tracker loses it (supervised: a failure)."""
    import cv2
    rng = np.random.default_rng(seed)
    (folder / 'ir').mkdir(parents=True)
    if color:
        (folder / 'color').mkdir()
    boxes = []
    for i in range(frames):
        x, y, w, h = 10 + 2 * i, 10 + i, 24, 18
        if jump_at is not None and i >= jump_at:
            x, y = 126, 92
        image = rng.normal(60, 5, (120, 160)).clip(0, 255)
        image[y:y + h, x:x + w] = 200
        frame = (image * 257).astype(np.uint16) if bits == 16 else image.astype(np.uint8)
        cv2.imwrite(str(folder / 'ir' / '{:08d}.png'.format(i + 1)), frame)
        if color:
            cv2.imwrite(str(folder / 'color' / '{:08d}.jpg'.format(i + 1)), 255 - image.astype(np.uint8))
        boxes.append('{},{},{},{}'.format(x, y, w, h))
    (folder / 'groundtruth.txt').write_text('\n'.join(boxes) + '\n')
    channels = 'channels.ir=ir/%08d.png\n' + ('channels.color=color/%08d.jpg\n' if color else '')
    (folder / 'sequence').write_text(channels + 'fps=30\nformat=default\n')
    return folder


def vot_init(*argv):
    """`pytracking-cmd vot init ARGV`, in this process."""
    from pytracking_cmd import cli
    return cli.main(['vot', 'init'] + [str(a) for a in argv])


def run_vot(workspace, *argv):
    """The toolkit's `vot` command in `workspace`; a run that hangs past TIMEOUT raises TimeoutExpired."""
    return subprocess.run([VOT] + [str(a) for a in argv] + ['--workspace', str(workspace)], cwd=str(workspace),
                          capture_output=True, text=True, timeout=TIMEOUT)


def log_by_process(log):
    """{pid: Counter of 'loaded' / 'initialisation' lines} from the tracker log."""
    from pytracking_cmd.vot.trax_tracker import INITIALISATION_MESSAGE, LOADED_MESSAGE
    processes = {}
    for line in log.read_text().splitlines():
        match = re.search(r'\[pid (\d+)\] \w+: (.*)', line)
        if match:
            counter = processes.setdefault(int(match.group(1)), Counter())
            counter['loaded'] += match.group(2).startswith(LOADED_MESSAGE + ':')
            counter['initialisation'] += match.group(2).startswith(INITIALISATION_MESSAGE + ' ')
    return processes


@pytest.fixture(scope='module')
def material(tmp_path_factory):
    import torch
    from ltr_cmd import demo
    root = tmp_path_factory.mktemp('vot')
    make_sequence(root / 'data' / 'drift8', bits=8, seed=1)
    make_sequence(root / 'data' / 'drift16', bits=16, seed=2, jump_at=JUMP)
    net = demo.MODELS['dimp'].network()
    torch.save({'net': net.state_dict(), 'constructor': net.constructor, 'net_info': None}, root / 'demo_random.pth')
    (root / 'corrupt.pth').write_bytes((root / 'demo_random.pth').read_bytes()[:4096])
    return root


@pytest.fixture(scope='module')
def evaluated(pytracking_root, material):
    """One workspace, evaluated, analysed and reported once for the tests below."""
    workspace, log = material / 'workspace', material / 'tracker.log'
    assert vot_init(workspace, '--tracker', 'dimp_cmd', '--param', 'demo_cmd', '--sequences', material / 'data',
                    '--network', material / 'demo_random.pth', '--repetitions', REPETITIONS, '--log', log,
                    '--threads', 1) == 0  # on a busy 2-core machine 2 spinning threads took 2 s a frame, 1 thread 0.04 s
    runs = {}
    for command in ('evaluate', 'analysis', 'report'):
        runs[command] = result = run_vot(workspace, command, TRACKER)
        assert result.returncode == 0, '{}\n{}'.format(command, (result.stdout + result.stderr)[-4000:])
    return workspace, log, runs


def trajectories(workspace, experiment, tracker=TRACKER):
    from vot.region.io import read_trajectory
    found = {}
    for path in sorted((workspace / 'results' / tracker / experiment).glob('*/*.bin')):
        with open(path, 'rb') as handle:
            found[path.stem] = read_trajectory(handle)
    return found


@pytest.mark.slow
def test_evaluate_analysis_report_run_offline(evaluated):
    workspace, _, runs = evaluated
    output = runs['evaluate'].stdout + runs['evaluate'].stderr
    assert 'Evaluation concluded successfuly' in output  # (sic) the toolkit's words; it exits 0 on errors too
    analysis = json.loads(sorted((workspace / 'analysis').glob('*.json'))[-1].read_text())
    assert set(analysis['results']) == {'baseline', 'unsupervised'}
    assert analysis['results']['baseline']['type'] == 'pytracking_cmd.vot.experiments.SupervisedExperiment'
    accuracy = analysis['results']['baseline']['results'][0][0][0]
    assert 0 <= accuracy <= 1
    assert list((workspace / 'reports').glob('*/report.html'))
    assert not (workspace / 'sequences' / 'description.json').exists()  # nothing was downloaded


@pytest.mark.slow
def test_results_hold_a_region_for_every_frame(evaluated):
    from vot.region import Rectangle, Special
    workspace = evaluated[0]
    supervised, one_pass = trajectories(workspace, 'baseline'), trajectories(workspace, 'unsupervised')
    assert sorted(supervised) == ['drift16_{:03d}'.format(i) for i in range(1, REPETITIONS + 1)] + \
        ['drift8_{:03d}'.format(i) for i in range(1, REPETITIONS + 1)]
    assert sorted(one_pass) == ['drift16_001', 'drift8_001']
    for name, regions in {**supervised, **one_pass}.items():
        assert len(regions) == FRAMES, name
        assert isinstance(regions[0], Special) and regions[0].code == 1, name  # initialisation
        assert all(isinstance(r, (Rectangle, Special)) for r in regions), name
    for name, regions in supervised.items():  # the workaround experiment re-initialises after a failure
        codes = [getattr(r, 'code', None) for r in regions]
        for failure in (i for i, code in enumerate(codes) if code == 2):  # 4 frames skipped, then initialisation
            assert codes[failure + 1:failure + 5] == [0] * len(codes[failure + 1:failure + 5]), (name, codes)
            assert failure + 5 >= FRAMES or codes[failure + 5] == 1, (name, codes)
    for repetition in range(1, REPETITIONS + 1):  # the jump is a failure unless the random network lost it before
        codes = [getattr(r, 'code', None) for r in supervised['drift16_{:03d}'.format(repetition)]]
        assert codes[JUMP] == 2 or 2 in codes[JUMP - 4:JUMP], codes
    for name, regions in one_pass.items():
        boxes = regions[1:]
        assert all(isinstance(r, Rectangle) and r.width > 0 and r.height > 0 for r in boxes), name
        assert all(np.isfinite([r.x, r.y, r.width, r.height]).all() for r in boxes), name


@pytest.mark.slow
def test_one_process_per_sequence_loads_the_network_once(evaluated):
    workspace, log, _ = evaluated
    processes = log_by_process(log)
    # the toolkit starts one tracker process per sequence and experiment: 2 supervised + 2 one-pass
    assert len(processes) == 4, processes
    assert all(counts['loaded'] == 1 for counts in processes.values()), processes
    # a supervised process served every initialisation its results hold: each repetition's first frame and
    # every re-initialisation after a failure (drift16's jump; the random network may also lose drift8)
    initialisations = Counter()
    for name, regions in trajectories(workspace, 'baseline').items():
        initialisations[name.rsplit('_', 1)[0]] += sum(getattr(r, 'code', None) == 1 for r in regions)
    assert initialisations['drift16'] >= 2 * REPETITIONS, initialisations
    served = sorted(counts['initialisation'] for counts in processes.values())
    assert served == sorted([1, 1] + list(initialisations.values())), (processes, initialisations)
    print('\ntracker processes: {}, network loads: {}, initialisations: {}'.format(
        len(processes), sum(c['loaded'] for c in processes.values()), sum(served)))


@pytest.mark.slow
def test_tomp_cmd_runs_in_a_vot_workspace(pytracking_root, material, random_tomp_network, tmp_path):
    """`vot init --tracker tomp_cmd --param tomp50_cmd`, then a one-pass `vot evaluate` on the 16-bit sequence:
    pytracking's ToMP behind the TraX tracker process."""
    workspace, name = tmp_path / 'workspace', 'tomp_cmd_tomp50_cmd'
    assert vot_init(workspace, '--tracker', 'tomp_cmd', '--param', 'tomp50_cmd', '--stack', 'ir-local-oneshot',
                    '--sequences', material / 'data' / 'drift16', '--network', random_tomp_network,
                    '--threads', 1) == 0
    result = run_vot(workspace, 'evaluate', name)
    output = result.stdout + result.stderr
    assert result.returncode == 0 and 'Evaluation concluded successfuly' in output, output[-3000:]
    from vot.region import Rectangle, Special
    regions = trajectories(workspace, 'unsupervised', name)
    assert list(regions) == ['drift16_001'] and len(regions['drift16_001']) == FRAMES
    first, boxes = regions['drift16_001'][0], regions['drift16_001'][1:]
    assert isinstance(first, Special) and first.code == 1
    assert all(isinstance(r, Rectangle) and r.width > 0 and r.height > 0 for r in boxes)


def _assert_reported_failure(workspace, name, result, *expected):
    output = result.stdout + result.stderr
    assert 'Server terminated the session' in output, output[-3000:]
    logs = list((workspace / 'logs').glob(name + '_*.log'))
    assert logs, output[-3000:]
    saved = logs[-1].read_text()
    assert 'Process exited with code (1)' in saved, saved[-3000:]
    for text in expected:
        assert text in output and text in saved, (text, output[-3000:])


@pytest.mark.slow
def test_a_network_that_cannot_load_is_reported_not_hung(evaluated, material):
    workspace = evaluated[0]
    assert vot_init(workspace, '--tracker', 'dimp_cmd', '--param', 'demo_cmd', '--name', 'broken',
                    '--network', material / 'corrupt.pth', '--repetitions', REPETITIONS) == 0  # same stack
    result = run_vot(workspace, 'evaluate', 'broken')
    _assert_reported_failure(workspace, 'broken', result, 'corrupt.pth could not be read')


@pytest.mark.slow
def test_an_error_while_tracking_is_reported_not_hung(pytracking_root, material):
    data = material / 'bad_frame'
    make_sequence(data / 'truncated', bits=8, frames=4, seed=3)
    (data / 'truncated' / 'ir' / '00000003.png').write_bytes(b'\x89PNG\r\n\x1a\n truncated')
    workspace = material / 'workspace_bad_frame'
    assert vot_init(workspace, '--tracker', 'dimp_cmd', '--param', 'demo_cmd', '--stack', 'ir-local-oneshot',
                    '--sequences', data, '--network', material / 'demo_random.pth', '--threads', 1) == 0
    result = run_vot(workspace, 'evaluate', TRACKER)
    _assert_reported_failure(workspace, TRACKER, result, '00000003.png')


def test_the_tracker_process_writes_nothing_to_stdout():
    code = ('import os, sys\nfrom pytracking_cmd.vot.trax_tracker import protect_stdout\nfd = protect_stdout()\n'
            'print("from python")\nos.write(1, b"from fd 1\\n")\nos.write(fd, b"protocol\\n")\n')
    result = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout == 'protocol\n'
    assert 'from python' in result.stderr and 'from fd 1' in result.stderr


def test_the_tracker_entry_has_help():
    result = subprocess.run([sys.executable, '-m', 'pytracking_cmd.vot.trax_tracker', '--help'],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and '--channel' in result.stdout and '--network' in result.stdout


def test_network_override_reaches_dimp_tomp_and_atom_parameters(pytracking_root, material, monkeypatch):
    from pytracking.evaluation import Tracker
    from ltr_cmd.checkpoints import NETWORK_VARIABLE
    from pytracking_cmd.vot import trax_tracker
    path = str(material / 'demo_random.pth')
    monkeypatch.setenv(NETWORK_VARIABLE, path)  # as trax_tracker --network sets it: no trained network needed
    for name, param, where in [('dimp_cmd', 'demo_cmd', 'params.net'), ('tomp_cmd', 'tomp50_cmd', 'params.net'),
                               ('tomp_cmd', 'tomp101_cmd', 'params.net'),
                               ('atom_cmd', 'default_cmd', 'params.features.features[0]')]:
        params = Tracker(name, param).get_parameters()
        assert trax_tracker._network_path(params) == path
        assert trax_tracker.set_network(params, path) == where
        assert trax_tracker._network_path(params) == path


def test_init_never_overwrites_what_it_did_not_write(pytracking_root, material, tmp_path, capsys):
    common = ['--tracker', 'dimp_cmd', '--param', 'demo_cmd', '--sequences', material / 'data']
    foreign = tmp_path / 'foreign'
    foreign.mkdir()
    (foreign / 'config.yaml').write_text('stack: vot2016/tir\n')
    assert vot_init(foreign, *common) == 2
    assert 'config.yaml exists and was not written by pytracking-cmd' in capsys.readouterr().err
    assert (foreign / 'config.yaml').read_text() == 'stack: vot2016/tir\n' and not (foreign / 'stack.yaml').exists()

    workspace = tmp_path / 'ours'
    assert vot_init(workspace, *common) == 0
    assert vot_init(workspace, *common) == 0  # same settings: nothing to change
    assert vot_init(workspace, *common, '--stack', 'ir-local-oneshot') == 2
    assert 'add --force' in capsys.readouterr().err
    assert vot_init(workspace, *common, '--stack', 'ir-local-oneshot', '--force') == 0
    assert 'unsupervised' in (workspace / 'stack.yaml').read_text()
    assert 'baseline' not in (workspace / 'stack.yaml').read_text()
    (workspace / 'stack.yaml').write_text('edited by hand\n')
    assert vot_init(workspace, *common, '--force') == 2  # edited since: not ours any more
    assert (workspace / 'stack.yaml').read_text() == 'edited by hand\n'

    ini = (workspace / 'trackers.ini').read_text()
    assert 'python = {}'.format(sys.executable) in ini and 'protocol = traxpython' in ini
    paths = re.search(r'^paths = (.*)$', ini, re.M).group(1).split(os.pathsep)
    assert str(Path(pytracking_root).resolve()) in paths and all(os.path.isabs(p) for p in paths)
    assert (workspace / 'sequences' / 'list.txt').read_text() == 'drift16\ndrift8\n'
    assert 'dataset' not in (workspace / 'config.yaml').read_text()


def test_init_checks_the_requested_channel(material, tmp_path, capsys):
    assert vot_init(tmp_path / 'w', '--tracker', 'dimp_cmd', '--param', 'demo_cmd', '--channel', 'rgbt',
                    '--sequences', material / 'data') == 2
    assert 'requests color+ir' in capsys.readouterr().err
    rgbt = make_sequence(tmp_path / 'rgbt' / 'pair', bits=8, frames=2, color=True).parent
    assert vot_init(tmp_path / 'w', '--tracker', 'dimp_cmd', '--param', 'demo_cmd', '--channel', 'rgbt',
                    '--sequences', rgbt) == 0
    assert "'--channel', 'rgbt'" in (tmp_path / 'w' / 'trackers.ini').read_text()
