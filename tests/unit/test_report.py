"""Report tables (with the published CMD numbers), CSV/JSON, plots and the CLI."""
import argparse
import csv
import json
import os
import types

import numpy as np
import pytest

from pytracking_cmd import cli
from pytracking_cmd.evaluation import metrics as M
from pytracking_cmd.evaluation import plots, report as R
from pytracking_cmd.evaluation import tir_benchmarks as tb


def seq(name, gt, attributes=None):
    return types.SimpleNamespace(name=name, ground_truth=np.array(gt, dtype=float), attributes=attributes or {})


GT = [[1, 1, 4, 4], [1, 1, 4, 4], [0, 5, 4, 4], [1, 1, 4, 4]]
SEQS = [seq('airplane_H_001', GT, {'occlusion': True, 'fast motion': False}),
        seq('cat_D_001', GT, {'occlusion': True, 'fast motion': True})]


def write_results(directory, boxes_by_seq, delimiter='\t', times=False):
    os.makedirs(directory, exist_ok=True)
    for name, boxes in boxes_by_seq.items():
        np.savetxt(os.path.join(directory, name + '.txt'), np.array(boxes).astype(int), delimiter=delimiter, fmt='%d')
        if times:
            np.savetxt(os.path.join(directory, name + '_time.txt'), np.full(len(boxes), 0.05), fmt='%f')


# ------------------------------------------------------------------------------ specs, files

def test_tracker_specs():
    assert R.parse_run_ids('3') == (3,)
    assert R.parse_run_ids('0-2,5') == (0, 1, 2, 5)
    with pytest.raises(ValueError, match='bad run ids'):
        R.parse_run_ids('a-b')
    spec = R.parse_tracker_spec(['dimp', 'super_dimp:0-2'])
    assert (spec.name, spec.param, spec.run_ids, spec.label) == ('dimp', 'super_dimp', (0, 1, 2), 'dimp/super_dimp (3 runs)')
    assert R.parse_tracker_spec(['dimp', 'dimp50:7']).label == 'dimp/dimp50_007'
    assert R.parse_tracker_spec(['cmd', 'super_dimp_tir', 'CMD-DiMP (ours)']).label == 'CMD-DiMP (ours)'
    with pytest.raises(ValueError, match='NAME PARAM'):
        R.parse_tracker_spec(['dimp'])


# ------------------------------------------------------------------------------------ tables

def tracker_result(label, boxes, definitions=('toolkit',), runs=1, attributes=False):
    scores, attrs = {}, {}
    for d in definitions:
        per_run = []
        per_attr = {}
        for k in range(runs):
            preds = {s.name: np.array(boxes[k] if runs > 1 else boxes, dtype=float) for s in SEQS}
            curves = M.compute_curves(SEQS, preds, d)
            per_run.append(M.summarize(curves))
            if attributes:
                for a, s in M.attribute_scores(curves, SEQS).items():
                    per_attr.setdefault(a, []).append(s)
        scores[d] = M.combine_runs(per_run)
        attrs[d] = {a: M.combine_runs(v) for a, v in per_attr.items()}
    return R.TrackerResult(label, scores, attrs, None, tuple(range(runs)) if runs > 1 else (None,))


PERFECT = [[1, 1, 4, 4], [1, 1, 4, 4], [1, 1, 4, 4], [1, 1, 4, 4]]
SHIFTED = [[1, 1, 4, 4], [2, 2, 4, 4], [1, 2, 4, 4], [30, 30, 4, 4]]


