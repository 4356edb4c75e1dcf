"""What the CMD train settings share: the paired data pipeline, teacher files, machine defaults.

Kept out of the settings so each setting reads top to bottom like pytracking's own, and differs
from its stock twin (ltr/train_settings/dimp/*.py, bbreg/atom.py) only where CMD differs.
"""
import copy
import os

import torch
from ltr.admin import loading
from ltr.data import sampler

from ltr_cmd import checkpoints, distributed
from ltr_cmd.data import rgbt_sources
from ltr_cmd.data.dataset_files import format_list
from ltr_cmd.data.paired_dataset import PairedFrameDataset, SampleCounts
from ltr_cmd.data.pseudo_boxes import make_pseudo_box_generator
from ltr_cmd.data.sampling import EpochLoader
from ltr_cmd.device import use_gpu
from ltr_cmd.errors import UserError


def machine_defaults(settings, batch_size, num_workers):
    """A setting's GPU batch size and workers, or CPU-sized ones (batch 2, no workers) without CUDA."""
    settings.use_gpu = use_gpu()
    settings.device = torch.device('cuda:0' if settings.use_gpu else 'cpu')
    settings.batch_size = batch_size if settings.use_gpu else 2
    settings.num_workers = num_workers if settings.use_gpu else 0
    # pytracking's default (True) restarts an epoch after any error, up to 10 times; unusable frames are
    # replaced in PairedFrameDataset, so an error that remains is real and is raised at once.
    settings.fail_safe = False


def cmd_data(settings):
    """The CMD data of every real setting (the CMD authors' choices, docs/training.md); a setting, or
    $PYTRACKING_CMD_SETTINGS applied after it, changes any of them:

        cmd_source = 'lasher'         the aligned RGB-TIR source; root: ltr/admin/local.py lasher_dir (docs/data.md)
        frame_step = 1                every frame pair
        pseudo_boxes = 'random'       center | random | detection (docs/data.md)
        pseudo_box_params = {'count': 5, 'size_range': (100, 100), 'min_spacing': 100, 'seed': 0}
        rgb_to_tir_probability = 0.5  share of samples with an RGB reference and a TIR test crop (the rest: the swap)
    """
    settings.cmd_source = 'lasher'
    settings.frame_step = 1
    settings.pseudo_boxes = 'random'
    settings.pseudo_box_params = {'count': 5, 'size_range': (100, 100), 'min_spacing': 100, 'seed': 0}
    settings.rgb_to_tir_probability = 0.5


def paired_source(settings):
    """The aligned RGB-TIR source named by settings.cmd_source, rooted at its ltr/admin/local.py attribute.

    Sequences that cannot be paired safely are skipped (reported by paired_loader), or, with
    settings.cmd_strict = True, stop the run.
    """
    attribute = rgbt_sources.ROOT_ATTRIBUTES.get(settings.cmd_source)
    root = getattr(settings, 'cmd_source_root', None) or getattr(settings.env, attribute or '', None)
    return rgbt_sources.make_source(settings.cmd_source, root, strict=getattr(settings, 'cmd_strict', False),
                                    log_skipped=False,
                                    index_dir=os.path.join(settings.env.workspace_dir, 'source_index'))


def data_summary(settings, source, dataset, pseudo_boxes, shown=20):
    """Print what training uses and what it skipped, and why; the full skipped list goes to a file.

    args:
        shown - skipped sequences printed; all of them are written to
            <workspace_dir>/logs/<project_path>/skipped_sequences.txt
    returns:
        the path of that file, or None when nothing was skipped
    """
    if not distributed.is_main_process():  # every rank reads the same source; rank 0 says what it holds
        return None
    skipped = getattr(source, 'skipped', [])
    index = getattr(source, 'index', None)
    print('CMD training data: {} pairs from {} ({} sequences; {} skipped), pseudo boxes: {!r}{}'.format(
        len(dataset), source.name, len(source.sequences), len(skipped), pseudo_boxes,
        '' if index is None else '; index file {} ({} folders read again)'.format(index.path, index.reread)))
    if not skipped:
        return None
    lines = ['{} ({}): {}'.format(s.name, s.path, s.reason) for s in skipped]
    path = os.path.join(settings.env.workspace_dir, 'logs', getattr(settings, 'project_path', 'ltr'),
                        'skipped_sequences.txt')
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w', encoding='utf-8') as f:
        f.write('\n'.join(lines) + '\n')
    print('skipped sequences (settings.cmd_strict = True makes these errors; full list in {}):\n  {}'.format(
        path, format_list(lines, shown, '\n  ')))
    return path


