"""Start-up of CMD training at LasHeR's scale: time from launch to the first iteration, and the memory the
sample index takes in every rank and loader worker.

    python benchmarks/startup_scale.py [--scales 0.1 1] [--nproc 2] [--workers 4] [--dir DIR]

Builds LasHeR-layout roots (scale 1: 1,224 sequences of 597 frame pairs, 730,728 pairs; 0.1: a tenth
of the sequences) out of hard links to a few 640x480 JPEGs, and a random stand-in of dimp18.pth, then
runs pytracking's run_training.py cmd dimp18_cmd under `torchrun --nproc_per_node=N` with W loader
worker processes per rank, three times per scale:
    tiny     a root of 2 sequences: what every process holds without the index (the memory baseline)
    cold     no source index file yet: the sequence folders are walked (after dropping the page cache where
             /proc/sys/vm/drop_caches is writable, i.e. as root; the output says whether it was)
    indexed  again, with the index file the cold run wrote (ltr_cmd/data/rgbt_sources.py, SourceIndex)
For each run it prints the seconds from launch until the data summary, the trainer, the first batch
(every rank's loader workers started and delivered) and the first iteration line appear (the last
stretch is one training step: on the CPU, at one thread per rank, seconds), and the resident memory
(VmRSS) of the ranks and of the workers at the first iteration; the index's share is that memory minus
the same role's in the tiny run (same run, same machine). Needs a registered pytracking checkout; the
roots stay in DIR for later runs.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))

SEQUENCES, FRAMES = 1224, 597  # LasHeR: 1,224 sequences, 730k+ frame pairs
MARKS = (('data', 'CMD training data:'), ('trainer', 'trained: '), ('first batch', 'first batch per rank'),
         ('first iteration', '[train: 1, 1 /'))


def build_root(folder, sequences, frames=FRAMES):
    """A LasHeR-layout root of hard links to a few JPEGs per modality (made once; reused when complete)."""
    import cv2
    import numpy as np
    done = os.path.join(folder, '.complete')
    if os.path.exists(done):
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    rng = np.random.default_rng(0)
    # ext4 allows 65,000 links per file: enough distinct JPEGs that none passes 60,000
    count = max(4, -(-sequences * frames // 60000))
    sources = {}
    os.makedirs(os.path.join(folder, '.sources'))
    for modality, prefix, shape in (('visible', 'v', (480, 640, 3)), ('infrared', 'i', (480, 640))):
        sources[modality] = []
        for k in range(count):
            path = os.path.join(folder, '.sources', '{}{}.jpg'.format(prefix, k))
            cv2.imwrite(path, rng.integers(0, 255, shape, dtype=np.uint8))
            sources[modality].append(path)
    for s in range(sequences):
        for modality, prefix in (('visible', 'v'), ('infrared', 'i')):
            target = os.path.join(folder, 'seq{:04d}'.format(s), modality)
            os.makedirs(target)
            for i in range(frames):
                os.link(sources[modality][(s * frames + i) % count],
                        os.path.join(target, '{}{:06d}.jpg'.format(prefix, i)))
    open(done, 'w').close()
    return folder


def release_file(folder):
    import torch
    from ltr.models.tracking import dimpnet
    from ltr_cmd import baselines
    path = os.path.join(folder, baselines.of_setting('dimp18_cmd').release_file)
    if not os.path.exists(path):
        os.makedirs(folder, exist_ok=True)
        net = dimpnet.dimpnet18(backbone_pretrained=False, num_dist_bins=100, bin_displacement=0.1)
        torch.save({'net': net.state_dict(), 'constructor': net.constructor, 'net_info': None}, path)
    return folder


def _children(pid):
    found = []
    for entry in os.listdir('/proc'):
        if entry.isdigit():
            try:
                with open('/proc/{}/stat'.format(entry)) as stat:
                    if int(stat.read().rsplit(')', 1)[1].split()[1]) == pid:
                        found.append(int(entry))
            except (OSError, IndexError, ValueError):
                continue
    return found


def _leaves(pid):
    """The processes below pid that have none of their own: a rank's loader workers, whether they are its
    children (spawned) or its fork server's."""
    children = _children(pid)
    return [leaf for child in children for leaf in (_leaves(child) or [child])]


def _rss_mb(pid):
    try:
        with open('/proc/{}/status'.format(pid)) as status:
            return next(int(line.split()[1]) for line in status if line.startswith('VmRSS:')) / 1024
    except (OSError, StopIteration):
        return None


def _cmdline(pid):
    try:
        with open('/proc/{}/cmdline'.format(pid), 'rb') as f:
            return f.read().replace(b'\0', b' ').decode(errors='replace')
    except OSError:
        return ''


