"""Readers for the thermal-infrared (TIR) evaluation benchmarks.

Each benchmark is declared once, in BENCHMARKS below: its name (also its key in pytracking's
dataset_dict, see registry.py), title, local.py attribute and layout. pytracking's dataset
entries and the `pytracking-cmd evaluate --dataset` help are made from that table; the
benchmarks are listed with their roots in docs/evaluation-data.md.

Nothing here ships a sequence list or an attribute table: sequences are discovered on disk, or
read from the dataset's own `list.txt` (VOT-TIR) or the official toolkit's list files
(toolkit_lists: the LSOTB-TIR splits, PTB-TIR), and attributes are read from the per-sequence
attribute files of the official toolkits, which the user provides.

Accepted layouts (see docs/evaluation-data.md for the full description):

* cmd_demo / cmd_demo_rgb: LSOTB-TIR layout in `<root>/tir` / `<root>/rgb` (or directly in
  `<root>`); no sequence-count check, and attributes only from attribute files.
* LSOTB-TIR: `<root>/<seq>/img/0001.jpg` and `<root>/<seq>/groundtruth_rect.txt`,
  or the official toolkit's layout `<toolkit>/sequences/<seq>/img/` with boxes in
  `<toolkit>/anno/<seq>.txt` and attributes in `<toolkit>/anno/att/<seq>.txt` (one line of 16
  comma-separated 0/1 flags). `root` may be the toolkit folder or its `sequences` folder.
* PTB-TIR: `<root>/<seq>/img/00000001.jpg` and `<root>/<seq>/groundtruth_rect.txt`, or the
  official toolkit's layout `<toolkit>/tirsequences/<seq>/img/`, `<toolkit>/tiranno/<seq>.txt`
  and `<toolkit>/tiranno/att/<seq>.txt` (one line of 10 comma-separated 0/1 flags). When the
  toolkit's `configSeqs.m` (or its `PTB-TIR.json`) is in the root or the folder above it, the
  sequences are the ones it lists, in its order.
* VOT-TIR: `<root>/list.txt` (optional; sequences are discovered when absent),
  `<root>/<seq>/groundtruth.txt` (4-value boxes or 8-value polygons) and the frames named by the
  `channels.ir=...` entry of `<root>/<seq>/sequence`, or `%08d.png` / `%08d.jpg` in the
  sequence folder when there is no such file.

Conventions:

* Ground truth is returned as float64 `[N, 4]` arrays of `x, y, w, h` exactly as written in the
  files: NaN, zero and negative values are kept (the metrics decide what they mean).
* VOT polygons are converted to their axis-aligned bounding rectangle,
  `x = min(xs), y = min(ys), w = max(xs) - min(xs), h = max(ys) - min(ys)` (the same as
  pytracking's `VOTDataset` and the VOT toolkit's `convert_region(..., 'rectangle')`; not the
  area-preserving box). A one-value VOT line (the toolkit's special code for an unknown region)
  becomes a row of NaN.
* Frame paths are absolute; frames are not read here (16-bit frames are listed like 8-bit ones:
  read them with `cv2.IMREAD_UNCHANGED` so the data is not truncated).

This module imports only numpy and the standard library. pytracking is imported lazily, and only
when `root` is not given, to read the dataset root from `pytracking/evaluation/local.py`.
"""
import os
import re
import sys
import warnings
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Tuple

import numpy as np

from ltr_cmd.data.dataset_files import IMAGE_EXTENSIONS, format_list, read_key_values, read_lines
from ltr_cmd.data.dataset_files import read_boxes as _read_box_file
from ltr_cmd.errors import UserError
from pytracking_cmd.evaluation import toolkit_lists

__all__ = ['BenchmarkSequence', 'BenchmarkConfig', 'BENCHMARKS', 'load_benchmark', 'get_config', 'attribute_names',
           'available_attribute_names', 'filter_by_attribute', 'resolve_root', 'read_boxes',
           'read_attribute_file', 'BenchmarkError', 'BenchmarkFormatError', 'BenchmarkMissingError',
           'BenchmarkSettingsError', 'UnknownBenchmarkError', 'BenchmarkWarning']


# ---------------------------------------------------------------------------------------------
# Errors and warnings
# ---------------------------------------------------------------------------------------------

class BenchmarkError(UserError):
    """Base class of every error raised by this module."""


class BenchmarkFormatError(BenchmarkError, ValueError):
    """A file exists but its content is not what the benchmark layout requires."""


class BenchmarkMissingError(BenchmarkError, FileNotFoundError):
    """A root, sequence folder, frame folder or annotation file is missing."""


class BenchmarkSettingsError(BenchmarkError, RuntimeError):
    """No root was given and none is configured in pytracking's local.py."""


class UnknownBenchmarkError(BenchmarkError, ValueError):
    """The benchmark name is not in BENCHMARKS."""


