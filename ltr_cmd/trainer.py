"""pytracking's LTRTrainer with the training step owned here: several processes, mixed precision,
preemption-safe checkpoints. docs/training.md ("Several GPUs and nodes", "Mixed precision",
"Preemption and resume") says how to use them.

What LTRTrainer (ltr/trainers/ltr_trainer.py) and BaseTrainer (base_trainer.py) lack, and this adds:
- DistributedDataParallel around the trainable student (frozen parameters take no part in gradient
  sync; an explicit teacher outside actor.net is not wrapped). BaseTrainer's is_multi_gpu knows
  DataParallel only, so the plain network is kept in self.net and checkpointed as single-process
  runs do: a stock network file.
- Only rank 0 writes checkpoints (BaseTrainer's tmp-then-rename races when two processes write the
  same path), TensorBoard and the printed log; printed and TensorBoard stats are means over ranks.
- settings.amp ('bf16' | 'fp16' | None): torch.autocast around the network's forward only, so the
  objectives see float32 outputs; PrRoIPool and the DiMP filter optimisers run in float32; fp16 uses
  torch.amp.GradScaler.
- Interval checkpoints every settings.checkpoint_interval iterations and on SIGTERM, holding what a
  mid-epoch resume needs (scheduler, iteration, RNG states of every rank), which the per-epoch files
  lack. BaseTrainer's per-epoch checkpoints stay as they are.
"""
import glob
import hashlib
import os
import random
import signal
import sys
from collections import OrderedDict
from contextlib import contextmanager

import numpy as np
import torch
import torch.nn as nn
from ltr.admin.tensorboard import TensorboardWriter
from ltr.external.PreciseRoIPooling.pytorch.prroi_pool import PrRoIPool2D
from ltr.models.target_classifier import optimizer as classifier_optimizers
from ltr.trainers import BaseTrainer, LTRTrainer
from ltr.trainers.ltr_trainer import freeze_batchnorm_layers
from torch.nn.parallel import DistributedDataParallel

from ltr_cmd import distributed

AMP_DTYPES = {'bf16': torch.bfloat16, 'fp16': torch.float16}
# Iterations between interval checkpoints: about 15 minutes at an assumed 1 iteration per second
# (batch 10 of 288-352 pixel crops, ResNet-50, frozen backbone, one GPU); not measured here, see
# docs/training.md. Override with settings.checkpoint_interval.
CHECKPOINT_INTERVAL = 900
INTERVAL_FOLDER = 'interval'
# Modules kept in float32 under autocast: PrRoIPool's integrals and the filter optimisers' steepest
# descent / Newton solve, where bfloat16's 8-bit mantissa loses the small step sizes.
FLOAT32_MODULES = (PrRoIPool2D, classifier_optimizers.DiMPSteepestDescentGN,
                   classifier_optimizers.DiMPL2SteepestDescentGN, classifier_optimizers.PrDiMPSteepestDescentNewton)


def _to_float32(value):
    if torch.is_tensor(value):
        return value.float() if value.is_floating_point() else value
    if isinstance(value, (list, tuple)):
        return type(value)([_to_float32(v) for v in value])
    if isinstance(value, dict):
        return type(value)((k, _to_float32(v)) for k, v in value.items())
    return value


class AutocastNet(nn.Module):
    """Runs `module` under torch.autocast and returns float32 outputs, so the objectives' reductions
    (in the actor) stay float32.

    args:
        module - the network
        device_type - 'cuda' or 'cpu'
        dtype - torch.bfloat16 or torch.float16
    """

    def __init__(self, module, device_type, dtype):
        super().__init__()
        self.module, self.device_type, self.dtype = module, device_type, dtype
        for sub in module.modules():
            if isinstance(sub, FLOAT32_MODULES) and not getattr(sub, '_float32_forward', False):
                sub.forward = self._float32(sub.forward)
                sub._float32_forward = True

    def _float32(self, forward):
        def run(*args, **kwargs):
            with torch.autocast(self.device_type, enabled=False):
                return forward(*_to_float32(args), **_to_float32(kwargs))
        return run

    def forward(self, *args, **kwargs):
        with torch.autocast(self.device_type, dtype=self.dtype):
            output = self.module(*args, **kwargs)
        return _to_float32(output)


