"""Where teacher (release) files and student networks are looked for, and what the errors say."""
import types

import pytest

from ltr_cmd import checkpoints


@pytest.fixture
def envs(tmp_path):
    ltr_env = types.SimpleNamespace(workspace_dir=str(tmp_path / 'ws'), pretrained_networks=str(tmp_path / 'pretrained'))
    tracking_env = types.SimpleNamespace(network_path=str(tmp_path / 'networks'))
    for folder in ('ws', 'pretrained', 'networks'):
        (tmp_path / folder).mkdir()
    return ltr_env, tracking_env


def test_release_files_are_looked_for_in_pretrained_networks_then_network_path(envs, tmp_path):
    (tmp_path / 'networks' / 'dimp50.pth').write_bytes(b'x')
    assert checkpoints.require_release_file('dimp50_cmd', *envs) == tmp_path / 'networks' / 'dimp50.pth'
    (tmp_path / 'pretrained' / 'dimp50.pth').write_bytes(b'x')
    assert checkpoints.require_release_file('dimp50_cmd', *envs) == tmp_path / 'pretrained' / 'dimp50.pth'


def test_a_missing_release_file_names_the_file_the_folders_and_where_to_put_it(envs, tmp_path):
    with pytest.raises(FileNotFoundError) as error:
        checkpoints.require_release_file('super_dimp_cmd', *envs)
    message = str(error.value)
    assert 'super_dimp.pth.tar' in message and str(tmp_path / 'pretrained') in message
    assert str(tmp_path / 'networks') in message and 'MODEL_ZOO.md' in message


def test_student_network_prefers_a_chosen_file_then_the_latest_checkpoint(envs, tmp_path):
    run = tmp_path / 'ws' / 'checkpoints' / 'ltr' / 'cmd' / 'dimp50_cmd'
    run.mkdir(parents=True)
    for epoch in (2, 10):
        (run / 'DiMPnet_ep{:04d}.pth.tar'.format(epoch)).write_bytes(b'x')
    assert checkpoints.student_network('dimp50_cmd', *envs) == str(run / 'DiMPnet_ep0010.pth.tar')
    (tmp_path / 'networks' / 'dimp50_cmd.pth.tar').write_bytes(b'x')
    assert checkpoints.student_network('dimp50_cmd', *envs) == str(tmp_path / 'networks' / 'dimp50_cmd.pth.tar')


def test_no_student_network_says_how_to_train_it(envs):
    with pytest.raises(FileNotFoundError, match='run_training.py cmd atom_cmd'):
        checkpoints.student_network('atom_cmd', *envs)


def test_the_network_variable_replaces_the_student_and_must_exist(envs, tmp_path, monkeypatch):
    chosen = tmp_path / 'chosen.pth.tar'
    monkeypatch.setenv(checkpoints.NETWORK_VARIABLE, str(chosen))
    with pytest.raises(FileNotFoundError, match='chosen.pth.tar does not exist'):
        checkpoints.student_network('dimp50_cmd', *envs)
    chosen.write_bytes(b'x')
    assert checkpoints.student_network('dimp50_cmd', *envs) == str(chosen)
