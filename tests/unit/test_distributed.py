"""ltr_cmd/distributed.py outside torchrun: what a plain run keeps, and the errors of a bad launch.
Runs under torchrun are in tests/integration/test_distributed.py."""
import types

import pytest
import torch

from ltr_cmd import distributed

TORCHRUN_VARIABLES = ('WORLD_SIZE', 'RANK', 'LOCAL_RANK')


def settings(**values):
    return types.SimpleNamespace(**dict({'samples_per_epoch': 8, 'batch_size': 2, 'device': torch.device('cpu')},
                                        **values))


@pytest.fixture
def plain(monkeypatch):
    for name in TORCHRUN_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def test_a_plain_run_keeps_its_device_and_is_seeded(plain, capsys):
    s = settings()
    distributed.setup(s)
    assert (s.distributed, s.rank, s.local_rank, s.world_size) == (False, 0, 0, 1)
    assert s.device == torch.device('cpu') and isinstance(s.seed, int)  # drawn, and said
    assert 'seed {} (settings.seed {} + rank 0)'.format(s.seed, s.seed) in capsys.readouterr().err
    assert distributed.samples_per_rank(s) == 8 and distributed.all_mean([1.0, 3.0], 'cpu') == [1.0, 3.0]


def test_settings_seed_is_used_by_a_single_process(plain):
    distributed.seed(settings(seed=7))
    a = (random_draw(), torch.rand(3))
    distributed.seed(settings(seed=7))
    b = (random_draw(), torch.rand(3))
    distributed.seed(settings(seed=8))
    c = (random_draw(), torch.rand(3))
    assert a[0] == b[0] and torch.equal(a[1], b[1]) and a[0] != c[0]


def random_draw():
    import random
    return random.random()


def test_one_torchrun_process_without_a_backend_is_a_plain_run(monkeypatch):
    monkeypatch.setenv('WORLD_SIZE', '1')
    monkeypatch.setenv('RANK', '0')
    s = settings()
    distributed.setup(s)
    assert not s.distributed and not distributed.is_initialized()


@pytest.mark.parametrize('world, samples, batch, per_rank', [(1, 8, 2, 8), (2, 8, 2, 4), (2, 10, 2, 6), (3, 8, 4, 4),
                                                             (2, 1, 4, 4)])
def test_an_epoch_covers_at_least_samples_per_epoch_in_whole_batches(monkeypatch, capsys, world, samples, batch,
                                                                     per_rank):
    monkeypatch.setenv('WORLD_SIZE', str(world))
    monkeypatch.setenv('RANK', '0')
    assert distributed.samples_per_rank(settings(samples_per_epoch=samples, batch_size=batch)) == per_rank
    printed = capsys.readouterr().out
    assert '= {} samples (samples_per_epoch {}'.format(per_rank * world, samples) in printed
    assert ('rounded up' in printed) == (per_rank * world != samples)


def test_an_empty_epoch_is_refused(plain):
    with pytest.raises(distributed.DistributedSetupError, match=r'samples_per_epoch \(0\)'):
        distributed.samples_per_rank(settings(samples_per_epoch=0))


@pytest.mark.skipif(torch.cuda.is_available(), reason='CUDA is available here')
def test_nccl_without_cuda_is_refused_before_joining_a_group(monkeypatch):
    monkeypatch.setenv('WORLD_SIZE', '2')
    monkeypatch.setenv('RANK', '1')
    monkeypatch.setenv('LOCAL_RANK', '1')
    with pytest.raises(distributed.DistributedSetupError, match='"nccl" needs CUDA'):
        distributed.setup(settings(dist_backend='nccl'))
    assert not distributed.is_initialized()
