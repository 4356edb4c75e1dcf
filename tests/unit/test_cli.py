"""Every command answers --help; settings overrides are applied and checked."""
import types

import pytest

from ltr_cmd import settings_overrides
from ltr_cmd.errors import UserError
from pytracking_cmd import cli


@pytest.mark.parametrize('command', [[], ['register'], ['unregister'], ['doctor'], ['evaluate'], ['reproduce'], ['demo'], ['vot'], ['vot', 'init']])
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as done:
        cli.main(command + ['--help'])
    assert done.value.code == 0
    assert 'usage: pytracking-cmd' in capsys.readouterr().out


def test_an_unknown_checkout_is_a_clear_error_not_a_traceback(tmp_path, capsys):
    assert cli.main(['register', str(tmp_path)]) == 2
    assert 'is not a pytracking checkout' in capsys.readouterr().err


def environment_module(values):
    return types.SimpleNamespace(env_settings=lambda: types.SimpleNamespace(**values))


def test_settings_overrides_apply_per_side(monkeypatch):
    monkeypatch.setenv(settings_overrides.VARIABLE, '{"pytracking.results_path": "/r", "ltr.workspace_dir": "/w"}')
    tracking, ltr = environment_module({'results_path': '/old'}), environment_module({'workspace_dir': '/old'})
    settings_overrides.apply_to_pytracking(tracking)
    settings_overrides.apply_to_ltr(ltr)
    assert tracking.env_settings().results_path == '/r' and not hasattr(tracking.env_settings(), 'workspace_dir')
    assert ltr.env_settings().workspace_dir == '/w'


@pytest.mark.parametrize('value, message', [('{not json', 'not valid JSON'), ('{"results_path": 1}', 'must start'),
                                            ('[1]', 'JSON object')])
def test_bad_settings_overrides_are_named(monkeypatch, value, message):
    monkeypatch.setenv(settings_overrides.VARIABLE, value)
    module = environment_module({})
    settings_overrides.apply_to_pytracking(module)
    with pytest.raises(UserError, match=message):
        module.env_settings()


def test_a_bad_demo_seed_is_named(monkeypatch):
    from ltr_cmd import demo
    monkeypatch.setenv(settings_overrides.VARIABLE, '{"demo.seed": "two"}')
    with pytest.raises(UserError, match=r"demo.seed in \$PYTRACKING_CMD_SETTINGS must be a non-negative integer, got 'two'"):
        demo.seed()
    monkeypatch.setenv(settings_overrides.VARIABLE, settings_overrides.updated({}, {'demo.seed': 2}))
    assert demo.run_name('demo_cmd') == 'demo_cmd_seed2'
    monkeypatch.delenv(settings_overrides.VARIABLE)
    assert demo.run_name('demo_cmd') == 'demo_cmd'


def test_train_overrides_set_a_settings_attribute_after_the_setting(monkeypatch, capsys):
    monkeypatch.setenv(settings_overrides.VARIABLE, '{"train.num_epochs": 1, "ltr.workspace_dir": "/w"}')
    settings = types.SimpleNamespace(num_epochs=35)
    settings_overrides.apply_overrides(settings)
    assert settings.num_epochs == 1 and not hasattr(settings, 'workspace_dir')
    assert "'train.num_epochs': 1" in capsys.readouterr().out
