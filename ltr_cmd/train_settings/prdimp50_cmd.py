"""CMD for PrDiMP-50: pytracking's dimp/prdimp50 setting trained on unlabelled aligned RGB-TIR pairs
with pseudo boxes, backbone frozen, from the RGB release network prdimp50.pth.tar. Schedule as in
super_dimp_cmd (the CMD authors' choices)."""
import torch.optim as optim
import ltr.models.loss.kl_regression as klreg_losses
import ltr.actors.tracking as tracking_actors
from ltr.data import processing
from ltr.models.tracking import dimpnet

from ltr_cmd import losses as cmd_losses
from ltr_cmd.actors import CrossModalActor
from ltr_cmd.data.transforms import paired_transform
from ltr_cmd.settings_overrides import apply_overrides
from ltr_cmd.training import (cmd_data, explicit_teacher, init_from_teacher, machine_defaults, paired_loader,
                              paired_source)
from ltr_cmd.trainer import CMDTrainer


def run(settings):
    settings.description = 'CMD for PrDiMP-50: cross-modal distillation on unlabelled RGB-TIR pairs'
    machine_defaults(settings, batch_size=10, num_workers=8)
    settings.print_interval = 1
    settings.search_area_factor = 5.0
    settings.output_sigma_factor = 1/4
    settings.target_filter_sz = 4
    settings.feature_sz = 18
    settings.output_sz = settings.feature_sz * 16
    settings.center_jitter_factor = {'train': 3, 'test': 4.5}
    settings.scale_jitter_factor = {'train': 0.25, 'test': 0.5}
    settings.num_epochs = 35
    settings.samples_per_epoch = 26000
    cmd_data(settings)  # aligned LasHeR pairs, random pseudo boxes, both directions (training.cmd_data)
    apply_overrides(settings)

    # Data: 6-channel (RGB + TIR) crops through pytracking's own KLDiMP processing
    output_sigma = settings.output_sigma_factor / settings.search_area_factor
    proposal_params = {'boxes_per_frame': 128, 'gt_sigma': (0.05, 0.05), 'proposal_sigma': [(0.05, 0.05), (0.5, 0.5)]}
    label_params = {'feature_sz': settings.feature_sz, 'sigma_factor': output_sigma, 'kernel_sz': settings.target_filter_sz}
    data_processing_train = processing.KLDiMPProcessing(search_area_factor=settings.search_area_factor,
                                                        output_sz=settings.output_sz,
                                                        center_jitter_factor=settings.center_jitter_factor,
                                                        scale_jitter_factor=settings.scale_jitter_factor,
                                                        mode='sequence',
                                                        proposal_params=proposal_params,
                                                        label_function_params=label_params,
                                                        label_density_params=dict(label_params, normalize=True),
                                                        transform=paired_transform(0.2))
    loader_train = paired_loader(settings, paired_source(settings), data_processing_train,
                                 num_train_frames=3, num_test_frames=3)

    # Network: the RGB release network, backbone frozen
    net = dimpnet.klcedimpnet50(filter_size=settings.target_filter_sz, backbone_pretrained=False, optim_iter=5,
                                clf_feat_norm=True, clf_feat_blocks=0, final_conv=True, out_feature_dim=512,
                                optim_init_step=1.0, optim_init_reg=0.05, optim_min_reg=0.05,
                                gauss_sigma=output_sigma * settings.feature_sz, alpha_eps=0.05, normalize_label=True,
                                init_initializer='zero', frozen_backbone_layers='all')
    init_from_teacher(net, 'prdimp50_cmd', settings)

    objective = {'bb_ce': klreg_losses.KLRegression(), 'clf_ce': klreg_losses.KLRegressionGrid()}
    loss_weight = {'bb_ce': 0.0025, 'clf_ce': 0.25, 'clf_ce_init': 0.25, 'clf_ce_iter': 1.0}
    # Explicit-teacher terms (ablation; any weight > 0 adds a frozen RGB teacher): see ltr_cmd/losses.py
    distill_objective = {'distill_clf': cmd_losses.ScoreMapDistillation(mode='kl', temperature=2.0),
                         'distill_iou': cmd_losses.IoUPredictionDistillation(),
                         'mimic_clf': cmd_losses.ClassifierFeatureMimic(),
                         'mimic_iou': cmd_losses.IoUFeatureMimic()}
    distill_weight = {'distill_clf': 0, 'distill_iou': 0, 'mimic_clf': 0, 'mimic_iou': 0}

    actor = CrossModalActor(tracking_actors.KLDiMPActor(net=net, objective=objective, loss_weight=loss_weight),
                            rgb_to_tir_probability=settings.rgb_to_tir_probability,
                            teacher=explicit_teacher(net, distill_weight), objective=distill_objective,
                            loss_weight=distill_weight)

    optimizer = optim.Adam([{'params': actor.net.classifier.parameters(), 'lr': 1e-3},
                            {'params': actor.net.bb_regressor.parameters(), 'lr': 1e-3}],
                           lr=2e-4)
    lr_scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=15, gamma=0.2)
    trainer = CMDTrainer(actor, [loader_train], optimizer, settings, lr_scheduler)
    trainer.train(settings.num_epochs, load_latest=True, fail_safe=settings.fail_safe)
