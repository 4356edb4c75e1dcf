"""Comparison reports (text table, CSV, JSON, plots) and the `pytracking-cmd evaluate` command.

Tracker results are pytracking's result files, read through .results.

Every figure is labelled with the metric definition it uses (see .metrics); published CMD
numbers (Sun et al., ACM MM 2021, read from the authors' result plots) are shown beside ours for
LSOTB-TIR and PTB-TIR, under the toolkit definition they were produced with.
"""
import argparse
import csv
import dataclasses
import importlib.util
import json
import os
import re
import sys
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np

from ltr_cmd.errors import UserError

from . import metrics as M
from . import results
from . import tir_benchmarks

PUBLISHED_SOURCE = "published (Sun et al. 2021, read from the authors' plots)"

#: benchmark -> rows (tracker, success AUC, precision@20, normalized precision); toolkit definition
PUBLISHED = {
    'LSOTB-TIR': (('CMD-DiMP', 0.680, 0.808, 0.727),
                  ("DiMP (the CMD paper's baseline)", 0.662, 0.787, 0.707),
                  ('CMD-ATOM', 0.616, 0.754, 0.670),
                  ('ATOM', 0.593, 0.727, 0.645)),
    'PTB-TIR': (('CMD-DiMP', 0.635, 0.773, None),
                ("DiMP (the CMD paper's baseline)", 0.618, 0.749, None)),
}
#: number of evaluation sequences of the full benchmarks the published numbers cover
BENCHMARK_SIZES = {'LSOTB-TIR': 120, 'PTB-TIR': 60, 'Anti-UAV410': 120}

PUBLISHED_SA_SOURCE = ('published (Anti-UAV410 toolkit, reports/AntiUAV410/test/state_accuracy_scores.txt, '
                       'github.com/HwangBo94/Anti-UAV410 at 8a8eb04)')
#: benchmark -> (tracker, state accuracy) of pytracking's trackers (and the best of that table) on the test split
PUBLISHED_SA = {
    'Anti-UAV410': (('ATOM', 0.4640), ('DiMP50', 0.4654), ('PrDiMP50', 0.5187), ('Super_DiMP', 0.5312),
                    ('KYS', 0.4470), ('KeepTrack', 0.5597), ('ToMP50', 0.5295), ('ToMP101', 0.5452),
                    ('SiamRCNN', 0.6054)),
}



class EvaluateError(UserError, ValueError):
    """A bad `evaluate` argument or result file (the message names it and says what to do)."""


_METRIC_COLUMNS = (('success_auc', 'Success AUC'), ('precision_20', 'Precision@20px'),
                   ('norm_precision', 'Norm. precision'))
# the Anti-UAV toolkits: state accuracy first, no normalized precision
_ANTIUAV_COLUMNS = (('state_accuracy', 'State accuracy'), ('state_accuracy_challenge', 'SA with challenge penalty'),
                    ('success_auc', 'Success AUC'), ('precision_20', 'Precision@20px'))
_TITLES = dict(_METRIC_COLUMNS + _ANTIUAV_COLUMNS)


def metric_columns(definition: str) -> Tuple[Tuple[str, str], ...]:
    """(Scores attribute, title) of the scores a definition reports."""
    return _ANTIUAV_COLUMNS if definition == M.ANTIUAV else _METRIC_COLUMNS


def default_definition(dataset: str) -> str:
    """The definition a benchmark is reported with: its own toolkit's."""
    return M.ANTIUAV if dataset.startswith('anti_uav') else M.TOOLKIT


def benchmark_key(dataset: str) -> Optional[str]:
    """'LSOTB-TIR' / 'PTB-TIR' for names such as 'lsotb_tir', 'LSOTB-TIR-100', 'ptbtir'; 'Anti-UAV410' for its
    test split, 'anti_uav410'; else None."""
    key = re.sub(r'[^a-z0-9]', '', dataset.lower())
    if key == 'antiuav410':
        return 'Anti-UAV410'
    if key.startswith('lsotb'):
        return 'LSOTB-TIR'
    if key.startswith('ptb'):
        return 'PTB-TIR'
    return None


