"""Metrics under the LSOTB-TIR/PTB-TIR toolkit definition and pytracking's, on tiny hand-made cases.

Values marked "Octave" were also produced by the toolkit's own utils/calcSeqErrRobust.m,
calcSeqErrRobust_norm.m and calcRectInt.m (LSOTB-TIR toolkit) run in GNU Octave 7.3 with the
per-threshold counting of genPerfMat.m; they are recorded here as literals (values only).
"""
import math
import types

import numpy as np
import pytest

from pytracking_cmd.evaluation import metrics as M

NAN = np.nan


def seq(name, gt, attributes=None):
    return types.SimpleNamespace(name=name, ground_truth=np.array(gt, dtype=float), attributes=attributes or {})


# ---------------------------------------------------------------------------------- primitives

def test_overlap_one_seventh():
    # 2x2 boxes offset by one pixel in x and y: 1 shared pixel, union 4 + 4 - 1 = 7 (Octave: 0.14285714285714285)
    assert M.rect_overlap(np.array([[1., 1, 2, 2]]), np.array([[2., 2, 2, 2]]))[0] == 1 / 7


def test_overlap_uses_inclusive_pixel_ranges():
    a = np.array([[1., 1, 2, 2], [1, 1, 2, 2], [1, 1, 2, 2]])
    b = np.array([[3., 1, 2, 2], [2, 1, 2, 2], [1, 1, 2, 2]])
    # adjacent boxes (pixels 1-2 and 3-4) do not overlap; one shared column -> 2 / (4 + 4 - 2)
    np.testing.assert_array_equal(M.rect_overlap(a, b), [0.0, 1 / 3, 1.0])


def test_overlap_ignores_nan_in_min_max_like_matlab():
    gt = np.array([[1., 1, 4, 4], [1, 1, 4, 4]])
    pred = np.array([[NAN, 1, 4, 4], [1, 1, NAN, 4]])
    ov = M.rect_overlap(pred, gt)
    # NaN x: min/max fall back to the other box, so x overlaps fully -> 16 / 16 (Octave: 1)
    assert ov[0] == 1.0
    # NaN width: NaN area -> NaN overlap
    assert math.isnan(ov[1])


def test_centres_use_w_minus_one():
    np.testing.assert_array_equal(M.box_centers(np.array([[1., 1, 4, 4], [0, 0, 1, 1], [10, 20, 3, 5]])),
                                  [[2.5, 2.5], [0, 0], [11, 22]])


def test_valid_frames():
    gt = np.array([[1., 1, 4, 4], [0, 1, 4, 4], [1, -1, 4, 4], [1, 1, NAN, 4], [1, 1, 4, 0]])
    np.testing.assert_array_equal(M.valid_frames(gt), [True, False, False, False, False])


def test_matlab_colon_values():
    t = M.TOOLKIT_OVERLAP_THRESHOLDS
    assert len(t) == 21 and t[0] == 0 and t[-1] == 1 and t[10] == 0.5
    # second half computed from the end point: 1 - 7*0.05 is one ulp below 0.65, 1 - 8*0.05 is exactly 0.6
    assert t[13] == np.nextafter(0.65, 0) and t[12] == 0.6
    assert M.PYTRACKING_OVERLAP_THRESHOLDS[13] == 0.65 and M.PYTRACKING_OVERLAP_THRESHOLDS[12] > 0.6
    # MathWorks' example: 0:0.1:0.3 ends exactly at 0.3, while 3 * 0.1 does not
    assert M.matlab_colon(0, 0.1, 0.3)[-1] == 0.3 and 3 * 0.1 != 0.3
    np.testing.assert_array_equal(M.matlab_colon(1, 1, 4), [1, 2, 3, 4])


# ------------------------------------------------------------------------------------ repair

def test_repair_toolkit_rules():
    gt = np.array([[1., 1, 4, 4]] * 6)
    pred = np.array([[1., 1, 4, 4],
                     [2, 2, 4, 4],
                     [NAN, NAN, NAN, NAN],   # all NaN -> previous box
                     [3, 3, 0, 4],           # w <= 0 -> previous (already repaired) box
                     [NAN, NAN, NAN, 5],     # partly NaN, h > 0 -> left alone
                     [4, 4, 4, -2]])         # h <= 0 -> previous box, the partly-NaN one
    out = M.repair_predictions(pred, gt, 'toolkit')
    np.testing.assert_array_equal(out[:4], [[1, 1, 4, 4], [2, 2, 4, 4], [2, 2, 4, 4], [2, 2, 4, 4]])
    np.testing.assert_array_equal(out[4:], [[NAN, NAN, NAN, 5], [NAN, NAN, NAN, 5]])


