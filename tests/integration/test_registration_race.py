"""Two real environments registering into and unregistering from one fresh checkout at the same moment,
round after round (the report: two environments registering one fresh checkout together lost one
registration in 6 of 10 rounds, and the survivor's doctor then failed).

Both commands are the real `pytracking-cmd` (cli.main) in their own environment's process; each process
starts, imports the plugin, says it is ready and waits, and the test releases both at once, so the two
commands run over the checkout together in every step. The environments are those of
test_environments.py: real virtual environments with their own site-packages and start-up hook.
"""
import subprocess

import pytest

from pytracking_cmd import registration
from tests.integration.test_environments import ENV, clone, git_status, hook, make_environment

pytestmark = pytest.mark.integration

ROUNDS = 10

# One command of the race: the plugin is imported before 'ready', so both commands start their work together.
RACER = '''
import sys
from pytracking_cmd import cli
print('ready', flush=True)
sys.stdin.readline()
sys.exit(cli.main(sys.argv[1:]))
'''


def race(*commands):
    """Run the commands ([python, args...] each) at the same moment; return [(exit status, output)]."""
    processes = [subprocess.Popen([str(python), '-c', RACER] + [str(a) for a in args], env=ENV, text=True,
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
                 for python, *args in commands]
    for process in processes:
        assert process.stdout.readline() == 'ready\n'
    for process in processes:  # both are waiting on their standard input: release them together
        process.stdin.write('go\n')
        process.stdin.flush()
    results = []
    for process in processes:
        out = process.communicate(timeout=300)[0]
        results.append((process.returncode, out))
    return results


def check(checkout, hooks, registered):
    """The manifest, the shims, local.py and both start-up hooks agree: exactly `registered` (environment
    pythons) are registered, with everything they want in place; nothing half-written is left."""
    manifest = registration.read_manifest(checkout)
    expected = {registration.environment_key(hooks[python], registration.this_host()) for python in registered}
    assert set(manifest['environments'] if manifest else ()) == expected, manifest
    for python, pth in hooks.items():
        if python in registered:
            assert registration.hook_checkouts(pth) == [str(checkout.resolve())]
            # doctor's registration check, for that environment's hook
            assert registration.status(checkout, site_dir=pth.parent) == (True, [])
        else:
            assert not pth.exists()
        assert not any(pth.parent.glob('.{}.*.tmp'.format(pth.name)))
    assert not [p for p in checkout.rglob('.*.tmp') if '.git' not in p.parts]
    if not registered:  # the last one went: the checkout is as cloned, lock file included
        assert git_status(checkout) == []
        assert not any(pth.with_name(pth.name + '.lock').exists() for pth in hooks.values())


def doctors_pass(*pythons, cwd):
    """`pytracking-cmd doctor` in each environment, at the same time: all pass, registration checks included."""
    processes = [subprocess.Popen([str(python), '-m', 'pytracking_cmd.cli', 'doctor'], cwd=cwd, env=ENV, text=True,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT) for python in pythons]
    for process in processes:
        out = process.communicate(timeout=300)[0]
        assert process.returncode == 0, out
        assert '[ok  ] registration' in out and 'environments registered here {}'.format(len(pythons)) in out, out


def test_two_environments_register_and_unregister_one_checkout_at_the_same_moment(pytracking_root, tmp_path):
    checkout = clone(pytracking_root, tmp_path / 'pytracking')
    a, b = make_environment(tmp_path / 'env-a'), make_environment(tmp_path / 'env-b')
    hooks = {a: hook(a), b: hook(b)}
    workspace = ('--workspace', tmp_path / 'workspace')

    for round_ in range(ROUNDS):
        first, second = (a, b) if round_ % 2 == 0 else (b, a)
        # both register the fresh checkout (the reported case)
        for code, out in race((first, 'register', checkout) + workspace, (second, 'register', checkout) + workspace):
            assert code == 0, 'round {}: {}'.format(round_, out)
        check(checkout, hooks, {a, b})
        doctors_pass(a, b, cwd=tmp_path)

        # one unregisters while the other registers again: the other keeps every shim it uses
        (code, out), (again, again_out) = race((first, 'unregister', checkout),
                                               (second, 'register', checkout) + workspace)
        assert code == 0 and again == 0, 'round {}: {}\n{}'.format(round_, out, again_out)
        check(checkout, hooks, {second})

        # both unregister (one of them is not registered any more): everything goes
        for code, out in race((first, 'unregister', checkout), (second, 'unregister', checkout)):
            assert code == 0, 'round {}: {}'.format(round_, out)
        check(checkout, hooks, set())
