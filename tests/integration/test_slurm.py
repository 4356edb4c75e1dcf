"""scripts/slurm/train.sbatch against a real SLURM (slurmctld, slurmd, munged) that the tests start as root,
configured under a temporary folder ($SLURM_CONF), training demo_cmd through pytracking's own
run_training.py under torchrun. Without slurm-wlm and munge installed, or without root, the SLURM tests
skip and say why; the run's summary says in one line whether they ran (`SLURM tests: ...`).

Three jobs (docs/cluster.md has the measured table):
- a job that finishes within its time limit: never requeued. It also measures this machine's start-up and
  iteration times, from which the next job's training is sized to need about 2.5 runs;
- a job whose time limit is shorter than its training: SLURM's time-limit warning (SIGUSR1 to the batch
  shell), the script's forward to the trainers, their checkpoint and exit, the script's `scontrol requeue`,
  and the resume, until it completes;
- `scontrol requeue` mid-run (what preemption does): SIGTERM to every process, a checkpoint, SLURM's own
  requeue, the resume.

The test cluster shortens two SLURM delays that are only waiting (a requeued job's 120 s hold,
AuthInfo=cred_expire; the 60 s scheduling cycle); the signals, the time limits and the requeues are
SLURM's own.
"""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import torch

from ltr_cmd.settings_overrides import VARIABLE as SETTINGS_VARIABLE

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / 'scripts' / 'slurm' / 'train.sbatch'
DAEMONS = ('munged', 'slurmctld', 'slurmd')
CLIENTS = ('sbatch', 'scontrol', 'scancel', 'sinfo', 'srun')
FINAL_STATES = {'COMPLETED', 'FAILED', 'TIMEOUT', 'CANCELLED', 'NODE_FAIL', 'OUT_OF_MEMORY', 'BOOT_FAIL',
                'DEADLINE', 'PREEMPTED'}
TRAIN_LINE = re.compile(r'\[train: (\d+), (\d+) / (\d+)\]')
RESUME_LINE = re.compile(r'resuming epoch (\d+) after iteration (\d+)')
EVENT_LINE = re.compile(r'\[train\.sbatch\] \S+ \S+ job (\d+) restart (\d+): (.*)')
SUMMARY_PLUGIN = 'pytracking_cmd_slurm_summary'


def _sbin(name):
    return shutil.which(name) or shutil.which(name, path='/usr/sbin:/usr/local/sbin:/sbin')


def why_no_slurm():
    """None when the tests can start a SLURM here, else the reason (in the skip message)."""
    missing = [name for name in DAEMONS + CLIENTS if _sbin(name) is None]
    if missing:
        return 'slurm-wlm and munge are not installed ({} not found; apt-get install slurm-wlm munge)'.format(
            ', '.join(missing))
    if os.geteuid() != 0:
        return 'starting munged, slurmctld and slurmd needs root (running as uid {})'.format(os.geteuid())
    try:
        import pwd
        pwd.getpwnam('munge')
    except KeyError:
        return 'no "munge" user to run munged as (the munge package creates it)'
    return None


def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def _tail(path, lines=40):
    try:
        return '\n'.join(Path(path).read_text(errors='replace').splitlines()[-lines:])
    except OSError as error:
        return '({})'.format(error)


