"""Readers for aligned RGB-TIR sources: sequences of frame pairs, paired so they cannot silently mis-pair.

CMD trains on *unlabelled* aligned RGB/TIR pairs: a source only has to say which RGB file goes
with which TIR file. This module does that for LasHeR, RGBT234, RGBT210, GTOT, KAIST
multispectral, side-by-side RGB|TIR images and a documented generic layout (`docs/data.md`).
It does not import `ltr` or `pytracking`; the ltr `BaseVideoDataset` adapter is a thin
layer on top of PairedSource.

Pairing rules (the point of this module):

* modalities are named (`'rgb'` / `'tir'`), never implied by list position;
* where frame names carry an index (`v000`/`i000`, `00001v`/`00001i`, `I00001` in
  both), frames are paired **by that index**, not by sort position; an index present in one
  modality only is an error naming the file(s); so is an index that occurs twice;
* in the generic layout frames are paired **by identical file stem**;
* RGB and TIR frame counts must match per sequence (SourceError naming the sequence
  folder and both counts);
* the two images of a pair must have the same size: checked when a pair is read
  (check_pair_sizes, called by PairedSource.read_pair) and, eagerly, by
  PairedSource.verify.

Sequences that cannot be used (fewer than `min_frames` pairs, folders that are not sequences,
and with `strict=False` sequences that fail the pairing checks) are never dropped silently:
they are listed in PairedSource.skipped with the reason, and summarised in one
`logging` warning (or, in training, in the summary ltr_cmd.training.data_summary prints).

Ground-truth boxes are not read: CMD trains without labels.
"""
import csv
import logging
import os
import re
import zipfile
from collections import namedtuple

import numpy as np
from PIL import Image

from ltr_cmd.errors import UserError

from .dataset_files import IMAGE_EXTENSIONS, format_list
from .image_io import THERMAL_SCALINGS, read_rgb, read_side_by_side, read_thermal

__all__ = ['ROOT_ATTRIBUTES', 'SOURCES', 'SourceError', 'SourceNotFoundError', 'PairedSequence', 'SkippedSequence',
           'PairedSource',
           'LasHeRSource', 'RGBT234Source', 'RGBT210Source', 'GTOTSource', 'KAISTSource', 'SideBySideSource',
           'GenericPairsSource', 'FrameNames', 'check_pair_sizes', 'frame_index_from_name', 'make_source',
           'register_source', 'write_generic_index']

logger = logging.getLogger(__name__)

#: Registry name -> attribute of `ltr/admin/local.py` (EnvironmentSettings) holding the root folder.
ROOT_ATTRIBUTES = {
    'lasher': 'lasher_dir',
    'rgbt234': 'rgbt234_dir',
    'rgbt210': 'rgbt210_dir',
    'gtot': 'gtot_dir',
    'kaist': 'kaist_dir',
    'side_by_side': 'sbs_rgbt_dir',
    'generic': 'rgbt_pairs_dir',
}



class SourceError(UserError, ValueError):
    """Data or options of an RGB-T source that cannot be used as given: frames without a partner, unequal
    counts or sizes, malformed names or index lines, unknown splits or sources; the message names the
    file or folder and says what to fix."""


class SourceNotFoundError(UserError, FileNotFoundError):
    """A source's root folder or split list file does not exist (the message names it and the setting)."""


SkippedSequence = namedtuple('SkippedSequence', ['name', 'path', 'reason'])
SkippedSequence.__doc__ = 'A sequence folder that a source did not use, and why.'

# ----------------------------------------------------------------------------------------------
# Small helpers
# ----------------------------------------------------------------------------------------------

def _natural_key(text):
    """Sort key that orders embedded numbers numerically ('f2' < 'f10')."""
    return [int(t) if t.isdigit() else t.lower() for t in re.split(r'(\d+)', text)]


def _is_image(filename):
    dot = filename.rfind('.')  # os.path.splitext per file is the cost of listing 1.4M frames
    return dot > 0 and filename[dot:].lower() in IMAGE_EXTENSIONS


def _list_images(folder, natural_sort=True):
    """Image file names (not paths) directly in `folder`, natural-sorted (or as listed)."""
    with os.scandir(folder) as it:
        names = [e.name for e in it if not e.name.startswith('.') and _is_image(e.name) and e.is_file()]
    return sorted(names, key=_natural_key) if natural_sort else names


def _list_subdirs(folder):
    """Sub-folder names of `folder`, natural-sorted, without hidden and `__MACOSX`-style ones."""
    with os.scandir(folder) as it:
        names = [e.name for e in it if e.is_dir() and not e.name.startswith(('.', '__'))]
    return sorted(names, key=_natural_key)


_INDEX_RE = re.compile(r'^[A-Za-z_]*?(\d+)[A-Za-z_]*$')


def frame_index_from_name(filename, folder=''):
    """The frame index carried by a frame file name: `v000.jpg` -> 0, `00001i.jpg` -> 1, `I00012.jpg` -> 12.

    The stem must be letters/underscores, one run of digits, letters/underscores. Anything else
    raises SourceError naming the file (such a file cannot be paired by index).
    """
    dot = filename.rfind('.')
    m = _INDEX_RE.match(filename[:dot] if dot > 0 else filename)
    if m is None:
        raise SourceError('cannot read a frame index from the file name {} (expected names such as v000.jpg, '
                         '00001i.jpg or I00001.jpg)'.format(os.path.join(folder, filename)))
    return int(m.group(1))


