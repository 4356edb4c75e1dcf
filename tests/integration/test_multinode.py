"""Two nodes with their own disks: two torchrun agents (--nnodes=2, c10d rendezvous on localhost), each started
from its own clone of the checkout, registered by its own environment, with a local.py that writes its paths with
pathlib and keeps the checkpoints in its own workspace. Killed mid-epoch and restarted, with rank 0 handed to the
other node; killed again and restarted with the newest file truncated: every time the ranks resume from one
checkpoint, at the same iteration, with identical parameters, and the run finishes."""
import json
import os
import re
import subprocess
import textwrap
import time

import pytest
import torch

from pytracking_cmd import registration
from ltr_cmd.settings_overrides import VARIABLE as SETTINGS_VARIABLE
from tests.integration.test_distributed import TRAIN_LINE, kill_job
from tests.integration.test_environments import clone, make_environment
from tests.integration.test_trainer import free_port

pytestmark = [pytest.mark.integration, pytest.mark.slow]

LOCAL_PY = '''\
from pathlib import Path
import numpy as np


class EnvironmentSettings:
    def __init__(self):
        self.workspace_dir = Path({workspace!r})
        self.tensorboard_dir = self.workspace_dir / 'tensorboard'
        self.pretrained_networks = self.workspace_dir / 'pretrained_networks'
        self.node_scale = np.float64(1.5)  # a numpy value, as stock pytracking accepts
'''
# 2 ranks x batch 2: 10 iterations an epoch, an interval checkpoint every 3
SETTINGS = {'train.num_epochs': 2, 'train.samples_per_epoch': 40, 'train.batch_size': 2, 'train.num_workers': 0,
            'train.checkpoint_interval': 3, 'train.print_interval': 1, 'train.fail_safe': False, 'train.seed': 5}


class Node:
    """A "node": its own environment, checkout, local.py and workspace."""

    def __init__(self, name, folder, python, checkout):
        self.name, self.folder, self.python, self.checkout = name, folder, python, checkout
        self.workspace = folder / 'workspace'
        self.run_dir = self.workspace / 'checkpoints' / 'ltr' / 'cmd' / 'demo_cmd'
        self.agent = self.log = None

    def start(self, port, run_id):
        self.log = self.folder / '{}.log'.format(run_id)
        env = {k: v for k, v in os.environ.items() if k != registration.ROOT_VARIABLE}
        env.update({SETTINGS_VARIABLE: json.dumps(SETTINGS), 'PYTHONUNBUFFERED': '1', 'OMP_NUM_THREADS': '1'})
        self.agent = subprocess.Popen(
            [str(self.python), '-m', 'torch.distributed.run', '--nnodes=2', '--nproc_per_node=1', '--max-restarts=0',
             '--rdzv-backend=c10d', '--rdzv-endpoint=127.0.0.1:{}'.format(port), '--rdzv-id=' + run_id,
             'run_training.py', 'cmd', 'demo_cmd'],
            cwd=str(self.checkout / 'ltr'), env=env, stdout=self.log.open('w'), stderr=subprocess.STDOUT,
            start_new_session=True)

    def text(self):
        return self.log.read_text()

    def rank(self):
        found = re.search(r'\[rank (\d)/2\] gloo', self.text())
        return int(found.group(1)) if found else None