class Cluster:
    """One node, one partition, under `base`: munged as the munge user (key and socket in base/munge),
    slurmctld and slurmd as root in the foreground, all stopped by stop()."""

    def __init__(self, base):
        self.base = Path(base)
        self.processes = []
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(('SLURM_', 'SBATCH_', 'SRUN_'))}
        self.env['SLURM_CONF'] = str(self.base / 'slurm.conf')
        self.version = None

    def start(self):
        import pwd
        munge_user = pwd.getpwnam('munge')
        munge_dir = self.base / 'munge'
        for folder in ('state', 'spool', 'log'):
            (self.base / folder).mkdir(parents=True)
        munge_dir.mkdir()
        os.chmod(self.base, 0o755)  # munged checks every folder above its socket
        os.chmod(munge_dir, 0o755)
        key = munge_dir / 'munge.key'
        key.write_bytes(os.urandom(1024))
        for path in (munge_dir, key):
            os.chown(path, munge_user.pw_uid, munge_user.pw_gid)
        os.chmod(key, 0o400)
        socket_path = munge_dir / 'munge.socket'
        self._spawn('munged', [_sbin('munged'), '--foreground', '--socket', str(socket_path), '--key-file', str(key),
                               '--pid-file', str(munge_dir / 'munged.pid'), '--log-file', str(munge_dir / 'munged.log'),
                               '--seed-file', str(munge_dir / 'munged.seed')],
                    user=munge_user.pw_uid, group=munge_user.pw_gid, extra_groups=[])
        self._wait(lambda: socket_path.exists(), 20, 'munged did not create its socket', munge_dir / 'munged.log')

        host = socket.gethostname().split('.')[0]
        cpus = os.cpu_count() or 1
        with open('/proc/meminfo') as meminfo:
            memory_mb = int(next(line for line in meminfo if line.startswith('MemTotal')).split()[1]) // 1024
        config = '\n'.join([
            'ClusterName=cmdtest',
            'SlurmctldHost={}(127.0.0.1)'.format(host),
            'SlurmctldPort={}'.format(_free_port()),
            'SlurmdPort={}'.format(_free_port()),
            'SlurmUser=root',
            'AuthType=auth/munge',
            'CredType=cred/munge',
            # cred_expire also holds a requeued job back (120 s by default): 10 s here
            'AuthInfo=socket={},cred_expire=10'.format(socket_path),
            'SchedulerParameters=sched_interval=5,bf_interval=5',
            'ProctrackType=proctrack/linuxproc',
            'TaskPlugin=task/none',
            'SelectType=select/cons_tres',
            'SelectTypeParameters=CR_Core',
            'MpiDefault=none',
            'ReturnToService=2',
            'JobRequeue=1',
            'MinJobAge=3600',  # `scontrol show job` keeps finished jobs
            'SlurmdParameters=config_overrides',
            'StateSaveLocation={}'.format(self.base / 'state'),
            'SlurmdSpoolDir={}'.format(self.base / 'spool'),
            'SlurmctldPidFile={}'.format(self.base / 'slurmctld.pid'),
            'SlurmdPidFile={}'.format(self.base / 'slurmd.pid'),
            'SlurmctldLogFile={}'.format(self.base / 'log' / 'slurmctld.log'),
            'SlurmdLogFile={}'.format(self.base / 'log' / 'slurmd.log'),
            'NodeName={} NodeAddr=127.0.0.1 CPUs={} RealMemory={} State=UNKNOWN'.format(host, cpus, memory_mb // 2),
            'PartitionName=cmdtest Nodes={} Default=YES MaxTime=INFINITE State=UP'.format(host),
        ]) + '\n'
        Path(self.env['SLURM_CONF']).write_text(config)
        self._spawn('slurmctld', [_sbin('slurmctld'), '-D'])
        self._spawn('slurmd', [_sbin('slurmd'), '-D'])
        self._wait(lambda: self.run('sinfo', '-h', '-o', '%T', check=False).stdout.strip() == 'idle', 60,
                   'the node did not become idle', self.base / 'log' / 'slurmctld.log', self.base / 'log' / 'slurmd.log')
        self.version = self.run('sinfo', '--version').stdout.strip()

    def _spawn(self, name, command, **kwargs):
        log = open(self.base / 'log' / '{}.stdout'.format(name), 'w')
        process = subprocess.Popen(command, env=self.env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   start_new_session=True, **kwargs)
        log.close()
        self.processes.append((name, process))

    def _wait(self, ready, timeout, what, *logs):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for name, process in self.processes:
                if process.poll() is not None:
                    raise RuntimeError('{} exited with {}:\n{}\n{}'.format(
                        name, process.returncode, _tail(self.base / 'log' / '{}.stdout'.format(name)),
                        '\n'.join(_tail(log) for log in logs)))
            if ready():
                return
            time.sleep(0.5)
        raise RuntimeError('{} within {} s:\n{}'.format(what, timeout, '\n'.join(_tail(log) for log in logs)))

    def run(self, *command, check=True):
        result = subprocess.run([_sbin(command[0])] + list(command[1:]), env=self.env, capture_output=True, text=True,
                                timeout=60)
        if check and result.returncode != 0:
            raise RuntimeError('{} failed ({}): {}'.format(' '.join(command), result.returncode, result.stderr))
        return result

    def stop(self):
        """Cancel what still runs, then stop slurmd, slurmctld and munged (in that order)."""
        if any(name == 'slurmctld' and p.poll() is None for name, p in self.processes):
            self.run('scancel', '--partition=cmdtest', check=False)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and self.run('squeue', '-h', check=False).stdout.strip():
                time.sleep(1)
        for name, process in reversed(self.processes):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


class Job:
    """A submitted job: its output read as it grows (each line with the time it was first seen), its state."""

    def __init__(self, cluster, output, options, env):
        self.cluster, self.output, self.lines, self._read = cluster, Path(output), [], 0
        result = subprocess.run([_sbin('sbatch'), '--parsable', '--output', str(output)] + options +
                                [str(SCRIPT), 'cmd', 'demo_cmd'], env=env, cwd=str(self.output.parent),
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        self.id = result.stdout.strip().split(';')[0]

    def poll(self):
        if self.output.exists():
            with open(self.output, 'rb') as f:
                f.seek(self._read)
                data = f.read()
            complete = data[:data.rfind(b'\n') + 1]
            self._read += len(complete)
            now = time.monotonic()
            self.lines.extend((now, line) for line in complete.decode(errors='replace').splitlines())
        return self.lines

    def state(self):
        text = self.cluster.run('scontrol', 'show', 'job', '-o', self.id).stdout
        return dict(re.findall(r'(\w+)=(\S*)', text))

    def wait(self, timeout, until=None):
        """Poll until the job is in a final state (or until(job) is true); returns its state."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.poll()
            if until is not None and until(self):
                return self.state()
            state = self.state()
            if state.get('JobState') in FINAL_STATES:
                time.sleep(1)
                self.poll()
                return state
            time.sleep(0.5)
        self.cluster.run('scancel', self.id, check=False)
        raise AssertionError('job {} not done within {} s:\n{}'.format(self.id, timeout, self.text()[-4000:]))

    def text(self):
        return '\n'.join(line for _, line in self.poll())

    def runs(self):
        """The job's output per (re)start: [{'restart', 'lines': [(t, line)], 'iterations', 'resumed',
        'events'}], split at the script's 'starting' line."""
        runs = []
        for t, line in self.poll():
            event = EVENT_LINE.search(line)
            if event and event.group(3).startswith('starting '):
                runs.append({'restart': int(event.group(2)), 'lines': [], 'iterations': [], 'resumed': None,
                             'events': []})
            if not runs:
                continue
            run = runs[-1]
            run['lines'].append((t, line))
            if event:
                run['events'].append(event.group(3))
            train = TRAIN_LINE.search(line)
            if train and int(train.group(1)) == 1:
                run['iterations'].append((t, int(train.group(2))))
            resumed = RESUME_LINE.search(line)
            if resumed:
                run['resumed'] = int(resumed.group(2))
        return runs


