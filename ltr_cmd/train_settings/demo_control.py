"""Demo, control: the demo teacher trained on, on labelled RGB only, for exactly as many iterations
as demo_cmd. A student that beats the teacher on thermal must also beat this, or its gain is just
more training (docs/training.md, the demo)."""
from ltr import actors
from ltr.admin import loading

from ltr_cmd import demo
from ltr_cmd.settings_overrides import apply_overrides
from ltr_cmd.trainer import CMDTrainer


def run(settings):
    demo.common_settings(settings, 'Demo control: the demo teacher continued on labelled RGB, as long as demo_cmd')
    settings.num_epochs = demo.CMD_EPOCHS
    apply_overrides(settings)

    loader = demo.rgb_video_loader(settings)

    net = demo.network()
    loading.load_weights(net, str(demo.teacher_checkpoint(settings)))

    objective, loss_weight = demo.objective_and_weights()
    actor = actors.DiMPActor(net=net, objective=objective, loss_weight=loss_weight)
    optimizer, lr_scheduler = demo.head_optimizer(net)
    trainer = CMDTrainer(actor, [loader], optimizer, settings, lr_scheduler)
    trainer.train(settings.num_epochs, load_latest=True, fail_safe=settings.fail_safe)