class BenchmarkWarning(UserWarning):
    """Something a user should notice (a partial download, skipped folders), but not an error."""


# ---------------------------------------------------------------------------------------------
# Data types and the benchmark table
# ---------------------------------------------------------------------------------------------

@dataclass
class BenchmarkSequence:
    """One evaluation sequence.

    attributes:
        name - sequence name (the folder name).
        frames - absolute frame paths, in temporal order.
        ground_truth - float64 array [N, 4] of x, y, w, h (top-left corner, pixels), N == len(frames);
            NaN, zero and negative values are kept as written.
        attributes - per-sequence 0/1 attributes keyed by their short name (see
            attribute_names); only the attributes known for this sequence are present.
        benchmark - the benchmark name (a key of BENCHMARKS).
        object_class - the class part of an LSOTB-TIR style name (`<class>_<scenario>_<index>`),
            `'person'` for PTB-TIR, `'drone'` for Anti-UAV, else None.
        exist - `[N]` bool, the benchmark's per-frame "target in view" flags (Anti-UAV), else None.
    """
    name: str
    frames: List[str]
    ground_truth: np.ndarray
    attributes: Dict[str, bool] = field(default_factory=dict)
    benchmark: str = ''
    object_class: Optional[str] = None
    exist: Optional[np.ndarray] = None

    def __len__(self):
        return len(self.frames)


# (short name, long name). Order = column order of the official toolkits' attribute files.
LSOTB_TIR_ATTRIBUTES = (
    ('DEF', 'Deformation'), ('OCC', 'Occlusion'), ('DIS', 'Distractor'), ('BC', 'Background Clutter'),
    ('OV', 'Out-of-View'), ('SV', 'Scale Variation'), ('FM', 'Fast Motion'), ('MB', 'Motion Blur'),
    ('TC', 'Thermal Crossover'), ('IV', 'Intensity Variation'), ('LR', 'Low Resolution'),
    ('ARV', 'Aspect Ratio Variation'),
    ('VM', 'Vehicle-Mounted'), ('DM', 'Drone-Mounted'), ('SUR', 'Surveillance'), ('HH', 'Hand-Held'),
)
PTB_TIR_ATTRIBUTES = (
    ('DEF', 'Deformation'), ('OCC', 'Occlusion'), ('SV', 'Scale Variation'), ('BC', 'Background Clutter'),
    ('LR', 'Low Resolution'), ('FM', 'Fast Motion'), ('MB', 'Motion Blur'), ('OV', 'Out-of-View'),
    ('IV', 'Intensity Variation'), ('TC', 'Thermal Crossover'),
)
# The column order of the Anti-UAV410 toolkit's att files (its experiments/anti_uav.py)
ANTI_UAV410_ATTRIBUTES = (
    ('TC', 'Thermal Crossover'), ('OV', 'Out-of-View'), ('SV', 'Scale Variation'), ('FM', 'Fast Motion'),
    ('OC', 'Occlusion'), ('DBC', 'Dynamic Background Clutter'), ('TS', 'Tiny Size'), ('SS', 'Small Size'),
    ('MS', 'Medium Size'), ('NS', 'Normal Size'),
)
# Scenario letter of an LSOTB-TIR name -> short name of the scenario attribute.
LSOTB_TIR_SCENARIO_LETTERS = {'V': 'VM', 'D': 'DM', 'S': 'SUR', 'H': 'HH'}
_LSOTB_NAME = re.compile(r'^(?P<cls>.+)_(?P<scenario>[A-Za-z])_(?P<index>\d+)$')


@dataclass(frozen=True)
class BenchmarkConfig:
    """How one benchmark name is read.

    attributes:
        name - the benchmark name.
        title - human-readable name used in messages.
        reader - `reader(config, root, attributes_path, **options) -> list[BenchmarkSequence]`.
        root_setting - attribute of pytracking's EnvSettings (local.py) holding the root.
        attributes_setting - attribute of EnvSettings holding the attribute folder (optional).
        attributes - (short, long) attribute names, in the column order of the attribute files.
        expected_count - number of sequences of a complete download (None: no check).
        exclude - sequence names never part of this benchmark's list.
        marker - a sequence that distinguishes this list from a sibling list (None: no check).
        sibling - (name, marker) of the sibling list, for the hint in the warning.
        derive_scenarios - derive the scenario flags from the name letter when no attribute file is found.
        sequence_subdirs - toolkit folders that may hold the sequence folders below the root.
        anno_dirs - toolkit folders holding `<seq>.txt` boxes (and `att/<seq>.txt` attributes).
        object_class - object class of every sequence (None: from an LSOTB-TIR style name).
        name_suffix - appended to every sequence name, so that result files of two views of the same
            sequences (cmd_demo and cmd_demo_rgb) do not overwrite each other.
        split - a split: the sequences of the required list toolkit_lists.LISTS[name] only (an optional
            list, PTB-TIR's, orders and checks the sequences found when it is present).
        split_name - the dataset's split folder (Anti-UAV: train, val, test).
        modality - Anti-UAV300's frame folder: 'ir' or 'rgb' (None: Anti-UAV410, thermal only).
    """
    name: str
    title: str
    reader: Callable
    root_setting: str
    attributes_setting: Optional[str] = None
    attributes: Tuple[Tuple[str, str], ...] = ()
    expected_count: Optional[int] = None
    exclude: Tuple[str, ...] = ()
    marker: Optional[str] = None
    sibling: Optional[Tuple[str, str]] = None
    derive_scenarios: bool = False
    sequence_subdirs: Tuple[str, ...] = ()
    anno_dirs: Tuple[str, ...] = ()
    object_class: Optional[str] = None
    name_suffix: str = ''
    split: bool = False
    split_name: str = ''
    modality: Optional[str] = None