class Summary:
    """The line in the run's summary that says whether the SLURM tests ran against a real SLURM, and the
    table of their jobs."""

    def __init__(self):
        self.ran_against, self.skipped, self.rows = None, None, []

    def pytest_terminal_summary(self, terminalreporter):
        outcomes = {}
        for reports in terminalreporter.stats.values():
            for report in reports:
                if getattr(report, 'when', None) in ('setup', 'call') and 'test_slurm.py::' in report.nodeid \
                        and 'test_slurm.py::test_the_job_script' not in report.nodeid:
                    if report.when == 'call' or report.outcome != 'passed':
                        outcomes[report.nodeid] = report.outcome
        counts = {o: list(outcomes.values()).count(o) for o in ('passed', 'failed', 'skipped')}
        if self.ran_against:
            line = 'SLURM tests: ran against a real slurmctld/slurmd started by the tests ({}): {} passed, {} failed, ' \
                   '{} skipped'.format(self.ran_against, counts['passed'], counts['failed'], counts['skipped'])
        else:
            line = 'SLURM tests: skipped, no real SLURM ({})'.format(self.skipped)
        terminalreporter.write_line(line)
        if self.rows:
            terminalreporter.write_line('SLURM jobs: case | time limit | warning | requeues | iterations redone | '
                                        'final state | final checkpoint | wall time')
            for row in self.rows:
                terminalreporter.write_line('  ' + ' | '.join(str(cell) for cell in row))


