"""Paths from $PYTRACKING_CMD_SETTINGS on top of local.py, without editing it.

JSON with keys `ltr.<attribute>` (ltr/admin/local.py) and `pytracking.<attribute>`
(pytracking/evaluation/local.py), e.g.
    PYTRACKING_CMD_SETTINGS='{"pytracking.lsotb_tir_path": "/data/LSOTB-TIR", "pytracking.results_path": "/tmp/r"}'
for a CI job, a second dataset copy or the tests. Applied to what env_settings() returns, in every
process that imports pytracking (the start-up hook installs it next to the local.py guard).
"""
import functools
import json
import os

VARIABLE = 'PYTRACKING_CMD_SETTINGS'


def _overrides(prefix):
    text = os.environ.get(VARIABLE)
    if not text:
        return {}
    try:
        values = json.loads(text)
    except ValueError as error:
        raise ValueError('${} is not valid JSON ({}): {!r}'.format(VARIABLE, error, text)) from None
    unknown = [k for k in values if k.split('.')[0] not in ('ltr', 'pytracking')]
    if unknown:
        raise ValueError('${}: keys must start with "ltr." or "pytracking.", got {}'.format(VARIABLE, unknown))
    return {k[len(prefix) + 1:]: v for k, v in values.items() if k.startswith(prefix + '.')}


def _wrap(environment_module, prefix):
    env_settings = environment_module.env_settings

    @functools.wraps(env_settings)
    def env_settings_with_overrides():
        settings = env_settings()
        for attribute, value in _overrides(prefix).items():
            setattr(settings, attribute, value)
        return settings

    environment_module.env_settings = env_settings_with_overrides


def apply_to_ltr(environment_module):
    _wrap(environment_module, 'ltr')


def apply_to_pytracking(environment_module):
    _wrap(environment_module, 'pytracking')