# ---------------------------------------------------------------------------------------------
# File parsers
# ---------------------------------------------------------------------------------------------

def read_boxes(path, polygons=False):
    """Read a ground-truth file with the shared reader (ltr_cmd.data.dataset_files.read_boxes).

    args:
        path - the annotation file
        polygons - also accept VOT regions (polygons, and the one-value code for an unknown region)
    returns:
        float64 array [N, 4] of x, y, w, h; NaN, zero and negative values are kept
    raises:
        BenchmarkMissingError - the file does not exist
        BenchmarkFormatError - an empty file, or a malformed line (the message names file:line and the text)
    """
    if not os.path.isfile(path):
        raise BenchmarkMissingError('Ground-truth file not found: {}'.format(path))
    boxes = _read_box_file(path, polygons, error=BenchmarkFormatError)
    if not len(boxes):
        raise BenchmarkFormatError('{}: the ground-truth file is empty'.format(path))
    return boxes


def read_attribute_file(path, attributes):
    """Read one per-sequence attribute file of the LSOTB-TIR / PTB-TIR toolkits.

    The format (`anno/att/<seq>.txt` in the LSOTB-TIR toolkit, `tiranno/att/<seq>.txt` in the
    PTB-TIR toolkit) is one line of 0/1 flags separated by commas (whitespace accepted too), in the
    column order of `attributes`.

    args:
        path - the attribute file.
        attributes - sequence of (short, long) names.
    returns:
        dict short name -> bool.
    raises:
        BenchmarkFormatError naming the file, the line and the expected values.
    """
    expected = '{} values (0 or 1) separated by commas: {}'.format(
        len(attributes), ', '.join(long.lower() for _, long in attributes))
    lines = read_lines(path)
    content = [(i + 1, line) for i, line in enumerate(lines) if line.strip()]
    if not content:
        raise BenchmarkFormatError('{}: the attribute file is empty; expected one line of {}'.format(path, expected))
    if len(content) > 1:
        raise BenchmarkFormatError('{}:{}: more than one line of values ({!r}); expected one line of {}'
                                   .format(path, content[1][0], content[1][1], expected))
    lineno, line = content[0]
    tokens = [t for t in re.split(r'[,\s]+', line.strip()) if t]
    flags = []
    for t in tokens:
        try:
            v = float(t)
        except ValueError:
            v = None
        if v not in (0.0, 1.0):
            raise BenchmarkFormatError('{}:{}: {!r} is not 0 or 1 in {!r}; expected {}'
                                       .format(path, lineno, t, line, expected))
        flags.append(v == 1.0)
    if len(flags) != len(attributes):
        raise BenchmarkFormatError('{}:{}: {} values in {!r}; expected {}'
                                   .format(path, lineno, len(flags), line, expected))
    return {short: flag for (short, _), flag in zip(attributes, flags)}


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------

def _frame_sort_key(filename):
    stem = os.path.splitext(filename)[0]
    return (0, int(stem), filename) if stem.isdigit() else (1, 0, filename)


def _list_frames(img_dir):
    """Image files of a frame folder sorted by frame number; error when there are none."""
    # Hidden files are skipped: `._0001.jpg` AppleDouble twins (archives made on macOS, copies to
    # FAT/exFAT disks) carry image extensions but are not frames.
    files = [f for f in os.listdir(img_dir) if f.lower().endswith(IMAGE_EXTENSIONS) and not f.startswith('.')
             and os.path.isfile(os.path.join(img_dir, f))]
    if not files:
        raise BenchmarkMissingError('No frames ({}) in {}'.format(', '.join(IMAGE_EXTENSIONS), img_dir))
    return [os.path.join(img_dir, f) for f in sorted(files, key=_frame_sort_key)]


def _check_lengths(frames, frames_where, boxes, gt_path):
    if len(frames) != len(boxes):
        raise BenchmarkFormatError('{}: {} annotation lines but {} frames in {}'
                                   .format(gt_path, len(boxes), len(frames), frames_where))


