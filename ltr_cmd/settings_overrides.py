"""$PYTRACKING_CMD_SETTINGS: settings on top of local.py and the train settings, without editing them.

JSON whose keys name what they set (docs/install.md, environment variables):
    ltr.<attribute>         ltr/admin/local.py (what ltr's env_settings() returns, i.e. settings.env)
    pytracking.<attribute>  pytracking/evaluation/local.py (pytracking's env_settings())
    train.<attribute>       a train setting's `settings`, after the setting has set its own values
    demo.seed               the demo's seed (default 1)
e.g. '{"pytracking.lsotb_tir_path": "/data/LSOTB-TIR", "train.num_epochs": 1}' for a CI job, a quick
check of a setting or the tests. ltr.* and pytracking.* apply in every process that imports pytracking.
"""
import functools
import json
import os

from ltr_cmd.errors import UserError

VARIABLE = 'PYTRACKING_CMD_SETTINGS'
SECTIONS = ('ltr', 'pytracking', 'train', 'demo')


def values(section):
    """{name: value} of the keys '<section>.<name>' (section: one of SECTIONS)."""
    text = os.environ.get(VARIABLE)
    if not text:
        return {}
    try:
        settings = json.loads(text)
    except ValueError as error:
        raise UserError('${} is not valid JSON ({}): {!r}'.format(VARIABLE, error, text)) from None
    if not isinstance(settings, dict):
        raise UserError('${} must be a JSON object, got {!r}'.format(VARIABLE, text))
    unknown = [k for k in settings if k.split('.')[0] not in SECTIONS or '.' not in k]
    if unknown:
        raise UserError('${}: keys must start with {}, got {}'.format(
            VARIABLE, ', '.join('"{}."'.format(s) for s in SECTIONS), unknown))
    return {k[len(section) + 1:]: v for k, v in settings.items() if k.startswith(section + '.')}


def updated(environ, settings):
    """$PYTRACKING_CMD_SETTINGS of environ with settings (e.g. {'demo.seed': 2}) added, for child processes."""
    return json.dumps(dict(json.loads(environ.get(VARIABLE) or '{}'), **settings))


def _wrap(environment_module, section):
    """Make environment_module.env_settings() apply the values of section (the start-up hook calls it)."""
    env_settings = environment_module.env_settings

    @functools.wraps(env_settings)
    def env_settings_with_overrides():
        settings = env_settings()
        for attribute, value in values(section).items():
            setattr(settings, attribute, value)
        return settings

    environment_module.env_settings = env_settings_with_overrides


apply_to_ltr = functools.partial(_wrap, section='ltr')
apply_to_pytracking = functools.partial(_wrap, section='pytracking')


def apply_overrides(settings):
    """The `train.*` values, set on a train setting's `settings` (after its own values)."""
    overrides = values('train')
    for attribute, value in overrides.items():
        setattr(settings, attribute, value)
    if overrides:
        print('{}: {}'.format(VARIABLE, {'train.' + k: v for k, v in overrides.items()}))
