"""pytracking's LTRTrainer with the training step owned here: several processes, mixed precision,
checkpoints that survive a crash. docs/training.md ("Several GPUs and nodes", "Mixed precision",
"Preemption and resume") says how to use them.

What LTRTrainer (ltr/trainers/ltr_trainer.py) and BaseTrainer (base_trainer.py) lack, and this adds:
- DistributedDataParallel around what trains: every parameter outside the optimizer's groups (the
  frozen backbone, unused layers) has requires_grad False before the wrapper is built, so DDP neither
  buckets nor all-reduces it; an explicit teacher outside actor.net is not wrapped. BaseTrainer's
  is_multi_gpu knows DataParallel only, so the plain network is kept in self.net and checkpointed as
  single-process runs do: a stock network file.
- Only rank 0 writes checkpoints (BaseTrainer's tmp-then-rename races when two processes write the
  same path), TensorBoard and the printed log; printed and TensorBoard stats are means over ranks.
- settings.amp ('bf16' | 'fp16' | None): torch.autocast around the network's forward only, so the
  objectives see float32 outputs; PrRoIPool and the DiMP filter optimisers run in float32; fp16 uses
  torch.amp.GradScaler, unscaled before gradient clipping, its state in every checkpoint.
- Checkpoints written through ltr_cmd.checkpoints.save (flushed to disk before the rename): per epoch
  (BaseTrainer's file, plus the scaler) and every settings.checkpoint_interval iterations and on
  SIGTERM (what a mid-epoch resume needs: scheduler, iteration, RNG states of every rank). Resuming
  takes the newest readable file; a damaged one is named and skipped.
- Each epoch tells the loader which samples to draw (ltr_cmd/data/sampling.py), from the first batch
  not yet trained after a mid-epoch resume.
"""
import hashlib
import os
import random
import signal
import sys
import traceback
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

from ltr_cmd import checkpoints, distributed
from ltr_cmd.data.paired_dataset import COUNT_PREFIX
from ltr_cmd.data.sampling import sample_seed

AMP_DTYPES = {'bf16': torch.bfloat16, 'fp16': torch.float16}
# Iterations between interval checkpoints: about 15 minutes at an assumed 1 iteration per second
# (batch 10 of 288-352 pixel crops, ResNet-50, frozen backbone, one GPU); not measured here, see
# docs/training.md. Override with settings.checkpoint_interval.
CHECKPOINT_INTERVAL = 900
# Modules kept in float32 under autocast: PrRoIPool's integrals and the filter optimisers' steepest
# descent / Newton solve, where bfloat16's 8-bit mantissa loses the small step sizes.
FLOAT32_MODULES = (PrRoIPool2D, classifier_optimizers.DiMPSteepestDescentGN,
                   classifier_optimizers.DiMPL2SteepestDescentGN, classifier_optimizers.PrDiMPSteepestDescentNewton)
MB = 2 ** 20


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
    """This process's random streams, in types a weights-only load accepts (numpy's key as a tensor)."""
    name, keys, position, has_gauss, cached = np.random.get_state()
    state = {'random': random.getstate(), 'numpy': [name, torch.from_numpy(keys.astype(np.int64)), position,
                                                     has_gauss, cached],
             'torch': torch.get_rng_state()}
    if torch.cuda.is_available():
        state['cuda'] = torch.cuda.get_rng_state_all()
    return state


def _set_rng_state(state):
    random.setstate(state['random'])
    name, keys, position, has_gauss, cached = state['numpy']
    np.random.set_state((name, keys.numpy().astype(np.uint32), position, has_gauss, cached))
    torch.set_rng_state(state['torch'])
    if 'cuda' in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state['cuda'])


def _digest(tensors):
    sha = hashlib.sha1()
    for tensor in tensors:
        sha.update(tensor.detach().cpu().contiguous().view(-1).view(torch.uint8).numpy().tobytes())
    return sha.hexdigest()[:16]


def _megabytes(parameters):
    return sum(p.numel() * p.element_size() for p in parameters) / MB