def _unique(paths):
    seen, out = set(), []
    for p in paths:
        p = os.path.normpath(p)
        if p not in seen:
            seen.add(p)
            out.append(p)
    return out


def _warn(message, stacklevel=4):
    # stacklevel 4: _warn <- reader <- load_benchmark <- the caller
    warnings.warn(message, BenchmarkWarning, stacklevel=stacklevel)


def _check_root(config, root):
    if not os.path.isdir(root):
        raise BenchmarkMissingError('{} root folder not found: {} (benchmark {!r})'
                                    .format(config.title, root, config.name))


# ---------------------------------------------------------------------------------------------
# Readers
# ---------------------------------------------------------------------------------------------

def _read_otb_style(config, root, attributes_path=None, lists_path=None):
    """LSOTB-TIR, PTB-TIR and cmd_demo: `<seq>/img/<frames>` + a `x,y,w,h` file per sequence.

    The sequences are those of the benchmark's toolkit list (toolkit_lists.LISTS) in its order when
    there is one, else every sequence folder, sorted by name.
    """
    _check_root(config, root)

    # Where the sequence folders are: the root itself, or a toolkit sub-folder (sequences/, tirsequences/).
    def sequence_dirs(base):
        return [d for d in sorted(os.listdir(base)) if os.path.isdir(os.path.join(base, d, 'img'))]

    seq_root, names = root, sequence_dirs(root)
    if not names:
        for sub in config.sequence_subdirs:
            if os.path.isdir(os.path.join(root, sub)) and sequence_dirs(os.path.join(root, sub)):
                seq_root = os.path.join(root, sub)
                names = sequence_dirs(seq_root)
                break
    listed = toolkit_lists.load_list(config.name, root, lists_path) if config.name in toolkit_lists.LISTS else None
    if listed:
        names = _listed_names(config, listed, seq_root, names)

    # Toolkit annotation folder (anno/ or tiranno/), next to the sequences or in the root.
    anno_dir = None
    for base in _unique([root, os.path.dirname(seq_root), seq_root]):
        for sub in config.anno_dirs:
            if os.path.isdir(os.path.join(base, sub)):
                anno_dir = anno_dir or os.path.join(base, sub)

    # A folder with a ground-truth file but no img/ is a sequence without frames (a listed one: see _listed_names).
    for d in [] if listed else sorted(os.listdir(seq_root)):
        path = os.path.join(seq_root, d)
        if (os.path.isfile(os.path.join(path, 'groundtruth_rect.txt'))
                and not os.path.isdir(os.path.join(path, 'img'))):
            raise BenchmarkMissingError('Sequence {!r} has {} but no frame folder {}'.format(
                d, os.path.join(path, 'groundtruth_rect.txt'), os.path.join(path, 'img')))

    # Attribute folder: explicit, else <root>/att, else <anno_dir>/att (the toolkits' layout).
    att_dir = None
    if config.attributes:
        if attributes_path is not None:
            if not os.path.isdir(attributes_path):
                raise BenchmarkMissingError('{} attribute folder not found: {}'.format(config.title, attributes_path))
            att_dir = attributes_path
        else:
            candidates = _unique([os.path.join(root, 'att'), os.path.join(seq_root, 'att')]
                                 + ([os.path.join(anno_dir, 'att')] if anno_dir else []))
            att_dir = next((c for c in candidates if os.path.isdir(c)), None)
    elif attributes_path is not None:
        raise BenchmarkFormatError('{} has no per-sequence attributes; do not pass attributes_path ({})'
                                   .format(config.title, attributes_path))

    sequences, no_gt, differing, no_att = [], [], [], []
    for name in names:
        if name in config.exclude:
            continue
        seq_dir = os.path.join(seq_root, name)
        own_gt = os.path.join(seq_dir, 'groundtruth_rect.txt')
        toolkit_gt = os.path.join(anno_dir, name + '.txt') if anno_dir else None
        if toolkit_gt and os.path.isfile(toolkit_gt):
            gt_path = toolkit_gt       # the official numbers are computed from the toolkit's files
        elif os.path.isfile(own_gt):
            gt_path = own_gt
        else:
            no_gt.append(name)
            continue
        frames = _list_frames(os.path.join(seq_dir, 'img'))
        boxes = read_boxes(gt_path)
        _check_lengths(frames, os.path.join(seq_dir, 'img'), boxes, gt_path)
        if gt_path != own_gt and os.path.isfile(own_gt):
            try:
                same = np.array_equal(read_boxes(own_gt), boxes, equal_nan=True)
            except BenchmarkError:
                same = False
            if not same:
                differing.append(name)

        match = _LSOTB_NAME.match(name)
        attributes = {}
        if config.derive_scenarios and match:
            letter = match.group('scenario').upper()
            if letter in LSOTB_TIR_SCENARIO_LETTERS:
                attributes = {s: s == LSOTB_TIR_SCENARIO_LETTERS[letter]
                              for s in LSOTB_TIR_SCENARIO_LETTERS.values()}
        if att_dir is not None:
            att_file = os.path.join(att_dir, name + '.txt')
            if os.path.isfile(att_file):
                attributes = read_attribute_file(att_file, config.attributes)   # the file wins
            else:
                no_att.append(name)

        object_class = config.object_class or (match.group('cls') if match else None)
        sequences.append(BenchmarkSequence(name=name, frames=frames, ground_truth=boxes, attributes=attributes,
                                           benchmark=config.name, object_class=object_class))

    if no_gt and listed:
        raise BenchmarkMissingError('{}: {} sequence(s) listed in {} have img/ but no ground truth '
                                    '(<seq>/groundtruth_rect.txt{}): {}'.format(
                                        config.title, len(no_gt), listed[0],
                                        ' or {}/<seq>.txt'.format(anno_dir) if anno_dir else '', format_list(no_gt)))
    if not sequences:
        raise BenchmarkMissingError(
            'No {} sequences found under {}: expected folders <seq>/img/ with <seq>/groundtruth_rect.txt{}{}'.format(
                config.title, root,
                ''.join(' (or below {}/)'.format(s) for s in config.sequence_subdirs),
                ' or {}/<seq>.txt'.format('|'.join(config.anno_dirs)) if config.anno_dirs else ''))
    if no_gt:
        _warn('{}: skipped {} folder(s) under {} that have img/ but no ground truth '
              '(groundtruth_rect.txt{}): {}'.format(config.title, len(no_gt), seq_root,
                                                     ' or {}/<seq>.txt'.format(anno_dir) if anno_dir else '',
                                                     format_list(no_gt)))
    if differing:
        _warn('{}: {} sequence(s) have both <seq>/groundtruth_rect.txt and {}/<seq>.txt with different boxes; '
              'using the toolkit files: {}'.format(config.title, len(differing), anno_dir, format_list(differing)))
    if no_att:
        _warn('{}: no attribute file in {} for {} sequence(s); their {}: {}'
              .format(config.title, att_dir, len(no_att),
                      'challenge attributes are unknown (scenario flags derived from the name)'
                      if config.derive_scenarios else 'attributes are unknown', format_list(no_att)))
    if listed:
        _check_list_count(config, *listed)
    else:
        _check_count(config, seq_root, sequences)
    return sequences