def drop_page_cache():
    """Empty the kernel's page, dentry and inode caches so that a cold run reads the disk; False if not allowed."""
    try:
        os.sync()
        with open('/proc/sys/vm/drop_caches', 'w') as f:
            f.write('3')
        return True
    except OSError:
        return False


def launch(root, nproc, workers, work, timeout=900):
    """One torchrun job until its first iteration: {mark: seconds}, rank RSS list, worker RSS list."""
    from ltr_cmd.settings_overrides import VARIABLE
    overrides = {'train.cmd_source_root': root, 'train.num_workers': workers, 'train.batch_size': 2,
                 'train.samples_per_epoch': 10000, 'train.print_interval': 1, 'train.seed': 1,
                 'ltr.pretrained_networks': release_file(os.path.join(work, 'pretrained')),
                 'ltr.workspace_dir': os.path.join(work, 'workspace'), 'ltr.tensorboard_dir': os.path.join(work, 'tb')}
    env = dict(os.environ, **{VARIABLE: json.dumps(overrides), 'PYTHONUNBUFFERED': '1', 'OMP_NUM_THREADS': '1'})
    from pytracking_cmd import registration
    ltr = registration.resolve_root(None) / 'ltr'
    log = os.path.join(work, 'log.txt')
    started = time.perf_counter()
    job = subprocess.Popen([sys.executable, '-m', 'torch.distributed.run', '--standalone', '--nproc_per_node',
                            str(nproc), 'run_training.py', 'cmd', 'dimp18_cmd'], cwd=str(ltr), env=env,
                           stdout=open(log, 'w'), stderr=subprocess.STDOUT, start_new_session=True)
    seen = {}
    try:
        while len(seen) < len(MARKS):
            if job.poll() is not None or time.perf_counter() - started > timeout:
                raise RuntimeError('no first iteration; the log ends:\n' + open(log).read()[-3000:])
            text = open(log).read()
            for name, mark in MARKS:
                if name not in seen and mark in text:
                    seen[name] = time.perf_counter() - started
            time.sleep(0.05)
        ranks = [p for p in _children(job.pid) if 'run_training.py' in _cmdline(p)]
        workers_ = [w for r in ranks for w in _leaves(r) if 'resource_tracker' not in _cmdline(w)]
        return seen, [_rss_mb(p) for p in ranks], [_rss_mb(p) for p in workers_]
    finally:  # torchrun starts every rank in a session of its own, with its workers: end them all
        for pid in _children(job.pid) + [job.pid]:
            try:
                os.killpg(pid, 9)
            except ProcessLookupError:
                pass
        job.wait()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--scales', type=float, nargs='+', default=[0.1, 1.0],
                        help='fractions of LasHeR (default 0.1 1)')
    parser.add_argument('--nproc', type=int, default=2, help='ranks (default 2)')
    parser.add_argument('--workers', type=int, default=4, help='loader workers per rank (default 4)')
    parser.add_argument('--dir', default=os.path.join(tempfile.gettempdir(), 'cmd-startup-scale'),
                        help='where the roots are built and kept')
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    tiny = build_root(os.path.join(args.dir, 'lasher_tiny'), 2, 30)
    rows = []
    base = None
    for scale in [None] + list(args.scales):
        root = tiny if scale is None else build_root(os.path.join(args.dir, 'lasher_{:g}'.format(scale)),
                                                     max(2, round(SEQUENCES * scale)))
        work = tempfile.mkdtemp(prefix='run-', dir=args.dir)
        for run in (('tiny',) if scale is None else ('cold', 'indexed')):
            if run == 'cold':
                print('page cache {}'.format('dropped' if drop_page_cache() else 'kept (not root)'), flush=True)
            seen, ranks, workers = launch(root, args.nproc, args.workers, work)
            rank_mb, worker_mb = max(ranks), max(workers) if workers else 0.0
            if base is None:
                base = (rank_mb, worker_mb)
            rows.append((run if scale is None else '{:g} {}'.format(scale, run), seen, rank_mb, worker_mb))
            print('{:12} data {:6.1f} s  trainer {:6.1f} s  first batch {:6.1f} s  first iteration {:6.1f} s  '
                  'rank RSS {:7.0f} MB '
                  '(index {:+6.0f})  worker RSS {:6.0f} MB (index {:+6.0f})  [{} ranks, {} workers]'.format(
                      rows[-1][0], seen['data'], seen['trainer'], seen['first batch'], seen['first iteration'], rank_mb,
                      rank_mb - base[0], worker_mb, worker_mb - base[1], len(ranks), len(workers)), flush=True)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    main()