# --------------------------------------------------------------------------------------------
# Reading tracker results

@dataclasses.dataclass(frozen=True)
class TrackerSpec:
    """One `--tracker NAME PARAM[:RUNS] [DISPLAY_NAME]`; run_ids holds None for no run id."""
    name: str
    param: str
    run_ids: Tuple[Optional[int], ...] = (None,)
    display_name: Optional[str] = None

    @property
    def label(self) -> str:
        if self.display_name:
            return self.display_name
        base = '{}/{}'.format(self.name, self.param)
        if len(self.run_ids) == 1:
            return base if self.run_ids[0] is None else '{}_{:03d}'.format(base, self.run_ids[0])
        return '{} ({} runs)'.format(base, len(self.run_ids))


def parse_run_ids(text: str) -> Tuple[int, ...]:
    """'3' -> (3,), '0-4' -> (0, 1, 2, 3, 4), '0,2,5-6' -> (0, 2, 5, 6)."""
    ids = []
    for part in text.split(','):
        part = part.strip()
        match = re.fullmatch(r'(\d+)(?:-(\d+))?', part)
        if not match:
            raise EvaluateError('bad run ids {!r}: expected e.g. 3, 0-4 or 0,2,5'.format(text))
        first, last = int(match.group(1)), int(match.group(2) or match.group(1))
        if last < first:
            raise EvaluateError('bad run id range {!r}'.format(part))
        ids.extend(range(first, last + 1))
    if len(set(ids)) != len(ids):
        raise EvaluateError('repeated run ids in {!r}'.format(text))
    return tuple(ids)


def parse_tracker_spec(values: Sequence[str]) -> TrackerSpec:
    """`[NAME, PARAM[:RUNS]]` or `[NAME, PARAM[:RUNS], DISPLAY_NAME]`."""
    if len(values) not in (2, 3):
        raise EvaluateError('--tracker takes NAME PARAM[:RUNID|:RUNS] [DISPLAY_NAME], got {}'.format(' '.join(values)))
    name, param = values[0], values[1]
    run_ids = (None,)
    if ':' in param:
        param, runs = param.split(':', 1)
        run_ids = parse_run_ids(runs)
    if not name or not param:
        raise EvaluateError('--tracker needs a tracker name and a parameter name, got {}'.format(' '.join(values)))
    return TrackerSpec(name, param, run_ids, values[2] if len(values) == 3 else None)


# --------------------------------------------------------------------------------------------
# Evaluating trackers

@dataclasses.dataclass
class TrackerResult:
    """Scores of one tracker (all its runs): definition -> Scores, definition -> attribute -> Scores."""
    label: str
    scores: Dict[str, M.Scores]
    attributes: Dict[str, Dict[str, M.Scores]] = dataclasses.field(default_factory=dict)
    fps: Optional[float] = None
    run_ids: Tuple[Optional[int], ...] = (None,)


def evaluate_tracker(spec: TrackerSpec, sequences: Sequence, results_path: str, definitions: Sequence[str],
                     attributes: bool = False, progress=None, dataset: str = 'DATASET') -> TrackerResult:
    """Read and score every run of `spec`; several runs are combined by metrics.combine_runs."""
    names = [s.name for s in sequences]
    per_run: Dict[str, List[M.Scores]] = {d: [] for d in definitions}
    per_run_attr: Dict[str, Dict[str, List[M.Scores]]] = {d: {} for d in definitions}
    fps_runs = []
    for run_id in spec.run_ids:
        directory = results.results_dir(results_path, spec.name, spec.param, run_id)
        hint = 'run the tracker on these sequences first, in pytracking/: ' + results.run_tracker_command(
            spec.name, spec.param, dataset, run_id)
        predictions = results.read_results(directory, names, hint)
        results.check_lengths(predictions, sequences, directory, spec.name, spec.param, dataset, run_id)
        for definition in definitions:
            try:
                curves = M.compute_curves(sequences, predictions, definition, progress)
            except M.BoxesError as error:  # it names the sequence and frame; add where its file is
                raise EvaluateError('{} (result files in {})'.format(error, directory)) from None
            per_run[definition].append(M.summarize(curves))
            if attributes:
                for attr, scores in M.attribute_scores(curves, sequences).items():
                    per_run_attr[definition].setdefault(attr, []).append(scores)
        times = results.read_times(directory, names)
        if times is not None:
            total = sum(float(t.sum()) for t in times.values())
            frames = sum(len(t) for t in times.values())
            if total > 0:
                fps_runs.append(frames / total)
    fps = float(np.mean(fps_runs)) if len(fps_runs) == len(spec.run_ids) else None
    return TrackerResult(spec.label,
                         {d: M.combine_runs(runs) for d, runs in per_run.items()},
                         {d: {a: M.combine_runs(r) for a, r in attrs.items()} for d, attrs in per_run_attr.items()},
                         fps, spec.run_ids)


