"""`reproduce` pieces that need no pytracking: deltas, training commands (result files: test_results.py; split
lists: test_toolkit_lists.py)."""
import os

import numpy as np
import pytest

from pytracking_cmd import reproduce
from pytracking_cmd.evaluation import metrics, report


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
