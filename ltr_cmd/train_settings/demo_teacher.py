"""Demo, step 1: the RGB teacher. A small DiMP-18 trained with labels on the synthetic world's RGB
modality; it stands in for a pytracking release file, which cannot be downloaded here."""
import ltr.data.transforms as tfm
from ltr import actors
from ltr.data import LTRLoader, sampler
from ltr.trainers import LTRTrainer

from ltr_cmd import demo
from ltr_cmd.data.demo_datasets import SyntheticVideoDataset
from ltr_cmd.data.transforms import IMAGENET_MEAN, IMAGENET_STD
from ltr_cmd.training import apply_overrides, recalibrate_batchnorm


def run(settings):
    demo.common_settings(settings, 'Demo RGB teacher: DiMP-18 heads on a frozen random ResNet-18, synthetic RGB')
    settings.num_epochs = demo.TEACHER_EPOCHS
    apply_overrides(settings)

    # Labelled RGB video of the synthetic world
    rgb_video = SyntheticVideoDataset(demo.world(), modality='rgb')
    transform = tfm.Transform(tfm.ToTensorAndJitter(0.2), tfm.Normalize(mean=IMAGENET_MEAN, std=IMAGENET_STD))
    samples = sampler.DiMPSampler([rgb_video], [1], samples_per_epoch=settings.samples_per_epoch, max_gap=10,
                                  num_test_frames=3, num_train_frames=3, processing=demo.processing(transform))
    loader = LTRLoader('train', samples, training=True, batch_size=settings.batch_size,
                       num_workers=settings.num_workers, shuffle=True, drop_last=True, stack_dim=1)

    # Network: random frozen backbone whose BatchNorm statistics are estimated on these crops
    net = demo.network()
    crops = (batch['train_images'].flatten(0, 1) for _ in iter(int, 1) for batch in loader)  # loops over epochs
    recalibrate_batchnorm(net.feature_extractor, lambda: next(crops), batches=8)

    objective, loss_weight = demo.objective_and_weights()
    actor = actors.DiMPActor(net=net, objective=objective, loss_weight=loss_weight)
    optimizer, lr_scheduler = demo.head_optimizer(net)
    trainer = LTRTrainer(actor, [loader], optimizer, settings, lr_scheduler)
    trainer.train(settings.num_epochs, load_latest=True, fail_safe=settings.fail_safe)
