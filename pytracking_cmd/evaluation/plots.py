"""Success, precision and normalized precision plots of several trackers, saved as PNG and PDF.

Figures are drawn on matplotlib's Agg canvas directly (no pyplot, no display, no global backend
switch). Legends carry each tracker's score the way the reference tools print it: the toolkits'
`[0.680] name` (fractions, trackers sorted best first) for the toolkit definition, pytracking's
`name [68.0]` (percent) for the pytracking definition, `[0.530] name (SA 0.554)` for the Anti-UAV
definition (success and precision only: its toolkit has no normalized precision); the title names
the benchmark and the definition.
"""
import os
import re
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from .metrics import ANTIUAV, DEFINITION_LABELS, NORM_PRECISION_RULES, TOOLKIT, Scores

METRICS = ('success', 'precision', 'norm_precision')

_METRIC_INFO = {
    # metric: (title, x label, score attribute, curve attribute, thresholds attribute, legend location)
    'success': ('Success plots of OPE', 'Overlap threshold', 'success_auc', 'success_curve',
                'success_thresholds', 'lower left'),
    'precision': ('Precision plots of OPE', 'Location error threshold [pixels]', 'precision_20',
                  'precision_curve', 'precision_thresholds', 'lower right'),
    'norm_precision': ('Norm. precision plots of OPE', 'Normalized location error threshold', 'norm_precision',
                       'norm_precision_curve', 'norm_precision_thresholds', 'lower right'),
}
_Y_LABELS = {TOOLKIT: {'success': 'Success rate', 'precision': 'Precision', 'norm_precision': 'Precision'},
             ANTIUAV: {'success': 'Success rate', 'precision': 'Precision'},
             'pytracking': {'success': 'Overlap Precision [%]', 'precision': 'Distance Precision [%]',
                            'norm_precision': 'Distance Precision [%]'}}
_SCORE_NAMES = {'success': 'AUC', 'precision': 'P@20px'}

# pytracking's first colours (plot_results.get_plot_draw_styles), then matplotlib's cycle
_COLORS = [(1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0), (0.0, 0.0, 0.0), (1.0, 0.0, 1.0),
           (0.0, 1.0, 1.0), (0.5, 0.5, 0.5), (136 / 255, 0.0, 21 / 255), (1.0, 127 / 255, 39 / 255),
           (0.0, 162 / 255, 232 / 255)]
_LINE_STYLES = ('-', '--', ':', '-.')


def _file_stem(text: str) -> str:
    return re.sub(r'[^A-Za-z0-9._-]+', '-', text).strip('-') or 'plot'


