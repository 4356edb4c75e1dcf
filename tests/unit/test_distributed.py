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


def test_a_plain_run_is_left_as_it_is(plain):
    s = settings()
    distributed.setup(s)
    assert (s.distributed, s.rank, s.local_rank, s.world_size) == (False, 0, 0, 1)
    assert s.device == torch.device('cpu') and not hasattr(s, 'seed')
    assert distributed.samples_per_rank(s) == 8 and distributed.all_mean([1.0, 3.0], 'cpu') == [1.0, 3.0]


def test_one_torchrun_process_without_a_backend_is_a_plain_run(monkeypatch):
    monkeypatch.setenv('WORLD_SIZE', '1')
    monkeypatch.setenv('RANK', '0')
    s = settings()
    distributed.setup(s)
    assert not s.distributed and not distributed.is_initialized()


def test_fewer_samples_than_one_batch_per_rank_say_how_many_are_needed(plain):
    with pytest.raises(distributed.DistributedSetupError, match=r'samples_per_epoch=3 .* raise samples_per_epoch to at '
                                                                 r'least 4'):
        distributed.samples_per_rank(settings(samples_per_epoch=3, batch_size=4))


@pytest.mark.skipif(torch.cuda.is_available(), reason='CUDA is available here')
def test_nccl_without_cuda_is_refused_before_joining_a_group(monkeypatch):
    monkeypatch.setenv('WORLD_SIZE', '2')
    monkeypatch.setenv('RANK', '1')
    monkeypatch.setenv('LOCAL_RANK', '1')
    with pytest.raises(distributed.DistributedSetupError, match='"nccl" needs CUDA'):
        distributed.setup(settings(dist_backend='nccl'))
    assert not distributed.is_initialized()
