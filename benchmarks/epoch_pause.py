"""The pause between two epochs of CMD training data: loader workers started once (ltr_cmd's EpochLoader)
against workers started anew every epoch (pytracking's LTRLoader, as the CMD settings used it before).

    python benchmarks/epoch_pause.py [--workers 4] [--epochs 3] [--batches 8]

Both loaders draw the same paired samples (training.paired_loader's PairedFrameDataset, pytracking's
DiMPSampler and DiMPProcessing at DiMP-50's 288-pixel crops, from 640x480 JPEG pairs on disk) with
--workers worker processes under run_training.py's start method (spawn; EpochLoader forks its workers
from a fork server instead), --batches batches of 2 per epoch. The pause is the time from the last batch
of epoch k to the first batch of epoch k+1; printed: the median pause of each loader, the time to the
first batch, and their ratio, measured in the same run.
Needs a registered pytracking checkout.
"""
import argparse
import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))


def loaders(root, workers, batches):
    """(EpochLoader, pytracking's LTRLoader) over the same paired samples."""
    import types
    import torch
    from ltr.data import LTRLoader, processing
    from ltr_cmd.data import rgbt_sources
    from ltr_cmd.data.pseudo_boxes import RandomBoxes
    from ltr_cmd.data.transforms import paired_transform
    from ltr_cmd.training import paired_loader
    settings = types.SimpleNamespace(samples_per_epoch=2 * batches, batch_size=2, num_workers=workers, frame_step=1,
                                     device=torch.device('cpu'), seed=1, env=None)
    proc = processing.DiMPProcessing(search_area_factor=5.0, output_sz=288,
                                     center_jitter_factor={'train': 3, 'test': 4.5},
                                     scale_jitter_factor={'train': 0.25, 'test': 0.5}, mode='sequence',
                                     proposal_params={'min_iou': 0.1, 'boxes_per_frame': 8,
                                                      'sigma_factor': [0.01, 0.05, 0.1, 0.2, 0.3]},
                                     label_function_params={'feature_sz': 18, 'sigma_factor': 0.05, 'kernel_sz': 4},
                                     transform=paired_transform(0.2))
    kept = paired_loader(settings, rgbt_sources.make_source('lasher', root), proc, 3, 3,
                         pseudo_boxes=RandomBoxes(count=5, size_range=(100, 100)))
    respawned = LTRLoader('train', kept.dataset.samples, training=True, batch_size=2, num_workers=workers,
                          shuffle=True, drop_last=True, stack_dim=1)
    return kept, respawned


def epoch_times(loader, epochs):
    """(seconds to the first batch, [pause before epoch 2, 3, ...])."""
    started = time.perf_counter()
    first, pauses, last = None, [], None
    for epoch in range(1, epochs + 1):
        if hasattr(loader, 'set_epoch'):
            loader.set_epoch(epoch, 1)
        for i, _ in enumerate(loader):
            now = time.perf_counter()
            if i == 0:
                if first is None:
                    first = now - started
                else:
                    pauses.append(now - last)
            last = time.perf_counter()
    return first, pauses


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--workers', type=int, default=4, help='loader workers (default 4)')
    parser.add_argument('--epochs', type=int, default=3, help='epochs per loader (default 3)')
    parser.add_argument('--batches', type=int, default=8, help='batches of 2 per epoch (default 8)')
    args = parser.parse_args()
    import torch.multiprocessing
    torch.multiprocessing.set_start_method('spawn', force=True)
    from benchmarks.train_step import write_lasher_tree
    with tempfile.TemporaryDirectory(prefix='cmd-epoch-pause-') as folder:
        kept, respawned = loaders(write_lasher_tree(os.path.join(folder, 'lasher')), args.workers, args.batches)
        results = {}
        for name, loader in (('workers kept (EpochLoader)', kept), ("workers respawned (pytracking's LTRLoader)",
                                                                    respawned)):
            first, pauses = epoch_times(loader, args.epochs)
            results[name] = statistics.median(pauses)
            print('{:44} first batch {:5.2f} s, pause between epochs {:5.2f} s (median of {})'.format(
                name, first, results[name], ', '.join('{:.2f}'.format(p) for p in pauses)))
            del loader
    kept_pause, respawned_pause = results.values()
    print('pause kept / respawned: {:.3f} ({} workers)'.format(kept_pause / respawned_pause, args.workers))


if __name__ == '__main__':
    main()
