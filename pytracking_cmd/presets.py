"""The scales `pytracking-cmd reproduce` runs (`--preset`); each is a Preset that says everything that
differs between them, so the chain (pytracking_cmd/reproduce.py) knows none of them by name:

    paper  pytracking's release network of --baseline (the stock tracker) against the CMD student
           trained from it (`run_training.py cmd <setting>`) on the TIR benchmarks, --runs times
    demo   the built-in synthetic world on a CPU: the RGB teacher, the CMD student and an RGB-only
           control trained for as long, on a held-out synthetic benchmark (`pytracking-cmd demo`)
"""
import dataclasses
import os
import shlex
import sys
from pathlib import Path
from typing import Callable, Optional, Tuple

from ltr_cmd import baselines
from ltr_cmd.errors import UserError

PAPER_BENCHMARKS = ('lsotb_tir', 'ptb_tir')


class PresetError(UserError):
    """A bad option of a preset (the message says what to do)."""


@dataclasses.dataclass(frozen=True)
class Row:
    """One tracker row of the table; dataset None: the benchmark of the table."""
    label: str
    tracker: str
    param: str
    dataset: Optional[str] = None


@dataclasses.dataclass
class Requirement:
    """One thing `check` looks for."""
    what: str
    present: bool
    detail: str
    fix: str = ''


@dataclasses.dataclass
class Preset:
    """What one scale of the chain runs.

    args:
        checks - check(preset, stages, tracking_env, ltr_env) -> [Requirement]: what the stages need
        before_track - before_track(preset, dry_run): writes what tracking reads (e.g. a benchmark)
        recovered - (label, reference label): the report says what share of the reference's score the
            first row's score is
    """
    name: str
    trainings: Tuple[str, ...]
    rows: Tuple[Row, ...]
    comparisons: Tuple[Tuple[str, str], ...]     # (student label, baseline label): the deltas
    benchmarks: Tuple[str, ...]
    run_ids: Tuple[int, ...]
    out: Path
    published: bool
    settings: dict                               # $PYTRACKING_CMD_SETTINGS entries of every child process
    checks: Callable
    before_track: Optional[Callable] = None
    recovered: Optional[Tuple[str, str]] = None
    stem: str = '{benchmark}'                    # file names of a benchmark's table and plots
    threads: int = 0                             # run_tracker.py --threads: sequences tracked in parallel
    video: Tuple[str, ...] = ()                  # labels of the rows drawn in the video of one sequence
    extra_definitions: Tuple[str, ...] = ()      # metric definitions reported beside each benchmark's own


# ------------------------------------------------------------------------------------------------
# paper

def paper(args, tracking_env):
    from ltr_cmd import demo as demo_settings
    if args.baseline in demo_settings.MODELS:
        raise PresetError('--baseline {} is a demo; the paper preset takes one of {}'.format(
            args.baseline, ', '.join(baselines.BASELINES)))
    baseline = baselines.get(args.baseline or baselines.DEFAULT)
    if args.runs < 1:
        raise PresetError('--runs must be at least 1, got {}'.format(args.runs))
    settings = {'train.cmd_source': args.source} if args.source else {}
    benchmarks = tuple(args.benchmarks or PAPER_BENCHMARKS)
    trackers = ((baseline.stock_tracker, baseline.stock_param), (baseline.student_tracker, baseline.student_param))
    if any(b.startswith('anti_uav') for b in benchmarks):
        trackers = absence_trackers(baseline, benchmarks)
    (stock_tracker, stock_param), (student_tracker, student_param) = trackers
    stock = 'baseline {} {}'.format(stock_tracker, stock_param)
    student = 'CMD {} {}'.format(student_tracker, student_param)
    return Preset('paper', (baseline.setting,), (Row(stock, stock_tracker, stock_param),
                                                  Row(student, student_tracker, student_param)),
                  ((student, stock),), benchmarks, tuple(range(args.runs)),
                  Path(args.out or Path(tracking_env.result_plot_path) / ('cmd_reproduce_' + baseline.name)),
                  True, settings, checks=paper_checks)


