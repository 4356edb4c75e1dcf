"""Trackers that say "absent" (pytracking_cmd/tracker/_absence.py): pytracking's own DiMP and ToMP, through
pytracking's Tracker.run_sequence and run_dataset (what run_tracker.py calls), on a generated thermal sequence
whose warm target is removed from some frames.

The networks are random (the demo's DiMP and ToMP, fixtures of test_tracking.py), so the not-found decision
is made deterministic through the parameter `target_not_found_threshold`: DiMP's filter, fitted on the first
frame, scores about 0.3 where the target is and about 0.015 where it was removed, and 0.15 separates the two;
a random ToMP's scores (1.0 - 2.4 here) do not follow the target, and 1.3 gives some frames of each flag.
Each test checks first that both flags occur, so it cannot pass without exercising the replacement."""
import random

import cv2
import numpy as np
import pytest
import torch

from ltr_cmd.checkpoints import NETWORK_VARIABLE
from tests.integration.test_tracking import random_network  # noqa: F401 (a fixture)

pytestmark = pytest.mark.integration

ABSENT_FRAMES = range(6, 11)  # 0-based frames without the target


def write_sequence(folder, frames):
    """A warm 16x20 target moving right over noise, removed on ABSENT_FRAMES; a pytracking Sequence of it."""
    from pytracking.evaluation.data import Sequence
    rng = np.random.default_rng(0)
    folder.mkdir(parents=True)
    paths, boxes = [], []
    for k in range(frames):
        image = rng.normal(60, 5, (96, 128)).clip(0, 255)
        x, y = 30 + 2 * k, 40
        if k not in ABSENT_FRAMES:
            image[y:y + 20, x:x + 16] = 200
        paths.append(str(folder / '{:04d}.jpg'.format(k + 1)))
        cv2.imwrite(paths[-1], image.astype(np.uint8))
        boxes.append([x, y, 16, 20])
    return Sequence('vanishing', paths, 'generated', np.array(boxes, dtype=np.float64))


def seed_everything():
    """DiMP draws random boxes for its IoU-Net refinement, and augmentations at initialisation: runs to compare
    start from the same random state."""
    random.seed(0)
    np.random.seed(0)
    torch.manual_seed(0)


def tracked(tracker_name, param_name, network, sequence, threshold, report_absence, monkeypatch):
    """Run the plugin tracker through pytracking's Tracker.run_sequence with the parameter file's parameters
    (threshold and report_absence set); returns the outputs and, per frame, the localisation flag and state."""
    from pytracking.evaluation import Tracker
    monkeypatch.setenv(NETWORK_VARIABLE, str(network))
    monkeypatch.setenv('PYTRACKING_CMD_DEVICE', 'cpu')
    wrapper = Tracker(tracker_name, param_name)
    params = wrapper.get_parameters()
    params.target_not_found_threshold = threshold
    params.report_absence = report_absence
    frames = []

    class Recording(wrapper.tracker_class):
        """The plugin's class, recording what its own localisation decided and its state after each frame."""

        def localize_target(self, *args, **kwargs):
            result = super().localize_target(*args, **kwargs)
            frames.append({'flag': result[3]})
            return result

        def track(self, image, info=None):
            out = super().track(image, info)
            frames[-1].update(pos=self.pos.clone(), target_sz=self.target_sz.clone(), out=out['target_bbox'],
                              debug_flag=self.debug_info.get('flag'))
            return out

    wrapper.get_parameters = lambda: params
    wrapper.tracker_class = Recording
    seed_everything()
    output = wrapper.run_sequence(sequence, debug=0)
    assert len(frames) == len(sequence.frames) - 1
    return output, frames


def check_absence_replaces_only_not_found_boxes(plain, absent):
    """`absent` (report_absence) against `plain` (without): same flags and state bit for bit; [0, 0, 0, 0]
    exactly on not_found frames, the plain box elsewhere."""
    flags = [f['flag'] for f in plain[1]]
    assert 'not_found' in flags and set(flags) - {'not_found'}, 'the set-up must give both kinds of frame: ' + \
        str(flags)
    assert [f['flag'] for f in absent[1]] == flags
    for k, (p, a) in enumerate(zip(plain[1], absent[1]), start=2):
        assert torch.equal(p['pos'], a['pos']) and torch.equal(p['target_sz'], a['target_sz']), 'frame {}'.format(k)
        assert p['out'] != [0, 0, 0, 0], 'frame {}: without report_absence the box is kept'.format(k)
        assert a['out'] == ([0, 0, 0, 0] if p['flag'] == 'not_found' else p['out']), 'frame {}'.format(k)
    assert absent[0]['target_bbox'][0] == plain[0]['target_bbox'][0]  # frame 1: the initial box
    assert absent[0]['target_bbox'][1:] == [f['out'] for f in absent[1]]  # what run_sequence returns