# --------------------------------------------------------------------------------------------
# Formatting

def column_label(metric: str, definition: str) -> str:
    """E.g. 'Success AUC [toolkit]', 'Norm. precision [pytracking: at 0.20]'."""
    title = _TITLES[metric]
    if metric == 'norm_precision':
        return '{} [{}: {}]'.format(title, definition, M.NORM_PRECISION_RULES[definition])
    return '{} [{}]'.format(title, definition)


def _fmt(value: Optional[float], std: Optional[float] = None) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return '-'
    return '{:.3f}'.format(value) if std is None else '{:.3f} ± {:.3f}'.format(value, std)


def _text_table(header: Sequence[str], rows: Sequence[Sequence[str]], separators: Mapping[int, str] = None) -> str:
    """Pipe-separated table; `separators` maps a row index to a caption printed before that row."""
    widths = [max(len(str(r[i])) for r in [header] + [list(r) for r in rows]) for i in range(len(header))]

    def line(cells):
        return ' | '.join(str(c).ljust(w) for c, w in zip(cells, widths)).rstrip()

    out = [line(header), '-+-'.join('-' * w for w in widths)]
    for i, row in enumerate(rows):
        if separators and i in separators:
            out.append(separators[i])
        out.append(line(row))
    return '\n'.join(out)


def report_notes(results: Sequence[TrackerResult], benchmark: str, definitions: Sequence[str],
                 sequence_names: Optional[Sequence[str]] = None, published: bool = True) -> List[str]:
    notes = ['{} = {}'.format(d, M.DEFINITION_LABELS[d]) for d in definitions]
    if M.TOOLKIT in definitions:
        notes.append('toolkit: invalid ground-truth frames are failures for success and successes for both '
                     'precisions; normalized precision is the mean over thresholds 0:0.01:0.5')
    if M.PYTRACKING in definitions:
        notes.append('pytracking: invalid ground-truth frames are failures for success and precision and '
                     'successes for normalized precision, which is taken at 0.20')
    if M.ANTIUAV in definitions:
        notes.append('antiuav: state accuracy = mean over frames of IoU where the target exists and, where it does '
                     'not, 1 for an "absent" output (a 0 0 0 0 line of the result file), else 0; the challenge '
                     'subtracts 0.2 * (share of frames with the target missed) ** 0.3; frames without the target '
                     'fail success and pass precision')
    if any(len(r.run_ids) > 1 for r in results):
        notes.append('several runs: mean ± sample standard deviation over runs')
    key = benchmark_key(benchmark)
    if published and key in PUBLISHED:
        notes.append('published numbers use the toolkit definition')
        if key == 'PTB-TIR':
            notes.append("PTB-TIR's toolkit has no normalized precision; ours follows the LSOTB-TIR definition")
        if sequence_names is not None:
            if key == 'LSOTB-TIR' and 'cat_D_001' in sequence_names:
                notes.append('this sequence list has cat_D_001 (Nov 2020 list); the published numbers were '
                             'computed on the older list with car_D_001')
            if len(sequence_names) != BENCHMARK_SIZES[key]:
                notes.append('published numbers cover all {} sequences, ours {}'
                             .format(BENCHMARK_SIZES[key], len(sequence_names)))
    return notes


