"""The Anti-UAV scores equal the official code's, to 1e-12, on the real annotations of Anti-UAV410's test set.

The official values (tests/data/anti_uav410/official_values.json) were produced by the Anti-UAV410 toolkit
and the Anti-UAV challenge's evaluation themselves (the command and commits are recorded in that file) on
the predictions of tests/anti_uav_predictions.py: absences (`[]`, one-value rows), zero, zero-width,
negative-width and x == 0 / w == 0 boxes, drift, on 120 sequences of 139 to 1,500 frames.
"""
import json

import numpy as np
import pytest

from pytracking_cmd.evaluation import anti_uav, metrics as M, results
from pytracking_cmd.evaluation.tir_benchmarks import BenchmarkSequence
from tests import anti_uav_predictions as P

TOL = 1e-12


@pytest.fixture(scope='module')
def scored(tmp_path_factory):
    """Our sequences (ground truth and exist read from IR_label.json files as the official root has them),
    our predictions (read back from the toolkit's JSON result files) and our curves."""
    folder = tmp_path_factory.mktemp('anti_uav')
    sequences, names = [], []
    for i, (name, (boxes, att)) in enumerate(P.annotations().items()):
        path = folder / (name + '.json')
        path.write_text(json.dumps(P.label(boxes, empty_absent=i % 2 == 1)))
        gt, exist = anti_uav.read_label_file(str(path))
        attributes = {short: bool(v) for (short, _), v in zip(anti_uav.ANTI_UAV410_ATTRIBUTES, att)}
        sequences.append(BenchmarkSequence(name, [], gt, attributes, 'anti_uav410', 'drone', exist))
        names.append(name)
    directory = folder / 'results'
    directory.mkdir()
    for name, (boxes, _) in P.annotations().items():
        (directory / (name + '.txt')).write_text(json.dumps({'res': P.predictions(name, boxes)}))
    predictions = results.read_results(str(directory), names)
    return sequences, predictions, M.compute_curves(sequences, predictions, M.ANTIUAV), P.load_values()


def test_the_predictions_exercise_every_case(scored):
    sequences, predictions, _, _ = scored
    absent = sum(int(M.absent_frames(p).sum()) for p in predictions.values())
    missing_target = sum(int((~s.exist).sum()) for s in sequences)
    zero_boxes = sum(int(((p == 0).all(axis=1) & ~M.absent_frames(p)).sum()) for p in predictions.values())
    negative = sum(int((p[:, 2] < 0).sum()) for p in predictions.values())
    lengths = [len(s.ground_truth) for s in sequences]
    assert absent > 1000 and missing_target > 1000 and zero_boxes > 100 and negative > 100
    assert min(lengths) < 200 and max(lengths) >= 1500 and len(sequences) == 120


def test_state_accuracy_of_every_sequence_equals_the_official_code(scored):
    sequences, predictions, curves, official = scored
    for seq, sa, sa_challenge in zip(sequences, curves.state_accuracy, curves.state_accuracy_challenge):
        expected = official['sequences'][seq.name]
        assert abs(sa - expected['state_accuracy']) <= TOL, seq.name
        assert abs(sa_challenge - expected['state_accuracy_challenge']) <= TOL, seq.name


def test_success_and_precision_curves_of_every_sequence_equal_the_official_code(scored):
    sequences, _, curves, official = scored
    for i, seq in enumerate(sequences):
        expected = official['sequences'][seq.name]
        np.testing.assert_allclose(curves.success[i], expected['success_curve'], rtol=0, atol=TOL, err_msg=seq.name)
        np.testing.assert_allclose(curves.precision[i], expected['precision_curve'], rtol=0, atol=TOL,
                                   err_msg=seq.name)


def test_overall_scores_equal_the_official_code(scored):
    _, _, curves, official = scored
    scores = M.summarize(curves)
    expected = official['overall']
    assert abs(scores.state_accuracy - expected['state_accuracy']) <= TOL
    assert abs(scores.state_accuracy_challenge - expected['state_accuracy_challenge']) <= TOL
    assert abs(scores.success_auc - expected['success_score']) <= TOL
    assert abs(scores.precision_20 - expected['precision_score']) <= TOL
    assert abs(scores.success_curve[10] - expected['success_rate']) <= TOL
    np.testing.assert_allclose(scores.success_curve, expected['success_curve'], rtol=0, atol=TOL)
    np.testing.assert_allclose(scores.precision_curve, expected['precision_curve'], rtol=0, atol=TOL)
    assert np.isnan(scores.norm_precision)


