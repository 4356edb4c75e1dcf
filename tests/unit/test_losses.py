"""Unit tests for ltr_cmd.losses: every value below is worked out by hand in the comments."""

import math

import pytest
import torch

from ltr_cmd.losses import (TERM_NAMES, ClassifierFeatureMimic, FeatureMimic, HeadFeatureMimic, IoUFeatureMimic,
                             IoUPredictionDistillation, ScoreMapDistillation, check_terms)

LN3 = math.log(3.0)


def _t(values, requires_grad=False):
    return torch.tensor(values, dtype=torch.float64, requires_grad=requires_grad)


# ----------------------------------------------------------------------------------------------
# TERM_NAMES
# ----------------------------------------------------------------------------------------------

def test_term_names_map_keys_to_slash_grouped_stats():
    assert TERM_NAMES == {
        'distill_clf': 'Loss/distill_clf',
        'distill_iou': 'Loss/distill_iou',
        'mimic_clf': 'Loss/mimic_clf',
        'mimic_iou': 'Loss/mimic_iou',
        'mimic_head': 'Loss/mimic_head',
    }


def test_unknown_term_is_rejected():
    with pytest.raises(ValueError, match=r"unknown distillation terms \['mimic_bbox'\]"):
        check_terms({'mimic_bbox': FeatureMimic()}, {'mimic_bbox': 1.0})


def test_term_under_another_key_is_rejected():
    with pytest.raises(ValueError, match=r"objective\['mimic_clf'\] must be a ClassifierFeatureMimic, got IoUFeatureMimic"):
        check_terms({'mimic_clf': IoUFeatureMimic()}, {'mimic_clf': 1.0})
    assert check_terms({'mimic_clf': IoUFeatureMimic()}, {'mimic_clf': 0}) == {}  # weight 0: term off


def test_terms_declare_the_module_outputs_they_read():
    out = ([torch.zeros(1), torch.ones(1)], torch.full((1,), 2.0))  # DiMP: (score iterates, iou)
    assert torch.equal(ScoreMapDistillation().select({'': out}), torch.ones(1))  # the final map
    assert torch.equal(IoUPredictionDistillation().select({'': out}), out[1])
    assert torch.equal(IoUPredictionDistillation().select({'': out[1]}), out[1])  # ATOM: iou only
    with pytest.raises(ValueError, match='not ATOM'):
        ScoreMapDistillation().select({'': out[1]})
    assert ClassifierFeatureMimic.modules == ('classifier.feature_extractor',)
    assert IoUFeatureMimic().select({'bb_regressor.conv3_2t': 3, 'bb_regressor.conv4_2t': 4, '': 0}) == [3, 4]
    assert HeadFeatureMimic().select({'head.feature_extractor': 5, '': 0}) == [5]


def test_score_and_iou_terms_on_tomp_output():
    # ToMP: (score map [frames, sequences, H, W], dense ltrb boxes [1, frames * sequences, 4, H, W])
    scores, boxes = torch.ones(1, 2, 3, 3), torch.ones(1, 2, 4, 3, 3)
    assert ScoreMapDistillation().select({'': (scores, boxes)}) is scores  # the one map, not its last frame
    with pytest.raises(ValueError, match=r"distill_iou needs IoU-Net predictions.*\(1, 2, 4, 3, 3\)"):
        IoUPredictionDistillation().select({'': (scores, boxes)})


def test_finiteness_is_checked_in_debug_mode_only():
    s, t = _t([[[0.5, float('nan')]]]), _t([[[0.4, 0.2]]])
    assert math.isnan(IoUPredictionDistillation()(s, t).item())  # default: no device sync per step
    with pytest.raises(ValueError, match='non-finite'):
        IoUPredictionDistillation(check_finite=True)(s, t)


# ----------------------------------------------------------------------------------------------
# ScoreMapDistillation, mode='mse'
# ----------------------------------------------------------------------------------------------

