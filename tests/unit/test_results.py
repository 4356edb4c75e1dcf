"""pytracking's result files (pytracking_cmd/evaluation/results.py): where they are, reading them, one box per frame."""
import os

import numpy as np
import pytest

from pytracking_cmd.evaluation import results, tir_benchmarks
from tests.unit.test_report import write_results


def test_result_folders_follow_pytrackings_layout():
    assert results.results_dir('/r', 'dimp', 'super_dimp', 3) == os.path.join('/r', 'dimp', 'super_dimp_003')
    assert results.results_dir('/r', 'dimp', 'super_dimp') == os.path.join('/r', 'dimp', 'super_dimp')


def test_load_results_tab_and_comma(tmp_path):
    d = tmp_path / 'dimp' / 'super_dimp'
    write_results(str(d), {'a': [[1, 2, 3, 4], [5, 6, 7, 8]]})
    (d / 'b.txt').write_text('1,2,3,4\n5.5, 6, 7, NaN\n\n')
    out = results.read_results(str(d), ['a', 'b'])
    np.testing.assert_array_equal(out['a'], [[1, 2, 3, 4], [5, 6, 7, 8]])
    np.testing.assert_array_equal(out['b'], [[1, 2, 3, 4], [5.5, 6, 7, np.nan]])
    assert out['a'].dtype == np.float64


def test_load_results_lists_every_missing_file_and_how_to_produce_them(tmp_path):
    d = tmp_path / 'dimp' / 'super_dimp'
    write_results(str(d), {'a': [[1, 2, 3, 4]]})
    with pytest.raises(FileNotFoundError) as info:
        results.read_results(str(d), ['a', 'b', 'c'])
    msg = str(info.value)
    assert '2 of 3 result files missing' in msg
    assert os.path.join(str(d), 'b.txt') in msg and os.path.join(str(d), 'c.txt') in msg
    assert os.path.join(str(d), 'a.txt') not in msg
    assert 'run_tracker.py' in msg


@pytest.mark.parametrize('content, line, what', [
    ('1\t2\t3\t4\n1\t2\t3\n', 2, '3 values in .*; expected 4 values'),
    ('1,2,3,4\n1,2,3,4\n1,x,3,4\n', 3, 'cannot read .* as numbers'),
])
def test_load_results_malformed_line_names_file_and_line(tmp_path, content, line, what):
    (tmp_path / 's.txt').write_text(content)
    with pytest.raises(ValueError, match=r's\.txt:{}: {}'.format(line, what)):
        results.read_results(str(tmp_path), ['s'])


def test_a_short_result_file_is_named_with_its_count_and_the_command(tmp_path):
    sequences = [tir_benchmarks.BenchmarkSequence(name, ['f'] * 4, np.zeros((4, 4))) for name in ('a', 'b')]
    predictions = {'a': np.zeros((4, 4)), 'b': np.zeros((3, 4))}
    with pytest.raises(results.ResultsError) as error:
        results.check_lengths(predictions, sequences, str(tmp_path), 'dimp_cmd', 'dimp50_cmd', 'lsotb_tir', 2)
    message = str(error.value)
    assert '{} (3 boxes, the sequence has 4 frames)'.format(os.path.join(str(tmp_path), 'b.txt')) in message
    assert 'a.txt' not in message
    assert 'python run_tracker.py dimp_cmd dimp50_cmd --dataset_name lsotb_tir --sequence NAME --runid 2' in message


def test_interrupted_tracking_redoes_only_missing_or_cut_result_files(tmp_path):
    sequences = [tir_benchmarks.BenchmarkSequence(name, ['f'] * 4, np.zeros((4, 4))) for name in ('a', 'b', 'c')]
    (tmp_path / 'a.txt').write_text('1\t2\t3\t4\n' * 4)
    (tmp_path / 'b.txt').write_text('1\t2\t3\t4\n' * 2)      # cut by Ctrl-C
    assert results.pending_sequences(tmp_path, sequences) == ['b', 'c']
    assert not (tmp_path / 'b.txt').exists() and (tmp_path / 'b.txt.incomplete').is_file()
    assert (tmp_path / 'a.txt').is_file()
