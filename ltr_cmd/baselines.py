"""The RGB trackers CMD distils: one row per baseline, the only place that says what makes one.

A baseline is pytracking's stock tracker and parameter file on its release network (the RGB teacher),
the CMD train setting that starts the student from that network (`ltr_cmd/train_settings/<setting>.py`),
and the plugin tracker and parameter file that track with the student
(`parameter/<student_tracker>/<student_param>.py`). `pytracking-cmd reproduce --baseline`, `doctor`,
the teacher look-up of the train settings, and docs/reproduce.md's table read this table; adding a
baseline is one row here plus its setting and parameter file (tests/unit/test_baselines.py checks
that they exist and that the docs agree).
"""
import dataclasses

from ltr_cmd.errors import UserError


@dataclasses.dataclass(frozen=True)
class Baseline:
    """One RGB baseline and its CMD student.

    args:
        name - the `--baseline` value
        stock_tracker, stock_param - pytracking's tracker and parameter file (`run_tracker.py dimp super_dimp`)
        release_file - pytracking's release network (MODEL_ZOO.md): the teacher and the student's start
        setting - the CMD train setting (`run_training.py cmd <setting>`); also the student's run name
        student_tracker, student_param - the plugin's tracker and parameter file of the student
    """
    name: str
    stock_tracker: str
    stock_param: str
    release_file: str
    setting: str
    student_tracker: str
    student_param: str


BASELINES = {b.name: b for b in (
    Baseline('super_dimp', 'dimp', 'super_dimp', 'super_dimp.pth.tar', 'super_dimp_cmd', 'dimp_cmd', 'super_dimp_cmd'),
    Baseline('dimp50', 'dimp', 'dimp50', 'dimp50.pth', 'dimp50_cmd', 'dimp_cmd', 'dimp50_cmd'),
    Baseline('prdimp50', 'dimp', 'prdimp50', 'prdimp50.pth.tar', 'prdimp50_cmd', 'dimp_cmd', 'prdimp50_cmd'),
    Baseline('dimp18', 'dimp', 'dimp18', 'dimp18.pth', 'dimp18_cmd', 'dimp_cmd', 'dimp18_cmd'),
    Baseline('atom', 'atom', 'default', 'atom_default.pth', 'atom_cmd', 'atom_cmd', 'default_cmd'),
    Baseline('tomp50', 'tomp', 'tomp50', 'tomp50.pth.tar', 'tomp50_cmd', 'tomp_cmd', 'tomp50_cmd'),
    Baseline('tomp101', 'tomp', 'tomp101', 'tomp101.pth.tar', 'tomp101_cmd', 'tomp_cmd', 'tomp101_cmd'),
)}
DEFAULT = 'super_dimp'  # the CMD paper's base network


def get(name):
    """The baseline called `name`, or an error listing the known ones."""
    if name not in BASELINES:
        raise UserError('unknown baseline {!r}; known: {}'.format(name, ', '.join(BASELINES)))
    return BASELINES[name]


def of_setting(setting):
    """The baseline whose CMD train setting is `setting`, or an error listing the settings that have one."""
    for baseline in BASELINES.values():
        if baseline.setting == setting:
            return baseline
    raise UserError('{!r} is not the train setting of a baseline; those are: {}'.format(
        setting, ', '.join(b.setting for b in BASELINES.values())))
