"""Pseudo boxes for CMD: where to cut the paired RGB/TIR patches, without human labels.

CMD needs a box in each aligned RGB/TIR pair; since the pair shows the same scene, one box
serves both modalities. The paper speaks of "three approaches to generate paired patches"; the
authors' released code (`ltr/dataset/tir.py` of zhanglichao/cmdTIRtracking, where two of them
are commented-out branches) has three generators, which are most likely those three (our
interpretation). Here each is a small class with one method::

    boxes(seq_name, frame_index, image_size, frame_paths=None) -> np.ndarray [M, 4]

returning `x, y, w, h` in pixels (float64), with `image_size = (width, height)` of the pair.
Every generator is deterministic: the same `(seq_name, frame_index)` gives the same boxes in
every epoch and every data-loader worker.

* CenterBox -- one fixed central box.
* RandomBoxes -- random boxes, spread apart, inside the image.
* DetectionBoxes -- detector output (YOLO txt or MOT/FairMOT txt) on each modality,
  merged across modalities, class-balanced and capped, with a fallback generator.

Counters (`stats`) are per process: each data-loader worker has its own copy.
make_pseudo_box_generator builds one by name (`'center'`, `'random'`, `'detection'`).
This module does not import `ltr` or `pytracking`.
"""
import logging
import os
import zlib
from collections import OrderedDict

import numpy as np

__all__ = ['PseudoBoxGenerator', 'CenterBox', 'RandomBoxes', 'DetectionBoxes', 'PSEUDO_BOX_GENERATORS',
           'make_pseudo_box_generator', 'box_iou_xywh', 'read_yolo_detections', 'read_mot_detections']

logger = logging.getLogger(__name__)


def _check_image_size(image_size):
    try:
        width, height = image_size
        width, height = float(width), float(height)
    except (TypeError, ValueError):
        raise ValueError('image_size must be (width, height), got {!r}'.format(image_size)) from None
    if not (width > 0 and height > 0):
        raise ValueError('image_size must be positive (width, height), got {!r}'.format(image_size))
    return width, height


def box_iou_xywh(a, b):
    """IoU matrix `[N, M]` between boxes `a` `[N, 4]` and `b` `[M, 4]`, both x, y, w, h.

    Continuous coordinates: a box covers `[x, x + w) x [y, y + h)`; empty unions give 0.
    """
    a = np.asarray(a, dtype=np.float64).reshape(-1, 4)
    b = np.asarray(b, dtype=np.float64).reshape(-1, 4)
    ax1, ay1, ax2, ay2 = a[:, 0:1], a[:, 1:2], a[:, 0:1] + a[:, 2:3], a[:, 1:2] + a[:, 3:4]
    bx1, by1, bx2, by2 = b[:, 0], b[:, 1], b[:, 0] + b[:, 2], b[:, 1] + b[:, 3]
    iw = np.clip(np.minimum(ax2, bx2) - np.maximum(ax1, bx1), 0, None)
    ih = np.clip(np.minimum(ay2, by2) - np.maximum(ay1, by1), 0, None)
    inter = iw * ih
    union = a[:, 2:3] * a[:, 3:4] + b[:, 2] * b[:, 3] - inter
    with np.errstate(divide='ignore', invalid='ignore'):
        iou = np.where(union > 0, inter / union, 0.0)
    return iou


class PseudoBoxGenerator:
    """Base class. Subclasses implement boxes; `stats` holds counters (per process)."""

    name = None

    def __init__(self):
        self.stats = {}
        self.reset_stats()

    def reset_stats(self):
        self.stats = {k: 0 for k in self.stats}

    def boxes(self, seq_name, frame_index, image_size, frame_paths=None):
        """Pseudo boxes `[M, 4]` (x, y, w, h, pixels) for frame `frame_index` of `seq_name`."""
        raise NotImplementedError

    def __call__(self, seq_name, frame_index, image_size, frame_paths=None):
        return self.boxes(seq_name, frame_index, image_size, frame_paths=frame_paths)


