"""Several processes through torchrun: the launch, the process group, this process's device, the seed.

`torchrun --nproc_per_node=N run_training.py cmd <setting>` starts N copies of pytracking's own
run_training.py with RANK, LOCAL_RANK and WORLD_SIZE in their environment (torch.distributed's
env:// rendezvous). Without them (plain `python run_training.py`, or WORLD_SIZE=1) nothing here
changes the run. Two steps, in this order:
- `launch(settings)`: what torchrun says (rank, world size); no process group. Data building uses it
  (each rank's share of an epoch), so building the loader starts nothing.
- `setup(settings)`: once, at the trainer's start (ltr_cmd.trainer.CMDTrainer): the process group,
  this rank's device, the printed log of rank 0 only, and the seed (`seed`), for one process too.
Which samples a rank draws does not depend on process seeds: ltr_cmd/data/sampling.py.
"""
import math
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
    """This process's rank: the process group's, else torchrun's RANK (before the group exists), else 0."""
    return dist.get_rank() if is_initialized() else int(os.environ.get('RANK', '0'))


def is_main_process():
    return rank() == 0


def launch(settings):
    """Set settings.world_size, rank, local_rank and distributed from torchrun's environment (idempotent).

    One process joins a group only when settings.dist_backend is set (a smoke test of NCCL on one GPU).
    """
    settings.world_size = int(os.environ.get('WORLD_SIZE', '1'))
    settings.distributed = 'WORLD_SIZE' in os.environ and (
        settings.world_size > 1 or getattr(settings, 'dist_backend', None) is not None)
    settings.rank = int(os.environ.get('RANK', '0')) if settings.distributed else 0
    settings.local_rank = int(os.environ.get('LOCAL_RANK', '0')) if settings.distributed else 0


def setup(settings):
    """Join torchrun's process group when distributed, choose this rank's device, and seed (idempotent
    for the group). Called once by the trainer, before it moves the network to settings.device.

    args:
        settings - the training settings; reads device, dist_backend (None: 'nccl' for a CUDA device,
                   else 'gloo') and seed (see `seed`)
    """
    launch(settings)
    if settings.distributed and not is_initialized():
        device = torch.device(getattr(settings, 'device', None) or 'cpu')
        backend = getattr(settings, 'dist_backend', None) or ('nccl' if device.type == 'cuda' else 'gloo')
        if backend == 'nccl' and not torch.cuda.is_available():
            raise DistributedSetupError('dist_backend "nccl" needs CUDA, and torch {} sees no GPU: train on CPU with '
                                        '"gloo" (the default without CUDA) or run on a GPU machine'.format(
                                            torch.__version__))
        if device.type == 'cuda':
            if settings.local_rank >= torch.cuda.device_count():
                raise DistributedSetupError(
                    'local rank {} needs GPU {}, but this node has {} visible GPU(s): start at most --nproc_per_node={} '
                    'processes per node'.format(settings.local_rank, settings.local_rank, torch.cuda.device_count(),
                                                torch.cuda.device_count()))
            device = torch.device('cuda', settings.local_rank)  # one GPU per local rank
            torch.cuda.set_device(device)
        settings.device = device
        dist.init_process_group(backend)
        print('[rank {}/{}] {} on {}'.format(settings.rank, settings.world_size, backend, device), file=sys.stderr,
              flush=True)
        if settings.rank != 0:
            sys.stdout = open(os.devnull, 'w')  # the printed log is rank 0's; errors still reach stderr
    seed(settings)