# 1x1x2x2 maps: student [[1, 2], [3, 4]], teacher [[0, 2], [1, 5]]
# differences s - t = 1, 0, 2, -1; squares 1, 0, 4, 1; sum 6; mean over 4 elements = 1.5
S_MAP = [[[[1.0, 2.0], [3.0, 4.0]]]]
T_MAP = [[[[0.0, 2.0], [1.0, 5.0]]]]


def test_score_mse_by_hand():
    loss = ScoreMapDistillation(mode='mse')(_t(S_MAP), _t(T_MAP))
    assert loss.item() == pytest.approx(1.5)


def test_score_mse_gradient_by_hand_and_teacher_gets_none():
    s = _t(S_MAP, requires_grad=True)
    t = _t(T_MAP, requires_grad=True)
    ScoreMapDistillation(mode='mse')(s, t).backward()
    # d/ds mean((s - t)^2) = 2 (s - t) / 4 = (s - t) / 2 = [[0.5, 0], [1, -0.5]]
    assert torch.allclose(s.grad, _t([[[[0.5, 0.0], [1.0, -0.5]]]]))
    assert t.grad is None


def test_score_mse_list_of_iterates_is_averaged():
    # iterate 0: the pair above, 1.5; iterate 1: student equals teacher, 0. Mean = 0.75
    student = [_t(S_MAP), _t(T_MAP)]
    teacher = [_t(T_MAP), _t(T_MAP)]
    loss = ScoreMapDistillation(mode='mse')(student, teacher)
    assert loss.item() == pytest.approx(0.75)


def test_score_list_of_student_iterates_against_one_teacher_map():
    # iterate 0 vs T_MAP: 1.5; iterate 1 (= T_MAP) vs T_MAP: 0. Mean = 0.75
    loss = ScoreMapDistillation(mode='mse')([_t(S_MAP), _t(T_MAP)], _t(T_MAP))
    assert loss.item() == pytest.approx(0.75)


def test_score_list_gradient_reaches_every_iterate_and_not_the_teacher():
    s0 = _t(S_MAP, requires_grad=True)
    s1 = _t(S_MAP, requires_grad=True)
    t0 = _t(T_MAP, requires_grad=True)
    t1 = _t(T_MAP, requires_grad=True)
    ScoreMapDistillation(mode='kl')([s0, s1], [t0, t1]).backward()
    assert s0.grad is not None and s0.grad.abs().sum() > 0
    assert s1.grad is not None and s1.grad.abs().sum() > 0
    assert t0.grad is None and t1.grad is None


def test_score_mse_rejects_temperature():
    with pytest.raises(ValueError, match="only applies to mode='kl'"):
        ScoreMapDistillation(mode='mse', temperature=2.0)


@pytest.mark.parametrize('kwargs', [dict(mode='l1'), dict(mode='kl', temperature=0.0),
                                    dict(mode='kl', temperature=-1.0),
                                    dict(mode='kl', temperature=float('nan'))])
def test_score_rejects_bad_arguments(kwargs):
    with pytest.raises(ValueError, match='ScoreMapDistillation'):
        ScoreMapDistillation(**kwargs)


# ----------------------------------------------------------------------------------------------
# ScoreMapDistillation, mode='kl'
# ----------------------------------------------------------------------------------------------

# Student map all zeros -> p_s uniform over 4 positions: 1/4 each.
# Teacher map [[ln 3, 0], [0, 0]] -> exp: 3, 1, 1, 1; sum 6 -> p_t = 1/2, 1/6, 1/6, 1/6.
# KL(p_t || p_s) = 1/2 ln((1/2)/(1/4)) + 3 * 1/6 ln((1/6)/(1/4))
#               = 1/2 ln 2 + 1/2 ln(2/3) = 1/2 ln(4/3) ~= 0.143841
KL_BY_HAND = 0.5 * math.log(4.0 / 3.0)
S_ZERO = [[[[0.0, 0.0], [0.0, 0.0]]]]
T_PEAK = [[[[LN3, 0.0], [0.0, 0.0]]]]


