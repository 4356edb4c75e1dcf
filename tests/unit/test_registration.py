"""Registration on a temporary tree shaped like a pytracking checkout (no pytracking code needed)."""
import json
import subprocess

import pytest

from pytracking_cmd import registration

HOST_FILES = ('ltr/run_training.py', 'ltr/train_settings/__init__.py', 'pytracking/run_tracker.py',
              'pytracking/evaluation/tracker.py', 'pytracking/parameter/__init__.py', 'pytracking/tracker/__init__.py',
              'ltr/admin/__init__.py', 'pytracking/evaluation/__init__.py')


@pytest.fixture
def checkout(tmp_path, monkeypatch):
    root = tmp_path / 'pytracking'
    for rel in HOST_FILES:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text('# host file\n')
    (root / '.gitignore').write_text('*__pycache__*\nltr/admin/local.py\npytracking/evaluation/local.py\n')
    subprocess.run(['git', 'init', '-q', str(root)], check=True)
    subprocess.run(['git', '-C', str(root), 'add', '-A'], check=True)
    subprocess.run(['git', '-C', str(root), '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'host'],
                   check=True)
    (tmp_path / 'site').mkdir()
    return root


def register(root, log=None):
    """register() with the hook and the workspace in the test's folder instead of this environment's."""
    return registration.register(root, log=log or quiet, workspace=root.parent / 'workspace',
                                 site_dir=root.parent / 'site')


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
    registration.unregister(checkout, log=quiet)
    assert git_status(checkout) == []
    assert not registration.pth_path(checkout.parent / 'site').exists()
    assert not (checkout / 'ltr/admin/local.py').exists()  # created by register, unchanged: removed


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
    registration.unregister(checkout, log=quiet)
    assert user_file.read_text() == '# my paths\n'


def test_edited_local_py_is_kept_on_unregister(checkout):
    register(checkout)
    local = checkout / 'ltr/admin/local.py'
    local.write_text(local.read_text() + "        self.lasher_dir = '/data/LasHeR'\n")
    messages = []
    registration.unregister(checkout, log=messages.append)
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
    registration.unregister(checkout, log=quiet)
    assert user_file.read_text() == '# mine\n'
    assert edited.exists()  # changed after register: kept
    assert not (checkout / 'pytracking/tracker/dimp_cmd').exists()  # ours only, compiled files included
    assert not (checkout / 'pytracking/parameter/dimp_cmd/dimp50_cmd.py').exists()
    assert not (checkout / registration.MANIFEST_NAME).exists()


def test_unregister_twice_is_harmless(checkout):
    register(checkout)
    assert registration.unregister(checkout, log=quiet) is True
    messages = []
    assert registration.unregister(checkout, log=messages.append) is False
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
    assert registration.status(checkout)[0] is False
    register(checkout)
    assert registration.status(checkout) == (True, [])
    (checkout / 'pytracking/tracker/atom_cmd/__init__.py').unlink()
    (checkout / 'ltr/train_settings/cmd/demo_cmd.py').write_text('# stale\n')
    ok, problems = registration.status(checkout)
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
        registration.unregister(checkout, log=quiet)


def test_every_command_finds_the_registered_checkout_without_the_variable(checkout, monkeypatch, capsys):
    from pytracking_cmd import doctor
    monkeypatch.delenv(registration.ROOT_VARIABLE, raising=False)
    site = checkout.parent / 'site'
    register(checkout)
    assert registration.registered_root(site) == checkout
    assert registration.resolve_root(site_dir=site) == checkout.resolve()
    doctor.run(site_dir=site)
    lines = capsys.readouterr().out.splitlines()
    assert any('registered checkout' in line and str(checkout) in line for line in lines), lines
    assert any('pytracking checkout' in line and str(checkout.resolve()) in line for line in lines), lines
    assert any('(the registered checkout)' in line for line in lines), lines


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
