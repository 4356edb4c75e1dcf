"""Run by tests/integration/test_distributed.py under `torchrun --nproc_per_node=2` (gloo), in ltr/ of the
checkout: builds a CMD setting through its own `run(settings)`, so the real CMDTrainer wraps the real network in
DistributedDataParallel (find_unused_parameters False, as every setting has it), then trains with the call run()
makes, trainer.train(...): one epoch of two iterations per rank, the trainer's own check that the ranks' trained
parameters are bit-identical at the epoch's end, its checkpoint. CMDTrainer.capturing() keeps the trainer that
run(settings) built from training, so that the loader can be observed first.

The loader is the real one, seen through a recorder that notes, as each batch leaves it: a copy of the batch,
the torch random state (the actor's direction draws and ToMP's dropout come after it) and a copy of the network
as the previous step left it; and the gradients the previous step's DDP backward left on the parameters (the
trainer zeroes them only after the next forward). After the last step, still inside the epoch, per step:
- every parameter that trains has a gradient after DDP's backward, and on a plain copy of the network (the
  single-process reference) the loss gives each of them a gradient: nothing trained is unused;
- the gradient DDP averaged equals the mean over the ranks of each rank's gradient of its own batch on the
  reference copy (the worst relative difference);
then one more forward through the DDP network: the reducer checks there that the previous iteration's reduction
finished (else 'Expected to have finished reduction in the prior iteration', the error of an unused parameter),
and its logging data names the parameters whose gradients were ready in each of the two iterations.

Writes `<OUT>/rank<R>.json` per rank: the checks' numbers, DDP's own count and bytes of the parameters it
synchronises beside those the optimizer trains, a digest of every parameter (trained and frozen) after training,
compared across ranks by the test, and the seconds each phase took.

    usage: torchrun --nproc_per_node 2 ddp_step.py SETTING OUT   ($PYTRACKING_CMD_SETTINGS: the setting's overrides)
"""
import copy
import hashlib
import importlib
import json
import os
import sys
import time

import torch
import torch.distributed as dist

sys.path.append(os.path.join(os.getcwd(), '..'))  # the checkout, as run_training.py does

import ltr.admin.settings as ws_settings  # noqa: E402
from ltr_cmd.trainer import CMDTrainer  # noqa: E402
from ltr_cmd.data.paired_dataset import COUNT_PREFIX  # noqa: E402

STEPS = 2  # DDP raises on a parameter left without a gradient only at the next iteration's forward


class RecordingLoader:
    """The trainer's real loader; as each batch leaves it, what the reference needs (see the module's text). After
    the last step, still inside the trainer's epoch (DDP and the process group alive), `checks(self)` runs."""

    def __init__(self, loader, trainer, checks):
        self.loader, self.trainer, self.checks = loader, trainer, checks
        self.batches, self.rng, self.nets, self.gradients = [], [], [], []
        self.results = None

    def __getattr__(self, name):
        return getattr(self.loader, name)

    def __len__(self):
        return len(self.loader)

    def _record_gradients(self):
        if self.batches:  # the previous step's, before the next step's zero_grad
            self.gradients.append({name: None if p.grad is None else p.grad.clone()
                                   for name, p in self.trainer.net.named_parameters() if p.requires_grad})

    def __iter__(self):
        for data in self.loader:
            self._record_gradients()
            self.batches.append(copied(data))
            net = copy.deepcopy(self.trainer.net)
            for parameter in net.parameters():
                parameter.grad = None
            self.nets.append(net)
            self.rng.append(torch.get_rng_state())
            yield data
        self._record_gradients()
        self.results = self.checks(self)


def copied(batch):
    """A copy of a batch (pytracking's TensorDict.__deepcopy__ fails: it deep-copies list(self), the keys)."""
    return type(batch)({key: copy.deepcopy(value) for key, value in batch.items()})


def reference_actor(actor, net):
    """The trainer's actor chain, shallow-copied, calling the plain network `net` instead of DDP's."""
    reference = copy.copy(actor)
    stock = reference
    while hasattr(stock, 'actor'):
        stock.actor = copy.copy(stock.actor)
        stock.net = net
        stock = stock.actor
    stock.net = net
    return reference


def prepared(batch, settings):
    """A recorded batch as the trainer hands it to the actor."""
    data = copied(batch)
    for key in [k for k in data if k.startswith(COUNT_PREFIX)]:
        data.pop(key)
    data['epoch'], data['settings'] = 1, settings
    return data


def digest(named_tensors):
    sha = hashlib.sha1()
    for name, tensor in sorted(named_tensors):
        sha.update(name.encode())
        sha.update(tensor.detach().contiguous().view(-1).view(torch.uint8).numpy().tobytes())
    return sha.hexdigest()


