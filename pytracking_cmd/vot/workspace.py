"""`pytracking-cmd vot init`: a VOT toolkit (0.9.0) workspace for a pytracking-cmd tracker.

Writes, in WORKSPACE:
- trackers.ini: one `traxpython` entry per tracker, with absolute paths, this environment's python
  and a `paths` list (the toolkit replaces PYTHONPATH with it: the folder holding pytracking_cmd,
  the pytracking checkout, and this shell's PYTHONPATH). Its command runs
  `pytracking_cmd.vot.trax_tracker` (one process per sequence, network loaded once).
- config.yaml (`registry: [./trackers.ini]`, `stack: ./stack.yaml`) and stack.yaml: the stack with
  the supervised experiment replaced by `pytracking_cmd.vot.experiments.SupervisedExperiment`
  (toolkit defect). With --sequences, or with a local stack, stack.yaml has no `dataset:` key, so
  no command tries to download anything.
- sequences/list.txt and one link per sequence (--sequences DIR, VOT format).
- .pytracking-cmd-vot.json: what this command wrote, so that it never overwrites a file it did not
  write (or that was edited since): it refuses and says which. --force rewrites its own files.
Running it again with another --tracker/--param adds an entry to the same workspace.
"""
import configparser
import hashlib
import importlib.util
import json
import os
import re
import sys
from pathlib import Path

import yaml

from ltr_cmd.data.dataset_files import read_key_values
from ltr_cmd.errors import UserError
from pytracking_cmd.vot.trax_tracker import CHANNELS

MANIFEST = '.pytracking-cmd-vot.json'
EXPERIMENT_CLASS = 'pytracking_cmd.vot.experiments.SupervisedExperiment'
HEADER = '# Written by `pytracking-cmd vot init`; rewritten by it with --force. See docs/vot.md.\n'

# The VOT-TIR protocols (the toolkit's vot2015/tir and vot2016/tir stacks): supervised, 15 repetitions,
# re-initialisation 5 frames after a failure, accuracy-robustness with sensitivity 30.
SUPERVISED = {'type': EXPERIMENT_CLASS, 'repetitions': 15, 'skip_initialize': 5,
              'analyses': [{'type': 'supervised_average_ar', 'sensitivity': 30}]}
ONE_PASS = {'type': 'unsupervised', 'repetitions': 1,
            'analyses': [{'type': 'average_accuracy'}, {'type': 'average_success_plot'}]}

STACKS = {
    # name: (built-in toolkit stack it follows or None, experiments)
    'vot-tir2015': ('vot2015/tir', {'baseline': SUPERVISED}),
    'vot-tir2016': ('vot2016/tir', {'baseline': SUPERVISED}),
    'ir-local': (None, {'baseline': SUPERVISED, 'unsupervised': ONE_PASS}),
    'ir-local-supervised': (None, {'baseline': SUPERVISED}),
    'ir-local-oneshot': (None, {'unsupervised': ONE_PASS}),
}
FORBIDDEN_IN_PATHS = re.compile(r'[\'"\\\n]')  # the toolkit's command quoting cannot carry them


class InitError(UserError):
    """Something the user has to fix; nothing was written."""


def configure_parser(parser):
    parser.add_argument('workspace', metavar='WORKSPACE', help='workspace folder (created if missing)')
    parser.add_argument('--tracker', required=True,
                        help='pytracking tracker: dimp_cmd, tomp_cmd or atom_cmd (or any other)')
    parser.add_argument('--param', required=True,
                        help='its parameter file, e.g. dimp50_cmd, tomp50_cmd, demo_cmd, default_cmd')
    parser.add_argument('--channel', choices=sorted(CHANNELS), default='ir',
                        help='channel requested from the toolkit: ir (default), color, or rgbt (requests color and '
                             'ir, tracks on ir)')
    parser.add_argument('--stack', choices=list(STACKS), default='ir-local',
                        help='vot-tir2015 / vot-tir2016: the VOT-TIR protocol (downloads the data on first use unless '
                             '--sequences is given); ir-local: supervised + one-pass on your sequences (default); '
                             'ir-local-supervised / ir-local-oneshot: one of the two')
    parser.add_argument('--sequences', metavar='DIR', default=None,
                        help='sequences in VOT format: a folder of sequence folders (or with a list.txt), or one '
                             'sequence folder; linked into WORKSPACE/sequences')
    parser.add_argument('--network', metavar='PATH', default=None,
                        help='network checkpoint to track with instead of the parameter file\'s')
    parser.add_argument('--name', default=None,
                        help='tracker identifier in trackers.ini (default: TRACKER_PARAM, plus _CHANNEL if not ir)')
    parser.add_argument('--repetitions', type=int, default=None,
                        help='repetitions of the supervised experiment (default: 15 as VOT-TIR; deterministic '
                             'trackers stop after 3 identical runs anyway)')
    parser.add_argument('--threads', type=int, default=None,
                        help='torch CPU threads of the tracker processes (OMP_NUM_THREADS; default: torch\'s choice). '
                             'On a small or shared machine, 1 can be much faster (see docs/vot.md)')
    parser.add_argument('--log', metavar='FILE', default=None,
                        help='the tracker processes append their log to FILE (default: their stderr, which the '
                             'toolkit keeps only when a run fails)')
    parser.add_argument('--force', action='store_true', help='rewrite files this command wrote before')


