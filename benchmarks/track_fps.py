"""Tracking speed: dimp_cmd / tomp_cmd / atom_cmd against stock dimp / tomp / atom with the same network, same run.

    python benchmarks/track_fps.py [--frames 40] [--repeats 3] [--trackers DiMP-50 ToMP-50 ToMP-101 ATOM]
    python benchmarks/track_fps.py --backend onnxruntime [--trackers DiMP-50 ToMP-50]

With --backend onnxruntime each pair is instead the plugin's PyTorch parameter file against its *_ort twin
(dimp50_cmd vs dimp50_cmd_ort, ...: the per-frame networks in ONNX Runtime, docs/deploy.md) on the same network
and frames; the export runs first and is not timed. It also prints the share of frame time each backend spends
outside the network (patch sampling, localisation, memory: everything but the tracker methods that call it).

The plugin's trackers are pytracking's own classes; what differs is parameter handling and frame
reading (16-bit aware). Each pair runs on the same random-initialised network (saved in
pytracking's checkpoint format), the same synthetic thermal sequence read from JPEG files, in
alternating repeats; prints frames per second and the ratio plugin/stock. Needs a registered checkout.
"""
import argparse
import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))

ORT_PAIRS = {'DiMP-50': (('dimp_cmd', 'dimp50_cmd'), ('dimp_cmd', 'dimp50_cmd_ort')),
             'ToMP-50': (('tomp_cmd', 'tomp50_cmd'), ('tomp_cmd', 'tomp50_cmd_ort')),
             'ToMP-101': (('tomp_cmd', 'tomp101_cmd'), ('tomp_cmd', 'tomp101_cmd_ort'))}
NETWORK_METHODS = ('extract_backbone_features', 'get_backbone_head_feat', 'get_classification_features',
                   'get_iou_features', 'classify_target', 'refine_target_box', 'update_classifier')
"""The tracker methods (ToMP's and DiMP's) that call the network; the rest of a frame is outside it."""
PAIRS = {'DiMP-50': (('dimp', 'dimp50'), ('dimp_cmd', 'dimp50_cmd')),
         'ToMP-50': (('tomp', 'tomp50'), ('tomp_cmd', 'tomp50_cmd')),
         'ToMP-101': (('tomp', 'tomp101'), ('tomp_cmd', 'tomp101_cmd')),
         'ATOM': (('atom', 'default'), ('atom_cmd', 'default_cmd'))}


def random_network(kind, folder):
    import torch
    from ltr.models.bbreg import atom
    from ltr.models.tracking import dimpnet, tompnet
    tomp = dict(filter_size=1, backbone_pretrained=False, head_feat_blocks=0, out_feature_dim=256)  # tomp50.py's
    net = {'ATOM': lambda: atom.atom_resnet18(backbone_pretrained=False),
           'DiMP-50': lambda: dimpnet.dimpnet50(backbone_pretrained=False, clf_feat_blocks=0, out_feature_dim=512,
                                                num_dist_bins=100, bin_displacement=0.1, optim_init_step=0.9,
                                                optim_init_reg=0.1),
           'ToMP-50': lambda: tompnet.tompnet50(**tomp),
           'ToMP-101': lambda: tompnet.tompnet101(**tomp)}[kind]()
    path = os.path.join(folder, kind + '.pth')
    torch.save({'net': net.state_dict(), 'constructor': net.constructor, 'net_info': None}, path)
    return path


def thermal_sequence(folder, frames):
    import cv2
    from ltr_cmd.data.synthetic import SyntheticRGBT
    world = SyntheticRGBT(0, num_sequences=1, length=frames, frame_size=(640, 480))
    paths = []
    for k in range(frames):
        paths.append(os.path.join(folder, '%04d.jpg' % (k + 1)))
        cv2.imwrite(paths[-1], world.frame(0, k, 'tir'))
    return paths, [float(v) for v in world.boxes(0)[0]]


def tracker_with_network(name, param, net_path):
    from pytracking.evaluation import Tracker
    from ltr_cmd.checkpoints import NETWORK_VARIABLE
    os.environ[NETWORK_VARIABLE] = net_path  # what the plugin's parameter files load
    wrapper = Tracker(name, param)
    params = wrapper.get_parameters()
    params.debug, params.visualization = 0, False
    if hasattr(params, 'net'):
        params.net.net_path = net_path
    else:
        params.features.features[0].net_path = net_path
    return wrapper, params


def _timed(method, spent):
    def call(*args, **kwargs):
        started = time.perf_counter()
        try:
            return method(*args, **kwargs)
        finally:
            spent[0] += time.perf_counter() - started
    return call


