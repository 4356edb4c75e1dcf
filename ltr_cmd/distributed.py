"""Several processes through torchrun: the process group, this process's device, per-rank seeds.

`torchrun --nproc_per_node=N run_training.py cmd <setting>` starts N copies of pytracking's own
run_training.py with RANK, LOCAL_RANK and WORLD_SIZE in their environment (torch.distributed's
env:// rendezvous). Without them (plain `python run_training.py`, or WORLD_SIZE=1) nothing here
changes the run. pytracking's samplers ignore the sample index and draw with Python's `random`
(ltr/data/sampler.py), so a DistributedSampler cannot split the data: every rank is seeded with
the run seed + its rank instead, and draws samples_per_epoch / N samples of its own.
"""
import os
import random
import signal
import sys

import numpy as np
import torch
import torch.distributed as dist

from ltr_cmd.errors import UserError


class DistributedSetupError(UserError, ValueError):
    """A launch that cannot work as asked (backend, GPUs, sizes); the message says what to change."""


def is_initialized():
    return dist.is_available() and dist.is_initialized()


def world_size():
    return dist.get_world_size() if is_initialized() else 1


def rank():
    return dist.get_rank() if is_initialized() else 0


def is_main_process():
    return rank() == 0


def setup(settings):
    """Join torchrun's process group when launched with WORLD_SIZE > 1, or with one process and
    settings.dist_backend set (idempotent), and set
    settings.rank, local_rank, world_size, distributed, device and the per-rank seed.

    args:
        settings - the training settings; reads device, dist_backend (None: 'nccl' for a CUDA device,
                   else 'gloo') and seed (None: drawn by rank 0 and shared)
    """
    settings.world_size = int(os.environ.get('WORLD_SIZE', '1'))
    # one process joins a group only when a backend is asked for (a smoke test of NCCL on one GPU)
    settings.distributed = 'WORLD_SIZE' in os.environ and (
        settings.world_size > 1 or getattr(settings, 'dist_backend', None) is not None)
    settings.rank = int(os.environ.get('RANK', '0')) if settings.distributed else 0
    settings.local_rank = int(os.environ.get('LOCAL_RANK', '0')) if settings.distributed else 0
    if not settings.distributed or is_initialized():
        return
    device = torch.device(getattr(settings, 'device', None) or 'cpu')
    backend = getattr(settings, 'dist_backend', None) or ('nccl' if device.type == 'cuda' else 'gloo')
    if backend == 'nccl' and not torch.cuda.is_available():
        raise DistributedSetupError('dist_backend "nccl" needs CUDA, and torch {} sees no GPU: train on CPU with '
                                    '"gloo" (the default without CUDA) or run on a GPU machine'.format(torch.__version__))
    if device.type == 'cuda':
        if settings.local_rank >= torch.cuda.device_count():
            raise DistributedSetupError('local rank {} needs GPU {}, but this node has {} visible GPU(s): start at most '
                                        '--nproc_per_node={} processes per node'.format(
                                            settings.local_rank, settings.local_rank, torch.cuda.device_count(),
                                            torch.cuda.device_count()))
        device = torch.device('cuda', settings.local_rank)  # one GPU per local rank
        torch.cuda.set_device(device)
    settings.device = device
    dist.init_process_group(backend)
    base = [getattr(settings, 'seed', None)]
    if base[0] is None:
        base = [random.SystemRandom().randrange(2 ** 31) if settings.rank == 0 else None]
        dist.broadcast_object_list(base, src=0)
    settings.seed = base[0]
    seed_process(settings.seed + settings.rank)
    print('[rank {}/{}] {} on {}, seed {} (run seed {} + rank {})'.format(
        settings.rank, settings.world_size, backend, device, settings.seed + settings.rank, settings.seed,
        settings.rank), file=sys.stderr, flush=True)
    if settings.rank != 0:
        sys.stdout = open(os.devnull, 'w')  # the printed log is rank 0's; errors still reach stderr


def seed_process(seed):
    """Seed `random` (pytracking's samplers), numpy and torch; loader workers derive their seeds from
    torch's generator (torch.utils.data), so they differ per rank too."""
    random.seed(seed)
    np.random.seed(seed % 2 ** 32)
    torch.manual_seed(seed)


def samples_per_rank(settings):
    """This process's share of settings.samples_per_epoch (the global amount of data per epoch), so an
    epoch is the same work for any number of processes; batch_size stays per process."""
    setup(settings)
    share = settings.samples_per_epoch // settings.world_size
    if share < settings.batch_size:
        raise DistributedSetupError('samples_per_epoch={} over {} process(es) gives {} per process, less than one batch '
                                    '(batch_size={} per process): raise samples_per_epoch to at least {}'.format(
                                        settings.samples_per_epoch, settings.world_size, share, settings.batch_size,
                                        settings.batch_size * settings.world_size))
    return share


def all_mean(values, device):
    """Mean over ranks of a list of floats (the list itself when not distributed)."""
    if not is_initialized():
        return list(values)
    tensor = torch.tensor(values, dtype=torch.float64, device=device)
    dist.all_reduce(tensor)
    return (tensor / world_size()).tolist()


def all_gather(value):
    """A picklable value from every rank, in rank order ([value] when not distributed)."""
    if not is_initialized():
        return [value]
    gathered = [None] * world_size()
    dist.all_gather_object(gathered, value)
    return gathered


def barrier():
    if is_initialized():
        dist.barrier()


def shutdown():
    """Leave the process group (at the end of training, or after an error)."""
    if is_initialized():
        dist.destroy_process_group()


def ignore_sigterm(_worker_id=None):
    """Loader worker_init_fn: a scheduler's SIGTERM to every process of the job must not end the data
    workers before the trainer has written its checkpoint; they exit with their parent."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
