"""Demo, control: the demo teacher trained on, on labelled RGB only, for exactly as many iterations
as demo_cmd (demo_tomp_control: as demo_tomp_cmd). A student that beats the teacher on thermal must also
beat this, or its gain is just more training (docs/demo.md)."""
from ltr.admin import loading

from ltr_cmd import demo
from ltr_cmd.settings_overrides import apply_overrides
from ltr_cmd.trainer import CMDTrainer


def run(settings, model=demo.MODELS['dimp']):
    demo.common_settings(settings, 'Demo control: the demo {} teacher continued on labelled RGB, as long as the '
                                   'student'.format(model.name), model)
    settings.num_epochs = demo.CMD_EPOCHS
    apply_overrides(settings)

    loader = demo.rgb_video_loader(settings, model)

    net = model.network()
    loading.load_weights(net, str(demo.teacher_checkpoint(settings, model)))

    actor = model.actor(net)
    optimizer, lr_scheduler = model.optimizer(net)
    trainer = CMDTrainer(actor, [loader], optimizer, settings, lr_scheduler)
    trainer.train(settings.num_epochs, load_latest=True, fail_safe=settings.fail_safe)