def build_figure(entries: Sequence[Tuple[str, Scores]], metric: str, benchmark: str, subset: Optional[str] = None):
    """A matplotlib Figure (Agg canvas) of one metric for several trackers.

    args:
        entries - (display name, Scores) pairs, all of one definition
        metric - 'success', 'precision' or 'norm_precision'
        subset - e.g. 'occlusion (23)' for an attribute plot
    """
    if metric not in _METRIC_INFO:
        raise ValueError('unknown metric {!r}; expected one of {}'.format(metric, METRICS))
    if not entries:
        raise ValueError('nothing to plot')
    definitions = {s.definition for _, s in entries}
    if len(definitions) != 1:
        raise ValueError('one plot holds one definition, got {}'.format(sorted(definitions)))
    definition = definitions.pop()
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    title, xlabel, score_attr, curve_attr, thr_attr, legend_loc = _METRIC_INFO[metric]
    percent = definition == 'pytracking'
    scale = 100.0 if percent else 1.0

    fig = Figure(figsize=(6.4, 5.2))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    order = sorted(range(len(entries)), key=lambda i: -np.nan_to_num(getattr(entries[i][1], score_attr), nan=-1))
    for rank, i in enumerate(order):
        name, scores = entries[i]
        score = getattr(scores, score_attr) * scale
        label = '{} [{:.1f}]'.format(name, score) if percent else '[{:.3f}] {}'.format(score, name)
        if definition == ANTIUAV and metric == 'success':
            label += ' (SA {:.3f})'.format(scores.state_accuracy)
        ax.plot(getattr(scores, thr_attr), getattr(scores, curve_attr) * scale, label=label,
                color=_COLORS[rank % len(_COLORS)], linestyle=_LINE_STYLES[(rank // len(_COLORS)) % 4], linewidth=2)
    score_name = _SCORE_NAMES.get(metric, 'NP ' + NORM_PRECISION_RULES[definition])
    full_title = '{}: {}{}'.format(benchmark, title, ' - ' + subset if subset else '')
    ax.set_title('{}\n{} definition ({}); legend: {}'.format(full_title, definition, DEFINITION_LABELS[definition],
                                                             score_name), fontsize=10)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(_Y_LABELS[definition][metric])
    thresholds = getattr(entries[0][1], thr_attr)
    ax.set_xlim(thresholds[0], thresholds[-1])
    ax.set_ylim(0, scale)
    ax.grid(True, linestyle='-.')
    ax.legend(loc=legend_loc, fontsize=8, framealpha=0.9)
    fig.tight_layout()
    return fig


def plot_metric(entries: Sequence[Tuple[str, Scores]], metric: str, out_stem: str, benchmark: str,
                subset: Optional[str] = None, formats: Sequence[str] = ('png', 'pdf')) -> List[str]:
    """build_figure, saved as `<out_stem>.<fmt>` for each format; returns the paths."""
    fig = build_figure(entries, metric, benchmark, subset)
    paths = []
    directory = os.path.dirname(out_stem)
    if directory:
        os.makedirs(directory, exist_ok=True)
    for fmt in formats:
        path = '{}.{}'.format(out_stem, fmt)
        fig.savefig(path, format=fmt, dpi=150)
        paths.append(path)
    return paths


def metrics_of(definition: str) -> Tuple[str, ...]:
    """The plots a definition has (the Anti-UAV toolkit has no normalized precision)."""
    return METRICS[:2] if definition == ANTIUAV else METRICS


def plot_all(entries: Sequence[Tuple[str, Scores]], out_dir: str, benchmark: str,
             metrics: Optional[Sequence[str]] = None, formats: Sequence[str] = ('png', 'pdf')) -> List[str]:
    """The plots of one definition (default: metrics_of it), named `<benchmark>_<metric>_<definition>.<fmt>`."""
    definition = entries[0][1].definition if entries else TOOLKIT
    paths = []
    for metric in metrics or metrics_of(definition):
        stem = os.path.join(out_dir, _file_stem('{}_{}_{}'.format(benchmark, metric, definition)))
        paths += plot_metric(entries, metric, stem, benchmark, formats=formats)
    return paths


def plot_attributes(entries: Dict[str, Sequence[Tuple[str, Scores]]], out_dir: str, benchmark: str,
                    metrics: Optional[Sequence[str]] = None, min_sequences: int = 2,
                    formats: Sequence[str] = ('png', 'pdf')) -> List[str]:
    """Per-attribute plots: `entries` maps attribute name -> (display name, Scores) pairs.

    Attributes with fewer than `min_sequences` sequences are skipped, as the toolkits'
    run_evaluation.m does for fewer than 2.
    """
    paths = []
    for attribute, attr_entries in entries.items():
        if not attr_entries or attr_entries[0][1].num_sequences < min_sequences:
            continue
        definition = attr_entries[0][1].definition
        subset = '{} ({})'.format(attribute, attr_entries[0][1].num_sequences)
        for metric in metrics or metrics_of(definition):
            stem = os.path.join(out_dir, _file_stem('{}_{}_{}_{}'.format(benchmark, attribute, metric, definition)))
            paths += plot_metric(attr_entries, metric, stem, benchmark, subset=subset, formats=formats)
    return paths