def test_score_kl_by_hand():
    loss = ScoreMapDistillation(mode='kl')(_t(S_ZERO), _t(T_PEAK))
    assert loss.item() == pytest.approx(KL_BY_HAND)
    assert loss.item() == pytest.approx(0.143841, abs=1e-6)


def test_score_kl_zero_when_equal_positive_otherwise():
    loss_fn = ScoreMapDistillation(mode='kl')
    assert loss_fn(_t(T_PEAK), _t(T_PEAK)).item() == pytest.approx(0.0, abs=1e-12)
    assert loss_fn(_t(S_MAP), _t(T_MAP)).item() > 0
    assert loss_fn(_t(T_MAP), _t(S_MAP)).item() > 0


def test_score_kl_ignores_a_constant_offset_of_the_student():
    # softmax(s + c) = softmax(s): the student's score level is not constrained
    loss_fn = ScoreMapDistillation(mode='kl')
    assert loss_fn(_t(S_ZERO) + 5.0, _t(T_PEAK)).item() == pytest.approx(KL_BY_HAND)


def test_score_kl_temperature_by_hand():
    # T = 2, teacher [[2 ln 3, 0], [0, 0]] -> t/T = [[ln 3, 0], [0, 0]]: the same p_t as above;
    # student zeros / 2 = zeros: uniform. KL = 1/2 ln(4/3); times T^2 = 4: 2 ln(4/3) ~= 0.575364
    teacher = _t([[[[2 * LN3, 0.0], [0.0, 0.0]]]])
    loss = ScoreMapDistillation(mode='kl', temperature=2.0)(_t(S_ZERO), teacher)
    assert loss.item() == pytest.approx(2.0 * math.log(4.0 / 3.0))
    assert loss.item() == pytest.approx(0.575364, abs=1e-6)


def test_score_kl_averages_over_maps():
    # shape [2 frames, 1 seq, 2, 2]: map 0 is the pair above (KL 1/2 ln(4/3)), map 1 has student
    # equal to teacher (KL 0). Mean over the 2 maps: 1/4 ln(4/3) ~= 0.071921
    student = torch.cat([_t(S_ZERO), _t(T_PEAK)], dim=0)
    teacher = torch.cat([_t(T_PEAK), _t(T_PEAK)], dim=0)
    loss = ScoreMapDistillation(mode='kl')(student, teacher)
    assert loss.item() == pytest.approx(0.25 * math.log(4.0 / 3.0))


def test_score_kl_softmax_is_over_space_not_over_maps():
    # one 1x2 map per frame: frame 0 student [0, 0] vs teacher [0, ln 3]:
    # p_t = 1/4, 3/4; p_s = 1/2, 1/2; KL = 1/4 ln(1/2) + 3/4 ln(3/2) = 3/4 ln 3 - ln 2 ~= 0.130812
    # frame 1 is identical, so the mean over maps is the same value.
    student = _t([[[[0.0, 0.0]]], [[[0.0, 0.0]]]])
    teacher = _t([[[[0.0, LN3]]], [[[0.0, LN3]]]])
    loss = ScoreMapDistillation(mode='kl')(student, teacher)
    assert loss.item() == pytest.approx(0.75 * LN3 - math.log(2.0))


def test_score_kl_gradient_by_hand_and_teacher_gets_none():
    s = _t(S_ZERO, requires_grad=True)
    t = _t(T_PEAK, requires_grad=True)
    ScoreMapDistillation(mode='kl')(s, t).backward()
    # d(T^2 KL)/d s_i = T (p_s_i - p_t_i); with T = 1 and one map:
    # 1/4 - (1/2, 1/6, 1/6, 1/6) = (-1/4, 1/12, 1/12, 1/12)
    assert torch.allclose(s.grad, _t([[[[-0.25, 1 / 12], [1 / 12, 1 / 12]]]]))
    assert t.grad is None


# ----------------------------------------------------------------------------------------------
# ScoreMapDistillation, errors
# ----------------------------------------------------------------------------------------------