def _keyed(folder, files, key_fn, key_desc):
    """Map key -> file name, raising when two files share a key."""
    keyed = {}
    for f in files:
        k = key_fn(f, folder)
        if k in keyed:
            raise SourceError('two frames with the same {} {!r} in {}: {} and {}'.format(
                key_desc, k, folder, keyed[k], f))
        keyed[k] = f
    return keyed


def _pair_frames(seq_dir, rgb_dir, rgb_files, tir_dir, tir_files, key_fn, key_desc):
    """Pair two frame folders by a key derived from the file name; return (rgb FrameNames, tir FrameNames).

    Frames are ordered by key. Raises SourceError naming the sequence folder, both counts
    and the files present in one modality only.
    """
    rgb = _keyed(rgb_dir, rgb_files, key_fn, key_desc)
    tir = _keyed(tir_dir, tir_files, key_fn, key_desc)
    only_rgb = sorted(set(rgb) - set(tir), key=lambda k: _natural_key(str(k)))
    only_tir = sorted(set(tir) - set(rgb), key=lambda k: _natural_key(str(k)))
    if only_rgb or only_tir:
        if len(rgb) != len(tir):
            head = 'sequence folder {}: {} rgb frames but {} tir frames'.format(seq_dir, len(rgb), len(tir))
        else:
            head = 'sequence folder {}: {} rgb and {} tir frames, but their {} values differ'.format(
                seq_dir, len(rgb), len(tir), key_desc)
        details = []
        if only_rgb:
            details.append('only in rgb: ' + format_list(os.path.join(rgb_dir, rgb[k]) for k in only_rgb))
        if only_tir:
            details.append('only in tir: ' + format_list(os.path.join(tir_dir, tir[k]) for k in only_tir))
        raise SourceError('{}; frames without a partner ({} not found in the other modality): {}'.format(
            head, key_desc, '; '.join(details)))
    keys = sorted(rgb) if key_fn is frame_index_from_name else sorted(rgb, key=_natural_key)
    return FrameNames(rgb_dir, [rgb[k] for k in keys]), FrameNames(tir_dir, [tir[k] for k in keys])


def _stem_key(filename, folder=''):
    return os.path.splitext(filename)[0]


def check_pair_sizes(rgb, tir, rgb_path, tir_path):
    """Raise SourceError naming both paths and shapes if the two images differ in height or width."""
    if tuple(rgb.shape[:2]) != tuple(tir.shape[:2]):
        raise SourceError('RGB/TIR pair has different image sizes: rgb {} has shape {}, tir {} has shape {} '
                         '(an aligned pair must have equal height and width)'.format(
                             rgb_path, tuple(rgb.shape), tir_path, tuple(tir.shape)))


def _header_size(path):
    """(width, height) from the image header (PIL reads only the header), or None if it cannot be read."""
    try:
        with Image.open(path) as image:
            return image.size
    except (OSError, ValueError, Image.DecompressionBombError):
        return None


def _check_header_sizes(seq_dir, rgb_path, tir_path):
    """Raise SourceError when the first pair of a sequence differs in size (cheap: image headers only).

    Sequences whose cameras were recorded at different resolutions are not aligned pairs; reading
    every frame to find out would be slow, so the first pair stands for the sequence. A frame whose
    header cannot be read is left to the loader, which replaces it (PairedFrameDataset).
    """
    rgb_size, tir_size = _header_size(rgb_path), _header_size(tir_path)
    if rgb_size and tir_size and rgb_size != tir_size:
        raise SourceError('sequence folder {}: rgb and tir frames differ in size: {} is {}x{}, {} is {}x{} (an '
                          'aligned pair must have equal width and height)'.format(
                              seq_dir, rgb_path, rgb_size[0], rgb_size[1], tir_path, tir_size[0], tir_size[1]))


def _check_root(root, attribute, source_name):
    if root is None or (isinstance(root, str) and root.strip() == ''):
        raise SourceError('no root folder given for the {} source: pass root=... or set `{}` in '
                         'ltr/admin/local.py'.format(source_name, attribute))
    root = os.fspath(root)
    if not os.path.isdir(root):
        raise SourceNotFoundError('{} root folder not found: {} (set `{}` in ltr/admin/local.py, or pass root=, to the '
                                'folder that holds the sequences)'.format(source_name, root, attribute))
    return root


class _NotASequence(Exception):
    """Raised by a reader for a folder that is not a sequence of its layout (reported, not fatal)."""


# ----------------------------------------------------------------------------------------------
# Records
# ----------------------------------------------------------------------------------------------

_NUMBERED = re.compile(r'^(\D*?)(\d+)(\D*\.[^.]+)$')  # prefix, number, suffix with the extension


