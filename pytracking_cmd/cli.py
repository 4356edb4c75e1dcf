"""`pytracking-cmd`: register into a pytracking checkout, check it, evaluate TIR results, run the demo."""
import argparse
import sys

from pytracking_cmd import registration


def _root_argument(parser):
    parser.add_argument('root', nargs='?', default=None,
                        help='pytracking checkout (default: $PYTRACKING_ROOT, else ~/.cache/pytracking-cmd/pytracking)')


def _register(args):
    registration.register(args.root)
    return 0


def _unregister(args):
    registration.unregister(args.root)
    return 0


def _doctor(args):
    from pytracking_cmd import doctor
    return doctor.run(args.root)


def _evaluate(args):
    from pytracking_cmd.evaluation import report
    return report.main(args)


def _configure_evaluate(parser):
    from pytracking_cmd.evaluation import report
    report.configure_parser(parser)


def _demo(args):
    from pytracking_cmd import demo_chain
    return demo_chain.main(args)


def _vot_init(args):
    from pytracking_cmd.vot import workspace
    return workspace.main(args)


def build_parser():
    parser = argparse.ArgumentParser(
        prog='pytracking-cmd',
        description='Cross-modal distillation for thermal infrared tracking, as a plugin of a pytracking checkout.')
    commands = parser.add_subparsers(dest='command', metavar='COMMAND')
    commands.required = True

    p = commands.add_parser('register', help='attach the plugin to a pytracking checkout',
                            description='Write generated shim files (new files only) into the checkout so that '
                                        'run_training.py / run_tracker.py find the plugin, create local.py files '
                                        'that do not exist yet, and install the start-up hook in this environment.')
    _root_argument(p)
    p.set_defaults(handler=_register)

    p = commands.add_parser('unregister', help='remove exactly what register wrote',
                            description='Remove the files register wrote (unless edited since), the start-up hook '
                                        'and the manifest. Files you added are left alone.')
    _root_argument(p)
    p.set_defaults(handler=_unregister)

    p = commands.add_parser('doctor', help='check the installation and say what to fix',
                            description='Report versions, the checkout, registration state, active compatibility '
                                        'fixes, the PrRoIPool implementation, local.py paths and network files. '
                                        'Exits non-zero when something required is missing.')
    _root_argument(p)
    p.set_defaults(handler=_doctor)

    p = commands.add_parser('evaluate', help='toolkit-compatible TIR metrics, tables and plots from result files',
                            description='Success, precision and normalized precision as the LSOTB-TIR / PTB-TIR '
                                        'toolkits define them (or pytracking\'s definitions), from pytracking\'s '
                                        'result files.')
    _configure_evaluate(p)
    p.set_defaults(handler=_evaluate)

    p = commands.add_parser('demo', help='the whole demo chain on built-in synthetic data (about ten minutes on 2 cores)',
                            description='Train the demo RGB teacher, distil it to thermal (CMD) and train an RGB-only '
                                        'control for as long, all with pytracking\'s run_training.py; track a held-out '
                                        'synthetic benchmark with run_tracker.py; print the comparison and plot it.')
    from pytracking_cmd import demo_chain
    demo_chain.configure_parser(p)
    p.set_defaults(handler=_demo)

    p = commands.add_parser('vot', help='VOT toolkit integration (docs/vot.md)',
                            description='Set up a VOT toolkit workspace for the plugin\'s trackers.')
    vot_commands = p.add_subparsers(dest='vot_command', metavar='VOT_COMMAND')
    vot_commands.required = True
    from pytracking_cmd.vot import workspace
    init = vot_commands.add_parser('init', help='write trackers.ini (and config/stack for local data) into a workspace',
                                   description=workspace.__doc__.split('\n\n')[0])
    workspace.configure_parser(init)
    init.set_defaults(handler=_vot_init)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except registration.RegistrationError as error:
        print('pytracking-cmd {}: {}'.format(args.command, error), file=sys.stderr)
        return 2


if __name__ == '__main__':
    sys.exit(main())
