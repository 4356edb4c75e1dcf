"""CMD as a wrapper around pytracking's own actors (DiMPActor, KLDiMPActor, AtomActor).

The paired processing gives 6-channel crops, [frames, batch, 6, H, W]: RGB in channels 0-2, TIR in
3-5, cropped with the same boxes. For every sample a direction is drawn: with probability
`rgb_to_tir_probability` the reference (train) branch sees the RGB half and the test branch the TIR
half, else the swap (the authors trained both). The reference branch keeps ITS OWN crop's box,
data['train_anno']; the authors' code gave it the test crop's box, although the two crops are
jittered independently (cmd-method.md). The baseline's own actor then computes the baseline's own
objective on this cross-modal sample: that objective, with the pseudo box as the label, is the
CMD method. Nothing else is needed for the default.

Optional explicit-teacher terms (ablation, off unless given a weight): a frozen copy of the RGB
model sees the RGB reference and RGB test crops; the student's responses on its test crop are
pulled to the teacher's (ltr_cmd.losses). The teacher is kept outside `actor.net`, so LTRTrainer
neither checkpoints nor optimises it, and it stays in eval mode.
"""
import torch
from ltr.actors import BaseActor

from ltr_cmd.losses import TERM_NAMES

# Where each explicit-teacher term reads its inputs in the network ('' = the network's output).
TERM_MODULES = {
    'distill_clf': [''],
    'distill_iou': [''],
    'mimic_clf': ['classifier.feature_extractor'],
    'mimic_iou': ['bb_regressor.conv3_2t', 'bb_regressor.conv4_2t'],
}


def split_modalities(images):
    """[..., 6, H, W] paired crops -> (RGB [..., 3, H, W], TIR [..., 3, H, W])."""
    if images.shape[-3] != 6:
        raise ValueError('expected paired crops with 6 channels (RGB + TIR), got shape {}'.format(tuple(images.shape)))
    return images[..., :3, :, :], images[..., 3:, :, :]


def cross_modal_views(data, rgb_to_tir):
    """The sample as the student sees it: per batch element, RGB reference + TIR test (rgb_to_tir
    True) or TIR reference + RGB test. Boxes, labels and proposals stay those of each crop."""
    rgb_train, tir_train = split_modalities(data['train_images'])
    rgb_test, tir_test = split_modalities(data['test_images'])
    direction = rgb_to_tir.view(1, -1, 1, 1, 1).to(rgb_train.device)
    views = data.copy()
    views['train_images'] = torch.where(direction, rgb_train, tir_train)
    views['test_images'] = torch.where(direction, tir_test, rgb_test)
    return views


def rgb_views(data):
    """The sample as the RGB teacher sees it: RGB reference and RGB test crops."""
    views = data.copy()
    views['train_images'] = split_modalities(data['train_images'])[0]
    views['test_images'] = split_modalities(data['test_images'])[0]
    return views


class OutputCapture:
    """Records the outputs of submodules (by dotted path; '' is the network) during a forward pass,
    and removes its hooks when the `with` block ends."""

    def __init__(self, net, paths):
        self.net, self.paths, self.outputs, self._handles = net, list(dict.fromkeys(paths)), {}, []

    def __enter__(self):
        for path in self.paths:
            module = self.net.get_submodule(path) if path else self.net
            self._handles.append(module.register_forward_hook(
                lambda _module, _inputs, output, path=path: self.outputs.__setitem__(path, output)))
        return self

    def __exit__(self, *exc):
        for handle in self._handles:
            handle.remove()
        self._handles = []
        return False


def _score_and_iou(output):
    """(final score map or None, IoU/box predictions) from a DiMP-style (scores, iou) or ATOM output."""
    if isinstance(output, tuple):
        scores, iou = output
        return scores[-1], iou
    return None, output


class CrossModalActor(BaseActor):
    """CMD training step around a stock actor.

    args:
        actor: the baseline's own actor (with its objective and loss_weight dicts) around the student net.
        rgb_to_tir_probability: share of samples with RGB reference -> TIR test (the rest: the swap).
        teacher: frozen RGB network for the explicit-teacher terms (None: no such terms).
        objective / loss_weight: the explicit-teacher terms (keys of ltr_cmd.losses.TERM_NAMES) and weights.
    """

    def __init__(self, actor, rgb_to_tir_probability=0.5, teacher=None, objective=None, loss_weight=None):
        super().__init__(actor.net, actor.objective)
        if not 0.0 <= rgb_to_tir_probability <= 1.0:
            raise ValueError('rgb_to_tir_probability must be in [0, 1], got {}'.format(rgb_to_tir_probability))
        self.actor = actor
        self.rgb_to_tir_probability = rgb_to_tir_probability
        self.terms = {name: (objective[name], weight) for name, weight in (loss_weight or {}).items() if weight}
        unknown = sorted(set(self.terms) - set(TERM_NAMES))
        if unknown:
            raise ValueError('unknown distillation terms {}; known: {}'.format(unknown, sorted(TERM_NAMES)))
        if self.terms and teacher is None:
            raise ValueError('distillation terms {} need a teacher network'.format(sorted(self.terms)))
        self.teacher = teacher
        if teacher is not None:
            teacher.eval()
            for parameter in teacher.parameters():
                parameter.requires_grad_(False)
        self._paths = [p for name in self.terms for p in TERM_MODULES[name]]

    def to(self, device):
        self.actor.to(device)
        if self.teacher is not None:
            self.teacher.to(device)

    def train(self, mode=True):
        self.actor.train(mode)
        if self.teacher is not None:
            self.teacher.eval()

    def __call__(self, data):
        batch = data['train_images'].shape[1]
        rgb_to_tir = torch.rand(batch) < self.rgb_to_tir_probability
        with OutputCapture(self.net, self._paths) as student:
            loss, stats = self.actor(cross_modal_views(data, rgb_to_tir))
        stats['CMD/rgb_to_tir_share'] = rgb_to_tir.float().mean().item()
        if not self.terms:
            return loss, stats

        teacher_data = rgb_views(data)
        with torch.no_grad(), OutputCapture(self.teacher, self._paths) as teacher:
            self.teacher(train_imgs=teacher_data['train_images'], test_imgs=teacher_data['test_images'],
                         train_bb=teacher_data['train_anno'], test_proposals=teacher_data['test_proposals'])
        for name, (objective, weight) in self.terms.items():
            term = weight * objective(*self._term_inputs(name, student.outputs, teacher.outputs))
            loss = loss + term
            stats[TERM_NAMES[name]] = term.item()
        stats['Loss/total'] = loss.item()
        return loss, stats

    @staticmethod
    def _term_inputs(name, student, teacher):
        if name in ('distill_clf', 'distill_iou'):
            (student_scores, student_iou), (teacher_scores, teacher_iou) = (_score_and_iou(student['']),
                                                                            _score_and_iou(teacher['']))
            if name == 'distill_iou':
                return student_iou, teacher_iou
            if student_scores is None:
                raise ValueError('distill_clf needs a network with a target classifier (DiMP family), not ATOM')
            return student_scores, teacher_scores
        paths = TERM_MODULES[name]
        return [student[p] for p in paths], [teacher[p] for p in paths]