def _listed_names(config, listed, seq_root, found):
    """The names of a toolkit list, each checked to be a sequence folder of seq_root."""
    path, entries = listed
    found = set(found)
    missing = [name for name, _ in entries if name not in found]
    if missing:
        raise BenchmarkMissingError(
            '{} sequence(s) listed in {} have no folder <seq>/img/ in {}: {}. Download them, or check that the file '
            'is the list of {} ({}).'.format(len(missing), path, seq_root, format_list(missing), config.title,
                                             toolkit_lists.describe(config.name)))
    return [name for name, _ in entries]


def _check_list_count(config, path, entries):
    row = toolkit_lists.LISTS[config.name]
    if len(entries) != row.count:
        _warn('{}: {} sequences{}, but the official {} has {}: an edited or different list, whose results do not '
              'compare with published numbers'.format(path, len(entries), '' if path.endswith('.json') else
                                                      ' in ' + row.variable, row.title, row.count), stacklevel=5)


def _check_count(config, seq_root, sequences):
    if config.expected_count is None:
        return
    names = {s.name for s in sequences}
    problems = []
    if len(sequences) != config.expected_count:
        problems.append('found {} sequences, a complete download has {}'.format(len(sequences),
                                                                                config.expected_count))
    if config.marker and config.marker not in names:
        sibling_name, sibling_marker = config.sibling or (None, None)
        if sibling_marker and os.path.isdir(os.path.join(seq_root, sibling_marker)):
            problems.append('{} is missing but {} is present: this looks like the list of {!r}'
                            .format(config.marker, sibling_marker, sibling_name))
        else:
            problems.append('neither {} nor {} is present'.format(config.marker, sibling_marker)
                            if sibling_marker else '{} is missing'.format(config.marker))
    if problems:
        _warn('{} ({!r}) at {}: {} (partial download?)'.format(config.title, config.name, seq_root,
                                                                '; '.join(problems)), stacklevel=5)


_VOT_LEGACY_PATTERNS = ('%08d.png', '%08d.jpg', '{channel}/%08d.png', '{channel}/%08d.jpg',
                        'color/%08d.png', 'color/%08d.jpg')