def _sha(data):
    return hashlib.sha256(data).hexdigest()


def _check_path(label, path):
    if FORBIDDEN_IN_PATHS.search(str(path)):
        raise InitError('{} {}: quotes, backslashes and newlines cannot pass through the toolkit\'s command line; '
                        'use a path without them'.format(label, path))


def python_paths():
    """Folders the tracker process needs on PYTHONPATH (the toolkit replaces PYTHONPATH with these)."""
    import pytracking_cmd
    from pytracking_cmd import registration
    paths = [str(Path(pytracking_cmd.__file__).resolve().parents[1])]
    try:
        paths.append(str(Path(registration.resolve_root(None)).resolve()))
    except registration.RegistrationError as error:
        raise InitError('no pytracking checkout found ({}): run scripts/setup.sh or `pytracking-cmd register`'
                        .format(error)) from None
    paths += [p for p in os.environ.get('PYTHONPATH', '').split(os.pathsep) if p]
    unique = []
    for path in paths:
        path = str(Path(path).expanduser().resolve())
        if path not in unique:
            unique.append(path)
    return unique


def tracker_arguments(args):
    arguments = [args.tracker, args.param, '--channel', args.channel]
    if args.network:
        arguments += ['--network', str(Path(args.network).expanduser().resolve())]
    if args.log:
        arguments += ['--log', str(Path(args.log).expanduser().resolve())]
    return arguments


def tracker_entry(args, name):
    """The trackers.ini section (as an ordered dict of raw values) for this tracker."""
    python = sys.executable
    if re.search(r'\s', python):
        raise InitError('the python of this environment ({}) has a space in its path: the toolkit splits its '
                        'command at spaces'.format(python))
    arguments = tracker_arguments(args)
    paths = python_paths()
    for label, value in [('--network', args.network), ('--log', args.log), ('python', python)] + \
            [('path', p) for p in paths]:
        if value:
            _check_path(label, value)
    command = 'from pytracking_cmd.vot.trax_tracker import main; sys.exit(main({!r}))'.format(arguments)
    entry = {
        'label': '{} {} ({})'.format(args.tracker, args.param, args.channel),
        'protocol': 'traxpython',
        'python': python,
        'command': command,
        'paths': os.pathsep.join(paths),
    }
    if args.threads is not None:
        if args.threads < 1:
            raise InitError('--threads must be at least 1')
        entry['env_OMP_NUM_THREADS'] = str(args.threads)  # the toolkit sets env_NAME as NAME for the process
    return entry


def render_trackers_ini(sections):
    lines = [HEADER.rstrip('\n'),
             '# traxpython replaces PYTHONPATH with `paths`; the tracker process runs in a temporary folder.']
    for name, entry in sections.items():
        lines += ['', '[{}]'.format(name)]
        lines += ['{} = {}'.format(key, value.replace('%', '%%')) for key, value in entry.items()]
    return '\n'.join(lines) + '\n'


def read_trackers_ini(path):
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str
    parser.read(path, encoding='utf-8')
    return {section: {k: v.replace('%%', '%') for k, v in parser[section].items()} for section in parser.sections()}