class FrameNames:
    """The frame files of one folder, in frame order, stored compactly: a source at LasHeR's scale (730k
    pairs) is copied into every rank and loader worker, where a list of path strings takes about 200 MB.
    Names of one pattern (`v000123.jpg`: prefix, zero-padded number, suffix) are kept as a numpy array of
    their numbers, other names as a numpy string array. Indexing gives the full path; it compares equal to
    a list of the same paths.

    args:
        folder - the folder
        names - file names in frame order
    """

    def __init__(self, folder, names):
        self.folder = folder
        self.pattern, self.numbers, self.names = None, None, None
        matches = list(map(_NUMBERED.match, names))
        if names and all(matches):
            prefix, suffix, width = matches[0].group(1), matches[0].group(3), len(matches[0].group(2))
            numbers = np.array([int(m.group(2)) for m in matches], dtype=np.int64)
            if all(n == '{}{:0{}d}{}'.format(prefix, k, width, suffix) for n, k in zip(names, numbers.tolist())):
                self.pattern, self.numbers = (prefix, width, suffix), numbers
        if self.pattern is None:
            self.names = np.array(names, dtype=str)

    @classmethod
    def restore(cls, folder, pattern, numbers, names):
        """A FrameNames as SourceIndex stored it: pattern 'prefix/width/suffix' ('/' is in no file name), or ''."""
        frames = cls.__new__(cls)
        frames.folder, frames.numbers, frames.names = folder, None, None
        if pattern:
            prefix, width, suffix = pattern.split('/')
            frames.pattern, frames.numbers = (prefix, int(width), suffix), numbers
        else:
            frames.pattern, frames.names = None, names
        return frames

    def __len__(self):
        return len(self.numbers) if self.pattern else len(self.names)

    def name(self, i):
        if self.pattern:
            prefix, width, suffix = self.pattern
            return '{}{:0{}d}{}'.format(prefix, int(self.numbers[i]), width, suffix)
        return str(self.names[i])

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        return os.path.join(self.folder, self.name(i))

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def __eq__(self, other):
        return list(self) == list(other)

    def __repr__(self):
        return 'FrameNames({!r}, {} files)'.format(self.folder, len(self))


class PairedSequence:
    """One sequence of aligned RGB/TIR frame pairs (a small record).

    attributes:
        name - sequence name, unique within its source (`'set00/V000'` for KAIST).
        rgb_frames, tir_frames - file paths (FrameNames, or lists), equal length, frame `i` of one pairs
            with frame `i` of the other. For side-by-side sources both are the same list of pair images
            and `side_by_side` is True.
        source - registry name of the source (`'lasher'`, ...).
        path - the sequence folder.
    """

    def __init__(self, name, rgb_frames, tir_frames, source='', side_by_side=False, path=None):
        if len(rgb_frames) != len(tir_frames):
            raise SourceError('sequence {}: {} rgb frames but {} tir frames'.format(
                path or name, len(rgb_frames), len(tir_frames)))
        self.name = name
        self.rgb_frames = rgb_frames
        self.tir_frames = tir_frames
        self.source = source
        self.side_by_side = bool(side_by_side)
        self.path = path

    def __len__(self):
        return len(self.rgb_frames)

    def frame_paths(self, frame_index):
        """`{'rgb': path, 'tir': path}` of pair `frame_index` (the same file for side-by-side)."""
        n = len(self)
        if not -n <= frame_index < n:
            raise IndexError('frame index {} out of range for sequence {} with {} frame pairs'.format(
                frame_index, self.name, n))
        return {'rgb': self.rgb_frames[frame_index], 'tir': self.tir_frames[frame_index]}

    def __repr__(self):
        return 'PairedSequence(name={!r}, source={!r}, frames={}, side_by_side={})'.format(
            self.name, self.source, len(self), self.side_by_side)


class _Unusable(namedtuple('_Unusable', ['reason', 'error'])):
    """A sequence folder that is not used: not a sequence of the layout (error False) or failing a pairing
    check (error True: raised with strict=True)."""


