"""`pytracking-cmd demo`: the whole chain on the built-in synthetic data, through pytracking's own
scripts: train the RGB teacher, distil it to thermal (CMD) and train the RGB-only control for as
long; write the held-out benchmark; track it with run_tracker.py; print the comparison and plot it.

Every step is resumable: finished training runs are loaded, not redone (LTRTrainer's load_latest),
the benchmark is written once, and run_tracker.py skips sequences whose result files exist.
"""
import os
import subprocess
import sys
import time
from pathlib import Path

from pytracking_cmd import registration
from ltr_cmd import settings_overrides
from ltr_cmd.settings_overrides import VARIABLE as SETTINGS_VARIABLE

TRAININGS = ('demo_teacher', 'demo_cmd', 'demo_control')
# (row label, parameter file, dataset): what thermal trackers do today, the control, and CMD.
ROWS = (('teacher on RGB', 'demo_teacher', 'cmd_demo_rgb'),
        ('teacher on thermal', 'demo_teacher', 'cmd_demo'),
        ('RGB-only control on thermal', 'demo_control', 'cmd_demo'),
        ('CMD student on thermal', 'demo_cmd', 'cmd_demo'))


def configure_parser(parser):
    parser.add_argument('root', nargs='?', default=None, help='registered pytracking checkout (default: as register)')
    parser.add_argument('--seed', type=int, default=None,
                        help='demo seed (default: "demo.seed" in $PYTRACKING_CMD_SETTINGS, else 1); each seed trains its own '
                             'networks')
    parser.add_argument('--out', default=None, help='folder for the plots and table (default: '
                                                    '<result_plot_path>/cmd_demo)')
    return parser


def _step(text):
    print('\n== {} =='.format(text), file=sys.stderr, flush=True)


def _run(command, cwd, env, what):
    """Run one of pytracking's scripts, its output shown as it comes (on stderr)."""
    started = time.time()
    process = subprocess.run(command, cwd=cwd, env=env, stdout=sys.stderr, stderr=subprocess.STDOUT)
    if process.returncode != 0:
        raise RuntimeError('{} failed (exit {}): {} in {}'.format(what, process.returncode, ' '.join(command), cwd))
    return time.time() - started


def main(args):
    from ltr_cmd import demo
    root = registration.resolve_root(args.root)
    registered, problems = registration.status(root)
    if not registered:
        raise registration.RegistrationError('; '.join(problems))
    seed = args.seed if args.seed is not None else demo.seed()
    os.environ[SETTINGS_VARIABLE] = settings_overrides.updated(os.environ, {'demo.seed': seed})
    env = dict(os.environ, PYTHONUNBUFFERED='1')
    timings = {}

    for setting in TRAININGS:
        _step('training {} (seed {}): python run_training.py cmd {}'.format(setting, seed, setting))
        timings[setting] = _run([sys.executable, 'run_training.py', 'cmd', setting], root / 'ltr', env, setting)

    from pytracking.evaluation.environment import env_settings
    from ltr_cmd.data.synthetic import demo_benchmark_seed, write_benchmark
    settings = env_settings()
    # each seed has its own held-out benchmark; run_tracker.py finds it through the settings override
    benchmark_root = demo.seed_name(settings.cmd_demo_path, seed)
    env[SETTINGS_VARIABLE] = settings_overrides.updated(env, {'pytracking.cmd_demo_path': benchmark_root})
    # 128-pixel crops gain nothing from a second thread, and on 2 cores with anything else running,
    # two threads per process made tracking 50 times slower (measured with the VOT tests)
    env['OMP_NUM_THREADS'] = '1'
    _step('held-out benchmark (seed {}) in {}'.format(demo_benchmark_seed(seed), benchmark_root))
    write_benchmark(benchmark_root, seed=demo_benchmark_seed(seed), **demo.BENCHMARK, **demo.RENDERING)

    for label, param, dataset in ROWS:
        _step('tracking, {}: python run_tracker.py dimp_cmd {} --dataset_name {} --runid {}'.format(
            label, param, dataset, seed))
        timings['track ' + label] = _run([sys.executable, 'run_tracker.py', 'dimp_cmd', param, '--dataset_name', dataset,
                                          '--runid', str(seed)], root / 'pytracking', env, 'tracking ' + label)

    out = Path(args.out or Path(settings.result_plot_path) / 'cmd_demo')
    table = evaluate(settings.results_path, seed, benchmark_root, out)
    print(table)
    print('\nplots and table in {}'.format(out))
    print('times: ' + ', '.join('{} {:.0f} s'.format(k, v) for k, v in timings.items()), file=sys.stderr)
    return 0


def evaluate(results_path, seed, benchmark_root, out):
    """The four rows side by side (LSOTB-TIR toolkit definitions), as a table and PNG/PDF plots."""
    from pytracking_cmd.evaluation import metrics, plots, report, tir_benchmarks
    sequences = {name: tir_benchmarks.load_benchmark(name, root=benchmark_root) for name in {row[2] for row in ROWS}}
    results = [report.evaluate_tracker(report.TrackerSpec('dimp_cmd', param, (seed,), label), sequences[dataset],
                                       results_path, [metrics.TOOLKIT], dataset=dataset)
               for label, param, dataset in ROWS]
    out.mkdir(parents=True, exist_ok=True)
    plots.plot_all([(r.label, r.scores[metrics.TOOLKIT]) for r in results], str(out), 'cmd_demo_seed{}'.format(seed))
    table = report.format_table(results, 'cmd_demo', published=False)
    (out / 'cmd_demo_seed{}.txt'.format(seed)).write_text(table + '\n')
    return table
