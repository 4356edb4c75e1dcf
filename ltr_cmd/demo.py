"""The built-in demo: what its train settings, its tracker parameter files and its benchmark share. Two
tracker families (MODELS): DiMP (demo_teacher, demo_cmd, demo_control; tracker dimp_cmd) and ToMP
(demo_tomp_teacher, demo_tomp_cmd, demo_tomp_control; tracker tomp_cmd). Sizes (docs/demo.md): what trains
in minutes on a 2-core CPU is a frozen, randomly initialised ResNet-18 (BatchNorm statistics re-estimated
on the synthetic crops) under the tracker's trained heads with a 16x16 score map: DiMP's on layer2 with
128-pixel crops, ToMP's on layer3 with 256-pixel crops.

The seed is `demo.seed` in $PYTRACKING_CMD_SETTINGS (default 1), so several seeds can be compared.
"""
from ltr_cmd import settings_overrides
from ltr_cmd.errors import UserError

WORLD = dict(num_sequences=40, length=100, frame_size=(256, 192))  # unlabelled pairs / RGB training video
# held out (synthetic.demo_benchmark_seed); in half of its sequences (4 of 8) the target leaves the view for
# 10-20 frames and comes back (ground truth 0,0,0,0 there), which the trackers say with params.report_absence
BENCHMARK = dict(num_sequences=8, length=100, frame_size=(256, 192), out_of_view=0.5)
# Thermal rendering, for training and benchmark alike: the target 60 grey levels above the ambient
# temperature, inside the warm distractors' range (45-90), under the 'hard' preset's clutter, blur and
# noise. At 35 (seed 1) every thermal row stayed at 0.01-0.11 success AUC, the CMD student included;
# at 60 the teacher still fails on thermal (0.04) while the student learns it (0.50). The RGB frames
# do not depend on it. docs/demo.md has the measurements.
RENDERING = dict(target_contrast=60)

CROP = 128                # search-region crop, pixels (the DiMP demo's; ToMPDemo.CROP for ToMP)
FEATURE_SZ = CROP // 8    # DiMP heads on layer2 (stride 8): 16x16 score map
SEARCH_AREA = 5.0
BATCH = 8
SAMPLES_PER_EPOCH = 320   # 40 iterations of batch 8
TEACHER_EPOCHS = 4        # 160 iterations (the DiMP demo's; ToMPDemo.TEACHER_EPOCHS for ToMP)
CMD_EPOCHS = 2            # 80 iterations; demo_control runs exactly as many
# Gradient norm clipping (pytracking's settings.grad_clip_max_norm), about the 75th percentile of the
# teacher's gradient norms (median 48). Without it, seed 5's teacher met one gradient of norm 5800 at
# iteration 149; the filter initializer's loss then spiked for five iterations (up to 256) and the
# teacher ended at 0.26 success AUC on RGB (0.60 with clipping). docs/demo.md, gradient clipping.
GRAD_CLIP = 100
# Which samples training draws (ltr_cmd/data/sampling.py): each from a seed of (run seed, sample index)
SAMPLING = 'keyed'


def training_identity(model=None):
    """What shapes the demo's networks (of `model`, default the DiMP demo). Each demo training records it in
    its settings, so in its checkpoints: `reproduce`'s check compares it, and names networks of another
    version of the demo before a rerun resumes from them."""
    identity = dict(world=WORLD, rendering=RENDERING, crop=CROP, feature_sz=FEATURE_SZ, search_area=SEARCH_AREA,
                    batch=BATCH, samples_per_epoch=SAMPLES_PER_EPOCH, teacher_epochs=TEACHER_EPOCHS,
                    cmd_epochs=CMD_EPOCHS, grad_clip=GRAD_CLIP, sampling=SAMPLING)
    identity.update((model or MODELS['dimp']).identity)
    return identity


def training_differences(checkpoint):
    """How the demo training that wrote `checkpoint` (an epoch or interval checkpoint) differs from
    this version's: one 'key: old -> new' line per difference."""
    from ltr_cmd.checkpoints import CorruptCheckpointError, load_checkpoint
    try:
        settings = load_checkpoint(checkpoint).get('settings')
    except CorruptCheckpointError as error:
        return ['cannot be read ({})'.format(error)]
    old = getattr(settings, 'demo_training', None)
    if old is None:
        return ['training settings: not recorded (written before they were)']
    new = training_identity(MODELS.get(old.get('tracker', 'dimp'), MODELS['dimp']))
    return ['{}: {} -> {}'.format(k, old.get(k), new.get(k)) for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k)]