class SourceIndex:
    """The source's index file: what walking its sequence folders found, kept in
    `<index_dir>/<source>-<hash of the root>.npz`, so that a start at LasHeR's scale (1,224 folders, 1.46M
    frame files) lists only the folders that changed. An entry is reused while the modification times of
    its folder and modality folders are those recorded (adding, removing or renaming a frame changes them);
    a file written in place is not noticed, which the loader's per-pair checks cover. The file holds only
    arrays (loaded with allow_pickle=False) and is replaced atomically, so ranks starting together can
    each write it.

    args:
        index_dir - the folder of the index file (created when needed)
        source - the PairedSource being built
    """
    VERSION = 1

    def __init__(self, index_dir, source):
        import hashlib
        key = hashlib.sha1(os.path.realpath(source.root).encode()).hexdigest()[:12]
        self.path = os.path.join(os.fspath(index_dir), '{}-{}.npz'.format(source.source_name, key))
        self.source_name = source.source_name
        self.entries, self.used, self.reread = {}, set(), 0
        try:
            self._load()
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as error:  # absent, damaged, other version
            if os.path.exists(self.path):
                logger.warning('source index %s not used (%s); the folders are walked again', self.path, error)
            self.entries = {}

    def get(self, name, path, stamps):
        """The PairedSequence or _Unusable recorded for `path` when its stamps match, else None."""
        entry = self.entries.get(path)
        if entry is None or entry[0] != list(stamps):
            return None
        self.used.add(path)
        found = entry[1]
        if isinstance(found, _Unusable):
            return found
        rgb, tir, side_by_side = found
        return PairedSequence(name, rgb, tir, source=self.source_name, side_by_side=side_by_side, path=path)

    def put(self, path, stamps, found):
        """Record what reading `path` gave (sequences of listed file lists are not indexable: not kept)."""
        if isinstance(found, PairedSequence):
            if not isinstance(found.rgb_frames, FrameNames) or not isinstance(found.tir_frames, FrameNames):
                return
            found = (found.rgb_frames, found.tir_frames, found.side_by_side)
        self.entries[path] = (list(stamps), found)
        self.used.add(path)
        self.reread += 1

    def save(self):
        """Write the entries of this build (when anything was read again), atomically."""
        if not self.reread and self.used == set(self.entries):
            return
        arrays = {'version': np.array(self.VERSION)}
        paths = sorted(self.used)
        arrays['paths'] = np.array(paths, dtype=str)
        arrays['stamps'] = np.array([self.entries[p][0] for p in paths], dtype=np.int64).reshape(len(paths), 3)
        kinds, reasons, folders, patterns, numbers, names = [], [], [], [], [], []
        for p in paths:
            found = self.entries[p][1]
            if isinstance(found, _Unusable):
                kinds.append(2 if found.error else 1)
                reasons.append(found.reason)
                continue
            kinds.append(3 if found[2] else 0)
            reasons.append('')
            for frames in found[:2]:
                folders.append(frames.folder)
                patterns.append('' if frames.pattern is None else '{}/{}/{}'.format(*frames.pattern))
                numbers.append(frames.numbers if frames.pattern else np.zeros(0, dtype=np.int64))
                names.append(np.zeros(0, dtype=str) if frames.pattern else frames.names)
        arrays.update(kinds=np.array(kinds, dtype=np.int8), reasons=np.array(reasons, dtype=str),
                      folders=np.array(folders, dtype=str), patterns=np.array(patterns, dtype=str),
                      number_counts=np.array([len(n) for n in numbers], dtype=np.int64),
                      numbers=np.concatenate(numbers) if numbers else np.zeros(0, dtype=np.int64),
                      name_counts=np.array([len(n) for n in names], dtype=np.int64),
                      names=np.concatenate(names) if names else np.zeros(0, dtype=str))
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        tmp = '{}.{}.tmp.npz'.format(self.path[:-len('.npz')], os.getpid())
        np.savez(tmp, **arrays)
        os.replace(tmp, self.path)

    def _load(self):
        with np.load(self.path, allow_pickle=False) as data:
            if int(data['version']) != self.VERSION:
                raise ValueError('version {}, this plugin writes {}'.format(int(data['version']), self.VERSION))
            numbers = np.split(data['numbers'], np.cumsum(data['number_counts'])[:-1])
            names = np.split(data['names'], np.cumsum(data['name_counts'])[:-1])
            folders, patterns = data['folders'].tolist(), data['patterns'].tolist()
            frames = 0
            for path, stamps, kind, reason in zip(data['paths'].tolist(), data['stamps'].tolist(),
                                                  data['kinds'].tolist(), data['reasons'].tolist()):
                if kind in (1, 2):
                    found = _Unusable(reason, error=kind == 2)
                else:
                    pair = [FrameNames.restore(folders[k], patterns[k], numbers[k], names[k])
                            for k in (frames, frames + 1)]
                    frames += 2
                    found = (pair[0], pair[0] if kind == 3 else pair[1], kind == 3)
                self.entries[path] = (stamps, found)


# ----------------------------------------------------------------------------------------------
# Sources
# ----------------------------------------------------------------------------------------------

