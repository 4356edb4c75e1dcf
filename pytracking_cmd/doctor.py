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
    except ImportError as error:
        report.line('FAIL', 'torch', '{}: run scripts/setup.sh'.format(error))
        return 1
    from ltr_cmd import torch_floor
    too_old = torch_floor.problem()
    report.line('FAIL' if too_old else 'ok', 'torch', too_old or '{} (CUDA {}; pytracking-cmd needs >= {})'.format(
        torch.__version__, 'available' if torch.cuda.is_available() else 'not available: CPU', torch_floor.MINIMUM))

    try:
        checkouts = registration.registered_roots(site_dir)
        listed = ', '.join(map(str, checkouts)) + (' (oldest registration first)' if len(checkouts) > 1 else '')
        report.line('ok' if checkouts else 'info', 'registered checkouts',
                    listed or 'none: run `pytracking-cmd register ROOT`')
        why = []
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

    registered, problems = registration.status(root, site_dir)
    report.line('ok' if registered else 'FAIL', 'registration',
                'this environment\'s shims current' if registered else problems[0])
    for problem in problems[1:]:
        print(' ' * 36 + problem)
    _environments(report, root, site_dir)

    hooked = any(isinstance(f, _startup.PytrackingCmdFinder) for f in sys.meta_path)
    report.line('ok' if hooked else 'FAIL', 'start-up hook',
                'active in {}'.format(sys.executable) if hooked else
                'not active in {}: run `pytracking-cmd register` with this python'.format(sys.executable))
    if not hooked:
        return 1

    try:
        registration.import_from(root)
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


def _environments(report, root, site_dir):
    """Every environment registered in the checkout, and where one differs from this environment."""
    found = registration.environments(root, site_dir)
    if not found:
        return
    this = next((env.record for env in found if env.this), None)
    report.line('info', 'environments registered here', '{}{}'.format(len(found), '' if this else ', not this one'))
    for env in found:
        print(' ' * 36 + registration.describe(env.record) + (', this environment' if env.this else ''))
        print(' ' * 38 + 'start-up hook {} ({})'.format(env.record['hook'], env.hook_state))
    provided = {shim.path for shim in registration.planned_shims()}
    for env in found:
        if env.this:
            continue
        name = registration.environment_name(env.record)
        forget = '`pytracking-cmd unregister {} --environment {}`'.format(root, name)
        if env.hook_state == 'missing':
            report.line('warn', 'environment ' + name, 'its start-up hook is not there: a deleted environment{}. If '
                        'it was deleted: {}'.format('' if env.record.get('host') else ', or one on another machine',
                                                    forget))
        elif env.hook_state == 'does not list this checkout':
            report.line('warn', 'environment ' + name, 'its start-up hook no longer lists this checkout: run '
                        '`pytracking-cmd register {}` in it, or {} to drop it'.format(root, forget))
        elif env.hook_state not in ('lists this checkout', registration.ON_ANOTHER_HOST):  # its host's doctor checks
            report.line('warn', 'environment ' + name, env.hook_state)
        version = registration.plugin_version()
        if env.record.get('version') not in (None, version):
            report.line('warn', 'plugin versions', '{} has pytracking-cmd {}, this environment {}: install the same '
                        'version in every environment registered in {} (their shims may differ)'.format(
                            name, env.record['version'], version, root))
        extra = sorted(set(env.record['shims']) - provided)
        if extra:
            report.line('warn', 'shims of another plugin', '{} provides {} that this environment\'s pytracking-cmd '
                        'does not ({}): they fail here'.format(name, ', '.join(extra), version))


def _local_settings(report, root):
    settings = []
    for module, rel, attributes in (
            ('ltr.admin.environment', 'ltr/admin/local.py', ('workspace_dir', 'pretrained_networks')),
            ('pytracking.evaluation.environment', 'pytracking/evaluation/local.py',
             ('network_path', 'results_path', 'result_plot_path', 'lsotb_tir_path', 'ptb_tir_path',
              'vot_tir2015_path', 'vot_tir2016_path', 'anti_uav410_path', 'anti_uav300_path', 'cmd_demo_path'))):
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
