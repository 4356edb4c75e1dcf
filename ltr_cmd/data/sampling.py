"""Which samples a training process draws, and loader workers that live across epochs.

pytracking's samplers (ltr/data/sampler.py: DiMPSampler, ...) ignore the index they are given and
draw the dataset, sequence, frames and crop jitter from the process-global `random`, numpy and torch
generators. What sample k of an epoch is then depends on which loader worker draws it and on that
worker's history, so a restart replays or skips samples and ranks seeded alike draw the same ones.
Here each sample is drawn under a seed derived from (run seed, global sample index):

- `EpochSampler` (main process) gives rank r of W the global indices r, r + W, r + 2W, ... of its
  epoch, continuing across epochs (epoch e starts at (e - 1) x the epoch's global count); after a
  mid-epoch resume it starts at the first batch not yet trained;
- `KeyedSamples` (in the workers) seeds random, numpy and torch from (run seed, index) and calls
  pytracking's sampler.

So ranks and workers draw different samples, a sample is the same whichever worker draws it, and
a resumed run draws exactly what the uninterrupted run would have drawn next. Because the epoch
travels with the indices, the workers can stay alive across epochs (`EpochLoader`), which
pytracking's LTRLoader cannot ask for (its constructor does not pass `persistent_workers` on).
"""
import atexit
import hashlib
import multiprocessing
import multiprocessing.forkserver
import multiprocessing.resource_tracker
import random
import signal
import weakref

import numpy as np
import torch
from ltr.data import LTRLoader

from ltr_cmd import distributed


def sample_seed(run_seed, index):
    """A 64-bit seed of sample `index` of the run seeded `run_seed`."""
    digest = hashlib.blake2b('{}:{}'.format(run_seed, index).encode(), digest_size=8).digest()
    return int.from_bytes(digest, 'little')


class KeyedSamples(torch.utils.data.Dataset):
    """pytracking's sampler, every sample drawn under `sample_seed(run_seed, index)`.

    args:
        samples - a pytracking sampler dataset (DiMPSampler, ...); it is indexed with (run_seed, index)
    """

    def __init__(self, samples):
        self.samples = samples

    def __len__(self):
        return len(self.samples)

    def __getitem__(self, key):
        run_seed, index = key
        value = sample_seed(run_seed, index)
        # in the main process (num_workers=0) the trainer's own random streams are left as they were
        saved = None if torch.utils.data.get_worker_info() else (random.getstate(), np.random.get_state(),
                                                                  torch.get_rng_state())
        random.seed(value)
        np.random.seed(value % 2 ** 32)
        torch.manual_seed(value)
        try:
            return self.samples[index]
        finally:
            if saved is not None:
                random.setstate(saved[0])
                np.random.set_state(saved[1])
                torch.set_rng_state(saved[2])


class EpochSampler(torch.utils.data.Sampler):
    """(run seed, global index) of each sample this rank draws in the current epoch (set_epoch).

    args:
        per_rank - samples per rank and epoch (a multiple of the batch size)
        rank, world_size - this process and the number of processes
    """

    def __init__(self, per_rank, rank=0, world_size=1):
        super().__init__()
        self.per_rank, self.rank, self.world_size = per_rank, rank, world_size
        self.epoch, self.run_seed, self.start = 1, 0, 0

    def set_epoch(self, epoch, run_seed, start=0):
        """args:
            epoch - 1-based epoch
            run_seed - settings.seed
            start - samples of this epoch this rank has already trained on (a mid-epoch resume)
        """
        self.epoch, self.run_seed, self.start = epoch, run_seed, start

    def __len__(self):
        return self.per_rank

    def __iter__(self):
        first = (self.epoch - 1) * self.per_rank * self.world_size + self.rank
        for j in range(self.start, self.per_rank):
            yield self.run_seed, first + j * self.world_size


def _stop_workers(loader_ref):
    """Tell the workers of a loader still alive at interpreter exit to finish (a crash, or a script that
    keeps its loader to the end), as DataLoader does when its iterator is deleted."""
    iterator = getattr(loader_ref(), '_iterator', None)
    if iterator is not None and hasattr(iterator, '_shutdown_workers'):
        iterator._shutdown_workers()


def _modules_of(samples):
    """The modules of a pytracking sampler's classes: of itself, its processing and its datasets."""
    parts = [samples, getattr(samples, 'processing', None)] + list(getattr(samples, 'datasets', []))
    return sorted({type(part).__module__ for part in parts if part is not None})


def _start_helper_processes(fork_server):
    """Start multiprocessing's resource tracker (and the fork server) now, with SIGTERM and SIGUSR1 ignored,
    which they keep across their exec. A scheduler signals every process of the job; started later, inside
    training, they would get the default action (the trainer's Python handlers do not survive exec) and
    die of it, taking the loader workers with them before the trainer's checkpoint."""
    previous = {signum: signal.signal(signum, signal.SIG_IGN) for signum in distributed.STOP_SIGNALS}
    try:
        multiprocessing.resource_tracker.ensure_running()
        if fork_server:
            multiprocessing.forkserver.ensure_running()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


class EpochLoader(LTRLoader):
    """pytracking's LTRLoader over `samples` with an EpochSampler, workers kept across epochs and
    started from a fork server, this rank's share of settings.samples_per_epoch, and pinned memory for
    a CUDA device.

    args:
        name - the loader's name ('train'; stats and TensorBoard groups)
        samples - a pytracking sampler dataset (DiMPSampler, ...)
        settings - reads samples_per_epoch, batch_size, num_workers, device; torchrun's rank and world size
    """

    def __init__(self, name, samples, settings, training=True):
        per_rank = distributed.samples_per_rank(settings)
        sampler = EpochSampler(per_rank, settings.rank, settings.world_size)
        super().__init__(name, KeyedSamples(samples), training=training, batch_size=settings.batch_size,
                         sampler=sampler, num_workers=settings.num_workers, drop_last=True, stack_dim=1,
                         pin_memory=torch.device(getattr(settings, 'device', None) or 'cpu').type == 'cuda',
                         worker_init_fn=distributed.ignore_stop_signals)
        # as pytracking's MultiEpochLTRLoader sets its batch sampler: DataLoader refuses the attribute after __init__
        self._DataLoader__initialized = False
        self.persistent_workers = settings.num_workers > 0
        self._DataLoader__initialized = True
        if settings.num_workers > 0:
            # before multiprocessing's own exit handler (atexit runs last-registered first), which would
            # wait forever for workers that ignore its SIGTERM (distributed.ignore_stop_signals)
            atexit.register(_stop_workers, weakref.ref(self))
        if settings.num_workers > 0 and 'forkserver' in multiprocessing.get_all_start_methods():
            # run_training.py makes every worker a spawned interpreter that imports torch and pytracking
            # anew (2 ranks x 4 workers on 2 cores: the first batch 12.6 s after the trainer is built; from a
            # fork server 4.5 s: benchmarks/startup_scale.py). A fork server keeps CUDA out of the workers as
            # spawn does, imports those modules once per rank and forks the workers from it; the samples
            # still reach them pickled, as with spawn.
            context = multiprocessing.get_context('forkserver')
            context.set_forkserver_preload(['torch', __name__] + _modules_of(samples))
            self.multiprocessing_context = context
        if settings.num_workers > 0:
            _start_helper_processes(self.multiprocessing_context is not None)

    def set_epoch(self, epoch, run_seed, start_batch=0):
        """Draw the samples of `epoch`, from batch start_batch (0-based) on."""
        self.sampler.set_epoch(epoch, run_seed, start_batch * self.batch_size)