class PairedSource:
    """Base class: a list of PairedSequence read from one root folder.

    args:
        root - the dataset folder (required; the ltr adapter passes `env_settings().<attribute>`,
            see ROOT_ATTRIBUTES).
        min_frames - sequences with fewer frame pairs are skipped and reported (e.g. 20 for
            pytracking's samplers, which need that many visible frames by default).
        sequence_names - optional list of sequence names to use (in that order); a name that is
            not found is an error (`strict`) or a skipped entry.
        strict - if True (default) a pairing error in any sequence raises; if False the sequence
            is skipped and reported with the error text as reason.
        thermal_scaling, thermal_percentiles, thermal_range - how read_pair maps non-8-bit
            thermal frames to 8 bits (see ltr_cmd.data.image_io).
        log_skipped - log one warning listing the skipped sequences (training prints its own summary).
        index_dir - a folder for the source's index file (SourceIndex): the walk of the sequence folders is
            kept there and reused while a folder's modification time is unchanged (None: walk every time).

    attributes:
        sequences - the usable sequences
        skipped - list of SkippedSequence
        index - the SourceIndex used (None without index_dir)
    """

    #: registry name, also the `source` of each sequence.
    source_name = None
    #: short description of the layout, used in error messages.
    layout = ''

    def __init__(self, root, min_frames=1, sequence_names=None, strict=True, thermal_scaling='minmax',
                 thermal_percentiles=(0.5, 99.5), thermal_range=None, log_skipped=True, index_dir=None):
        self.root = _check_root(root, ROOT_ATTRIBUTES.get(self.source_name, 'the dataset root'), self.source_name)
        if thermal_scaling not in THERMAL_SCALINGS:
            raise SourceError('unknown thermal_scaling {!r}; known: {}'.format(thermal_scaling,
                                                                             ', '.join(THERMAL_SCALINGS)))
        if thermal_scaling == 'fixed' and thermal_range is None:
            raise SourceError("thermal_scaling='fixed' needs thermal_range=(lo, hi)")
        self.thermal_scaling = thermal_scaling
        self.thermal_percentiles = tuple(thermal_percentiles)
        self.thermal_range = None if thermal_range is None else tuple(thermal_range)
        self.min_frames = int(min_frames)
        self.strict = bool(strict)

        sequences, skipped = [], []
        candidates = self._candidates()
        if sequence_names is not None:
            by_name = dict(candidates)
            candidates = []
            for name in sequence_names:
                if name in by_name:
                    candidates.append((name, by_name[name]))
                elif self.strict:
                    raise SourceError('sequence {!r} not found in {} source at {}'.format(name, self.source_name,
                                                                                        self.root))
                else:
                    skipped.append(SkippedSequence(name, os.path.join(self.root, name), 'sequence not found'))
        self.index = SourceIndex(index_dir, self) if index_dir else None
        for name, path in candidates:
            stamps = self._stamps(path) if self.index else None
            found = self.index.get(name, path, stamps) if self.index else None
            if found is None:
                try:
                    found = self._read_sequence(name, path)
                except _NotASequence as e:
                    found = _Unusable(str(e), error=False)
                except (ValueError, OSError) as e:
                    if self.strict:
                        raise
                    found = _Unusable(str(e), error=True)
                if self.index:
                    self.index.put(path, stamps, found)
            if isinstance(found, _Unusable):
                if found.error and self.strict:
                    raise SourceError(found.reason)
                skipped.append(SkippedSequence(name, path, found.reason))
                continue
            seq = found
            if len(seq) < self.min_frames:
                skipped.append(SkippedSequence(name, path, '{} frame pairs, fewer than min_frames={}'.format(
                    len(seq), self.min_frames)))
                continue
            sequences.append(seq)

        self.sequences = sequences
        self.skipped = skipped
        self._index = {s.name: i for i, s in enumerate(sequences)}
        if self.index:
            self.index.save()
        if skipped and log_skipped:
            logger.warning('%s source at %s: skipped %d of %d sequence folders: %s', self.source_name, self.root,
                           len(skipped), len(skipped) + len(sequences),
                           format_list('{} ({})'.format(s.name, s.reason) for s in skipped))
        if not sequences:
            raise SourceError('{} source at {} has no usable sequences{} (expected layout: {})'.format(
                self.source_name, self.root,
                '' if not skipped else '; skipped {}: {}'.format(
                    len(skipped), format_list('{} ({})'.format(s.name, s.reason) for s in skipped)),
                self.layout))

    # -- hooks for subclasses ------------------------------------------------------------------
    def _candidates(self):
        """List of `(name, folder)` of candidate sequences. Default: the root's sub-folders."""
        return [(d, os.path.join(self.root, d)) for d in _list_subdirs(self.root)]

    def _read_sequence(self, name, path):
        raise NotImplementedError

    def _stamps(self, path):
        """Modification times (ns, -1 when absent) of the folders whose listing makes the sequence at `path`:
        adding, removing or renaming a frame changes one of them."""
        stamps = []
        for folder in (path, getattr(self, 'rgb_folder', None), getattr(self, 'tir_folder', None)):
            try:
                stamps.append(os.stat(os.path.join(path, folder)).st_mtime_ns if folder is not None else -1)
            except OSError:
                stamps.append(-1)
        return stamps

    # -- public API ----------------------------------------------------------------------------
    @property
    def name(self):
        return self.source_name

    def __len__(self):
        return len(self.sequences)

    def __iter__(self):
        return iter(self.sequences)

    def __getitem__(self, seq):
        return self.get_sequence(seq)

    @property
    def sequence_names(self):
        return [s.name for s in self.sequences]

    @property
    def num_skipped(self):
        return len(self.skipped)

    def get_sequence(self, seq):
        """A sequence by position (int) or by name (str); a PairedSequence is returned as is."""
        if isinstance(seq, PairedSequence):
            return seq
        if isinstance(seq, str):
            try:
                return self.sequences[self._index[seq]]
            except KeyError:
                raise KeyError('no sequence named {!r} in {} source at {}'.format(seq, self.source_name,
                                                                                 self.root)) from None
        return self.sequences[seq]

    def read_pair(self, seq, frame_index):
        """Read pair `frame_index` of `seq` (index, name or sequence): `{'rgb': HxWx3, 'tir': HxWx3}` uint8.

        The two images are checked to have the same size (check_pair_sizes).
        """
        seq = self.get_sequence(seq)
        paths = seq.frame_paths(frame_index)
        if seq.side_by_side:
            rgb, tir = read_side_by_side(paths['rgb'], scaling=self.thermal_scaling,
                                         percentiles=self.thermal_percentiles, value_range=self.thermal_range)
        else:
            rgb = read_rgb(paths['rgb'])
            tir = read_thermal(paths['tir'], scaling=self.thermal_scaling, percentiles=self.thermal_percentiles,
                               value_range=self.thermal_range)
            check_pair_sizes(rgb, tir, paths['rgb'], paths['tir'])
        return {'rgb': rgb, 'tir': tir}

    def verify(self, max_pairs_per_sequence=None, raise_on_error=True):
        """Eagerly read pairs and check that they decode and have equal sizes.

        args:
            max_pairs_per_sequence - check at most this many pairs per sequence, spread evenly over
                it (None: all, which decodes every image and is slow on large sources).
            raise_on_error - raise one SourceError listing the problems found, else return them.

        returns:
            dict with `'sequences'`, `'pairs_checked'` and `'problems'` (list of strings).
        """
        problems, checked = [], 0
        for seq in self.sequences:
            n = len(seq)
            if max_pairs_per_sequence is None or max_pairs_per_sequence >= n:
                indices = range(n)
            else:
                indices = sorted(set(np.linspace(0, n - 1, max(1, int(max_pairs_per_sequence))).round().astype(int)))
            for i in indices:
                try:
                    self.read_pair(seq, int(i))
                except (ValueError, OSError) as e:
                    problems.append(str(e))
                checked += 1
        if problems and raise_on_error:
            raise SourceError('{} source at {}: {} problem(s) found:\n  {}'.format(
                self.source_name, self.root, len(problems), format_list(problems, 50, '\n  ')))
        return {'sequences': len(self.sequences), 'pairs_checked': checked, 'problems': problems}

    def summary(self):
        """Counts for logs: sequences, frame pairs, skipped (with reasons)."""
        return {'source': self.source_name, 'root': self.root, 'sequences': len(self.sequences),
                'frame_pairs': sum(len(s) for s in self.sequences), 'skipped': len(self.skipped),
                'skipped_reasons': [(s.name, s.reason) for s in self.skipped]}

    def __repr__(self):
        return '{}(root={!r}, sequences={}, skipped={})'.format(type(self).__name__, self.root, len(self.sequences),
                                                               len(self.skipped))


