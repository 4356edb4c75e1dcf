"""Run by tests/integration/test_distributed.py under `torchrun --nproc_per_node=2` (gloo), in ltr/ of the
checkout: builds a CMD setting through its own `run(settings)`, so the real CMDTrainer wraps the real network in
DistributedDataParallel; runs one real training step (CMDTrainer.cycle_dataset over a one-iteration epoch) and
compares the gradients DDP averaged with a single-process reference: each rank's gradient of its own batch on a
plain copy of the network taken before the step, averaged over the ranks. CMDTrainer.capturing() keeps the
trainer that run(settings) built from training, so that the step runs here.

Writes `<OUT>/rank<R>.json` per rank: the worst relative gradient difference, DDP's own count and bytes of the
parameters it synchronises, and the same for the parameters the optimizer trains.

    usage: torchrun --nproc_per_node 2 ddp_step.py SETTING OUT   ($PYTRACKING_CMD_SETTINGS: the setting's overrides)
"""
import copy
import importlib
import json
import os
import sys

import torch
import torch.distributed as dist

sys.path.append(os.path.join(os.getcwd(), '..'))  # the checkout, as run_training.py does

import ltr.admin.settings as ws_settings  # noqa: E402
from ltr_cmd.trainer import CMDTrainer  # noqa: E402
from ltr_cmd.data.paired_dataset import COUNT_PREFIX  # noqa: E402


def main(setting, out):
    settings = ws_settings.Settings()
    settings.module_name, settings.script_name = 'cmd', setting
    settings.project_path = 'ltr/cmd/' + setting
    with CMDTrainer.capturing() as built:
        importlib.import_module('ltr_cmd.train_settings.' + setting).run(settings)
    trainer, = built
    loader = trainer.loaders[0]
    assert len(loader) == 1, 'the overrides must give one iteration per rank, got {}'.format(len(loader))

    before = copy.deepcopy(trainer.net)
    trainer.epoch = 1
    rng = torch.get_rng_state()
    trainer.cycle_dataset(loader)  # the real step: DDP forward/backward, optimizer step
    synced = {name: p.grad.clone() for name, p in trainer.net.named_parameters() if p.requires_grad}

    # the reference: this rank's own batch (drawn again: a sample is a function of the run seed and its index)
    loader.set_epoch(1, settings.seed)
    torch.set_rng_state(rng)  # the torch draws of the step: the loader iterator's base seed, then the actor's
    data = next(iter(loader))
    for key in [k for k in data if k.startswith(COUNT_PREFIX)]:
        data.pop(key)
    data['epoch'], data['settings'] = 1, settings
    reference = copy.copy(trainer.actor)
    stock = reference
    while hasattr(stock, 'actor'):
        stock.actor = copy.copy(stock.actor)
        stock.net = before
        stock = stock.actor
    stock.net = before
    loss, _ = reference(data)
    loss.backward()
    worst = 0.0
    for name, parameter in before.named_parameters():
        if name not in synced:
            continue
        mean = parameter.grad.clone() if parameter.grad is not None else torch.zeros_like(parameter)
        dist.all_reduce(mean)
        mean /= dist.get_world_size()
        worst = max(worst, ((synced[name] - mean).abs().max() / mean.abs().max().clamp_min(1e-12)).item())

    logged = trainer.ddp._get_ddp_logging_data()
    trained = [p for group in trainer.optimizer.param_groups for p in group['params']]
    report = os.path.join(out, 'rank{}.json'.format(dist.get_rank()))
    with open(report, 'w') as f:
        json.dump({
        'rank': dist.get_rank(), 'worst_relative_difference': worst, 'compared': len(synced),
        'ddp_parameter_tensors': logged['num_parameter_tensors'], 'ddp_bytes': logged['total_parameter_size_bytes'],
        'bucket_bytes': sum(int(b) for b in str(logged['bucket_sizes']).split(',')),
        'trained_tensors': len(trained), 'trained_bytes': sum(p.numel() * p.element_size() for p in trained),
        'frozen_with_grad': sum(1 for p in trainer.net.parameters() if not p.requires_grad and p.grad is not None)}, f)
    dist.destroy_process_group()


if __name__ == '__main__':
    main(*sys.argv[1:3])