@pytest.fixture(scope='session')
def slurm_summary(request):
    summary = request.config.pluginmanager.get_plugin(SUMMARY_PLUGIN)
    if summary is None:
        summary = Summary()
        request.config.pluginmanager.register(summary, SUMMARY_PLUGIN)
    return summary


@pytest.fixture(scope='session')
def slurm_cluster(slurm_summary):
    reason = why_no_slurm()
    if reason is not None:
        slurm_summary.skipped = reason
        pytest.skip('SLURM tests: ' + reason)
    # munged runs as the munge user: its folder must be reachable from / (pytest's temporary folders are
    # root-only); a short path also keeps the socket's name within its 108 bytes
    cluster = Cluster(tempfile.mkdtemp(prefix='cmd-slurm-', dir='/tmp'))
    try:
        cluster.start()
    except Exception:
        cluster.stop()
        raise
    slurm_summary.ran_against = '{}, one node of {} CPUs'.format(cluster.version, os.cpu_count())
    yield cluster
    cluster.stop()
    shutil.rmtree(str(cluster.base), ignore_errors=True)


@pytest.fixture(scope='module')
def demo_workspace(tmp_path_factory):
    """A workspace holding a random-initialised stand-in of the demo teacher, for demo_cmd."""
    from ltr_cmd import demo
    root = tmp_path_factory.mktemp('slurm_workspace')
    net = demo.MODELS['dimp'].network()
    teacher = root / 'checkpoints' / 'ltr' / 'cmd' / 'demo_teacher'
    teacher.mkdir(parents=True)
    torch.save({'net': net.state_dict(), 'constructor': net.constructor, 'net_info': None, 'epoch': 1,
                'net_type': type(net).__name__}, teacher / 'DiMPnet_ep0001.pth.tar')
    return root


def submit(cluster, pytracking_root, folder, workspace, iterations, interval, options):
    """demo_cmd, one process, batch 2 and one loader worker, `iterations` iterations in one epoch, an
    interval checkpoint every `interval`, its run folder in `workspace` (a copy of the demo workspace)."""
    overrides = {'train.num_epochs': 1, 'train.batch_size': 2, 'train.num_workers': 1, 'train.fail_safe': False,
                 'train.print_interval': 1, 'train.samples_per_epoch': 2 * iterations,
                 'train.checkpoint_interval': interval, 'ltr.workspace_dir': str(workspace),
                 'ltr.tensorboard_dir': str(folder / 'tensorboard')}
    env = dict(cluster.env, **{SETTINGS_VARIABLE: json.dumps(overrides), 'PYTHONUNBUFFERED': '1',
                               'OMP_NUM_THREADS': '1', 'CMD_PYTHON': sys.executable,
                               'PYTRACKING_ROOT': str(pytracking_root), 'CMD_SIGNAL_REPEAT': '10'})
    return Job(cluster, folder / 'job.out', options, env)


def fresh_workspace(demo_workspace, folder):
    workspace = folder / 'workspace'
    shutil.copytree(str(demo_workspace), str(workspace))
    return workspace


def final_checkpoint(workspace):
    run_dir = workspace / 'checkpoints' / 'ltr' / 'cmd' / 'demo_cmd'
    return sorted(p.relative_to(run_dir).as_posix() for p in run_dir.rglob('*.pth.tar'))


def redone(runs):
    """Iterations trained again after each restart: the last iteration printed before it minus the one
    it resumed after."""
    counts = []
    for before, after in zip(runs, runs[1:]):
        assert after['resumed'] is not None, 'restart {} did not resume:\n{}'.format(
            after['restart'], '\n'.join(line for _, line in after['lines'])[-3000:])
        counts.append(max((i for _, i in before['iterations']), default=before['resumed'] or 0) - after['resumed'])
    return counts