def test_table_shows_ours_beside_published_lsotb():
    results = [tracker_result('dimp/super_dimp', PERFECT), tracker_result('cmd/super_dimp_tir', SHIFTED)]
    text = R.format_table(results, 'lsotb-tir', ['toolkit'], [s.name for s in SEQS])
    lines = text.splitlines()
    assert lines[0].startswith('LSOTB-TIR: 2 sequences')
    header = lines[1]
    assert 'Success AUC [toolkit]' in header and 'Precision@20px [toolkit]' in header
    assert 'Norm. precision [toolkit: mean over 0:0.01:0.5]' in header
    ours = next(l for l in lines if l.startswith('dimp/super_dimp '))
    # PERFECT: overlaps 1, 1, (invalid), 1 -> success 3/4 at 20 of 21 points; precision and NP 1
    assert ours.split('|')[1].strip() == '{:.3f}'.format(3 / 4 * 20 / 21)
    assert ours.split('|')[2].strip() == '1.000' and ours.split('|')[3].strip() == '1.000'
    assert "-- published (Sun et al. 2021, read from the authors' plots) --" in lines
    cmd = next(l for l in lines if l.startswith('CMD-DiMP [published]'))
    assert [c.strip() for c in cmd.split('|')[1:]] == ['0.680', '0.808', '0.727']
    atom = next(l for l in lines if l.startswith('ATOM [published]'))
    assert [c.strip() for c in atom.split('|')[1:]] == ['0.593', '0.727', '0.645']
    assert lines.index("-- published (Sun et al. 2021, read from the authors' plots) --") > lines.index(ours)
    assert 'cat_D_001' in text and 'car_D_001' in text  # the list-version note
    assert 'published numbers cover all 120 sequences, ours 2' in text


def test_table_both_definitions_and_runs():
    results = [tracker_result('cmd (2 runs)', [PERFECT, SHIFTED], definitions=(M.TOOLKIT, M.PYTRACKING), runs=2)]
    text = R.format_table(results, 'LSOTB-TIR', [M.TOOLKIT, M.PYTRACKING], [s.name for s in SEQS])
    header = text.splitlines()[1]
    assert 'Precision@20px [pytracking]' in header and 'Norm. precision [pytracking: at 0.20]' in header
    row = next(l for l in text.splitlines() if l.startswith('cmd (2 runs)'))
    s = results[0].scores['toolkit']
    assert '{:.3f} ± {:.3f}'.format(s.success_auc, s.success_auc_std) in row
    cmd = next(l for l in text.splitlines() if l.startswith('CMD-DiMP [published]'))
    assert [c.strip() for c in cmd.split('|')[1:]] == ['0.680', '0.808', '0.727', '-', '-', '-']
    assert 'mean ± sample standard deviation over runs' in text


def test_table_pytracking_only_keeps_published_apart_and_ptb_has_no_norm_precision():
    results = [tracker_result('dimp', PERFECT, definitions=('pytracking',))]
    text = R.format_table(results, 'ptb-tir', ['pytracking'], [s.name for s in SEQS])
    assert 'CMD-DiMP [published]' not in text
    assert 'toolkit definition (not the definition of the table above)' in text
    assert 'CMD-DiMP: success AUC 0.635, precision@20px 0.773, norm. precision -' in text
    assert "PTB-TIR's toolkit has no normalized precision" in text
    assert 'published' not in R.format_table(results, 'otb', ['pytracking'])


def test_attribute_tables():
    results = [tracker_result('a', PERFECT, attributes=True), tracker_result('b', SHIFTED, attributes=True)]
    text = R.format_attribute_tables(results, ['toolkit'])
    assert 'Per attribute: Success AUC [toolkit]' in text
    lines = text.splitlines()
    occl = next(l for l in lines if l.startswith('occlusion (2)'))
    assert occl.split('|')[1].strip() == '{:.3f}'.format(results[0].attributes['toolkit']['occlusion'].success_auc)
    assert any(l.startswith('fast motion (1)') for l in lines)