def test_repair_skipped_when_ground_truth_row_has_nan():
    gt = np.array([[1., 1, 4, 4], [1, NAN, 4, 4], [1, 1, 4, 4]])
    pred = np.array([[1., 1, 4, 4], [5, 5, 0, 4], [NAN, NAN, NAN, NAN]])
    out = M.repair_predictions(pred, gt, 'toolkit')
    np.testing.assert_array_equal(out[1], [5, 5, 0, 4])
    np.testing.assert_array_equal(out[2], [5, 5, 0, 4])  # chained from the unrepaired frame 2


def test_repair_pytracking_only_zero_size():
    gt = np.array([[1., 1, 4, 4]] * 3)
    pred = np.array([[1., 1, 4, 4], [2, 2, 0, 4], [3, 3, 4, 4]])
    np.testing.assert_array_equal(M.repair_predictions(pred, gt, 'pytracking')[1], [1, 1, 4, 4])
    pred_neg = np.array([[1., 1, 4, 4], [2, 2, -1, 4], [3, 3, 4, 4]])
    np.testing.assert_array_equal(M.repair_predictions(pred_neg, gt, 'pytracking')[1], [2, 2, -1, 4])
    np.testing.assert_array_equal(M.repair_predictions(pred_neg, gt, 'toolkit')[1], [1, 1, 4, 4])


# ------------------------------------------------------------------ one sequence, toolkit rules

# frame 1 far off (forced to GT); frame 2 overlap 9/23; frame 3 invalid GT (x = 0); frame 4 h < 0 ->
# repaired with frame 3's box (overlap 12/20); frame 5 partly NaN (kept: overlap 1 through the
# NaN-ignoring min/max, centre error NaN); frame 6 all NaN -> frame 5's box.
GT1 = [[1, 1, 4, 4], [1, 1, 4, 4], [0, 5, 4, 4], [1, 1, 4, 4], [1, 1, 4, 4], [1, 1, 4, 4]]
PRED1 = [[50, 50, 10, 10], [2, 2, 4, 4], [1, 2, 4, 4], [3, 1, 4, -1], [NAN, 1, 4, 4], [NAN, NAN, NAN, NAN]]


def test_toolkit_per_frame_errors_octave_confirmed():
    e = M.sequence_errors(np.array(PRED1), np.array(GT1), 'toolkit', 'case1')
    # Octave: 1 0.39130434782608697 -1 0.59999999999999998 1 1
    np.testing.assert_array_equal(e.overlap, [1, 9 / 23, -1, 0.6, 1, 1])
    # Octave: 0 1.4142135623730951 -1 1 NaN NaN
    np.testing.assert_array_equal(e.center_error, [0, math.sqrt(2), -1, 1, NAN, NAN])
    # Octave: 0 0.35355339059327379 -1 0.25 NaN NaN
    np.testing.assert_array_equal(e.norm_center_error, [0, math.sqrt(2) / 4, -1, 0.25, NAN, NAN])
    np.testing.assert_array_equal(e.valid, [True, True, False, True, True, True])