def format_table(results: Sequence[TrackerResult], benchmark: str, definitions: Sequence[str] = (M.TOOLKIT,),
                 sequence_names: Optional[Sequence[str]] = None, published: bool = True) -> str:
    """Trackers side by side: rows trackers, columns the three scores under each definition."""
    header = ['Tracker'] + [column_label(m, d) for d in definitions for m, _ in metric_columns(d)]
    show_fps = any(r.fps is not None for r in results)
    if show_fps:
        header.append('FPS')
    rows = []
    for r in results:
        row = [r.label]
        for d in definitions:
            s = r.scores[d]
            row += [_fmt(getattr(s, m), getattr(s, m + '_std')) for m, _ in metric_columns(d)]
        if show_fps:
            row.append('-' if r.fps is None else '{:.1f}'.format(r.fps))
        rows.append(row)

    key = benchmark_key(benchmark)
    separators = {}
    extra = []
    if published and key in PUBLISHED:
        if M.TOOLKIT in definitions:
            separators[len(rows)] = '-- {} --'.format(PUBLISHED_SOURCE)
            for name, auc, prec, norm in PUBLISHED[key]:
                row = ['{} [published]'.format(name)]
                for d in definitions:
                    row += [_fmt(auc), _fmt(prec), _fmt(norm)] if d == M.TOOLKIT else ['-'] * len(metric_columns(d))
                if show_fps:
                    row.append('-')
                rows.append(row)
        else:
            extra.append('{}, toolkit definition (not the definition of the table above):'.format(PUBLISHED_SOURCE))
            for name, auc, prec, norm in PUBLISHED[key]:
                extra.append('  {}: success AUC {}, precision@20px {}, norm. precision {}'
                             .format(name, _fmt(auc), _fmt(prec), _fmt(norm)))
    if published and key in PUBLISHED_SA and M.ANTIUAV in definitions:
        separators[len(rows)] = '-- {} --'.format(PUBLISHED_SA_SOURCE)
        for name, sa in PUBLISHED_SA[key]:
            row = ['{} [published]'.format(name)]
            for d in definitions:
                row += [_fmt(sa)] + ['-'] * (len(metric_columns(d)) - 1) if d == M.ANTIUAV else \
                    ['-'] * len(metric_columns(d))
            if show_fps:
                row.append('-')
            rows.append(row)

    count = len(sequence_names) if sequence_names is not None else (
        results[0].scores[definitions[0]].num_sequences if results else 0)
    config = tir_benchmarks.BENCHMARKS.get(benchmark)
    title = '{}: {} sequences, one-pass evaluation'.format(config.title if config and config.split else key or benchmark,
                                                           count)
    lines = [title, _text_table(header, rows, separators)] + extra
    lines += ['Notes:'] + ['  - ' + n for n in report_notes(results, benchmark, definitions, sequence_names, published)]
    return '\n'.join(lines) + '\n'


def format_attribute_tables(results: Sequence[TrackerResult], definitions: Sequence[str] = (M.TOOLKIT,)) -> str:
    """Per attribute: for each definition and score, rows attributes (with sequence count), columns trackers."""
    blocks = []
    for d in definitions:
        attrs = []
        for r in results:
            for a in r.attributes.get(d, {}):
                if a not in attrs:
                    attrs.append(a)
        if not attrs:
            continue
        for metric, _ in metric_columns(d):
            rows = []
            for a in attrs:
                count = next(r.attributes[d][a].num_sequences for r in results if a in r.attributes.get(d, {}))
                row = ['{} ({})'.format(a, count)]
                for r in results:
                    s = r.attributes.get(d, {}).get(a)
                    row.append('-' if s is None else _fmt(getattr(s, metric), getattr(s, metric + '_std')))
                rows.append(row)
            blocks.append('Per attribute: {}\n{}'.format(column_label(metric, d),
                                                         _text_table(['Attribute (sequences)'] + [r.label for r in results], rows)))
    return '\n\n'.join(blocks) + ('\n' if blocks else '')


