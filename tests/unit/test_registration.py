"""Registration on temporary trees shaped like pytracking checkouts (no pytracking code needed).
An "environment" here is a site folder holding its start-up hook (register's site_dir); the real
environments, processes and checkouts are in tests/integration/test_environments.py."""
import fcntl
import json
import os
import socket
import stat
import subprocess
import sys

import pytest

from ltr_cmd import torch_floor
from pytracking_cmd import _startup, doctor, registration

HOST_FILES = ('ltr/run_training.py', 'ltr/train_settings/__init__.py', 'pytracking/run_tracker.py',
              'pytracking/evaluation/tracker.py', 'pytracking/parameter/__init__.py', 'pytracking/tracker/__init__.py',
              'ltr/admin/__init__.py', 'pytracking/evaluation/__init__.py')


def make_checkout(root):
    for rel in HOST_FILES:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text('# host file\n')
    (root / '.gitignore').write_text('*__pycache__*\nltr/admin/local.py\npytracking/evaluation/local.py\n')
    subprocess.run(['git', 'init', '-q', str(root)], check=True)
    subprocess.run(['git', '-C', str(root), 'add', '-A'], check=True)
    subprocess.run(['git', '-C', str(root), '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'host'],
                   check=True)
    return root


@pytest.fixture
def checkout(tmp_path, monkeypatch):
    monkeypatch.delenv(registration.ROOT_VARIABLE, raising=False)
    monkeypatch.setattr(sys, 'path', list(sys.path))  # doctor puts the checkout it checks on sys.path
    return make_checkout(tmp_path / 'pytracking')


def site(root, name='site'):
    """An environment's site folder (where its start-up hook goes), beside the checkout."""
    folder = root.parent / name
    folder.mkdir(exist_ok=True)
    return folder


def register(root, log=None, env='site', **kwargs):
    """register() with the hook and the workspace in the test's folder instead of this environment's."""
    return registration.register(root, log=log or quiet, workspace=root.parent / 'workspace',
                                 site_dir=site(root, env), **kwargs)


def unregister(root, log=None, env='site', **kwargs):
    return registration.unregister(root, log=log or quiet, site_dir=site(root, env), **kwargs)


def status(root, env='site', **kwargs):
    return registration.status(root, site_dir=site(root, env), **kwargs)


def key(root, env='site', host=None):
    """The manifest's key of the environment with its hook in site(root, env), on this machine or `host`."""
    return registration.environment_key(registration.pth_path(site(root, env)), host or registration.this_host())


def git_status(root):
    return subprocess.run(['git', '-C', str(root), 'status', '--porcelain', '--untracked-files=all'],
                          capture_output=True, text=True, check=True).stdout.splitlines()


def quiet(*_):
    pass


def test_register_writes_a_shim_for_everything_the_plugin_provides(checkout):
    register(checkout)
    offer = registration.provided()
    assert 'demo_cmd' in offer['train_settings'] and offer['trackers'] == ['atom_cmd', 'dimp_cmd', 'tomp_cmd']
    for name in offer['train_settings']:
        text = (checkout / 'ltr/train_settings/cmd/{}.py'.format(name)).read_text()
        assert 'from ltr_cmd.train_settings.{} import run'.format(name) in text
        assert 'pytracking-cmd unregister' in text  # says how to remove it
    assert 'get_tracker_class' in (checkout / 'pytracking/tracker/dimp_cmd/__init__.py').read_text()
    for param in offer['parameters']['dimp_cmd']:
        assert (checkout / 'pytracking/parameter/dimp_cmd/{}.py'.format(param)).is_file()
    pth = registration.pth_path(checkout.parent / 'site').read_text()
    assert 'pytracking_cmd._startup' in pth and str(checkout) in pth
    assert repr(str(checkout.parent / 'workspace')) in (checkout / 'ltr/admin/local.py').read_text()


def test_register_leaves_only_untracked_files_and_unregister_restores_a_clean_status(checkout):
    register(checkout)
    status = git_status(checkout)
    assert status and all(line.startswith('?? ') for line in status)
    assert '?? {}'.format(registration.MANIFEST_LOCK_NAME) in status  # beside the manifest while registered
    unregister(checkout)
    assert git_status(checkout) == []
    assert not registration.pth_path(checkout.parent / 'site').exists()
    assert os.listdir(checkout.parent / 'site') == []  # the hook's lock file went with it
    assert not (checkout / 'ltr/admin/local.py').exists()  # created by register, unchanged: removed


def test_files_are_written_whole_under_a_name_of_their_own_with_the_usual_permissions(checkout):
    umask = os.umask(0o027)
    try:
        register(checkout)
    finally:
        os.umask(umask)
    hook = registration.pth_path(site(checkout))
    written = [checkout / registration.MANIFEST_NAME, checkout / 'ltr/admin/local.py', hook,
               checkout / 'ltr/train_settings/cmd/demo_cmd.py', checkout / 'pytracking/tracker/dimp_cmd/__init__.py']
    assert {oct(stat.S_IMODE(path.stat().st_mode)) for path in written} == {oct(0o640)}  # as a plain write
    leftovers = [p for p in list(checkout.rglob('*')) + list(site(checkout).iterdir())
                 if p.name.endswith('.tmp') and '.git' not in p.parts]
    assert leftovers == []


def test_a_register_waits_for_the_lock_and_follows_a_lock_file_its_holder_deleted(checkout):
    """Another register or unregister holds the checkout's lock; this one, a real process, waits. The holder
    then deletes the lock file (as the last unregister does) before letting go: the waiting register must
    lock the file that is there now, or a third process could run beside it."""
    lock = checkout / registration.MANIFEST_LOCK_NAME
    held = os.open(str(lock), os.O_RDWR | os.O_CREAT)
    fcntl.flock(held, fcntl.LOCK_EX)
    code = ('import sys; from pytracking_cmd import registration; '
            'registration.register(sys.argv[1], workspace=sys.argv[2], site_dir=sys.argv[3])')
    waiting = subprocess.Popen([sys.executable, '-c', code, str(checkout), str(checkout.parent / 'workspace'),
                                str(site(checkout))], env=dict(os.environ, PYTHONUNBUFFERED='1'),
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert waiting.stdout.readline().startswith('waiting for another pytracking-cmd register or unregister')
        assert not (checkout / registration.MANIFEST_NAME).exists()  # it waits before reading anything
        lock.unlink()
    finally:
        os.close(held)
    out = waiting.communicate(timeout=300)[0]
    assert waiting.returncode == 0, out
    assert status(checkout) == (True, []) and lock.exists()


def test_register_is_idempotent(checkout):
    register(checkout)
    before = {p: p.read_bytes() for p in checkout.rglob('*') if p.is_file() and '.git' not in p.parts}
    messages = []
    register(checkout, log=messages.append)
    after = {p: p.read_bytes() for p in checkout.rglob('*') if p.is_file() and '.git' not in p.parts}
    assert before == after
    assert '(0 written)' in messages[-1]


def test_existing_local_py_is_never_overwritten(checkout):
    user_file = checkout / 'pytracking/evaluation/local.py'
    user_file.write_text('# my paths\n')
    register(checkout)
    unregister(checkout)
    assert user_file.read_text() == '# my paths\n'


def test_edited_local_py_is_kept_on_unregister(checkout):
    register(checkout)
    local = checkout / 'ltr/admin/local.py'
    local.write_text(local.read_text() + "        self.lasher_dir = '/data/LasHeR'\n")
    messages = []
    unregister(checkout, log=messages.append)
    assert local.exists() and '/data/LasHeR' in local.read_text()
    assert any('kept' in m and 'local.py' in m for m in messages)


def test_register_refuses_to_overwrite_a_file_it_did_not_create(checkout):
    foreign = checkout / 'pytracking/tracker/dimp_cmd/__init__.py'
    foreign.parent.mkdir(parents=True)
    foreign.write_text('# the user\'s own tracker\n')
    with pytest.raises(registration.RegistrationError, match='dimp_cmd/__init__.py'):
        register(checkout)
    assert foreign.read_text() == '# the user\'s own tracker\n'
    assert not (checkout / registration.MANIFEST_NAME).exists()
    assert not (checkout / registration.MANIFEST_LOCK_NAME).exists()
    assert not (checkout / 'ltr/train_settings/cmd').exists()  # nothing written before refusing


def test_unregister_removes_exactly_what_register_wrote(checkout):
    register(checkout)
    user_file = checkout / 'pytracking/parameter/dimp_cmd/my_variant.py'
    user_file.write_text('# mine\n')
    edited = checkout / 'ltr/train_settings/cmd/demo_cmd.py'
    edited.write_text(edited.read_text() + '# edited\n')
    cache = checkout / 'pytracking/tracker/dimp_cmd/__pycache__'
    cache.mkdir()
    (cache / '__init__.cpython-311.pyc').write_bytes(b'compiled')
    unregister(checkout)
    assert user_file.read_text() == '# mine\n'
    assert edited.exists()  # changed after register: kept
    assert not (checkout / 'pytracking/tracker/dimp_cmd').exists()  # ours only, compiled files included
    assert not (checkout / 'pytracking/parameter/dimp_cmd/dimp50_cmd.py').exists()
    assert not (checkout / registration.MANIFEST_NAME).exists()


def test_unregister_twice_is_harmless(checkout):
    register(checkout)
    assert unregister(checkout) is True
    messages = []
    assert unregister(checkout, log=messages.append) is False
    assert 'nothing to unregister' in messages[0]


def test_a_setting_the_plugin_no_longer_provides_loses_its_shim(checkout, monkeypatch):
    register(checkout)
    offer = registration.provided()
    monkeypatch.setattr(registration, 'provided', lambda: dict(offer, train_settings=['demo_cmd']))
    register(checkout)
    assert (checkout / 'ltr/train_settings/cmd/demo_cmd.py').exists()
    removed = [n for n in offer['train_settings'] if n != 'demo_cmd']
    assert all(not (checkout / 'ltr/train_settings/cmd/{}.py'.format(n)).exists() for n in removed)
    manifest = json.loads((checkout / registration.MANIFEST_NAME).read_text())
    assert all('ltr/train_settings/cmd/{}.py'.format(n) not in manifest['files'] for n in removed)


def test_status_reports_missing_and_outdated_shims(checkout):
    assert status(checkout)[0] is False
    register(checkout)
    assert status(checkout) == (True, [])
    (checkout / 'pytracking/tracker/atom_cmd/__init__.py').unlink()
    (checkout / 'ltr/train_settings/cmd/demo_cmd.py').write_text('# stale\n')
    ok, problems = status(checkout)
    assert not ok
    assert any('missing shim pytracking/tracker/atom_cmd/__init__.py' in p for p in problems)
    assert any('outdated shim ltr/train_settings/cmd/demo_cmd.py' in p for p in problems)


def test_a_folder_that_is_not_a_checkout_is_named_with_what_is_missing(tmp_path, monkeypatch):
    monkeypatch.setenv(registration.ROOT_VARIABLE, str(tmp_path))
    with pytest.raises(registration.RegistrationError) as error:
        registration.resolve_root()
    message = str(error.value)
    assert str(tmp_path) in message and '$PYTRACKING_ROOT' in message and 'ltr/run_training.py' in message


def test_a_corrupt_manifest_is_reported_not_ignored(checkout):
    register(checkout)
    (checkout / registration.MANIFEST_NAME).write_text('{half')
    with pytest.raises(registration.RegistrationError, match='not valid JSON'):
        unregister(checkout)


def test_every_command_finds_the_registered_checkout_without_the_variable(checkout, capsys):
    register(checkout)
    assert registration.registered_roots(site(checkout)) == [checkout]
    assert registration.resolve_root(site_dir=site(checkout)) == checkout.resolve()
    doctor.run(site_dir=site(checkout))
    lines = capsys.readouterr().out.splitlines()
    assert any('registered checkout' in line and str(checkout) in line for line in lines), lines
    assert any('pytracking checkout' in line and str(checkout.resolve()) in line for line in lines), lines
    assert any('(the registered checkout)' in line for line in lines), lines
    assert any(line.startswith('[ok  ] torch') and 'pytracking-cmd needs >= {})'.format(torch_floor.MINIMUM) in line
               for line in lines), lines


def test_a_variable_naming_another_checkout_is_used_and_the_command_says_so(checkout, tmp_path, monkeypatch):
    register(checkout)
    other = tmp_path / 'other'
    for rel in HOST_FILES:
        (other / rel).parent.mkdir(parents=True, exist_ok=True)
        (other / rel).write_text('# host file\n')
    monkeypatch.setenv(registration.ROOT_VARIABLE, str(other))
    said = []
    assert registration.resolve_root(site_dir=tmp_path / 'site', note=said.append) == other.resolve()
    assert len(said) == 1 and str(other) in said[0] and str(checkout) in said[0] and '$PYTRACKING_ROOT' in said[0]


# ------------------------------------------------------------------------------------------------
# Several environments in one checkout, one environment in several checkouts


def manifest_of(root):
    return json.loads((root / registration.MANIFEST_NAME).read_text())


def test_two_environments_share_a_checkout_and_unregister_keeps_what_the_other_uses(checkout):
    register(checkout, env='a')
    messages = []
    register(checkout, env='b', log=messages.append)
    assert any(m.startswith('also registered in') and sys.prefix in m for m in messages), messages
    assert status(checkout, 'a') == (True, []) and status(checkout, 'b') == (True, [])
    assert set(manifest_of(checkout)['environments']) == {key(checkout, e) for e in 'ab'}

    messages = []
    assert unregister(checkout, env='b', log=messages.append) is True
    assert not registration.pth_path(site(checkout, 'b')).exists()
    assert status(checkout, 'a') == (True, [])  # its shims, local.py and hook are all still there
    assert (checkout / 'ltr/admin/local.py').exists()
    assert any('kept what the other environments registered there use' in m for m in messages)
    assert status(checkout, 'b')[0] is False

    unregister(checkout, env='a')  # the last one: everything goes
    assert git_status(checkout) == []
    assert not registration.pth_path(site(checkout, 'a')).exists()


def test_unregister_from_an_environment_that_is_not_registered_removes_nothing(checkout):
    register(checkout, env='a')
    before = git_status(checkout)
    messages = []
    assert unregister(checkout, env='b', log=messages.append) is False
    assert git_status(checkout) == before and status(checkout, 'a') == (True, [])
    assert 'not registered in' in messages[0] and '--environment' in messages[0]


def another_plugin(monkeypatch, version='2.0.0', extra='extra_cmd'):
    """What another pytracking-cmd version would give register: another version, one more train setting,
    and another shim header (so the shims they share differ in content)."""
    offer = registration.provided()
    monkeypatch.setattr(registration, 'plugin_version', lambda: version)
    monkeypatch.setattr(registration, 'provided', lambda: dict(offer, train_settings=offer['train_settings'] + [extra]))
    monkeypatch.setattr(registration, 'GENERATED_HEADER', registration.GENERATED_HEADER + '# version 2\n')


def test_another_plugin_version_is_named_where_it_differs_not_silently_repointed(checkout, capsys):
    register(checkout, env='a')
    extra = checkout / 'ltr/train_settings/cmd/extra_cmd.py'
    with pytest.MonkeyPatch.context() as patch:
        another_plugin(patch)
        messages = []
        register(checkout, env='b', log=messages.append)
        assert status(checkout, 'b') == (True, [])
    assert extra.exists()
    note = next(m for m in messages if m.startswith('note:'))
    assert 'ltr/train_settings/cmd/demo_cmd.py' in note and '2.0.0' in note
    assert 'Install the same pytracking-cmd' in note

    ok, problems = status(checkout, 'a')
    assert not ok
    assert any('shim ltr/train_settings/cmd/demo_cmd.py holds what' in p and 'pytracking-cmd 2.0.0' in p
               and 'install the same pytracking-cmd' in p for p in problems), problems

    doctor.run(checkout, site_dir=site(checkout, 'a'))
    out = capsys.readouterr().out
    assert 'environments registered here 2' in out
    assert '[warn] plugin versions' in out and 'has pytracking-cmd 2.0.0' in out
    assert '[warn] shims of another plugin' in out and 'ltr/train_settings/cmd/extra_cmd.py' in out

    unregister(checkout, env='b')  # the setting only b provided goes; what a uses stays
    assert not extra.exists() and (checkout / 'ltr/train_settings/cmd/demo_cmd.py').exists()
    register(checkout, env='a')
    assert status(checkout, 'a') == (True, [])


def test_one_environment_in_two_checkouts(checkout, tmp_path, monkeypatch):
    second = make_checkout(tmp_path / 'second')
    register(checkout)
    messages = []
    register(second, log=messages.append)
    assert registration.registered_roots(site(checkout)) == [checkout, second]
    assert any('also registered into {}'.format(checkout) in m for m in messages)
    assert status(checkout) == (True, []) and status(second) == (True, [])

    said = []  # no ROOT: the one registered last, and the command says which and what else
    assert registration.resolve_root(site_dir=site(checkout), note=said.append) == second.resolve()
    assert 'the most recently registered checkout' in said[0] and str(checkout) in said[0]
    monkeypatch.chdir(checkout / 'ltr')  # ... unless the working directory is in a registered one
    assert registration.resolve_root(site_dir=site(checkout)) == checkout.resolve()
    monkeypatch.chdir(tmp_path)

    register(checkout)  # registering again makes it the last
    assert registration.registered_roots(site(checkout)) == [second, checkout]
    unregister(second)
    assert registration.registered_roots(site(checkout)) == [checkout]
    assert status(checkout) == (True, []) and git_status(second) == []


def test_another_environment_is_unregistered_by_its_hook_file_or_prefix(checkout, capsys):
    register(checkout, env='a')
    register(checkout, env='b')
    hook_b = registration.pth_path(site(checkout, 'b'))
    hook_b.unlink()  # a deleted environment: its record stays until someone removes it
    doctor.run(checkout, site_dir=site(checkout, 'a'))
    out = capsys.readouterr().out
    assert 'its start-up hook is not there' in out and '--environment' in out

    with pytest.raises(registration.RegistrationError, match='several environments'):  # both share sys.prefix here
        unregister(checkout, env='a', environment=sys.prefix)
    with pytest.raises(registration.RegistrationError, match='no environments .* /nowhere'):
        unregister(checkout, env='a', environment='/nowhere')
    assert unregister(checkout, env='a', environment=str(hook_b)) is True
    assert list(manifest_of(checkout)['environments']) == [key(checkout, 'a')]
    assert status(checkout, 'a') == (True, [])


def test_an_environment_is_keyed_by_its_host_and_hook_file():
    assert registration.this_host() == socket.gethostname()
    hook = '/opt/venv/lib/python3.11/site-packages/' + registration.PTH_NAME
    assert registration.environment_key(hook, 'node1') == 'node1:' + hook
    assert registration.environment_key(hook, 'node1') != registration.environment_key(hook, 'node2')


def test_the_same_environment_path_on_two_hosts_is_two_registrations(checkout, capsys):
    """Cluster nodes whose environments lie at one path, over one checkout on shared storage. Here one site
    folder stands for that path on both nodes."""
    register(checkout, host='node1')
    register(checkout, host='node2')
    assert set(manifest_of(checkout)['environments']) == {key(checkout, host='node1'), key(checkout, host='node2')}
    assert status(checkout, host='node1') == (True, []) and status(checkout, host='node2') == (True, [])
    found = registration.environments(checkout, site_dir=site(checkout), host='node1')
    assert [(env.record['host'], env.this, env.hook_state) for env in found] == [
        ('node1', True, 'lists this checkout'), ('node2', False, registration.ON_ANOTHER_HOST)]
    assert ' on node2 (pytracking-cmd' in registration.describe(found[1].record)

    # From node1, node2's registration (a node that is gone) is named by host and prefix. Node1's hook, the
    # file at that path here, is not node2's: it stays as it is.
    with pytest.raises(registration.RegistrationError, match='several environments'):
        unregister(checkout, host='node1', environment=sys.prefix)
    messages = []
    assert unregister(checkout, host='node1', environment='node2:' + sys.prefix, log=messages.append) is True
    assert any('left the start-up hook' in m and 'on node2 alone' in m for m in messages), messages
    assert list(manifest_of(checkout)['environments']) == [key(checkout, host='node1')]
    assert status(checkout, host='node1') == (True, [])

    register(checkout, host='node2')  # node2's own unregister leaves node1's entry and the shims it uses
    assert unregister(checkout, host='node2') is True
    assert list(manifest_of(checkout)['environments']) == [key(checkout, host='node1')]
    shims = [checkout / shim.path for shim in registration.planned_shims()]
    assert all(path.exists() for path in shims) and (checkout / 'ltr/admin/local.py').exists()


def test_doctor_leaves_the_hook_of_another_hosts_environment_to_that_host(checkout, capsys):
    register(checkout)
    register(checkout, env='node2-env', host='node2')
    registration.pth_path(site(checkout, 'node2-env')).unlink()  # it is on node2, not here
    doctor.run(checkout, site_dir=site(checkout))
    out = capsys.readouterr().out
    assert 'environments registered here 2' in out and ' on node2 (pytracking-cmd' in out
    assert '({})'.format(registration.ON_ANOTHER_HOST) in out and '[warn] environment' not in out, out


def test_a_manifest_written_before_hosts_were_recorded_still_reads_and_gets_this_host(checkout):
    """Entries keyed by the hook file alone, without host: they count as the environment with that hook on
    whichever host asks, and register replaces such an entry by one with its host."""
    register(checkout)
    manifest = manifest_of(checkout)
    hook = str(registration.pth_path(site(checkout)))
    record = manifest['environments'].pop(key(checkout))
    del record['host'], record['hook']
    manifest['environments'][hook] = record
    (checkout / registration.MANIFEST_NAME).write_text(json.dumps(manifest))
    assert status(checkout) == (True, []) and status(checkout, host='node2') == (True, [])
    assert [env.this for env in registration.environments(checkout, site_dir=site(checkout))] == [True]
    register(checkout)
    assert list(manifest_of(checkout)['environments']) == [key(checkout)]


def test_a_corrupt_start_up_hook_is_named_before_anything_is_written(checkout):
    hook = registration.pth_path(site(checkout))
    for text in ('', 'import sys; exec("s.install(42)")\n', 'import sys; exec(\n'):
        hook.write_text(text)
        with pytest.raises(registration.RegistrationError, match='{}.*Delete it'.format(hook)):
            register(checkout)
        assert git_status(checkout) == []


def test_a_manifest_without_its_fields_is_reported(checkout):
    register(checkout)
    (checkout / registration.MANIFEST_NAME).write_text('{"files": {}, "dirs": []}')
    with pytest.raises(registration.RegistrationError, match='{}.*lacks the fields'.format(registration.MANIFEST_NAME)):
        status(checkout)


def test_a_registration_of_the_single_checkout_format_still_reads_and_unregisters(checkout):
    """A manifest with one 'pth' and a hook line with one checkout, as written before several were possible."""
    register(checkout)
    manifest = manifest_of(checkout)
    hook = registration.pth_path(site(checkout))
    old = {'files': manifest['files'], 'dirs': manifest['dirs'], 'pth': str(hook)}
    (checkout / registration.MANIFEST_NAME).write_text(json.dumps(old))
    hook.write_text('import sys; exec("try:\\n import pytracking_cmd._startup as s\\n s.install({!r})\\nexcept '
                    'ImportError:\\n pass")\n'.format(str(checkout)))
    assert registration.registered_roots(site(checkout)) == [checkout]
    assert status(checkout) == (True, [])
    unregister(checkout)
    assert git_status(checkout) == [] and not hook.exists()


def test_the_hook_line_runs_and_carries_awkward_paths(tmp_path):
    """The real .pth line, processed by Python's site module, installs the finder with exactly these checkouts."""
    roots = [str(tmp_path / 'it\'s "quoted"'), str(tmp_path / 'back\\slash and space')]
    (tmp_path / registration.PTH_NAME).write_text(registration.pth_content(roots))
    assert registration.hook_checkouts(tmp_path / registration.PTH_NAME) == roots
    code = ('import site, sys; site.addsitedir({!r}); from pytracking_cmd._startup import PytrackingCmdFinder; '
            'print([f.checkouts for f in sys.meta_path if isinstance(f, PytrackingCmdFinder)])'.format(str(tmp_path)))
    plugin = os.path.dirname(os.path.dirname(registration.__file__))
    result = subprocess.run([sys.executable, '-S', '-c', code], env=dict(os.environ, PYTHONPATH=plugin),
                            capture_output=True, text=True, check=True)
    assert result.stdout.strip() == repr([roots])


@pytest.fixture
def two_hosts(tmp_path, monkeypatch):
    """Two folders with a top-level `ltr` package each, and a clean import state for `ltr`."""
    for name in ('a', 'b'):
        (tmp_path / name / 'ltr').mkdir(parents=True)
        (tmp_path / name / 'ltr' / '__init__.py').write_text('')
    monkeypatch.delenv(registration.ROOT_VARIABLE, raising=False)
    # without the working directory and any checkout an earlier test's pytracking import appended
    monkeypatch.setattr(sys, 'path', [p for p in sys.path if p not in ('', os.getcwd()) and not any(
        os.path.isfile(os.path.join(p, package, '__init__.py')) for package in _startup.HOST_PACKAGES)])
    monkeypatch.chdir(tmp_path)
    return [str(tmp_path / 'a'), str(tmp_path / 'b')]


def found(finder, name='ltr'):
    spec = finder.find_spec(name, None)
    return spec and os.path.dirname(os.path.dirname(spec.origin))


def test_the_hook_never_shadows_a_checkout_on_sys_path(two_hosts, monkeypatch):
    a, b = two_hosts
    finder = _startup.PytrackingCmdFinder(hooks={}, aliases={}, checkouts=[a, b])
    assert found(finder) == b  # nothing on sys.path: the one registered last
    monkeypatch.setattr(sys, 'path', sys.path + [a])  # appended, as pytracking's scripts do
    assert found(finder) == a


def test_the_hook_uses_the_checkout_of_the_working_directory_then_the_variable(two_hosts, monkeypatch, tmp_path):
    a, b = two_hosts
    finder = _startup.PytrackingCmdFinder(hooks={}, aliases={}, checkouts=[a, b])
    monkeypatch.chdir(os.path.join(a, 'ltr'))
    assert found(finder) == a
    monkeypatch.setenv(registration.ROOT_VARIABLE, b)
    assert found(finder) == b
    monkeypatch.setenv(registration.ROOT_VARIABLE, str(tmp_path / 'nothing'))
    with pytest.raises(ModuleNotFoundError, match='nothing .*PYTRACKING_ROOT.* is not a pytracking checkout'):
        finder.find_spec('ltr', None)


def test_a_folder_named_like_the_package_does_not_hide_the_checkout(two_hosts, monkeypatch, tmp_path):
    a, b = two_hosts
    (tmp_path / 'pytracking').mkdir()  # e.g. the checkout's own folder, below the working directory
    (tmp_path / 'b' / 'pytracking').mkdir()
    (tmp_path / 'b' / 'pytracking' / '__init__.py').write_text('')
    monkeypatch.syspath_prepend(str(tmp_path))
    finder = _startup.PytrackingCmdFinder(hooks={}, aliases={}, checkouts=[a, b])
    assert found(finder, 'pytracking') == b


def test_a_command_imports_from_the_checkout_it_resolved(two_hosts, monkeypatch):
    a, b = two_hosts
    for name in _startup.HOST_PACKAGES:  # as in a command's fresh process
        monkeypatch.delitem(sys.modules, name, raising=False)
    registration.import_from(a)
    assert sys.path[0] == a
    monkeypatch.setitem(sys.modules, 'ltr', type(sys)('ltr'))
    sys.modules['ltr'].__file__ = os.path.join(b, 'ltr', '__init__.py')
    with pytest.raises(registration.RegistrationError, match='already imported ltr from {}'.format(b)):
        registration.import_from(a)