def test_toolkit_curves_and_scores_octave_confirmed():
    s, p, q = M.sequence_curves(M.sequence_errors(np.array(PRED1), np.array(GT1), 'toolkit', 'case1'))
    # overlaps > thr: {1, 9/23, 0.6, 1, 1} at 0..0.35, 9/23 fails from 0.40, 0.6 fails from 0.60 (0.6 > 0.6
    # is false), nothing exceeds 1.0; the invalid frame (-1) never counts and N stays 6
    np.testing.assert_array_equal(s, np.array([5] * 8 + [4] * 4 + [3] * 8 + [0]) / 6)
    # errors <= thr: 0 and the invalid frame's -1 at 0 px, + 1 px at 1, + sqrt(2) from 2 px; NaN never
    np.testing.assert_array_equal(p, np.array([2, 3] + [4] * 49) / 6)
    # normalized: 0 and -1 always, 0.25 from 0.25, 0.3536 from 0.36
    np.testing.assert_array_equal(q, np.array([2] * 25 + [3] * 11 + [4] * 15) / 6)

    scores = M.summarize(M.SequenceCurves(('case1',), s[None], p[None], q[None], 'toolkit'))
    assert scores.success_auc == pytest.approx((8 * 5 + 4 * 4 + 8 * 3) / 6 / 21, abs=1e-15)  # mean of 21 points
    assert scores.precision_20 == pytest.approx(4 / 6, abs=1e-15)  # 21st point, invalid frame a success
    assert scores.norm_precision == pytest.approx((25 * 2 + 11 * 3 + 15 * 4) / 6 / 51, abs=1e-15)  # mean of 51
    assert scores.definition == 'toolkit' and scores.definition_label == M.DEFINITION_LABELS['toolkit']


def test_frame_one_set_to_ground_truth_after_repair_octave_confirmed():
    # frame 1's own prediction (w = h = 0) is what repairs frame 2, although frame 1 is then set to GT
    e = M.sequence_errors(np.array([[5., 5, 0, 0], [NAN] * 4]), np.array([[1., 1, 4, 4], [1, 1, 4, 4]]),
                          'toolkit', 'case2')
    np.testing.assert_array_equal(e.overlap, [1, 0])  # Octave: 1 0
    np.testing.assert_array_equal(e.center_error, [0, math.sqrt(8)])  # Octave: 0 2.8284271247461903


def test_no_repair_when_gt_row_has_nan_octave_confirmed():
    e = M.sequence_errors(np.array([[1., 1, 4, 4], [1, 1, 0, 4], [NAN] * 4]),
                          np.array([[1., 1, 4, 4], [1, NAN, 4, 4], [1, 1, 4, 4]]), 'toolkit', 'case3')
    np.testing.assert_array_equal(e.overlap, [1, -1, 0])              # Octave: 1 -1 0
    np.testing.assert_array_equal(e.center_error, [0, -1, 2])         # Octave: 0 -1 2
    np.testing.assert_array_equal(e.norm_center_error, [0, -1, 0.5])  # Octave: 0 -1 0.5


def test_overlap_exactly_on_the_065_threshold():
    # IoU exactly 13/20. GNU Octave's 0:0.05:1 has 0.65 at index 13 and gave a success rate of 0.5 there
    # (Octave: 1 x13, 0.5 x7, 0); MATLAB's colon has 0.65 - 1 ulp, so the frame counts: 1.0. We follow MATLAB.
    gt, pred = np.array([[1., 1, 13, 1], [1, 1, 13, 1]]), np.array([[1., 1, 13, 1], [1, 1, 20, 1]])
    e = M.sequence_errors(pred, gt, 'toolkit', 'case4')
    assert e.overlap[1] == 0.65
    s, _, _ = M.sequence_curves(e)
    np.testing.assert_array_equal(s, [1] * 14 + [0.5] * 6 + [0])
    s_py, _, _ = M.sequence_curves(M.sequence_errors(pred, gt, 'pytracking', 'case4'))
    np.testing.assert_array_equal(s_py, [1] * 13 + [0.5] * 7 + [0])


# ------------------------------------------------------------ toolkit vs pytracking definitions

GT2 = [[1, 1, 4, 4], [1, 1, 4, 4], [0, 5, 4, 4], [1, 1, 4, 4]]
PRED2 = [[50, 50, 10, 10], [2, 2, 4, 4], [1, 2, 4, 4], [3, 1, 0, 4]]  # frame 4: w = 0, repaired in both