def seed():
    """The demo seed: `demo.seed` in $PYTRACKING_CMD_SETTINGS, default 1."""
    value = settings_overrides.values('demo').get('seed', 1)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise UserError('demo.seed in ${} must be a non-negative integer, got {!r}'.format(
            settings_overrides.VARIABLE, value))
    return value


def world():
    from ltr_cmd.data.synthetic import SyntheticRGBT
    return SyntheticRGBT(seed(), **WORLD, **RENDERING)


def seed_name(name, seed_value):
    """The name of a per-seed thing (training run, benchmark folder): seed 1 keeps `name`, seed N is
    `<name>_seedN`, so seeds never resume or overwrite each other's."""
    return name if seed_value == 1 else '{}_seed{}'.format(name, seed_value)


def run_name(setting):
    """Training run (and parameter) name of a demo setting for the current seed."""
    return seed_name(setting, seed())


def rgb_video_loader(settings, model):
    """Labelled RGB video of the synthetic world through pytracking's stock sampler and `model`'s processing
    (the teacher's and the control's data)."""
    import ltr.data.transforms as tfm
    from ltr.data import sampler
    from ltr_cmd.data.demo_datasets import SyntheticVideoDataset
    from ltr_cmd.data.sampling import EpochLoader
    from ltr_cmd.data.transforms import IMAGENET_MEAN, IMAGENET_STD
    transform = tfm.Transform(tfm.ToTensorAndJitter(0.2), tfm.Normalize(mean=IMAGENET_MEAN, std=IMAGENET_STD))
    train_frames, test_frames = model.frames
    samples = sampler.DiMPSampler([SyntheticVideoDataset(world(), modality='rgb')], [1],
                                  samples_per_epoch=settings.samples_per_epoch, max_gap=10,
                                  num_test_frames=test_frames, num_train_frames=train_frames,
                                  processing=model.processing(transform))
    return EpochLoader('train', samples, settings)


class DiMPDemo:
    """The DiMP demo: pytracking's DiMP-18 heads with the classifier on layer2 (ltr_cmd.models.dimpnet18_layer2),
    DiMPProcessing, DiMPActor, Adam on the heads; tracked by dimp_cmd."""
    name, prefix, tracker, frames = 'dimp', 'demo', 'dimp_cmd', (3, 3)
    TEACHER_EPOCHS = TEACHER_EPOCHS
    FILTER_SZ = 4
    OUT_DIM = 128           # classifier feature channels (layer2's own width)
    LEARNING_RATE = 1e-3    # Adam on the heads (2e-3 gave a loss spike)
    identity = dict(filter_sz=FILTER_SZ, out_dim=OUT_DIM, learning_rate=LEARNING_RATE)

    def network(self):
        """DiMP-18 heads, the classifier on layer2, on a frozen ResNet-18 (random weights: no download here)."""
        from ltr_cmd.models import dimpnet18_layer2
        return dimpnet18_layer2(filter_size=self.FILTER_SZ, out_feature_dim=self.OUT_DIM, backbone_pretrained=False,
                                optim_iter=5, init_gauss_sigma=(0.25 / SEARCH_AREA) * FEATURE_SZ,
                                frozen_backbone_layers='all')

    def processing(self, transform):
        """pytracking's DiMPProcessing at the demo's sizes (test jitter 3 / 0.25)."""
        from ltr.data import processing
        return processing.DiMPProcessing(
            search_area_factor=SEARCH_AREA, output_sz=CROP, center_jitter_factor={'train': 3, 'test': 3},
            scale_jitter_factor={'train': 0.25, 'test': 0.25}, mode='sequence',
            proposal_params={'min_iou': 0.1, 'boxes_per_frame': 8, 'sigma_factor': [0.01, 0.05, 0.1, 0.2, 0.3]},
            label_function_params={'feature_sz': FEATURE_SZ, 'sigma_factor': 0.25 / SEARCH_AREA,
                                   'kernel_sz': self.FILTER_SZ}, transform=transform)

    def actor(self, net):
        import torch.nn as nn
        import ltr.models.loss as ltr_losses
        from ltr import actors
        objective = {'iou': nn.MSELoss(), 'test_clf': ltr_losses.LBHinge(threshold=0.05)}
        return actors.DiMPActor(net=net, objective=objective,
                                loss_weight={'iou': 1, 'test_clf': 100, 'test_init_clf': 100, 'test_iter_clf': 400})

    def optimizer(self, net):
        """Adam on the heads, and a scheduler (LTRTrainer needs one) that keeps the rate over the demo's epochs."""
        import torch.optim as optim
        optimizer = optim.Adam([{'params': net.classifier.parameters()}, {'params': net.bb_regressor.parameters()}],
                               lr=self.LEARNING_RATE)
        return optimizer, optim.lr_scheduler.StepLR(optimizer, step_size=15, gamma=0.2)


