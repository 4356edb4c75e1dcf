"""Flawed data met while training and tracking, with pytracking's own loader workers and scripts:
unusable frames are replaced (spawned workers), a vanished data folder stops training with a clear
error, strict mode makes skipped sequences fatal, another flawed source trains, and run_tracker.py
on a benchmark with a corrupt frame names the file and keeps the other sequences' results."""
import json
import os
import shutil
import subprocess
import sys
import warnings

import pytest
import torch

from ltr_cmd.checkpoints import NETWORK_VARIABLE
from ltr_cmd.data import rgbt_sources
from ltr_cmd.data.pseudo_boxes import make_pseudo_box_generator
from ltr_cmd.settings_overrides import VARIABLE as SETTINGS_VARIABLE
from tests import flawed_roots
from tests.integration.test_training import assert_data_summary, quick, run_training, stand_in_release_file

pytestmark = pytest.mark.integration


class EveryPair(torch.utils.data.Dataset):
    """Every item of a PairedFrameDataset once, read as pytracking's samplers read it."""

    def __init__(self, dataset):
        self.dataset = dataset

    def __len__(self):
        return len(self.dataset)

    def __getitem__(self, k):
        info = self.dataset.get_sequence_info(k)
        frames, anno, _ = self.dataset.get_frames(k, [0, 0, 0], info)
        return {'shapes': torch.tensor([f.shape for f in frames]), 'box': anno['bbox'][0],
                'replaced': self.dataset.take_replaced()}


def paired_dataset(root, name='lasher', **kwargs):
    from ltr_cmd.data.paired_dataset import PairedFrameDataset
    source = rgbt_sources.make_source(name, str(root), strict=False, log_skipped=False)
    return PairedFrameDataset(source, make_pseudo_box_generator('center'), **kwargs)


def test_unusable_frames_are_replaced_in_spawned_workers_with_a_warning_naming_the_file(tmp_path, capfd):
    root, expected = flawed_roots.lasher(tmp_path / 'lasher')
    dataset = paired_dataset(root)
    loader = torch.utils.data.DataLoader(EveryPair(dataset), batch_size=None, num_workers=2,
                                         multiprocessing_context='spawn')
    samples = list(loader)
    assert len(samples) == sum(expected['used'].values())
    for sample in samples:  # both modalities of one pair, every time
        assert sample['shapes'].tolist() == [[flawed_roots.SIZE[1], flawed_roots.SIZE[0], 6]] * 3
    assert sum(int(s['replaced']) for s in samples) >= len(expected['unusable'])
    err = capfd.readouterr().err
    for path in expected['unusable']:
        assert 'replaced a frame pair that cannot be used' in err and str(path) in err


def test_a_vanished_data_folder_stops_with_a_clear_error(tmp_path):
    from ltr_cmd.data.paired_dataset import DataUnavailableError
    root, _ = flawed_roots.lasher(tmp_path / 'lasher')
    dataset = paired_dataset(root, max_failures_in_a_row=5)
    shutil.rmtree(str(root))
    with pytest.raises(DataUnavailableError, match='5 frame pairs in a row could not be read .* Is the disk'):
        dataset.get_sequence_info(0)


def test_strict_mode_makes_a_skipped_sequence_fatal(pytracking_root, tmp_path):
    root, _ = flawed_roots.lasher(tmp_path / 'lasher')
    result = run_training(pytracking_root, 'dimp18_cmd', quick(tmp_path, cmd_source_root=str(root), cmd_strict=True))
    assert result.returncode != 0
    assert 'cannot read a frame index from the file name {}'.format(root / 'copy' / 'visible' / 'v001 (1).jpg') \
        in result.stderr


@pytest.mark.slow
def test_a_real_setting_trains_on_another_flawed_source_with_two_workers(pytracking_root, tmp_path):
    root, expected = flawed_roots.rgbt234(tmp_path / 'rgbt234')
    stand_in_release_file('dimp18_cmd', tmp_path / 'pretrained')
    result = run_training(pytracking_root, 'dimp18_cmd', quick(
        tmp_path, cmd_source='rgbt234', cmd_source_root=str(root), num_workers=2, samples_per_epoch=4,
        **{'ltr.pretrained_networks': str(tmp_path / 'pretrained')}))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert_data_summary(result.stdout, root, expected)
    assert 'Data/replaced_frames' in result.stdout


@pytest.mark.slow
def test_run_tracker_names_a_corrupt_frame_and_keeps_the_other_sequences(pytracking_root, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        root, expected = flawed_roots.lsotb_tir(tmp_path / 'lsotb')
    network = tmp_path / 'random_demo.pth.tar'
    from ltr_cmd import demo
    torch.manual_seed(0)
    net = demo.MODELS['dimp'].network()
    torch.save({'net': net.state_dict(), 'constructor': net.constructor, 'net_info': None}, network)
    env = dict(os.environ, **{SETTINGS_VARIABLE: json.dumps({'pytracking.results_path': str(tmp_path / 'results'),
                                                             'pytracking.lsotb_tir_path': str(root)}),
                              NETWORK_VARIABLE: str(network), 'PYTRACKING_CMD_DEVICE': 'cpu'})
    # --debug 0 on purpose: the behaviour under test is pytracking's own (running.py run_sequence prints
    # a sequence's error and goes on with the next sequence); debug >= 1 would stop at the first error.
    tracked = subprocess.run([sys.executable, 'run_tracker.py', 'dimp_cmd', 'demo_cmd', '--dataset_name', 'lsotb_tir'],
                             cwd=str(pytracking_root / 'pytracking'), env=env, capture_output=True, text=True,
                             timeout=600)
    assert tracked.returncode == 0, tracked.stdout[-3000:] + tracked.stderr[-3000:]
    assert 'truncated JPEG file (no end-of-image marker; an interrupted copy or download?): {}'.format(
        expected['corrupt']) in tracked.stdout
    results = tmp_path / 'results' / 'dimp_cmd' / 'demo_cmd'  # the sequence after the broken one was tracked
    assert not (results / 'airplane_H_001.txt').exists() and (results / 'bird_H_001.txt').is_file()
