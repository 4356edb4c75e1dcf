"""`pytracking-cmd reproduce`: the paper's comparison in one command, check -> train -> track -> evaluate -> report.

The chain is the same at every scale; what it trains, tracks and compares is a preset
(pytracking_cmd/presets.py: `paper`, and `demo` = `pytracking-cmd demo`; docs/reproduce.md).

Every stage is resumable and can be rerun: training resumes from the latest checkpoint
(load_latest), run_tracker.py skips sequences whose result file exists (result files that do not
cover their sequence, e.g. cut by Ctrl-C, are moved aside first), reports are written to a
temporary folder and moved into place.
"""
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from ltr_cmd import settings_overrides
from ltr_cmd.errors import UserError
from pytracking_cmd import presets, registration
from pytracking_cmd.evaluation import results

STAGES = ('check', 'train', 'track', 'evaluate', 'report')


class ReproduceError(UserError):
    """A `reproduce` requirement is missing or an option is bad (the message says what to do)."""


def configure_parser(parser, preset=None):
    """Arguments of `reproduce`; with `preset` (the `demo` command), the arguments of that preset only."""
    parser.add_argument('root', nargs='?', default=None, help='registered pytracking checkout (default: as register)')
    presets.add_baseline_argument(parser)
    if preset is None:
        parser.add_argument('--preset', choices=sorted(presets.PRESETS), default='paper',
                            help='paper: release networks and real benchmarks (GPU); demo: the built-in synthetic '
                                 'chain on a CPU (= pytracking-cmd demo)')
        parser.add_argument('--source', default=None,
                            help="aligned RGB-TIR source of the CMD training (default: the setting's, lasher); "
                                 'root from ltr/admin/local.py (docs/data.md)')
        parser.add_argument('--benchmarks', nargs='+', default=None, metavar='NAME',
                            help='benchmarks to track and evaluate (default: {}; splits: lsotb_tir_st100, '
                                 'lsotb_tir_lt11, ...)'.format(' '.join(presets.PAPER_BENCHMARKS)))
        parser.add_argument('--runs', type=int, default=1,
                            help="tracking repetitions, pytracking run ids 0..N-1 (default 1)")
        parser.add_argument('--stages', default=','.join(STAGES),
                            help='comma-separated subset of {} (check always runs)'.format(','.join(STAGES)))
        parser.add_argument('--dry-run', action='store_true', help='print every command it would run, run nothing')
    parser.add_argument('--seed', type=int, default=None,
                        help='demo seed (default: "demo.seed" in $PYTRACKING_CMD_SETTINGS, else 1); each seed trains '
                             'its own networks')
    parser.add_argument('--out', default=None, help='output folder (default: <result_plot_path>/cmd_demo for the '
                                                    'demo, cmd_demo_tomp for the ToMP demo, '
                                                    '<result_plot_path>/cmd_reproduce_<baseline> otherwise)')
    return parser


# ------------------------------------------------------------------------------------------------
# check

def requirements(preset, stages, root, tracking_env, ltr_env):
    """What the selected stages need, present or not: the registered checkout, then the preset's checks."""
    registered, problems = registration.status(root)
    found = [presets.Requirement('pytracking checkout registered', registered,
                                 str(root) if registered else '; '.join(problems),
                                 'pytracking-cmd register {}'.format(root))]
    return found + preset.checks(preset, stages, tracking_env, ltr_env)


def format_requirements(found):
    lines = []
    for r in found:
        lines.append('  [{}] {}: {}'.format('ok' if r.present else 'MISSING', r.what, r.detail))
        if not r.present and r.fix:
            lines.append('        -> ' + r.fix)
    return '\n'.join(lines)


# ------------------------------------------------------------------------------------------------
# train, track

def training_command(setting, gpus=None):
    """run_training.py for one setting; through torchrun, one process per GPU, when several GPUs are visible
    (DistributedDataParallel, docs/training.md).

    args:
        gpus - the number of GPUs (default: what torch sees)
    """
    if gpus is None:
        import torch
        gpus = torch.cuda.device_count()
    if gpus > 1:
        return [sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node={}'.format(gpus),
                'run_training.py', 'cmd', setting]
    return [sys.executable, 'run_training.py', 'cmd', setting]


def tracking_command(row, dataset, run_id, threads=0):
    return [sys.executable, 'run_tracker.py', row.tracker, row.param, '--dataset_name', dataset, '--runid', str(run_id)
            ] + (['--threads', str(threads)] if threads > 1 else [])


