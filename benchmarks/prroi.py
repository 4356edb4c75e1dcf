"""Time the pure-PyTorch PrRoIPool2D (ltr_cmd.external.prroi_pool) against torchvision's roi_align.

Shapes are those of DiMP-50 (ltr/models/tracking/dimpnet.py): the IoU-Net (ltr/models/bbreg/
atom_iou_net.py) pools layer2 (stride 8) features with 3x3 bins for the reference box and 5x5 for
the test proposals, and layer3 (stride 16) features with 1x1 and 3x3; the filter initialiser
(ltr/models/target_classifier/initializer.py) pools the stride-16 classification features with 4x4
bins.  By default the channel counts are those of the tensors actually pooled (128/256 after the
IoU-Net's first convolutions, 512 classification features); `--channels backbone` uses the raw
ResNet-50 layer2/layer3 widths (512/1024) instead.  Crops of 288 and 352 pixels give 36x36/18x18
and 44x44/22x22 maps.  Test proposals: `--boxes` per image, jittered around a target whose side
is a fifth of the crop (DiMP's search area factor 5); reference/initialiser cases: one box per image.

roi_align runs with aligned=True and sampling_ratio=2 (2x2 samples per bin, a fixed cost).
Ratios are ours / roi_align, medians of `--repeats` runs measured in the same process, after one
warm-up run.  Forward+backward takes gradients with respect to the features (what roi_align offers);
the last column adds the box-coordinate gradient that DiMP's box refinement uses.
With a CUDA device, ours is also compared with the original CUDA PrRoIPool when it can be loaded
(max abs difference and time).

    python benchmarks/prroi.py                # 1 thread, all cases, batch 1 and 3
    python benchmarks/prroi.py --threads 2 --cases iou_test_l2 --batch 3
"""
import argparse
import importlib
import inspect
import os
import statistics
import sys
import time

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)

import torch  # noqa: E402

from pytracking_cmd.compat import fix_torchvision_op_schemas  # noqa: E402

fix_torchvision_op_schemas()   # CPU torch with a CUDA torchvision wheel: see pytracking_cmd.compat

import torchvision  # noqa: E402
from torchvision.extension import _has_ops  # noqa: E402

import ltr_cmd.external.prroi_pool as prroi  # noqa: E402

# name: (stride, pooled size, channels as pooled in DiMP-50, backbone channels, boxes per image or None
#        for --boxes, module in pytracking)
CASES = {
    'iou_test_l2': (8, 5, 256, 512, None, 'AtomIoUNet.prroi_pool3t'),
    'iou_test_l3': (16, 3, 256, 1024, None, 'AtomIoUNet.prroi_pool4t'),
    'iou_ref_l2': (8, 3, 128, 512, 1, 'AtomIoUNet.prroi_pool3r'),
    'iou_ref_l3': (16, 1, 256, 1024, 1, 'AtomIoUNet.prroi_pool4r'),
    'init_l3': (16, 4, 512, 1024, 1, 'FilterPool (filter_size 4)'),
}


ROI_ALIGN = torchvision.ops.roi_align


def select_roi_align(mode):
    """Set ROI_ALIGN for --roi-align and describe it."""
    global ROI_ALIGN
    if mode == 'auto':
        mode = 'op' if _has_ops() else 'eager'
    if mode == 'op':
        if not _has_ops():
            raise SystemExit("--roi-align op: torchvision's compiled ops did not load on this machine")
        ROI_ALIGN = torchvision.ops.roi_align
        return 'torchvision.ops.roi_align (compiled torchvision op)'
    module = importlib.import_module('torchvision.ops.roi_align')
    reference = inspect.unwrap(module._roi_align)     # torchvision's pure-PyTorch implementation
    if mode == 'compile':
        import torch._dynamo
        torch._dynamo.config.recompile_limit = 64    # one compilation per shape and grad mode
        reference = torch.compile(reference, dynamic=True)
        what = "torchvision's pure-PyTorch _roi_align under torch.compile (compile time excluded)"
    else:
        what = "torchvision's pure-PyTorch _roi_align, eager"

    def roi_align(feats, rois, output_size, scale, sampling_ratio, aligned):
        return reference(feats, rois, scale, output_size[0], output_size[1], sampling_ratio, aligned)

    ROI_ALIGN = roi_align
    return what