class _TwoFolderSource(PairedSource):
    """A sequence folder holding one sub-folder per modality, paired by frame index or stem."""

    rgb_folder = 'visible'
    tir_folder = 'infrared'
    pairing = 'index'        # 'index' or 'stem'

    def _read_sequence(self, name, path):
        rgb_dir = os.path.join(path, self.rgb_folder)
        tir_dir = os.path.join(path, self.tir_folder)
        has_rgb, has_tir = os.path.isdir(rgb_dir), os.path.isdir(tir_dir)
        if not has_rgb and not has_tir:
            raise _NotASequence('no {}/ or {}/ folder'.format(self.rgb_folder, self.tir_folder))
        if not (has_rgb and has_tir):
            present, missing = (rgb_dir, tir_dir) if has_rgb else (tir_dir, rgb_dir)
            raise SourceError('sequence folder {}: {} rgb frames but {} tir frames ({} has {} images, {} is '
                             'missing)'.format(path, len(_list_images(rgb_dir)) if has_rgb else 0,
                                               len(_list_images(tir_dir)) if has_tir else 0,
                                               present, len(_list_images(present)), missing))
        key_fn, key_desc = (frame_index_from_name, 'frame index') if self.pairing == 'index' else (_stem_key, 'stem')
        rgb, tir = _pair_frames(path, rgb_dir, _list_images(rgb_dir, False), tir_dir, _list_images(tir_dir, False),
                                key_fn, key_desc)
        if rgb:
            _check_header_sizes(path, rgb[0], tir[0])
        return PairedSequence(name, rgb, tir, source=self.source_name, path=path)


class LasHeRSource(_TwoFolderSource):
    """LasHeR: `<root>/<seq>/visible/v000.jpg`, `<root>/<seq>/infrared/i000.jpg`.

    `split`: None (every sequence folder under `root`), `'train'` or `'test'`: the names
    listed in `<root>/trainingsetList.txt` / `<root>/testingsetList.txt` (shipped in some
    downloads); a listed sequence is looked for at `<root>/<name>`, then under
    `<root>/trainingset/` or `<root>/testingset/`.
    """
    source_name = 'lasher'
    layout = '<root>/<seq>/visible/v000.jpg, <root>/<seq>/infrared/i000.jpg, <root>/<seq>/init.txt'
    split_files = {'train': ('trainingsetList.txt', 'trainingset'), 'test': ('testingsetList.txt', 'testingset')}

    def __init__(self, root, split=None, **kwargs):
        if split is not None and split not in self.split_files:
            raise SourceError('unknown LasHeR split {!r}; use None, {}'.format(split, ', '.join(
                repr(s) for s in self.split_files)))
        self.split = split
        super().__init__(root, **kwargs)

    def _candidates(self):
        if self.split is None:
            return super()._candidates()
        list_name, sub = self.split_files[self.split]
        list_file = os.path.join(self.root, list_name)
        if not os.path.isfile(list_file):
            raise SourceNotFoundError('LasHeR split {!r} needs the list file {} (shipped with some downloads); use '
                                    'split=None to read every sequence folder under the root'.format(
                                        self.split, list_file))
        with open(list_file, 'r', encoding='utf-8-sig') as f:
            names = [line.strip() for line in f if line.strip()]
        out = []
        for n in names:
            path = os.path.join(self.root, n)
            if not os.path.isdir(path) and os.path.isdir(os.path.join(self.root, sub, n)):
                path = os.path.join(self.root, sub, n)
            out.append((n, path))
        return out

    def _read_sequence(self, name, path):
        if not os.path.isdir(path):
            raise SourceError('sequence {!r} listed for split {!r} not found at {}'.format(name, self.split, path))
        return super()._read_sequence(name, path)