def test_per_attribute_scores_equal_the_official_code(scored):
    sequences, _, curves, official = scored
    ours = M.attribute_scores(curves, sequences)
    assert set(ours) == set(official['attributes'])
    for name, expected in official['attributes'].items():
        assert abs(ours[name].success_auc - expected['success_score']) <= TOL, name
        assert abs(ours[name].precision_20 - expected['precision_score']) <= TOL, name


def test_state_accuracy_by_hand():
    gt = np.array([[10, 10, 10, 10], [10, 10, 10, 10], [0, 0, 0, 0], [0, 0, 0, 0]], dtype=float)
    exist = np.array([1, 1, 0, 0], dtype=bool)
    pred = np.array([[10, 10, 10, 10], [15, 10, 10, 10], [np.nan] * 4, [3, 3, 3, 3]])
    # frame 2: overlap 5 x 10 = 50, union 150 -> 1/3; frame 3 absent and said so -> 1; frame 4 a box -> 0
    assert M.state_accuracy(pred, gt, exist) == pytest.approx((1 + 1 / 3 + 1 + 0) / 4, abs=1e-15)
    # the challenge: no left-out frames; penalty share 0 of 4 frames (no miss where the target is)
    assert M.state_accuracy_challenge(pred, gt, exist) == pytest.approx((1 + 1 / 3 + 1 + 0) / 4, abs=1e-15)
    pred[1] = np.nan   # a miss while the target is there: measure 0, penalty 1 of 4 frames
    assert M.state_accuracy_challenge(pred, gt, exist) == pytest.approx((1 + 0 + 1 + 0) / 4 - 0.2 * 0.25 ** 0.3,
                                                                        abs=1e-15)


def test_pytracking_result_files_state_absence_as_a_zero_row(tmp_path):
    path = tmp_path / 'seq.txt'
    path.write_text('1\t2\t3\t4\n0\t0\t0\t0\n0\t5\t0\t6\n')
    boxes = results.read_results(str(tmp_path), ['seq'])['seq']
    assert M.absent_frames(boxes).tolist() == [False, True, False]
    gt = np.array([[1, 2, 3, 4], [0, 0, 0, 0], [1, 2, 3, 4]], dtype=float)
    seq = BenchmarkSequence('seq', [], gt, exist=np.array([True, False, True]))
    # pytracking's own definition reads that row as its zero box (kept from the frame before)
    assert M.sequence_errors(boxes, gt, M.PYTRACKING).center_error[1] == np.inf
    # the Anti-UAV definition as absent: frame 2 scores 1; frame 3 (x == 0, w == 0, a box) scores 0
    curves = M.compute_curves([seq], {'seq': boxes}, M.ANTIUAV)
    assert curves.state_accuracy[0] == pytest.approx((1 + 1 + 0) / 3, abs=1e-15)
    # the challenge reads x == 0 and w == 0 as absent too: frame 3 is a miss (penalty 1 of 3 frames)
    assert curves.state_accuracy_challenge[0] == pytest.approx(2 / 3 - 0.2 * (1 / 3) ** 0.3, abs=1e-15)


def test_json_result_files_round_trip(tmp_path):
    boxes = np.array([[1, 2, 3, 4], [np.nan] * 4, [0, 0, 0, 0]], dtype=float)
    results.write_anti_uav_results(str(tmp_path), {'seq': boxes})
    assert json.loads((tmp_path / 'seq.txt').read_text()) == {'res': [[1, 2, 3, 4], [], [0, 0, 0, 0]]}
    back = results.read_results(str(tmp_path), ['seq'])['seq']
    assert M.absent_frames(back).tolist() == [False, True, False]
    np.testing.assert_array_equal(back[[0, 2]], boxes[[0, 2]])


def test_a_malformed_json_result_file_is_named(tmp_path):
    (tmp_path / 'seq.txt').write_text('{"boxes": []}')
    with pytest.raises(results.ResultsError, match='seq.txt'):
        results.read_results(str(tmp_path), ['seq'])