def make_rois(num_images, boxes_per_image, crop, generator):
    """(batch_index, x0, y0, x1, y1) rows, grouped image by image like atom_iou_net.predict_iou."""
    side = crop / 5.0
    centre = crop / 2.0 + (torch.rand(num_images, 1, 2, generator=generator) - 0.5) * side
    if boxes_per_image == 1:
        c, wh = centre, torch.full((num_images, 1, 2), side)
    else:
        wh = side * torch.exp(0.3 * torch.randn(num_images, boxes_per_image, 2, generator=generator))
        c = centre + 0.25 * side * torch.randn(num_images, boxes_per_image, 2, generator=generator)
    index = torch.arange(num_images, dtype=torch.float32).view(-1, 1, 1).expand(-1, c.shape[1], 1)
    return torch.cat([index, c - wh / 2, c + wh / 2], dim=2).reshape(-1, 5)


def median_time(fn, repeats, device):
    def synced():
        fn()
        if device.type == 'cuda':
            torch.cuda.synchronize()
    synced()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        synced()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure(case, crop, num_images, args, device, generator):
    stride, pooled, c_dimp, c_backbone, per_image, _ = CASES[case]
    channels = c_backbone if args.channels == 'backbone' else c_dimp
    size = crop // stride
    per_image = per_image or args.boxes
    feats = torch.randn(num_images, channels, size, size, generator=generator).to(device)
    rois = make_rois(num_images, per_image, crop, generator).to(device)
    scale = 1.0 / stride

    def ours():
        return prroi.prroi_pool2d_pytorch(feats, rois, pooled, pooled, scale)

    def roi_align():
        return ROI_ALIGN(feats, rois, (pooled, pooled), scale, sampling_ratio=2, aligned=True)

    feats_g = feats.clone().requires_grad_(True)
    rois_g = rois.clone().requires_grad_(True)

    def backward(fn, with_boxes=False):
        def run():
            out = fn(feats_g, rois_g if with_boxes else rois, pooled, pooled, scale)
            out.backward(torch.ones_like(out))
        return run

    def ours_fn(f, r, ph, pw, s):
        return prroi.prroi_pool2d_pytorch(f, r, ph, pw, s)

    def roi_align_fn(f, r, ph, pw, s):
        return ROI_ALIGN(f, r, (ph, pw), s, sampling_ratio=2, aligned=True)

    row = dict(case=case, crop=crop, B=num_images, K=rois.shape[0], C=channels, map=f'{size}x{size}',
               bins=f'{pooled}x{pooled}')
    row['fwd_ours'] = median_time(ours, args.repeats, device)
    row['fwd_ra'] = median_time(roi_align, args.repeats, device)
    row['fb_ours'] = median_time(backward(ours_fn), args.repeats, device)
    row['fb_ra'] = median_time(backward(roi_align_fn), args.repeats, device)
    row['fb_ours_boxes'] = median_time(backward(ours_fn, with_boxes=True), args.repeats, device)
    if device.type == 'cuda':
        original = prroi._load_original()
        if original is not None:
            row['orig_diff'] = (ours() - original.prroi_pool2d(feats, rois, pooled, pooled, scale)).abs().max().item()
            row['fwd_orig'] = median_time(lambda: original.prroi_pool2d(feats, rois, pooled, pooled, scale),
                                          args.repeats, device)
    return row