@pytest.fixture
def nodes(pytracking_root, tmp_path):
    from ltr_cmd import demo
    made = []
    for name in ('A', 'B'):
        folder = tmp_path / name
        folder.mkdir()
        python = make_environment(folder / 'venv')
        checkout = clone(pytracking_root, folder / 'pytracking')
        (checkout / 'ltr' / 'admin' / 'local.py').write_text(LOCAL_PY.format(workspace=str(folder / 'workspace')))
        result = subprocess.run([str(python), '-m', 'pytracking_cmd.cli', 'register', str(checkout)],
                                capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stdout + result.stderr
        node = Node(name, folder, python, checkout)
        net = demo.MODELS['dimp'].network()  # a random-initialised stand-in of the demo teacher, on each node
        teacher = node.workspace / 'checkpoints' / 'ltr' / 'cmd' / 'demo_teacher'
        teacher.mkdir(parents=True)
        torch.save({'net': net.state_dict(), 'constructor': net.constructor, 'net_info': None, 'epoch': 1,
                    'net_type': type(net).__name__}, teacher / 'DiMPnet_ep0001.pth.tar')
        made.append(node)
    yield made
    for node in made:
        if node.agent is not None and node.agent.poll() is None:
            kill_job(node.agent)


def start(first, second, run_id):
    """Both agents, `first` a moment before `second`: the c10d rendezvous orders the nodes of one host by
    process id, so `first` becomes rank 0."""
    port = free_port()
    first.start(port, run_id)
    time.sleep(1)
    second.start(port, run_id)


def wait_for(node, text, nodes, timeout=420):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in node.text():
            return
        for other in nodes:
            assert other.agent.poll() is None, 'node {} ended before "{}":\n{}'.format(other.name, text, other.text()[-3000:])
        time.sleep(0.5)
    raise AssertionError('no "{}" within {} s:\n{}'.format(text, timeout, node.text()[-3000:]))


def kill(nodes):
    """SIGKILL both agents and their ranks at once, as when the job is lost."""
    for node in nodes:
        kill_job(node.agent)


def finish(nodes, timeout=600):
    for node in nodes:
        node.agent.wait(timeout=timeout)
        assert node.agent.returncode == 0, 'node {}:\n{}'.format(node.name, node.text()[-4000:])


def iterations(text, epoch):
    return [int(m.group(2)) for m in TRAIN_LINE.finditer(text) if int(m.group(1)) == epoch]


def test_two_nodes_with_their_own_disks_resume_as_one(nodes):
    a, b = nodes
    # Run 1: A is rank 0 and alone writes checkpoints, to A's disk; lost after the one at iteration 6.
    start(a, b, 'run1')
    wait_for(a, 'interval checkpoint: epoch 1, iteration 6', nodes)
    kill(nodes)
    assert (a.rank(), b.rank()) == (0, 1)
    assert [p.name for p in (a.run_dir / 'interval').iterdir()] == ['DiMPnet_ep0001_it000006.pth.tar']
    assert not b.run_dir.exists()

    # Run 2: the rendezvous hands rank 0 to B, whose disk holds no checkpoint: A's file is sent to B.
    start(b, a, 'run2')
    wait_for(b, 'interval checkpoint: epoch 2, iteration 3', nodes)
    kill(nodes)
    assert (b.rank(), a.rank()) == (0, 1), 'the rendezvous did not swap the ranks:\n' + b.text()[-2000:]
    text = b.text()
    a_file = a.run_dir / 'interval' / 'DiMPnet_ep0001_it000006.pth.tar'
    assert re.search(r'checkpoints seen: rank 0: none readable; rank 1 on \S+: {}'.format(re.escape(str(a_file))), text)
    assert 'WARNING: the ranks saw different checkpoints. Every rank resumes from {} (rank 1'.format(a_file) in text
    assert 'sent to rank 0 on its node, which could read none' in text
    assert 'resuming epoch 1 after iteration 6 (24 samples done, 2 process(es) then, 2 now)' in text
    assert 'resumed alike on 2 ranks: after epoch 0, iteration 6' in text
    assert iterations(text, 1) == [7, 8, 9, 10]  # nothing redone, nothing skipped
    assert 'epoch 1: trainable parameters bit-identical on 2 ranks' in text
    assert (b.run_dir / 'DiMPnet_ep0001.pth.tar').is_file() and not (a.run_dir / 'DiMPnet_ep0001.pth.tar').exists()

    # Run 3: B's newest file is truncated (a node crash while it was copied); A is rank 0 again. The newest
    # readable checkpoint of any rank is B's epoch 1 file, ahead of A's stale one of iteration 6: A gets it.
    latest = b.run_dir / 'interval' / 'DiMPnet_ep0002_it000003.pth.tar'
    latest.write_bytes(latest.read_bytes()[:latest.stat().st_size // 3])
    start(a, b, 'run3')
    finish(nodes)
    assert (a.rank(), b.rank()) == (0, 1)
    assert 'WARNING: checkpoint {} could not be read'.format(latest) in b.text()
    text = a.text()
    b_epoch = b.run_dir / 'DiMPnet_ep0001.pth.tar'
    assert re.search(r'checkpoints seen: rank 0 on \S+: {}; rank 1 on \S+: {}'.format(
        re.escape(str(a_file)), re.escape(str(b_epoch))), text)
    assert 'Every rank resumes from {} (rank 1'.format(b_epoch) in text
    assert 'resuming after epoch 1 from {}'.format(b_epoch) in text
    assert 'resumed alike on 2 ranks: after epoch 1, iteration 0' in text
    assert iterations(text, 1) == [] and iterations(text, 2) == list(range(1, 11))
    assert 'epoch 2: trainable parameters bit-identical on 2 ranks' in text and 'Finished training!' in text

    # The final network, whose settings hold local.py's paths and numpy value, loads as trackers load it.
    final = a.run_dir / 'DiMPnet_ep0002.pth.tar'
    loaded = subprocess.run([str(a.python), '-c', textwrap.dedent('''
        import sys
        from ltr.admin.loading import load_network
        net, state = load_network(sys.argv[1])
        print(type(net).__name__, type(state['settings'].env.tensorboard_dir).__name__, state['settings'].env.node_scale)
        ''').strip(), str(final)], cwd=str(a.checkout / 'pytracking'), capture_output=True, text=True, timeout=300)
    assert loaded.returncode == 0 and loaded.stdout.split() == ['DiMPnet', 'PosixPath', '1.5'], loaded.stderr[-3000:]
