"""CMD training step vs the stock baseline step, and the paired data pipeline's throughput.

    python benchmarks/train_step.py [--baselines dimp18 dimp50 super_dimp prdimp50 atom tomp50 tomp101] [--steps 3]
                                    [--workers 2]

For each baseline, on the SAME batch of paired crops (random-initialised network, frozen backbone,
the setting's optimiser groups), each variant runs in its own process (so peak memory is its own):
  real    - pytracking's own step as its setting trains it: RGB halves, its backbone layers
            trainable (dimp18/dimp50/prdimp50: the whole feature_extractor; super_dimp, tomp50, tomp101:
            layer3, with ToMP's frozen backbone BatchNorm; atom: as the stock variant, its setting
            optimises the IoU-Net only)
  stock   - the baseline's own actor on the RGB halves with CMD's frozen backbone
  cmd     - CrossModalActor around that actor (the default CMD method)
  teacher - CrossModalActor with every explicit-teacher term of that network on (a frozen RGB teacher runs too)
  cmd-bf16, cmd-fp16 - the CMD step under autocast (ltr_cmd/trainer.py AutocastNet), with CUDA only
Printed: median step time (forward + backward + optimiser step) and peak RSS, as ratios to stock
measured in the same run, and the CMD step against the real stock step (cmd/real). Then the paired
pipeline (PairedFrameDataset + DiMPProcessing from JPEG files on disk, through LTRLoader with
--workers worker processes, default 2) in samples per second, against the stock single-modality
pipeline (visible frames only) on the same files. Needs a registered pytracking checkout.
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))

BASELINES = ('dimp18', 'dimp50', 'super_dimp', 'prdimp50', 'atom', 'tomp50', 'tomp101')


# Backbone layers pytracking's own settings (ltr/train_settings/dimp/*.py, tomp/*.py) leave frozen
STOCK_FROZEN = {'dimp18': (), 'dimp50': (), 'prdimp50': (), 'super_dimp': ['conv1', 'bn1', 'layer1', 'layer2'],
                'tomp50': ['conv1', 'bn1', 'layer1', 'layer2'], 'tomp101': ['conv1', 'bn1', 'layer1', 'layer2']}
# The explicit-teacher terms each network has (ltr_cmd/losses.py); the DiMP family has all but mimic_head
NETWORK_TERMS = {'atom': ('distill_iou', 'mimic_iou'), 'tomp50': ('distill_clf', 'mimic_head'),
                 'tomp101': ('distill_clf', 'mimic_head')}
DIMP_TERMS = ('distill_clf', 'distill_iou', 'mimic_clf', 'mimic_iou')


def build(baseline, frozen='all'):
    """(net, stock actor, optimiser parameters, processing, (reference, test) frames) as the CMD setting builds
    them, or with the backbone layers `frozen` of pytracking's own setting."""
    import torch.nn as nn
    import ltr.models.loss as ltr_losses
    import ltr.models.loss.kl_regression as klreg_losses
    from ltr import actors
    from ltr.actors import tracking as tracking_actors
    from ltr.data import processing
    from ltr.models.bbreg import atom
    from ltr.models.loss.bbr_loss import GIoULoss
    from ltr.models.tracking import dimpnet, tompnet
    from ltr_cmd.data.transforms import paired_joint_transform, paired_transform
    crop, feat, area = {'super_dimp': (352, 22, 6.0)}.get(baseline, (288, 18, 5.0))
    label = {'feature_sz': feat, 'sigma_factor': 0.25 / area, 'kernel_sz': 4}
    jitter = dict(search_area_factor=area, output_sz=crop, center_jitter_factor={'train': 3, 'test': 4.5},
                  scale_jitter_factor={'train': 0.25, 'test': 0.5}, mode='sequence', transform=paired_transform(0.2))
    if baseline == 'atom':
        net = atom.atom_resnet18(backbone_pretrained=False)
        proc = processing.ATOMProcessing(proposal_params={'min_iou': 0.1, 'boxes_per_frame': 16,
                                                          'sigma_factor': [0.01, 0.05, 0.1, 0.2, 0.3]}, **jitter)
        return net, actors.AtomActor(net, nn.MSELoss()), net.bb_regressor.parameters(), proc, (1, 1)
    if baseline.startswith('tomp'):  # ltr/train_settings/tomp/tomp50.py, ltr_cmd/train_settings/tomp50_cmd.py
        proc = processing.LTRBDenseRegressionProcessing(
            search_area_factor=area, output_sz=crop, center_jitter_factor={'train': 0., 'test': 4.5},
            scale_jitter_factor={'train': 0., 'test': 0.5}, crop_type='inside_major', max_scale_change=1.5,
            mode='sequence', label_function_params=dict(label, kernel_sz=1), use_normalized_coords=True,
            center_sampling_radius=1.0, transform=paired_transform(0.2, flip_probability=0.5),
            joint_transform=paired_joint_transform(grayscale_probability=0.05, flip_probability=0.5))
        net = {'tomp50': tompnet.tompnet50, 'tomp101': tompnet.tompnet101}[baseline](
            filter_size=1, backbone_pretrained=False, head_feat_blocks=0, out_feature_dim=256, feature_sz=feat,
            use_test_frame_encoding=False, frozen_backbone_layers=frozen)
        actor = tracking_actors.ToMPActor(net, {'giou': GIoULoss(), 'test_clf': ltr_losses.LBHinge(threshold=0.05)},
                                          {'giou': 1.0, 'test_clf': 100.0})
        return net, actor, [p for p in net.parameters() if p.requires_grad], proc, (2, 1)
    if baseline in ('super_dimp', 'prdimp50'):
        kl = dict(proposal_params={'boxes_per_frame': 128, 'gt_sigma': (0.05, 0.05),
                                   'proposal_sigma': [(0.05, 0.05), (0.5, 0.5)]},
                  label_function_params=label, label_density_params=dict(label, normalize=baseline == 'prdimp50'))
        proc = processing.KLDiMPProcessing(**kl, **jitter)
        if baseline == 'super_dimp':
            net = dimpnet.dimpnet50(filter_size=4, backbone_pretrained=False, clf_feat_blocks=0, out_feature_dim=512,
                                    num_dist_bins=100, bin_displacement=0.1, frozen_backbone_layers=frozen)
            objective = {'bb_ce': klreg_losses.KLRegression(), 'test_clf': ltr_losses.LBHinge(threshold=0.05)}
            weights = {'bb_ce': 0.01, 'test_clf': 100, 'test_init_clf': 100, 'test_iter_clf': 400}
        else:
            net = dimpnet.klcedimpnet50(filter_size=4, backbone_pretrained=False, clf_feat_blocks=0,
                                        out_feature_dim=512, init_initializer='zero', frozen_backbone_layers=frozen)
            objective = {'bb_ce': klreg_losses.KLRegression(), 'clf_ce': klreg_losses.KLRegressionGrid()}
            weights = {'bb_ce': 0.0025, 'clf_ce': 0.25, 'clf_ce_init': 0.25, 'clf_ce_iter': 1.0}
        actor = tracking_actors.KLDiMPActor(net, objective, weights)
    else:
        proc = processing.DiMPProcessing(proposal_params={'min_iou': 0.1, 'boxes_per_frame': 8,
                                                          'sigma_factor': [0.01, 0.05, 0.1, 0.2, 0.3]},
                                         label_function_params=label, **jitter)
        factory = dimpnet.dimpnet18 if baseline == 'dimp18' else dimpnet.dimpnet50
        extra = {} if baseline == 'dimp18' else dict(clf_feat_blocks=0, out_feature_dim=512)
        net = factory(filter_size=4, backbone_pretrained=False, num_dist_bins=100, bin_displacement=0.1,
                      frozen_backbone_layers=frozen, **extra)
        actor = actors.DiMPActor(net, {'iou': nn.MSELoss(), 'test_clf': ltr_losses.LBHinge(threshold=0.05)},
                                 {'iou': 1, 'test_clf': 100, 'test_init_clf': 100, 'test_iter_clf': 400})
    return net, actor, [p for p in net.parameters() if p.requires_grad], proc, (3, 3)