class CMDTrainer(LTRTrainer):
    """LTRTrainer for one or several processes (torchrun), with settings.amp and crash-safe checkpoints.

    args:
        actor, loaders, optimizer, settings, lr_scheduler, freeze_backbone_bn_layers - as LTRTrainer's;
            settings.find_unused_parameters (default False) is DDP's, for a setting whose trained
            parameters do not all receive a gradient in every step (no CMD setting: they train what
            they run)
    """

    _built = None  # a list while capturing(): train() records the trainer there instead of training

    @classmethod
    @contextmanager
    def capturing(cls):
        """`with CMDTrainer.capturing() as built: setting.run(settings)`: the trainers a train setting builds,
        with train() returning at once, for checks and benchmarks that drive the real trainer's step."""
        cls._built = []
        try:
            yield cls._built
        finally:
            cls._built = None

    def __init__(self, actor, loaders, optimizer, settings, lr_scheduler=None, freeze_backbone_bn_layers=False):
        distributed.setup(settings)  # the process group, this rank's device and seed, before the net moves there
        settings.amp = getattr(settings, 'amp', None)
        if settings.amp is not None and settings.amp not in AMP_DTYPES:
            raise ValueError('settings.amp must be None, "bf16" or "fp16", got {!r}'.format(settings.amp))
        settings.checkpoint_interval = int(getattr(settings, 'checkpoint_interval', None) or CHECKPOINT_INTERVAL)
        if settings.env.workspace_dir is not None:  # BaseTrainer's exists-then-makedirs races between ranks
            os.makedirs(os.path.join(os.path.expanduser(settings.env.workspace_dir), 'checkpoints'), exist_ok=True)
        BaseTrainer.__init__(self, actor, loaders, optimizer, settings, lr_scheduler)
        # The rest of LTRTrainer.__init__, with its TensorBoard writer (event files) in rank 0 only
        self._set_default_settings()
        self.stats = OrderedDict({loader.name: None for loader in self.loaders})
        self.tensorboard_writer = TensorboardWriter(
            os.path.join(self.settings.env.tensorboard_dir, self.settings.project_path),
            [loader.name for loader in loaders]) if distributed.is_main_process() else None
        self.move_data_to_gpu = getattr(settings, 'move_data_to_gpu', True)
        self.freeze_backbone_bn_layers = freeze_backbone_bn_layers

        self.net = self.actor.net  # the plain network: checkpoints, parameter checks
        self._train_only_the_optimized_parameters()
        forward_net = self.net
        if settings.amp is not None:
            forward_net = AutocastNet(forward_net, self.device.type, AMP_DTYPES[settings.amp])
        self.ddp = None
        if settings.distributed:
            forward_net = self.ddp = DistributedDataParallel(
                forward_net, device_ids=[self.device.index] if self.device.type == 'cuda' else None,
                find_unused_parameters=bool(getattr(settings, 'find_unused_parameters', False)))
        self._runner = self.actor
        while hasattr(self._runner, 'actor'):  # CrossModalActor -> the stock actor that calls the network
            self._runner = self._runner.actor
        self._runner.net = forward_net
        self.scaler = torch.amp.GradScaler(self.device.type, enabled=settings.amp == 'fp16')
        self._resume_iteration = 0
        self._sigterm = False
        self._sync_reported = False

    def _train_only_the_optimized_parameters(self):
        """requires_grad False for every parameter outside the optimizer's groups, so that neither autograd
        nor DDP spends anything on it. pytracking's Backbone sets it for its frozen layers only in train(),
        which the trainer first calls after DDP would have been built: train() is called here first."""
        self.net.train()
        trained = {id(p) for group in self.optimizer.param_groups for p in group['params']}
        frozen = [p for p in self.net.parameters() if id(p) not in trained or not p.requires_grad]
        for parameter in frozen:
            parameter.requires_grad_(False)
        trainable = [p for p in self.net.parameters() if p.requires_grad]
        if distributed.is_main_process():
            print('trained: {} parameter tensors ({:.1f} MB); frozen: {} ({:.1f} MB)'.format(
                len(trainable), _megabytes(trainable), len(frozen), _megabytes(frozen)))

    @contextmanager
    def _plain_net(self):
        """BaseTrainer's save/load use actor.net: the plain network during them."""
        net, self.actor.net = self.actor.net, self.net
        try:
            yield
        finally:
            self.actor.net = net

    @property
    def _run_dir(self):
        return checkpoints.run_dir(self.settings.env.workspace_dir, self.settings.project_path)

    def train(self, max_epochs, load_latest=False, fail_safe=True):
        """BaseTrainer.train's epoch loop, with SIGTERM writing a checkpoint. Its own retry loop has no exit
        after the last epoch (it reloads the latest checkpoint nine more times), so the loop is here.
        fail_safe (retry an epoch after an error, up to 10 times) is off when distributed: a retry on one
        rank would desynchronise the others; torchrun's --max-restarts restarts every rank from the latest
        checkpoint instead."""
        if CMDTrainer._built is not None:
            CMDTrainer._built.append(self)
            return
        if self.settings.distributed and fail_safe:
            print('fail_safe is off with {} processes: use torchrun --max-restarts to resume after a failure'.format(
                self.settings.world_size))
            fail_safe = False
        previous = signal.signal(signal.SIGTERM, self._on_sigterm)
        try:
            self._remove_leftover_temporary_files()
            for attempt in range(10 if fail_safe else 1):
                try:
                    if load_latest:
                        self.load_checkpoint()
                    for epoch in range(self.epoch + 1, max_epochs + 1):
                        self.epoch = epoch
                        self.train_epoch()
                        if self.lr_scheduler is not None:
                            self.lr_scheduler.step()
                        if self._checkpoint_dir:
                            self.save_checkpoint()
                    break
                except Exception:
                    if not fail_safe or attempt == 9:
                        raise
                    print('Training crashed at epoch {}:\n{}Restarting training from the last checkpoint ...'.format(
                        self.epoch, traceback.format_exc()))
                    self.epoch -= 1
                    load_latest = True
            print('Finished training!')
        finally:
            signal.signal(signal.SIGTERM, previous)
            self._release_ddp()
            distributed.shutdown()

    def _release_ddp(self):
        """Free the DDP wrapper while the process group is still registered. Its Reducer frees what it
        holds with the GIL held; were it the group's last holder, ProcessGroupGloo's destructor would wait
        for a worker thread that needs the GIL to free the last collective's tensors: a hang at the end
        of 2 in 100 runs of dimp18_cmd on 2 gloo ranks (pytorch/pytorch#56297). The group's Python
        handle, freed last by destroy_process_group, releases the GIL first."""
        if self.ddp is not None:
            self._runner.net, self.ddp = self.ddp.module, None

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
        if hasattr(loader, 'set_epoch'):
            loader.set_epoch(self.epoch, self.settings.seed, start)
        for i, data in enumerate(loader, start + 1):
            counts = {'Data/' + key[len(COUNT_PREFIX):]: data.pop(key).sum().item()  # before the transfer: no sync
                      for key in [k for k in data if k.startswith(COUNT_PREFIX)]}
            if self.move_data_to_gpu:
                data = data.to(self.device, non_blocking=True)
            if i == start + 1:
                self._check_distinct_samples(data)
            data['epoch'] = self.epoch
            data['settings'] = self.settings

            loss, stats = self.actor(data)
            stats.update(counts)

            if loader.training:
                self.optimizer.zero_grad()
                self.scaler.scale(loss).backward()
                if hasattr(self.settings, 'grad_clip_max_norm'):
                    self.scaler.unscale_(self.optimizer)
                    torch.nn.utils.clip_grad_norm_(self.net.parameters(), self.settings.grad_clip_max_norm)
                self.scaler.step(self.optimizer)
                self.scaler.update()
                if not self._sync_reported:
                    self._report_gradient_sync()

            stats, stop = self._mean_over_ranks(stats)
            self._update_stats(stats, loader.batch_size, loader)
            self._print_stats(i, loader, loader.batch_size * self.settings.world_size)
            if loader.training and (stop or (i % self.settings.checkpoint_interval == 0 and i < len(loader))):
                self.save_interval_checkpoint(i, loader.batch_size)
            if stop:
                self._exit_after_sigterm()

    def _report_gradient_sync(self):
        """After the first step (rank 0): what DDP synchronises per step, read from DDP's own
        logging data (its buckets), beside what the optimizer trains."""
        self._sync_reported = True
        if self.ddp is None or not distributed.is_main_process():
            return
        logged = self.ddp._get_ddp_logging_data()
        buckets = [int(b) for b in str(logged.get('bucket_sizes', '')).split(',') if b.strip()]
        trainable = _megabytes(p for p in self.net.parameters() if p.requires_grad)
        print('gradient sync: {:.1f} MB per step in {} bucket(s), {} parameter tensors; trained parameters {:.1f} MB '
              '(ratio {:.3f})'.format(sum(buckets) / MB, len(buckets), logged.get('num_parameter_tensors'), trainable,
                                      sum(buckets) / MB / trainable if trainable else float('nan')))

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
        ranks train on the same samples."""
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

    # --------------------------------------------------------------------------------------------
    # Checkpoints

    def _state(self):
        """What BaseTrainer.save_checkpoint saves (a stock network file), and the scaler."""
        return {'epoch': self.epoch, 'actor_type': type(self.actor).__name__, 'net_type': type(self.net).__name__,
                'net': self.net.state_dict(), 'net_info': getattr(self.net, 'info', None),
                'constructor': getattr(self.net, 'constructor', None), 'optimizer': self.optimizer.state_dict(),
                'stats': self.stats, 'settings': self.settings, 'scaler': self.scaler.state_dict()}

    def _remove_leftover_temporary_files(self):
        """Temporary files of saves killed before their rename: never complete, never read."""
        if self._checkpoint_dir and distributed.is_main_process():
            for leftover in checkpoints.leftover_temporary_files(self._run_dir):
                os.remove(leftover)
                print('removed {}: a checkpoint save that was killed before it finished'.format(leftover))
        distributed.barrier()

    def save_interval_checkpoint(self, iteration, batch_size):
        """Write (rank 0) what a mid-epoch resume needs; older interval checkpoints are removed once it is
        on disk. Every rank contributes its RNG state.

        args:
            iteration - iterations of the current epoch done by each rank
            batch_size - per-process batch size
        """
        rng = distributed.all_gather(_rng_state())
        if distributed.is_main_process() and self._checkpoint_dir:
            state = dict(self._state(), iteration=iteration,
                         samples_done=iteration * batch_size * self.settings.world_size,
                         lr_scheduler=self.lr_scheduler.state_dict(), rng=rng, seed=self.settings.seed)
            path = checkpoints.interval_file(self._run_dir, type(self.net).__name__, self.epoch, iteration)
            checkpoints.save(state, path)
            for old in checkpoints.interval_files(self._run_dir):
                if old != path:
                    os.remove(old)
            print('interval checkpoint: epoch {}, iteration {} -> {}'.format(self.epoch, iteration, path))
        distributed.barrier()

    def save_checkpoint(self):
        """The per-epoch checkpoint (BaseTrainer's file name and contents, a stock network file, plus the
        scaler), from rank 0 only; interval checkpoints of finished epochs are removed once it is on disk."""
        if distributed.is_main_process():
            checkpoints.save(self._state(), checkpoints.epoch_file(self._run_dir, type(self.net).__name__, self.epoch))
            for old in checkpoints.interval_files(self._run_dir):
                if checkpoints.position(old)[0] <= self.epoch:
                    os.remove(old)
        distributed.barrier()

    def load_checkpoint(self, checkpoint=None, fields=None, ignore_fields=None, load_constructor=False):
        """Without an argument: resume from the newest readable checkpoint of this run (an interval one of
        an unfinished epoch, else the last epoch's); an unreadable file is named and the one before it is
        used. With one: BaseTrainer's load of that epoch or file (every rank reads the same file)."""
        if checkpoint is not None or not self._checkpoint_dir:
            with self._plain_net():
                return super().load_checkpoint(checkpoint, fields, ignore_fields, load_constructor)
        for path in checkpoints.resume_candidates(self._run_dir, type(self.net).__name__):
            try:
                state = checkpoints.load_checkpoint(path)
            except checkpoints.CorruptCheckpointError as error:
                print('WARNING: {}; resuming from the checkpoint before it'.format(error), file=sys.stderr, flush=True)
                continue
            if checkpoints.position(path)[1] is None:
                self._apply_epoch_checkpoint(state)
                print('resuming after epoch {} from {}'.format(self.epoch, path))
            else:
                self._apply_interval_checkpoint(state, path)
            return True
        print('No matching checkpoint file found')
        return False

    def _apply_epoch_checkpoint(self, state):
        """What BaseTrainer.load_checkpoint takes from a per-epoch file, and the scaler."""
        self.net.load_state_dict(state['net'])
        self.optimizer.load_state_dict(state['optimizer'])
        self.stats, self.epoch = state['stats'], state['epoch']
        if state.get('net_info') is not None:
            self.net.info = state['net_info']
        if 'scaler' in state:
            self.scaler.load_state_dict(state['scaler'])
        self.lr_scheduler.last_epoch = self.epoch

    def _apply_interval_checkpoint(self, state, path):
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
        else:  # another world size: fresh streams for the actor's draws, distinct per rank and position
            distributed.seed_all(sample_seed(state['seed'], 'rank {} after {}'.format(
                self.settings.rank, state['samples_done'])))
        print('resuming epoch {} after iteration {} ({} samples done, {} process(es) then, {} now) from {}'.format(
            state['epoch'], self._resume_iteration, state['samples_done'], len(state['rng']),
            self.settings.world_size, path))

    def _exit_after_sigterm(self):
        """Leave as an unhandled SIGTERM would (fail_safe would retry after an exception), now that the
        checkpoint is written."""
        print('SIGTERM: checkpoint written, exiting', flush=True)
        sys.stdout.flush()
        sys.stderr.flush()
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)
