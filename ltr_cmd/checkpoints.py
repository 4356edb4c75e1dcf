"""Where networks come from and where they go, how checkpoint files are named, written and loaded.

Teachers: each CMD setting starts from its baseline's pytracking release file (ltr_cmd.baselines),
looked up in ltr's `pretrained_networks` and then pytracking's `network_path`.
Training runs: `<workspace_dir>/checkpoints/<project_path>/` (project_path `ltr/cmd/<setting>` as
run_training.py sets it) holds BaseTrainer's per-epoch files `<NetType>_ep<NNNN>.pth.tar`; its
`interval/` folder holds the mid-epoch files `<NetType>_ep<NNNN>_it<NNNNNN>.pth.tar` (ltr_cmd.trainer).
Students: a tracker parameter file loads `<network_path>/<setting>.pth.tar` if the user put a chosen
checkpoint there, else the latest checkpoint of that training run.
Loading: every checkpoint the plugin or pytracking loads goes through `load_checkpoint`, one policy
(docs/install.md, "Which checkpoints are trusted").
"""
import collections
import hashlib
import os
import pickle
import re
from pathlib import Path

from ltr_cmd import baselines, torch_floor
from ltr_cmd.errors import UserError

NETWORK_VARIABLE = 'PYTRACKING_CMD_NETWORK'  # a network file every plugin parameter file then loads
TRUSTED_DIRS_VARIABLE = 'PYTRACKING_CMD_TRUSTED_DIRS'
INTERVAL_FOLDER = 'interval'
_EPOCH_FILE = re.compile(r'^(?P<net>\w+?)_ep(?P<epoch>\d{4})\.pth\.tar$')
_INTERVAL_FILE = re.compile(r'^(?P<net>\w+?)_ep(?P<epoch>\d{4})_it(?P<iteration>\d{6})\.pth\.tar$')
_TMP_SUFFIX = '.tmp'  # BaseTrainer writes <NetType>_ep<NNNN>.tmp; save() writes <file>.tmp


class CorruptCheckpointError(UserError, RuntimeError):
    """A checkpoint file cannot be read (truncated, zero bytes, not a torch file)."""


class UntrustedCheckpointError(UserError, pickle.UnpicklingError):
    """A checkpoint pickles objects outside the allow-list and lies outside the trusted folders."""


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
    """A folder setting of local.py as a list: a str, a pathlib.Path or a list of either."""
    return [value] if isinstance(value, (str, os.PathLike)) else list(value or [])


# ------------------------------------------------------------------------------------------------
# Release files and students

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
    filename = baselines.of_setting(setting).release_file
    found = find_release_file(filename, ltr_env, tracking_env)
    if found is None:
        dirs = release_file_dirs(ltr_env, tracking_env)
        raise FileNotFoundError(
            '{setting} starts from the pytracking release network {file}, which was not found in {dirs}. Download it '
            'from pytracking\'s MODEL_ZOO.md and put it in {first} (ltr/admin/local.py: pretrained_networks).'
            .format(setting=setting, file=filename, dirs=' or '.join(dirs) or '(no folder set)',
                    first=dirs[0] if dirs else 'the pretrained_networks folder'))
    return found


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


# ------------------------------------------------------------------------------------------------
# Training runs: folders and file names

def run_dir(workspace_dir, project_path):
    """The folder of one training run (BaseTrainer's `<_checkpoint_dir>/<project_path>`)."""
    return Path(workspace_dir).expanduser() / 'checkpoints' / project_path


def training_dir(setting, ltr_env=None, module='cmd'):
    """The run folder of `run_training.py <module> <setting>`."""
    return run_dir(_ltr_env(ltr_env).workspace_dir, 'ltr/{}/{}'.format(module, setting))


def epoch_file(folder, net_type, epoch):
    """BaseTrainer's per-epoch file name."""
    return Path(folder) / '{}_ep{:04d}.pth.tar'.format(net_type, epoch)


def interval_file(folder, net_type, epoch, iteration):
    """The mid-epoch file after `iteration` iterations of `epoch`."""
    return Path(folder) / INTERVAL_FOLDER / '{}_ep{:04d}_it{:06d}.pth.tar'.format(net_type, epoch, iteration)


def position(path):
    """(epoch, iteration) of a checkpoint file by its name: iteration None for a per-epoch file, where the
    epoch is finished; None for a name of neither kind."""
    name = Path(path).name
    match = _INTERVAL_FILE.match(name)
    if match:
        return int(match['epoch']), int(match['iteration'])
    match = _EPOCH_FILE.match(name)
    return (int(match['epoch']), None) if match else None


def epoch_files(folder, net_type=None):
    """Per-epoch files of a run folder, oldest first."""
    return _matching(Path(folder), _EPOCH_FILE, net_type)


def interval_files(folder, net_type=None):
    """Interval files of a run folder, oldest first."""
    return _matching(Path(folder) / INTERVAL_FOLDER, _INTERVAL_FILE, net_type)


def _matching(folder, pattern, net_type):
    if not folder.is_dir():
        return []
    found = [p for p in folder.iterdir() if pattern.match(p.name) and net_type in (None, pattern.match(p.name)['net'])]
    return sorted(found, key=lambda p: (position(p)[0], position(p)[1] or 0))


def latest_checkpoint(setting, ltr_env=None):
    files = epoch_files(training_dir(setting, ltr_env))
    return files[-1] if files else None


def resume_candidates(folder, net_type):
    """Checkpoint files a run resumes from, newest position first: interval files of an unfinished epoch
    rank above the per-epoch file of the epoch before."""
    files = epoch_files(folder, net_type) + interval_files(folder, net_type)
    return sorted(files, key=lambda p: (position(p)[0] - (position(p)[1] is not None), position(p)[1] or 0),
                  reverse=True)