def delta_scores(student: Sequence[M.Scores], baseline: Sequence[M.Scores]) -> Dict[str, Tuple[float, Optional[float]]]:
    """Student minus baseline, paired run by run (same run id), for each score of _METRIC_COLUMNS.

    args:
        student, baseline - the Scores of each run, in the same run order
    returns:
        metric -> (mean difference, sample standard deviation over runs; None for one run)
    """
    if len(student) != len(baseline):
        raise EvaluateError('deltas pair runs one to one: {} student runs, {} baseline runs'
                            .format(len(student), len(baseline)))
    out = {}
    for metric, _ in metric_columns(student[0].definition if student else M.TOOLKIT):
        diffs = np.array([getattr(s, metric) - getattr(b, metric) for s, b in zip(student, baseline)], dtype=float)
        out[metric] = (float(diffs.mean()), float(diffs.std(ddof=1)) if len(diffs) > 1 else None)
    return out


def format_deltas(rows: Sequence[Tuple[str, Mapping[str, Tuple[float, Optional[float]]]]], runs: int,
                  definition: str = M.TOOLKIT) -> str:
    """Table of (label, delta_scores(...)) rows: differences in score points, ± the spread over runs."""
    columns = metric_columns(definition)
    header = ['Difference ({} run{})'.format(runs, '' if runs == 1 else 's, mean ± std')] + [
        title for _, title in columns]
    body = [[label] + ['-' if np.isnan(deltas[m][0]) else '{:+.3f}'.format(deltas[m][0]) +
                       ('' if deltas[m][1] is None else ' ± {:.3f}'.format(deltas[m][1])) for m, _ in columns]
            for label, deltas in rows]
    return _text_table(header, body) + '\n'


_CSV_FIELDS = ('source', 'tracker', 'definition', 'attribute', 'num_sequences', 'num_runs', 'success_auc',
               'success_auc_std', 'precision_20', 'precision_20_std', 'norm_precision', 'norm_precision_std',
               'state_accuracy', 'state_accuracy_std', 'state_accuracy_challenge', 'state_accuracy_challenge_std', 'fps')


def report_rows(results: Sequence[TrackerResult], benchmark: str, definitions: Sequence[str],
                published: bool = True) -> List[dict]:
    """Flat rows (one per tracker, definition and attribute; 'all' = every sequence) for CSV."""
    rows = []

    def add(source, label, definition, attribute, s, fps=None):
        rows.append({'source': source, 'tracker': label, 'definition': definition, 'attribute': attribute,
                     'num_sequences': s.num_sequences, 'num_runs': s.num_runs,
                     'success_auc': s.success_auc, 'success_auc_std': s.success_auc_std,
                     'precision_20': s.precision_20, 'precision_20_std': s.precision_20_std,
                     'norm_precision': s.norm_precision, 'norm_precision_std': s.norm_precision_std,
                     'state_accuracy': s.state_accuracy, 'state_accuracy_std': s.state_accuracy_std,
                     'state_accuracy_challenge': s.state_accuracy_challenge,
                     'state_accuracy_challenge_std': s.state_accuracy_challenge_std, 'fps': fps})

    for r in results:
        for d in definitions:
            add('ours', r.label, d, 'all', r.scores[d], r.fps)
            for a, s in r.attributes.get(d, {}).items():
                add('ours', r.label, d, a, s)
    key = benchmark_key(benchmark)
    if published and key in PUBLISHED:
        for name, auc, prec, norm in PUBLISHED[key]:
            rows.append({'source': PUBLISHED_SOURCE, 'tracker': name, 'definition': M.TOOLKIT, 'attribute': 'all',
                         'num_sequences': BENCHMARK_SIZES[key], 'num_runs': None, 'success_auc': auc,
                         'success_auc_std': None, 'precision_20': prec, 'precision_20_std': None,
                         'norm_precision': norm, 'norm_precision_std': None, 'fps': None})
    if published and key in PUBLISHED_SA:
        for name, sa in PUBLISHED_SA[key]:
            rows.append({'source': PUBLISHED_SA_SOURCE, 'tracker': name, 'definition': M.ANTIUAV, 'attribute': 'all',
                         'num_sequences': BENCHMARK_SIZES[key], 'state_accuracy': sa})
    return rows


