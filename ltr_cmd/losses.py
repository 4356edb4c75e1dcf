"""Optional explicit-teacher distillation terms for CMD ablations.

The default CMD method adds no loss of its own: it trains the baseline's own objective on the
cross-modal pair (RGB reference branch, TIR test branch). The terms below are *optional* and
serve ablations with an explicit teacher: a frozen copy of the RGB model sees the RGB patch, the
student sees the paired TIR patch of the same scene, and the student's responses are pulled to
the teacher's.

Each term is one ``nn.Module`` declaring all the actor needs: ``key`` (in ``objective`` and
``loss_weight``; stat ``Loss/<key>``), ``modules`` (dotted paths of the outputs it reads, '' = the
network's output, as torchdistill's forward-hook configs), ``select`` and ``forward(student, teacher)``:

===========  =========================  ======================================  ============================
key          class                      compares (student, teacher)             reads (module path)
===========  =========================  ======================================  ============================
distill_clf  ScoreMapDistillation       final classifier score maps             '' (DiMP output scores[-1];
                                        [num_test_frames, batch, H, W]          ToMP output scores)
distill_iou  IoUPredictionDistillation  IoU-Net outputs [num_test_frames,       '' (DiMP output[1]; ATOM's
                                        batch, num_proposals], same proposals   whole output)
mimic_clf    ClassifierFeatureMimic     classifier head features [N, C, H, W]   classifier.feature_extractor
mimic_iou    IoUFeatureMimic            IoU-Net features: [N, C, H, W] maps,    bb_regressor.conv3_2t,
                                        [N, C] modulation vectors               bb_regressor.conv4_2t
mimic_head   HeadFeatureMimic           ToMP head features [N, C, H, W], per    head.feature_extractor
                                        image, before the transformer encoder
===========  =========================  ======================================  ============================

Which network has what: ATOM distill_iou, mimic_iou; DiMP, PrDiMP, SuperDiMP distill_clf, distill_iou,
mimic_clf, mimic_iou; ToMP distill_clf, mimic_head (ToMP has no IoU-Net: its boxes are dense ltrb
regressions that ToMP supervises only inside the target's sampling region, where the implicit objective
already supervises them with the pseudo box). A term on a network without its module or output raises a
``ValueError`` naming both.

A setting adds them the pytracking way, e.g.::

    objective['distill_clf'] = ScoreMapDistillation(mode='kl', temperature=2.0)
    loss_weight['distill_clf'] = 1.0

All terms: ``forward(student, teacher)``, student first like ``nn.MSELoss(input, target)``; the
teacher is detached inside ``forward`` (the actor also runs it under ``no_grad``, to save memory);
mismatched shapes and empty inputs raise a ``ValueError`` naming the term. Debug mode
(``check_finite=True``) also raises on NaN or Inf inputs, which would silently poison training; it
is off by default because it synchronises with the device at every call.
"""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

_NORM_EPS = 1e-12


