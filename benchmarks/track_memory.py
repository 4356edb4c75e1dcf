"""Memory of long sequences (Anti-UAV's run to thousands of frames): peak RSS of a tracking process after
--frames frames, each count in a fresh process, and the ratio of the largest count's to the smallest's.

    python benchmarks/track_memory.py [--frames 500 5000] [--tracker dimp_cmd] [--tracker tomp_cmd]

Each process tracks the first N frames of one generated thermal sequence (ltr_cmd.data.synthetic, 256x192
JPEGs in a temporary folder) through pytracking's own Tracker.run_sequence, the path run_tracker.py takes,
with the demo's parameter file (dimp_cmd demo_cmd, tomp_cmd demo_tomp_cmd: report_absence on) on a
random-initialised demo network saved in pytracking's checkpoint format. Peak RSS is the child's ru_maxrss
(os.wait4); frames/s is over frames 2..N, from the per-frame times pytracking records (tracking only,
frame reading and the network's loading at frame 1 excluded). A tracker whose memory
grows with the sequence shows a ratio well above 1.
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


def track(tracker, param, paths, init_box):
    """In the child: track the frames with pytracking's Tracker.run_sequence; print the tracked frames (2..N) and
    their seconds as JSON."""
    import numpy as np
    from pytracking.evaluation import Tracker
    from pytracking.evaluation.data import Sequence
    boxes = np.zeros((len(paths), 4))
    boxes[0] = init_box  # run_sequence reads only the first frame's box
    sequence = Sequence('memory', paths, 'generated', boxes)
    output = Tracker(tracker, param).run_sequence(sequence, debug=0)
    if len(output['target_bbox']) != len(paths):
        raise RuntimeError('{} {}: {} boxes for {} frames'.format(tracker, param, len(output['target_bbox']), len(paths)))
    print(json.dumps({'frames': len(paths) - 1, 'seconds': sum(output['time'][1:])}))


def measure(tracker, frames, folder, network, log):
    """Run a child process on the first `frames` frames; returns (peak RSS in MiB, frames/s)."""
    param = PARAMS[tracker][0]
    from ltr_cmd.checkpoints import NETWORK_VARIABLE
    env = dict(os.environ, **{NETWORK_VARIABLE: network})
    env.setdefault('PYTRACKING_CMD_DEVICE', 'cpu')
    with open(log, 'w') as out:
        child = subprocess.Popen([sys.executable, os.path.abspath(__file__), '--child', tracker, param, folder,
                                  str(frames)], stdout=out, stderr=subprocess.STDOUT, env=env)
        _, status, usage = os.wait4(child.pid, 0)
    with open(log) as f:
        text = f.read()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit('{} {} on {} frames failed (log {}):\n{}'.format(tracker, param, frames, log, text[-3000:]))
    result = json.loads(text.strip().splitlines()[-1])
    return usage.ru_maxrss / 1024, result['frames'] / result['seconds']  # ru_maxrss is in KiB on Linux


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--frames', type=int, nargs='+', default=[500, 5000], help='frame counts (default 500 5000)')
    parser.add_argument('--tracker', action='append', choices=sorted(PARAMS),
                        help='tracker to measure, repeatable (default dimp_cmd)')
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
    with tempfile.TemporaryDirectory(prefix='track_memory_') as folder:
        started = time.perf_counter()
        _, init_box = write_sequence(folder, max(args.frames))
        with open(os.path.join(folder, 'sequence.json'), 'w') as f:
            json.dump({'init_box': init_box}, f)
        print('{} frames written in {:.0f} s ({})'.format(max(args.frames), time.perf_counter() - started, folder))
        for tracker in trackers:
            network = os.path.join(folder, tracker + '.pth.tar')
            write_network(PARAMS[tracker][1], network)
            rows = []
            for frames in sorted(args.frames):
                peak, fps = measure(tracker, frames, folder, network, os.path.join(folder, 'child.log'))
                rows.append((frames, peak))
                print('{} {}: {:6d} frames  peak RSS {:7.1f} MiB  {:6.1f} frames/s'.format(
                    tracker, PARAMS[tracker][0], frames, peak, fps), flush=True)
            (few, low), (many, high) = rows[0], rows[-1]
            print('{}: peak RSS at {} frames / at {} frames = {:.3f}'.format(tracker, many, few, high / low))


if __name__ == '__main__':
    main()
