"""Demo, step 1: the RGB teacher. A small DiMP-18 trained with labels on the synthetic world's RGB
modality; it stands in for a pytracking release file, which cannot be downloaded here."""
from ltr import actors

from ltr_cmd import demo
from ltr_cmd.settings_overrides import apply_overrides
from ltr_cmd.training import recalibrate_batchnorm
from ltr_cmd.trainer import CMDTrainer


def run(settings):
    demo.common_settings(settings, 'Demo RGB teacher: DiMP-18 heads on a frozen random ResNet-18, synthetic RGB')
    settings.num_epochs = demo.TEACHER_EPOCHS
    apply_overrides(settings)

    loader = demo.rgb_video_loader(settings)

    # Network: random frozen backbone whose BatchNorm statistics are estimated on these crops
    net = demo.network()
    crops = (batch['train_images'].flatten(0, 1) for _ in iter(int, 1) for batch in loader)  # loops over epochs
    recalibrate_batchnorm(net.feature_extractor, lambda: next(crops), batches=8)

    objective, loss_weight = demo.objective_and_weights()
    actor = actors.DiMPActor(net=net, objective=objective, loss_weight=loss_weight)
    optimizer, lr_scheduler = demo.head_optimizer(net)
    trainer = CMDTrainer(actor, [loader], optimizer, settings, lr_scheduler)
    trainer.train(settings.num_epochs, load_latest=True, fail_safe=settings.fail_safe)