def _rng_state():
    state = {'random': random.getstate(), 'numpy': np.random.get_state(), 'torch': torch.get_rng_state()}
    if torch.cuda.is_available():
        state['cuda'] = torch.cuda.get_rng_state_all()
    return state


def _set_rng_state(state):
    random.setstate(state['random'])
    np.random.set_state(state['numpy'])
    torch.set_rng_state(state['torch'])
    if 'cuda' in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state['cuda'])


def _digest(tensors):
    sha = hashlib.sha1()
    for tensor in tensors:
        sha.update(tensor.detach().cpu().contiguous().view(-1).view(torch.uint8).numpy().tobytes())
    return sha.hexdigest()[:16]


class CMDTrainer(LTRTrainer):
    """LTRTrainer for one or several processes (torchrun), with settings.amp and interval checkpoints.

    args:
        actor, loaders, optimizer, settings, lr_scheduler, freeze_backbone_bn_layers - as LTRTrainer's
    """

    def __init__(self, actor, loaders, optimizer, settings, lr_scheduler=None, freeze_backbone_bn_layers=False):
        distributed.setup(settings)
        settings.amp = getattr(settings, 'amp', None)
        if settings.amp is not None and settings.amp not in AMP_DTYPES:
            raise ValueError('settings.amp must be None, "bf16" or "fp16", got {!r}'.format(settings.amp))
        settings.checkpoint_interval = int(getattr(settings, 'checkpoint_interval', None) or CHECKPOINT_INTERVAL)
        if settings.env.workspace_dir is not None:  # BaseTrainer's exists-then-makedirs races between ranks
            os.makedirs(os.path.join(os.path.expanduser(settings.env.workspace_dir), 'checkpoints'), exist_ok=True)
        # LTRTrainer.__init__ without its TensorBoard writer, which opens event files in every process
        BaseTrainer.__init__(self, actor, loaders, optimizer, settings, lr_scheduler)
        self._set_default_settings()
        self.stats = OrderedDict({loader.name: None for loader in self.loaders})
        self.tensorboard_writer = TensorboardWriter(
            os.path.join(self.settings.env.tensorboard_dir, self.settings.project_path),
            [loader.name for loader in loaders]) if distributed.is_main_process() else None
        self.move_data_to_gpu = getattr(settings, 'move_data_to_gpu', True)
        self.freeze_backbone_bn_layers = freeze_backbone_bn_layers

        self.net = self.actor.net  # the plain network: checkpoints, parameter checks
        forward_net = self.net
        if settings.amp is not None:
            forward_net = AutocastNet(forward_net, self.device.type, AMP_DTYPES[settings.amp])
        if settings.distributed:
            # DiMP's filter optimiser differentiates inside forward (torch.autograd.grad): with DDP's
            # default bookkeeping the averaged gradients came out wrong; with the graph traversal of
            # find_unused_parameters they equal the mean of the ranks' own (tests/integration/ddp_gradients.py)
            forward_net = DistributedDataParallel(
                forward_net, device_ids=[self.device.index] if self.device.type == 'cuda' else None,
                find_unused_parameters=True)
        runner = self.actor
        while hasattr(runner, 'actor'):  # CrossModalActor -> the stock actor that calls the network
            runner = runner.actor
        runner.net = forward_net
        self.scaler = torch.amp.GradScaler(self.device.type, enabled=settings.amp == 'fp16')
        self._resume_iteration = 0
        self._sigterm = False

    @contextmanager
    def _plain_net(self):
        """BaseTrainer's save/load use actor.net: the plain network during them."""
        net, self.actor.net = self.actor.net, self.net
        try:
            yield
        finally:
            self.actor.net = net

    def train(self, max_epochs, load_latest=False, fail_safe=True):
        """LTRTrainer.train, with SIGTERM writing a checkpoint. fail_safe (retry an epoch after an error)
        is off when distributed: a retry on one rank would desynchronise the others; torchrun's
        --max-restarts restarts every rank from the latest checkpoint instead."""
        if self.settings.distributed and fail_safe:
            print('fail_safe is off with {} processes: use torchrun --max-restarts to resume after a failure'.format(
                self.settings.world_size))
            fail_safe = False
        previous = signal.signal(signal.SIGTERM, self._on_sigterm)
        try:
            super().train(max_epochs, load_latest=load_latest, fail_safe=fail_safe)
        finally:
            signal.signal(signal.SIGTERM, previous)
            distributed.shutdown()

    def _on_sigterm(self, _signum, _frame):
        print('[rank {}] SIGTERM: writing a checkpoint after this iteration'.format(self.settings.rank),
              file=sys.stderr, flush=True)
        self._sigterm = True

    def train_epoch(self):
        super().train_epoch()
        self._check_identical_parameters()

    def cycle_dataset(self, loader):
        """LTRTrainer.cycle_dataset with the scaler, rank-averaged stats, interval checkpoints and a
        mid-epoch start after a resume."""
        self.actor.train(loader.training)
        if self.freeze_backbone_bn_layers:
            freeze_batchnorm_layers(self.net.feature_extractor)
        torch.set_grad_enabled(loader.training)
        self._init_timing()
        start = self._resume_iteration if loader.training else 0
        self._resume_iteration = 0
        for i, data in enumerate(loader, start + 1):
            if i > len(loader):
                break
            if self.move_data_to_gpu:
                data = data.to(self.device)
            if i == start + 1:
                self._check_distinct_samples(data)
            data['epoch'] = self.epoch
            data['settings'] = self.settings

            loss, stats = self.actor(data)

            if loader.training:
                self.optimizer.zero_grad()
                self.scaler.scale(loss).backward()
                if hasattr(self.settings, 'grad_clip_max_norm'):
                    self.scaler.unscale_(self.optimizer)
                    torch.nn.utils.clip_grad_norm_(self.net.parameters(), self.settings.grad_clip_max_norm)
                self.scaler.step(self.optimizer)
                self.scaler.update()

            stats, stop = self._mean_over_ranks(stats)
            self._update_stats(stats, loader.batch_size, loader)
            self._print_stats(i, loader, loader.batch_size * self.settings.world_size)
            if loader.training and (stop or (i % self.settings.checkpoint_interval == 0 and i < len(loader))):
                self.save_interval_checkpoint(i, loader.batch_size)
            if stop:
                self._exit_after_sigterm()

    def _mean_over_ranks(self, stats):
        """(stats averaged over ranks, whether any rank got SIGTERM): one all-reduce per iteration."""
        names = list(stats)
        values = distributed.all_mean([float(stats[n]) for n in names] + [float(self._sigterm)], self.device)
        return OrderedDict(zip(names, values[:-1])), values[-1] > 0

    def _print_stats(self, i, loader, batch_size):
        if distributed.is_main_process():
            super()._print_stats(i, loader, batch_size)

    def _write_tensorboard(self):
        if self.tensorboard_writer is not None:
            super()._write_tensorboard()

    def _check_distinct_samples(self, data):
        """Log (rank 0) a fingerprint of every rank's first batch of the epoch; identical ones mean the
        ranks share a seed and train on the same samples."""
        if not self.settings.distributed:
            return
        prints = distributed.all_gather(_digest([data['train_images'], data['test_images']]))
        if distributed.is_main_process():
            distinct = len(set(prints)) == len(prints)
            print('epoch {}: first batch per rank {} ({})'.format(
                self.epoch, prints, 'distinct' if distinct else 'IDENTICAL: the ranks draw the same samples'),
                file=sys.stdout if distinct else sys.stderr)

    def _check_identical_parameters(self):
        """DistributedDataParallel keeps the ranks' trainable parameters bit-identical; say so per epoch,
        and stop if they are not (a desynchronised run)."""
        if not self.settings.distributed:
            return
        digests = distributed.all_gather(_digest(p for p in self.net.parameters() if p.requires_grad))
        if len(set(digests)) != 1:
            raise RuntimeError('epoch {}: trainable parameters differ between ranks {}'.format(self.epoch, digests))
        if distributed.is_main_process():
            print('epoch {}: trainable parameters bit-identical on {} ranks (sha1 {})'.format(
                self.epoch, len(digests), digests[0]))

    def _interval_dir(self):
        return os.path.join(self._checkpoint_dir, self.settings.project_path, INTERVAL_FOLDER)

    def _interval_files(self):
        return sorted(glob.glob(os.path.join(self._interval_dir(), '{}_ep*_it*.pth.tar'.format(type(self.net).__name__))))

    def save_interval_checkpoint(self, iteration, batch_size):
        """Write (rank 0, temporary file then rename) what a mid-epoch resume needs, and remove older
        interval checkpoints. Every rank contributes its RNG state.

        args:
            iteration - iterations of the current epoch done by each rank
            batch_size - per-process batch size
        """
        rng = distributed.all_gather(_rng_state())
        if distributed.is_main_process() and self._checkpoint_dir:
            os.makedirs(self._interval_dir(), exist_ok=True)
            state = {'epoch': self.epoch, 'iteration': iteration,
                     'samples_done': iteration * batch_size * self.settings.world_size,
                     'net_type': type(self.net).__name__, 'actor_type': type(self.actor).__name__,
                     'net': self.net.state_dict(), 'net_info': getattr(self.net, 'info', None),
                     'constructor': getattr(self.net, 'constructor', None),
                     'optimizer': self.optimizer.state_dict(), 'lr_scheduler': self.lr_scheduler.state_dict(),
                     'scaler': self.scaler.state_dict(), 'stats': self.stats, 'rng': rng,
                     'seed': getattr(self.settings, 'seed', None), 'settings': self.settings}
            path = os.path.join(self._interval_dir(), '{}_ep{:04d}_it{:06d}.pth.tar'.format(
                type(self.net).__name__, self.epoch, iteration))
            torch.save(state, path + '.tmp')
            os.replace(path + '.tmp', path)
            for old in self._interval_files():
                if old != path:
                    os.remove(old)
            print('interval checkpoint: epoch {}, iteration {} -> {}'.format(self.epoch, iteration, path))
        distributed.barrier()

    def save_checkpoint(self):
        """BaseTrainer's per-epoch checkpoint (a stock network file), from rank 0 only; interval
        checkpoints of finished epochs are removed."""
        if distributed.is_main_process():
            with self._plain_net():
                super().save_checkpoint()
            for old in self._interval_files():
                if int(os.path.basename(old).split('_ep')[1][:4]) <= self.epoch:
                    os.remove(old)
        distributed.barrier()

    def load_checkpoint(self, checkpoint=None, fields=None, ignore_fields=None, load_constructor=False):
        """BaseTrainer's load (every rank reads the same file); without an argument, then the latest
        interval checkpoint if it is newer than the latest finished epoch."""
        with self._plain_net():
            loaded = super().load_checkpoint(checkpoint, fields, ignore_fields, load_constructor)
        if checkpoint is None and self._checkpoint_dir:
            return self._load_interval_checkpoint() or loaded
        return loaded

    def _load_interval_checkpoint(self):
        files = self._interval_files()
        if not files:
            return None
        # written by this trainer: RNG states and meters need full unpickling
        state = torch.load(files[-1], map_location='cpu', weights_only=False)
        if state['epoch'] <= self.epoch:
            return None
        self.net.load_state_dict(state['net'])
        self.optimizer.load_state_dict(state['optimizer'])
        self.lr_scheduler.load_state_dict(state['lr_scheduler'])
        self.scaler.load_state_dict(state['scaler'])
        self.stats = state['stats']
        self.epoch = state['epoch'] - 1
        batch = next(loader.batch_size for loader in self.loaders if loader.training)
        self._resume_iteration = state['samples_done'] // (batch * self.settings.world_size)
        if len(state['rng']) == self.settings.world_size:
            _set_rng_state(state['rng'][self.settings.rank])
        else:  # another world size: fresh per-rank streams, still distinct and reproducible
            distributed.seed_process((state['seed'] or 0) + self.settings.rank + state['samples_done'])
        print('resuming epoch {} after iteration {} ({} samples done, {} process(es) then, {} now) from {}'.format(
            state['epoch'], self._resume_iteration, state['samples_done'], len(state['rng']),
            self.settings.world_size, files[-1]))
        return True

    def _exit_after_sigterm(self):
        """Leave as an unhandled SIGTERM would (BaseTrainer.train's bare except would catch an
        exception and fail_safe would retry), now that the checkpoint is written."""
        print('SIGTERM: checkpoint written, exiting', flush=True)
        sys.stdout.flush()
        sys.stderr.flush()
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)