class CenterBox(PseudoBoxGenerator):
    """One box centred in the image, its size a fixed fraction of the image size.

    Authors: a single hard-coded box in pixels (`x=206, y=540, w=100, h=200` in their
    side-by-side training images). Ours (interpretation): `w = rel_size[0] * width`,
    `h = rel_size[1] * height`, centred, so it stays central for any image size.

    args:
        rel_size - `(rel_w, rel_h)` in (0, 1], relative to the image width and height.
    """
    name = 'center'

    def __init__(self, rel_size=(0.25, 0.25)):
        rel_w, rel_h = (float(v) for v in rel_size)
        if not (0 < rel_w <= 1 and 0 < rel_h <= 1):
            raise ValueError('rel_size must be in (0, 1], got {!r}'.format(tuple(rel_size)))
        self.rel_size = (rel_w, rel_h)
        super().__init__()
        self.stats = {'frames': 0}

    def boxes(self, seq_name, frame_index, image_size, frame_paths=None):
        width, height = _check_image_size(image_size)
        w, h = self.rel_size[0] * width, self.rel_size[1] * height
        self.stats['frames'] += 1
        return np.array([[(width - w) / 2.0, (height - h) / 2.0, w, h]], dtype=np.float64)

    def __repr__(self):
        return 'CenterBox(rel_size={})'.format(self.rel_size)


def _frame_rng(seed, seq_name, frame_index):
    """A generator seeded by `(seed, seq_name, frame_index)` only: stable across processes and runs.

    `zlib.crc32` is used for the name because Python's `hash` of a string changes per process.
    """
    return np.random.default_rng([int(seed), zlib.crc32(str(seq_name).encode('utf-8')), int(frame_index)])


class RandomBoxes(PseudoBoxGenerator):
    """Random boxes inside the image, their centres at least `min_spacing` pixels apart.

    Authors: five 100x100 boxes per image, top-left x drawn so that the x positions are
    pairwise at least 100 px apart, y drawn without repetition (`random` module, a fresh
    draw each time the image was sampled); also used as the supplement when detector files
    were missing. Ours (interpretation): width and height each drawn uniformly from
    `size_range` (clamped to the image), the box kept entirely inside the image, Euclidean
    distance between box centres at least `min_spacing`, and the draw seeded by
    `(seed, seq_name, frame_index)`, so a frame always gets the same boxes across epochs and
    workers. When a box cannot be placed within `max_attempts` draws (image too small for the
    spacing), the frame gets fewer boxes and `stats['short_frames']` counts it; the first box
    is always placed.

    args:
        count - boxes per frame (authors: 5).
        size_range - `(min, max)` side length in pixels (authors: `(100, 100)`).
        min_spacing - minimum distance in pixels between box centres (authors: 100 in x).
        seed - non-negative integer.
        max_attempts - draws per box before giving up on it.
    """
    name = 'random'

    def __init__(self, count=5, size_range=(100, 100), min_spacing=100, seed=0, max_attempts=100):
        if int(count) < 1:
            raise ValueError('count must be >= 1, got {!r}'.format(count))
        lo, hi = (float(v) for v in size_range)
        if not 0 < lo <= hi:
            raise ValueError('size_range must be (min, max) with 0 < min <= max, got {!r}'.format(tuple(size_range)))
        if min_spacing < 0:
            raise ValueError('min_spacing must be >= 0, got {!r}'.format(min_spacing))
        if int(seed) < 0:
            raise ValueError('seed must be a non-negative integer, got {!r}'.format(seed))
        self.count = int(count)
        self.size_range = (lo, hi)
        self.min_spacing = float(min_spacing)
        self.seed = int(seed)
        self.max_attempts = int(max_attempts)
        super().__init__()
        self.stats = {'frames': 0, 'short_frames': 0}

    def boxes(self, seq_name, frame_index, image_size, frame_paths=None):
        width, height = _check_image_size(image_size)
        if int(frame_index) < 0:
            raise ValueError('frame_index must be >= 0, got {!r}'.format(frame_index))
        rng = _frame_rng(self.seed, seq_name, frame_index)
        out, centres = [], []
        for k in range(self.count):
            for _ in range(self.max_attempts if k > 0 else 1):
                w = min(rng.uniform(*self.size_range), width)
                h = min(rng.uniform(*self.size_range), height)
                cx = rng.uniform(w / 2.0, width - w / 2.0)
                cy = rng.uniform(h / 2.0, height - h / 2.0)
                if all(np.hypot(cx - px, cy - py) >= self.min_spacing for px, py in centres):
                    centres.append((cx, cy))
                    out.append([cx - w / 2.0, cy - h / 2.0, w, h])
                    break
            else:
                break
        self.stats['frames'] += 1
        if len(out) < self.count:
            self.stats['short_frames'] += 1
        return np.array(out, dtype=np.float64).reshape(-1, 4)

    def __repr__(self):
        return 'RandomBoxes(count={}, size_range={}, min_spacing={}, seed={})'.format(
            self.count, self.size_range, self.min_spacing, self.seed)


