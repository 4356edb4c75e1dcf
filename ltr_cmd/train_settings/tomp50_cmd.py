"""CMD for ToMP-50 (Mayer et al., "Transforming Model Prediction for Tracking", CVPR 2022): pytracking's
tomp/tomp50 setting trained on unlabelled aligned RGB-TIR pairs with pseudo boxes, from the RGB release
network tomp50.pth.tar. tomp101_cmd runs this with ToMP-101.

Kept from tomp50: LTRBDenseRegressionProcessing (288 crops, search area 5, reference crops not jittered,
centre sampling radius 1, normalised ltrb targets), its augmentations (joint grayscale 0.05 and flip 0.5
on whole frames, flip 0.5 and brightness jitter 0.2 on crops; grayscale and brightness on the RGB channels
only), 2 reference + 1 test frames, ToMPActor with GIoU (weight 1) and the hinge classification loss
(weight 100), AdamW (weight decay 1e-4) with the head at 1e-4, frozen backbone BatchNorm
(freeze_backbone_bn_layers, passed to the trainer as tomp50 passes it to LTRTrainer).

What CMD changes (docs/training.md):
- Data: aligned pairs with pseudo boxes, RGB reference -> TIR test and the swap (CrossModalActor).
- Network: the release file's own, rebuilt from its pickled constructor (ltr_cmd.training.student_from_teacher).
- Backbone frozen whole; tomp50 trains layer3 at 2e-5. The backbone computes the features of both branches:
  frozen, the RGB branch keeps the release's features, on which the RGB model learnt its target model, and
  the head learns to bring the TIR features onto that target model (the CMD authors froze their backbone
  completely, too). No gradient then flows into the backbone: less work per step than tomp50's.
  Trained: the whole head, one AdamW group at 1e-4 as in tomp50: head.feature_extractor (layer3 -> 256-channel
  tokens), head.filter_predictor (transformer encoder and decoder, box encoding, query embeddings),
  head.classifier and head.bb_regressor (their filter projections, the box regression tower).
- Schedule: CMD's length as in super_dimp_cmd, 35 epochs of 26k samples, StepLR(15, 0.2): x0.2 at 43 % and
  86 % of training, where tomp50 decays x0.2 at 50 % and 83 % of its 300 epochs (MultiStepLR [150, 250]).
- No validation loader (no labelled TIR data is assumed).
"""
import torch.optim as optim
import ltr.models.loss as ltr_losses
import ltr.actors.tracking as tracking_actors
from ltr.data import processing
from ltr.models.loss.bbr_loss import GIoULoss
from ltr.models.tracking import tompnet

from ltr_cmd import losses as cmd_losses
from ltr_cmd.actors import CrossModalActor
from ltr_cmd.data.transforms import paired_joint_transform, paired_transform
from ltr_cmd.settings_overrides import apply_overrides
from ltr_cmd.training import (cmd_data, explicit_teacher, machine_defaults, paired_loader, paired_source,
                              student_from_teacher)
from ltr_cmd.trainer import CMDTrainer


def run(settings, setting='tomp50_cmd', constructor=tompnet.tompnet50, batch_size=36, num_workers=16):
    """args (besides settings, for tomp101_cmd): the setting's name, its network function, GPU batch and workers."""
    settings.description = 'CMD for ToMP ({}): cross-modal distillation on unlabelled RGB-TIR pairs'.format(setting)
    machine_defaults(settings, batch_size=batch_size, num_workers=num_workers)
    settings.print_interval = 1
    settings.search_area_factor = 5.0
    settings.output_sigma_factor = 1/4
    settings.target_filter_sz = 1
    settings.feature_sz = 18
    settings.output_sz = settings.feature_sz * 16
    settings.center_jitter_factor = {'train': 0., 'test': 4.5}
    settings.scale_jitter_factor = {'train': 0., 'test': 0.5}
    settings.hinge_threshold = 0.05
    settings.num_train_frames = 2
    settings.num_test_frames = 1
    settings.freeze_backbone_bn_layers = True
    settings.crop_type = 'inside_major'
    settings.max_scale_change = 1.5
    settings.weight_giou = 1.0
    settings.weight_clf = 100.0
    settings.normalized_bbreg_coords = True
    settings.center_sampling_radius = 1.0
    settings.num_epochs = 35
    settings.samples_per_epoch = 26000
    cmd_data(settings)  # aligned LasHeR pairs, random pseudo boxes, both directions (training.cmd_data)
    apply_overrides(settings)

    # Data: 6-channel (RGB + TIR) frames through pytracking's own LTRB dense regression processing
    output_sigma = settings.output_sigma_factor / settings.search_area_factor
    label_params = {'feature_sz': settings.feature_sz, 'sigma_factor': output_sigma,
                    'kernel_sz': settings.target_filter_sz}
    data_processing_train = processing.LTRBDenseRegressionProcessing(
        search_area_factor=settings.search_area_factor, output_sz=settings.output_sz,
        center_jitter_factor=settings.center_jitter_factor, scale_jitter_factor=settings.scale_jitter_factor,
        crop_type=settings.crop_type, max_scale_change=settings.max_scale_change, mode='sequence',
        label_function_params=label_params, transform=paired_transform(0.2, flip_probability=0.5),
        joint_transform=paired_joint_transform(grayscale_probability=0.05, flip_probability=0.5),
        use_normalized_coords=settings.normalized_bbreg_coords, center_sampling_radius=settings.center_sampling_radius)
    loader_train = paired_loader(settings, paired_source(settings), data_processing_train,
                                 num_train_frames=settings.num_train_frames, num_test_frames=settings.num_test_frames)

    # Network: the RGB release network, backbone frozen (CMDTrainer trains what the optimizer holds: the head)
    net = student_from_teacher(setting, settings, constructor, frozen_backbone_layers='all')

    objective = {'giou': GIoULoss(), 'test_clf': ltr_losses.LBHinge(threshold=settings.hinge_threshold)}
    loss_weight = {'giou': settings.weight_giou, 'test_clf': settings.weight_clf}
    # Explicit-teacher terms (ablation; any weight > 0 adds a frozen RGB teacher): see ltr_cmd/losses.py
    distill_objective = {'distill_clf': cmd_losses.ScoreMapDistillation(mode='kl', temperature=2.0),
                         'mimic_head': cmd_losses.HeadFeatureMimic()}
    distill_weight = {'distill_clf': 0, 'mimic_head': 0}

    actor = CrossModalActor(tracking_actors.ToMPActor(net=net, objective=objective, loss_weight=loss_weight),
                            rgb_to_tir_probability=settings.rgb_to_tir_probability,
                            teacher=explicit_teacher(net, distill_weight), objective=distill_objective,
                            loss_weight=distill_weight)

    optimizer = optim.AdamW([{'params': actor.net.head.parameters(), 'lr': 1e-4}], lr=2e-4, weight_decay=0.0001)
    lr_scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=15, gamma=0.2)
    trainer = CMDTrainer(actor, [loader_train], optimizer, settings, lr_scheduler,
                         freeze_backbone_bn_layers=settings.freeze_backbone_bn_layers)
    trainer.train(settings.num_epochs, load_latest=True, fail_safe=settings.fail_safe)