def paired_loader(settings, source, processing, num_train_frames, num_test_frames, pseudo_boxes=None):
    """Sampler and loader of CMD samples: pairs of `source` with pseudo boxes, one-frame sequences.

    Every sampled pair (and pseudo box) gives the reference and test crops; the processing jitters
    them independently, as pytracking does for two frames of a video.
    """
    if pseudo_boxes is None:
        pseudo_boxes = make_pseudo_box_generator(settings.pseudo_boxes, **settings.pseudo_box_params)
    dataset = PairedFrameDataset(source, pseudo_boxes, frame_step=settings.frame_step)
    data_summary(settings, source, dataset, pseudo_boxes)
    # samples_per_epoch: EpochLoader draws this rank's share; the sampler's own count is not used
    samples = sampler.DiMPSampler([dataset], [1], samples_per_epoch=settings.samples_per_epoch, max_gap=1,
                                  num_test_frames=num_test_frames, num_train_frames=num_train_frames,
                                  processing=SampleCounts(processing, dataset))
    return EpochLoader('train', samples, settings)


def init_from_teacher(net, setting, settings):
    """Load the RGB release network of `setting` into the student (same architecture); return its path."""
    path = checkpoints.require_release_file(setting, ltr_env=settings.env)
    loading.load_weights(net, str(path), strict=True)
    print('{}: student initialised from {}'.format(setting, path))
    return path


def student_from_teacher(setting, settings, constructor, **kwargs):
    """The RGB release network of `setting`, rebuilt by pytracking's load_network from the file's own
    constructor, as the student. For baselines whose releases were built with arguments their train setting
    does not show (ToMP's use_test_frame_encoding, for one): the student then has the release's architecture
    whatever they were.

    args:
        constructor - the network function the release file must name (e.g. tompnet.tompnet50)
        kwargs - constructor arguments replaced in the student (e.g. frozen_backbone_layers='all'); its
                 checkpoints record them, so stock load_network rebuilds the student as trained
    """
    path = checkpoints.require_release_file(setting, ltr_env=settings.env)
    net, _ = loading.load_network(str(path), backbone_pretrained=False, **kwargs)
    built = '{}.{}'.format(net.constructor.fun_module, net.constructor.fun_name)
    expected = '{}.{}'.format(constructor.__module__, constructor.__name__)
    if built != expected:
        raise UserError('{} holds a {} network, but {} starts from {}: put the release file of that network '
                        'there (pytracking\'s MODEL_ZOO.md)'.format(path, built, setting, expected))
    print('{}: student initialised from {} ({})'.format(setting, path, built))
    return net


def frozen_copy(net):
    """A frozen copy of `net` (eval mode, no gradients), e.g. the explicit RGB teacher."""
    teacher = copy.deepcopy(net).eval()
    for parameter in teacher.parameters():
        parameter.requires_grad_(False)
    return teacher


def explicit_teacher(net, loss_weight):
    """A frozen copy of the freshly initialised student when any explicit-teacher term has a weight."""
    return frozen_copy(net) if any(loss_weight.values()) else None


@torch.no_grad()
def recalibrate_batchnorm(backbone, images, batches):
    """Re-estimate the BatchNorm statistics of `backbone` from `batches` batches of `images()`
    (cumulative average), leaving its weights alone. Used by the demo's random frozen backbone."""
    norms = [m for m in backbone.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    saved = [(m.momentum, m.training) for m in norms]
    for m in norms:
        m.reset_running_stats()
        m.momentum = None
        m.train()
    for _ in range(batches):
        backbone(images())
    for m, (momentum, training) in zip(norms, saved):
        m.momentum = momentum
        m.train(training)
