"""`reproduce` pieces that need no pytracking: LSOTB-TIR split lists, resumable tracking, deltas."""
import json
import os

import numpy as np
import pytest

from pytracking_cmd import reproduce
from pytracking_cmd.evaluation import lsotb_splits, metrics, report, tir_benchmarks

# The official toolkit's format (configSeqs_100.m): struct entries in cell arrays, commented-out ones
# not part of the split, groups joined at the end.
CONFIG_SEQS = """function seqs=configSeqs

%HandHeld subset
TIR_H={struct('name','bird_H_001','path','sequences/bird_H_001/img/','startFrame',1,'endFrame',3,'nz',4,'ext','jpg','init_rect', [0,0,0,0]),...
       struct('name','cat_H_001','path','sequences/cat_H_001/img/','startFrame',1,'endFrame',3,'nz',4,'ext','jpg','init_rect', [0,0,0,0]),...
     };
    %   struct('name','person_H_001','path','sequences/person_H_001/img/','startFrame',1,'endFrame',3,'nz',4,'ext','jpg','init_rect', [0,0,0,0]),...
%Drone subset
TIR_D={struct('name','car_D_002','path','sequences/car_D_002/img/','startFrame',1,'endFrame',3,'nz',4,'ext','jpg','init_rect', [0,0,0,0]),... % 100%
       };
seqs=[TIR_D TIR_H];
"""


def lsotb_toolkit(root, names, frames=3):
    """A toolkit-layout LSOTB-TIR tree: <root>/sequences/<seq>/img/0001.jpg, <root>/anno/<seq>.txt."""
    for name in names:
        img = root / 'sequences' / name / 'img'
        img.mkdir(parents=True)
        for i in range(1, frames + 1):
            (img / '{:04d}.jpg'.format(i)).write_bytes(b'')
        (root / 'anno').mkdir(exist_ok=True)
        (root / 'anno' / (name + '.txt')).write_text(''.join('{},{},10,10\n'.format(i, i) for i in range(frames)))


def test_toolkit_list_file_gives_the_uncommented_names_in_file_order(tmp_path):
    path = tmp_path / 'configSeqs_100.m'
    path.write_text(CONFIG_SEQS)
    assert lsotb_splits.read_list_file(str(path)) == ['bird_H_001', 'cat_H_001', 'car_D_002']


@pytest.mark.parametrize('content', [['a_H_001', 'b_S_002'], {'a_H_001': {'init_rect': [1, 2, 3, 4]}, 'b_S_002': {}}])
def test_json_lists_as_newer_trackers_publish_them(tmp_path, content):
    path = tmp_path / 'LSOTB-TIR-ST100.json'
    path.write_text(json.dumps(content))
    assert lsotb_splits.read_list_file(str(path)) == ['a_H_001', 'b_S_002']


@pytest.mark.parametrize('text, message', [("struct('name','a_H_001'),struct('name','a_H_001')", 'listed twice'),
                                           ('% nothing here\n', 'no sequence names')])
def test_bad_list_files_are_named(tmp_path, text, message):
    path = tmp_path / 'configSeqs_136.m'
    path.write_text(text)
    with pytest.raises(lsotb_splits.SplitListError, match=message) as error:
        lsotb_splits.read_list_file(str(path))
    assert str(path) in str(error.value)


def test_a_split_keeps_the_listed_sequences_of_the_benchmark_on_disk(tmp_path):
    lsotb_toolkit(tmp_path, ['bird_H_001', 'cat_H_001', 'car_D_002', 'person_H_001'])
    (tmp_path / 'configSeqs_100.m').write_text(CONFIG_SEQS)
    sequences = tir_benchmarks.load_benchmark('lsotb_tir_st100', root=str(tmp_path / 'sequences'))
    assert [s.name for s in sequences] == ['bird_H_001', 'cat_H_001', 'car_D_002']
    assert sequences[2].ground_truth.shape == (3, 4)


def test_a_missing_list_file_names_the_file_to_download(tmp_path):
    lsotb_toolkit(tmp_path, ['bird_H_001'])
    with pytest.raises(lsotb_splits.SplitListError) as error:
        tir_benchmarks.load_benchmark('lsotb_tir_lt11', root=str(tmp_path))
    assert 'configSeqs_LT11.m' in str(error.value) and lsotb_splits.TOOLKIT_URL in str(error.value)


def test_a_listed_sequence_missing_on_disk_is_named(tmp_path):
    lsotb_toolkit(tmp_path, ['bird_H_001', 'cat_H_001'])
    (tmp_path / 'configSeqs_100.m').write_text(CONFIG_SEQS)
    with pytest.raises(lsotb_splits.SplitListError, match='car_D_002'):
        tir_benchmarks.load_benchmark('lsotb_tir_st100', root=str(tmp_path))


def test_the_splits_are_benchmark_names_and_the_report_names_the_split():
    for split in lsotb_splits.SPLITS:
        assert tir_benchmarks.get_config(split).split
    title = report.format_table([], 'lsotb_tir_st100', sequence_names=['a'] * 100).splitlines()[0]
    assert title.startswith('LSOTB-TIR split ST100')


def _scores(auc, precision, norm):
    return metrics.Scores(auc, precision, norm, metrics.TOOLKIT, None, None, None, 3)


def test_deltas_pair_runs_and_give_their_spread():
    deltas = report.delta_scores([_scores(0.6, 0.7, 0.8), _scores(0.7, 0.7, 0.8)],
                                 [_scores(0.5, 0.7, 0.9), _scores(0.5, 0.6, 0.9)])
    assert deltas['success_auc'][0] == pytest.approx(0.15)
    assert deltas['success_auc'][1] == pytest.approx(np.std([0.1, 0.2], ddof=1))
    assert deltas['norm_precision'][0] == pytest.approx(-0.1)
    text = report.format_deltas([('CMD - baseline', deltas)], 2)
    assert '+0.150 ± 0.071' in text and '-0.100 ± 0.000' in text
    with pytest.raises(report.EvaluateError, match='one to one'):
        report.delta_scores([_scores(0.6, 0.7, 0.8)], [])


def test_training_runs_one_process_per_gpu_through_torchrun_when_several_are_visible():
    for gpus in (0, 1):
        assert reproduce.training_command('super_dimp_cmd', gpus)[1:] == ['run_training.py', 'cmd', 'super_dimp_cmd']
    assert os.path.basename(reproduce.training_command('atom_cmd', 0)[0]).startswith('python')
    assert reproduce.training_command('super_dimp_cmd', 4)[1:] == [
        '-m', 'torch.distributed.run', '--nproc_per_node=4', 'run_training.py', 'cmd', 'super_dimp_cmd']
