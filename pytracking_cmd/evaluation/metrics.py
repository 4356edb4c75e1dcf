"""One-pass-evaluation (OPE) metrics, computed exactly as the LSOTB-TIR / PTB-TIR MATLAB toolkits
compute them (`definition='toolkit'`) or as pytracking's analysis does (`definition='pytracking'`).

Box convention (both definitions): float arrays of shape `[N, 4]`, one row per frame,
`x, y, w, h` in the toolkits' 1-based pixel convention: a box covers pixels `x .. x+w-1`, so
its centre is `(x + (w-1)/2, y + (h-1)/2)` and intersections are measured on inclusive pixel
ranges (`right - left + 1`).

Toolkit rules (utils/calcSeqErrRobust.m, calcSeqErrRobust_norm.m, calcRectInt.m, genPerfMat.m,
plotDrawSave.m of either toolkit):

* A ground-truth frame is *invalid* when any of its four values is <= 0 or NaN. Invalid frames get
  overlap -1 (a failure at every success threshold) and centre error -1 (a success at every
  precision threshold, also for normalized precision) and stay in the denominator N.
* Prediction repair, before frame 1 is set to the ground truth: frame i >= 2 takes the (possibly
  already repaired) box of frame i-1 when the ground-truth row has no NaN and the predicted box
  has w <= 0, h <= 0 or all four values NaN. A partly-NaN box with positive w and h is kept.
* Frame 1 of the prediction is replaced by the ground truth.
* MATLAB's `min`/`max` ignore NaN (`np.fmin`/`np.fmax` here), so e.g. a box whose x is NaN
  still overlaps in x as if it spanned the ground truth; NaN overlaps / errors are failures.
* Per sequence, rate(threshold) = count / (N + eps); success counts `overlap > thr` over
  thresholds `0:0.05:1` (21 points, MATLAB's colon values), precision counts
  `error <= thr` over 0..50 px, normalized precision (x error / ground-truth w, y error /
  ground-truth h) counts `error <= thr` over `(0:50)/100`.
* Averaging over sequences drops sequences whose whole curve sums to <= eps (plotDrawSave.m).
* Scores: success AUC = mean of the 21 success points, precision = the 21st point (20 px),
  normalized precision = MEAN of the 51-point curve.

pytracking rules (pytracking/analysis/extract_results.py, plot_results.py) differ in that:

* a NaN predicted box, a negative predicted w/h or a NaN ground-truth value is an error (here a
  BoxesError naming sequence and frame);
* repair only replaces boxes with w == 0 or h == 0;
* invalid ground-truth frames count as *failures* for precision (error = inf) but as successes for
  normalized precision (error -1), and as failures for success (overlap -1);
* rate = count / N, success thresholds are `k * 0.05`, no sequence is dropped from the mean;
* normalized precision is the curve's value at 0.20 (pytracking reports percent; here every score
  is a fraction in [0, 1] for both definitions).

pytracking pads or truncates predictions whose length differs from the ground truth; here a
length mismatch is a BoxesError under both definitions.
"""
import dataclasses
import math
from typing import Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

import numpy as np

from ltr_cmd.errors import UserError

TOOLKIT = 'toolkit'
PYTRACKING = 'pytracking'
DEFINITIONS = (TOOLKIT, PYTRACKING)

DEFINITION_LABELS = {
    TOOLKIT: 'LSOTB-TIR/PTB-TIR MATLAB toolkit',
    PYTRACKING: 'pytracking analysis',
}


class BoxesError(UserError, ValueError):
    """Predicted or ground-truth boxes of a sequence that cannot be scored (the message names the sequence)."""


NORM_PRECISION_RULES = {
    TOOLKIT: 'mean over 0:0.01:0.5',
    PYTRACKING: 'at 0.20',
}

_EPS = float(np.finfo(np.float64).eps)  # MATLAB's eps


