"""Training throughput of 1 process vs N processes under torchrun, for demo_cmd and dimp18_cmd.

    python benchmarks/ddp_scaling.py [--settings demo_cmd dimp18_cmd] [--nproc N] [--iterations 12] [--backend B]

Each run is pytracking's own run_training.py under `torchrun --standalone --nproc_per_node=n`
(n = 1, then N; N = the number of GPUs, or 2 without CUDA), one thread per process, the same batch
size per process, so N processes draw N times the samples per iteration. Global samples per second
are timed from rank 0's printed iteration lines after `--warmup` iterations; printed: both rates and
their ratio, measured in the same run. demo_cmd starts from a random stand-in of the demo teacher,
dimp18_cmd from a random stand-in of dimp18.pth on generated 640x480 JPEG pairs. Needs a registered
pytracking checkout.
"""
import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))

from benchmarks.train_step import write_lasher_tree  # noqa: E402

TRAIN_LINE = re.compile(r'\[train: \d+, \d+ / \d+\]')


def prepare(setting, root):
    """Overrides giving `setting` its starting network, data and sizes in a fresh workspace under `root`."""
    import torch
    from ltr_cmd import baselines, checkpoints, demo
    cuda = torch.cuda.is_available()
    common = {'ltr.workspace_dir': os.path.join(root, 'workspace'), 'ltr.tensorboard_dir': os.path.join(root, 'tb')}
    if setting == 'demo_cmd':  # the demo trains on CPU by design (ltr_cmd/demo.py)
        net = demo.MODELS['dimp'].network()
        path = checkpoints.epoch_file(checkpoints.run_dir(os.path.join(root, 'workspace'), 'ltr/cmd/demo_teacher'),
                                      type(net).__name__, 1)
        path.parent.mkdir(parents=True)
        torch.save({'net': net.state_dict(), 'constructor': net.constructor, 'net_info': None}, path)
        return dict(common, batch_size=demo.BATCH, num_workers=0)
    from ltr.models.tracking import dimpnet
    net = dimpnet.dimpnet18(backbone_pretrained=False, num_dist_bins=100, bin_displacement=0.1)
    os.makedirs(os.path.join(root, 'pretrained'))
    torch.save({'net': net.state_dict(), 'constructor': net.constructor, 'net_info': None},
               os.path.join(root, 'pretrained', baselines.of_setting(setting).release_file))
    return dict(common, cmd_source_root=write_lasher_tree(os.path.join(root, 'lasher')),
                batch_size=10 if cuda else 2, num_workers=4 if cuda else 0,
                **{'ltr.pretrained_networks': os.path.join(root, 'pretrained')})


def samples_per_second(setting, nproc, args, parallel):
    """(global samples/s of one torchrun job, from the arrival times of rank 0's iteration lines; CPU
    cores it kept busy on average, start-up included: below the process count, the processes waited
    for a core, for data or for each other).

    args:
        parallel - False for the single-process baseline, True for the run with --backend
    """
    from pytracking_cmd import registration
    with tempfile.TemporaryDirectory(prefix='cmd-ddp-') as root:
        run = prepare(setting, root)
        batch = run['batch_size']
        run.update(num_epochs=1, samples_per_epoch=args.iterations * batch * nproc, print_interval=1, fail_safe=False,
                   checkpoint_interval=10 ** 6)
        if parallel and args.backend:
            run['dist_backend'] = args.backend
        settings = {k if k.startswith('ltr.') else 'train.' + k: v for k, v in run.items()}
        env = dict(os.environ, PYTRACKING_CMD_SETTINGS=json.dumps(settings), OMP_NUM_THREADS=str(args.threads),
                   PYTHONUNBUFFERED='1')
        command = [sys.executable, '-m', 'torch.distributed.run', '--standalone', '--nproc_per_node', str(nproc),
                   'run_training.py', 'cmd', setting]
        with tempfile.TemporaryFile(mode='w+') as log:
            cpu_before, started = _children_cpu(), time.monotonic()
            job = subprocess.Popen(command, cwd=os.path.join(str(registration.resolve_root(None)), 'ltr'), env=env,
                                   stdout=subprocess.PIPE, stderr=log, text=True)
            stamps = [time.monotonic() for line in job.stdout if TRAIN_LINE.search(line)]
            returncode = job.wait()
            cores_used = (_children_cpu() - cpu_before) / (time.monotonic() - started)
            if returncode != 0 or len(stamps) <= args.warmup + 1:
                log.seek(0)
                raise RuntimeError('{} with {} process(es) failed:\n{}'.format(setting, nproc, log.read()[-3000:]))
    timed = len(stamps) - 1 - args.warmup
    return timed * batch * nproc / (stamps[-1] - stamps[args.warmup]), cores_used


def _children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main():
    import torch
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--settings', nargs='+', default=['demo_cmd', 'dimp18_cmd'], choices=['demo_cmd', 'dimp18_cmd'])
    parser.add_argument('--nproc', type=int, default=torch.cuda.device_count() or 2,
                        help='processes of the parallel run (default: every GPU, or 2 without CUDA)')
    parser.add_argument('--iterations', type=int, default=12, help='iterations per process and run (default 12)')
    parser.add_argument('--warmup', type=int, default=2, help='iterations left out of the timing (default 2)')
    parser.add_argument('--threads', type=int, default=1, help='torch threads per process (default 1)')
    parser.add_argument('--backend', choices=['nccl', 'gloo'],
                        help='settings.dist_backend of the parallel run (default: nccl with CUDA, else gloo); with '
                             '--nproc 1 it makes that one process join a group (1-GPU NCCL smoke run)')
    args = parser.parse_args()
    print('{} CPU cores, {} GPU(s); {} threads per process; global samples/s, ratios in the same run; '
          'load average {:.2f}'.format(os.cpu_count(), torch.cuda.device_count(), args.threads, os.getloadavg()[0]))
    for setting in args.settings:
        one, one_cores = samples_per_second(setting, 1, args, parallel=False)
        many, many_cores = samples_per_second(setting, args.nproc, args, parallel=True)
        print('{:11} 1 process {:7.2f} samples/s ({:.2f} cores busy), {} processes {:7.2f} samples/s ({:.2f} cores '
              'busy), ratio {:.2f}; load average {:.2f}'.format(setting, one, one_cores, args.nproc, many, many_cores,
                                                                many / one, os.getloadavg()[0]))


if __name__ == '__main__':
    main()