def frames_per_second(name, param, net_path, frames, box, outside=None, providers=None):
    """Frames per second of tracking `frames`; with `outside` (a list) also appends the share of the time spent
    outside the tracker's network-calling methods (NETWORK_METHODS); `providers`: ONNX Runtime's, for *_ort."""
    wrapper, params = tracker_with_network(name, param, net_path)
    if providers and params.get('backend', 'pytorch') == 'onnxruntime':
        params.onnx_providers = providers
    tracker = wrapper.create_tracker(params)
    tracker.initialize(wrapper._read_image(frames[0]), {'init_bbox': box})
    spent = [0.0]
    if outside is not None:
        for method in NETWORK_METHODS:
            if hasattr(tracker, method):
                setattr(tracker, method, _timed(getattr(tracker, method), spent))
    started = time.perf_counter()
    for path in frames[1:]:
        tracker.track(wrapper._read_image(path))
    elapsed = time.perf_counter() - started
    if outside is not None:
        outside.append(1 - spent[0] / elapsed)
    return (len(frames) - 1) / elapsed


def onnxruntime_comparison(kind, net_path, frames, box, repeats, providers=None):
    """PyTorch parameter file against its *_ort twin: fps, ratio, share of frame time outside the network."""
    (name, param), (ort_name, ort_param) = ORT_PAIRS[kind]
    started = time.perf_counter()
    tracker_with_network(ort_name, ort_param, net_path)[1].net.initialize()  # the export, not timed below
    print('{:8} exported in {:.0f} s'.format(kind, time.perf_counter() - started), flush=True)
    fps, shares = {'pytorch': [], 'onnxruntime': []}, {'pytorch': [], 'onnxruntime': []}
    for _ in range(repeats):
        fps['pytorch'].append(frames_per_second(name, param, net_path, frames, box, shares['pytorch']))
        fps['onnxruntime'].append(frames_per_second(ort_name, ort_param, net_path, frames, box, shares['onnxruntime'],
                                                    providers))
    t, o = statistics.median(fps['pytorch']), statistics.median(fps['onnxruntime'])
    print('{:8} {}/{} PyTorch {:.3f} fps ({:.0%} outside the network), {} ONNX Runtime {:.3f} fps ({:.0%} outside), '
          'ratio {:.2f}'.format(kind, name, param, t, statistics.median(shares['pytorch']), ort_param, o,
                                statistics.median(shares['onnxruntime']), o / t), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--frames', type=int, default=40, help='frames per run (default 40)')
    parser.add_argument('--repeats', type=int, default=3, help='alternating repeats per tracker (default 3)')
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--trackers', nargs='+', default=None, choices=list(PAIRS),
                        help='which pairs to time (default: all; with --backend onnxruntime DiMP-50 and ToMP-50)')
    parser.add_argument('--backend', choices=['pytorch', 'onnxruntime'], default='pytorch',
                        help='pytorch (default): plugin vs stock trackers; onnxruntime: PyTorch vs ONNX Runtime')
    parser.add_argument('--providers', nargs='+', default=None, metavar='PROVIDER',
                        help='ONNX Runtime execution providers of the *_ort trackers, e.g. TensorrtExecutionProvider '
                             'CUDAExecutionProvider CPUExecutionProvider (default: CUDA when available, else CPU)')
    args = parser.parse_args()
    if args.trackers is None:
        args.trackers = ['DiMP-50', 'ToMP-50'] if args.backend == 'onnxruntime' else list(PAIRS)
    if args.backend == 'onnxruntime' and set(args.trackers) - set(ORT_PAIRS):
        parser.error('--backend onnxruntime times {} only'.format(', '.join(ORT_PAIRS)))
    import torch
    torch.set_num_threads(args.threads)
    os.environ.setdefault('PYTRACKING_CMD_DEVICE', 'cpu')
    with tempfile.TemporaryDirectory(prefix='cmd-fps-') as folder:
        frames, box = thermal_sequence(folder, args.frames)
        print('640x480 thermal JPEGs, {} frames per run, {} alternating repeats, {} threads, device {}'.format(
            args.frames, args.repeats, args.threads, 'cuda' if torch.cuda.is_available() else 'cpu'))
        for kind in args.trackers:
            if args.backend == 'onnxruntime':
                onnxruntime_comparison(kind, random_network(kind, folder), frames, box, args.repeats,
                                       args.providers)
                continue
            (stock_name, stock_param), (cmd_name, cmd_param) = PAIRS[kind]
            net_path = random_network(kind, folder)
            stock, plugin = [], []
            for _ in range(args.repeats):
                stock.append(frames_per_second(stock_name, stock_param, net_path, frames, box))
                plugin.append(frames_per_second(cmd_name, cmd_param, net_path, frames, box))
            s, p = statistics.median(stock), statistics.median(plugin)
            print('{:8} {}/{} {:.2f} fps, {}/{} {:.2f} fps, ratio {:.3f}'.format(kind, stock_name, stock_param, s,
                                                                              cmd_name, cmd_param, p, p / s))


if __name__ == '__main__':
    main()