def matlab_colon(start: float, step: float, stop: float) -> np.ndarray:
    """`start:step:stop` with MATLAB's values (step > 0).

    MATLAB computes the first half of a colon vector as `start + k*step` and the second half as
    `stop - k*step` (MathWorks, "How does the COLON operator work?"); the middle element of an
    odd-length vector is `(start + stop) / 2`. For `0:0.05:1` this gives 0.6, 0.65 - 1 ulp, 0.7,
    0.85 and 0.95 where `k*0.05` (NumPy, PyTorch and GNU Octave) gives 0.6 + 1 ulp, 0.65,
    0.7 + 1 ulp, 0.85 + 1 ulp and 0.95 + 1 ulp; with `overlap > threshold` only the 0.65 point can
    change a count (an overlap of exactly 13/20).
    """
    quotient = (stop - start) / step
    n = int(round(quotient))
    if abs(quotient - n) > 1e-10 * max(1.0, abs(quotient)):
        n = int(math.floor(quotient))
        stop = start + n * step
    k = np.arange(n + 1, dtype=np.float64)
    values = start + k * step
    half = n // 2
    values[n - half:] = stop - (n - np.arange(n - half, n + 1)) * step
    if n % 2 == 0:
        values[half] = (start + stop) / 2
    return values


#: success thresholds 0:0.05:1 as the toolkits (MATLAB) produce them
TOOLKIT_OVERLAP_THRESHOLDS = matlab_colon(0.0, 0.05, 1.0)
#: success thresholds as pytracking produces them (torch.arange(0, 1.05, 0.05), i.e. k * 0.05)
PYTRACKING_OVERLAP_THRESHOLDS = np.arange(21, dtype=np.float64) * 0.05
#: centre-error thresholds in pixels, 0..50 (both definitions)
ERROR_THRESHOLDS = np.arange(51, dtype=np.float64)
#: normalized centre-error thresholds, (0:50)/100 (both definitions)
NORM_ERROR_THRESHOLDS = np.arange(51, dtype=np.float64) / 100.0
#: index of the 20-px point of the precision curve (the toolkits' 21st point)
PRECISION_INDEX = 20
#: index of the 0.20 point of the normalized precision curve (pytracking's score)
NORM_PRECISION_INDEX = 20


def overlap_thresholds(definition: str = TOOLKIT) -> np.ndarray:
    """The 21 success thresholds of `definition`."""
    check_definition(definition)
    return (TOOLKIT_OVERLAP_THRESHOLDS if definition == TOOLKIT else PYTRACKING_OVERLAP_THRESHOLDS).copy()


def check_definition(definition: str) -> None:
    if definition not in DEFINITIONS:
        raise ValueError('unknown metric definition {!r}; expected one of {}'.format(definition, DEFINITIONS))


def as_boxes(boxes, what: str = 'boxes', sequence: str = '<unnamed>') -> np.ndarray:
    """`boxes` as a float64 `[N, 4]` array (a copy); BoxesError naming the sequence otherwise."""
    arr = np.array(boxes, dtype=np.float64)
    if arr.ndim == 1 and arr.size == 0:
        arr = arr.reshape(0, 4)
    if arr.ndim != 2 or arr.shape[1] != 4:
        raise BoxesError('sequence {!r}: {} must have shape [N, 4] (x, y, w, h per frame), got shape {}'
                         .format(sequence, what, arr.shape))
    return arr


def box_centers(boxes: np.ndarray) -> np.ndarray:
    """Centres `[N, 2]` of `[N, 4]` x,y,w,h boxes: `(x + (w-1)/2, y + (h-1)/2)`."""
    boxes = np.asarray(boxes, dtype=np.float64)
    return boxes[:, :2] + (boxes[:, 2:] - 1) / 2