def test_csv_and_json(tmp_path):
    results = [tracker_result('dimp', PERFECT, attributes=True)]
    path = R.write_csv(str(tmp_path / 'r.csv'), results, 'lsotb-tir', ['toolkit'])
    rows = list(csv.DictReader(open(path)))
    ours = [r for r in rows if r['source'] == 'ours' and r['attribute'] == 'all']
    assert len(ours) == 1 and float(ours[0]['precision_20']) == 1.0 and ours[0]['definition'] == 'toolkit'
    assert {r['attribute'] for r in rows if r['source'] == 'ours'} == {'all', 'occlusion', 'fast motion'}
    pub = [r for r in rows if r['source'] == R.PUBLISHED_SOURCE]
    assert [(r['tracker'], r['success_auc']) for r in pub][0] == ('CMD-DiMP', '0.68')
    path = R.write_json(str(tmp_path / 'r.json'), results, 'lsotb-tir', ['toolkit'], [s.name for s in SEQS])
    data = json.load(open(path))
    assert data['benchmark'] == 'LSOTB-TIR'
    assert data['trackers'][0]['scores']['toolkit']['precision_20'] == 1.0
    assert len(data['trackers'][0]['scores']['toolkit']['success_curve']) == 21
    assert data['published']['trackers'][2] == {'tracker': 'CMD-ATOM', 'success_auc': 0.616,
                                                'precision_20': 0.754, 'norm_precision': 0.67}


# ------------------------------------------------------------------------------------- plots

def test_plot_legend_title_and_files(tmp_path):
    a = tracker_result('good', PERFECT).scores['toolkit']
    b = tracker_result('worse', SHIFTED).scores['toolkit']
    fig = plots.build_figure([('worse', b), ('good', a)], 'success', 'LSOTB-TIR')
    ax = fig.axes[0]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ['[{:.3f}] good'.format(a.success_auc), '[{:.3f}] worse'.format(b.success_auc)]
    assert 'LSOTB-TIR' in ax.get_title() and 'toolkit' in ax.get_title()
    py = tracker_result('good', PERFECT, definitions=('pytracking',)).scores['pytracking']
    fig = plots.build_figure([('good', py)], 'precision', 'PTB-TIR')
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ['good [{:.1f}]'.format(100 * py.precision_20)]
    with pytest.raises(ValueError, match='one definition'):
        plots.build_figure([('a', a), ('p', py)], 'success', 'X')

    paths = plots.plot_all([('good', a), ('worse', b)], str(tmp_path), 'LSOTB-TIR')
    assert len(paths) == 6
    for p in paths:
        assert os.path.getsize(p) > 5000
        with open(p, 'rb') as fh:
            assert fh.read(4) in (b'\x89PNG', b'%PDF')
    assert {os.path.splitext(p)[1] for p in paths} == {'.png', '.pdf'}


# --------------------------------------------------------------------------------------- CLI

@pytest.fixture
def fake_benchmarks(monkeypatch):
    calls = []

    def load_benchmark(name, root=None):
        calls.append((name, root))
        return list(SEQS)

    monkeypatch.setattr(tb, 'load_benchmark', load_benchmark)
    return calls


def parse(argv):
    return R.configure_parser(argparse.ArgumentParser()).parse_args(argv)


def run_cli(argv):
    """`pytracking-cmd evaluate ARGV`, which reports bad input (a UserError) with exit status 2."""
    return cli.main(['evaluate'] + argv)


