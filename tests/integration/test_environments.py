"""Real environments and checkouts side by side: two virtual environments registered into one
checkout, and one environment registered into two checkouts, each with an unregister.

Each environment is a real virtual environment (`python -m venv`) with its own site-packages and
start-up hook that sees this environment's packages; each checkout is a git clone of the test
checkout. Every check runs in a subprocess through the real .pth hook, with $PYTRACKING_ROOT unset.
"""
import os
import shutil
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import pytest

from pytracking_cmd import registration

pytestmark = pytest.mark.integration

ENV = {k: v for k, v in os.environ.items() if k != registration.ROOT_VARIABLE}


def make_environment(prefix):
    """A virtual environment at prefix with this environment's packages but not its start-up hook: a
    path line to this site-packages, then copies of its other .pth files (the editable install's finder)."""
    subprocess.run([sys.executable, '-m', 'venv', '--without-pip', str(prefix)], check=True)
    python = prefix / 'bin' / 'python'
    site = Path(run(python, 'import sysconfig; print(sysconfig.get_paths()["purelib"])').stdout.strip())
    own = Path(sysconfig.get_paths()['purelib'])
    (site / '00-base-environment.pth').write_text(str(own) + '\n')  # sorts before the copies, which need it
    for pth in own.glob('*.pth'):
        if pth.name != registration.PTH_NAME:
            shutil.copy(pth, site / pth.name)
    return python


def run(python, code, cwd=None, check=True):
    result = subprocess.run([str(python), '-c', textwrap.dedent(code)], cwd=cwd, env=ENV, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0 or not check, result.stdout + result.stderr
    return result


def cli(python, *args, cwd=None):
    result = subprocess.run([str(python), '-m', 'pytracking_cmd.cli'] + [str(a) for a in args], cwd=cwd, env=ENV,
                            capture_output=True, text=True, timeout=300)
    return result.returncode, result.stdout + result.stderr


def clone(pytracking_root, folder):
    subprocess.run(['git', 'clone', '-q', str(pytracking_root), str(folder)], check=True)
    return folder


def which_ltr(python, cwd):
    """The checkout whose `ltr` a plain process (no script) of the environment finds."""
    return Path(run(python, 'import importlib.util; print(importlib.util.find_spec("ltr").origin)',
                    cwd=cwd).stdout.strip()).parents[1]


def run_training_preamble(python, checkout):
    """Run pytracking's own ltr/run_training.py from its folder up to main() (its sys.path.append and
    `import ltr.admin.settings`); return the checkout its `ltr` came from and where the plugin's shim is."""
    out = run(python, '''
        import importlib.util, runpy, sys
        runpy.run_path('run_training.py', run_name='run_training')
        print(sys.modules['ltr'].__file__)
        print(importlib.util.find_spec('ltr.train_settings.cmd.demo_cmd').origin)
    ''', cwd=checkout / 'ltr').stdout.split()
    return Path(out[0]).resolve().parents[1], Path(out[1]).resolve()


def git_status(checkout):
    return subprocess.run(['git', '-C', str(checkout), 'status', '--porcelain', '--untracked-files=all'],
                          capture_output=True, text=True, check=True).stdout.splitlines()


def hook(python):
    return Path(run(python, 'from pytracking_cmd import registration; print(registration.pth_path())').stdout.strip())


def test_two_environments_share_one_checkout(pytracking_root, tmp_path):
    checkout = clone(pytracking_root, tmp_path / 'pytracking')
    a, b = make_environment(tmp_path / 'env-a'), make_environment(tmp_path / 'env-b')
    for python in (a, b):
        code, out = cli(python, 'register', checkout, '--workspace', tmp_path / 'workspace')
        assert code == 0, out
    assert 'also registered in {}: {}'.format(checkout, tmp_path / 'env-a') in out

    for python in (a, b):  # the second registration left the first one working
        assert which_ltr(python, tmp_path) == checkout
        code, out = cli(python, 'doctor', cwd=tmp_path)
        assert code == 0, out
        assert 'environments registered here 2' in out
        mine = [line.strip() for line in out.splitlines() if line.endswith(', this environment')]
        assert len(mine) == 1 and mine[0].startswith('{} on {} (pytracking-cmd'.format(
            python.parents[1], registration.this_host())), out

    code, out = cli(b, 'unregister', checkout, cwd=tmp_path)
    assert code == 0 and 'kept what the other environments registered there use' in out, out
    assert not hook(b).exists()
    assert run(b, 'import ltr', cwd=tmp_path, check=False).returncode != 0  # b no longer finds a checkout
    code, out = cli(a, 'doctor', checkout, cwd=tmp_path)  # a's shims, local.py and hook are all still there
    assert code == 0 and 'environments registered here 1' in out, out

    code, out = cli(a, 'unregister', checkout, cwd=tmp_path)
    assert code == 0, out
    assert git_status(checkout) == [] and not hook(a).exists()


def test_one_environment_in_two_checkouts(pytracking_root, tmp_path):
    first, second = clone(pytracking_root, tmp_path / 'first'), clone(pytracking_root, tmp_path / 'second')
    python = make_environment(tmp_path / 'env')
    for checkout in (first, second):
        code, out = cli(python, 'register', checkout, '--workspace', tmp_path / 'workspace')
        assert code == 0, out
    assert 'also registered into {}'.format(first) in out

    # pytracking's script in each checkout gets that checkout's code and shims
    for checkout in (first, second):
        assert run_training_preamble(python, checkout) == (checkout, checkout / 'ltr/train_settings/cmd/demo_cmd.py')
    # without a script: the registered checkout the working directory is in, else the one registered last
    assert which_ltr(python, first / 'pytracking') == first
    assert which_ltr(python, tmp_path) == second
    code, out = cli(python, 'doctor', first, cwd=tmp_path)  # the first checkout, after the second registered
    assert code == 0, out

    code, out = cli(python, 'unregister', second, cwd=tmp_path)
    assert code == 0, out
    assert git_status(second) == []
    assert run_training_preamble(python, first) == (first, first / 'ltr/train_settings/cmd/demo_cmd.py')
    assert which_ltr(python, tmp_path) == first
    code, out = cli(python, 'doctor', cwd=tmp_path)  # no ROOT: the one checkout left
    assert code == 0 and 'using {} (the registered checkout)'.format(first) in out, out

    code, out = cli(python, 'unregister', first, cwd=tmp_path)
    assert code == 0, out
    assert git_status(first) == [] and not hook(python).exists()