def rect_overlap(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise intersection over union of `[N, 4]` boxes, as the toolkits' calcRectInt.m.

    Inclusive pixel ranges (`right = x + w - 1`; width `min(right) - max(left) + 1`), each side
    clipped at 0, union `w_a*h_a + w_b*h_b - intersection`. min/max ignore NaN like MATLAB's, so
    a NaN coordinate falls back to the other box's; a NaN width or height gives a NaN overlap; 0/0
    gives NaN.

    returns:
        `[N]` overlaps
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    with np.errstate(invalid='ignore', divide='ignore'):
        right_a = a[:, 0] + a[:, 2] - 1
        top_a = a[:, 1] + a[:, 3] - 1
        right_b = b[:, 0] + b[:, 2] - 1
        top_b = b[:, 1] + b[:, 3] - 1
        iw = np.fmax(0.0, np.fmin(right_a, right_b) - np.fmax(a[:, 0], b[:, 0]) + 1)
        ih = np.fmax(0.0, np.fmin(top_a, top_b) - np.fmax(a[:, 1], b[:, 1]) + 1)
        inter = iw * ih
        return inter / (a[:, 2] * a[:, 3] + b[:, 2] * b[:, 3] - inter)


def valid_frames(ground_truth: np.ndarray) -> np.ndarray:
    """`[N]` bool: True where all four ground-truth values are > 0 (NaN is invalid)."""
    return np.all(np.asarray(ground_truth, dtype=np.float64) > 0, axis=1)


def repair_predictions(pred: np.ndarray, ground_truth: np.ndarray, definition: str = TOOLKIT) -> np.ndarray:
    """Replace unusable predicted boxes by the previous frame's box (chained), frames 2..N.

    toolkit: when the ground-truth row has no NaN and the box has w <= 0, h <= 0 or all four values
    NaN. pytracking: when the ground-truth row has no NaN and w == 0 or h == 0. Frame 1 is never
    replaced (it is set to the ground truth afterwards by sequence_errors).

    returns:
        the repaired copy of `pred`
    """
    check_definition(definition)
    pred = np.array(pred, dtype=np.float64)
    gt = np.asarray(ground_truth, dtype=np.float64)
    gt_has_no_nan = ~np.isnan(gt).any(axis=1)
    if definition == TOOLKIT:
        unusable = np.isnan(pred).all(axis=1) | (pred[:, 2] <= 0) | (pred[:, 3] <= 0)
    else:
        unusable = (pred[:, 2:] == 0).any(axis=1)
    replace = unusable & gt_has_no_nan
    if len(replace):
        replace[0] = False
    source = np.where(replace, 0, np.arange(len(pred)))
    return pred[np.maximum.accumulate(source)] if len(pred) else pred


@dataclasses.dataclass(eq=False)
class SequenceErrors:
    """Per-frame errors of one sequence; all arrays `[N]`."""
    overlap: np.ndarray            # IoU; -1 on invalid ground-truth frames
    center_error: np.ndarray       # pixels; -1 (toolkit) or inf (pytracking) on invalid frames
    norm_center_error: np.ndarray  # x/gt_w, y/gt_h; -1 on invalid frames (both definitions)
    valid: np.ndarray              # bool, ground-truth frame valid
    definition: str


def _check_pytracking_inputs(pred: np.ndarray, gt: np.ndarray, sequence: str) -> None:
    checks = (
        (np.isnan(pred).any(axis=1), 'the predicted box contains NaN'),
        ((pred[:, 2:] < 0).any(axis=1), 'the predicted box has a negative width or height'),
        (np.isnan(gt).any(axis=1), 'the ground-truth box contains NaN'),
    )
    for bad, reason in checks:
        if bad.any():
            frame = int(np.flatnonzero(bad)[0]) + 1
            raise BoxesError("sequence {!r}, frame {} (1-based): {}, which pytracking's analysis rejects "
                             "({} frame(s) affected); the toolkit definition accepts such boxes"
                             .format(sequence, frame, reason, int(bad.sum())))


def sequence_errors(pred, ground_truth, definition: str = TOOLKIT, sequence: str = '<unnamed>') -> SequenceErrors:
    """Overlaps and centre errors of one sequence under `definition`.

    args:
        pred, ground_truth - `[N, 4]` x,y,w,h boxes (see module docstring for the rules)
        sequence - the sequence name, for error messages
    raises:
        BoxesError naming `sequence` on a shape or length mismatch, and under the pytracking
        definition on NaN / negative-size predictions and NaN ground truth.
    """
    check_definition(definition)
    gt = as_boxes(ground_truth, 'the ground truth', sequence)
    pred = as_boxes(pred, 'the predicted boxes', sequence)
    if len(pred) != len(gt):
        raise BoxesError('sequence {!r}: {} predicted boxes but {} ground-truth boxes'
                         .format(sequence, len(pred), len(gt)))
    if len(gt) == 0:
        raise BoxesError('sequence {!r}: no frames'.format(sequence))
    if definition == PYTRACKING:
        _check_pytracking_inputs(pred, gt, sequence)

    pred = repair_predictions(pred, gt, definition)
    pred[0] = gt[0]
    valid = valid_frames(gt)

    with np.errstate(invalid='ignore', divide='ignore'):
        center_pred = box_centers(pred)
        center_gt = box_centers(gt)
        center_error = np.sqrt(((center_pred - center_gt) ** 2).sum(axis=1))
        # as the toolkit and pytracking: both centres divided by the ground-truth size, then subtracted
        norm_error = np.sqrt(((center_pred / gt[:, 2:] - center_gt / gt[:, 2:]) ** 2).sum(axis=1))
    overlap = rect_overlap(pred, gt)

    overlap[~valid] = -1.0
    center_error[~valid] = -1.0 if definition == TOOLKIT else np.inf
    norm_error[~valid] = -1.0
    if definition == PYTRACKING and np.isnan(overlap).any():
        frame = int(np.flatnonzero(np.isnan(overlap))[0]) + 1
        raise BoxesError('sequence {!r}, frame {} (1-based): the overlap is NaN (pytracking raises on this)'
                         .format(sequence, frame))
    return SequenceErrors(overlap, center_error, norm_error, valid, definition)


def sequence_curves(errors: SequenceErrors) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-sequence success [21], precision [51] and normalized precision [51] rates."""
    n = len(errors.overlap)
    denominator = n + _EPS if errors.definition == TOOLKIT else float(n)
    thresholds = overlap_thresholds(errors.definition)
    success = (errors.overlap[:, None] > thresholds[None, :]).sum(axis=0) / denominator
    precision = (errors.center_error[:, None] <= ERROR_THRESHOLDS[None, :]).sum(axis=0) / denominator
    norm_precision = (errors.norm_center_error[:, None] <= NORM_ERROR_THRESHOLDS[None, :]).sum(axis=0) / denominator
    return success, precision, norm_precision


@dataclasses.dataclass(eq=False)
class SequenceCurves:
    """Per-sequence rate curves of one tracker run: success `[S, 21]`, precision and normalized
    precision `[S, 51]`, rows in the order of `names`."""
    names: Tuple[str, ...]
    success: np.ndarray
    precision: np.ndarray
    norm_precision: np.ndarray
    definition: str

    def select(self, names: Iterable[str]) -> 'SequenceCurves':
        """The rows of the named sequences, in the given order."""
        index = {name: i for i, name in enumerate(self.names)}
        names = tuple(names)
        missing = [n for n in names if n not in index]
        if missing:
            raise KeyError('sequences not evaluated: {}'.format(', '.join(missing)))
        rows = [index[n] for n in names]
        return SequenceCurves(names, self.success[rows], self.precision[rows], self.norm_precision[rows],
                              self.definition)


@dataclasses.dataclass(eq=False)
class Scores:
    """Scores of one tracker over a set of sequences; every value is a fraction in [0, 1].

    attributes:
        success_auc - mean of the 21-point success curve
        precision_20 - precision curve at 20 px
        norm_precision - toolkit: mean of the 51-point normalized precision curve; pytracking: its
                         value at 0.20
        *_std - sample standard deviations over runs (None for a single run); the curves are then
                the run means
    """
    success_auc: float
    precision_20: float
    norm_precision: float
    definition: str
    success_curve: np.ndarray
    precision_curve: np.ndarray
    norm_precision_curve: np.ndarray
    num_sequences: int
    num_runs: int = 1
    success_auc_std: Optional[float] = None
    precision_20_std: Optional[float] = None
    norm_precision_std: Optional[float] = None

    @property
    def definition_label(self) -> str:
        return DEFINITION_LABELS[self.definition]

    @property
    def success_thresholds(self) -> np.ndarray:
        return overlap_thresholds(self.definition)

    @property
    def precision_thresholds(self) -> np.ndarray:
        return ERROR_THRESHOLDS.copy()

    @property
    def norm_precision_thresholds(self) -> np.ndarray:
        return NORM_ERROR_THRESHOLDS.copy()

    def as_dict(self, curves: bool = True) -> dict:
        out = {'definition': self.definition, 'definition_label': self.definition_label,
               'norm_precision_rule': NORM_PRECISION_RULES[self.definition],
               'num_sequences': self.num_sequences, 'num_runs': self.num_runs,
               'success_auc': self.success_auc, 'success_auc_std': self.success_auc_std,
               'precision_20': self.precision_20, 'precision_20_std': self.precision_20_std,
               'norm_precision': self.norm_precision, 'norm_precision_std': self.norm_precision_std}
        if curves:
            out.update(success_thresholds=self.success_thresholds.tolist(),
                       success_curve=self.success_curve.tolist(),
                       precision_thresholds=self.precision_thresholds.tolist(),
                       precision_curve=self.precision_curve.tolist(),
                       norm_precision_thresholds=self.norm_precision_thresholds.tolist(),
                       norm_precision_curve=self.norm_precision_curve.tolist())
        return out


def average_curve(rows: np.ndarray, definition: str = TOOLKIT) -> np.ndarray:
    """Mean over sequences of `[S, T]` per-sequence rates.

    toolkit: rows summing to <= eps are left out first (plotDrawSave.m); NaN curve when none is
    left. pytracking: plain mean.
    """
    check_definition(definition)
    rows = np.asarray(rows, dtype=np.float64)
    if definition == TOOLKIT:
        rows = rows[rows.sum(axis=1) > _EPS]
    if len(rows) == 0:
        return np.full(rows.shape[1], np.nan)
    return rows.mean(axis=0)


def summarize(curves: SequenceCurves) -> Scores:
    """Average per-sequence curves into Scores."""
    d = curves.definition
    success = average_curve(curves.success, d)
    precision = average_curve(curves.precision, d)
    norm_precision = average_curve(curves.norm_precision, d)
    norm_score = norm_precision.mean() if d == TOOLKIT else norm_precision[NORM_PRECISION_INDEX]
    return Scores(float(success.mean()), float(precision[PRECISION_INDEX]), float(norm_score), d,
                  success, precision, norm_precision, num_sequences=len(curves.names))


def compute_curves(sequences: Sequence, predictions: Mapping[str, np.ndarray], definition: str = TOOLKIT,
                   progress=None) -> SequenceCurves:
    """Per-sequence curves of one tracker run.

    args:
        sequences - objects with `.name` and `.ground_truth` ([N, 4] x,y,w,h)
        predictions - sequence name -> [N, 4] predicted boxes
        progress - optional callable run once per sequence (e.g. a tqdm bar's `update`)
    """
    check_definition(definition)
    missing = [s.name for s in sequences if s.name not in predictions]
    if missing:
        raise BoxesError('no predictions for {} sequence(s): {}'.format(len(missing), ', '.join(missing[:10])
                                                                        + (' ...' if len(missing) > 10 else '')))
    rows = []
    for seq in sequences:
        rows.append(sequence_curves(sequence_errors(predictions[seq.name], seq.ground_truth, definition, seq.name)))
        if progress is not None:
            progress()
    if not rows:
        raise ValueError('no sequences to evaluate')
    success, precision, norm_precision = (np.stack(r) for r in zip(*rows))
    return SequenceCurves(tuple(s.name for s in sequences), success, precision, norm_precision, definition)


def evaluate(sequences: Sequence, predictions: Mapping[str, np.ndarray], definition: str = TOOLKIT) -> Scores:
    """Scores of one tracker run over `sequences` (see compute_curves)."""
    return summarize(compute_curves(sequences, predictions, definition))


def attribute_names(sequences: Sequence) -> List[str]:
    """Attribute names found on the sequences, in order of first appearance."""
    names = []
    for seq in sequences:
        for name in (getattr(seq, 'attributes', None) or {}):
            if name not in names:
                names.append(name)
    return names


def attribute_scores(curves: SequenceCurves, sequences: Sequence, min_sequences: int = 1) -> Dict[str, Scores]:
    """Scores over the sequences having each attribute (`seq.attributes[name]` true).

    Attributes with fewer than `min_sequences` such sequences are left out (the toolkits' plots
    need 2: run_evaluation.m skips smaller sets).
    """
    out = {}
    for name in attribute_names(sequences):
        members = [s.name for s in sequences if (getattr(s, 'attributes', None) or {}).get(name, False)]
        if len(members) >= max(1, min_sequences):
            out[name] = summarize(curves.select(members))
    return out


def combine_runs(runs: Sequence[Scores]) -> Scores:
    """Mean (and sample std over runs) of several runs' scores; curves are averaged."""
    runs = list(runs)
    if not runs:
        raise ValueError('no runs to combine')
    definitions = {r.definition for r in runs}
    if len(definitions) != 1:
        raise ValueError('cannot combine runs evaluated with different definitions: {}'.format(sorted(definitions)))
    if len(runs) == 1:
        return runs[0]

    def mean_std(attr):
        values = np.array([getattr(r, attr) for r in runs], dtype=np.float64)
        return float(values.mean()), float(values.std(ddof=1))

    (auc, auc_std), (prec, prec_std), (norm, norm_std) = (mean_std(a) for a in
                                                          ('success_auc', 'precision_20', 'norm_precision'))
    return Scores(auc, prec, norm, runs[0].definition,
                  np.mean([r.success_curve for r in runs], axis=0),
                  np.mean([r.precision_curve for r in runs], axis=0),
                  np.mean([r.norm_precision_curve for r in runs], axis=0),
                  num_sequences=runs[0].num_sequences, num_runs=len(runs),
                  success_auc_std=auc_std, precision_20_std=prec_std, norm_precision_std=norm_std)