def test_dimp_cmd_says_absent_where_the_target_was_removed_and_tracks_on_unchanged(
        pytracking_root, tmp_path, random_network, monkeypatch):
    sequence = write_sequence(tmp_path / 'img', 12)
    plain, absent = (tracked('dimp_cmd', 'demo_cmd', random_network, sequence, 0.15, report, monkeypatch)
                     for report in (False, True))
    check_absence_replaces_only_not_found_boxes(plain, absent)
    # pytracking's own record of DiMP's decision agrees with what the plugin saw
    assert [f['debug_flag'] for f in absent[1]] == [f['flag'] for f in absent[1]]
    # the frames without the target (k: 0-based frame index) are the absent ones, and it is found again after
    not_found = [k for k, f in enumerate(absent[1], start=1) if f['flag'] == 'not_found']
    assert not_found == list(ABSENT_FRAMES)
    assert absent[1][-1]['flag'] != 'not_found'


def test_tomp_cmd_says_absent_exactly_on_not_found_frames_and_tracks_on_unchanged(
        pytracking_root, tmp_path, monkeypatch):
    from ltr_cmd import demo
    torch.manual_seed(0)
    net = demo.MODELS['tomp'].network()
    network = tmp_path / 'random_demo_tomp.pth.tar'
    torch.save({'net': net.state_dict(), 'constructor': net.constructor, 'net_info': None}, network)
    sequence = write_sequence(tmp_path / 'img', 10)
    plain, absent = (tracked('tomp_cmd', 'demo_tomp_cmd', network, sequence, 1.3, report, monkeypatch)
                     for report in (False, True))
    check_absence_replaces_only_not_found_boxes(plain, absent)


def test_run_dataset_writes_zero_rows_for_absent_frames(pytracking_root, tmp_path, random_network, monkeypatch):
    """pytracking's run_dataset (run_tracker.py's call) writes `0\t0\t0\t0` for exactly the absent frames."""
    from pytracking.evaluation import Tracker
    from pytracking.evaluation.running import run_dataset
    sequence = write_sequence(tmp_path / 'img', 12)
    _, frames = tracked('dimp_cmd', 'demo_cmd', random_network, sequence, 0.15, True, monkeypatch)
    wrapper = Tracker('dimp_cmd', 'demo_cmd')
    params = wrapper.get_parameters()
    params.target_not_found_threshold = 0.15
    wrapper.get_parameters = lambda: params
    wrapper.results_dir = str(tmp_path / 'results')
    seed_everything()
    run_dataset([sequence], [wrapper], debug=0, threads=0)
    result = tmp_path / 'results' / 'vanishing.txt'
    assert result.is_file(), 'pytracking printed the error above instead of writing ' + str(result)
    rows = result.read_text().splitlines()
    assert len(rows) == len(sequence.frames)
    zero_rows = [k for k, row in enumerate(rows[1:], start=1) if row == '0\t0\t0\t0']
    assert zero_rows == [k for k, f in enumerate(frames, start=1) if f['flag'] == 'not_found'] == \
        list(ABSENT_FRAMES)


def test_the_vot_tracker_never_reports_absence(pytracking_root, random_network, monkeypatch):
    """The TraX process (pytracking_cmd/vot/trax_tracker.py) tracks with demo_cmd, which asks for absence: off."""
    from pytracking.evaluation import Tracker
    from pytracking_cmd.vot.trax_tracker import load_tracker
    monkeypatch.setenv(NETWORK_VARIABLE, str(random_network))  # load_tracker sets it too; restored after the test
    monkeypatch.setenv('PYTRACKING_CMD_DEVICE', 'cpu')
    assert Tracker('dimp_cmd', 'demo_cmd').get_parameters().report_absence is True
    tracker = load_tracker('dimp_cmd', 'demo_cmd', network=str(random_network))
    assert tracker.params.report_absence is False


@pytest.mark.parametrize('module, base', [
    ('dimp_cmd.super_dimp_cmd_antiuav', 'pytracking_cmd.parameter.dimp_cmd.super_dimp_cmd'),
    ('dimp_cmd.dimp50_cmd_antiuav', 'pytracking_cmd.parameter.dimp_cmd.dimp50_cmd'),
    ('dimp_cmd.super_dimp_antiuav', 'pytracking.parameter.dimp.super_dimp'),
    ('tomp_cmd.tomp50_cmd_antiuav', 'pytracking_cmd.parameter.tomp_cmd.tomp50_cmd'),
    ('tomp_cmd.tomp50_antiuav', 'pytracking.parameter.tomp.tomp50')])
def test_antiuav_parameter_files_are_their_base_with_report_absence(module, base, random_network, monkeypatch):
    """Imported directly (no shim needed: a new parameter file gets one on the next `pytracking-cmd register`)."""
    import importlib
    monkeypatch.setenv(NETWORK_VARIABLE, str(random_network))  # the students' networks need not exist
    params = importlib.import_module('pytracking_cmd.parameter.' + module).parameters()
    stock = importlib.import_module(base).parameters()
    assert params.report_absence is True and not stock.get('report_absence', False)
    mine, theirs = vars(params), vars(stock)
    assert sorted(mine) == sorted(set(theirs) | {'report_absence'})
    for name, value in theirs.items():
        if name == 'net':
            assert mine['net'].net_path == value.net_path
        elif torch.is_tensor(value):
            assert torch.equal(mine[name], value), name
        else:
            assert mine[name] == value, name
