"""Demo, step 1: the RGB teacher. A small DiMP-18 (or, with model=ToMP: demo_tomp_teacher, a small ToMP)
trained with labels on the synthetic world's RGB modality; it stands in for a pytracking release file, which
cannot be downloaded here."""
from ltr_cmd import demo
from ltr_cmd.settings_overrides import apply_overrides
from ltr_cmd.training import recalibrate_batchnorm
from ltr_cmd.trainer import CMDTrainer


def run(settings, model=demo.MODELS['dimp']):
    demo.common_settings(settings, 'Demo RGB teacher: {} heads on a frozen random ResNet-18, synthetic RGB'.format(
        model.name), model)
    settings.num_epochs = model.TEACHER_EPOCHS
    apply_overrides(settings)

    loader = demo.rgb_video_loader(settings, model)

    # Network: random frozen backbone whose BatchNorm statistics are estimated on these crops
    net = model.network()
    crops = (batch['train_images'].flatten(0, 1) for _ in iter(int, 1) for batch in loader)  # loops over epochs
    recalibrate_batchnorm(net.feature_extractor, lambda: next(crops), batches=8)

    actor = model.actor(net)
    optimizer, lr_scheduler = model.optimizer(net)
    trainer = CMDTrainer(actor, [loader], optimizer, settings, lr_scheduler)
    trainer.train(settings.num_epochs, load_latest=True, fail_safe=settings.fail_safe)
