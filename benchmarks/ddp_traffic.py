"""What DistributedDataParallel synchronises per training step, against what the optimizer trains.

    python benchmarks/ddp_traffic.py --setting dimp18_cmd [--steps 3]      (also dimp50_cmd, super_dimp_cmd, ...)

Builds the setting through its own run(settings) under `torchrun --nproc_per_node=2` (gloo): the real
network (a random stand-in of its release file), the real CMDTrainer and its DDP wrapping. A
communication hook that performs DDP's own all-reduce (torch's default allreduce_hook) and counts the
bytes of every gradient bucket it sends is registered on that DDP module; then --steps real training
steps run (CMDTrainer.cycle_dataset). Ends with one line:

    gradient bytes synchronised per step: X MB; trainable parameter bytes: Y MB; ratio R

(trainable: the parameters in the optimizer's groups). Needs a registered pytracking checkout.
"""
import argparse
import importlib
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))

MB = 2 ** 20


def prepare(setting, root, steps):
    """Overrides giving `setting` a random stand-in of its release file, a generated LasHeR tree and `steps`
    iterations of batch 2 per rank, in a fresh workspace under `root`."""
    import torch
    from benchmarks.train_step import build, write_lasher_tree
    from ltr_cmd import baselines
    os.makedirs(os.path.join(root, 'pretrained'))
    net = build(baselines.of_setting(setting).name)[0]  # the setting's architecture, random weights
    torch.save({'net': net.state_dict(), 'constructor': net.constructor, 'net_info': None},
               os.path.join(root, 'pretrained', baselines.of_setting(setting).release_file))
    return {'train.cmd_source_root': write_lasher_tree(os.path.join(root, 'lasher')), 'train.batch_size': 2,
            'train.num_workers': 0, 'train.samples_per_epoch': 2 * 2 * steps, 'train.seed': 1,
            'ltr.pretrained_networks': os.path.join(root, 'pretrained'),
            'ltr.workspace_dir': os.path.join(root, 'workspace'), 'ltr.tensorboard_dir': os.path.join(root, 'tb')}


def rank_main(setting):
    """One rank: build, hook, train --steps steps, report (rank 0)."""
    import torch.distributed as dist
    from torch.distributed.algorithms.ddp_comm_hooks import default_hooks
    import ltr.admin.settings as ws_settings
    from ltr_cmd.trainer import CMDTrainer
    settings = ws_settings.Settings()
    settings.module_name, settings.script_name, settings.project_path = 'cmd', setting, 'ltr/cmd/' + setting
    with CMDTrainer.capturing() as built:
        importlib.import_module('ltr_cmd.train_settings.' + setting).run(settings)
    trainer, = built
    sent = []

    def counting_allreduce(state, bucket):
        sent.append(bucket.buffer().numel() * bucket.buffer().element_size())
        return default_hooks.allreduce_hook(state, bucket)

    trainer.ddp.register_comm_hook(None, counting_allreduce)
    trainer.epoch = 1
    loader = trainer.loaders[0]
    trainer.cycle_dataset(loader)
    trainable = sum(p.numel() * p.element_size() for group in trainer.optimizer.param_groups for p in group['params'])
    per_step = sum(sent) / len(loader)
    if dist.get_rank() == 0:
        print('RESULT ' + json.dumps({'steps': len(loader), 'per_step': per_step, 'trainable': trainable}), flush=True)
        print('gradient bytes synchronised per step: {:.1f} MB; trainable parameter bytes: {:.1f} MB; ratio {:.3f}'
              .format(per_step / MB, trainable / MB, per_step / trainable), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--setting', default='dimp18_cmd', help='a CMD train setting (default dimp18_cmd)')
    parser.add_argument('--steps', type=int, default=3, help='training steps per rank (default 3)')
    parser.add_argument('--rank', action='store_true', help=argparse.SUPPRESS)  # set for the torchrun children
    args = parser.parse_args()
    if args.rank:
        return rank_main(args.setting)
    from ltr_cmd.settings_overrides import VARIABLE
    from pytracking_cmd import registration
    with tempfile.TemporaryDirectory(prefix='cmd-ddp-traffic-') as root:
        env = dict(os.environ, **{VARIABLE: json.dumps(prepare(args.setting, root, args.steps)),
                                  'OMP_NUM_THREADS': '1', 'PYTHONUNBUFFERED': '1'})
        ltr = registration.resolve_root(None) / 'ltr'
        env['PYTHONPATH'] = os.pathsep.join([str(ltr.parent), os.path.join(os.path.dirname(__file__), '..')])
        done = subprocess.run([sys.executable, '-m', 'torch.distributed.run', '--standalone', '--nproc_per_node', '2',
                               os.path.abspath(__file__), '--setting', args.setting, '--rank'], cwd=str(ltr), env=env,
                              capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(done.stdout[-3000:] + done.stderr[-3000:])
    print(next(line for line in done.stdout.splitlines() if line.startswith('gradient bytes synchronised')))


if __name__ == '__main__':
    main()