def checks(loader):
    """Per recorded step: parameters without a gradient (DDP's, the reference's), the worst relative difference
    between DDP's gradient and the mean of the ranks' reference gradients; then one more forward through DDP."""
    trainer, settings = loader.trainer, loader.trainer.settings
    assert len(loader.gradients) == len(loader.batches) == STEPS
    ready = [trainer.ddp._get_ddp_logging_data().get('prev_iteration_grad_ready_order_indices')]  # iteration 1
    started = time.monotonic()
    trained_names = [name for name, p in trainer.net.named_parameters() if p.requires_grad]
    steps = []
    for step, (batch, rng, net, synced) in enumerate(zip(loader.batches, loader.rng, loader.nets, loader.gradients)):
        torch.set_rng_state(rng)
        loss, _ = reference_actor(trainer.actor, net)(prepared(batch, settings))
        loss.backward()
        parameters = dict(net.named_parameters())
        worst, compared = 0.0, 0
        for name in trained_names:
            own = parameters[name].grad
            mean = own.clone() if own is not None else torch.zeros_like(parameters[name])
            dist.all_reduce(mean)  # every rank, every name, in the same order
            mean /= dist.get_world_size()
            if synced[name] is not None:
                compared += 1
                worst = max(worst, ((synced[name] - mean).abs().max() / mean.abs().max().clamp_min(1e-12)).item())
        steps.append({'step': step + 1, 'loss': loss.item(), 'compared': compared, 'worst_relative_difference': worst,
                      'without_ddp_gradient': sorted(n for n in trained_names if synced[n] is None),
                      'without_reference_gradient': sorted(n for n in trained_names if parameters[n].grad is None)})
    reference_seconds = time.monotonic() - started

    # one more forward through DDP: the reducer's check that iteration 2 was reduced in full, and its logging data
    torch.set_rng_state(loader.rng[-1])
    trainer.actor(prepared(loader.batches[-1], settings))
    logged = trainer.ddp._get_ddp_logging_data()
    ready.append(logged.get('prev_iteration_grad_ready_order_indices'))
    trained = [p for group in trainer.optimizer.param_groups for p in group['params']]
    return {
        'steps': steps, 'reference_seconds': reference_seconds,
        'grad_ready_indices': [sorted(int(i) for i in r.split(',')) if r else None for r in ready],
        'ddp_find_unused_parameters': logged['find_unused_parameters'],
        'ddp_parameter_tensors': logged['num_parameter_tensors'], 'ddp_bytes': logged['total_parameter_size_bytes'],
        'bucket_bytes': sum(int(b) for b in str(logged['bucket_sizes']).split(',')),
        'trained_tensors': len(trained), 'trained_bytes': sum(p.numel() * p.element_size() for p in trained),
        'trainable_tensors': len(trained_names),
        'frozen_bytes': sum(p.numel() * p.element_size() for p in trainer.net.parameters() if not p.requires_grad),
        'frozen_with_grad': sum(1 for p in trainer.net.parameters() if not p.requires_grad and p.grad is not None)}


def main(setting, out):
    started = time.monotonic()
    settings = ws_settings.Settings()
    settings.module_name, settings.script_name = 'cmd', setting
    settings.project_path = 'ltr/cmd/' + setting
    with CMDTrainer.capturing() as built:
        importlib.import_module('ltr_cmd.train_settings.' + setting).run(settings)
    trainer, = built
    assert trainer.ddp is not None and not trainer.ddp.find_unused_parameters
    rank = settings.rank
    loader = trainer.loaders[0] = RecordingLoader(trainer.loaders[0], trainer, checks)
    assert len(loader) == STEPS, 'the overrides must give {} iterations per rank, got {}'.format(STEPS, len(loader))
    trained_before = digest((n, p) for n, p in trainer.net.named_parameters() if p.requires_grad)
    build_seconds = time.monotonic() - started

    started = time.monotonic()
    # the call run(settings) makes: the real epoch loop (DDP steps, the epoch's parameter check, checkpoint), which
    # leaves the process group at its end
    trainer.train(settings.num_epochs, load_latest=True, fail_safe=settings.fail_safe)
    assert loader.results is not None, 'the epoch did not run to its end'
    seconds = {'build': build_seconds, 'train': time.monotonic() - started - loader.results['reference_seconds'],
               'reference': loader.results.pop('reference_seconds')}
    with open(os.path.join(out, 'rank{}.json'.format(rank)), 'w') as f:
        json.dump(dict(loader.results, rank=rank, seconds=seconds, parameter_digest=digest(trainer.net.named_parameters()),
                       trained_moved=digest((n, p) for n, p in trainer.net.named_parameters()
                                            if p.requires_grad) != trained_before), f)


if __name__ == '__main__':
    main(*sys.argv[1:3])