def check_continuity(runs, total):
    """Each run trains on from where it resumed; the last one to the end of the epoch."""
    for run in runs:
        done = [i for _, i in run['iterations']]
        start = run['resumed'] or 0
        assert done == list(range(start + 1, start + 1 + len(done))), (run['restart'], done)
    assert max(i for run in runs for _, i in run['iterations']) == total


def test_the_job_script_is_valid_bash_and_prints_its_usage_without_arguments():
    assert subprocess.run(['bash', '-n', str(SCRIPT)]).returncode == 0
    result = subprocess.run(['bash', str(SCRIPT)], capture_output=True, text=True)
    assert result.returncode == 2 and 'sbatch [sbatch options] scripts/slurm/train.sbatch TRAIN_MODULE TRAIN_NAME' in \
        result.stderr and 'expected TRAIN_MODULE TRAIN_NAME' in result.stderr
    result = subprocess.run(['bash', str(SCRIPT), '--help'], capture_output=True, text=True)
    assert result.returncode == 0 and '--signal=B:USR1@S' in result.stdout
    env = {k: v for k, v in os.environ.items() if not k.startswith('SLURM_')}
    result = subprocess.run(['bash', str(SCRIPT), 'cmd', 'demo_cmd'], capture_output=True, text=True, env=env)
    assert result.returncode == 2 and 'not inside a SLURM job' in result.stderr
    header = SCRIPT.read_text()
    for option in ('--requeue', '--open-mode=append', '--signal=B:USR1@300'):
        assert '#SBATCH {}\n'.format(option) in header


@pytest.fixture(scope='module')
def short_job(slurm_cluster, slurm_summary, pytracking_root, demo_workspace, tmp_path_factory):
    """A job that finishes within its time limit (5 minutes; 10 iterations). Also measures start-up and
    seconds per iteration here, to size the time-limited job."""
    folder = tmp_path_factory.mktemp('slurm_short')
    workspace = fresh_workspace(demo_workspace, folder)
    started = time.monotonic()
    job = submit(slurm_cluster, pytracking_root, folder, workspace, 10, 4, ['--time=5', '--signal=B:USR1@60'])
    state = job.wait(600)
    wall = time.monotonic() - started
    runs = job.runs()
    slurm_summary.rows.append(('finishes within its limit', '5 min', '@60 s', state.get('Restarts'), '-',
                               state.get('JobState'), ', '.join(final_checkpoint(workspace)), '{:.0f} s'.format(wall)))
    return job, state, runs, workspace


@pytest.mark.integration
@pytest.mark.slow
def test_a_job_that_finishes_within_its_time_limit_is_never_requeued(short_job):
    job, state, runs, workspace = short_job
    text = job.text()
    assert state['JobState'] == 'COMPLETED' and state['Restarts'] == '0', text[-4000:]
    assert len(runs) == 1 and runs[0]['events'][-1].startswith('training finished (torchrun exit 0): not requeued')
    assert not any('warning' in e or 'requeue issued' in e for e in runs[0]['events'])
    check_continuity(runs, 10)
    assert final_checkpoint(workspace) == ['DiMPnet_ep0001.pth.tar']


def seconds_per_iteration(runs):
    """(start-up: from the script's 'starting' line to the first iteration, seconds per iteration)."""
    times = [t for t, _ in runs[0]['iterations']]
    return times[0] - runs[0]['lines'][0][0], (times[-1] - times[0]) / max(1, len(times) - 1)


