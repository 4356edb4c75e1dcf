"""Pairing geometry through pytracking's own processing, and what the cross-modal actor feeds the net.

A frame pair with a marked pixel at the pseudo box centre (different marks in RGB and TIR) goes
through PairedFrameDataset, DiMPSampler and DiMPProcessing (or ToMP's LTRBDenseRegressionProcessing with
its joint transform) with crop jitter, scale jitter and flips; the mark must land on the same output
pixel in both modalities, for the reference and the test crops, in both directions of the actor.
"""
import numpy as np
import pytest
import torch

pytestmark = pytest.mark.integration

SIZE = (160, 120)  # width, height
BOX = np.array([[60.0, 40.0, 31.0, 21.0]])  # centre pixel (75, 50)


class MarkedPairs:
    """One aligned pair: RGB has a red mark, TIR a white mark, at the box centre; elsewhere a gradient."""
    name = 'marked'

    class _Sequence:
        name = 'marked_000'

        def __len__(self):
            return 1

        def frame_paths(self, i):
            return None

    sequences = [_Sequence()]

    def read_pair(self, seq, i):
        w, h = SIZE
        ramp = np.tile(np.linspace(0, 120, w, dtype=np.uint8), (h, 1))
        rgb = np.stack([ramp, ramp, ramp], axis=2)
        tir = np.stack([ramp // 2] * 3, axis=2)
        cx, cy = int(BOX[0, 0] + BOX[0, 2] // 2), int(BOX[0, 1] + BOX[0, 3] // 2)
        rgb[cy - 1:cy + 2, cx - 1:cx + 2] = (255, 0, 0)
        tir[cy - 1:cy + 2, cx - 1:cx + 2] = 255
        return {'rgb': rgb, 'tir': tir}


class FixedBox:
    def boxes(self, seq_name, frame_index, image_size, frame_paths=None):
        return BOX


def make_loader(flip):
    from ltr.data import processing
    from ltr_cmd.data.transforms import paired_transform
    from ltr_cmd.training import paired_loader

    class Settings:
        samples_per_epoch, batch_size, num_workers, frame_step = 8, 4, 0, 1
    proc = processing.DiMPProcessing(search_area_factor=3.0, output_sz=96, center_jitter_factor={'train': 1, 'test': 1},
                                     scale_jitter_factor={'train': 0.2, 'test': 0.2}, mode='sequence',
                                     proposal_params={'min_iou': 0.1, 'boxes_per_frame': 4, 'sigma_factor': [0.05]},
                                     label_function_params={'feature_sz': 6, 'sigma_factor': 0.05, 'kernel_sz': 4},
                                     transform=paired_transform(0.0, flip_probability=flip))
    return paired_loader(Settings, MarkedPairs(), proc, num_train_frames=2, num_test_frames=2, pseudo_boxes=FixedBox())


def mark_positions(images, channel_slice):
    """(row, col) of the brightest pixel of each crop's mark channel: images [frames, batch, 6, H, W]."""
    marks = images[:, :, channel_slice].amax(dim=2)
    flat = marks.flatten(2).argmax(dim=2)
    return torch.stack((flat // marks.shape[-1], flat % marks.shape[-1]), dim=-1)


@pytest.mark.parametrize('flip', [0.0, 1.0])
def test_a_marked_pixel_lands_on_the_same_output_pixel_in_both_modalities(pytracking_root, flip):
    import random
    random.seed(0)
    np.random.seed(0)
    batch = next(iter(make_loader(flip)))
    for key in ('train_images', 'test_images'):
        images = batch[key]
        assert images.shape[2] == 6
        # red channel of RGB vs the TIR channel: both marks are the maxima of their modality
        rgb_mark = mark_positions(images, slice(0, 1))
        tir_mark = mark_positions(images, slice(3, 4))
        assert torch.equal(rgb_mark, tir_mark)
        assert len({tuple(p) for p in rgb_mark.flatten(0, 1).tolist()}) > 1  # the jitter did move the crops


def test_each_branch_gets_its_own_crops_box_in_both_directions(pytracking_root):
    """The authors' code gave the reference branch the TEST crop's box; the crops are jittered
    independently, so that box points elsewhere. The box given to the net must frame the mark in
    the reference images it goes with."""
    from ltr_cmd.actors import CrossModalActor

    class RecordingNet(torch.nn.Module):
        def forward(self, train_imgs, test_imgs, train_bb, test_proposals):
            self.seen = (train_imgs, test_imgs, train_bb)
            return [torch.zeros(self.score_shape, requires_grad=True)], \
                torch.zeros(test_proposals.shape[:3], requires_grad=True)

    from ltr import actors
    import torch.nn as nn
    import ltr.models.loss as ltr_losses
    net = RecordingNet()
    batch = next(iter(make_loader(0.0)))
    net.score_shape = batch['test_label'].shape
    stock = actors.DiMPActor(net, {'iou': nn.MSELoss(), 'test_clf': ltr_losses.LBHinge(threshold=0.05)},
                             {'iou': 1, 'test_clf': 1})
    assert not torch.allclose(batch['train_anno'], batch['test_anno'])  # independent jitter
    for probability, reference, test in ((1.0, slice(0, 3), slice(3, 6)), (0.0, slice(3, 6), slice(0, 3))):
        actor = CrossModalActor(stock, rgb_to_tir_probability=probability)
        loss, stats = actor(batch)
        train_imgs, test_imgs, train_bb = net.seen
        assert stats['CMD/rgb_to_tir_share'] == probability
        # RGB reference and TIR test when RGB -> TIR, else the swap
        assert torch.equal(train_imgs, batch['train_images'][:, :, reference])
        assert torch.equal(test_imgs, batch['test_images'][:, :, test])
        assert torch.equal(train_bb, batch['train_anno'])
        marks = mark_positions(train_imgs, slice(0, 1)).flatten(0, 1).float()
        boxes = train_bb.flatten(0, 1)
        centres = torch.stack((boxes[:, 1] + boxes[:, 3] / 2, boxes[:, 0] + boxes[:, 2] / 2), dim=1)
        assert (marks - centres).abs().max() <= 2.5  # the box given is centred on this crop's mark


def test_paired_frames_must_have_six_channels(pytracking_root):
    from ltr_cmd.actors import split_modalities
    with pytest.raises(ValueError, match='6 channels'):
        split_modalities(torch.zeros(1, 2, 3, 8, 8))


def test_explicit_teacher_terms_train_the_student_only(pytracking_root):
    """Every explicit-teacher term runs on a real DiMP network, shows up as a Loss/<term> stat, and
    the frozen teacher (outside actor.net) gets no gradient and stays in eval mode."""
    import torch.nn as nn
    import ltr.models.loss as ltr_losses
    from ltr import actors
    from ltr_cmd import losses
    from ltr_cmd.actors import CrossModalActor
    from ltr_cmd.training import frozen_copy
    from ltr.models.tracking import dimpnet
    torch.manual_seed(0)
    net = dimpnet.dimpnet18(filter_size=4, backbone_pretrained=False, optim_iter=2, frozen_backbone_layers='all')
    terms = {'distill_clf': losses.ScoreMapDistillation(mode='kl', temperature=2.0),
             'distill_iou': losses.IoUPredictionDistillation(),
             'mimic_clf': losses.ClassifierFeatureMimic(), 'mimic_iou': losses.IoUFeatureMimic()}
    stock = actors.DiMPActor(net, {'iou': nn.MSELoss(), 'test_clf': ltr_losses.LBHinge(threshold=0.05)},
                             {'iou': 1, 'test_clf': 100})
    teacher = frozen_copy(net)
    actor = CrossModalActor(stock, 1.0, teacher=teacher, objective=terms, loss_weight={k: 1.0 for k in terms})
    actor.train(True)
    assert net.classifier.training and not teacher.training
    batch = next(iter(make_loader(0.0)))
    loss, stats = actor(batch)
    loss.backward()
    assert {'Loss/distill_clf', 'Loss/distill_iou', 'Loss/mimic_clf', 'Loss/mimic_iou'} <= set(stats)
    assert all(p.grad is None for p in teacher.parameters())
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in net.bb_regressor.parameters())
    assert not any(p is q for p in actor.net.parameters() for q in teacher.parameters())


def test_distillation_terms_need_a_teacher_and_known_names(pytracking_root):
    from ltr_cmd import losses
    from ltr_cmd.actors import CrossModalActor

    class Stock:
        net, objective = torch.nn.Linear(1, 1), None
    with pytest.raises(ValueError, match='need a teacher'):
        CrossModalActor(Stock(), objective={'distill_iou': losses.IoUPredictionDistillation()},
                        loss_weight={'distill_iou': 1.0})
    with pytest.raises(ValueError, match="unknown distillation terms \\['distill_box'\\]"):
        CrossModalActor(Stock(), teacher=torch.nn.Linear(1, 1), objective={'distill_box': None},
                        loss_weight={'distill_box': 1.0})


def test_synthetic_detector_boxes_every_object_or_the_target_class_only(pytracking_root):
    from ltr_cmd.data.demo_datasets import SyntheticObjectBoxes
    from ltr_cmd.data.synthetic import SyntheticRGBT
    world = SyntheticRGBT(3, num_sequences=2, length=5, num_distractors=2)
    name = world.sequence_name(1)
    every = SyntheticObjectBoxes(world).boxes(name, 4, world.frame_size)
    target = SyntheticObjectBoxes(world, target_class_only=True).boxes(name, 4, world.frame_size)
    np.testing.assert_array_equal(every, world.object_boxes(1)[4])
    assert every.shape == (3, 4)
    np.testing.assert_array_equal(target, world.boxes(1)[4:5])


# ------------------------------------------------------------------------------------------------
# ToMP: LTRBDenseRegressionProcessing, its joint transform, ToMPActor
# ------------------------------------------------------------------------------------------------

def make_tomp_loader(flip, batch_size=4):
    """ToMP's processing as tomp50_cmd builds it (reference crops not jittered, test crops jittered), small."""
    from ltr.data import processing
    from ltr_cmd.data.transforms import paired_joint_transform, paired_transform
    from ltr_cmd.training import paired_loader

    class Settings:
        samples_per_epoch, num_workers, frame_step = 8, 0, 1
    Settings.batch_size = batch_size
    proc = processing.LTRBDenseRegressionProcessing(
        search_area_factor=3.0, output_sz=96, center_jitter_factor={'train': 0., 'test': 1.5},
        scale_jitter_factor={'train': 0., 'test': 0.2}, crop_type='inside_major', max_scale_change=1.5,
        mode='sequence', label_function_params={'feature_sz': 6, 'sigma_factor': 0.05, 'kernel_sz': 1},
        transform=paired_transform(0.0, flip_probability=flip),
        joint_transform=paired_joint_transform(grayscale_probability=0.0, flip_probability=flip),
        use_normalized_coords=True, center_sampling_radius=1.0)
    return paired_loader(Settings, MarkedPairs(), proc, num_train_frames=2, num_test_frames=1, pseudo_boxes=FixedBox())


class RecordingToMPNet(torch.nn.Module):
    """Records what ToMPActor passes; returns ToMP-shaped outputs (scores, dense ltrb boxes)."""

    def forward(self, train_imgs, test_imgs, train_bb, train_label, train_ltrb_target):
        self.seen = dict(train_imgs=train_imgs, test_imgs=test_imgs, train_bb=train_bb, train_label=train_label,
                         train_ltrb_target=train_ltrb_target)
        frames, sequences, _, height, width = test_imgs.shape
        cells = (height // 16, width // 16)
        return (torch.zeros(frames, sequences, *cells, requires_grad=True),
                torch.full((1, frames * sequences, 4) + cells, 0.1, requires_grad=True))


def tomp_actor(net):
    import ltr.models.loss as ltr_losses
    from ltr.actors.tracking import ToMPActor
    from ltr.models.loss.bbr_loss import GIoULoss
    return ToMPActor(net, {'giou': GIoULoss(), 'test_clf': ltr_losses.LBHinge(threshold=0.05)},
                     {'giou': 1.0, 'test_clf': 100.0})


@pytest.mark.parametrize('flip', [0.0, 1.0])
def test_tomp_processing_keeps_both_modalities_on_the_same_pixels(pytracking_root, flip):
    import random
    random.seed(0)
    np.random.seed(0)
    torch.manual_seed(0)
    batch = next(iter(make_tomp_loader(flip)))
    for key in ('train_images', 'test_images'):
        images = batch[key]
        assert images.shape[2] == 6
        assert torch.equal(mark_positions(images, slice(0, 1)), mark_positions(images, slice(3, 4)))
    assert len({tuple(p) for p in mark_positions(batch['test_images'], slice(0, 1)).flatten(0, 1).tolist()}) > 1


def test_tomp_branches_get_their_own_crops_labels_and_ltrb_targets(pytracking_root):
    """ToMP's reference branch takes train_bb, train_label and train_ltrb_target: all three must be those of
    the reference crops (the mark sits in the labelled cell), in both directions."""
    from ltr_cmd.actors import CrossModalActor
    torch.manual_seed(0)
    batch = next(iter(make_tomp_loader(0.0)))
    assert not torch.allclose(batch['train_anno'][0], batch['test_anno'][0])  # test crops jittered independently
    net = RecordingToMPNet()
    for probability, reference, test in ((1.0, slice(0, 3), slice(3, 6)), (0.0, slice(3, 6), slice(0, 3))):
        loss, stats = CrossModalActor(tomp_actor(net), rgb_to_tir_probability=probability)(batch)
        seen = net.seen
        assert torch.isfinite(loss) and stats['CMD/rgb_to_tir_share'] == probability
        assert torch.equal(seen['train_imgs'], batch['train_images'][:, :, reference])
        assert torch.equal(seen['test_imgs'], batch['test_images'][:, :, test])
        for key, field in (('train_bb', 'train_anno'), ('train_label', 'train_label'),
                           ('train_ltrb_target', 'train_ltrb_target')):
            assert torch.equal(seen[key], batch[field]), key
        # the label's peak cell (stride 16) holds this crop's mark, and its ltrb targets are all positive there
        marks = mark_positions(seen['train_imgs'], slice(0, 1)).flatten(0, 1)
        labels = seen['train_label'].flatten(0, 1)
        peaks = labels.flatten(1).argmax(dim=1)
        cells = torch.stack((peaks // labels.shape[-1], peaks % labels.shape[-1]), dim=1)
        assert (marks // 16 - cells).abs().max() <= 1
        ltrb = seen['train_ltrb_target'].flatten(0, 1).flatten(2)[torch.arange(len(peaks)), :, peaks]
        assert (ltrb > 0).all()


def test_the_joint_transform_grays_the_rgb_channels_only(pytracking_root):
    import cv2
    from ltr_cmd.data.transforms import paired_joint_transform
    rng = np.random.default_rng(0)
    frame = rng.integers(0, 255, (8, 10, 6), dtype=np.uint8)
    out = paired_joint_transform(grayscale_probability=1.0, flip_probability=0.0)(image=frame)
    gray = cv2.cvtColor(np.ascontiguousarray(frame[..., :3]), cv2.COLOR_RGB2GRAY)
    for channel in range(3):
        assert np.array_equal(out[..., channel], gray)
    assert np.array_equal(out[..., 3:], frame[..., 3:])
    assert np.array_equal(paired_joint_transform(grayscale_probability=0.0, flip_probability=0.0)(image=frame), frame)
    flipped = paired_joint_transform(grayscale_probability=0.0, flip_probability=1.0)(image=frame)
    assert np.array_equal(flipped, frame[:, ::-1])
    with pytest.raises(ValueError, match='HxWx6'):
        paired_joint_transform(grayscale_probability=1.0)(image=frame[..., :3])


@pytest.mark.slow
def test_explicit_teacher_terms_on_tomp_run_the_teacher_with_the_students_inputs(pytracking_root):
    """distill_clf and mimic_head on a real ToMP network: the teacher gets what ToMPActor gives the student
    (labels and ltrb targets of the reference crops), on the RGB crops; it gets no gradient."""
    from ltr.models.tracking import tompnet
    from ltr_cmd import losses
    from ltr_cmd.actors import CrossModalActor
    from ltr_cmd.training import frozen_copy
    torch.manual_seed(0)
    net = tompnet.tompnet50(filter_size=1, backbone_pretrained=False, out_feature_dim=256, num_encoder_layers=1,
                            num_decoder_layers=1, dim_feedforward=256, frozen_backbone_layers='all')
    teacher = frozen_copy(net)
    inputs = {}
    for name, module in (('student', net), ('teacher', teacher)):
        module.register_forward_pre_hook(lambda _m, _args, kwargs, name=name: inputs.__setitem__(name, kwargs),
                                         with_kwargs=True)
    terms = {'distill_clf': losses.ScoreMapDistillation(mode='kl', temperature=2.0),
             'mimic_head': losses.HeadFeatureMimic()}
    actor = CrossModalActor(tomp_actor(net), 1.0, teacher=teacher, objective=terms,
                            loss_weight={k: 1.0 for k in terms})
    actor.train(True)
    batch = next(iter(make_tomp_loader(0.0, batch_size=2)))
    loss, stats = actor(batch)
    loss.backward()
    assert {'Loss/distill_clf', 'Loss/mimic_head', 'Loss/GIoU'} <= set(stats)
    assert stats['Loss/mimic_head'] > 0
    assert inputs['teacher'].keys() == inputs['student'].keys() >= {'train_label', 'train_ltrb_target'}
    for key in ('train_bb', 'train_label', 'train_ltrb_target'):
        assert torch.equal(inputs['teacher'][key], inputs['student'][key])
    assert torch.equal(inputs['teacher']['train_imgs'], batch['train_images'][:, :, :3])
    assert torch.equal(inputs['teacher']['test_imgs'], batch['test_images'][:, :, :3])
    assert torch.equal(inputs['student']['test_imgs'], batch['test_images'][:, :, 3:])
    assert all(p.grad is None for p in teacher.parameters())
    assert all(p.grad is None for p in net.feature_extractor.parameters())
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in net.head.feature_extractor.parameters())


def test_terms_a_tomp_network_lacks_are_named(pytracking_root):
    from ltr_cmd import losses
    from ltr_cmd.actors import CrossModalActor
    from ltr.models.tracking import tompnet
    net = tompnet.tompnet50(filter_size=1, backbone_pretrained=False, out_feature_dim=256, num_encoder_layers=1,
                            num_decoder_layers=1, dim_feedforward=256)
    with pytest.raises(ValueError, match='mimic_clf reads the module classifier.feature_extractor, which ToMPnet '
                                         'does not have'):
        CrossModalActor(tomp_actor(net), teacher=net, objective={'mimic_clf': losses.ClassifierFeatureMimic()},
                        loss_weight={'mimic_clf': 1.0})
    recording = RecordingToMPNet()
    actor = CrossModalActor(tomp_actor(recording), teacher=recording,
                            objective={'distill_iou': losses.IoUPredictionDistillation()},
                            loss_weight={'distill_iou': 1.0})
    with pytest.raises(ValueError, match='distill_iou needs IoU-Net predictions'):
        actor(next(iter(make_tomp_loader(0.0, batch_size=2))))