class RGBT234Source(_TwoFolderSource):
    """RGBT234: `<root>/<seq>/visible/*.jpg`, `<root>/<seq>/infrared/*.jpg`.

    Frames are paired by the index in their names (`00001v.jpg` / `00001i.jpg`).
    """
    source_name = 'rgbt234'
    layout = '<root>/<seq>/visible/*.jpg, <root>/<seq>/infrared/*.jpg, <root>/<seq>/init.txt'


class RGBT210Source(_TwoFolderSource):
    """RGBT210: `<root>/<seq>/visible/NNNNNv.jpg`, `<root>/<seq>/infrared/NNNNNi.jpg`."""
    source_name = 'rgbt210'
    layout = '<root>/<seq>/visible/NNNNNv.jpg, <root>/<seq>/infrared/NNNNNi.jpg, <root>/<seq>/init.txt'


class GTOTSource(_TwoFolderSource):
    """GTOT: `<root>/<seq>/v/`, `<root>/<seq>/i/`."""
    source_name = 'gtot'
    layout = '<root>/<seq>/v/*, <root>/<seq>/i/*, <root>/<seq>/groundTruth_v.txt, groundTruth_i.txt'
    rgb_folder = 'v'
    tir_folder = 'i'


class KAISTSource(_TwoFolderSource):
    """KAIST multispectral pedestrian: `<root>/setXX/VXXX/{visible,lwir}/I%05d.jpg` (640x512 pairs).

    Sequence names are `'setXX/VXXX'`. `split`: `'train'` (set00-set05), `'test'`
    (set06-set11) or None (all).
    """
    source_name = 'kaist'
    layout = '<root>/setXX/VXXX/visible/I00000.jpg, <root>/setXX/VXXX/lwir/I00000.jpg'
    rgb_folder = 'visible'
    tir_folder = 'lwir'
    splits = {'train': range(0, 6), 'test': range(6, 12)}

    def __init__(self, root, split=None, **kwargs):
        if split is not None and split not in self.splits:
            raise SourceError("unknown KAIST split {!r}; use None, 'train' (set00-05) or 'test' (set06-11)".format(
                split))
        self.split = split
        super().__init__(root, **kwargs)

    def _candidates(self):
        out = []
        for set_name in _list_subdirs(self.root):
            m = re.match(r'^set(\d+)$', set_name, re.IGNORECASE)
            if m is None:
                continue
            if self.split is not None and int(m.group(1)) not in self.splits[self.split]:
                continue
            set_dir = os.path.join(self.root, set_name)
            for v in _list_subdirs(set_dir):
                out.append(('{}/{}'.format(set_name, v), os.path.join(set_dir, v)))
        return out


class SideBySideSource(PairedSource):
    """Side-by-side pair images (the CMD authors' format): `<root>/<seq>/*.jpg|png`, RGB half left, TIR half right.

    Every image is one pair; its width must be even (checked when read). Images lying directly
    in `<root>` form one more sequence named `'.'`. `rgb_frames` and `tir_frames` are
    the same list and `side_by_side` is True.
    """
    source_name = 'side_by_side'
    layout = '<root>/<seq>/*.jpg (or .png), each image RGB half left, TIR half right'

    def _candidates(self):
        out = super()._candidates()
        if _list_images(self.root):
            out.insert(0, ('.', self.root))
        return out

    def _read_sequence(self, name, path):
        images = _list_images(path)
        if not images:
            raise _NotASequence('no image files')
        frames = FrameNames(path, images)
        return PairedSequence(name, frames, frames, source=self.source_name, side_by_side=True, path=path)