def builtin_stack(name):
    """The toolkit's own stack file (title, url, dataset), or {} when vot is not installed."""
    spec = importlib.util.find_spec('vot')
    if spec is None or spec.origin is None:
        return {}
    path = Path(spec.origin).parent / 'stack' / (name + '.yaml')
    return yaml.safe_load(path.read_text()) if path.is_file() else {}


def stack_document(args):
    follows, experiments = STACKS[args.stack]
    experiments = json.loads(json.dumps(experiments))  # deep copy
    if args.repetitions is not None:
        if args.repetitions < 1:
            raise InitError('--repetitions must be at least 1')
        for experiment in experiments.values():
            if experiment['type'] == EXPERIMENT_CLASS:
                experiment['repetitions'] = args.repetitions
    document = {}
    if follows:
        builtin = builtin_stack(follows)
        document['title'] = builtin.get('title', args.stack) + ' (pytracking-cmd: supervised experiment fixed)'
        if builtin.get('url'):
            document['url'] = builtin['url']
        if args.sequences is None:
            if not builtin.get('dataset'):
                raise InitError('the toolkit\'s {} stack was not found (is vot-toolkit installed? '
                                'scripts/install-vot.sh); give the data with --sequences'.format(follows))
            document['dataset'] = builtin['dataset']
    else:
        document['title'] = 'pytracking-cmd local stack {} (VOT-TIR protocols, offline)'.format(args.stack)
    document['experiments'] = experiments
    return document


def sequence_channels(folder):
    """Channels the toolkit will find in a VOT-format sequence folder."""
    if (folder / 'sequence').is_file():
        channels = {k[len('channels.'):] for k in read_key_values(str(folder / 'sequence')) if k.startswith('channels.')}
        return channels or {'color'}
    return {'color'}  # legacy folder: %08d.jpg frames in the folder itself


def find_sequences(directory):
    """[(name, absolute folder)] of the VOT-format sequences in `directory`."""
    root = Path(directory).expanduser().resolve()
    if not root.is_dir():
        raise InitError('--sequences {}: not a folder'.format(directory))
    if (root / 'groundtruth.txt').is_file():
        folders = [root]
    elif (root / 'list.txt').is_file():
        names = [n.strip() for n in (root / 'list.txt').read_text(encoding='utf-8').splitlines() if n.strip()]
        folders = [Path(n) if os.path.isabs(n) else root / n for n in names]
    else:
        folders = sorted(p for p in root.iterdir() if p.is_dir() and (p / 'groundtruth.txt').is_file())
    if not folders:
        raise InitError('--sequences {}: no sequence found (a sequence is a folder with groundtruth.txt and a '
                        '`sequence` metadata file, see docs/vot.md)'.format(root))
    missing = [str(f) for f in folders if not (f / 'groundtruth.txt').is_file()]
    if missing:
        raise InitError('--sequences {}: no groundtruth.txt in {}'.format(root, ', '.join(missing)))
    sequences, seen = [], set()
    for folder in folders:
        name = folder.name
        if name in seen or not re.fullmatch(r'[A-Za-z0-9._-]+', name):
            raise InitError('--sequences: sequence name {!r} is repeated or has characters other than letters, '
                            'digits, ".", "_" and "-"'.format(name))
        seen.add(name)
        sequences.append((name, folder.resolve()))
    return sequences


def check_channels(sequences, channel):
    wanted = set(CHANNELS[channel])
    lacking = {name: sorted(sequence_channels(folder)) for name, folder in sequences
               if not wanted <= sequence_channels(folder)}
    if lacking:
        examples = '; '.join('{}: {}'.format(n, ', '.join(c)) for n, c in list(lacking.items())[:5])
        raise InitError('--channel {} requests {}, which {} of {} sequences lack ({}). Choose the channel these '
                        'sequences have, or name it in their `sequence` files (channels.ir=ir/%08d.png).'
                        .format(channel, '+'.join(sorted(wanted)), len(lacking), len(sequences), examples))


