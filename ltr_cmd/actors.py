"""CMD as a wrapper around pytracking's own actors (DiMPActor, KLDiMPActor, AtomActor, ToMPActor).

The paired processing gives 6-channel crops, [frames, batch, 6, H, W]: RGB in channels 0-2, TIR in
3-5, cropped with the same boxes. For every sample a direction is drawn: with probability
`rgb_to_tir_probability` the reference (train) branch sees the RGB half and the test branch the TIR
half, else the swap (the authors trained both). The reference branch keeps ITS OWN crop's box,
data['train_anno'] and what the processing derived from it (ToMP: train_label, train_ltrb_target); the
authors' code gave it the test crop's box, although the two crops are jittered independently
(docs/training.md). Only the images are swapped: every other field belongs to its crop in both
modalities. The baseline's own actor then computes the baseline's own objective on this cross-modal
sample: that objective, with the pseudo box as the label, is the CMD method. Nothing else is needed
for the default.

Optional explicit-teacher terms (ablation, off unless given a weight): a frozen copy of the RGB
model sees the RGB reference and RGB test crops; the student's responses on its test crop are
pulled to the teacher's; each term (ltr_cmd.losses) says which module outputs it reads and how it
compares them. The teacher runs through a copy of the stock actor, so it gets exactly the inputs the
stock actor gives the student, whatever the network. The teacher is kept outside `actor.net`, so
LTRTrainer neither checkpoints nor optimises it, and it stays in eval mode.
"""
import copy

import torch
from ltr.actors import BaseActor

from ltr_cmd.losses import TERM_NAMES, check_terms


def split_modalities(images):
    """The two halves of paired crops.

    args:
        images - [..., 6, H, W] paired crops (RGB | TIR)
    returns:
        (RGB [..., 3, H, W], TIR [..., 3, H, W])
    """
    if images.shape[-3] != 6:
        raise ValueError('expected paired crops with 6 channels (RGB + TIR), got shape {}'.format(tuple(images.shape)))
    return images[..., :3, :, :], images[..., 3:, :, :]


def cross_modal_views(data, rgb_to_tir):
    """The sample as the student sees it; boxes, labels and proposals stay those of each crop.

    args:
        data - the paired sample (TensorDict of the loader)
        rgb_to_tir - bool [batch]: True: RGB reference + TIR test, False: TIR reference + RGB test
    """
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


def _has_module(net, path):
    try:
        net.get_submodule(path)
    except AttributeError:
        return False
    return True


class OutputCapture:
    """Records the outputs of submodules during a forward pass; removes its hooks when the `with` ends.

    args:
        net - the network
        paths - dotted module paths in net ('' = the network itself)
    """

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


class CrossModalActor(BaseActor):
    """CMD training step around a stock actor.

    args:
        actor - the baseline's own actor (with its objective and loss_weight dicts) around the student net
        rgb_to_tir_probability - share of samples with RGB reference -> TIR test (the rest: the swap)
        teacher - frozen RGB network for the explicit-teacher terms (None: no such terms), e.g.
                  ltr_cmd.training.frozen_copy(net); kept in eval mode and run under no_grad
        objective, loss_weight - the explicit-teacher terms (keys of ltr_cmd.losses.TERMS) and weights
    """

    def __init__(self, actor, rgb_to_tir_probability=0.5, teacher=None, objective=None, loss_weight=None):
        super().__init__(actor.net, actor.objective)
        if not 0.0 <= rgb_to_tir_probability <= 1.0:
            raise ValueError('rgb_to_tir_probability must be in [0, 1], got {}'.format(rgb_to_tir_probability))
        self.actor = actor
        self.rgb_to_tir_probability = rgb_to_tir_probability
        self.terms = check_terms(objective or {}, loss_weight)
        if self.terms and teacher is None:
            raise ValueError('distillation terms {} need a teacher network'.format(sorted(self.terms)))
        self.teacher = teacher.eval() if teacher is not None else None
        self._paths = [path for term, _weight in self.terms.values() for path in term.modules]
        for key, (term, _weight) in self.terms.items():
            for path in term.modules:
                if path and not _has_module(self.net, path):
                    raise ValueError('distillation term {} reads the module {}, which {} does not have (see '
                                     'ltr_cmd/losses.py for the terms of each network)'.format(
                                         key, path, type(self.net).__name__))
        # The stock actor once more, around the teacher: the teacher's forward pass gets what the stock actor
        # passes to its network (DiMP: proposals; ToMP: labels and ltrb targets), with no per-network code here.
        # Its objective is computed too and dropped: cheap next to the forward pass.
        self.teacher_actor = None
        if self.teacher is not None:
            self.teacher_actor = copy.copy(actor)
            self.teacher_actor.net = self.teacher

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
        stats['CMD/rgb_to_tir_share'] = rgb_to_tir.float().mean().item()  # a CPU tensor: no device sync
        if not self.terms:
            return loss, stats

        with torch.no_grad(), OutputCapture(self.teacher, self._paths) as teacher:
            self.teacher_actor(rgb_views(data))
        for key, (term, weight) in self.terms.items():
            value = weight * term(term.select(student.outputs), term.select(teacher.outputs))
            loss = loss + value
            stats[TERM_NAMES[key]] = value.item()
        stats['Loss/total'] = loss.item()
        return loss, stats
