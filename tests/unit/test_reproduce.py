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


def _paper(benchmarks, baseline='super_dimp', tmp='/tmp'):
    import types
    from pytracking_cmd import presets
    args = types.SimpleNamespace(baseline=baseline, runs=1, source=None, benchmarks=benchmarks, out=None)
    return presets.paper(args, types.SimpleNamespace(result_plot_path=tmp))


def test_the_paper_preset_tracks_anti_uav_with_the_parameter_files_that_report_absence():
    preset = _paper(['anti_uav410'])
    assert [(r.tracker, r.param) for r in preset.rows] == [('dimp_cmd', 'super_dimp_antiuav'),
                                                          ('dimp_cmd', 'super_dimp_cmd_antiuav')]
    assert [(r.tracker, r.param) for r in _paper(None).rows] == [('dimp', 'super_dimp'), ('dimp_cmd', 'super_dimp_cmd')]


def test_the_paper_preset_says_which_baselines_have_anti_uav_parameter_files():
    import pytest
    from pytracking_cmd.presets import PresetError
    with pytest.raises(PresetError, match=r'--baseline prdimp50 has no parameter files that report absence '
                                          r'\(dimp_cmd prdimp50_antiuav, dimp_cmd prdimp50_cmd_antiuav\); '
                                          r'baselines that have them: .*super_dimp'):
        _paper(['anti_uav410'], baseline='prdimp50')
    with pytest.raises(PresetError, match='run lsotb_tir in a reproduce call of their own'):
        _paper(['anti_uav410', 'lsotb_tir'])