def test_score_shape_mismatch_names_both_shapes():
    with pytest.raises(ValueError) as err:
        ScoreMapDistillation()(torch.zeros(1, 1, 2, 2), torch.zeros(1, 1, 3, 3))
    assert '(1, 1, 2, 2)' in str(err.value) and '(1, 1, 3, 3)' in str(err.value)
    assert 'ScoreMapDistillation' in str(err.value)


def test_score_list_length_mismatch():
    with pytest.raises(ValueError, match='2 tensors but teacher has 1'):
        ScoreMapDistillation()([torch.zeros(1, 1, 2, 2)] * 2, [torch.zeros(1, 1, 2, 2)])


def test_score_tensor_student_with_list_teacher_is_rejected():
    with pytest.raises(ValueError, match='two tensors or two lists'):
        ScoreMapDistillation()(torch.zeros(1, 1, 2, 2), [torch.zeros(1, 1, 2, 2)])


def test_score_needs_two_spatial_dims():
    with pytest.raises(ValueError, match='at least 2 dims'):
        ScoreMapDistillation()(torch.zeros(4), torch.zeros(4))


@pytest.mark.parametrize('bad', [float('nan'), float('inf')])
@pytest.mark.parametrize('side', ['student', 'teacher'])
@pytest.mark.parametrize('mode', ['mse', 'kl'])
def test_score_non_finite_raises_naming_the_term(bad, side, mode):
    s, t = _t(S_MAP), _t(T_MAP)
    (s if side == 'student' else t)[0, 0, 1, 0] = bad
    with pytest.raises(ValueError) as err:
        ScoreMapDistillation(mode=mode, check_finite=True)(s, t)
    msg = str(err.value)
    assert 'distill_clf' in msg and side in msg and 'non-finite' in msg


def test_score_non_finite_in_one_iterate_names_the_entry():
    bad = _t(T_MAP)
    bad[0, 0, 0, 0] = float('nan')
    with pytest.raises(ValueError, match=r'teacher score map contains non-finite .*entry 1'):
        ScoreMapDistillation(check_finite=True)([_t(S_MAP), _t(S_MAP)], [_t(T_MAP), bad])


# ----------------------------------------------------------------------------------------------
# IoUPredictionDistillation
# ----------------------------------------------------------------------------------------------

def test_iou_mse_by_hand():
    # [1 frame, 1 seq, 3 proposals]: student 0.5, 0.2, 0.9; teacher 0.4, 0.2, 0.6
    # differences 0.1, 0, 0.3; squares 0.01, 0, 0.09; sum 0.1; mean over 3 = 0.0333...
    s = _t([[[0.5, 0.2, 0.9]]])
    t = _t([[[0.4, 0.2, 0.6]]])
    assert IoUPredictionDistillation()(s, t).item() == pytest.approx(0.1 / 3)


def test_iou_zero_when_equal():
    x = _t([[[0.5, 0.2, 0.9]]])
    assert IoUPredictionDistillation()(x, x.clone()).item() == 0.0


def test_iou_gradient_by_hand_and_teacher_gets_none():
    s = _t([[[0.5, 0.2, 0.9]]], requires_grad=True)
    t = _t([[[0.4, 0.2, 0.6]]], requires_grad=True)
    IoUPredictionDistillation()(s, t).backward()
    # d/ds mean((s - t)^2) = 2 (s - t) / 3 = (0.2/3, 0, 0.6/3)
    assert torch.allclose(s.grad, _t([[[0.2 / 3, 0.0, 0.2]]]))
    assert t.grad is None


def test_iou_shape_mismatch_names_both_shapes():
    with pytest.raises(ValueError) as err:
        IoUPredictionDistillation()(torch.zeros(1, 2, 8), torch.zeros(1, 2, 16))
    assert '(1, 2, 8)' in str(err.value) and '(1, 2, 16)' in str(err.value)