def _expand_pattern(seq_dir, pattern, where):
    """Frames of a VOT channel pattern (printf style, numbered from 1 until the first missing file)."""
    full = os.path.join(seq_dir, pattern.replace('/', os.sep))
    if not os.path.splitext(full)[1]:
        # The VOT toolkit reads a folder-only pattern as <folder>/%08d.jpg; accept .png too.
        jpg = os.path.join(full, '%08d.jpg')
        full = jpg if os.path.isfile(jpg % 1) else os.path.join(full, '%08d.png')
    try:
        full % 1
    except (TypeError, ValueError):
        raise BenchmarkFormatError('{}: frame pattern {!r} has no frame-number field such as %08d'
                                   .format(where, pattern)) from None
    frames, i = [], 1
    while os.path.isfile(full % i):
        frames.append(full % i)
        i += 1
    if not frames:
        raise BenchmarkMissingError('No frames in sequence folder {}: nothing matches {} (from {})'
                                    .format(seq_dir, full, where))
    return frames, full


def _read_vot(config, root, attributes_path=None, channel='ir'):
    """VOT-TIR2015/2016: `list.txt`, `<seq>/sequence` metadata, `<seq>/groundtruth.txt`."""
    _check_root(config, root)
    if attributes_path is not None:
        raise BenchmarkFormatError('{} has no per-sequence attribute files; do not pass attributes_path ({})'
                                   .format(config.title, attributes_path))
    list_file = os.path.join(root, 'list.txt')
    entries = []
    if os.path.isfile(list_file):
        for i, line in enumerate(read_lines(list_file)):
            if line.strip() and not line.strip().startswith('#'):
                entries.append((line.strip(), '{}:{}'.format(list_file, i + 1)))
        if not entries:
            raise BenchmarkFormatError('{}: lists no sequences'.format(list_file))
    else:
        entries = [(d, root) for d in sorted(os.listdir(root))
                   if os.path.isfile(os.path.join(root, d, 'groundtruth.txt'))]
        if not entries:
            raise BenchmarkMissingError('No {} sequences found under {}: no list.txt and no folder with '
                                        'a groundtruth.txt'.format(config.title, root))

    sequences = []
    for name, listed_at in entries:
        seq_dir = os.path.join(root, name)
        if not os.path.isdir(seq_dir):
            raise BenchmarkMissingError('{}: sequence folder {} not found'.format(listed_at, seq_dir))
        meta_file = os.path.join(seq_dir, 'sequence')
        meta = read_key_values(meta_file) if os.path.isfile(meta_file) else {}
        channels = {k[len('channels.'):]: v for k, v in meta.items() if k.startswith('channels.')}
        if channel in channels:
            pattern, where = channels[channel], '{} channels.{}'.format(meta_file, channel)
        elif len(channels) == 1:
            (only, pattern), = channels.items()
            where = '{} channels.{}'.format(meta_file, only)
        elif channels:
            raise BenchmarkFormatError('{}: no channels.{} entry; channels present: {}'
                                       .format(meta_file, channel, ', '.join(sorted(channels))))
        else:
            tried = [p.format(channel=channel) for p in _VOT_LEGACY_PATTERNS]
            pattern = next((p for p in tried if os.path.isfile(os.path.join(seq_dir, p % 1))), tried[0])
            where = 'sequence folder {} (no channels entry; tried {})'.format(seq_dir, ', '.join(tried))
        frames, full_pattern = _expand_pattern(seq_dir, pattern, where)
        gt_path = os.path.join(seq_dir, meta.get('groundtruth', 'groundtruth.txt'))
        boxes = read_boxes(gt_path, polygons=True)
        _check_lengths(frames, full_pattern, boxes, gt_path)
        sequences.append(BenchmarkSequence(name=name, frames=frames, ground_truth=boxes, attributes={},
                                           benchmark=config.name, object_class=None))
    return sequences


_LSOTB_COMMON = dict(reader=_read_otb_style, root_setting='lsotb_tir_path',
                     attributes_setting='lsotb_tir_attributes_path', attributes=LSOTB_TIR_ATTRIBUTES,
                     expected_count=120, derive_scenarios=True, sequence_subdirs=('sequences',),
                     anno_dirs=('anno',))

