"""Memory of long sequences (Anti-UAV's run to thousands of frames): peak RSS of a tracking process after
--frames frames, each count in a fresh process, the ratio of the largest count's to the smallest's, and the
resident memory sampled every tenth of the longest run (growth per frame from its first tenth to its end).

    python benchmarks/track_memory.py [--frames 500 5000] [--tracker dimp_cmd] [--tracker tomp_cmd]
    python benchmarks/track_memory.py --network random   (or a network file)

Each process tracks the first N frames of one generated thermal sequence (ltr_cmd.data.synthetic, 256x192
JPEGs in a temporary folder) through pytracking's own Tracker.run_sequence, the path run_tracker.py takes,
with the demo's parameter file (dimp_cmd demo_cmd, tomp_cmd demo_tomp_cmd: report_absence on) and the network
it loads (the student `pytracking-cmd demo` trained, or $PYTRACKING_CMD_NETWORK), --network FILE, or
--network random: a random-initialised demo network saved in pytracking's checkpoint format, on which
pytracking's tracker can lose its state altogether (see the error). The child seeds its random generators.
Peak RSS is the child's ru_maxrss (os.wait4): it also holds one-off peaks that vary between runs of the same
length, so the in-run samples (VmRSS) are what show growth with the sequence. Frames/s is over frames 2..N,
from the per-frame times pytracking records (tracking only, frame reading and the network's loading at frame 1
excluded).
Needs a registered pytracking checkout; runs on the CPU unless PYTRACKING_CMD_DEVICE says otherwise.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
from ltr_cmd.checkpoints import NETWORK_VARIABLE  # noqa: E402 (after the repository is on the path)

PARAMS = {'dimp_cmd': ('demo_cmd', 'dimp'), 'tomp_cmd': ('demo_tomp_cmd', 'tomp')}  # tracker: (param, demo model)


def write_sequence(folder, frames, seed=3):
    """`frames` thermal frames of one synthetic sequence as JPEGs; returns the paths and the first box."""
    import cv2
    from ltr_cmd.data.synthetic import SyntheticRGBT
    source = SyntheticRGBT(seed, 1, length=frames)
    paths = []
    for k in range(frames):
        paths.append(os.path.join(folder, '{:05d}.jpg'.format(k + 1)))
        if not cv2.imwrite(paths[-1], source.frame(0, k, 'tir')):  # three identical channels: order is moot
            raise OSError('could not write {}'.format(paths[-1]))
    return paths, source.boxes(0)[0].tolist()


def write_network(model, path):
    """A random-initialised demo network (ltr_cmd.demo.MODELS[model]) in pytracking's checkpoint format."""
    import torch
    from ltr_cmd import demo
    torch.manual_seed(0)
    net = demo.MODELS[model].network()
    torch.save({'net': net.state_dict(), 'constructor': net.constructor, 'net_info': None}, path)


def resident_mib():
    """This process's resident memory now (VmRSS), MiB."""
    with open('/proc/self/status') as status:
        return next(int(line.split()[1]) for line in status if line.startswith('VmRSS:')) / 1024


