"""`pytracking-cmd reproduce`: the paper's comparison in one command, check -> train -> track -> evaluate -> report.

One chain, two scales (docs/reproduce.md):
    paper  pytracking's release network of --baseline (the stock tracker) against the CMD student
           trained from it (`run_training.py cmd <baseline>_cmd`) on the TIR benchmarks, --runs times
    demo   the built-in synthetic world on a CPU: the RGB teacher, the CMD student and an RGB-only
           control trained for as long, on a held-out synthetic benchmark (`pytracking-cmd demo`)

Every stage is resumable and can be rerun: training resumes from LTRTrainer's latest checkpoint
(load_latest), run_tracker.py skips sequences whose result file exists (result files that do not
cover their sequence, e.g. cut by Ctrl-C, are moved aside first), reports are written to a
temporary folder and moved into place.
"""
import dataclasses
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Optional, Tuple

import numpy as np

from ltr_cmd import settings_overrides
from ltr_cmd.errors import UserError
from pytracking_cmd import registration

STAGES = ('check', 'train', 'track', 'evaluate', 'report')
# baseline -> (stock tracker, stock parameter, student tracker, student parameter); the student's
# train setting is `<baseline>_cmd` (ltr_cmd/train_settings), its teacher the stock release network
BASELINES = {
    'super_dimp': ('dimp', 'super_dimp', 'dimp_cmd', 'super_dimp_cmd'),
    'dimp50': ('dimp', 'dimp50', 'dimp_cmd', 'dimp50_cmd'),
    'prdimp50': ('dimp', 'prdimp50', 'dimp_cmd', 'prdimp50_cmd'),
    'dimp18': ('dimp', 'dimp18', 'dimp_cmd', 'dimp18_cmd'),
    'atom': ('atom', 'default', 'atom_cmd', 'default_cmd'),
}
PAPER_BENCHMARKS = ('lsotb_tir', 'ptb_tir')
DEMO_TRAININGS = ('demo_teacher', 'demo_cmd', 'demo_control')


class ReproduceError(UserError):
    """A `reproduce` requirement is missing or an option is bad (the message says what to do)."""


@dataclasses.dataclass(frozen=True)
class Row:
    """One tracker row of the table; dataset None: the benchmark of the table."""
    label: str
    tracker: str
    param: str
    dataset: Optional[str] = None


@dataclasses.dataclass
class Preset:
    """What one scale of the chain runs."""
    name: str
    trainings: Tuple[str, ...]
    rows: Tuple[Row, ...]
    comparisons: Tuple[Tuple[str, str], ...]     # (student label, baseline label): the deltas
    benchmarks: Tuple[str, ...]
    run_ids: Tuple[int, ...]
    out: Path
    published: bool
    settings: dict                               # $PYTRACKING_CMD_SETTINGS entries of every child process
    stem: str = '{benchmark}'                    # file names of a benchmark's table and plots
    threads: int = 0                             # run_tracker.py --threads: sequences tracked in parallel
    video: Tuple[str, ...] = ()                  # labels of the rows drawn in the video of one sequence


@dataclasses.dataclass
class Requirement:
    """One thing `check` looks for."""
    what: str
    present: bool
    detail: str
    fix: str = ''


def configure_parser(parser, demo=False):
    """Arguments of `reproduce` (and of `demo`, its demo preset)."""
    parser.add_argument('root', nargs='?', default=None, help='registered pytracking checkout (default: as register)')
    if not demo:
        parser.add_argument('--preset', choices=('paper', 'demo'), default='paper',
                            help='paper: release networks and real benchmarks (GPU); demo: the built-in synthetic '
                                 'chain on a CPU (= pytracking-cmd demo)')
        parser.add_argument('--baseline', choices=sorted(BASELINES), default='super_dimp',
                            help="the RGB tracker to distil (paper preset; default super_dimp, the paper's)")
        parser.add_argument('--source', default=None,
                            help="aligned RGB-TIR source of the CMD training (default: the setting's, lasher); "
                                 'root from ltr/admin/local.py (docs/data.md)')
        parser.add_argument('--benchmarks', nargs='+', default=None, metavar='NAME',
                            help='benchmarks to track and evaluate (default: {}; splits: lsotb_tir_136, '
                                 'lsotb_tir_st100, lsotb_tir_lt11, ...)'.format(' '.join(PAPER_BENCHMARKS)))
        parser.add_argument('--runs', type=int, default=1,
                            help="tracking repetitions, pytracking run ids 0..N-1 (default 1)")
        parser.add_argument('--stages', default=','.join(STAGES),
                            help='comma-separated subset of {} (check always runs)'.format(','.join(STAGES)))
        parser.add_argument('--dry-run', action='store_true', help='print every command it would run, run nothing')
    parser.add_argument('--seed', type=int, default=None,
                        help='demo seed (default: "demo.seed" in $PYTRACKING_CMD_SETTINGS, else 1); each seed trains '
                             'its own networks')
    parser.add_argument('--out', default=None, help='output folder (default: <result_plot_path>/cmd_demo for the '
                                                    'demo, <result_plot_path>/cmd_reproduce_<baseline> otherwise)')
    return parser