def one_batch(processing, frames, batch_size):
    """A fixed batch of paired crops from the synthetic world (seeded)."""
    import random
    import numpy as np
    import torch
    from ltr.data import LTRLoader
    from ltr_cmd.data.demo_datasets import SyntheticObjectBoxes, SyntheticPairSource
    from ltr_cmd.data.synthetic import SyntheticRGBT
    from ltr_cmd.training import paired_loader
    random.seed(0), np.random.seed(0), torch.manual_seed(0)
    world = SyntheticRGBT(0, num_sequences=4, length=10, frame_size=(640, 480))

    class Settings:
        samples_per_epoch, num_workers, frame_step = batch_size, 0, 1
    Settings.batch_size = batch_size
    loader = paired_loader(Settings, SyntheticPairSource(world), processing, *frames,
                           pseudo_boxes=SyntheticObjectBoxes(world))
    assert isinstance(loader, LTRLoader)
    return next(iter(loader))


def child(baseline, variant, steps, batch_size):
    import torch
    from ltr.trainers.ltr_trainer import freeze_batchnorm_layers
    from ltr_cmd import losses
    from ltr_cmd.actors import CrossModalActor, rgb_views
    from ltr_cmd.training import frozen_copy
    torch.manual_seed(0)
    from ltr_cmd.trainer import AMP_DTYPES, AutocastNet
    device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
    real = variant == 'real' and baseline in STOCK_FROZEN
    net, stock, parameters, processing, frames = build(baseline, STOCK_FROZEN[baseline] if real else 'all')
    data = one_batch(processing, frames, batch_size).to(device)
    if variant.startswith('cmd-'):
        stock.net = AutocastNet(net, device.type, AMP_DTYPES[variant[4:]])
    if variant in ('real', 'stock'):
        actor, data = stock, rgb_views(data)
    else:
        terms = {} if variant.startswith('cmd') else {key: losses.TERMS[key]()
                                                      for key in NETWORK_TERMS.get(baseline, DIMP_TERMS)}
        actor = CrossModalActor(stock, 0.5, teacher=frozen_copy(net) if terms else None, objective=terms,
                                loss_weight={k: 1.0 for k in terms})
    actor.to(device)
    optimizer = torch.optim.Adam(parameters, lr=1e-5)
    scaler = torch.amp.GradScaler(device.type, enabled=variant == 'cmd-fp16')
    actor.train(True)
    if baseline.startswith('tomp'):  # freeze_backbone_bn_layers, as the ToMP settings give it to the trainer
        freeze_batchnorm_layers(net.feature_extractor)
    times = []
    for step in range(steps + 1):
        started = time.perf_counter()
        loss, _ = actor(data)
        optimizer.zero_grad()
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()
        if device.type == 'cuda':
            torch.cuda.synchronize()
        if step:  # the first step warms up
            times.append(time.perf_counter() - started)
    print(json.dumps({'time': statistics.median(times),
                      'rss_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def run_child(baseline, variant, args):
    out = subprocess.run([sys.executable, __file__, '--child', baseline, variant, '--steps', str(args.steps),
                          '--batch-size', str(args.batch_size), '--threads', str(args.threads)],
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError('{} {} failed:\n{}'.format(baseline, variant, out.stderr[-3000:]))
    return json.loads(out.stdout.strip().splitlines()[-1])


def write_lasher_tree(root, sequences=4, frames=10):
    """A LasHeR-layout tree of random 640x480 JPEG pairs under `root`; returns root."""
    import cv2
    import numpy as np
    rng = np.random.default_rng(0)
    for s in range(sequences):
        for folder, prefix in (('visible', 'v'), ('infrared', 'i')):
            os.makedirs(os.path.join(root, 'seq%d' % s, folder))
            for i in range(frames):
                image = rng.integers(0, 255, (480, 640, 3 if folder == 'visible' else 1), dtype=np.uint8)
                cv2.imwrite(os.path.join(root, 'seq%d' % s, folder, '%s%03d.jpg' % (prefix, i)), image)
    return root


def _pipelines(root, samples, workers):
    """(stock RGB-only loader, paired loader) over the same JPEG files, sampler, boxes and DiMP-50 processing:
    the paired one is the CMD settings' own (training.paired_loader: EpochLoader, workers kept); the stock one
    pytracking's LTRLoader over the visible frames read by ltr's opencv_loader, as its own settings read them."""
    import types
    import torch
    import ltr.data.transforms as tfm
    from ltr.data import LTRLoader, processing, sampler
    from ltr.data.image_loader import opencv_loader
    from ltr_cmd.data import rgbt_sources
    from ltr_cmd.data.paired_dataset import PairedFrameDataset
    from ltr_cmd.data.pseudo_boxes import RandomBoxes
    from ltr_cmd.data.transforms import IMAGENET_MEAN, IMAGENET_STD, paired_transform
    from ltr_cmd.training import paired_loader

    class RGBOnly(PairedFrameDataset):
        """pytracking's stock path on the same files: the visible frame only, read by ltr's opencv_loader."""

        def _read(self, item):
            s, i = self.pair(item)
            return item, opencv_loader(self.source.sequences[s].rgb_frames[i])

    source = rgbt_sources.make_source('lasher', root)
    common = dict(search_area_factor=5.0, output_sz=288, center_jitter_factor={'train': 3, 'test': 4.5},
                  scale_jitter_factor={'train': 0.25, 'test': 0.5}, mode='sequence',
                  proposal_params={'min_iou': 0.1, 'boxes_per_frame': 8, 'sigma_factor': [0.01, 0.05, 0.1, 0.2, 0.3]},
                  label_function_params={'feature_sz': 18, 'sigma_factor': 0.05, 'kernel_sz': 4})
    settings = types.SimpleNamespace(samples_per_epoch=samples, batch_size=1, num_workers=workers, frame_step=1,
                                     device=torch.device('cpu'), seed=1, env=None)
    paired = paired_loader(settings, source, processing.DiMPProcessing(transform=paired_transform(0.2), **common),
                           3, 3, pseudo_boxes=RandomBoxes(count=5, size_range=(100, 100)))
    stock_transform = tfm.Transform(tfm.ToTensorAndJitter(0.2), tfm.Normalize(mean=IMAGENET_MEAN, std=IMAGENET_STD))
    rgb_only = sampler.DiMPSampler([RGBOnly(source, RandomBoxes(count=5, size_range=(100, 100)))], [1], samples,
                                   1, 3, 3, processing=processing.DiMPProcessing(transform=stock_transform, **common))
    return LTRLoader('benchmark', rgb_only, training=True, batch_size=1, num_workers=workers, stack_dim=1), paired


def pipeline_throughput(samples, workers):
    """Samples per second through each pipeline with `workers` worker processes, after the first sample
    (workers started), and where one paired sample's time goes in one process."""
    with tempfile.TemporaryDirectory(prefix='cmd-pipeline-') as folder:
        return _pipeline_throughput(write_lasher_tree(folder), samples, workers)


def _pipeline_throughput(root, samples, workers):
    import cv2
    import torch
    from ltr.data.image_loader import opencv_loader
    stock, paired = _pipelines(root, samples, workers)
    rates = {}
    for name, loader in (('stock RGB-only', stock), ('paired RGB+TIR', paired)):
        batches = iter(loader)
        next(batches)
        started = time.perf_counter()
        count = sum(1 for _ in batches)
        rates[name] = count / (time.perf_counter() - started)

    # where a paired sample's time goes (this process, no workers): decoding both frames of the pair (once per
    # sample: the dataset keeps the pair its sampler draws from), the processing (crops of 3+3 frames, jitter,
    # labels, proposals), and the transfer of the batch to the GPU when there is one
    samples_of = paired.dataset.samples
    dataset = samples_of.datasets[0]
    sequence = dataset.source.sequences[0]
    rgb, tir = sequence.rgb_frames[0], sequence.tir_frames[0]
    parts = {'decode rgb': lambda: opencv_loader(rgb), 'decode tir': lambda: cv2.imread(tir, cv2.IMREAD_UNCHANGED),
             'read pair (both, checked, 6 channels)': lambda: dataset._read(0),
             'whole sample (read + processing)': lambda: samples_of[0]}
    if torch.cuda.is_available():
        batch = next(iter(paired))
        parts['transfer of a batch to the GPU'] = lambda: (batch.to('cuda', non_blocking=True),
                                                           torch.cuda.synchronize())
    breakdown = {}
    for name, call in parts.items():
        call()
        started = time.perf_counter()
        for _ in range(20):
            call()
        breakdown[name] = (time.perf_counter() - started) / 20 * 1000
    return rates, breakdown, decoders(rgb)


def decoders(path, repeats=30):
    """ms per decode of one 640x480 JPEG: OpenCV (what the pipeline uses), OpenCV's reduced decode (half size),
    Pillow, and libjpeg-turbo through simplejpeg or jpeg4py when installed."""
    import importlib
    import cv2
    from PIL import Image
    with open(path, 'rb') as f:
        data = f.read()
    import numpy as np
    buffer = np.frombuffer(data, dtype=np.uint8)
    options = {'opencv imread': lambda: cv2.imread(path, cv2.IMREAD_COLOR),
               'opencv imdecode (bytes read once)': lambda: cv2.imdecode(buffer, cv2.IMREAD_COLOR),
               'opencv reduced 1/2 (IMREAD_REDUCED_COLOR_2)': lambda: cv2.imread(path, cv2.IMREAD_REDUCED_COLOR_2),
               'pillow': lambda: np.asarray(Image.open(path).convert('RGB'))}
    for module, call in (('simplejpeg', lambda m: m.decode_jpeg(data)), ('jpeg4py', lambda m: m.JPEG(path).decode())):
        try:
            decoder = importlib.import_module(module)
            # jpeg4py's own library loader, before any JPEG object: without libturbojpeg those fail in
            # __init__ and again, noisily, in __del__
            if module == 'jpeg4py':
                importlib.import_module('jpeg4py._cffi').initialize()
            call(decoder)
            options[module + ' (libjpeg-turbo)'] = lambda m=decoder, c=call: c(m)
        except Exception as error:  # not installed, or its library is missing (jpeg4py needs libturbojpeg)
            options[module + ' (libjpeg-turbo)'] = 'not available ({})'.format(error)
    times = {}
    for name, call in options.items():
        if isinstance(call, str):
            times[name] = call
            continue
        call()
        started = time.perf_counter()
        for _ in range(repeats):
            call()
        times[name] = (time.perf_counter() - started) / repeats * 1000
    return times


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--baselines', nargs='+', default=list(BASELINES), choices=BASELINES)
    parser.add_argument('--steps', type=int, default=3, help='timed steps per variant after one warm-up (default 3)')
    parser.add_argument('--batch-size', type=int, default=2, help='batch size (default 2, CPU-sized)')
    parser.add_argument('--threads', type=int, default=2, help='torch threads (default 2)')
    parser.add_argument('--pipeline-samples', type=int, default=40,
                        help='samples for the pipeline measurement (0: skip it)')
    parser.add_argument('--workers', type=int, default=2, help='loader worker processes for the pipeline (default 2)')
    parser.add_argument('--child', nargs=2, metavar=('BASELINE', 'VARIANT'), help=argparse.SUPPRESS)
    args = parser.parse_args()
    import torch
    torch.set_num_threads(args.threads)
    if args.child:
        return child(*args.child, args.steps, args.batch_size)
    print('batch {}, {} timed steps, {} threads; ratios against the stock step in the same run'.format(
        args.batch_size, args.steps, args.threads))
    amp = ('cmd-bf16', 'cmd-fp16') if torch.cuda.is_available() else ()
    print('{:11} {:>9} {:>9} {:>9} {:>9} {:>10} {:>9} {:>10}'.format(
        'baseline', 'stock s', 'real/stk', 'cmd/stk', 'tch/stk', 'stock MB', 'cmd/stk', 'tch/stk') + ''.join(
        ' {:>9}'.format(v[4:] + '/cmd') for v in amp) + ' {:>9}'.format('cmd/real'))
    for baseline in args.baselines:
        r = {v: run_child(baseline, v, args) for v in ('stock', 'real', 'cmd', 'teacher') + amp}
        print('{:11} {:9.2f} {:9.3f} {:9.3f} {:9.3f} {:10.0f} {:9.3f} {:10.3f}'.format(
            baseline, r['stock']['time'], r['real']['time'] / r['stock']['time'], r['cmd']['time'] / r['stock']['time'],
            r['teacher']['time'] / r['stock']['time'], r['stock']['rss_mb'],
            r['cmd']['rss_mb'] / r['stock']['rss_mb'], r['teacher']['rss_mb'] / r['stock']['rss_mb']) + ''.join(
            ' {:9.3f}'.format(r[v]['time'] / r['cmd']['time']) for v in amp) + ' {:9.3f}'.format(
            r['cmd']['time'] / r['real']['time']))
    if args.pipeline_samples:
        rates, breakdown, decode = pipeline_throughput(args.pipeline_samples, args.workers)
        print('data pipeline, {} workers, 640x480 JPEG pairs, DiMP-50 processing (3+3 crops of 288): '.format(
            args.workers) + ', '.join('{} {:.1f} samples/s'.format(k, v) for k, v in rates.items())
            + ', paired/stock {:.2f}'.format(rates['paired RGB+TIR'] / rates['stock RGB-only']))
        print('one paired sample, one process: ' + ', '.join('{} {:.1f} ms'.format(k, v) for k, v in breakdown.items()))
        print('one 640x480 JPEG: ' + ', '.join('{} {}'.format(k, v if isinstance(v, str) else '{:.2f} ms'.format(v))
                                                for k, v in decode.items()))


if __name__ == '__main__':
    main()