def absence_trackers(baseline, benchmarks):
    """(tracker, parameter file) of the stock network and of the student that report absence, for the Anti-UAV
    benchmarks: the plugin's `<param>_antiuav` parameter files (params.report_absence, docs/anti-uav.md)."""
    others = [b for b in benchmarks if not b.startswith('anti_uav')]
    if others:
        raise PresetError('the Anti-UAV benchmarks are tracked with trackers that report absence; run {} in a '
                          'reproduce call of their own'.format(', '.join(others)))
    trackers = ((baseline.student_tracker, baseline.stock_param + '_antiuav'),
                (baseline.student_tracker, baseline.student_param + '_antiuav'))
    missing = ['{} {}'.format(*t) for t in trackers if not _has_parameter_file(*t)]
    if missing:
        have = [b.name for b in baselines.BASELINES.values()
                if _has_parameter_file(b.student_tracker, b.student_param + '_antiuav')]
        raise PresetError('--baseline {} has no parameter files that report absence ({}); baselines that have '
                          'them: {}'.format(baseline.name, ', '.join(missing), ', '.join(have) or 'none'))
    return trackers


def _has_parameter_file(tracker, param):
    import importlib.util
    return importlib.util.find_spec('pytracking_cmd.parameter.{}.{}'.format(tracker, param)) is not None


def paper_checks(preset, stages, tracking_env, ltr_env):
    """The release network, the RGB-TIR source and a GPU for training, the benchmarks for the rest."""
    import torch
    from ltr_cmd import checkpoints
    from ltr_cmd.data import rgbt_sources
    from pytracking_cmd.evaluation import tir_benchmarks, toolkit_lists
    found = []
    if {'train', 'track'} & set(stages):
        filename = baselines.of_setting(preset.trainings[0]).release_file
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
        source = preset.settings.get('train.cmd_source', 'lasher')
        attribute = rgbt_sources.ROOT_ATTRIBUTES.get(source)
        if attribute is None:
            raise PresetError('unknown --source {!r}; known: {}'.format(source, ', '.join(rgbt_sources.ROOT_ATTRIBUTES)))
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
                if present and config.split:  # the list file is read here, so a broken one stops the check
                    where = toolkit_lists.load_list(name, where, getattr(tracking_env, toolkit_lists.LISTS_SETTING,
                                                                         None))[0]
            except UserError as error:
                present, where = False, str(error)
            found.append(Requirement('benchmark {}'.format(name), present, where,
                                     'download {} (docs/evaluation-data.md) and set settings.{} in '
                                     'pytracking/evaluation/local.py'.format(config.title, config.root_setting)))
    return found


# ------------------------------------------------------------------------------------------------
# demo

DEMO_ROLES = ('teacher', 'cmd', 'control')


def demo(args, tracking_env):
    from ltr_cmd import demo as demo_settings
    name = getattr(args, 'baseline', None) or 'dimp'
    if name not in demo_settings.MODELS:
        raise PresetError('the demo preset runs --baseline {}; {} is a baseline of the paper preset'.format(
            ' or '.join(demo_settings.MODELS), name))
    model = demo_settings.MODELS[name]
    teacher, student, control = (demo_settings.setting(model, role) for role in DEMO_ROLES)
    seed = args.seed if args.seed is not None else demo_settings.seed()
    # each seed has its own held-out benchmark; run_tracker.py finds it through the settings override
    benchmark_root = demo_settings.seed_name(tracking_env.cmd_demo_path, seed)
    rows = (Row('teacher on RGB', model.tracker, teacher, 'cmd_demo_rgb'),    # what RGB trackers do
            Row('teacher on thermal', model.tracker, teacher),               # what thermal trackers do today
            Row('RGB-only control on thermal', model.tracker, control),      # as much training, no thermal
            Row('CMD student on thermal', model.tracker, student))
    folder = 'cmd_' + model.prefix  # cmd_demo, cmd_demo_tomp
    return Preset('demo', (teacher, student, control), rows,
                  (('CMD student on thermal', 'RGB-only control on thermal'),
                   ('CMD student on thermal', 'teacher on thermal')), ('cmd_demo',), (seed,),
                  Path(args.out or Path(tracking_env.result_plot_path) / folder), False,
                  {'demo.seed': seed, 'pytracking.cmd_demo_path': benchmark_root},
                  checks=lambda preset, _stages, tracking_env, ltr_env: [stale_demo_outputs(preset, tracking_env,
                                                                                            ltr_env)],
                  before_track=write_demo_benchmark,
                  recovered=('CMD student on thermal', 'teacher on RGB'),
                  stem='{}_seed{}'.format(folder, seed),
                  # pytracking's own process pool over sequences keeps every core busy while tracking
                  threads=min(os.cpu_count() or 1, demo_settings.BENCHMARK['num_sequences']),
                  video=('teacher on thermal', 'CMD student on thermal'),
                  # some held-out sequences let the target leave the view: the trackers say "absent" there
                  extra_definitions=('antiuav',))