def plan(args):
    """{relative path: bytes to write, or ('link', target)} and the tracker name."""
    name = args.name or '{}_{}{}'.format(args.tracker, args.param, '' if args.channel == 'ir' else '_' + args.channel)
    if not re.fullmatch(r'[A-Za-z0-9_-]+', name):
        raise InitError('tracker identifier {!r}: the toolkit accepts letters, digits, "_" and "-" only (--name)'
                        .format(name))
    if args.network and not Path(args.network).expanduser().is_file():
        raise InitError('--network {}: no such file'.format(args.network))
    files = {}
    config = {'registry': ['./trackers.ini'], 'stack': './stack.yaml'}
    files['config.yaml'] = (HEADER + yaml.safe_dump(config, sort_keys=False)).encode()
    files['stack.yaml'] = (HEADER + yaml.safe_dump(stack_document(args), sort_keys=False)).encode()
    if args.sequences:
        sequences = find_sequences(args.sequences)
        check_channels(sequences, args.channel)
        files['sequences/list.txt'] = ''.join(n + '\n' for n, _ in sequences).encode()
        for sequence_name, folder in sequences:
            files['sequences/' + sequence_name] = ('link', str(folder))
    return name, tracker_entry(args, name), files


def _state(path):
    """'absent', or the sha / link target of what is there now."""
    if path.is_symlink():
        return ('link', os.readlink(path))
    if not path.exists():
        return 'absent'
    if path.is_dir():
        return 'folder'
    return _sha(path.read_bytes())


def _recorded(value):
    return tuple(value) if isinstance(value, list) else value


def init(args):
    """Write the workspace; returns (tracker name, workspace, sequences linked?)."""
    workspace = Path(args.workspace).expanduser().resolve()
    name, entry, files = plan(args)
    manifest_path = workspace / MANIFEST
    manifest = json.loads(manifest_path.read_text()) if manifest_path.is_file() else {}

    # trackers.ini: our own file gains (or, with --force, changes) one section
    ini = workspace / 'trackers.ini'
    sections = {}
    if ini.exists() and 'trackers.ini' in manifest and _state(ini) == manifest['trackers.ini']:
        sections = read_trackers_ini(ini)
        if name in sections and sections[name] != entry and not args.force:
            raise InitError('{} already has a tracker {} with other settings: use --force to replace it, or --name '
                            'for another identifier'.format(ini, name))
    sections[name] = entry
    files['trackers.ini'] = render_trackers_ini(sections).encode()

    conflicts = []
    for relative, content in files.items():
        path = workspace / relative
        now = _state(path)
        wanted = content if isinstance(content, tuple) else _sha(content)
        if now == 'absent' or now == wanted:
            continue
        ours = relative in manifest and _recorded(manifest[relative]) == now
        if relative == 'trackers.ini' and ours:
            continue  # merged above
        if not ours:
            conflicts.append('{} exists and was not written by pytracking-cmd vot init (or was edited since)'
                             .format(path))
        elif not args.force:
            conflicts.append('{} was written by an earlier `pytracking-cmd vot init` with other settings: add --force '
                             'to rewrite it'.format(path))
    if conflicts:
        raise InitError('nothing written:\n  ' + '\n  '.join(conflicts))

    (workspace / 'sequences').mkdir(parents=True, exist_ok=True)
    for relative, content in files.items():
        path = workspace / relative
        if isinstance(content, tuple):
            if path.is_symlink():
                path.unlink()
            path.symlink_to(content[1], target_is_directory=True)
            manifest[relative] = list(content)
        else:
            path.write_bytes(content)
            manifest[relative] = _sha(content)
    manifest_path.write_text(json.dumps(manifest, indent=1, sort_keys=True) + '\n')
    return name, workspace, bool(args.sequences)


def main(args):
    name, workspace, linked = init(args)
    print('VOT workspace {} ready: tracker {} ({} {}, channel {}), stack {}.'.format(
        workspace, name, args.tracker, args.param, args.channel, args.stack))
    if not linked and STACKS[args.stack][0] is None and not (workspace / 'sequences' / 'list.txt').is_file():
        print('No sequences yet: put VOT-format sequence folders in {}/sequences and list their names in '
              'sequences/list.txt (or run again with --sequences DIR).'.format(workspace))
    elif not linked and STACKS[args.stack][0] is not None:
        print('The first vot command downloads the {} data into {}/sequences (or run again with --sequences DIR '
              'for data you have).'.format(args.stack, workspace))
    if importlib.util.find_spec('vot') is None:
        print('vot-toolkit is not installed in this environment: run scripts/install-vot.sh', file=sys.stderr)
    print('Next:\n  vot evaluate --workspace {w} {n}\n  vot analysis --workspace {w} {n}\n  vot report --workspace {w} {n}'
          .format(w=workspace, n=name))
    return 0