# ------------------------------------------------------------------------------------------------
# Presets

def paper_preset(args, tracking_env):
    tracker, param, student_tracker, student_param = BASELINES[args.baseline]
    if args.runs < 1:
        raise ReproduceError('--runs must be at least 1, got {}'.format(args.runs))
    settings = {'train.cmd_source': args.source} if args.source else {}
    baseline, student = 'baseline {} {}'.format(tracker, param), 'CMD {} {}'.format(student_tracker, student_param)
    return Preset('paper', (args.baseline + '_cmd',), (Row(baseline, tracker, param), Row(student, student_tracker,
                                                                                         student_param)),
                  ((student, baseline),), tuple(args.benchmarks or PAPER_BENCHMARKS), tuple(range(args.runs)),
                  Path(args.out or Path(tracking_env.result_plot_path) / ('cmd_reproduce_' + args.baseline)),
                  True, settings)


def demo_preset(args, tracking_env):
    from ltr_cmd import demo
    seed = args.seed if args.seed is not None else demo.seed()
    # each seed has its own held-out benchmark; run_tracker.py finds it through the settings override
    benchmark_root = demo.seed_name(tracking_env.cmd_demo_path, seed)
    rows = (Row('teacher on RGB', 'dimp_cmd', 'demo_teacher', 'cmd_demo_rgb'),   # what RGB trackers do
            Row('teacher on thermal', 'dimp_cmd', 'demo_teacher'),              # what thermal trackers do today
            Row('RGB-only control on thermal', 'dimp_cmd', 'demo_control'),      # as much training, no thermal
            Row('CMD student on thermal', 'dimp_cmd', 'demo_cmd'))
    return Preset('demo', DEMO_TRAININGS, rows,
                  (('CMD student on thermal', 'RGB-only control on thermal'),
                   ('CMD student on thermal', 'teacher on thermal')), ('cmd_demo',), (seed,),
                  Path(args.out or Path(tracking_env.result_plot_path) / 'cmd_demo'), False,
                  {'demo.seed': seed, 'pytracking.cmd_demo_path': benchmark_root}, stem='cmd_demo_seed{}'.format(seed),
                  # pytracking's own process pool over sequences keeps every core busy while tracking
                  threads=min(os.cpu_count() or 1, demo.BENCHMARK['num_sequences']),
                  video=('teacher on thermal', 'CMD student on thermal'))


# ------------------------------------------------------------------------------------------------
# check

def requirements(preset, stages, root, tracking_env, ltr_env):
    """What the selected stages need, present or not."""
    import torch
    from ltr_cmd import checkpoints
    from ltr_cmd.data import rgbt_sources
    from pytracking_cmd.evaluation import lsotb_splits, tir_benchmarks
    registered, problems = registration.status(root)
    found = [Requirement('pytracking checkout registered', registered, str(root) if registered else '; '.join(problems),
                         'pytracking-cmd register {}'.format(root))]
    if preset.name == 'demo':
        return found + [stale_demo_outputs(preset, tracking_env, ltr_env)]
    setting = preset.trainings[0]
    if {'train', 'track'} & set(stages):
        filename = checkpoints.TEACHER_FILES[setting]
        folder = Path(str(tracking_env.network_path)).expanduser()
        path = folder / filename
        # the stock tracker loads it from network_path; training alone also finds it in pretrained_networks
        if 'track' not in stages and not path.is_file():
            path = checkpoints.find_release_file(filename, ltr_env, tracking_env) or path
        found.append(Requirement('release network ' + filename, path.is_file(), str(path),
                                 "download {} (pytracking's MODEL_ZOO.md) into {} (pytracking/evaluation/local.py: "
                                 'network_path; training also looks in ltr/admin/local.py: pretrained_networks)'
                                 .format(filename, folder)))
    if 'train' in stages:
        source = next((v for k, v in preset.settings.items() if k == 'train.cmd_source'), 'lasher')
        attribute = rgbt_sources.ROOT_ATTRIBUTES.get(source)
        if attribute is None:
            raise ReproduceError('unknown --source {!r}; known: {}'.format(source, ', '.join(rgbt_sources.ROOT_ATTRIBUTES)))
        value = str(getattr(ltr_env, attribute, '') or '')
        found.append(Requirement('RGB-TIR source {}'.format(source), bool(value) and os.path.isdir(value),
                                 value or '(ltr/admin/local.py: {} not set)'.format(attribute),
                                 'download it (docs/data.md) and set {} in ltr/admin/local.py'.format(attribute)))
        found.append(Requirement('GPU', torch.cuda.is_available(), '{} CUDA device(s)'.format(torch.cuda.device_count()),
                                 'training the paper setting needs a CUDA GPU (on a CPU it runs at batch 2 for days)'))
    if {'track', 'evaluate', 'report'} & set(stages):
        for name in preset.benchmarks:
            config = tir_benchmarks.get_config(name)
            try:
                where = tir_benchmarks.resolve_root(name, tracking_env)
                present = os.path.isdir(where)
                if present and config.split:
                    where = lsotb_splits.find_list_file(name, where, getattr(tracking_env, lsotb_splits.LISTS_SETTING, None))
            except UserError as error:
                present, where = False, str(error)
            found.append(Requirement('benchmark {}'.format(name), present, where,
                                     'download {} (docs/evaluation-data.md) and set settings.{} in '
                                     'pytracking/evaluation/local.py'.format(config.title, config.root_setting)))
    return found