def test_cli_end_to_end(tmp_path, fake_benchmarks, capsys):
    results = tmp_path / 'results'
    write_results(str(results / 'dimp' / 'super_dimp'), {s.name: PERFECT for s in SEQS}, times=True)
    for run, boxes in ((0, PERFECT), (1, SHIFTED)):
        write_results(str(results / 'cmd' / 'super_dimp_tir_{:03d}'.format(run)), {s.name: boxes for s in SEQS},
                      delimiter=',')
    out = tmp_path / 'out'
    args = parse(['--dataset', 'lsotb-tir', '--root', '/data/lsotb', '--results-path', str(results),
                  '--tracker', 'dimp', 'super_dimp', '--tracker', 'cmd', 'super_dimp_tir:0-1', 'CMD-DiMP (ours)',
                  '--definition', 'both', '--attributes', '--out', str(out)])
    assert R.main(args) == 0
    assert fake_benchmarks == [('lsotb-tir', '/data/lsotb')]
    text = capsys.readouterr().out
    assert 'dimp/super_dimp' in text and 'CMD-DiMP (ours)' in text and 'CMD-DiMP [published]' in text
    assert '±' in text and 'Per attribute' in text
    assert '20.0' in text  # FPS from the time files: 1 / 0.05 s
    files = sorted(os.listdir(str(out)))
    assert 'lsotb-tir_results.txt' in files and 'lsotb-tir_results.csv' in files and 'lsotb-tir_results.json' in files
    for definition in (M.TOOLKIT, M.PYTRACKING):
        for metric in plots.METRICS:
            for ext in ('png', 'pdf'):
                path = out / 'LSOTB-TIR_{}_{}.{}'.format(metric, definition, ext)
                assert path.stat().st_size > 5000
    assert any(name.endswith('.pdf') for name in os.listdir(str(out / 'attributes')))


def test_cli_missing_results_and_sequences(tmp_path, fake_benchmarks, capsys):
    assert run_cli(['--dataset', 'lsotb-tir', '--results-path', str(tmp_path), '--tracker', 'dimp', 'super_dimp:3']) == 2
    err = capsys.readouterr().err
    assert 'airplane_H_001.txt' in err and 'super_dimp_003' in err
    assert 'run_tracker.py dimp super_dimp --dataset_name lsotb-tir --runid 3' in err
    assert run_cli(['--dataset', 'lsotb-tir', '--results-path', str(tmp_path), '--tracker', 'dimp', 'p',
                    '--sequences', 'nope']) == 2
    assert 'unknown sequence(s) for lsotb-tir: nope' in capsys.readouterr().err


def test_cli_subset_and_results_path_default(tmp_path, fake_benchmarks, capsys, monkeypatch):
    write_results(str(tmp_path / 'dimp' / 'p'), {'cat_D_001': SHIFTED})
    monkeypatch.setattr(R, 'default_results_path', lambda: (None, 'pytracking is not importable'))
    argv = ['--dataset', 'lsotb-tir', '--tracker', 'dimp', 'p', '--sequences', 'cat_D_001']
    assert run_cli(argv) == 2
    assert 'pytracking is not importable; pass --results-path' in capsys.readouterr().err
    monkeypatch.setattr(R, 'default_results_path', lambda: (str(tmp_path), None))
    assert R.main(parse(argv)) == 0
    text = capsys.readouterr().out
    assert text.startswith('LSOTB-TIR: 1 sequences')
    expected = M.evaluate([SEQS[1]], {'cat_D_001': np.array(SHIFTED, dtype=float)}, 'toolkit')
    row = next(l for l in text.splitlines() if l.startswith('dimp/p'))
    assert row.split('|')[2].strip() == '{:.3f}'.format(expected.precision_20)


def test_cli_reports_benchmark_settings_errors(tmp_path, monkeypatch, capsys):
    settings = types.SimpleNamespace(lsotb_tir_path='')
    monkeypatch.setattr(tb, '_env_settings', lambda config: settings)
    assert run_cli(['--dataset', 'lsotb_tir', '--results-path', str(tmp_path), '--tracker', 'dimp', 'p']) == 2
    assert 'The LSOTB-TIR root is not set: add  settings.lsotb_tir_path' in capsys.readouterr().err


def test_cli_unknown_dataset_names_the_known_ones(tmp_path, capsys):
    assert run_cli(['--dataset', 'no_such_set', '--results-path', str(tmp_path), '--tracker', 'dimp', 'p']) == 2
    err = capsys.readouterr().err
    assert "Unknown TIR benchmark 'no_such_set'" in err
    assert all(name in err for name in tb.BENCHMARKS)