def track(tracker, param, paths, init_box):
    """In the child: track the frames with pytracking's Tracker.run_sequence; print the tracked frames (2..N), their
    seconds and the resident memory after every tenth of the frames as JSON."""
    import random
    import numpy as np
    import torch
    from pytracking.evaluation import Tracker
    from pytracking.evaluation.data import Sequence

    every = max(1, len(paths) // 10)
    marks = {paths[frame - 1]: frame for frame in range(every, len(paths) + 1, every)}
    samples = []

    class SampledTracker(Tracker):  # run_sequence reads each frame through _read_image
        def _read_image(self, image_file):
            if image_file in marks:
                samples.append((marks[image_file], resident_mib()))
            return super()._read_image(image_file)

    random.seed(0)
    np.random.seed(0)
    torch.manual_seed(0)
    boxes = np.zeros((len(paths), 4))
    boxes[0] = init_box  # run_sequence reads only the first frame's box
    sequence = Sequence('memory', paths, 'generated', boxes)
    output = SampledTracker(tracker, param).run_sequence(sequence, debug=0)
    if len(output['target_bbox']) != len(paths):
        raise RuntimeError('{} {}: {} boxes for {} frames'.format(tracker, param, len(output['target_bbox']), len(paths)))
    print(json.dumps({'frames': len(paths) - 1, 'seconds': sum(output['time'][1:]), 'rss': samples}))


def measure(tracker, frames, folder, network, log):
    """Run a child process on the first `frames` frames (`network`: a file, or None for the parameter file's own);
    returns (peak RSS in MiB, frames/s, [(frame, VmRSS MiB)])."""
    param = PARAMS[tracker][0]
    env = dict(os.environ, **({NETWORK_VARIABLE: network} if network else {}))
    env.setdefault('PYTRACKING_CMD_DEVICE', 'cpu')
    with open(log, 'w') as out:
        child = subprocess.Popen([sys.executable, os.path.abspath(__file__), '--child', tracker, param, folder,
                                  str(frames)], stdout=out, stderr=subprocess.STDOUT, env=env)
        _, status, usage = os.wait4(child.pid, 0)
    with open(log) as f:
        text = f.read()
    if os.waitstatus_to_exitcode(status) != 0:
        hint = ('\nA random network can drive the tracker\'s state off the image until pytracking cannot crop it '
                '(the F.pad error above); measure a trained one.' if network and network.startswith(folder) else
                '\n--network FILE measures another network, --network random a random-initialised one.')
        raise SystemExit('{} {} on {} frames failed (log {}):\n{}{}'.format(tracker, param, frames, log, text[-3000:],
                                                                           hint))
    result = json.loads(text.strip().splitlines()[-1])
    return usage.ru_maxrss / 1024, result['frames'] / result['seconds'], result['rss']  # ru_maxrss: KiB on Linux


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--frames', type=int, nargs='+', default=[500, 5000], help='frame counts (default 500 5000)')
    parser.add_argument('--tracker', action='append', choices=sorted(PARAMS),
                        help='tracker to measure, repeatable (default dimp_cmd)')
    parser.add_argument('--network', help="FILE (pytracking's checkpoint format) or 'random': the network of the (one) "
                                          'tracker (default: the one its parameter file loads, the demo\'s student)')
    parser.add_argument('--child', nargs=4, metavar=('TRACKER', 'PARAM', 'FOLDER', 'FRAMES'), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        tracker, param, folder, frames = args.child
        with open(os.path.join(folder, 'sequence.json')) as f:
            init_box = json.load(f)['init_box']
        paths = [os.path.join(folder, '{:05d}.jpg'.format(k + 1)) for k in range(int(frames))]
        return track(tracker, param, paths, init_box)
    if min(args.frames) < 2:
        parser.error('--frames: each count must be at least 2 (an initial frame and a tracked one)')
    trackers = args.tracker or ['dimp_cmd']
    if args.network not in (None, 'random') and len(trackers) > 1:
        parser.error('--network: give one --tracker with it (the network is that tracker\'s)')
    if args.network not in (None, 'random') and not os.path.isfile(args.network):
        parser.error("--network: {} is not a file (nor 'random')".format(args.network))
    with tempfile.TemporaryDirectory(prefix='track_memory_') as folder:
        started = time.perf_counter()
        _, init_box = write_sequence(folder, max(args.frames))
        with open(os.path.join(folder, 'sequence.json'), 'w') as f:
            json.dump({'init_box': init_box}, f)
        print('{} frames written in {:.0f} s ({})'.format(max(args.frames), time.perf_counter() - started, folder))
        for tracker in trackers:
            network = args.network and os.path.abspath(args.network)
            if args.network == 'random':
                network = os.path.join(folder, tracker + '.pth.tar')
                write_network(PARAMS[tracker][1], network)
            own = 'the one {} {} loads (the demo\'s student unless ${} names one)'.format(
                tracker, PARAMS[tracker][0], NETWORK_VARIABLE)
            print('{}: network {}'.format(tracker, network or own))
            rows = []
            for frames in sorted(args.frames):
                peak, fps, samples = measure(tracker, frames, folder, network, os.path.join(folder, 'child.log'))
                rows.append((frames, peak))
                print('{} {}: {:6d} frames  peak RSS {:7.1f} MiB  {:6.1f} frames/s'.format(
                    tracker, PARAMS[tracker][0], frames, peak, fps), flush=True)
            (few, low), (many, high) = rows[0], rows[-1]
            print('{}: peak RSS at {} frames / at {} frames = {:.3f}'.format(tracker, many, few, high / low))
            print('{}: resident memory in the {}-frame run: {}'.format(
                tracker, many, ', '.join('{:.1f} MiB @{}'.format(rss, frame) for frame, rss in samples)))
            (first, start), (last, end) = samples[0], samples[-1]
            print('{}: growth from frame {} to {}: {:.2f} KiB per frame'.format(
                tracker, first, last, (end - start) * 1024 / max(1, last - first)))


if __name__ == '__main__':
    main()
