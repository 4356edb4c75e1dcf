"""CMD for ATOM: pytracking's bbreg/atom setting trained on unlabelled aligned RGB-TIR pairs with
pseudo boxes, from the RGB release network atom_default.pth. ATOM's only trained part is the
IoU-Net (the backbone is frozen in stock ATOM too); the CMD paper reports CMD-ATOM as well."""
import torch.nn as nn
import torch.optim as optim
from ltr import actors
from ltr.data import processing
from ltr.models.bbreg import atom as atom_models

from ltr_cmd import losses as cmd_losses
from ltr_cmd.actors import CrossModalActor
from ltr_cmd.data.transforms import paired_transform
from ltr_cmd.settings_overrides import apply_overrides
from ltr_cmd.training import (cmd_data, explicit_teacher, init_from_teacher, machine_defaults, paired_loader,
                              paired_source)
from ltr_cmd.trainer import CMDTrainer


def run(settings):
    settings.description = 'CMD for ATOM: cross-modal distillation of the IoU-Net on unlabelled RGB-TIR pairs'
    machine_defaults(settings, batch_size=64, num_workers=8)
    settings.print_interval = 1
    settings.search_area_factor = 5.0
    settings.feature_sz = 18
    settings.output_sz = settings.feature_sz * 16
    settings.center_jitter_factor = {'train': 0, 'test': 4.5}
    settings.scale_jitter_factor = {'train': 0, 'test': 0.5}
    settings.num_epochs = 35
    settings.samples_per_epoch = 26000
    cmd_data(settings)  # aligned LasHeR pairs, random pseudo boxes, both directions (training.cmd_data)
    apply_overrides(settings)

    # Data: 6-channel (RGB + TIR) crops through pytracking's own ATOM processing, one reference and
    # one test crop per sample as in stock ATOM (sequence mode keeps the frame dimension the actor splits)
    proposal_params = {'min_iou': 0.1, 'boxes_per_frame': 16, 'sigma_factor': [0.01, 0.05, 0.1, 0.2, 0.3]}
    data_processing_train = processing.ATOMProcessing(search_area_factor=settings.search_area_factor,
                                                      output_sz=settings.output_sz,
                                                      center_jitter_factor=settings.center_jitter_factor,
                                                      scale_jitter_factor=settings.scale_jitter_factor,
                                                      mode='sequence', proposal_params=proposal_params,
                                                      transform=paired_transform(0.2))
    loader_train = paired_loader(settings, paired_source(settings), data_processing_train,
                                 num_train_frames=1, num_test_frames=1)

    net = atom_models.atom_resnet18(backbone_pretrained=False)
    init_from_teacher(net, 'atom_cmd', settings)

    objective = nn.MSELoss()
    # Explicit-teacher terms (ablation; any weight > 0 adds a frozen RGB teacher): see ltr_cmd/losses.py
    distill_objective = {'distill_iou': cmd_losses.IoUPredictionDistillation(),
                         'mimic_iou': cmd_losses.IoUFeatureMimic()}
    distill_weight = {'distill_iou': 0, 'mimic_iou': 0}

    actor = CrossModalActor(actors.AtomActor(net=net, objective=objective),
                            rgb_to_tir_probability=settings.rgb_to_tir_probability,
                            teacher=explicit_teacher(net, distill_weight), objective=distill_objective,
                            loss_weight=distill_weight)

    optimizer = optim.Adam(actor.net.bb_regressor.parameters(), lr=1e-3)
    lr_scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=15, gamma=0.2)
    trainer = CMDTrainer(actor, [loader_train], optimizer, settings, lr_scheduler)
    trainer.train(settings.num_epochs, load_latest=True, fail_safe=settings.fail_safe)