def write_demo_benchmark(preset, dry_run):
    """The held-out synthetic benchmark of the preset's seed (skipped when it exists, rendered alike)."""
    from ltr_cmd import demo as demo_settings
    from ltr_cmd.data.synthetic import demo_benchmark_seed, write_benchmark
    seed, root = preset.settings['demo.seed'], preset.settings['pytracking.cmd_demo_path']
    if dry_run:
        print('# write the held-out demo benchmark (seed {}) to {}'.format(demo_benchmark_seed(seed), root))
        return
    print('\n== held-out benchmark (seed {}) in {} =='.format(demo_benchmark_seed(seed), root), file=sys.stderr,
          flush=True)
    write_benchmark(root, seed=demo_benchmark_seed(seed), **demo_settings.BENCHMARK, **demo_settings.RENDERING)


def stale_demo_outputs(preset, tracking_env, ltr_env):
    """The demo's held-out benchmark records how it was rendered, and its checkpoints how they were
    trained; outputs made otherwise come from another version of the demo, and so do the other
    networks and results of that seed, which a rerun would resume from or reuse."""
    from ltr_cmd import checkpoints, demo as demo_settings
    from ltr_cmd.data.synthetic import benchmark_differences, demo_benchmark_seed
    from pytracking_cmd.evaluation import results
    seed, benchmark_root = preset.settings['demo.seed'], Path(preset.settings['pytracking.cmd_demo_path'])
    runs = [checkpoints.training_dir(demo_settings.seed_name(s, seed), ltr_env) for s in preset.trainings]
    differences = ['{}: {}'.format(benchmark_root, d) for d in benchmark_differences(
        benchmark_root, demo_benchmark_seed(seed), **demo_settings.BENCHMARK, **demo_settings.RENDERING)]
    for run in runs:  # the files a rerun resumes from: the last epoch's and a newer interval checkpoint
        for files in (checkpoints.epoch_files(run), checkpoints.interval_files(run)):
            differences += ['{}: {}'.format(files[-1], d) for d in demo_settings.training_differences(files[-1])
                            ] if files else []
    if not differences:
        return Requirement('demo outputs of this version', True, 'seed {}'.format(seed), '')
    trackers = sorted({(row.tracker, row.param) for row in preset.rows})
    outputs = [benchmark_root] + runs + [Path(results.results_dir(tracking_env.results_path, tracker, param, run_id))
                                         for tracker, param in trackers for run_id in preset.run_ids]
    return Requirement('demo outputs of this version', False,
                       'outputs of seed {} come from another version of the demo ({})'.format(
                           seed, '; '.join(differences)),
                       'remove what that version wrote for seed {} (`rm -r {}`), or give this version other '
                       'folders through $PYTRACKING_CMD_SETTINGS (docs/install.md)'.format(
                           seed, ' '.join(shlex.quote(str(p)) for p in outputs if p.exists())))


PRESETS = {'paper': paper, 'demo': demo}


def add_baseline_argument(parser):
    """`--baseline`: a baseline of the paper preset, or the tracker family of the demo."""
    from ltr_cmd import demo as demo_settings
    parser.add_argument('--baseline', choices=list(baselines.BASELINES) + list(demo_settings.MODELS), default=None,
                        help="the RGB tracker to distil: paper preset {} (default {}, the paper's); demo preset {} "
                             '(default dimp)'.format(', '.join(baselines.BASELINES), baselines.DEFAULT,
                                                     ', '.join(demo_settings.MODELS)))