def _run(command, cwd, env, what):
    """Run one of pytracking's scripts, its output shown as it comes (on stderr); returns seconds."""
    started = time.time()
    process = subprocess.run(command, cwd=str(cwd), env=env, stdout=sys.stderr, stderr=subprocess.STDOUT)
    if process.returncode != 0:
        raise RuntimeError('{} failed (exit {}): {} in {}'.format(what, process.returncode, shlex.join(command), cwd))
    return time.time() - started


def _step(text):
    print('\n== {} =='.format(text), file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------------------------
# evaluate, report

def headline(definition):
    """(Scores attribute, words) of the score a definition's comparison is told in."""
    from pytracking_cmd.evaluation import metrics
    return ('state_accuracy', 'state accuracy') if definition == metrics.ANTIUAV else ('success_auc', 'success AUC')


def sequence_scores(row, dataset, run_ids, sequences, results_path, definition):
    """The headline score of each sequence under `definition` (success AUC; state accuracy for antiuav),
    averaged over the runs."""
    from pytracking_cmd.evaluation import metrics
    names = [s.name for s in sequences]
    per_run = []
    for run_id in run_ids:
        curves = metrics.compute_curves(sequences, results.read_results(
            results.results_dir(results_path, row.tracker, row.param, run_id), names), definition)
        per_run.append(curves.state_accuracy if definition == metrics.ANTIUAV else curves.success.mean(axis=1))
    return np.mean(per_run, axis=0)


def in_words(preset, benchmark, scored, sequences_of, results_path, definition):
    """What the table shows, in a few sentences: who wins, by how much, on how many sequences."""
    attribute, words = headline(definition)
    auc = {r.label: getattr(r.scores[definition], attribute) for r in scored}
    rows = {row.label: row for row in preset.rows}

    def per_sequence(label):
        row = rows[label]
        dataset = row.dataset or benchmark
        return sequence_scores(row, dataset, preset.run_ids, sequences_of(dataset), results_path, definition)

    lines = []
    for student, baseline in preset.comparisons:
        wins = int((per_sequence(student) > per_sequence(baseline)).sum())
        lines.append('{} scores {:.3f} {} against {:.3f} for {} ({:+.3f}); it is ahead on {} of {} '
                     'sequences.'.format(student, auc[student], words, auc[baseline], baseline,
                                         auc[student] - auc[baseline], wins, len(sequences_of(benchmark))))
    if preset.recovered and auc[preset.recovered[1]] > 0:
        share, reference = preset.recovered
        lines.append('{} reaches {:.0%} of what {} scores ({:.3f}).'.format(
            share, auc[share] / auc[reference], reference, auc[reference]))
    return '\n'.join(lines)


def evaluate(preset, results_path, sequences_of, staging):
    """Tables (ours, the paper's, the deltas), what they show in words, and plots of every benchmark,
    written to staging; returns the text."""
    from pytracking_cmd.evaluation import plots, report
    texts = []
    for benchmark in preset.benchmarks:
        # the benchmark's own toolkit first (its scores are the deltas and the words), then the preset's extra ones
        main = report.default_definition(benchmark)
        definitions = [main] + [d for d in preset.extra_definitions if d != main]

        def scores(row, run_ids):
            dataset = row.dataset or benchmark
            return report.evaluate_tracker(report.TrackerSpec(row.tracker, row.param, run_ids, row.label),
                                           sequences_of(dataset), results_path, definitions, dataset=dataset)
        scored = [scores(row, preset.run_ids) for row in preset.rows]
        names = [s.name for s in sequences_of(benchmark)]
        stem = preset.stem.format(benchmark=benchmark)
        text = report.format_table(scored, benchmark, definitions, names, preset.published)
        by_label = {row.label: row for row in preset.rows}
        deltas = [('{} - {}'.format(student, baseline), report.delta_scores(
            [scores(by_label[student], (r,)).scores[main] for r in preset.run_ids],
            [scores(by_label[baseline], (r,)).scores[main] for r in preset.run_ids]))
            for student, baseline in preset.comparisons]
        text += '\n' + report.format_deltas(deltas, len(preset.run_ids), main)
        text += '\nIn words:\n' + in_words(preset, benchmark, scored, sequences_of, results_path, main) + '\n'
        (staging / (stem + '.txt')).write_text(text)
        report.write_csv(str(staging / (stem + '.csv')), scored, benchmark, definitions, preset.published)
        report.write_json(str(staging / (stem + '.json')), scored, benchmark, definitions, names, preset.published)
        for d in definitions:
            plots.plot_all([(r.label, r.scores[d]) for r in scored], str(staging), stem)
        texts.append(text)
    return '\n'.join(texts)


def write_video(preset, tracking_env, sequences_of, staging):
    """MP4 and GIF of the first sequence of the first benchmark with the preset's video rows; returns the paths."""
    if not preset.video:
        return []
    from pytracking_cmd import visualize
    from pytracking_cmd.evaluation import tir_benchmarks
    from pytracking_cmd.evaluation.report import TrackerSpec
    rows = {row.label: row for row in preset.rows}
    benchmark = preset.benchmarks[0]
    specs = [TrackerSpec(rows[label].tracker, rows[label].param, preset.run_ids[:1], label) for label in preset.video]
    return visualize.write_videos(benchmark, sequences_of(benchmark)[0].name, specs, tracking_env.results_path,
                                  str(staging), root=tir_benchmarks.resolve_root(benchmark, tracking_env), gif_step=2)


def _commit(folder):
    try:
        head = subprocess.run(['git', 'rev-parse', 'HEAD'], cwd=str(folder), capture_output=True, text=True, check=True)
        dirty = subprocess.run(['git', 'status', '--porcelain', '--untracked-files=no'], cwd=str(folder),
                               capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return 'not a git checkout'
    return head.stdout.strip() + (' (with uncommitted changes)' if dirty.stdout.strip() else '')


def readme(preset, root, commands, table):
    """The output folder's README.md: exactly what was run, on what, with which settings."""
    import torch
    import pytracking_cmd
    lines = ['# pytracking-cmd reproduce, preset {}'.format(preset.name), '',
             'Command line of the process: `{}`'.format(shlex.join([sys.executable] + sys.argv)), '',
             '- pytracking: {} at commit {}'.format(root, _commit(root)),
             '- pytracking-cmd: {} at commit {}'.format(Path(pytracking_cmd.__file__).parent.parent,
                                                       _commit(Path(pytracking_cmd.__file__).parent)),
             '- torch {}, CUDA devices: {}'.format(torch.__version__, torch.cuda.device_count()),
             '- benchmarks: {}; run ids: {}'.format(', '.join(preset.benchmarks), ', '.join(map(str, preset.run_ids))),
             '- train settings (ltr_cmd/train_settings/<name>.py, values as in that file unless overridden below): '
             + ', '.join(preset.trainings),
             '- trackers: ' + '; '.join('{} = {} {}{}'.format(r.label, r.tracker, r.param,
                                                              ' on ' + r.dataset if r.dataset else '') for r in preset.rows),
             '- ${}: `{}`'.format(settings_overrides.VARIABLE, os.environ.get(settings_overrides.VARIABLE, '')),
             '', '## Commands (in order; the folder each ran in)', '']
    lines += ['    cd {} && {}'.format(cwd, shlex.join(command)) for cwd, command in commands]
    lines += ['', '## Results (each benchmark under its own toolkit\'s definitions)', '', '```', table.rstrip(), '```',
              '']
    return '\n'.join(lines)


def publish(staging, out, readme_text):
    """Move the finished files from staging into out (one rename each), README.md last."""
    (staging / 'README.md').write_text(readme_text)
    names = sorted(p.name for p in staging.iterdir() if p.name != 'README.md') + ['README.md']
    for name in names:
        os.replace(staging / name, out / name)
    shutil.rmtree(staging)


# ------------------------------------------------------------------------------------------------
# The chain

def main(args, preset_name=None):
    """Run the chain (or print it with --dry-run); returns the exit status."""
    preset_name = preset_name or args.preset
    stages = ['check'] + [s.strip() for s in getattr(args, 'stages', ','.join(STAGES)).split(',') if s.strip() != 'check']
    unknown = [s for s in stages if s not in STAGES]
    if unknown:
        raise ReproduceError('unknown stage(s) {}; choose from {}'.format(', '.join(unknown), ','.join(STAGES)))
    dry_run = getattr(args, 'dry_run', False)
    root = registration.resolve_root(args.root)
    registered, problems = registration.status(root)
    if not registered:
        raise registration.RegistrationError('; '.join(problems))
    registration.import_from(root)  # this process reads root's local.py and results, as its children will
    from ltr.admin.environment import env_settings as ltr_env_settings
    from pytracking.evaluation.environment import env_settings
    tracking_env = env_settings()
    preset = presets.PRESETS[preset_name](args, tracking_env)
    os.environ[settings_overrides.VARIABLE] = settings_overrides.updated(os.environ, preset.settings)
    tracking_env = env_settings()   # with the preset's overrides
    env = dict(os.environ, PYTHONUNBUFFERED='1')
    # Tracking in N processes (run_tracker.py --threads N): one torch thread each; with two threads per
    # process and anything else running, 2-core tracking ran 50 times slower (measured with the VOT
    # tests). Training keeps torch's default threads (one thread made the demo teacher 2.8 times slower).
    tracker_process_env = dict(env, OMP_NUM_THREADS='1') if preset.threads else env

    # `--stages check` alone: what every stage would need
    found = requirements(preset, stages if len(stages) > 1 else STAGES, root, tracking_env, ltr_env_settings())
    print('check ({} preset):\n{}'.format(preset.name, format_requirements(found)), file=sys.stderr)
    missing = [r.what for r in found if not r.present]
    if missing and not dry_run:
        raise ReproduceError('missing: {}; nothing was run (see the list above)'.format(', '.join(missing)))

    commands, timings = [], {}

    def run(command, cwd, what, child_env=env):
        commands.append((cwd, command))
        if dry_run:
            print('cd {} && {}'.format(cwd, shlex.join(command)))
        else:
            _step('{}: {}'.format(what, shlex.join(command)))
            timings[what] = _run(command, cwd, child_env, what)

    if 'train' in stages:
        for setting in preset.trainings:
            run(training_command(setting), root / 'ltr', 'train ' + setting)

    sequence_cache = {}

    def sequences_of(dataset):
        from pytracking_cmd.evaluation import tir_benchmarks
        if dataset not in sequence_cache:
            sequence_cache[dataset] = tir_benchmarks.load_benchmark(dataset, settings=tracking_env)
        return sequence_cache[dataset]

    if 'track' in stages:
        if preset.before_track is not None:
            preset.before_track(preset, dry_run)
        for benchmark in preset.benchmarks:
            for row in preset.rows:
                dataset = row.dataset or benchmark
                for run_id in preset.run_ids:
                    command = tracking_command(row, dataset, run_id, preset.threads)
                    folder = results.results_dir(tracking_env.results_path, row.tracker, row.param, run_id)
                    if not dry_run and not results.pending_sequences(folder, sequences_of(dataset)):
                        print('{} run {} on {}: every result file exists'.format(row.label, run_id, dataset),
                              file=sys.stderr)
                        commands.append((root / 'pytracking', command))
                        continue
                    run(command, root / 'pytracking', 'track {} run {} on {}'.format(row.label, run_id, dataset),
                        tracker_process_env)
                    left = [] if dry_run else results.pending_sequences(folder, sequences_of(dataset))
                    if left:  # run_tracker.py prints a tracker's error and goes on with exit status 0
                        raise ReproduceError(
                            '{} ended without a complete result file for {} of {} sequences ({}): the tracker failed '
                            'on them, its error is printed above. To stop at it with the traceback, run in {}: {} '
                            '--debug 1 --sequence {}'.format(shlex.join(command), len(left), len(sequences_of(dataset)),
                                                            ', '.join(left[:5]) + (' ...' if len(left) > 5 else ''),
                                                            root / 'pytracking', shlex.join(command), left[0]))

    if {'evaluate', 'report'} & set(stages):
        if dry_run:
            print('# evaluate {} (LSOTB-TIR toolkit definitions), report to {}'.format(
                ', '.join(preset.benchmarks), preset.out))
            return 0
        preset.out.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix='.partial-', dir=str(preset.out)))
        try:
            table = evaluate(preset, tracking_env.results_path, sequences_of, staging)
            videos = write_video(preset, tracking_env, sequences_of, staging)
            if 'report' in stages:
                publish(staging, preset.out, readme(preset, root, commands, table))
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        print(table)
        print('\nplots and tables in {}{}'.format(preset.out, ''.join(
            '\nvideo: {}'.format(preset.out / Path(v).name) for v in videos)))
    if timings:
        print('times: ' + ', '.join('{} {:.0f} s'.format(k, v) for k, v in timings.items()), file=sys.stderr)
    return 0