#: Benchmark name -> how it is read.
BENCHMARKS = {
    'lsotb_tir': BenchmarkConfig(name='lsotb_tir', title='LSOTB-TIR', exclude=('car_D_001',), marker='cat_D_001',
                                 sibling=('lsotb_tir_legacy', 'car_D_001'), **_LSOTB_COMMON),
    'lsotb_tir_legacy': BenchmarkConfig(name='lsotb_tir_legacy', title='LSOTB-TIR (legacy list)',
                                        exclude=('cat_D_001',), marker='car_D_001',
                                        sibling=('lsotb_tir', 'cat_D_001'), **_LSOTB_COMMON),
    # the LSOTB-TIR splits (the required lists): the sequences the toolkit's list file names
    **{split: BenchmarkConfig(name=split, title=row.title, split=True, **dict(_LSOTB_COMMON, expected_count=None))
       for split, row in toolkit_lists.LISTS.items() if row.required},
    'ptb_tir': BenchmarkConfig(name='ptb_tir', title='PTB-TIR', reader=_read_otb_style, root_setting='ptb_tir_path',
                               attributes_setting='ptb_tir_attributes_path', attributes=PTB_TIR_ATTRIBUTES,
                               expected_count=60, sequence_subdirs=('tirsequences',), anno_dirs=('tiranno',),
                               object_class='person'),
    'vot_tir2015': BenchmarkConfig(name='vot_tir2015', title='VOT-TIR2015', reader=_read_vot,
                                   root_setting='vot_tir2015_path'),
    'vot_tir2016': BenchmarkConfig(name='vot_tir2016', title='VOT-TIR2016', reader=_read_vot,
                                   root_setting='vot_tir2016_path'),
    # The synthetic demo (ltr_cmd.data.synthetic.write_benchmark): <cmd_demo_path>/{tir,rgb}/<seq>/img/...
    'cmd_demo': BenchmarkConfig(name='cmd_demo', title='CMD demo benchmark (thermal)', reader=_read_otb_style,
                                root_setting='cmd_demo_path', attributes_setting='cmd_demo_attributes_path',
                                attributes=LSOTB_TIR_ATTRIBUTES, sequence_subdirs=('tir',), anno_dirs=('anno',)),
    'cmd_demo_rgb': BenchmarkConfig(name='cmd_demo_rgb', title='CMD demo benchmark (RGB)', reader=_read_otb_style,
                                    root_setting='cmd_demo_path', attributes_setting='cmd_demo_attributes_path',
                                    attributes=LSOTB_TIR_ATTRIBUTES, sequence_subdirs=('rgb',),
                                    anno_dirs=('anno',), name_suffix='_rgb'),
}


def _read_anti_uav(config, root, attributes_path=None, **options):
    from pytracking_cmd.evaluation import anti_uav   # it builds on this module
    return anti_uav.read_anti_uav(config, root, attributes_path, modality=config.modality)


def _anti_uav_benchmarks():
    out = {}
    for split, count in (('test', 120), ('val', 90), ('train', 200)):
        name = 'anti_uav410' + ('' if split == 'test' else '_' + split)
        out[name] = BenchmarkConfig(name=name, title='Anti-UAV410 ({})'.format(split), reader=_read_anti_uav,
                                    root_setting='anti_uav410_path', attributes_setting='anti_uav410_attributes_path',
                                    attributes=ANTI_UAV410_ATTRIBUTES, expected_count=count, split_name=split)
    for modality, suffix in (('ir', ''), ('rgb', '_rgb')):
        for split in ('test', 'val'):
            name = 'anti_uav300' + suffix + ('' if split == 'test' else '_' + split)
            out[name] = BenchmarkConfig(name=name, title='Anti-UAV300 {} ({})'.format(modality.upper(), split),
                                        reader=_read_anti_uav, root_setting='anti_uav300_path', split_name=split,
                                        modality=modality, name_suffix=suffix)
    return out


BENCHMARKS.update(_anti_uav_benchmarks())


# ---------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------

def get_config(name):
    """The BenchmarkConfig of `name`; UnknownBenchmarkError lists the known names."""
    try:
        return BENCHMARKS[name]
    except (KeyError, TypeError):
        raise UnknownBenchmarkError('Unknown TIR benchmark {!r}; known: {}'
                                    .format(name, ', '.join(sorted(BENCHMARKS)))) from None


def _local_py_hint():
    env = sys.modules.get('pytracking.evaluation.environment')
    if env is not None and getattr(env, '__file__', None):
        return os.path.join(os.path.dirname(os.path.abspath(env.__file__)), 'local.py')
    return 'pytracking/evaluation/local.py'


def _env_settings(config):
    try:
        from pytracking.evaluation.environment import env_settings
    except ImportError as e:
        raise BenchmarkSettingsError(
            'No root given for {!r} and pytracking cannot be imported ({}): pass root=..., or put a pytracking '
            'checkout on sys.path and set settings.{} in pytracking/evaluation/local.py'
            .format(config.name, e, config.root_setting)) from e
    return env_settings()


def resolve_root(name, settings=None):
    """The dataset root of `name` from pytracking's settings.

    args:
        name - benchmark name.
        settings - an object with the `*_path` attributes (pytracking's EnvSettings); when None,
            `pytracking.evaluation.environment.env_settings()` is called.
    raises:
        BenchmarkSettingsError - the attribute is unset or empty (the message names the attribute
            and local.py).
    """
    config = get_config(name)
    if settings is None:
        settings = _env_settings(config)
    value = getattr(settings, config.root_setting, None)
    if value is None or not str(value).strip():
        raise BenchmarkSettingsError(
            'The {} root is not set: add  settings.{} = \'/path/to/{}\'  to local_env_settings() in {} '
            '(or pass root=...)'.format(config.title, config.root_setting, config.title, _local_py_hint()))
    return os.fspath(value)