class GenericPairsSource(_TwoFolderSource):
    """The generic layout for any aligned pairs (documented in `docs/data.md`)::

        <root>/<seq>/rgb/<frame>.{jpg,png,...}
        <root>/<seq>/tir/<frame>.{jpg,png,tif,...}
        <root>/list.txt                     optional index

    RGB and TIR frames are paired by identical file stem (`rgb/000123.jpg` with
    `tir/000123.tif`), ordered naturally by stem.

    The optional index (`index_file`, default `list.txt`; see write_generic_index)
    spares walking the tree at every start. Each line is comma separated (csv quoting allowed,
    `#` comments and blank lines ignored) and is either

    * `<seq>` -- use this sequence, frames found by listing its `rgb/` and `tir/`; or
    * `<seq>,<rgb path>,<tir path>` -- one frame pair, paths relative to `<root>` (or
      absolute), listed in frame order; the two stems must be identical.

    With an index, only the listed sequences are used and frame files are not checked at start
    (a missing file is reported when read, or by verify).
    """
    source_name = 'generic'
    layout = '<root>/<seq>/rgb/<frame>.jpg, <root>/<seq>/tir/<frame>.png (same stems), optional <root>/list.txt'
    rgb_folder = 'rgb'
    tir_folder = 'tir'
    pairing = 'stem'

    def __init__(self, root, index_file='list.txt', use_index=True, **kwargs):
        self.index_file = index_file
        self.use_index = use_index
        self._indexed_pairs = {}
        super().__init__(root, **kwargs)
        self._indexed_pairs = {}      # only needed while the sequences are built

    @property
    def index_path(self):
        if not self.use_index or not self.index_file:
            return None
        p = self.index_file if os.path.isabs(self.index_file) else os.path.join(self.root, self.index_file)
        return p if os.path.isfile(p) else None

    def _candidates(self):
        index = self.index_path
        if index is None:
            return super()._candidates()
        order, seen, pairs, listed = [], set(), {}, set()
        with open(index, 'r', encoding='utf-8-sig', newline='') as f:
            for lineno, row in enumerate(csv.reader(f), 1):
                fields = [c.strip() for c in row]
                if not fields or not any(fields) or fields[0].startswith('#'):
                    continue
                seq = fields[0]
                if len(fields) in (1, 3) and seq in (pairs if len(fields) == 1 else listed):
                    raise SourceError('{}:{}: sequence {!r} is listed both alone and with frame pairs'.format(
                        index, lineno, seq))
                if len(fields) == 1:
                    listed.add(seq)
                elif len(fields) == 3:
                    rgb, tir = fields[1], fields[2]
                    if _stem_key(os.path.basename(rgb)) != _stem_key(os.path.basename(tir)):
                        raise SourceError('{}:{}: rgb {!r} and tir {!r} have different file stems (pairs are matched '
                                         'by identical stem)'.format(index, lineno, rgb, tir))
                    pairs.setdefault(seq, []).append((os.path.join(self.root, rgb), os.path.join(self.root, tir)))
                else:
                    raise SourceError('{}:{}: malformed index line {!r}: expected "<seq>" or "<seq>,<rgb path>,'
                                     '<tir path>"'.format(index, lineno, ','.join(row)))
                if seq not in seen:
                    seen.add(seq)
                    order.append(seq)
        self._indexed_pairs = pairs
        return [(s, os.path.join(self.root, s)) for s in order]

    def _read_sequence(self, name, path):
        if name in self._indexed_pairs:
            rgb = [p[0] for p in self._indexed_pairs[name]]
            tir = [p[1] for p in self._indexed_pairs[name]]
            return PairedSequence(name, rgb, tir, source=self.source_name, path=path)
        if not os.path.isdir(path):
            raise SourceError('sequence {!r} listed in {} not found at {}'.format(name, self.index_path, path))
        return super()._read_sequence(name, path)


def write_generic_index(root, index_file='list.txt', overwrite=False, **kwargs):
    """Walk a generic-layout root once and write its full index (`<seq>,<rgb>,<tir>` per pair).

    Pairing errors raise as when reading. Returns the path written. `kwargs` go to
    GenericPairsSource (e.g. `min_frames`).
    """
    source = GenericPairsSource(root, use_index=False, **kwargs)
    path = index_file if os.path.isabs(index_file) else os.path.join(source.root, index_file)
    if os.path.exists(path) and not overwrite:
        raise FileExistsError('index file exists: {} (pass overwrite=True to replace it)'.format(path))
    with open(path, 'w', encoding='utf-8', newline='') as f:
        writer = csv.writer(f, lineterminator='\n')
        for seq in source.sequences:
            for rgb, tir in zip(seq.rgb_frames, seq.tir_frames):
                writer.writerow([seq.name, os.path.relpath(rgb, source.root).replace(os.sep, '/'),
                                 os.path.relpath(tir, source.root).replace(os.sep, '/')])
    return path


# ----------------------------------------------------------------------------------------------
# Registry
# ----------------------------------------------------------------------------------------------

SOURCES = {}


def register_source(name, cls):
    """Register a PairedSource subclass under `name`; a name can be registered once."""
    if name in SOURCES:
        first = SOURCES[name]
        raise ValueError('RGB-T source name {!r} is already registered by {}.{}'.format(
            name, first.__module__, first.__qualname__))
    SOURCES[name] = cls
    return cls


for _cls in (LasHeRSource, RGBT234Source, RGBT210Source, GTOTSource, KAISTSource, SideBySideSource,
             GenericPairsSource):
    register_source(_cls.source_name, _cls)
del _cls


def make_source(name, root, **kwargs):
    """Build the source registered as `name` (`'lasher'`, `'rgbt234'`, `'rgbt210'`, `'gtot'`,
    `'kaist'`, `'side_by_side'`, `'generic'`) on `root`; `kwargs` go to its constructor."""
    try:
        cls = SOURCES[name]
    except KeyError:
        raise SourceError('unknown RGB-T source {!r}; known sources: {}'.format(
            name, ', '.join(sorted(SOURCES)))) from None
    return cls(root, **kwargs)
