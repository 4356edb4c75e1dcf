"""Demo, step 2: cross-modal distillation of the demo teacher to thermal, on UNLABELLED aligned
pairs of the synthetic world, with pseudo boxes from an ideal detector of the target class (the CMD
authors' `detections` approach; the pairs carry no tracking labels). demo_tomp_cmd: the same for ToMP."""
from ltr.admin import loading

from ltr_cmd import demo
from ltr_cmd.actors import CrossModalActor
from ltr_cmd.data.demo_datasets import SyntheticObjectBoxes, SyntheticPairSource
from ltr_cmd.data.transforms import paired_transform
from ltr_cmd.settings_overrides import apply_overrides
from ltr_cmd.training import paired_loader
from ltr_cmd.trainer import CMDTrainer


def run(settings, model=demo.MODELS['dimp']):
    demo.common_settings(settings, 'Demo CMD: the demo {} teacher distilled to thermal on unlabelled RGB-TIR '
                                   'pairs'.format(model.name), model)
    settings.num_epochs = demo.CMD_EPOCHS
    settings.frame_step = 1
    settings.rgb_to_tir_probability = 0.5
    apply_overrides(settings)

    # Unlabelled aligned pairs; 6-channel crops through pytracking's processing
    world = demo.world()
    loader = paired_loader(settings, SyntheticPairSource(world), model.processing(paired_transform(0.2)),
                           *model.frames, pseudo_boxes=SyntheticObjectBoxes(world, target_class_only=True))

    # Student initialised from the teacher (same frozen backbone, BatchNorm statistics included)
    net = model.network()
    loading.load_weights(net, str(demo.teacher_checkpoint(settings, model)))

    actor = CrossModalActor(model.actor(net), rgb_to_tir_probability=settings.rgb_to_tir_probability)
    optimizer, lr_scheduler = model.optimizer(net)
    trainer = CMDTrainer(actor, [loader], optimizer, settings, lr_scheduler)
    trainer.train(settings.num_epochs, load_latest=True, fail_safe=settings.fail_safe)