@pytest.mark.integration
@pytest.mark.slow
def test_a_job_whose_time_limit_is_shorter_than_its_training_requeues_itself_and_completes(
        short_job, slurm_cluster, slurm_summary, pytracking_root, demo_workspace, tmp_path):
    # --time=2 with the warning 30 s before the limit: SLURM checks time limits about every 30 s, so the
    # warning comes 60-90 s into each run; sized so that the training needs about 2.5 runs
    assert short_job[2] and len(short_job[2][0]['iterations']) >= 2, 'the first job measured nothing:\n' + \
        short_job[0].text()[-3000:]
    startup, per_iteration = seconds_per_iteration(short_job[2])
    per_run = max(3, int((75 - startup) / per_iteration))
    total, interval = min(400, int(2.5 * per_run)), 5
    print('start-up {:.1f} s, {:.2f} s per iteration: {} iterations, about {} per run'.format(
        startup, per_iteration, total, per_run))
    workspace = fresh_workspace(demo_workspace, tmp_path)
    started = time.monotonic()
    job = submit(slurm_cluster, pytracking_root, tmp_path, workspace, total, interval,
                 ['--time=2', '--signal=B:USR1@30'])
    state = job.wait(1200)
    wall = time.monotonic() - started
    runs = job.runs()
    text = job.text()
    counts = redone(runs) if len(runs) > 1 else []
    slurm_summary.rows.append(('time limit < training ({} iterations)'.format(total), '2 min', '@30 s',
                               state.get('Restarts'), counts, state.get('JobState'),
                               ', '.join(final_checkpoint(workspace)), '{:.0f} s'.format(wall)))
    assert state['JobState'] == 'COMPLETED', text[-5000:]
    restarts = int(state['Restarts'])
    assert restarts >= 1 and len(runs) == restarts + 1, text[-5000:]
    for number, run in enumerate(runs):
        assert run['restart'] == number
        if number < restarts:  # warned, stopped with a checkpoint, requeued by the script
            assert any(e.startswith('time-limit warning (SIGUSR1)') for e in run['events']), run['events']
            assert any(e.startswith('training stopped at the time-limit warning') and 'requeue issued' in e
                       for e in run['events']), run['events']
            assert any('SIGUSR1: checkpoint written, exiting' in line for _, line in run['lines'])
    assert runs[-1]['events'][-1].startswith('training finished (torchrun exit 0): not requeued')
    # the loader's fork server and resource tracker outlive SIGUSR1 (torchrun's ChildFailedError report of the
    # trainers' exit 75 is the only traceback)
    assert 'resource_tracker' not in text and text.count('Traceback') == text.count('ChildFailedError:'), text[-5000:]
    assert all(0 <= count <= interval for count in counts), counts
    check_continuity(runs, total)
    assert final_checkpoint(workspace) == ['DiMPnet_ep0001.pth.tar']


@pytest.mark.integration
@pytest.mark.slow
def test_scontrol_requeue_mid_run_checkpoints_and_the_job_resumes_and_completes(
        short_job, slurm_cluster, slurm_summary, pytracking_root, demo_workspace, tmp_path):
    total, interval = 14, 4
    workspace = fresh_workspace(demo_workspace, tmp_path)
    started = time.monotonic()
    job = submit(slurm_cluster, pytracking_root, tmp_path, workspace, total, interval,
                 ['--time=10', '--signal=B:USR1@60'])
    job.wait(600, until=lambda j: any(i >= 6 for run in j.runs() for _, i in run['iterations']))
    slurm_cluster.run('scontrol', 'requeue', job.id)
    state = job.wait(900)
    wall = time.monotonic() - started
    runs = job.runs()
    text = job.text()
    counts = redone(runs) if len(runs) > 1 else []
    slurm_summary.rows.append(('scontrol requeue at iteration 6 of {}'.format(total), '10 min', '@60 s',
                               state.get('Restarts'), counts, state.get('JobState'),
                               ', '.join(final_checkpoint(workspace)), '{:.0f} s'.format(wall)))
    assert state['JobState'] == 'COMPLETED' and state['Restarts'] == '1', text[-5000:]
    assert len(runs) == 2, text[-5000:]
    first, second = runs
    assert any(e.startswith('SIGTERM (preemption') for e in first['events']), first['events']
    assert not any('requeue issued' in e for e in first['events'])  # SLURM requeued it, not the script
    assert any('SIGTERM: checkpoint written, exiting' in line for _, line in first['lines']), text[-5000:]
    assert all(0 <= count <= interval for count in counts), counts
    assert second['events'][-1].startswith('training finished (torchrun exit 0): not requeued')
    check_continuity(runs, total)
    assert final_checkpoint(workspace) == ['DiMPnet_ep0001.pth.tar']