@pytest.mark.parametrize('side', ['student', 'teacher'])
def test_iou_nan_raises_naming_the_term(side):
    s, t = _t([[[0.5, 0.2, 0.9]]]), _t([[[0.4, 0.2, 0.6]]])
    (s if side == 'student' else t)[0, 0, 2] = float('nan')
    with pytest.raises(ValueError, match=r'IoUPredictionDistillation \(distill_iou\): ' + side):
        IoUPredictionDistillation(check_finite=True)(s, t)


def test_iou_empty_raises():
    with pytest.raises(ValueError, match='empty'):
        IoUPredictionDistillation()(torch.zeros(1, 0, 8), torch.zeros(1, 0, 8))


# ----------------------------------------------------------------------------------------------
# FeatureMimic
# ----------------------------------------------------------------------------------------------

# [N=1, C=2, H=1, W=2]: position 0 student (3, 4), teacher (1, 0); position 1 student (0, 2),
# teacher (0, 5). Stored channel-first: channel 0 = (3, 0) / (1, 0), channel 1 = (4, 2) / (0, 5).
S_FEAT = [[[[3.0, 0.0]], [[4.0, 2.0]]]]
T_FEAT = [[[[1.0, 0.0]], [[0.0, 5.0]]]]


def test_mimic_normalized_by_hand():
    # pos 0: (3,4)/5 = (0.6, 0.8) vs (1, 0): (0.4)^2 + (0.8)^2 = 0.16 + 0.64 = 0.8
    #        (check: 2 - 2 cos = 2 - 2 * 0.6 = 0.8)
    # pos 1: (0, 1) vs (0, 1): 0.   Mean over 2 positions: 0.4
    loss = FeatureMimic(normalize=True)(_t(S_FEAT), _t(T_FEAT))
    assert loss.item() == pytest.approx(0.4)


def test_mimic_unnormalized_by_hand():
    # pos 0: (3-1)^2 + (4-0)^2 = 4 + 16 = 20; pos 1: (0-0)^2 + (2-5)^2 = 9. Mean: 14.5
    loss = FeatureMimic(normalize=False)(_t(S_FEAT), _t(T_FEAT))
    assert loss.item() == pytest.approx(14.5)


def test_mimic_normalized_is_scale_invariant_unnormalized_is_not():
    s, t = _t(S_FEAT), _t(T_FEAT)
    # scaling the student by 7 keeps directions: still 0.4
    assert FeatureMimic(normalize=True)(7.0 * s, t).item() == pytest.approx(0.4)
    # unnormalised: pos 0 (21-1)^2 + 28^2 = 400 + 784 = 1184; pos 1 14-5 = 9, 81. Mean 632.5
    assert FeatureMimic(normalize=False)(7.0 * s, t).item() == pytest.approx(632.5)


def test_mimic_zero_when_equal():
    x = _t(S_FEAT)
    assert FeatureMimic()(x, x.clone()).item() == pytest.approx(0.0, abs=1e-12)
    assert FeatureMimic(normalize=False)(x, x.clone()).item() == 0.0


def test_mimic_accepts_vectors():
    # [N=2, C=2]: (3, 4) vs (1, 0): 0.8 as above; (0, 2) vs (0, 5): 0. Mean 0.4
    s = _t([[3.0, 4.0], [0.0, 2.0]])
    t = _t([[1.0, 0.0], [0.0, 5.0]])
    assert FeatureMimic()(s, t).item() == pytest.approx(0.4)


def test_mimic_list_is_averaged_over_entries_with_different_channels():
    # entry 0: the 2-channel map above, 0.4. entry 1: 1 channel, [N=1, C=1, H=1, W=1],
    # student 2 -> 1, teacher -3 -> -1 after normalisation: (1 - (-1))^2 = 4. Mean: (0.4 + 4) / 2 = 2.2
    student = [_t(S_FEAT), _t([[[[2.0]]]])]
    teacher = [_t(T_FEAT), _t([[[[-3.0]]]])]
    assert FeatureMimic()(student, teacher).item() == pytest.approx(2.2)


