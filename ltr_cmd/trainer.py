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
import socket
import sys
import traceback
from collections import OrderedDict
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
from ltr.external.PreciseRoIPooling.pytorch.prroi_pool import PrRoIPool2D
from ltr.models.target_classifier import optimizer as classifier_optimizers
from ltr.trainers import LTRTrainer
from ltr.trainers.ltr_trainer import freeze_batchnorm_layers
from torch.nn.parallel import DistributedDataParallel

from ltr_cmd import checkpoints, distributed, torch_floor
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
# Exit status after SIGUSR1 and its checkpoint: sysexits' EX_TEMPFAIL, "try again later".
EXIT_CHECKPOINTED = 75


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


def _progress(state):
    """How far into training a checkpoint's state is, comparable across kinds: a per-epoch file of epoch E
    is (E, 0); an interval file of epoch E is (E - 1, samples of E done)."""
    if 'iteration' in state:
        return state['epoch'] - 1, state['samples_done']
    return state['epoch'], 0


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
        # LTRTrainer opens a TensorBoard event file for each loader it is given: rank 0 writes TensorBoard
        main = distributed.is_main_process()
        LTRTrainer.__init__(self, actor, loaders if main else [], optimizer, settings, lr_scheduler,
                            freeze_backbone_bn_layers)
        if not main:
            self.loaders, self.tensorboard_writer = loaders, None
            self.stats = OrderedDict({loader.name: None for loader in loaders})

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
        torch_floor.require('amp.GradScaler')
        self.scaler = torch.amp.GradScaler(self.device.type, enabled=settings.amp == 'fp16')
        self._resume_iteration = 0
        self._stop_signal = None  # SIGTERM or SIGUSR1 received: checkpoint, then exit
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
        previous = {signum: signal.signal(signum, self._on_stop_signal) for signum in distributed.STOP_SIGNALS}
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
            for signum, handler in previous.items():
                signal.signal(signum, handler)
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

    def _on_stop_signal(self, signum, _frame):
        self._stop_signal = signal.Signals(signum)
        print('[rank {}] {}: writing a checkpoint after this iteration'.format(self.settings.rank, self._stop_signal.name),
              file=sys.stderr, flush=True)

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
            self._stop_signal = stop or self._stop_signal
            self._update_stats(stats, loader.batch_size, loader)
            self._print_stats(i, loader, loader.batch_size * self.settings.world_size)
            if loader.training and (stop or (i % self.settings.checkpoint_interval == 0 and i < len(loader))):
                self.save_interval_checkpoint(i, loader.batch_size)
            if stop:
                self._exit_after_stop_signal()

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
        """(stats averaged over ranks, the stop signal every rank acts on: SIGTERM if any rank got it, else
        SIGUSR1 if any rank got that, else None): one all-reduce per iteration."""
        names = list(stats)
        values = distributed.all_mean([float(stats[n]) for n in names] +
                                      [float(self._stop_signal == s) for s in distributed.STOP_SIGNALS], self.device)
        received = [s for s, v in zip(distributed.STOP_SIGNALS, values[len(names):]) if v > 0]
        return OrderedDict(zip(names, values[:len(names)])), (received[0] if received else None)

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
        prints = distributed.all_gather(_digest([data['train_images'], data['test_images']]),
                                        'first batch of epoch {}'.format(self.epoch))
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
        digests = distributed.all_gather(_digest(p for p in self.net.parameters() if p.requires_grad),
                                         'parameters after epoch {}'.format(self.epoch))
        if len(set(digests)) != 1:
            raise distributed.RanksOutOfStepError('epoch {}: trainable parameters differ between ranks: {}'.format(
                self.epoch, ', '.join('rank {} sha1 {}'.format(r, d) for r, d in enumerate(digests))))
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
        """Temporary files of saves killed before their rename: never complete, never read. Every rank looks
        (node-local workspaces); on a shared one another rank may have removed a file first."""
        if self._checkpoint_dir:
            for leftover in checkpoints.leftover_temporary_files(self._run_dir):
                try:
                    os.remove(leftover)
                except FileNotFoundError:
                    continue
                print('[rank {}] removed {}: a checkpoint save that was killed before it finished'.format(
                    self.settings.rank, leftover))
        distributed.barrier()

    def save_interval_checkpoint(self, iteration, batch_size):
        """Write (rank 0) what a mid-epoch resume needs; older interval checkpoints are removed once it is
        on disk. Every rank contributes its RNG state.

        args:
            iteration - iterations of the current epoch done by each rank
            batch_size - per-process batch size
        """
        rng = distributed.all_gather(_rng_state(), 'interval checkpoint at epoch {}, iteration {}'.format(
            self.epoch, iteration))
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
        """Resume every rank from one checkpoint: the network, optimizer, scheduler and scaler, and from an
        interval file the iteration and every rank's RNG state. The ranks agree on the file: the newest that
        any rank can read (a damaged or refused file is named and skipped); a rank without that file (a
        node-local workspace, a stale listing of a shared one) gets its state from a rank that has it.

        args:
            checkpoint - None: the newest checkpoint of this run (an interval one of an unfinished epoch ranks
                         above the per-epoch one of the epoch before); an epoch number: that per-epoch file of
                         this run; a path: that file, or the newest per-epoch file in that folder
            fields, ignore_fields, load_constructor - BaseTrainer's partial load (e.g. fields=['net']): given,
                         BaseTrainer loads exactly those fields of the file, on each rank from its own disk
        returns:
            whether a checkpoint was loaded
        """
        if fields is not None or ignore_fields is not None or load_constructor:
            with self._plain_net():
                return super().load_checkpoint(checkpoint, fields, ignore_fields, load_constructor)
        net_type = type(self.net).__name__
        if checkpoint is None:
            candidates = checkpoints.resume_candidates(self._run_dir, net_type) if self._checkpoint_dir else []
        elif isinstance(checkpoint, int):
            candidates = [checkpoints.epoch_file(self._run_dir, net_type, checkpoint)]
        elif os.path.isdir(os.path.expanduser(checkpoint)):
            candidates = checkpoints.epoch_files(os.path.expanduser(checkpoint), net_type)[-1:]
        else:
            candidates = [Path(checkpoint).expanduser()]
        path, state = self._newest_readable(candidates)
        chosen, state = self._agree_on_checkpoint(path, state)
        if chosen is None:
            if checkpoint is not None:
                raise FileNotFoundError('no rank could read checkpoint {} ({}): see the warnings above'.format(
                    checkpoint, ', '.join(map(str, candidates)) or 'no {}_ep*.pth.tar file there'.format(net_type)))
            print('No matching checkpoint file found')
            return False
        if state.get('net_type') not in (None, net_type):
            raise checkpoints.CorruptCheckpointError('checkpoint {} holds a {}, this run trains a {}: give a checkpoint '
                                                     'of this setting'.format(chosen['path'], state['net_type'], net_type))
        where = chosen['path'] if chosen['host'] == socket.gethostname() else '{}:{}'.format(chosen['host'], chosen['path'])
        if 'iteration' in state:
            self._apply_interval_checkpoint(state, where)
        else:
            self._apply_epoch_checkpoint(state)
            print('resuming after epoch {} from {}'.format(self.epoch, where))
        self._check_resumed_alike()
        return True

    def _check_resumed_alike(self):
        """Every rank at the same epoch, iteration and parameters after a resume, else stop naming them."""
        if not self.settings.distributed:
            return
        views = distributed.all_gather((self.epoch, self._resume_iteration, _digest(self.net.parameters())),
                                       'checking the resumed state')
        if len(set(views)) != 1:
            raise distributed.RanksOutOfStepError('the ranks resumed differently: {}'.format(', '.join(
                'rank {} after epoch {}, iteration {}, parameters sha1 {}'.format(r, *v) for r, v in enumerate(views))))
        if distributed.is_main_process():
            print('resumed alike on {} ranks: after epoch {}, iteration {}; parameters sha1 {}'.format(
                len(views), *views[0]))

    def _newest_readable(self, candidates):
        """(path, state) of the first of `candidates` (newest first) this rank can read under the loading
        policy, else (None, None); each file it skips is named."""
        for path in candidates:
            if not path.is_file():
                continue
            try:
                return path, checkpoints.load_checkpoint(path)
            except (checkpoints.CorruptCheckpointError, checkpoints.UntrustedCheckpointError) as error:
                print('WARNING: {} (seen by rank {}); skipping it'.format(error, self.settings.rank), file=sys.stderr,
                      flush=True)
        return None, None

    def _agree_on_checkpoint(self, path, state):
        """The checkpoint every rank resumes from, and its state on this rank: of the files the ranks could
        read, the furthest into training (the lowest rank's on a tie). A rank whose own file has the same
        name, size and checksum uses it; the others receive the state from the rank that holds it, and
        rank 0 names them in one warning. (None, None) when no rank has one."""
        mine = None
        if path is not None:
            mine = {'path': str(path), 'file': path.name, 'size': path.stat().st_size, 'sha256': checkpoints.sha256(path),
                    'host': socket.gethostname(), 'position': _progress(state)}
        seen = distributed.all_gather(mine, 'choosing the checkpoint to resume from')
        held = [(rank, view) for rank, view in enumerate(seen) if view is not None]
        if not held:
            return None, None
        source, chosen = max(held, key=lambda held_view: (held_view[1]['position'], -held_view[0]))

        def same(view):
            return view is not None and all(view[k] == chosen[k] for k in ('file', 'size', 'sha256'))
        receivers = [rank for rank, view in enumerate(seen) if not same(view)]
        if self.settings.distributed and distributed.is_main_process():
            print('checkpoints seen: {}'.format('; '.join('rank {} on {}: {}'.format(
                rank, view['host'], view['path']) if view else 'rank {}: none readable'.format(rank)
                for rank, view in enumerate(seen))))
        if receivers:
            sent = distributed.broadcast(state if self.settings.rank == source else None, source)
            if self.settings.rank in receivers:
                state = sent
            if distributed.is_main_process():
                print('WARNING: the ranks saw different checkpoints. Every rank resumes from {} (rank {} on {}); sent '
                      'to {}'.format(chosen['path'], source, chosen['host'], '; '.join(
                          'rank {} on {}, which {}'.format(rank, seen[rank]['host'] if seen[rank] else 'its node',
                                                           'had {}'.format(seen[rank]['path']) if seen[rank]
                                                           else 'could read none') for rank in receivers)),
                      file=sys.stderr, flush=True)
        return chosen, state

    def _apply_epoch_checkpoint(self, state):
        """What BaseTrainer.load_checkpoint takes from a per-epoch file, and the scaler."""
        self.net.load_state_dict(state['net'])
        self.optimizer.load_state_dict(state['optimizer'])
        self.stats, self.epoch = state['stats'], state['epoch']
        if state.get('net_info') is not None:
            self.net.info = state['net_info']
        if 'scaler' in state:
            self.scaler.load_state_dict(state['scaler'])
        if self.lr_scheduler is not None:
            self.lr_scheduler.last_epoch = self.epoch

    def _apply_interval_checkpoint(self, state, where):
        self.net.load_state_dict(state['net'])
        self.optimizer.load_state_dict(state['optimizer'])
        if self.lr_scheduler is not None:
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
            self.settings.world_size, where))

    def _exit_after_stop_signal(self):
        """Now that the checkpoint is written: after SIGTERM (preemption) leave as an unhandled SIGTERM
        would; after SIGUSR1 (a time-limit warning) exit with EXIT_CHECKPOINTED, which tells a job script
        that the run stopped to be continued (scripts/slurm/train.sbatch requeues). Every rank acts on the
        signal _mean_over_ranks agreed on. Not an exception: fail_safe would retry the epoch."""
        received = self._stop_signal
        print('{}: checkpoint written, exiting'.format(received.name), flush=True)
        sys.stdout.flush()
        sys.stderr.flush()
        if received == signal.SIGUSR1:
            sys.exit(EXIT_CHECKPOINTED)  # through train()'s cleanup and the loader's exit handler
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)
