"""Run by tests/integration/test_distributed.py under `torchrun --nproc_per_node=2` (gloo): the gradient
DistributedDataParallel gives the demo's DiMP network equals the mean of the ranks' own gradients.
Prints one line per rank: `rank R: worst relative difference D over N trainable parameters`."""
import copy

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel

from ltr_cmd import demo


def main():
    dist.init_process_group('gloo')
    rank = dist.get_rank()
    torch.manual_seed(0)
    net = demo.network()
    own = copy.deepcopy(net)
    # the trainer's wrapping (ltr_cmd/trainer.py)
    ddp = DistributedDataParallel(net, find_unused_parameters=True)
    torch.manual_seed(10 + rank)  # each rank its own batch
    batch, size = 2, demo.CROP
    box = torch.tensor([size * 0.4, size * 0.4, size * 0.2, size * 0.2])
    inputs = dict(train_imgs=torch.randn(3, batch, 3, size, size), test_imgs=torch.randn(3, batch, 3, size, size),
                  train_bb=box.repeat(3, batch, 1), test_proposals=box.repeat(3, batch, 8, 1) + torch.rand(3, batch, 8, 4))

    def loss(model):
        scores, iou = model(**inputs)
        return sum(s.pow(2).mean() for s in scores) + iou.pow(2).mean()

    loss(ddp).backward()
    loss(own).backward()
    worst, count = 0.0, 0
    for synced, local in zip(net.parameters(), own.parameters()):
        if not synced.requires_grad:
            continue
        # a parameter this loss does not reach has no gradient: zero on both sides
        mean = torch.zeros_like(local) if local.grad is None else local.grad.clone()
        grad = torch.zeros_like(synced) if synced.grad is None else synced.grad
        dist.all_reduce(mean)
        mean /= dist.get_world_size()
        worst = max(worst, ((grad - mean).abs().max() / mean.abs().max().clamp_min(1e-12)).item())
        count += 1
    print('rank {}: worst relative difference {} over {} trainable parameters'.format(rank, worst, count), flush=True)
    dist.destroy_process_group()


if __name__ == '__main__':
    main()