def write_csv(path: str, results: Sequence[TrackerResult], benchmark: str, definitions: Sequence[str],
              published: bool = True) -> str:
    with open(path, 'w', newline='') as fh:
        writer = csv.DictWriter(fh, fieldnames=_CSV_FIELDS)
        writer.writeheader()
        for row in report_rows(results, benchmark, definitions, published):
            writer.writerow({k: ('' if row.get(k) is None else row[k]) for k in _CSV_FIELDS})
    return path


def report_dict(results: Sequence[TrackerResult], benchmark: str, definitions: Sequence[str],
                sequence_names: Optional[Sequence[str]] = None, published: bool = True, curves: bool = True) -> dict:
    key = benchmark_key(benchmark)
    out = {'benchmark': key or benchmark,
           'sequences': list(sequence_names) if sequence_names is not None else None,
           'definitions': {d: M.DEFINITION_LABELS[d] for d in definitions},
           'notes': report_notes(results, benchmark, definitions, sequence_names, published),
           'trackers': [{'label': r.label, 'run_ids': list(r.run_ids), 'fps': r.fps,
                         'scores': {d: r.scores[d].as_dict(curves) for d in definitions},
                         'attributes': {d: {a: s.as_dict(curves) for a, s in r.attributes.get(d, {}).items()}
                                        for d in definitions}}
                        for r in results],
           'published': None}
    if published and key in PUBLISHED:
        out['published'] = {'source': PUBLISHED_SOURCE, 'definition': M.TOOLKIT,
                            'trackers': [{'tracker': n, 'success_auc': a, 'precision_20': p, 'norm_precision': q}
                                         for n, a, p, q in PUBLISHED[key]]}
    if published and key in PUBLISHED_SA:
        out['published'] = {'source': PUBLISHED_SA_SOURCE, 'definition': M.ANTIUAV,
                            'trackers': [{'tracker': n, 'state_accuracy': sa} for n, sa in PUBLISHED_SA[key]]}
    return out


def write_json(path: str, results: Sequence[TrackerResult], benchmark: str, definitions: Sequence[str],
               sequence_names: Optional[Sequence[str]] = None, published: bool = True) -> str:
    with open(path, 'w') as fh:
        json.dump(report_dict(results, benchmark, definitions, sequence_names, published), fh, indent=1)
    return path


# --------------------------------------------------------------------------------------------
# Command line

