"""`pytracking-cmd`: register into a pytracking checkout, check it, evaluate TIR results, reproduce the paper or run the demo."""
import argparse
import sys

from ltr_cmd.errors import UserError
from pytracking_cmd import registration


def _register(args):
    registration.register(args.root, workspace=args.workspace)
    return 0


def _unregister(args):
    registration.unregister(args.root, environment=args.environment)
    return 0


def _doctor(args):
    from pytracking_cmd import doctor
    return doctor.run(args.root)


def _evaluate(args):
    from pytracking_cmd.evaluation import report
    return report.main(args)


def _visualize(args):
    from pytracking_cmd import visualize
    return visualize.main(args)


def _reproduce(args):
    from pytracking_cmd import reproduce
    return reproduce.main(args)


def _demo(args):
    from pytracking_cmd import reproduce
    return reproduce.main(args, preset_name='demo')


def _export(args):
    from pytracking_cmd.deploy import export
    return export.main(args)


def _vot_init(args):
    from pytracking_cmd.vot import workspace
    return workspace.main(args)


def _configure_export(parser):
    from pytracking_cmd.deploy import export
    export.configure_parser(parser)


# The commands that take only the checkout: name, handler, help, description.
CHECKOUT_COMMANDS = (
    ('register', _register, 'attach the plugin to a pytracking checkout',
     'Write generated shim files (new files only) into the checkout so that run_training.py / run_tracker.py '
     'find the plugin, create local.py files that do not exist yet, and add the checkout to this environment\'s '
     'start-up hook. Other environments registered in the checkout, and other checkouts this environment is '
     'registered into, keep working (docs/install.md).'),
    ('unregister', _unregister, 'remove this environment\'s registration from a checkout',
     'Remove the checkout from this environment\'s start-up hook and the files register wrote that no other '
     'environment registered in the checkout still uses (unless edited since); after the last one, everything '
     'register wrote, the manifest included. Files you added are left alone.'),
    ('doctor', _doctor, 'check the installation and say what to fix',
     'Report versions, the checkout, registration state, active compatibility fixes, the PrRoIPool '
     'implementation, local.py paths and network files. Exits non-zero when something required is missing.'),
)


def _add_command(commands, name, handler, help_text, description, configure=None):
    """Add one subcommand; configure(parser) adds its arguments."""
    parser = commands.add_parser(name, help=help_text, description=description)
    if configure is not None:
        configure(parser)
    parser.set_defaults(handler=handler)
    return parser


def build_parser():
    from pytracking_cmd import reproduce
    from pytracking_cmd import visualize
    from pytracking_cmd.evaluation import report
    from pytracking_cmd.vot import workspace
    parser = argparse.ArgumentParser(
        prog='pytracking-cmd',
        description='Cross-modal distillation for thermal infrared tracking, as a plugin of a pytracking checkout.')
    commands = parser.add_subparsers(dest='command', metavar='COMMAND')
    commands.required = True
    for name, handler, help_text, description in CHECKOUT_COMMANDS:
        p = _add_command(commands, name, handler, help_text, description)
        p.add_argument('root', nargs='?', default=None, help='pytracking checkout (default: $PYTRACKING_ROOT, '
                                                               'else the registered checkout the working '
                                                               'directory is in, else the one registered last, '
                                                               'else ~/.cache/pytracking-cmd/pytracking)')
        if name == 'register':
            p.add_argument('--workspace', default=None, help='workspace_dir written into a new ltr/admin/local.py '
                                                             '(default: {})'.format(registration.DEFAULT_WORKSPACE))
        if name == 'unregister':
            p.add_argument('--environment', metavar='[HOST:]PREFIX', default=None,
                           help='unregister another environment (e.g. a deleted one or another node\'s): HOST:PREFIX '
                                'as `pytracking-cmd doctor ROOT` lists it, or its prefix or start-up hook file')
    _add_command(commands, 'evaluate', _evaluate, 'toolkit-compatible TIR metrics, tables and plots from result files',
                 'Success, precision and normalized precision as the LSOTB-TIR / PTB-TIR toolkits define them (or '
                 'pytracking\'s definitions), from pytracking\'s result files.', report.configure_parser)
    _add_command(commands, 'visualize', _visualize, 'an MP4 and a GIF of a sequence with the ground truth and '
                 'tracker boxes', 'Draw one benchmark sequence with its ground truth and the boxes of pytracking result '
                 'folders (one colour per tracker), the frame number and each tracker\'s IoU in a corner; writes '
                 '<dataset>_<sequence>.mp4 (OpenCV) and .gif (Pillow, kept small).', visualize.configure_parser)
    _add_command(commands, 'reproduce', _reproduce, "the paper's comparison in one command (docs/reproduce.md)",
                 'check -> train -> track -> evaluate -> report: the stock release network of --baseline against the '
                 'CMD student trained from it, on the TIR benchmarks, with pytracking\'s run_training.py and '
                 'run_tracker.py; tables beside the published numbers, deltas, plots and a README.md of what ran, in '
                 'one folder. Every stage resumes; --dry-run prints the chain.', reproduce.configure_parser)
    _add_command(commands, 'demo', _demo, 'reproduce --preset demo: the chain on built-in synthetic data (about ten '
                 'minutes on 2 cores)',
                 'Train the demo RGB teacher, distil it to thermal (CMD) and train an RGB-only control for as long, '
                 'all with pytracking\'s run_training.py; track a held-out synthetic benchmark with run_tracker.py; '
                 'print the comparison and plot it.', lambda parser: reproduce.configure_parser(parser, preset='demo'))
    _add_command(commands, 'export', _export, 'ONNX files of a tracker\'s per-frame networks (docs/deploy.md)',
                 'Export the per-frame networks of a ToMP or DiMP-family parameter file (CMD student or stock '
                 'network) to ONNX, checked with onnx.checker and against PyTorch in ONNX Runtime, with a JSON '
                 'beside each file (shapes, opset, measured difference). The *_ort parameter files '
                 '(tomp50_cmd_ort, dimp50_cmd_ort, ...) track with them.', _configure_export)
    vot_commands = _add_command(commands, 'vot', None, 'VOT toolkit integration (docs/vot.md)',
                                'Set up a VOT toolkit workspace for the plugin\'s trackers.'
                                ).add_subparsers(dest='vot_command', metavar='VOT_COMMAND')
    vot_commands.required = True
    _add_command(vot_commands, 'init', _vot_init, 'write trackers.ini (and config/stack for local data) into a workspace',
                 workspace.__doc__.split('\n\n')[0], workspace.configure_parser)
    return parser


def main(argv=None):
    """Run a command; returns its exit status, or 2 for bad input (UserError, message on stderr)."""
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except UserError as error:
        print('pytracking-cmd {}: {}'.format(args.command, error), file=sys.stderr)
        return 2


if __name__ == '__main__':
    sys.exit(main())