def load_benchmark(name, root=None, attributes_path=None, *, settings=None, channel='ir'):
    """Load every sequence of a TIR benchmark.

    args:
        name - a key of BENCHMARKS.
        root - dataset root; when None it is read from pytracking's local.py (attribute
            `BENCHMARKS[name].root_setting`, e.g. `lsotb_tir_path`).
        attributes_path - folder of per-sequence attribute files `<seq>.txt` (LSOTB-TIR, PTB-TIR,
            cmd_demo). When None: local.py's `*_attributes_path` if root was also taken from
            local.py and it is set, else `<root>/att`, else `att` in the folder holding the
            sequence folders, else the toolkits' `anno/att` / `tiranno/att`. Without any,
            LSOTB-TIR still gets the four scenario flags from the scenario letter of each name
            (H/D/S/V).
        settings - pytracking EnvSettings to read root/attributes_path from (default: env_settings()).
        channel - VOT-TIR channel to read (`channels.<channel>=` in the `sequence` files).
    returns:
        list of BenchmarkSequence, sorted by name; in the list's order for a toolkit list
        (toolkit_lists.LISTS: the LSOTB-TIR splits, PTB-TIR when its configSeqs.m or PTB-TIR.json
        is in the root or the folder above it) and for VOT-TIR's `list.txt`.
    Warns:
        BenchmarkWarning: a partial download (LSOTB-TIR count != 120 or its list marker missing,
            PTB-TIR count != 60), a toolkit list of another count than the official one, skipped
            folders, missing attribute files.
    """
    config = get_config(name)
    if root is None:
        if settings is None:
            settings = _env_settings(config)
        root = resolve_root(name, settings)
        if attributes_path is None and config.attributes_setting:
            value = getattr(settings, config.attributes_setting, None)
            attributes_path = os.fspath(value) if value is not None and str(value).strip() else None
    root = os.path.abspath(os.path.expanduser(os.fspath(root)))
    if attributes_path is not None:
        attributes_path = os.path.abspath(os.path.expanduser(os.fspath(attributes_path)))
    if config.reader is _read_vot:
        options = {'channel': channel}
    elif config.reader is _read_anti_uav:
        options = {}
    else:
        row = toolkit_lists.LISTS.get(name)
        value = getattr(settings, row.setting, None) if row and row.setting and settings is not None else None
        options = {'lists_path': os.path.expanduser(os.fspath(value)) if value is not None and str(value).strip()
                   else None}
    sequences = config.reader(config, root, attributes_path, **options)
    for sequence in sequences:
        sequence.name += config.name_suffix
    return sequences


def attribute_names(name, mode='short'):
    """All attribute names a benchmark defines, in the column order of its attribute files.

    args:
        mode - `'short'` (e.g. `'TC'`, the keys of `BenchmarkSequence.attributes`) or
            `'long'` (e.g. `'Thermal Crossover'`).
    """
    if mode not in ('short', 'long'):
        raise ValueError("mode must be 'short' or 'long', got {!r}".format(mode))
    return [s if mode == 'short' else l for s, l in get_config(name).attributes]


def available_attribute_names(sequences, name, mode='short'):
    """The attributes of `name` known for every one of `sequences` (e.g. only the four scenario
    flags for LSOTB-TIR when no attribute files were found)."""
    specs = [(s, l) for s, l in get_config(name).attributes
             if sequences and all(s in seq.attributes for seq in sequences)]
    return [s if mode == 'short' else l for s, l in specs]


def _normalise(text):
    return re.sub(r'[\s_-]+', ' ', str(text)).strip().lower()


def filter_by_attribute(sequences, name, attribute):
    """The sequences of `name` that have `attribute` (a short or long name, case-insensitive).

    raises:
        ValueError - the benchmark has no such attribute (lists the valid names), or the attribute
            is unknown for some sequences (no attribute file).
    """
    specs = get_config(name).attributes
    short = next((s for s, l in specs if attribute == s or _normalise(attribute) in (_normalise(s), _normalise(l))),
                 None)
    if short is None:
        valid = ', '.join('{} ({})'.format(s, l) for s, l in specs) or 'none'
        raise ValueError('{!r} is not an attribute of {!r}; valid: {}'.format(attribute, name, valid))
    unknown = [seq.name for seq in sequences if short not in seq.attributes]
    if unknown:
        raise ValueError('Attribute {!r} is unknown for {} sequence(s) of {!r} (no attribute file): {}'
                         .format(attribute, len(unknown), name, format_list(unknown)))
    return [seq for seq in sequences if seq.attributes[short]]