def test_definitions_differ_on_invalid_frames_and_norm_precision():
    seqs = [seq('s', GT2)]
    preds = {'s': np.array(PRED2, dtype=float)}
    tk = M.evaluate(seqs, preds, 'toolkit')
    py = M.evaluate(seqs, preds, 'pytracking')
    # same success: overlaps 1, 9/23, (invalid), 0.6
    assert tk.success_auc == pytest.approx((8 * 3 + 4 * 2 + 8 * 1) / 4 / 21, abs=1e-15)
    assert py.success_auc == pytest.approx(tk.success_auc, abs=1e-15)
    # precision@20: the invalid frame is a success for the toolkit, a failure for pytracking
    assert tk.precision_20 == pytest.approx(1.0, abs=1e-15)
    assert py.precision_20 == pytest.approx(3 / 4, abs=1e-15)
    # normalized precision: toolkit mean over 51 thresholds; pytracking value at 0.20 (invalid frame a success)
    assert tk.norm_precision == pytest.approx((25 * 2 + 11 * 3 + 15 * 4) / 4 / 51, abs=1e-15)
    assert py.norm_precision == pytest.approx(2 / 4, abs=1e-15)
    assert py.norm_precision_curve[M.NORM_PRECISION_INDEX] == py.norm_precision
    assert (tk.definition, py.definition) == ('toolkit', 'pytracking')
    assert py.definition_label == "pytracking analysis"
    e = M.sequence_errors(np.array(PRED2, dtype=float), np.array(GT2, dtype=float), 'pytracking', 's')
    assert e.center_error[2] == np.inf and e.norm_center_error[2] == -1 and e.overlap[2] == -1


@pytest.mark.parametrize('pred_row, gt_row, reason', [
    ([1, NAN, 4, 4], [1, 1, 4, 4], 'predicted box contains NaN'),
    ([1, 1, -2, 4], [1, 1, 4, 4], 'predicted box has a negative width or height'),
    ([1, 1, 4, 4], [1, NAN, 4, 4], 'ground-truth box contains NaN'),
])
def test_pytracking_rejects_what_the_toolkit_accepts(pred_row, gt_row, reason):
    gt = np.array([[1., 1, 4, 4], [1, 1, 4, 4], gt_row], dtype=float)
    pred = np.array([[1., 1, 4, 4], [1, 1, 4, 4], pred_row], dtype=float)
    with pytest.raises(ValueError, match=r"sequence 'bird_1', frame 3 \(1-based\): the " + reason):
        M.sequence_errors(pred, gt, 'pytracking', 'bird_1')
    e = M.sequence_errors(pred, gt, 'toolkit', 'bird_1')
    assert e.overlap[0] == 1.0


def test_toolkit_drops_all_zero_sequences_from_the_mean_pytracking_does_not():
    # sequence a: invalid first GT frame and a complete miss -> success curve all zero -> left out by the
    # toolkit (plotDrawSave.m); its precision curve is not zero (the invalid frame counts) so it stays there.
    a = seq('a', [[0, 0, 4, 4], [1, 1, 4, 4]])
    b = seq('b', [[1, 1, 4, 4], [1, 1, 4, 4]])
    preds = {'a': np.array([[0., 0, 4, 4], [50, 50, 4, 4]]), 'b': np.array([[1., 1, 4, 4], [1, 1, 4, 4]])}
    tk = M.evaluate([a, b], preds, 'toolkit')
    py = M.evaluate([a, b], preds, 'pytracking')
    assert tk.success_auc == pytest.approx(20 / 21, abs=1e-15)        # b alone: 20 of 21 points are 1
    assert py.success_auc == pytest.approx(10 / 21, abs=1e-15)        # mean with a's zeros
    assert tk.precision_20 == pytest.approx((1 / 2 + 1) / 2, abs=1e-15)  # a kept: 1 of 2 frames (the invalid)
    assert py.precision_20 == pytest.approx((0 + 1) / 2, abs=1e-15)


def test_rates_are_averaged_over_sequences_not_frames():
    short = seq('short', [[1, 1, 4, 4], [1, 1, 4, 4]])
    long = seq('long', [[1, 1, 4, 4]] * 4)
    preds = {'short': np.array([[1., 1, 4, 4], [60, 60, 4, 4]]), 'long': np.array([[1., 1, 4, 4]] * 4)}
    sc = M.evaluate([short, long], preds, 'toolkit')
    assert sc.precision_20 == pytest.approx((1 / 2 + 4 / 4) / 2, abs=1e-15)  # not 5/6
    assert sc.num_sequences == 2


# ------------------------------------------------------------------------------- bad input

@pytest.mark.parametrize('definition', M.DEFINITIONS)
def test_length_mismatch_names_sequence_and_lengths(definition):
    with pytest.raises(ValueError, match=r"sequence 'car_S_003': 2 predicted boxes but 3 ground-truth boxes"):
        M.sequence_errors(np.ones((2, 4)), np.ones((3, 4)), definition, 'car_S_003')


