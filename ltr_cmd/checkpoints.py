"""Where networks come from and where they go.

Teachers: each real CMD setting starts from a pytracking release file (TEACHER_FILES), looked up
in ltr's `pretrained_networks` and then pytracking's `network_path`.
Students: LTRTrainer writes `<workspace_dir>/checkpoints/ltr/cmd/<setting>/<NetType>_ep<NNNN>.pth.tar`;
a tracker parameter file loads `<network_path>/<setting>.pth.tar` if the user put a chosen
checkpoint there, else the latest checkpoint of that training run.
"""
import os
from pathlib import Path

NETWORK_VARIABLE = 'PYTRACKING_CMD_NETWORK'  # a network file every plugin parameter file then loads

TEACHER_FILES = {
    'dimp50_cmd': 'dimp50.pth',
    'super_dimp_cmd': 'super_dimp.pth.tar',
    'prdimp50_cmd': 'prdimp50.pth.tar',
    'dimp18_cmd': 'dimp18.pth',
    'atom_cmd': 'atom_default.pth',
    'tomp50_cmd': 'tomp50.pth.tar',
    'tomp101_cmd': 'tomp101.pth.tar',
}


def _ltr_env(ltr_env):
    if ltr_env is None:
        from ltr.admin.environment import env_settings
        ltr_env = env_settings()
    return ltr_env


def _tracking_env(tracking_env):
    if tracking_env is None:
        from pytracking.evaluation.environment import env_settings
        tracking_env = env_settings()
    return tracking_env


def _as_list(value):
    return [value] if isinstance(value, str) else list(value or [])


def release_file_dirs(ltr_env=None, tracking_env=None):
    dirs = _as_list(getattr(_ltr_env(ltr_env), 'pretrained_networks', ''))
    dirs += _as_list(getattr(_tracking_env(tracking_env), 'network_path', ''))
    return [str(Path(d).expanduser()) for d in dirs if d]


def find_release_file(filename, ltr_env=None, tracking_env=None):
    for folder in release_file_dirs(ltr_env, tracking_env):
        candidate = Path(folder) / filename
        if candidate.is_file():
            return candidate
    return None


def require_release_file(setting, ltr_env=None, tracking_env=None):
    """The teacher file of a CMD setting, or an error naming it, where it was looked for, and what to do."""
    filename = TEACHER_FILES[setting]
    found = find_release_file(filename, ltr_env, tracking_env)
    if found is None:
        dirs = release_file_dirs(ltr_env, tracking_env)
        raise FileNotFoundError(
            '{setting} starts from the pytracking release network {file}, which was not found in {dirs}. Download it '
            'from pytracking\'s MODEL_ZOO.md and put it in {first} (ltr/admin/local.py: pretrained_networks).'
            .format(setting=setting, file=filename, dirs=' or '.join(dirs) or '(no folder set)',
                    first=dirs[0] if dirs else 'the pretrained_networks folder'))
    return found


def training_dir(setting, ltr_env=None, module='cmd'):
    return Path(_ltr_env(ltr_env).workspace_dir).expanduser() / 'checkpoints' / 'ltr' / module / setting


def latest_checkpoint(setting, ltr_env=None):
    checkpoints = sorted(training_dir(setting, ltr_env).glob('*_ep*.pth.tar'))
    return checkpoints[-1] if checkpoints else None


def student_network(setting, ltr_env=None, tracking_env=None):
    """Absolute path of the network a tracker parameter file of `setting` loads ($PYTRACKING_CMD_NETWORK
    replaces it: one file to evaluate, e.g. a chosen epoch, without copying it into network_path)."""
    if os.environ.get(NETWORK_VARIABLE):
        path = Path(os.environ[NETWORK_VARIABLE]).expanduser()
        if not path.is_file():
            raise FileNotFoundError('${}={} does not exist'.format(NETWORK_VARIABLE, path))
        return str(path.resolve())
    chosen = [Path(d) / (setting + '.pth.tar') for d in _as_list(getattr(_tracking_env(tracking_env), 'network_path', ''))]
    for path in chosen:
        if path.is_file():
            return str(path)
    latest = latest_checkpoint(setting, ltr_env)
    if latest is not None:
        return str(latest)
    raise FileNotFoundError(
        'no network for {s}: neither {chosen} nor a checkpoint in {run} exists. Train it with '
        '`cd ltr && python run_training.py cmd {s}`, or put a trained network at the first path.'
        .format(s=setting, chosen=' / '.join(map(str, chosen)) or '<network_path>/' + setting + '.pth.tar',
                run=training_dir(setting, ltr_env)))