# ----------------------------------------------------------------------------------------------
# Detection files
# ----------------------------------------------------------------------------------------------

def _float(text):
    v = float(text)
    if not np.isfinite(v):
        raise ValueError(text)
    return v


def read_yolo_detections(path, image_size):
    """Parse a YOLO txt file (`class cx cy w h [conf]`, normalised to the image) into `[K, 6]`.

    Columns of the result: `x, y, w, h` in pixels (`w = w_n * width`, `x = cx_n * width -
    w / 2`, same for y with the height), `conf` (1.0 when the line has none), `class`.
    Blank lines are ignored; a malformed line raises ValueError with `file:line` and the text.
    """
    width, height = _check_image_size(image_size)
    rows = []
    with open(path, 'r', encoding='utf-8-sig', errors='replace') as f:
        for lineno, line in enumerate(f, 1):
            parts = line.split()
            if not parts:
                continue
            try:
                if len(parts) not in (5, 6):
                    raise ValueError
                cls = _float(parts[0])
                if cls != int(cls) or cls < 0:
                    raise ValueError
                cx, cy, wn, hn = (_float(p) for p in parts[1:5])
                conf = _float(parts[5]) if len(parts) == 6 else 1.0
            except ValueError:
                raise ValueError('{}:{}: malformed YOLO detection line {!r} (expected "class cx cy w h [conf]" with '
                                 'an integer class and coordinates normalised to the image)'.format(
                                     path, lineno, line.rstrip('\n'))) from None
            w, h = wn * width, hn * height
            rows.append([cx * width - w / 2.0, cy * height - h / 2.0, w, h, conf, int(cls)])
    return np.array(rows, dtype=np.float64).reshape(-1, 6)


def read_mot_detections(path, class_column=None):
    """Parse a MOT / FairMOT text file (`frame,id,x,y,w,h,conf,...`, one per sequence).

    Returns `{frame_number: [K, 6] array}` with columns `x, y, w, h` (pixels, as in the
    file), `conf` (1.0 if the line has only 6 values) and `class` (0, or the value in
    `class_column` (0-based) when given and present). Commas or whitespace separate values.
    A malformed line raises ValueError with `file:line` and the text.
    """
    per_frame = {}
    with open(path, 'r', encoding='utf-8-sig', errors='replace') as f:
        for lineno, line in enumerate(f, 1):
            parts = [p for p in line.replace(',', ' ').split()]
            if not parts:
                continue
            try:
                if len(parts) < 6:
                    raise ValueError
                frame = _float(parts[0])
                if frame != int(frame):
                    raise ValueError
                x, y, w, h = (_float(p) for p in parts[2:6])
                conf = _float(parts[6]) if len(parts) > 6 else 1.0
                cls = 0
                if class_column is not None and len(parts) > class_column:
                    c = _float(parts[class_column])
                    if c != int(c):
                        raise ValueError
                    cls = int(c)
            except ValueError:
                raise ValueError('{}:{}: malformed MOT detection line {!r} (expected "frame,id,x,y,w,h,conf,..." with '
                                 'an integer frame number)'.format(path, lineno, line.rstrip('\n'))) from None
            per_frame.setdefault(int(frame), []).append([x, y, w, h, conf, cls])
    return {k: np.array(v, dtype=np.float64).reshape(-1, 6) for k, v in per_frame.items()}


def _make_fallback(fallback):
    if fallback is None or isinstance(fallback, PseudoBoxGenerator):
        return fallback
    if isinstance(fallback, str):
        return make_pseudo_box_generator(fallback)
    if isinstance(fallback, dict):
        kwargs = dict(fallback)
        name = kwargs.pop('name', None)
        if name is None:
            raise ValueError("a fallback given as a dict needs a 'name' key, got {!r}".format(fallback))
        return make_pseudo_box_generator(name, **kwargs)
    raise TypeError('fallback must be a pseudo-box generator, a generator name, a dict with a name, or None; '
                    'got {!r}'.format(fallback))