def stale_demo_outputs(preset, tracking_env, ltr_env):
    """The demo's held-out benchmark records how it was rendered, and its checkpoints how they were
    trained; outputs made otherwise come from another version of the demo, and so do the other
    networks and results of that seed, which a rerun would resume from or reuse."""
    from ltr_cmd import demo
    from ltr_cmd.data.synthetic import benchmark_differences, demo_benchmark_seed
    from ltr_cmd.trainer import INTERVAL_FOLDER
    seed, benchmark_root = preset.settings['demo.seed'], Path(preset.settings['pytracking.cmd_demo_path'])
    checkpoints = Path(ltr_env.workspace_dir) / 'checkpoints' / 'ltr' / 'cmd'
    runs = [checkpoints / demo.seed_name(s, seed) for s in preset.trainings]
    differences = ['{}: {}'.format(benchmark_root, d) for d in benchmark_differences(
        benchmark_root, demo_benchmark_seed(seed), **demo.BENCHMARK, **demo.RENDERING)]
    for run in runs:  # the files a rerun resumes from: the last epoch's and a newer interval checkpoint
        for files in (sorted(run.glob('*_ep*.pth.tar')), sorted((run / INTERVAL_FOLDER).glob('*_ep*.pth.tar'))):
            differences += ['{}: {}'.format(files[-1], d) for d in demo.training_differences(files[-1])] if files else []
    if not differences:
        return Requirement('demo outputs of this version', True, 'seed {}'.format(seed), '')
    trackers = sorted({(row.tracker, row.param) for row in preset.rows})
    outputs = [benchmark_root] + runs + [Path(tracking_env.results_path) / tracker / '{}_{:03d}'.format(param, run_id)
                                         for tracker, param in trackers for run_id in preset.run_ids]
    return Requirement('demo outputs of this version', False,
                       'outputs of seed {} come from another version of the demo ({})'.format(
                           seed, '; '.join(differences)),
                       'remove what that version wrote for seed {} (`rm -r {}`), or give this version other '
                       'folders through $PYTRACKING_CMD_SETTINGS (docs/install.md)'.format(
                           seed, ' '.join(shlex.quote(str(p)) for p in outputs if p.exists())))


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


def pending_sequences(results_dir, sequences):
    """Sequences run_tracker.py still has to track in results_dir. A result file that does not hold one
    box per frame (cut by Ctrl-C, say) is renamed to `<seq>.txt.incomplete`, so that run_tracker.py,
    which only checks that the file exists, redoes the sequence and nothing is deleted."""
    from ltr_cmd.data.dataset_files import read_boxes
    pending = []
    for sequence in sequences:
        path = Path(results_dir) / (sequence.name + '.txt')
        if path.is_file():
            try:
                complete = len(read_boxes(str(path))) == len(sequence.frames)
            except (UserError, ValueError):
                complete = False
            if complete:
                continue
            os.replace(path, str(path) + '.incomplete')
            print('{}: does not cover the {} frames of {}; moved aside, to be tracked again'.format(
                path, len(sequence.frames), sequence.name), file=sys.stderr)
        pending.append(sequence.name)
    return pending


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

def sequence_aucs(row, dataset, run_ids, sequences, results_path):
    """Success AUC (toolkit definition) of each sequence, averaged over the runs."""
    from pytracking_cmd.evaluation import metrics, report
    names = [s.name for s in sequences]
    return np.mean([metrics.compute_curves(sequences, report.load_tracker_results(
        report.tracker_results_dir(results_path, row.tracker, row.param, run_id), names)).success.mean(axis=1)
        for run_id in run_ids], axis=0)