def test_wrong_column_count_names_sequence():
    with pytest.raises(ValueError, match=r"sequence 'dog_H_001': the predicted boxes must have shape \[N, 4\]"):
        M.sequence_errors(np.ones((3, 5)), np.ones((3, 4)), 'toolkit', 'dog_H_001')
    with pytest.raises(ValueError, match=r"sequence 'dog_H_001': the ground truth must have shape"):
        M.sequence_errors(np.ones((3, 4)), np.ones((3, 2)), 'toolkit', 'dog_H_001')


def test_unknown_definition_and_missing_predictions():
    with pytest.raises(ValueError, match='unknown metric definition'):
        M.sequence_errors(np.ones((1, 4)), np.ones((1, 4)), 'vot')
    with pytest.raises(ValueError, match='no predictions for 1 sequence.*: b'):
        M.evaluate([seq('a', [[1, 1, 4, 4]]), seq('b', [[1, 1, 4, 4]])], {'a': np.ones((1, 4))})


# ---------------------------------------------------------------------- attributes and runs

def test_attribute_breakdown_uses_the_sequences_having_each_attribute():
    gt = [[1, 1, 4, 4], [1, 1, 4, 4]]
    seqs = [seq('a', gt, {'occlusion': True, 'fast motion': False}),
            seq('b', gt, {'occlusion': True, 'fast motion': True}),
            seq('c', gt, {'occlusion': False, 'fast motion': False})]
    preds = {'a': np.array([[1., 1, 4, 4], [99, 99, 4, 4]]),   # precision 1/2
             'b': np.array([[1., 1, 4, 4], [1, 1, 4, 4]]),     # precision 1
             'c': np.array([[1., 1, 4, 4], [2, 1, 4, 4]])}     # precision 1 (1 px)
    curves = M.compute_curves(seqs, preds, 'toolkit')
    by_attr = M.attribute_scores(curves, seqs)
    assert list(by_attr) == ['occlusion', 'fast motion']
    assert by_attr['occlusion'].num_sequences == 2
    assert by_attr['occlusion'].precision_20 == pytest.approx(0.75, abs=1e-15)
    assert by_attr['fast motion'].num_sequences == 1
    assert by_attr['fast motion'].precision_20 == pytest.approx(1.0, abs=1e-15)
    assert list(M.attribute_scores(curves, seqs, min_sequences=2)) == ['occlusion']
    assert M.summarize(curves).precision_20 == pytest.approx((0.5 + 1 + 1) / 3, abs=1e-15)


def test_combine_runs_mean_and_sample_std():
    s = seq('s', [[1, 1, 4, 4]] * 4)
    run_a = M.evaluate([s], {'s': np.array([[1., 1, 4, 4]] * 4)}, 'toolkit')                       # P@20 = 1
    run_b = M.evaluate([s], {'s': np.array([[1., 1, 4, 4]] * 2 + [[90., 90, 4, 4]] * 2)}, 'toolkit')  # P@20 = 0.5
    both = M.combine_runs([run_a, run_b])
    assert both.num_runs == 2
    assert both.precision_20 == pytest.approx(0.75)
    assert both.precision_20_std == pytest.approx(math.sqrt(((1 - 0.75) ** 2 + (0.5 - 0.75) ** 2) / 1))
    np.testing.assert_allclose(both.precision_curve, (run_a.precision_curve + run_b.precision_curve) / 2)
    assert M.combine_runs([run_a]).precision_20_std is None
    with pytest.raises(ValueError, match='different definitions'):
        M.combine_runs([run_a, M.evaluate([s], {'s': np.array([[1., 1, 4, 4]] * 4)}, 'pytracking')])


def test_scores_as_dict_is_labelled():
    s = seq('s', [[1, 1, 4, 4]] * 2)
    d = M.evaluate([s], {'s': np.array([[1., 1, 4, 4]] * 2)}, 'pytracking').as_dict()
    assert d['definition'] == 'pytracking' and d['norm_precision_rule'] == 'at 0.20'
    assert len(d['success_curve']) == 21 and len(d['precision_curve']) == 51 and len(d['norm_precision_curve']) == 51