def leftover_temporary_files(folder):
    """Temporary files of saves that were killed before their rename (BaseTrainer's and save()'s)."""
    folders = [Path(folder), Path(folder) / INTERVAL_FOLDER]
    return sorted(p for f in folders if f.is_dir() for p in f.iterdir() if p.name.endswith(_TMP_SUFFIX))


# ------------------------------------------------------------------------------------------------
# Writing and loading

def save(state, path):
    """torch.save to a temporary file, flushed to disk, then renamed over `path` (and the folder entry
    flushed): after a crash `path` is the old file or the new one, never a truncated one."""
    import torch
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + _TMP_SUFFIX)
    with open(tmp, 'wb') as f:
        torch.save(state, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def sha256(path):
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(2 ** 22), b''):
            digest.update(block)
    return digest.hexdigest()


def trusted_dirs():
    """Folders whose checkpoints may be unpickled in full: pytracking's network_path and ltr's
    pretrained_networks (release files the user chose to put there), and the folders in
    $PYTRACKING_CMD_TRUSTED_DIRS (os.pathsep-separated). Training runs are not among them: the
    trainer's own files load with the allow-list."""
    dirs = [p for p in os.environ.get(TRUSTED_DIRS_VARIABLE, '').split(os.pathsep) if p]
    for module_name, attribute in (('pytracking.evaluation.environment', 'network_path'),
                                   ('ltr.admin.environment', 'pretrained_networks')):
        try:
            settings = __import__(module_name, fromlist=['env_settings']).env_settings()
        except Exception:  # no local.py yet: nothing trusted from there
            continue
        dirs.extend(_as_list(getattr(settings, attribute, '')))
    return [Path(d).expanduser().resolve() for d in dirs if d]


def _is_under(path, folders):
    path = Path(path).expanduser().resolve()
    return any(path == folder or folder in path.parents for folder in folders)


def _value_types():
    """Types a user's settings and local.py hold besides str and numbers, which stock pytracking pickles as
    they are: paths, numpy scalars and arrays of numbers. Rebuilding them runs no user code."""
    import pathlib
    import numpy as np
    try:
        from numpy._core import multiarray  # numpy 2
    except ImportError:
        from numpy.core import multiarray  # numpy 1
    numeric = (np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64,
               np.float16, np.float32, np.float64, np.complex64, np.complex128)
    return [pathlib.PosixPath, pathlib.WindowsPath, pathlib.PurePosixPath, pathlib.PureWindowsPath,
            multiarray.scalar, multiarray._reconstruct, np.ndarray, np.dtype] + [type(np.dtype(t)) for t in numeric]


def _allowed_globals():
    """What pytracking's checkpoints pickle besides tensors: the network constructor, and in trainer
    checkpoints the settings (with the user's ltr/admin/local.py settings bag and the values in them),
    the stats meters, and MultiStepLR's milestones (a Counter)."""
    import importlib
    from ltr.admin import model_constructor, settings, stats
    allowed = [model_constructor.NetConstructor, settings.Settings, stats.StatValue, stats.AverageMeter,
               collections.Counter] + _value_types()
    try:
        allowed.append(importlib.import_module('ltr.admin.local').EnvironmentSettings)
    except Exception:  # no or a broken local.py: reported where it is read (pytracking_cmd.compat.guard_local_py)
        pass
    return allowed


def load_checkpoint(path):
    """torch.load of a pytracking or plugin checkpoint under the plugin's one loading policy.

    Every file is first loaded weights-only with pytracking's own classes allow-listed (torch >= 2.6
    refuses them otherwise). A file that pickles anything else is unpickled in full only when it lies
    in a trusted folder (`trusted_dirs()`), since unpickling can run code.

    raises:
        FileNotFoundError; UntrustedCheckpointError naming the file, what it pickles and what to do;
        CorruptCheckpointError naming the file (truncated, zero bytes, not a torch file)
    """
    import torch
    torch_floor.require('serialization.safe_globals')
    path = str(path)
    if not os.path.isfile(path):
        raise FileNotFoundError('checkpoint {} does not exist'.format(path))
    try:
        with torch.serialization.safe_globals(_allowed_globals()):
            return torch.load(path, map_location='cpu', weights_only=True)
    except pickle.UnpicklingError as error:
        if not _is_under(path, trusted_dirs()):
            reason = next((line.strip() for line in str(error).splitlines() if 'Unsupported global' in line),
                          str(error).splitlines()[-1] if str(error) else type(error).__name__)
            raise UntrustedCheckpointError(
                'checkpoint {} pickles objects outside the allow-list ({}). Unpickling can run code: if you '
                'trust this file, move it into pytracking\'s network_path or ltr\'s pretrained_networks, or add '
                'its folder to ${}.'.format(path, reason, TRUSTED_DIRS_VARIABLE)) from error
        try:
            return torch.load(path, map_location='cpu', weights_only=False)
        except (RuntimeError, EOFError, pickle.UnpicklingError) as error:
            raise _corrupt(path, error) from error
    except (RuntimeError, EOFError, KeyError, ValueError) as error:  # what torch raises for damaged files
        raise _corrupt(path, error) from error


def _corrupt(path, error):
    return CorruptCheckpointError(
        'checkpoint {} could not be read ({}); it may be half-written (training interrupted while saving) or '
        'corrupt. Replace it; if it is a training checkpoint, delete it and training resumes from the previous '
        'one.'.format(path, error))
