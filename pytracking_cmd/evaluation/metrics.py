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

Anti-UAV rules (`definition='antiuav'`; github.com/HwangBo94/Anti-UAV410, experiments/anti_uav.py and
utils/metrics.py, and for the challenge's state accuracy github.com/ZhaoJ9014/Anti-UAV,
anti_uav_jittor/anti_uav_edtc_jit/tracking/evaluate_antiuav_performance.py):

* "Absent" statements (the toolkit's empty list `[]`) are the `absent` frames of boxes read from
  result files (see pytracking_cmd.evaluation.results), or rows of four NaN given directly. Every sequence has per-frame
  `exist` flags (the benchmark's, else "the ground truth has a box").
* State accuracy of a sequence: mean over frames of IoU where the target exists (0 for an absent
  statement; frames whose ground truth sums to 0 are left out) and, where it does not, 1 for an
  absent statement, else 0. IoU here is continuous (`x + w` is the right edge), without eps.
  Overall: the mean over sequences.
* The challenge's state accuracy: the same mean, but a box with x == 0 and w == 0 is also "absent"
  and nothing is left out, minus `0.2 * (share of frames where the target exists and the
  prediction is absent or has IoU < 1e-5) ** 0.3`.
* Success and precision: an absent statement is the box 0,0,0,0, frame 1 is the ground truth, no
  other repair; IoU is continuous with eps in the denominator, clipped to [0, 1]; centre errors
  use `x + (w-1)/2`; ground-truth rows with any value <= 0 (every frame without the target) get
  IoU -1 (a failure at every threshold) and centre error -1 (a success at every threshold).
  rate = count / N over thresholds `np.linspace(0, 1, 21)` and 0..50 px; plain mean over
  sequences; no normalized precision.

pytracking pads or truncates predictions whose length differs from the ground truth (the Anti-UAV
toolkit truncates); here a length mismatch is a BoxesError under every definition.
"""
import dataclasses
import math
from typing import Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

import numpy as np

from ltr_cmd.errors import UserError

TOOLKIT = 'toolkit'
PYTRACKING = 'pytracking'
ANTIUAV = 'antiuav'
DEFINITIONS = (TOOLKIT, PYTRACKING, ANTIUAV)

DEFINITION_LABELS = {
    TOOLKIT: 'LSOTB-TIR/PTB-TIR MATLAB toolkit',
    PYTRACKING: 'pytracking analysis',
    ANTIUAV: 'Anti-UAV410 Python toolkit',
}


class BoxesError(UserError, ValueError):
    """Predicted or ground-truth boxes of a sequence that cannot be scored (the message names the sequence)."""


NORM_PRECISION_RULES = {
    TOOLKIT: 'mean over 0:0.01:0.5',
    PYTRACKING: 'at 0.20',
    ANTIUAV: 'none in this toolkit',
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
#: success thresholds of the Anti-UAV410 toolkit (np.linspace(0, 1, nbins_iou=21))
ANTIUAV_OVERLAP_THRESHOLDS = np.linspace(0, 1, 21)
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
    return {TOOLKIT: TOOLKIT_OVERLAP_THRESHOLDS, PYTRACKING: PYTRACKING_OVERLAP_THRESHOLDS,
            ANTIUAV: ANTIUAV_OVERLAP_THRESHOLDS}[definition].copy()


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


def absent_frames(pred) -> np.ndarray:
    """`[N]` bool: the frames where the tracker said "absent": `pred.absent` for boxes read from result
    files (pytracking_cmd.evaluation.results.ResultBoxes), else the rows of four NaN."""
    absent = getattr(pred, 'absent', None)
    return np.array(absent, dtype=bool) if absent is not None else np.isnan(np.asarray(pred, np.float64)).all(axis=1)


def target_exists(sequence) -> np.ndarray:
    """`[N]` bool: a sequence's `exist` flags (Anti-UAV), else the frames whose ground truth is valid."""
    exist = getattr(sequence, 'exist', None)
    if exist is None:
        return valid_frames(sequence.ground_truth)
    return np.asarray(exist, dtype=bool)


def _continuous_iou(pred: np.ndarray, gt: np.ndarray) -> np.ndarray:
    """The Anti-UAV toolkits' per-frame `iou()`: continuous boxes, 0 without overlap, no eps."""
    right_p, top_p = pred[:, 0] + pred[:, 2], pred[:, 1] + pred[:, 3]
    right_g, top_g = gt[:, 0] + gt[:, 2], gt[:, 1] + gt[:, 3]
    ox0, oy0 = np.maximum(pred[:, 0], gt[:, 0]), np.maximum(pred[:, 1], gt[:, 1])
    ox1, oy1 = np.minimum(right_p, right_g), np.minimum(top_p, top_g)
    overlaps = ~((ox1 - ox0 <= 0) | (oy1 - oy0 <= 0))
    with np.errstate(invalid='ignore', divide='ignore'):
        size_p = (right_p - pred[:, 0]) * (top_p - pred[:, 1])
        size_g = (right_g - gt[:, 0]) * (top_g - gt[:, 1])
        inter = (ox1 - ox0) * (oy1 - oy0)
        iou = inter / (size_p + size_g - inter)
    return np.where(overlaps, iou, 0.0)


def _check_exist(pred, gt, exist, sequence):
    pred = as_boxes(pred, 'the predicted boxes', sequence)
    gt = as_boxes(gt, 'the ground truth', sequence)
    exist = np.asarray(exist, dtype=bool).ravel()
    if not len(pred) == len(gt) == len(exist):
        raise BoxesError('sequence {!r}: {} predicted boxes, {} ground-truth boxes and {} exist flags'
                         .format(sequence, len(pred), len(gt), len(exist)))
    return pred, gt, exist


def state_accuracy(pred, ground_truth, exist, sequence: str = '<unnamed>') -> float:
    """State accuracy of one sequence as the Anti-UAV410 toolkit's `eval` (see the module docstring).

    args:
        pred - `[N, 4]` x,y,w,h; NaN rows state "absent"
        ground_truth - `[N, 4]`; exist - `[N]` bool
    returns:
        the mean over the counted frames (NaN when none is counted, as np.mean of nothing)
    """
    pred, gt, exist = _check_exist(pred, ground_truth, exist, sequence)
    absent = absent_frames(pred)
    # the toolkit's sum(_gt) == 0, summed left to right
    counted = ~exist | ~((((gt[:, 0] + gt[:, 1]) + gt[:, 2]) + gt[:, 3]) == 0)
    measure = np.where(exist, np.where(absent, 0.0, _continuous_iou(pred, gt)), absent.astype(np.float64))
    with np.errstate(invalid='ignore', divide='ignore'):
        return float(np.mean(measure[counted])) if counted.any() else float('nan')


def state_accuracy_challenge(pred, ground_truth, exist, sequence: str = '<unnamed>') -> float:
    """State accuracy with the Anti-UAV challenge's penalty (evaluate_antiuav_performance.py's `eval`).

    args:
        as state_accuracy; a NaN row is the box 0,0,0,0, which that script reads as "absent" (x == 0 and w == 0)
    """
    pred, gt, exist = _check_exist(pred, ground_truth, exist, sequence)
    pred = np.where(np.isnan(pred).all(axis=1, keepdims=True), 0.0, pred)
    absent = (pred[:, 0] == 0) & (pred[:, 2] == 0)
    iou = _continuous_iou(pred, gt)
    measure = np.where(exist, iou, absent.astype(np.float64))
    penalty = exist & ((iou < 1e-5) | absent)
    return float(np.mean(measure) - 0.2 * np.mean(penalty.astype(np.float64)) ** 0.3)


def _antiuav_errors(pred: np.ndarray, gt: np.ndarray):
    """The Anti-UAV410 toolkit's rect_iou and center_error (utils/metrics.py), frame 1 set to the ground truth."""
    pred = np.where(absent_frames(pred)[:, None], 0.0, pred)
    pred[0] = gt[0]
    valid = np.sum(gt > 0, axis=1) == 4
    x1, y1 = np.maximum(pred[:, 0], gt[:, 0]), np.maximum(pred[:, 1], gt[:, 1])
    x2 = np.minimum(pred[:, 0] + pred[:, 2], gt[:, 0] + gt[:, 2])
    y2 = np.minimum(pred[:, 1] + pred[:, 3], gt[:, 1] + gt[:, 3])
    inter = np.maximum(x2 - x1, 0) * np.maximum(y2 - y1, 0)
    union = pred[:, 2] * pred[:, 3] + gt[:, 2] * gt[:, 3] - inter
    with np.errstate(invalid='ignore', divide='ignore'):
        overlap = np.clip(inter / (union + _EPS), 0.0, 1.0)
    center_error = np.sqrt(np.sum(np.power(box_centers(pred) - box_centers(gt), 2), axis=-1))
    overlap[~valid] = -1.0
    center_error[~valid] = -1.0
    return overlap, center_error, valid


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
    if definition == ANTIUAV:  # rows of NaN state "absent" here (compute_curves makes them from result files)
        overlap, center_error, valid = _antiuav_errors(pred, gt)
        return SequenceErrors(overlap, center_error, np.full(len(gt), np.nan), valid, definition)
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
    if errors.definition == ANTIUAV:  # np.mean of the toolkit's boolean comparisons
        success = np.mean(np.greater(errors.overlap[:, None], ANTIUAV_OVERLAP_THRESHOLDS[None, :]), axis=0)
        precision = np.mean(np.less_equal(errors.center_error[:, None], ERROR_THRESHOLDS[None, :]), axis=0)
        return success, precision, np.full(len(NORM_ERROR_THRESHOLDS), np.nan)
    denominator = n + _EPS if errors.definition == TOOLKIT else float(n)
    thresholds = overlap_thresholds(errors.definition)
    success = (errors.overlap[:, None] > thresholds[None, :]).sum(axis=0) / denominator
    precision = (errors.center_error[:, None] <= ERROR_THRESHOLDS[None, :]).sum(axis=0) / denominator
    norm_precision = (errors.norm_center_error[:, None] <= NORM_ERROR_THRESHOLDS[None, :]).sum(axis=0) / denominator
    return success, precision, norm_precision


@dataclasses.dataclass(eq=False)
class SequenceCurves:
    """Per-sequence rate curves of one tracker run: success `[S, 21]`, precision and normalized
    precision `[S, 51]`, rows in the order of `names`; under the Anti-UAV definition also the
    state accuracies `[S]` (the toolkit's and the challenge's)."""
    names: Tuple[str, ...]
    success: np.ndarray
    precision: np.ndarray
    norm_precision: np.ndarray
    definition: str
    state_accuracy: Optional[np.ndarray] = None
    state_accuracy_challenge: Optional[np.ndarray] = None

    def select(self, names: Iterable[str]) -> 'SequenceCurves':
        """The rows of the named sequences, in the given order."""
        index = {name: i for i, name in enumerate(self.names)}
        names = tuple(names)
        missing = [n for n in names if n not in index]
        if missing:
            raise KeyError('sequences not evaluated: {}'.format(', '.join(missing)))
        rows = [index[n] for n in names]
        pick = (lambda a: None if a is None else a[rows])
        return SequenceCurves(names, self.success[rows], self.precision[rows], self.norm_precision[rows],
                              self.definition, pick(self.state_accuracy), pick(self.state_accuracy_challenge))


@dataclasses.dataclass(eq=False)
class Scores:
    """Scores of one tracker over a set of sequences; every value is a fraction in [0, 1].

    attributes:
        success_auc - mean of the 21-point success curve
        precision_20 - precision curve at 20 px
        norm_precision - toolkit: mean of the 51-point normalized precision curve; pytracking: its
                         value at 0.20; antiuav: NaN (that toolkit has none)
        state_accuracy, state_accuracy_challenge - antiuav only (None otherwise): the mean over
                         sequences of the Anti-UAV410 toolkit's and the challenge's state accuracy
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
    state_accuracy: Optional[float] = None
    state_accuracy_challenge: Optional[float] = None
    state_accuracy_std: Optional[float] = None
    state_accuracy_challenge_std: Optional[float] = None

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
        if self.definition == ANTIUAV:
            out.update(state_accuracy=self.state_accuracy, state_accuracy_std=self.state_accuracy_std,
                       state_accuracy_challenge=self.state_accuracy_challenge,
                       state_accuracy_challenge_std=self.state_accuracy_challenge_std)
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
    left. pytracking, antiuav: plain mean.
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
    sa = {}
    if d == ANTIUAV:
        sa = dict(state_accuracy=float(np.mean(curves.state_accuracy)),
                  state_accuracy_challenge=float(np.mean(curves.state_accuracy_challenge)))
    return Scores(float(np.mean(success)), float(precision[PRECISION_INDEX]), float(norm_score), d,
                  success, precision, norm_precision, num_sequences=len(curves.names), **sa)


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
    rows, sa, sa_challenge = [], [], []
    for seq in sequences:
        pred = predictions[seq.name]
        if definition == ANTIUAV:
            pred = np.where(absent_frames(pred)[:, None], np.nan, np.asarray(pred, dtype=np.float64))
        rows.append(sequence_curves(sequence_errors(pred, seq.ground_truth, definition, seq.name)))
        if definition == ANTIUAV:
            exist = target_exists(seq)
            sa.append(state_accuracy(pred, seq.ground_truth, exist, seq.name))
            sa_challenge.append(state_accuracy_challenge(pred, seq.ground_truth, exist, seq.name))
        if progress is not None:
            progress()
    if not rows:
        raise ValueError('no sequences to evaluate')
    success, precision, norm_precision = (np.stack(r) for r in zip(*rows))
    extra = (np.array(sa), np.array(sa_challenge)) if definition == ANTIUAV else ()
    return SequenceCurves(tuple(s.name for s in sequences), success, precision, norm_precision, definition, *extra)


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
    sa = {}
    if runs[0].definition == ANTIUAV:
        (sa['state_accuracy'], sa['state_accuracy_std']), (sa['state_accuracy_challenge'],
                                                           sa['state_accuracy_challenge_std']) = (
            mean_std('state_accuracy'), mean_std('state_accuracy_challenge'))
    return Scores(auc, prec, norm, runs[0].definition,
                  np.mean([r.success_curve for r in runs], axis=0),
                  np.mean([r.precision_curve for r in runs], axis=0),
                  np.mean([r.norm_precision_curve for r in runs], axis=0),
                  num_sequences=runs[0].num_sequences, num_runs=len(runs),
                  success_auc_std=auc_std, precision_20_std=prec_std, norm_precision_std=norm_std, **sa)