class ToMPDemo:
    """The ToMP demo: a small ToMP on layer3 (ltr_cmd.models.tompnet18), pytracking's
    LTRBDenseRegressionProcessing, ToMPActor (GIoU + hinge, as tomp50), AdamW on the head; tracked by tomp_cmd.
    Its crops are twice the DiMP demo's: pytracking's ToMP tracker assumes stride 16 (tracker/tomp/tomp.py,
    direct_bbox_regression), so the heads sit on layer3, and 256 pixels give the same 16x16 score map."""
    name, prefix, tracker, frames = 'tomp', 'demo_tomp', 'tomp_cmd', (2, 1)
    CROP, STRIDE = 256, 16
    FEATURE_SZ = CROP // STRIDE
    # 320 iterations: seed 1's teacher scored 0.146 success AUC on RGB after 160, 0.190 after 320 (docs/demo.md)
    TEACHER_EPOCHS = 8
    OUT_DIM = 64             # head feature and transformer width
    LEARNING_RATE = 1e-3     # AdamW on the head (tomp50: 1e-4 for 300 epochs; the demo has minutes)
    identity = dict(tracker='tomp', crop=CROP, feature_sz=FEATURE_SZ, out_dim=OUT_DIM, learning_rate=LEARNING_RATE,
                    transformer_layers=(1, 1), teacher_epochs=TEACHER_EPOCHS)

    def network(self):
        from ltr_cmd.models import tompnet18
        return tompnet18(out_feature_dim=self.OUT_DIM, feature_sz=self.FEATURE_SZ, backbone_pretrained=False,
                         frozen_backbone_layers='all')

    def processing(self, transform):
        """pytracking's LTRBDenseRegressionProcessing at the ToMP demo's sizes (reference crops not jittered,
        test jitter 3 / 0.25)."""
        from ltr.data import processing
        return processing.LTRBDenseRegressionProcessing(
            search_area_factor=SEARCH_AREA, output_sz=self.CROP, center_jitter_factor={'train': 0., 'test': 3},
            scale_jitter_factor={'train': 0., 'test': 0.25}, crop_type='inside_major', max_scale_change=1.5,
            mode='sequence', stride=self.STRIDE,
            label_function_params={'feature_sz': self.FEATURE_SZ, 'sigma_factor': 0.25 / SEARCH_AREA, 'kernel_sz': 1},
            use_normalized_coords=True, center_sampling_radius=1.0, transform=transform)

    def actor(self, net):
        import ltr.models.loss as ltr_losses
        from ltr.actors.tracking import ToMPActor
        from ltr.models.loss.bbr_loss import GIoULoss
        return ToMPActor(net=net, objective={'giou': GIoULoss(), 'test_clf': ltr_losses.LBHinge(threshold=0.05)},
                         loss_weight={'giou': 1.0, 'test_clf': 100.0})

    def optimizer(self, net):
        import torch.optim as optim
        optimizer = optim.AdamW([{'params': net.head.parameters()}], lr=self.LEARNING_RATE, weight_decay=1e-4)
        return optimizer, optim.lr_scheduler.StepLR(optimizer, step_size=15, gamma=0.2)


MODELS = {model.name: model for model in (DiMPDemo(), ToMPDemo())}


def setting(model, role):
    """The train setting (and parameter file) of `role` ('teacher', 'cmd', 'control') in `model`'s demo."""
    return '{}_{}'.format(model.prefix, role)


def common_settings(settings, description, model):
    import torch
    from ltr_cmd import distributed
    settings.description = description
    settings.batch_size = BATCH
    settings.num_workers = 0
    settings.print_interval = 10
    settings.grad_clip_max_norm = GRAD_CLIP
    settings.samples_per_epoch = SAMPLES_PER_EPOCH
    settings.fail_safe = True
    settings.demo_seed = seed()
    settings.demo_training = training_identity(model)
    settings.seed = settings.demo_seed
    settings.device = torch.device('cpu')  # minutes on a CPU by design; a GPU gains little at these sizes
    settings.project_path = 'ltr/cmd/' + run_name(settings.script_name)
    distributed.seed(settings)  # before the network's random initialisation


def teacher_checkpoint(settings, model):
    from ltr_cmd import checkpoints
    teacher = setting(model, 'teacher')
    path = checkpoints.latest_checkpoint(run_name(teacher), settings.env)
    if path is None:
        raise FileNotFoundError('the demo teacher has not been trained: no checkpoint in {}. Run '
                                '`python run_training.py cmd {}` first (same demo.seed in ${}).'
                                .format(checkpoints.training_dir(run_name(teacher), settings.env), teacher,
                                        settings_overrides.VARIABLE))
    return path