def seed(settings):
    """Seed this process with settings.seed + rank (random, numpy, torch): the network's initialisation,
    the actor's draws. settings.seed None: rank 0 draws one, shares it with the others and prints it
    (set it to repeat the run). Used by every run, one process or several.

    returns:
        this process's seed
    """
    launch(settings)
    if getattr(settings, 'seed', None) is None:
        drawn = [random.SystemRandom().randrange(2 ** 31)]
        if settings.distributed:
            if not is_initialized():
                raise RuntimeError('seed(settings) without settings.seed needs the process group: call setup(settings)')
            dist.broadcast_object_list(drawn, src=0)
        settings.seed = drawn[0]
    rank_seed = settings.seed + settings.rank
    seed_all(rank_seed)
    print('[rank {}/{}] seed {} (settings.seed {} + rank {})'.format(
        settings.rank, settings.world_size, rank_seed, settings.seed, settings.rank), file=sys.stderr, flush=True)
    return rank_seed


def seed_all(value):
    """Seed random, numpy and torch (all devices) with `value`."""
    random.seed(value)
    np.random.seed(value % 2 ** 32)
    torch.manual_seed(value)


def samples_per_rank(settings):
    """This process's share of settings.samples_per_epoch (the global amount of data per epoch), rounded
    up to whole batches (batch_size is per process) so that an epoch covers at least the global count;
    rank 0 prints the count an epoch then has."""
    launch(settings)
    if settings.samples_per_epoch < 1 or settings.batch_size < 1:
        raise DistributedSetupError('samples_per_epoch ({}) and batch_size ({}) must be at least 1'.format(
            settings.samples_per_epoch, settings.batch_size))
    batches = math.ceil(settings.samples_per_epoch / (settings.world_size * settings.batch_size))
    share = batches * settings.batch_size
    if settings.rank == 0:
        print('epoch: {} process(es) x {} batches of {} = {} samples (samples_per_epoch {}{})'.format(
            settings.world_size, batches, settings.batch_size, share * settings.world_size, settings.samples_per_epoch,
            '' if share * settings.world_size == settings.samples_per_epoch else ', rounded up to whole batches'))
    return share


def all_mean(values, device):
    """Mean over ranks of a list of floats (the list itself when not distributed)."""
    if not is_initialized():
        return list(values)
    tensor = torch.tensor(values, dtype=torch.float64, device=device)
    dist.all_reduce(tensor)
    return (tensor / world_size()).tolist()


class RanksOutOfStepError(RuntimeError):
    """The ranks reached different collectives: their runs have diverged (e.g. they resumed from different
    checkpoints)."""


def all_gather(value, what):
    """A picklable value from every rank, in rank order ([value] when not distributed).

    args:
        value - this rank's value
        what - the step the value belongs to; ranks that gather at different steps raise
               RanksOutOfStepError naming each rank's step, instead of mixing unrelated values
    """
    if not is_initialized():
        return [value]
    gathered = [None] * world_size()
    dist.all_gather_object(gathered, (what, value))
    if any(step != what for step, _ in gathered):
        raise RanksOutOfStepError('the ranks are out of step: {}. Their runs have diverged; restart them from one '
                                  'checkpoint'.format(', '.join('rank {} at "{}"'.format(r, step)
                                                                for r, (step, _) in enumerate(gathered))))
    return [v for _, v in gathered]


def broadcast(value, source):
    """`value` of rank `source` on every rank (pickled; e.g. a checkpoint's state)."""
    if not is_initialized():
        return value
    box = [value]
    dist.broadcast_object_list(box, src=source)
    return box[0]


def barrier():
    if is_initialized():
        dist.barrier()


def shutdown():
    """Leave the process group (at the end of training, or after an error)."""
    if is_initialized():
        dist.destroy_process_group()


STOP_SIGNALS = (signal.SIGTERM, signal.SIGUSR1)  # preemption; SLURM's time-limit warning (docs/cluster.md)


def ignore_stop_signals(_worker_id=None):
    """Loader worker_init_fn: a scheduler's SIGTERM or SIGUSR1 to every process of the job must not end the
    data workers before the trainer has written its checkpoint; they exit with their parent."""
    for signum in STOP_SIGNALS:
        signal.signal(signum, signal.SIG_IGN)