class DistillationTerm(nn.Module):
    """Base of the explicit-teacher terms: which module outputs a term reads and how it compares them.

    args:
        check_finite - debug mode: raise on NaN or Inf inputs (waits for the device at every call)
    """
    key = None          # name in objective / loss_weight; stat 'Loss/<key>'
    modules = ('',)     # dotted module paths whose outputs the term reads; '' = the network's output

    def __init__(self, check_finite=False):
        super().__init__()
        self.check_finite = bool(check_finite)

    def select(self, outputs):
        """This term's input from outputs (dict: module path -> output recorded in one forward pass)."""
        return [outputs[path] for path in self.modules]

    def label(self):
        return type(self).__name__ + (' ({})'.format(self.key) if self.key else '')

    def pairs(self, student, teacher, allow_broadcast_teacher=False):
        """(student, teacher) tensor pairs from two tensors or two lists of tensors (paired by position);
        with allow_broadcast_teacher, a list of student tensors may be paired with one teacher tensor."""
        label = self.label()
        s_list = isinstance(student, (list, tuple))
        t_list = isinstance(teacher, (list, tuple))
        if s_list and t_list:
            if len(student) != len(teacher):
                raise ValueError('{}: student has {} tensors but teacher has {}'.format(
                    label, len(student), len(teacher)))
            pairs = list(zip(student, teacher))
        elif s_list and allow_broadcast_teacher:
            pairs = [(s, teacher) for s in student]
        elif s_list or t_list:
            raise ValueError('{}: student is a {} but teacher is a {}; pass two tensors or two lists'.format(
                label, type(student).__name__, type(teacher).__name__))
        else:
            pairs = [(student, teacher)]
        if len(pairs) == 0:
            raise ValueError('{}: got empty lists'.format(label))
        for s, t in pairs:
            if not isinstance(s, torch.Tensor) or not isinstance(t, torch.Tensor):
                raise TypeError('{}: expected tensors, got student {} and teacher {}'.format(
                    label, type(s).__name__, type(t).__name__))
        return pairs

    def validate(self, student, teacher, min_dim, what, index=None, allowed_dims=None):
        """Check shapes and emptiness of one student/teacher pair, and finiteness in debug mode."""
        label = self.label()
        where = '' if index is None else ' (entry {})'.format(index)
        if student.shape != teacher.shape:
            raise ValueError('{}: student {} shape {} does not match teacher {} shape {}{}'.format(
                label, what, tuple(student.shape), what, tuple(teacher.shape), where))
        if allowed_dims is not None:
            if student.dim() not in allowed_dims:
                raise ValueError('{}: expected {} with {} dims, got shape {}{}'.format(
                    label, what, ' or '.join(str(d) for d in allowed_dims), tuple(student.shape), where))
        elif student.dim() < min_dim:
            raise ValueError('{}: expected {} with at least {} dims, got shape {}{}'.format(
                label, what, min_dim, tuple(student.shape), where))
        if student.numel() == 0:
            raise ValueError('{}: empty {} of shape {}{}'.format(label, what, tuple(student.shape), where))
        if self.check_finite:
            for side, x in (('student', student), ('teacher', teacher)):
                if not bool(torch.isfinite(x).all()):
                    raise ValueError('{}: {} {} contains non-finite values (NaN or Inf){}'.format(
                        label, side, what, where))


class ScoreMapDistillation(DistillationTerm):
    r"""Distil the teacher's classification score map into the student's (term ``distill_clf``).

    Inputs are score maps of shape ``[..., H, W]`` (DiMP: ``[num_test_frames, batch, H, W]``).
    Every leading index selects one map; ``M`` is the number of maps and ``P = H*W``.

    ``mode='mse'``: mean squared error over all elements,

        L = 1/(M*P) * sum_{m,i} (s_{m,i} - t_{m,i})^2

    ``mode='kl'``: spatial-softmax distillation. Each map is turned into a distribution over its
    ``H*W`` positions with a temperature-``T`` softmax, and the student distribution is pulled to
    the teacher's with the KL divergence, scaled by ``T^2`` and averaged over maps,

        p^t_{m,i} = exp(t_{m,i}/T) / sum_j exp(t_{m,j}/T)     (p^s likewise from s)
        L = T^2 / M * sum_m sum_i p^t_{m,i} * (log p^t_{m,i} - log p^s_{m,i})

    Soft targets with temperature and the ``T^2`` factor (which keeps gradient magnitudes
    comparable across temperatures) are from Hinton, Vinyals, Dean, "Distilling the Knowledge in
    a Neural Network", NIPS 2014 Deep Learning Workshop (arXiv:1503.02531). Normalising each
    dense response map over its spatial positions instead of over classes follows Shu, Liu, Gao,
    Yan, Shen, "Channel-wise Knowledge Distillation for Dense Prediction", ICCV 2021, here with
    one map per (frame, sequence) instead of one per channel. The KL term is invariant to adding a
    constant to a map, so it transfers *where* the teacher responds, not its score level; 'mse'
    transfers both.

    The teacher is detached inside ``forward``. ``select`` gives the final map of the DiMP output, or
    ToMP's score map (the target model the transformer predicted, applied to the encoded test features).

    args:
        mode - 'mse' or 'kl'
        temperature - softmax temperature T > 0 for mode='kl'; must stay 1.0 for mode='mse', where it
                      has no meaning (raises rather than being silently ignored)
        check_finite - debug mode, see DistillationTerm
    forward args:
        student - score map tensor [..., H, W], or a list of them
        teacher - tensor of the same shape, or a list of the same length as student; a single teacher
                  tensor with a list of student maps distils every map to that one
    returns:
        scalar loss; for lists, the unweighted mean of the per-map losses
    """
    key = 'distill_clf'

    def __init__(self, mode='mse', temperature=1.0, check_finite=False):
        super().__init__(check_finite)
        if mode not in ('mse', 'kl'):
            raise ValueError("ScoreMapDistillation: mode must be 'mse' or 'kl', got {!r}".format(mode))
        temperature = float(temperature)
        if not (math.isfinite(temperature) and temperature > 0):
            raise ValueError('ScoreMapDistillation: temperature must be finite and > 0, got {}'.format(temperature))
        if mode == 'mse' and temperature != 1.0:
            raise ValueError("ScoreMapDistillation: temperature={} only applies to mode='kl'".format(temperature))
        self.mode = mode
        self.temperature = temperature

    def extra_repr(self):
        return 'mode={!r}, temperature={}'.format(self.mode, self.temperature)

    def select(self, outputs):
        output = outputs['']
        if not isinstance(output, tuple):
            raise ValueError('distill_clf needs a network with a target classifier (DiMP family, ToMP), not ATOM')
        scores = output[0]
        return scores[-1] if isinstance(scores, (list, tuple)) else scores  # DiMP: the last iterate; ToMP: one map

    def _single(self, s, t):
        t = t.detach()
        if self.mode == 'mse':
            return F.mse_loss(s, t)
        T = self.temperature
        s = s.reshape(-1, s.shape[-2] * s.shape[-1])
        t = t.reshape(-1, t.shape[-2] * t.shape[-1])
        log_ps = F.log_softmax(s / T, dim=-1)
        log_pt = F.log_softmax(t / T, dim=-1)
        kl = (log_pt.exp() * (log_pt - log_ps)).sum(dim=-1)
        return kl.mean() * (T * T)

    def forward(self, student, teacher):
        pairs = self.pairs(student, teacher, allow_broadcast_teacher=True)
        is_list = isinstance(student, (list, tuple))
        losses = []
        for k, (s, t) in enumerate(pairs):
            self.validate(s, t, 2, 'score map', k if is_list else None)
            losses.append(self._single(s, t))
        return torch.stack(losses).mean()


