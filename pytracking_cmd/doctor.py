"""`pytracking-cmd doctor`: one report of what the plugin depends on, and what to fix."""
import importlib
import subprocess
import sys
from pathlib import Path

from pytracking_cmd import _startup, registration

PINNED_COMMIT = '7eb9e74bd3d40e29dbcec444902237da13de247b'


class Report:
    def __init__(self):
        self.failures = 0

    def line(self, status, what, detail=''):
        if status == 'FAIL':
            self.failures += 1
        print('[{:4}] {:28} {}'.format(status, what, detail))


def _checkout_commit(root):
    try:
        return subprocess.run(['git', '-C', str(root), 'rev-parse', 'HEAD'], capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def run(root_argument=None, site_dir=None):
    """Print the report; return the exit status (1 when anything failed).

    args:
        root_argument - the ROOT argument of `pytracking-cmd doctor`, if given
        site_dir - where the start-up hook is looked for (default: this environment's site-packages)
    """
    report = Report()
    try:
        import torch
        report.line('ok', 'torch', '{} (CUDA {})'.format(
            torch.__version__, 'available' if torch.cuda.is_available() else 'not available: CPU'))
    except ImportError as error:
        report.line('FAIL', 'torch', '{}: run scripts/setup.sh'.format(error))
        return 1

    registered = registration.registered_root(site_dir)
    report.line('ok' if registered else 'info', 'registered checkout',
                str(registered) if registered else 'none: run `pytracking-cmd register ROOT`')
    why = []
    try:
        root = registration.resolve_root(root_argument, site_dir=site_dir, note=why.append)
    except registration.RegistrationError as error:
        report.line('FAIL', 'pytracking checkout', str(error))
        return 1
    commit = _checkout_commit(root)
    report.line('ok' if commit == PINNED_COMMIT else 'warn', 'pytracking checkout',
                '{} at {}{}'.format(root, commit[:12] if commit else 'unknown commit',
                                    '' if commit == PINNED_COMMIT else ' (tested: {})'.format(PINNED_COMMIT[:12])))
    for sentence in why:
        print(' ' * 36 + sentence)

    registered, problems = registration.status(root)
    report.line('ok' if registered else 'FAIL', 'registration', 'shims current' if registered else problems[0])
    for problem in problems[1:]:
        print(' ' * 36 + problem)

    hooked = any(isinstance(f, _startup.PytrackingCmdFinder) for f in sys.meta_path)
    report.line('ok' if hooked else 'FAIL', 'start-up hook',
                'active in {}'.format(sys.executable) if hooked else
                'not active in {}: run `pytracking-cmd register` with this python'.format(sys.executable))
    if not hooked:
        return 1

    try:
        import torchvision
        report.line('ok', 'torchvision', torchvision.__version__)
        for module in ('ltr.data.loader', 'ltr.admin.loading', 'ltr.models.tracking.dimpnet',
                       'pytracking.libs.dcf', 'pytracking.evaluation.tracker', 'pytracking.evaluation.datasets'):
            importlib.import_module(module)
    except Exception as error:  # report any import failure of the host, with its type
        report.line('FAIL', 'import pytracking', '{}: {}'.format(type(error).__name__, error))
        return 1
    from pytracking_cmd import compat
    report.line('ok', 'compatibility fixes', ', '.join(compat.applied()) or 'none needed')

    from ltr_cmd.external import prroi_pool
    devices = ['cpu'] + (['cuda'] if torch.cuda.is_available() else [])
    report.line('ok', 'PrRoIPool', '; '.join('{}: {}'.format(d, prroi_pool.active_implementation(d)) for d in devices))

    ltr_env, tracking_env = _local_settings(report, root)
    if ltr_env is not None and tracking_env is not None:
        _network_files(report, ltr_env, tracking_env)
    return 1 if report.failures else 0


def _local_settings(report, root):
    settings = []
    for module, rel, attributes in (
            ('ltr.admin.environment', 'ltr/admin/local.py', ('workspace_dir', 'pretrained_networks')),
            ('pytracking.evaluation.environment', 'pytracking/evaluation/local.py',
             ('network_path', 'results_path', 'result_plot_path', 'lsotb_tir_path', 'ptb_tir_path',
              'vot_tir2015_path', 'vot_tir2016_path', 'cmd_demo_path'))):
        path = Path(root) / rel
        if not path.exists():
            report.line('FAIL', rel, 'missing: run `pytracking-cmd register` (it creates it without overwriting)')
            settings.append(None)
            continue
        try:
            env = importlib.import_module(module).env_settings()
        except Exception as error:
            report.line('FAIL', rel, str(error))
            settings.append(None)
            continue
        report.line('ok', rel, str(path))
        for attribute in attributes:
            print(' ' * 36 + '{} = {!r}'.format(attribute, getattr(env, attribute, '(not set)')))
        settings.append(env)
    return settings


def _network_files(report, ltr_env, tracking_env):
    from ltr_cmd import baselines, checkpoints
    for baseline in baselines.BASELINES.values():
        found = checkpoints.find_release_file(baseline.release_file, ltr_env, tracking_env)
        report.line('ok' if found else 'info', 'network for ' + baseline.setting,
                    str(found) if found else '{} not found (needed only to train {}): put it in {}'.format(
                        baseline.release_file, baseline.setting,
                        ' or '.join(checkpoints.release_file_dirs(ltr_env, tracking_env))))
    for setting in registration.provided()['train_settings']:
        try:
            student = checkpoints.student_network(setting, ltr_env, tracking_env)
        except FileNotFoundError:
            student = None
        report.line('ok' if student else 'info', 'trained ' + setting,
                    student or 'not yet: cd ltr && python run_training.py cmd ' + setting)