def test_mimic_gradient_by_hand_and_teacher_gets_none():
    s = _t(S_FEAT, requires_grad=True)
    t = _t(T_FEAT, requires_grad=True)
    FeatureMimic(normalize=False)(s, t).backward()
    # loss = 1/Q sum_q ||s_q - t_q||^2 with Q = 2 positions, so d/ds = 2 (s - t) / 2 = s - t:
    # channel 0 (3-1, 0-0) = (2, 0), channel 1 (4-0, 2-5) = (4, -3)
    assert torch.allclose(s.grad, _t([[[[2.0, 0.0]], [[4.0, -3.0]]]]))
    assert t.grad is None

    s = _t(S_FEAT, requires_grad=True)
    t = _t(T_FEAT, requires_grad=True)
    FeatureMimic(normalize=True)(s, t).backward()
    assert s.grad is not None and s.grad.abs().sum() > 0
    assert t.grad is None


def test_mimic_zero_teacher_vector_stays_finite():
    # a dead (all-zero) teacher position normalises to 0: distance to the unit student vector is 1
    s = _t([[3.0, 4.0]], requires_grad=True)
    t = _t([[0.0, 0.0]])
    loss = FeatureMimic()(s, t)
    loss.backward()
    assert loss.item() == pytest.approx(1.0)
    assert torch.isfinite(s.grad).all()


def test_head_mimic_by_hand():
    # FeatureMimic on ToMP's head features [N=2, C=2, H=1, W=1]: (3, 4)/5 vs (1, 0): 0.8 (as above);
    # (0, -2) vs (0, 5): (0, -1) vs (0, 1): 4. Mean over 2 positions: 2.4
    s = _t([[[[3.0]], [[4.0]]], [[[0.0]], [[-2.0]]]])
    t = _t([[[[1.0]], [[0.0]]], [[[0.0]], [[5.0]]]])
    assert HeadFeatureMimic()(s, t).item() == pytest.approx(2.4)
    assert HeadFeatureMimic(normalize=False)(s, t).item() == pytest.approx((4 + 16 + 0 + 49) / 2)


def test_mimic_shape_mismatch_names_both_shapes():
    with pytest.raises(ValueError) as err:
        FeatureMimic()(torch.zeros(2, 512, 4, 4), torch.zeros(2, 256, 4, 4))
    assert '(2, 512, 4, 4)' in str(err.value) and '(2, 256, 4, 4)' in str(err.value)


def test_mimic_shape_mismatch_in_list_names_the_entry():
    with pytest.raises(ValueError, match=r'\(1, 3, 2, 2\).*\(1, 4, 2, 2\).*entry 1'):
        FeatureMimic()([torch.ones(1, 2, 2, 2), torch.ones(1, 3, 2, 2)],
                       [torch.ones(1, 2, 2, 2), torch.ones(1, 4, 2, 2)])


def test_mimic_rejects_five_dim_features():
    with pytest.raises(ValueError, match='2 or 4 dims'):
        FeatureMimic()(torch.ones(1, 2, 3, 2, 2), torch.ones(1, 2, 3, 2, 2))


@pytest.mark.parametrize('side', ['student', 'teacher'])
def test_mimic_nan_raises_naming_the_term(side):
    s, t = _t(S_FEAT), _t(T_FEAT)
    (s if side == 'student' else t)[0, 1, 0, 1] = float('nan')
    with pytest.raises(ValueError, match=r'IoUFeatureMimic \(mimic_iou\): ' + side + ' feature tensor contains non-finite'):
        IoUFeatureMimic(check_finite=True)(s, t)


def test_modules_are_parameter_free():
    # nothing trainable sneaks into the optimizer's parameter groups
    for m in (ScoreMapDistillation(mode='kl', temperature=2.0), IoUPredictionDistillation(), FeatureMimic()):
        assert list(m.parameters()) == []
    assert 'temperature=2.0' in repr(ScoreMapDistillation(mode='kl', temperature=2.0))