def in_words(preset, benchmark, results, sequences_of, results_path):
    """What the table shows, in a few sentences: who wins, by how much, on how many sequences."""
    from pytracking_cmd.evaluation import metrics
    auc = {r.label: r.scores[metrics.TOOLKIT].success_auc for r in results}
    rows = {row.label: row for row in preset.rows}

    def per_sequence(label):
        row = rows[label]
        dataset = row.dataset or benchmark
        return sequence_aucs(row, dataset, preset.run_ids, sequences_of(dataset), results_path)

    lines = []
    for student, baseline in preset.comparisons:
        wins = int((per_sequence(student) > per_sequence(baseline)).sum())
        lines.append('{} scores {:.3f} success AUC against {:.3f} for {} ({:+.3f}); it is ahead on {} of {} '
                     'sequences.'.format(student, auc[student], auc[baseline], baseline, auc[student] - auc[baseline],
                                         wins, len(sequences_of(benchmark))))
    if preset.name == 'demo' and auc['teacher on RGB'] > 0:
        lines.append('The student recovers {:.0%} of what the teacher scores on RGB ({:.3f}).'.format(
            auc['CMD student on thermal'] / auc['teacher on RGB'], auc['teacher on RGB']))
    return '\n'.join(lines)


def evaluate(preset, results_path, sequences_of, staging):
    """Tables (ours, the paper's, the deltas), what they show in words, and plots of every benchmark,
    written to staging; returns the text."""
    from pytracking_cmd.evaluation import metrics, plots, report
    texts = []
    for benchmark in preset.benchmarks:
        def scores(row, run_ids):
            dataset = row.dataset or benchmark
            return report.evaluate_tracker(report.TrackerSpec(row.tracker, row.param, run_ids, row.label),
                                           sequences_of(dataset), results_path, [metrics.TOOLKIT], dataset=dataset)
        results = [scores(row, preset.run_ids) for row in preset.rows]
        names = [s.name for s in sequences_of(benchmark)]
        stem = preset.stem.format(benchmark=benchmark)
        text = report.format_table(results, benchmark, [metrics.TOOLKIT], names, preset.published)
        by_label = {row.label: row for row in preset.rows}
        deltas = [('{} - {}'.format(student, baseline), report.delta_scores(
            [scores(by_label[student], (r,)).scores[metrics.TOOLKIT] for r in preset.run_ids],
            [scores(by_label[baseline], (r,)).scores[metrics.TOOLKIT] for r in preset.run_ids]))
            for student, baseline in preset.comparisons]
        text += '\n' + report.format_deltas(deltas, len(preset.run_ids))
        text += '\nIn words:\n' + in_words(preset, benchmark, results, sequences_of, results_path) + '\n'
        (staging / (stem + '.txt')).write_text(text)
        report.write_csv(str(staging / (stem + '.csv')), results, benchmark, [metrics.TOOLKIT], preset.published)
        report.write_json(str(staging / (stem + '.json')), results, benchmark, [metrics.TOOLKIT], names, preset.published)
        plots.plot_all([(r.label, r.scores[metrics.TOOLKIT]) for r in results], str(staging), stem)
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
    lines += ['', '## Results (LSOTB-TIR toolkit definitions)', '', '```', table.rstrip(), '```', '']
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
    from ltr.admin.environment import env_settings as ltr_env_settings
    from pytracking.evaluation.environment import env_settings
    tracking_env = env_settings()
    preset = (demo_preset if preset_name == 'demo' else paper_preset)(args, tracking_env)
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
        if preset.name == 'demo':
            from ltr_cmd import demo
            from ltr_cmd.data.synthetic import demo_benchmark_seed, write_benchmark
            seed, benchmark_root = preset.settings['demo.seed'], preset.settings['pytracking.cmd_demo_path']
            if dry_run:
                print('# write the held-out demo benchmark (seed {}) to {}'.format(demo_benchmark_seed(seed), benchmark_root))
            else:
                _step('held-out benchmark (seed {}) in {}'.format(demo_benchmark_seed(seed), benchmark_root))
                write_benchmark(benchmark_root, seed=demo_benchmark_seed(seed), **demo.BENCHMARK, **demo.RENDERING)
        from pytracking_cmd.evaluation.report import tracker_results_dir
        for benchmark in preset.benchmarks:
            for row in preset.rows:
                dataset = row.dataset or benchmark
                for run_id in preset.run_ids:
                    command = tracking_command(row, dataset, run_id, preset.threads)
                    if not dry_run:
                        pending = pending_sequences(tracker_results_dir(tracking_env.results_path, row.tracker,
                                                                        row.param, run_id), sequences_of(dataset))
                        if not pending:
                            print('{} run {} on {}: every result file exists'.format(row.label, run_id, dataset),
                                  file=sys.stderr)
                            commands.append((root / 'pytracking', command))
                            continue
                    run(command, root / 'pytracking', 'track {} run {} on {}'.format(row.label, run_id, dataset),
                        tracker_process_env)

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