def configure_parser(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Arguments of `pytracking-cmd evaluate`."""
    parser.add_argument('--dataset', required=True,
                        help='benchmark: ' + ', '.join(tir_benchmarks.BENCHMARKS))
    parser.add_argument('--root', default=None, help='benchmark root folder (default: the loader\'s settings)')
    parser.add_argument('--results-path', default=None,
                        help="tracking results root (default: pytracking's env_settings().results_path)")
    parser.add_argument('--tracker', nargs='+', action='append', required=True, metavar='ARG',
                        help='NAME PARAM[:RUNID|:RUNS] [DISPLAY_NAME]; RUNS like 0-4 or 0,2,5 (runs are averaged, '
                             'mean and std reported); repeat for several trackers')
    parser.add_argument('--definition', choices=('toolkit', 'pytracking', 'both', 'antiuav'), default=None,
                        help='metric definition: the LSOTB-TIR/PTB-TIR MATLAB toolkit (the default, as in the CMD '
                             "paper), pytracking's analysis, both side by side, or the Anti-UAV410 toolkit's (state "
                             'accuracy, success, precision; the default for the anti_uav* benchmarks)')
    parser.add_argument('--attributes', action='store_true', help='also report (and plot) per-attribute scores')
    parser.add_argument('--sequences', nargs='+', default=None, metavar='NAME', help='evaluate only these sequences')
    parser.add_argument('--out', default=None, help='folder for plots (PNG, PDF) and the table as TXT, CSV and JSON')
    parser.add_argument('--no-published', action='store_true', help='do not show the published CMD numbers')
    return parser


def default_results_path() -> Tuple[Optional[str], Optional[str]]:
    """(pytracking's results_path, None), or (None, why not) without creating pytracking's local.py."""
    try:
        if importlib.util.find_spec('pytracking') is None:
            return None, 'pytracking is not importable'
        if importlib.util.find_spec('pytracking.evaluation.local') is None:
            return None, "pytracking's pytracking/evaluation/local.py is not set up"
        from pytracking.evaluation.environment import env_settings
        return env_settings().results_path, None
    except Exception as exc:  # a broken pytracking install must not hide the real message
        return None, 'pytracking settings could not be read ({}: {})'.format(type(exc).__name__, exc)


def run_evaluation(args) -> str:
    """Do the work of main.

    returns:
        the text report
    raises:
        a ltr_cmd.errors.UserError on bad input
    """
    specs = [parse_tracker_spec(values) for values in args.tracker]
    labels = [s.label for s in specs]
    if len(set(labels)) != len(labels):
        raise EvaluateError('two --tracker entries have the same label; give one a DISPLAY_NAME')
    results_path = args.results_path
    if results_path is None:
        results_path, why = default_results_path()
        if results_path is None:
            raise EvaluateError('{}; pass --results-path'.format(why))
    definition = args.definition or default_definition(args.dataset)
    definitions = [M.TOOLKIT, M.PYTRACKING] if definition == 'both' else [definition]

    sequences = list(tir_benchmarks.load_benchmark(args.dataset, root=args.root))
    if args.sequences:
        by_name = {s.name: s for s in sequences}
        unknown = [n for n in args.sequences if n not in by_name]
        if unknown:
            raise EvaluateError('unknown sequence(s) for {}: {}'.format(args.dataset, ', '.join(unknown)))
        sequences = [by_name[n] for n in args.sequences]
    names = [s.name for s in sequences]

    from tqdm import tqdm
    total = sum(len(s.run_ids) for s in specs) * len(definitions) * len(sequences)
    with tqdm(total=total, desc='evaluating', unit='seq', file=sys.stderr, disable=None) as bar:
        results = [evaluate_tracker(spec, sequences, results_path, definitions, args.attributes,
                                    progress=bar.update, dataset=args.dataset) for spec in specs]

    published = not args.no_published
    text = format_table(results, args.dataset, definitions, names, published)
    if args.attributes:
        attribute_text = format_attribute_tables(results, definitions)
        if attribute_text:
            text += '\n' + attribute_text
    if args.out:
        from . import plots
        os.makedirs(args.out, exist_ok=True)
        stem = os.path.join(args.out, re.sub(r'[^A-Za-z0-9._-]+', '-', args.dataset))
        with open(stem + '_results.txt', 'w') as fh:
            fh.write(text)
        write_csv(stem + '_results.csv', results, args.dataset, definitions, published)
        write_json(stem + '_results.json', results, args.dataset, definitions, names, published)
        title = benchmark_key(args.dataset) or args.dataset
        if M.ANTIUAV in definitions:   # the result files as the official Anti-UAV410 toolkit reads them
            from . import results as result_files  # `results` is the scores here
            for spec in specs:
                for run_id in spec.run_ids:
                    directory = result_files.results_dir(results_path, spec.name, spec.param, run_id)
                    result_files.write_anti_uav_results(
                        os.path.join(args.out, 'anti_uav410_toolkit_results', os.path.basename(os.path.dirname(
                            directory)) + '_' + os.path.basename(directory)),
                        result_files.read_results(directory, names))
        for d in definitions:
            plots.plot_all([(r.label, r.scores[d]) for r in results], args.out, title)
            if args.attributes:
                attrs = {}
                for r in results:
                    for a, s in r.attributes.get(d, {}).items():
                        attrs.setdefault(a, []).append((r.label, s))
                plots.plot_attributes(attrs, os.path.join(args.out, 'attributes'), title)
    return text


def main(args) -> int:
    """`pytracking-cmd evaluate`: print the comparison table.

    returns:
        0; bad input raises a ltr_cmd.errors.UserError, which pytracking_cmd.cli.main reports (exit 2)
    """
    text = run_evaluation(args)
    sys.stdout.write(text)
    if args.out:
        print('wrote tables and plots to {}'.format(args.out), file=sys.stderr)
    return 0


if __name__ == '__main__':
    sys.exit(main(configure_parser(argparse.ArgumentParser(prog='pytracking-cmd evaluate')).parse_args()))