class DetectionBoxes(PseudoBoxGenerator):
    """Detector boxes from both modalities, merged, class-balanced and capped, with a fallback.

    Authors: YOLOv5 (or FairMOT) run on each modality; every RGB box compared with every TIR
    box, and for IoU > 0.8 the less confident one suppressed; classes balanced (two boxes of
    non-person classes, then persons, five at most, repeated to fill five); random boxes when a
    modality's detection file was missing.

    Ours (interpretation):

    1. Read each modality's detections (either directory may be None for a single modality):
       `format='yolo'`: one file per frame, `<dir>/<seq_name>/<frame stem>.txt` with
       `class cx cy w h [conf]` normalised to the image (YOLOv5 `--save-txt --save-conf`);
       the stem is that of the modality's frame file, from `frame_paths` (`{'rgb': path,
       'tir': path}`, as PairedSequence.frame_paths gives) or from the `source`
       given here (anything with `get_sequence(name).frame_paths(i)`). A missing per-frame
       file means no detections (YOLOv5 writes none for empty frames); counted in
       `stats['missing_files']`.
       `format='mot'`: one file per sequence, `<dir>/<seq_name>.txt` with
       `frame,id,x,y,w,h,conf,...` in pixels; frame number = `frame_index + mot_first_frame`
       (MOT numbers frames from 1). Detections below `min_confidence` are ignored.
    2. Clip every box to the image; a box changed by clipping counts in `stats['clipped']`,
       one left empty is dropped and counted in `stats['dropped_empty']`.
    3. Merge across modalities: RGB/TIR pairs with IoU > `iou_merge` (strictly), matched
       greedily from the highest IoU, one-to-one and class-agnostic, keep the more confident box
       (the RGB one on a tie); `stats['merged']` counts them. Unmatched boxes of both
       modalities are kept.
    4. With `class_balance`, take boxes round-robin across classes (classes ordered by their
       most confident box, boxes within a class by confidence) until `max_per_frame`; without
       it, the `max_per_frame` most confident. Boxes left out count in `stats['capped']`.
       We return up to `max_per_frame` boxes and never repeat boxes to fill the cap.
    5. A frame with no box left gets `fallback`'s boxes (`stats['fallback_frames']`); with
       `fallback=None` it gets an empty `[0, 4]` array (`stats['empty_frames']`).

    args:
        rgb_dir, tir_dir - detection folders per modality (at least one).
        format - `'yolo'` or `'mot'`.
        iou_merge - cross-modal IoU above which two boxes are one object (authors: 0.8).
        max_per_frame - cap on boxes per frame (authors: 5).
        class_balance - round-robin over classes before taking more of one class.
        fallback - a generator, a name (`'random'`, `'center'`), a dict `{'name': ..., **kwargs}`
            or None. Default: `RandomBoxes()`.
        min_confidence - ignore detections below this confidence.
        mot_first_frame - MOT frame number of `frame_index` 0.
        mot_class_column - 0-based column of a class id in MOT files (None: every box class 0).
        source - optional object to look frame file names up (YOLO format).
        cache_size - parsed MOT files kept per modality (one per sequence).
    """
    name = 'detection'
    formats = ('yolo', 'mot')

    def __init__(self, rgb_dir=None, tir_dir=None, format='yolo', iou_merge=0.8, max_per_frame=5, class_balance=True,
                 fallback='random', min_confidence=0.0, mot_first_frame=1, mot_class_column=None, source=None,
                 cache_size=32):
        if format not in self.formats:
            raise ValueError('unknown detection format {!r}; known: {}'.format(format, ', '.join(self.formats)))
        if rgb_dir is None and tir_dir is None:
            raise ValueError('DetectionBoxes needs rgb_dir and/or tir_dir (folders of detection files)')
        self.dirs = {}
        for modality, d in (('rgb', rgb_dir), ('tir', tir_dir)):
            if d is None:
                continue
            d = os.fspath(d)
            if not os.path.isdir(d):
                raise FileNotFoundError('{} detection folder not found: {}'.format(modality, d))
            self.dirs[modality] = d
        if not 0.0 <= float(iou_merge) <= 1.0:
            raise ValueError('iou_merge must be in [0, 1], got {!r}'.format(iou_merge))
        if int(max_per_frame) < 1:
            raise ValueError('max_per_frame must be >= 1, got {!r}'.format(max_per_frame))
        self.format = format
        self.iou_merge = float(iou_merge)
        self.max_per_frame = int(max_per_frame)
        self.class_balance = bool(class_balance)
        self.fallback = _make_fallback(fallback)
        self.min_confidence = float(min_confidence)
        self.mot_first_frame = int(mot_first_frame)
        self.mot_class_column = mot_class_column
        self.source = source
        self.cache_size = int(cache_size)
        self._mot_cache = OrderedDict()
        self._warned_missing = set()
        super().__init__()
        self.stats = {'frames': 0, 'detections_read': 0, 'clipped': 0, 'dropped_empty': 0, 'merged': 0,
                      'capped': 0, 'fallback_frames': 0, 'empty_frames': 0, 'missing_files': 0}

    def __getstate__(self):
        state = self.__dict__.copy()
        state['_mot_cache'] = OrderedDict()
        return state

    # -- reading -------------------------------------------------------------------------------
    def _frame_stem(self, modality, seq_name, frame_index, frame_paths):
        path = None
        if frame_paths is not None:
            path = frame_paths.get(modality)
        elif self.source is not None:
            path = self.source.get_sequence(seq_name).frame_paths(frame_index)[modality]
        if path is None:
            raise ValueError("YOLO detections are looked up by frame file name: pass frame_paths={'rgb': ..., "
                             "'tir': ...} to boxes() or source= to DetectionBoxes")
        return os.path.splitext(os.path.basename(os.fspath(path)))[0]

    def _read(self, modality, seq_name, frame_index, image_size, frame_paths):
        base = self.dirs[modality]
        if self.format == 'yolo':
            stem = self._frame_stem(modality, seq_name, frame_index, frame_paths)
            path = os.path.join(base, seq_name, stem + '.txt')
            if not os.path.isfile(path):
                self.stats['missing_files'] += 1
                return np.zeros((0, 6))
            dets = read_yolo_detections(path, image_size)
        else:
            key = (modality, seq_name)
            if key in self._mot_cache:
                self._mot_cache.move_to_end(key)
                per_frame = self._mot_cache[key]
            else:
                path = os.path.join(base, seq_name + '.txt')
                if os.path.isfile(path):
                    per_frame = read_mot_detections(path, class_column=self.mot_class_column)
                else:
                    per_frame = None
                self._mot_cache[key] = per_frame
                while len(self._mot_cache) > max(1, self.cache_size):
                    self._mot_cache.popitem(last=False)
            if per_frame is None:
                self.stats['missing_files'] += 1
                if key not in self._warned_missing:
                    self._warned_missing.add(key)
                    logger.warning('no %s MOT detection file %s; frames of %s get no %s detections', modality,
                                   os.path.join(base, seq_name + '.txt'), seq_name, modality)
                return np.zeros((0, 6))
            dets = per_frame.get(int(frame_index) + self.mot_first_frame, np.zeros((0, 6)))
        self.stats['detections_read'] += len(dets)
        return dets[dets[:, 4] >= self.min_confidence] if len(dets) else dets

    def _clip(self, dets, width, height):
        if len(dets) == 0:
            return dets
        x1, y1 = dets[:, 0], dets[:, 1]
        x2, y2 = x1 + dets[:, 2], y1 + dets[:, 3]
        cx1, cy1 = np.clip(x1, 0, width), np.clip(y1, 0, height)
        cx2, cy2 = np.clip(x2, 0, width), np.clip(y2, 0, height)
        empty = (cx2 <= cx1) | (cy2 <= cy1)
        changed = (cx1 != x1) | (cy1 != y1) | (cx2 != x2) | (cy2 != y2)
        self.stats['dropped_empty'] += int(empty.sum())
        self.stats['clipped'] += int((changed & ~empty).sum())
        out = dets.copy()
        out[:, 0], out[:, 1], out[:, 2], out[:, 3] = cx1, cy1, cx2 - cx1, cy2 - cy1
        return out[~empty]

    # -- merging -------------------------------------------------------------------------------
    def _merge(self, rgb, tir):
        """Cross-modal merge; returns a list of (det row, modality)."""
        keep_rgb = np.ones(len(rgb), dtype=bool)
        keep_tir = np.ones(len(tir), dtype=bool)
        if len(rgb) and len(tir):
            iou = box_iou_xywh(rgb[:, :4], tir[:, :4])
            ii, jj = np.nonzero(iou > self.iou_merge)
            order = sorted(zip(ii.tolist(), jj.tolist()), key=lambda p: (-iou[p[0], p[1]], p[0], p[1]))
            used_r, used_t = set(), set()
            for i, j in order:
                if i in used_r or j in used_t:
                    continue
                used_r.add(i)
                used_t.add(j)
                if tir[j, 4] > rgb[i, 4]:
                    keep_rgb[i] = False
                else:
                    keep_tir[j] = False
                self.stats['merged'] += 1
        return [(rgb[i], 'rgb') for i in np.nonzero(keep_rgb)[0]] + [(tir[j], 'tir') for j in np.nonzero(keep_tir)[0]]

    def _select(self, cands):
        # Stable order: confidence descending, then RGB before TIR, then file order.
        ranked = sorted(enumerate(cands), key=lambda e: (-e[1][0][4], e[1][1] != 'rgb', e[0]))
        ranked = [c for _, c in ranked]
        if not self.class_balance:
            chosen = ranked[:self.max_per_frame]
        else:
            by_class = OrderedDict()
            for c in ranked:   # classes ordered by their most confident box (first seen in ranked order)
                by_class.setdefault(int(c[0][5]), []).append(c)
            queues = list(by_class.values())
            chosen, depth = [], 0
            while len(chosen) < self.max_per_frame and any(depth < len(q) for q in queues):
                for q in queues:
                    if depth < len(q) and len(chosen) < self.max_per_frame:
                        chosen.append(q[depth])
                depth += 1
        self.stats['capped'] += len(cands) - len(chosen)
        return chosen

    def detections(self, seq_name, frame_index, image_size, frame_paths=None):
        """Like boxes, with details: dict of `'boxes'` [M, 4], `'scores'` [M],
        `'classes'` [M] (int, -1 for fallback boxes) and `'modality'` (list: `'rgb'`,
        `'tir'` or `'fallback'`)."""
        width, height = _check_image_size(image_size)
        self.stats['frames'] += 1
        dets = {}
        for modality in ('rgb', 'tir'):
            if modality in self.dirs:
                dets[modality] = self._clip(self._read(modality, seq_name, frame_index, (width, height), frame_paths),
                                            width, height)
            else:
                dets[modality] = np.zeros((0, 6))
        chosen = self._select(self._merge(dets['rgb'], dets['tir']))
        if chosen:
            rows = np.array([c[0] for c in chosen], dtype=np.float64)
            return {'boxes': rows[:, :4].copy(), 'scores': rows[:, 4].copy(), 'classes': rows[:, 5].astype(np.int64),
                    'modality': [c[1] for c in chosen]}
        if self.fallback is None:
            self.stats['empty_frames'] += 1
            boxes = np.zeros((0, 4))
        else:
            self.stats['fallback_frames'] += 1
            boxes = np.asarray(self.fallback.boxes(seq_name, frame_index, (width, height), frame_paths=frame_paths),
                               dtype=np.float64).reshape(-1, 4)
        return {'boxes': boxes, 'scores': np.zeros(len(boxes)), 'classes': np.full(len(boxes), -1, dtype=np.int64),
                'modality': ['fallback'] * len(boxes)}

    def boxes(self, seq_name, frame_index, image_size, frame_paths=None):
        return self.detections(seq_name, frame_index, image_size, frame_paths=frame_paths)['boxes']

    def __repr__(self):
        return ('DetectionBoxes(dirs={}, format={!r}, iou_merge={}, max_per_frame={}, class_balance={}, '
                'fallback={!r})'.format(self.dirs, self.format, self.iou_merge, self.max_per_frame,
                                        self.class_balance, self.fallback))


PSEUDO_BOX_GENERATORS = {'center': CenterBox, 'random': RandomBoxes, 'detection': DetectionBoxes}


def make_pseudo_box_generator(name, **kwargs):
    """Build a pseudo-box generator by name: `'center'`, `'random'` or `'detection'`."""
    try:
        cls = PSEUDO_BOX_GENERATORS[name]
    except (KeyError, TypeError):
        raise ValueError('unknown pseudo-box generator {!r}; known: {}'.format(
            name, ', '.join(sorted(PSEUDO_BOX_GENERATORS)))) from None
    return cls(**kwargs)