class IoUPredictionDistillation(DistillationTerm):
    r"""Distil the teacher's IoU predictions into the student's (term ``distill_iou``).

    Mean squared error over all elements between student and teacher predictions for the *same*
    proposals (the caller guarantees that both networks scored identical proposal boxes),

        L = 1/n * sum_k (s_k - t_k)^2

    Regressing a student's outputs onto a teacher's soft outputs is the response-based
    distillation of Hinton et al., "Distilling the Knowledge in a Neural Network" (arXiv:1503.02531),
    which discusses matching logits with squared error as the high-temperature limit; here the
    outputs are the IoU-Net scores of ATOM (Danelljan et al., CVPR 2019) and DiMP. For PrDiMP/SuperDiMP
    box heads the outputs are unnormalised log-densities rather than IoUs; the loss is the same.

    The teacher is detached inside ``forward``.

    args:
        check_finite - debug mode, see DistillationTerm
    forward args:
        student - IoU predictions [..., num_proposals] (ATOM/DiMP: [num_test_frames, batch, num_proposals])
        teacher - tensor of the same shape
    returns:
        scalar loss
    """
    key = 'distill_iou'

    def select(self, outputs):
        output = outputs['']
        iou = output[1] if isinstance(output, tuple) else output  # DiMP: (scores, iou); ATOM: iou
        if iou.dim() > 3:
            raise ValueError('distill_iou needs IoU-Net predictions [frames, sequences, proposals] (ATOM, DiMP '
                             'family), got a tensor of shape {} (ToMP\'s dense boxes?)'.format(tuple(iou.shape)))
        return iou

    def forward(self, student, teacher):
        (s, t), = self.pairs(student, teacher)
        self.validate(s, t, 1, 'IoU prediction')
        return F.mse_loss(s, t.detach())