def print_table(rows, device):
    ms = 1e3
    header = ['case', 'crop', 'B', 'K', 'C', 'map', 'bins', 'fwd ours ms', 'fwd roi_align ms', 'fwd ratio',
              'f+b ours ms', 'f+b roi_align ms', 'f+b ratio', 'f+b ours +boxes ms']
    if device.type == 'cuda':
        header += ['fwd original ms', 'max|ours-original|']
    lines = [header]
    for r in rows:
        line = [r['case'], str(r['crop']), str(r['B']), str(r['K']), str(r['C']), r['map'], r['bins'],
                f"{r['fwd_ours'] * ms:.2f}", f"{r['fwd_ra'] * ms:.2f}", f"{r['fwd_ours'] / r['fwd_ra']:.2f}",
                f"{r['fb_ours'] * ms:.2f}", f"{r['fb_ra'] * ms:.2f}", f"{r['fb_ours'] / r['fb_ra']:.2f}",
                f"{r['fb_ours_boxes'] * ms:.2f}"]
        if device.type == 'cuda':
            line += [f"{r['fwd_orig'] * ms:.2f}" if 'fwd_orig' in r else '-',
                     f"{r['orig_diff']:.2e}" if 'orig_diff' in r else '-']
        lines.append(line)
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    for n, line in enumerate(lines):
        print('| ' + ' | '.join(cell.rjust(w) for cell, w in zip(line, widths)) + ' |')
        if n == 0:
            print('|' + '|'.join('-' * (w + 2) for w in widths) + '|')


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog='\n\n'.join(__doc__.split('\n\n')[1:]))
    parser.add_argument('--threads', type=int, default=1, help='torch.set_num_threads (default 1)')
    parser.add_argument('--repeats', type=int, default=5, help='timed runs per measurement; median (default 5)')
    parser.add_argument('--boxes', type=int, default=128, help='test proposals per image (default 128)')
    parser.add_argument('--batch', default='1,3', help='comma-separated numbers of images (default 1,3)')
    parser.add_argument('--crops', default='288,352', help='comma-separated crop sizes (default 288,352)')
    parser.add_argument('--cases', default=','.join(CASES), help=f'comma-separated subset of {", ".join(CASES)}')
    parser.add_argument('--channels', choices=('dimp', 'backbone'), default='dimp',
                        help='channels as pooled in DiMP-50 (default) or raw ResNet-50 layer2/layer3 widths')
    parser.add_argument('--roi-align', choices=('auto', 'op', 'eager', 'compile'), default='auto',
                        help="op: torchvision's compiled op; eager / compile: its pure-PyTorch fallback "
                             "_roi_align, eager or under torch.compile; auto (default): op when "
                             "torchvision's compiled ops load, else eager")
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args(argv)

    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    cases = [c.strip() for c in args.cases.split(',') if c.strip()]
    unknown = [c for c in cases if c not in CASES]
    if unknown:
        parser.error(f'unknown case(s) {unknown}; choose from {list(CASES)}')

    roi_align_kind = select_roi_align(args.roi_align)
    if not _has_ops():
        roi_align_kind += " (torchvision's compiled ops did not load here)"
    print(f'torch {torch.__version__}, torchvision {torchvision.__version__}, device {device}, '
          f'threads {torch.get_num_threads()}, repeats {args.repeats} (median), float32')
    print(f'roi_align: aligned=True, sampling_ratio=2, {roi_align_kind}')
    print(f'ours: prroi_pool2d_pytorch; dispatch on {device}: {prroi.active_implementation(device)}')
    for case in cases:
        print(f'  {case}: {CASES[case][5]}')
    generator = torch.Generator().manual_seed(args.seed)
    rows = []
    for case in cases:
        for crop in (int(c) for c in args.crops.split(',')):
            for num_images in (int(b) for b in args.batch.split(',')):
                rows.append(measure(case, crop, num_images, args, device, generator))
    print_table(rows, device)


if __name__ == '__main__':
    main()