class FeatureMimic(DistillationTerm):
    r"""Feature-mimic (hint) loss on head features (the terms ``mimic_clf``, ``mimic_iou``, ``mimic_head``).

    Inputs are features ``[N, C, H, W]`` or vectors ``[N, C]`` (channel dimension 1). Each
    position (n, y, x) holds a C-dim feature vector; with ``normalize=True`` each vector is
    divided by its L2 norm over channels (``x_hat = x / max(||x||_2, 1e-12)``). The loss is the
    mean over the ``Q`` positions of the squared L2 distance between student and teacher vectors,

        L = 1/Q * sum_q || s_hat_q - t_hat_q ||_2^2

    With ``normalize=True`` this equals ``1/Q * sum_q (2 - 2 cos(s_q, t_q))`` and lies in [0, 4]
    (the normalised regression loss of BYOL, Grill et al., NeurIPS 2020, has the same form). With
    ``normalize=False`` it is the plain squared distance, i.e. ``C`` times the element-wise MSE.

    Source: the hint loss of Romero, Ballas, Kahou, Chassang, Gatta, Bengio, "FitNets: Hints for
    Thin Deep Nets", ICLR 2015, which regresses student features onto teacher features with
    squared L2 distance (FitNets adds a 1/2 factor and a learned regressor on the student side;
    here student and teacher heads have identical architecture, so no regressor is needed).
    "Mimic" is the name Li, Jin, Yan, "Mimicking Very Efficient Network for Object Detection",
    CVPR 2017, gave the same kind of feature regression for dense detector features.
    Why normalise (our choice): the teacher sees RGB and the student TIR, whose activation
    magnitudes differ systematically; normalising per position makes the term match feature
    *directions* only, keeps it bounded whatever the feature scale, and so keeps its weight
    meaningful across baselines and layers.

    The teacher is detached inside ``forward``.

    args:
        normalize - L2-normalise each feature vector over channels before comparing
        check_finite - debug mode, see DistillationTerm
    forward args:
        student - tensor [N, C, H, W] or [N, C], or a list of them (e.g. the IoU-Net's layer2 and
                  layer3 features, whose C may differ); reshape 5-dim [frames, seqs, C, H, W]
                  features to [-1, C, H, W] first
        teacher - tensor of the same shape, or a list of the same length with matching shapes
    returns:
        scalar loss; for lists, the unweighted mean over entries
    """

    def __init__(self, normalize=True, check_finite=False):
        super().__init__(check_finite)
        self.normalize = bool(normalize)

    def extra_repr(self):
        return 'normalize={}'.format(self.normalize)

    def _single(self, s, t):
        t = t.detach()
        if self.normalize:
            s = F.normalize(s, p=2, dim=1, eps=_NORM_EPS)
            t = F.normalize(t, p=2, dim=1, eps=_NORM_EPS)
        return (s - t).pow(2).sum(dim=1).mean()

    def forward(self, student, teacher):
        pairs = self.pairs(student, teacher)
        is_list = isinstance(student, (list, tuple))
        losses = []
        for k, (s, t) in enumerate(pairs):
            self.validate(s, t, 2, 'feature tensor', k if is_list else None, allowed_dims=(2, 4))
            losses.append(self._single(s, t))
        return torch.stack(losses).mean()


class ClassifierFeatureMimic(FeatureMimic):
    """FeatureMimic on the classifier head features (DiMP family)."""
    key = 'mimic_clf'
    modules = ('classifier.feature_extractor',)


class IoUFeatureMimic(FeatureMimic):
    """FeatureMimic on the IoU-Net's two feature branches (ATOM and the DiMP family)."""
    key = 'mimic_iou'
    modules = ('bb_regressor.conv3_2t', 'bb_regressor.conv4_2t')


class HeadFeatureMimic(FeatureMimic):
    """FeatureMimic on ToMP's head features (Mayer et al., "Transforming Model Prediction for Tracking",
    CVPR 2022): head.feature_extractor maps each image's layer3 features to the tokens of the transformer,
    before the encoder mixes reference and test tokens, so these are the last per-image features. As with
    mimic_clf, the recorded call is the test crop's (ToMP's head extracts the reference crops' first)."""
    key = 'mimic_head'
    modules = ('head.feature_extractor',)


#: The explicit-teacher terms, one class each; the actor knows no other names.
TERMS = {term.key: term for term in (ScoreMapDistillation, IoUPredictionDistillation, ClassifierFeatureMimic,
                                     IoUFeatureMimic, HeadFeatureMimic)}
#: Term key (as used in ``objective`` / ``loss_weight``) -> stat name logged by the actor.
TERM_NAMES = {key: 'Loss/' + key for key in TERMS}


def check_terms(objective, loss_weight):
    """{key: (term, weight)} for the terms of objective with a non-zero weight, checked against TERMS."""
    terms = {key: (objective.get(key), weight) for key, weight in (loss_weight or {}).items() if weight}
    unknown = sorted(set(terms) - set(TERMS))
    if unknown:
        raise ValueError('unknown distillation terms {}; known: {}'.format(unknown, sorted(TERMS)))
    for key, (term, _weight) in terms.items():
        if not isinstance(term, TERMS[key]):
            raise ValueError("objective['{}'] must be a {}, got {}".format(key, TERMS[key].__name__,
                                                                          type(term).__name__))
    return terms
