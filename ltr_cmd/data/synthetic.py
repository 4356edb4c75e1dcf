"""Built-in synthetic source of aligned RGB/thermal video sequences, for the CPU-sized CMD demo.

Every sequence is a pure function of `(seed, index)` and of the rendering parameters: frames are
rendered on the fly (nothing is written to disk for training), any single frame can be rendered
without rendering the rest of its sequence, and the same arguments give the same pixels in every
process and data-loader worker (all randomness comes from `np.random.default_rng` seeded with
`[seed, index, stream, ...]`; the global random state is never used).

Scene: one target and `num_distractors` distractors move smoothly (bounded speed, bouncing at the
image borders, mild size and aspect change) over a static textured background. Objects occupy the
same place in both modalities (an aligned pair: the boxes are shared), but look different:

* `'rgb'`: saturated, textured objects on a muted, textured colour background; the target's hue
  is at least 72 degrees away from every distractor's, so the target is distinguishable by colour.
* `'tir'`: a thermal rendering that leaves something to distill. The background is a smooth ambient
  temperature field plus fine texture. The target is only `target_contrast` grey levels above the
  local ambient level (a faint pattern on top: low contrast, but visible everywhere), every
  distractor is warm (`distractor_warmth` levels above the ambient level, so always brighter,
  i.e. more salient, than the target), `clutter` warm blobs sit in the background, and the frame
  is blurred (`blur`) and carries temporal and fixed-pattern sensor noise (`noise`,
  `fixed_pattern_noise`). One channel replicated to three.

The RGB frames and the boxes depend only on `(seed, index)` and on the geometry / RGB parameters
(`num_distractors`, `max_speed`, `size_change`, `object_size`): changing a thermal parameter
changes the thermal frames only, so thermal renderings can be compared on identical RGB frames.
The demo renders the 'hard' preset with its target contrast raised (ltr_cmd/demo.py, RENDERING;
docs/demo.md has the measurements behind it).

Absence (`out_of_view`, off by default): in a share of the sequences the target leaves the view once,
for a contiguous run of frames, and comes back where its motion has taken it meanwhile; it is drawn in
neither modality there and its box is `0, 0, 0, 0` (Anti-UAV's "not visible"). The demo turns it on for
its held-out benchmark only (ltr_cmd/demo.py, BENCHMARK), so that the trackers' "absent" output
(params.report_absence) has frames to be scored on; training never sees it.

Held-out evaluation: write_benchmark writes sequences in the LSOTB-TIR layout. Call it with
`seed=demo_benchmark_seed(train_seed)` (`train_seed + 10_000`) so that the benchmark never
shares sequences with the training source.

Only numpy and OpenCV are needed (tqdm optionally, for the progress bar of `write_benchmark`).
"""
from __future__ import annotations

import colorsys
import json
import math
import os
import shutil
import sys
from collections import OrderedDict
from dataclasses import dataclass

import cv2
import numpy as np

from ltr_cmd.errors import UserError

__all__ = ['SyntheticRGBT', 'THERMAL_PRESETS', 'MODALITIES',
           'demo_benchmark_seed', 'write_benchmark', 'benchmark_differences', 'BenchmarkMismatchError',
           'BENCHMARK_SEED_OFFSET', 'MARKER_NAME', 'RENDER_VERSION']

#: Bump whenever a change alters rendered pixels or boxes: benchmarks written by an older
#: version are then reported as a mismatch instead of being silently reused.
RENDER_VERSION = 1

MODALITIES = ('rgb', 'tir')

#: Offset between a training seed and the default seed of the held-out benchmark.
BENCHMARK_SEED_OFFSET = 10_000

#: Marker written at the root of a benchmark tree by write_benchmark.
MARKER_NAME = 'synthetic_benchmark.json'

#: Thermal rendering presets (keyword arguments of SyntheticRGBT).
#: 'hard' is the default (the thermal target is harder to see than on RGB; the demo raises its contrast).
#: 'easy' (hot target, about half of the distractors cold, no clutter, little noise) leaves an RGB-trained
#: tracker about as good on thermal as on RGB: nothing to distill, a negative control.
THERMAL_PRESETS = {
    'hard': dict(target_contrast=15.0, target_texture=6.0, distractor_warmth=(45.0, 90.0),
                 clutter=6, clutter_warmth=(30.0, 80.0), noise=5.0, fixed_pattern_noise=2.0,
                 blur=1.2),
    'easy': dict(target_contrast=70.0, target_texture=6.0, distractor_warmth=(-50.0, 50.0),
                 clutter=0, clutter_warmth=(30.0, 80.0), noise=2.0, fixed_pattern_noise=0.0,
                 blur=0.8),
}

# Independent random streams per sequence, so that e.g. thermal parameters never change RGB pixels.
_STREAM_GEOMETRY, _STREAM_RGB, _STREAM_TIR, _STREAM_NOISE, _STREAM_VIEW = 0, 1, 2, 3, 4
_NUM_PATTERNS = 4
_EDGE_MARGIN = 1.0  # boxes stay >= 1 px inside the image (LSOTB tools treat x<=0 or y<=0 as invalid)


def demo_benchmark_seed(train_seed: int) -> int:
    """Default seed of the held-out demo benchmark for a training seed: `train_seed + 10_000`.

    Sequences are a function of `(seed, index)` through independent random streams, so the
    benchmark written with this seed shares no sequence with `SyntheticRGBT(train_seed, ...)`.
    """
    return int(train_seed) + BENCHMARK_SEED_OFFSET


@dataclass
class _Scene:
    """Everything about one sequence that does not change from frame to frame."""
    boxes: np.ndarray          # [N, M, 4] float64 x,y,w,h; object 0 is the target
    shape_power: np.ndarray    # [M] superellipse exponent (2 = ellipse, larger = boxier)
    pattern: np.ndarray        # [M, 4] kind, frequency, angle, phase
    rgb_colors: np.ndarray     # [M, 2, 3] float32 base and secondary colour
    rgb_background: np.ndarray  # [H, W, 3] float32
    tir_background: np.ndarray  # [H, W] float32, includes the fine texture and the warm clutter
    tir_ambient: np.ndarray    # [H, W] float32, smooth ambient temperature field (mean + low frequencies)
    tir_warmth: np.ndarray     # [M] level above the ambient field: target_contrast, then distractor warmth
    tir_fixed_pattern: np.ndarray  # [1, W] float32 column offsets (fixed-pattern noise)
    target_absent: np.ndarray  # [N] bool: the target is out of view (not drawn, box 0, 0, 0, 0)


class SyntheticRGBT:
    """Deterministic collection of short aligned RGB/thermal sequences, rendered on the fly.

    args:
        seed - non-negative integer; sequence i is a pure function of (seed, i, rendering parameters).
        num_sequences - number of sequences.
        length - frames per sequence.
        frame_size - (width, height) in pixels.
        num_distractors - distractor objects besides the one target (same sizes and motion model).
        target_contrast - thermal level of the target above the local ambient level (the smooth,
            low-frequency part of the thermal background), in 8-bit grey levels. Low (default 15,
            3x the noise, about 2x the background's texture + ambient variation) makes it faint.
        target_texture - peak-to-peak amplitude of the faint pattern on the thermal target (the
            target's own texture, shared with its RGB pattern), in grey levels.
        distractor_warmth - (low, high) range, in grey levels above the ambient level, from which
            each distractor's thermal level is drawn. With low > target_contrast every distractor is
            brighter than the target; a negative low gives cold distractors.
        clutter - number of warm blobs in the thermal background (thermal-only, static).
        clutter_warmth - (low, high) range of the clutter blobs' peak level above the ambient level.
        noise - standard deviation of the per-frame Gaussian sensor noise on thermal frames.
        fixed_pattern_noise - standard deviation of the static per-column offsets on thermal frames.
        blur - sigma (pixels) of the Gaussian blur of thermal frames (optics); 0 disables it.
        max_speed - largest object speed in pixels per frame.
        size_change - relative amplitude of the slow sinusoidal size change of every object.
        object_size - (low, high) range of the objects' base size as a fraction of min(width, height).
        cache_size - number of sequences whose static scene (backgrounds, trajectories) is kept.
        out_of_view - share of the sequences (0-1) in which the target leaves the view once and comes back:
            sequence i does when floor((i + 1) * out_of_view) > floor(i * out_of_view) (0.5: the odd ones),
            for 10-20 % of its frames starting between a quarter and a half of the way through, never
            on the first or last frame. Those frames show no target and their box is 0, 0, 0, 0. Needs
            length >= 3. The other sequences, and every frame outside that run, are as with 0 (the default).

    `THERMAL_PRESETS['hard']` holds the thermal defaults; `THERMAL_PRESETS['easy']` the
    control rendering. Frames are HxWx3 uint8 in RGB channel order; thermal frames have three
    identical channels. Boxes are float x, y, w, h (pixel (c, r) covers [c, c+1) x [r, r+1)).
    """

    def __init__(self, seed: int, num_sequences: int, length: int = 100,
                 frame_size: tuple = (256, 192), *,
                 num_distractors: int = 4,
                 target_contrast: float = THERMAL_PRESETS['hard']['target_contrast'],
                 target_texture: float = THERMAL_PRESETS['hard']['target_texture'],
                 distractor_warmth: tuple = THERMAL_PRESETS['hard']['distractor_warmth'],
                 clutter: int = THERMAL_PRESETS['hard']['clutter'],
                 clutter_warmth: tuple = THERMAL_PRESETS['hard']['clutter_warmth'],
                 noise: float = THERMAL_PRESETS['hard']['noise'],
                 fixed_pattern_noise: float = THERMAL_PRESETS['hard']['fixed_pattern_noise'],
                 blur: float = THERMAL_PRESETS['hard']['blur'],
                 max_speed: float = 3.0,
                 size_change: float = 0.15,
                 object_size: tuple = (0.10, 0.22),
                 cache_size: int = 8,
                 out_of_view: float = 0.0):
        if int(seed) != seed or seed < 0:
            raise ValueError(f'seed must be a non-negative integer, got {seed!r}')
        if int(num_sequences) < 1 or int(length) < 1:
            raise ValueError(f'num_sequences and length must be >= 1, got {num_sequences!r}, {length!r}')
        width, height = (int(v) for v in frame_size)
        if width < 16 or height < 16:
            raise ValueError(f'frame_size (width, height) must be at least 16x16, got {frame_size!r}')
        if int(num_distractors) < 0 or int(clutter) < 0:
            raise ValueError('num_distractors and clutter must be >= 0')
        lo, hi = (float(v) for v in object_size)
        if not 0 < lo <= hi < 0.5:
            raise ValueError(f'object_size must satisfy 0 < low <= high < 0.5, got {object_size!r}')
        for name, rng_pair in (('distractor_warmth', distractor_warmth), ('clutter_warmth', clutter_warmth)):
            if len(rng_pair) != 2 or float(rng_pair[0]) > float(rng_pair[1]):
                raise ValueError(f'{name} must be a (low, high) pair, got {rng_pair!r}')
        if min(noise, fixed_pattern_noise, blur, max_speed, size_change) < 0 or size_change >= 0.5:
            raise ValueError('noise, fixed_pattern_noise, blur, max_speed must be >= 0 and 0 <= size_change < 0.5')
        if not 0 <= float(out_of_view) <= 1:
            raise ValueError(f'out_of_view is a share of the sequences, 0-1, got {out_of_view!r}')
        if out_of_view and int(length) < 3:
            raise ValueError(f'out_of_view needs length >= 3 (target shown, out of view, back), got {length!r}')

        self.seed = int(seed)
        self.num_sequences = int(num_sequences)
        self.length = int(length)
        self.frame_size = (width, height)
        self.num_distractors = int(num_distractors)
        self.target_contrast = float(target_contrast)
        self.target_texture = float(target_texture)
        self.distractor_warmth = (float(distractor_warmth[0]), float(distractor_warmth[1]))
        self.clutter = int(clutter)
        self.clutter_warmth = (float(clutter_warmth[0]), float(clutter_warmth[1]))
        self.noise = float(noise)
        self.fixed_pattern_noise = float(fixed_pattern_noise)
        self.blur = float(blur)
        self.max_speed = float(max_speed)
        self.size_change = float(size_change)
        self.object_size = (lo, hi)
        self.cache_size = max(int(cache_size), 1)
        self.out_of_view = float(out_of_view)
        self._cache = OrderedDict()

    # ----------------------------------------------------------------------------- public API
    @property
    def render_params(self) -> dict:
        """All parameters that determine the pixels and boxes (besides seed and index), JSON-ready.
        out_of_view only where it is on: benchmarks written before it existed still match."""
        params = dict(frame_size=list(self.frame_size), num_distractors=self.num_distractors,
                    target_contrast=self.target_contrast, target_texture=self.target_texture,
                    distractor_warmth=list(self.distractor_warmth), clutter=self.clutter,
                    clutter_warmth=list(self.clutter_warmth), noise=self.noise,
                    fixed_pattern_noise=self.fixed_pattern_noise, blur=self.blur,
                    max_speed=self.max_speed, size_change=self.size_change,
                    object_size=list(self.object_size), render_version=RENDER_VERSION)
        if self.out_of_view:
            params['out_of_view'] = self.out_of_view
        return params

    def __len__(self):
        return self.num_sequences

    def __repr__(self):
        return (f'SyntheticRGBT(seed={self.seed}, num_sequences={self.num_sequences}, '
                f'length={self.length}, frame_size={self.frame_size})')

    @staticmethod
    def sequence_name(i: int) -> str:
        """Name of sequence i: `demo_<i:03d>`."""
        return f'demo_{int(i):03d}'

    def boxes(self, i: int) -> np.ndarray:
        """Target trajectory of sequence i: [length, 4] float64 x, y, w, h (a copy); 0, 0, 0, 0 where out of view."""
        return self.object_boxes(i)[:, 0]

    def object_boxes(self, i: int) -> np.ndarray:
        """Boxes of every object of sequence i: [length, 1 + num_distractors, 4]; index 0 is the target
        (0, 0, 0, 0 where out of view)."""
        scene = self._scene(i)
        boxes = scene.boxes.copy()
        boxes[scene.target_absent, 0] = 0
        return boxes

    def absent(self, i: int) -> np.ndarray:
        """[length] bool: the frames of sequence i where the target is out of view (see `out_of_view`)."""
        return self._scene(i).target_absent.copy()

    def frame(self, i: int, k: int, modality: str) -> np.ndarray:
        """Render frame k of sequence i in `modality` ('rgb' or 'tir'): HxWx3 uint8, RGB order."""
        if modality not in MODALITIES:
            raise ValueError(f"modality must be one of {MODALITIES}, got {modality!r}")
        scene = self._scene(i)
        if not 0 <= int(k) < self.length:
            raise IndexError(f'frame {k} out of range for sequences of length {self.length}')
        k = int(k)
        if modality == 'rgb':
            return self._render_rgb(scene, k)
        return self._render_tir(scene, i, k)

    # ------------------------------------------------------------------------- pickling/cache
    def __getstate__(self):
        state = self.__dict__.copy()
        state['_cache'] = OrderedDict()  # workers rebuild scenes on demand
        return state

    def _check_index(self, i):
        if not 0 <= int(i) < self.num_sequences:
            raise IndexError(f'sequence {i} out of range (num_sequences={self.num_sequences})')

    def _scene(self, i: int) -> _Scene:
        self._check_index(i)
        i = int(i)
        scene = self._cache.get(i)
        if scene is None:
            scene = self._build_scene(i)
            self._cache[i] = scene
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(i)
        return scene

    def _rng(self, i, stream, *extra):
        return np.random.default_rng([self.seed, int(i), stream, *extra])

    # ------------------------------------------------------------------------- scene building
    def _build_scene(self, i: int) -> _Scene:
        width, height = self.frame_size
        num_obj = 1 + self.num_distractors

        geo = self._rng(i, _STREAM_GEOMETRY)
        boxes = self._trajectories(geo, num_obj)
        shape_power = geo.uniform(2.0, 4.0, num_obj)
        pattern = np.stack([geo.integers(0, _NUM_PATTERNS, num_obj).astype(np.float64),
                            geo.uniform(1.5, 3.5, num_obj),
                            geo.uniform(0, math.pi, num_obj),
                            geo.uniform(0, 2 * math.pi, num_obj)], axis=1)

        rgb = self._rng(i, _STREAM_RGB)
        rgb_colors = self._object_colors(rgb, num_obj)
        rgb_background = self._rgb_background(rgb, width, height)

        tir = self._rng(i, _STREAM_TIR)
        tir_mean = float(tir.uniform(70.0, 100.0))
        tir_warmth = np.concatenate([[self.target_contrast],
                                     tir.uniform(*self.distractor_warmth, self.num_distractors)])
        tir_ambient, tir_background = self._tir_background(tir, width, height, tir_mean)
        fixed = (tir.standard_normal((1, width)) * self.fixed_pattern_noise).astype(np.float32)

        return _Scene(boxes=boxes, shape_power=shape_power, pattern=pattern, rgb_colors=rgb_colors,
                      rgb_background=rgb_background, tir_background=tir_background, tir_ambient=tir_ambient,
                      tir_warmth=tir_warmth, tir_fixed_pattern=fixed, target_absent=self._absent_frames(i))

    def _absent_frames(self, i):
        """[length] bool: the run of frames where the target is out of view (none unless sequence i leaves it)."""
        n = self.length
        absent = np.zeros(n, dtype=bool)
        if math.floor((i + 1) * self.out_of_view) <= math.floor(i * self.out_of_view):
            return absent
        rng = self._rng(i, _STREAM_VIEW)  # its own stream: geometry and pixels elsewhere stay as without it
        duration = min(int(rng.integers(max(n // 10, 1), max(n // 5, 1) + 1)), n - 2)
        latest = n - 1 - duration  # the target is back on the last frame at the latest
        start = int(rng.integers(min(max(n // 4, 1), latest), min(max(n // 2, 1), latest) + 1))
        absent[start:start + duration] = True
        return absent

    def _trajectories(self, rng, num_obj):
        """Smooth bouncing motion with bounded speed and a mild sinusoidal size/aspect change."""
        width, height = self.frame_size
        n = self.length
        dims = np.array([width, height], dtype=np.float64)
        base = rng.uniform(*self.object_size, num_obj) * min(width, height)
        aspect = rng.uniform(0.6, 1.6, num_obj)  # w / h
        size0 = np.stack([base * np.sqrt(aspect), base / np.sqrt(aspect)], axis=1)  # [M, 2]
        period = rng.uniform(40.0, 120.0, (num_obj, 2))
        phase = rng.uniform(0.0, 2 * math.pi, (num_obj, 2))
        t = np.arange(n, dtype=np.float64)[:, None]
        scale = 1.0 + self.size_change * np.sin(2 * math.pi * t / period[:, 0] + phase[:, 0])
        stretch = 1.0 + 0.25 * self.size_change * np.sin(2 * math.pi * t / period[:, 1] + phase[:, 1])
        sizes = size0[None] * np.stack([scale * stretch, scale / stretch], axis=2)  # [N, M, 2]
        sizes = np.minimum(sizes, dims - 2 * _EDGE_MARGIN - 1.0)

        half = sizes / 2
        lo = half + _EDGE_MARGIN
        hi = dims - half - _EDGE_MARGIN
        centers = np.empty((n, num_obj, 2))
        c = rng.uniform(lo[0], hi[0])
        angle = rng.uniform(0, 2 * math.pi, num_obj)
        speed = rng.uniform(0.3, 1.0, num_obj) * self.max_speed
        v = np.stack([np.cos(angle), np.sin(angle)], axis=1) * speed[:, None]
        accel = rng.normal(0.0, 0.15 * self.max_speed, (n, num_obj, 2))
        for k in range(n):
            if k > 0:
                v = v + accel[k]
                s = np.linalg.norm(v, axis=1, keepdims=True)
                v = np.where(s > self.max_speed, v * (self.max_speed / np.maximum(s, 1e-12)), v)
                c = c + v
                low, high = c < lo[k], c > hi[k]
                c = np.where(low, 2 * lo[k] - c, c)
                c = np.where(high, 2 * hi[k] - c, c)
                v = np.where(low | high, -v, v)
            c = np.clip(c, lo[k], hi[k])
            centers[k] = c
        return np.concatenate([centers - half, sizes], axis=2)

    @staticmethod
    def _object_colors(rng, num_obj):
        """Saturated colours; distractor hues are 72-288 degrees away from the target's hue."""
        h_target = rng.uniform()
        hues = np.concatenate([[h_target], (h_target + rng.uniform(0.2, 0.8, num_obj - 1)) % 1.0])
        colors = np.empty((num_obj, 2, 3), dtype=np.float32)
        for j, h in enumerate(hues):
            s, v = rng.uniform(0.7, 1.0), rng.uniform(0.8, 1.0)
            colors[j, 0] = np.array(colorsys.hsv_to_rgb(h, s, v)) * 255
            colors[j, 1] = np.array(colorsys.hsv_to_rgb((h + rng.uniform(-0.04, 0.04)) % 1.0, s,
                                                        v * rng.uniform(0.35, 0.55))) * 255
        return colors

    @staticmethod
    def _rgb_background(rng, width, height):
        """Muted colour field, luminance texture and a few straight structures (lines, rectangles)."""
        mean = rng.uniform(70, 150, 3)
        field = cv2.resize(rng.normal(0, 22, (3, 4, 3)).astype(np.float32), (width, height),
                           interpolation=cv2.INTER_CUBIC)
        tex_size = (max(width // 6, 2), max(height // 6, 2))
        texture = cv2.resize(rng.normal(0, 16, (tex_size[1], tex_size[0])).astype(np.float32),
                             (width, height), interpolation=cv2.INTER_LINEAR)
        img = (mean[None, None].astype(np.float32) + field + texture[:, :, None])
        for _ in range(int(rng.integers(6, 13))):
            color = tuple(float(v) for v in 0.6 * mean + 0.4 * rng.uniform(0, 255, 3))
            p1 = (int(rng.integers(0, width)), int(rng.integers(0, height)))
            p2 = (int(rng.integers(0, width)), int(rng.integers(0, height)))
            if rng.uniform() < 0.5:
                cv2.line(img, p1, p2, color, int(rng.integers(1, 4)), cv2.LINE_AA)
            else:
                cv2.rectangle(img, p1, p2, color, -1 if rng.uniform() < 0.5 else 2)
        return np.clip(img, 0, 255)

    def _tir_background(self, rng, width, height, mean):
        """Smooth ambient field, then fine texture and `clutter` warm (rotated Gaussian) blobs."""
        ambient = np.float32(mean) + cv2.resize(rng.normal(0, 8, (3, 4)).astype(np.float32),
                                                (width, height), interpolation=cv2.INTER_CUBIC)
        tex_size = (max(width // 4, 2), max(height // 4, 2))
        texture = cv2.resize(rng.normal(0, 3, (tex_size[1], tex_size[0])).astype(np.float32),
                             (width, height), interpolation=cv2.INTER_LINEAR)
        img = ambient + texture
        ys, xs = np.mgrid[0:height, 0:width].astype(np.float32) + 0.5
        scale = min(width, height)
        for _ in range(self.clutter):
            cx, cy = rng.uniform(0, width), rng.uniform(0, height)
            sx = rng.uniform(0.03, 0.12) * scale
            sy = sx * rng.uniform(0.3, 1.0)
            theta = rng.uniform(0, math.pi)
            amp = rng.uniform(*self.clutter_warmth)
            dx, dy = xs - cx, ys - cy
            a = (dx * math.cos(theta) + dy * math.sin(theta)) / sx
            b = (-dx * math.sin(theta) + dy * math.cos(theta)) / sy
            img += np.float32(amp) * np.exp(-0.5 * (a * a + b * b))
        return ambient.astype(np.float32), img.astype(np.float32)

    # ------------------------------------------------------------------------------- rendering
    def _object_geometry(self, scene, k, j):
        """Region slices, soft mask, normalised radius and pattern of object j in frame k."""
        width, height = self.frame_size
        x, y, w, h = scene.boxes[k, j]
        x0, x1 = max(int(math.floor(x)), 0), min(int(math.ceil(x + w)), width)
        y0, y1 = max(int(math.floor(y)), 0), min(int(math.ceil(y + h)), height)
        u = ((np.arange(x0, x1, dtype=np.float32) + 0.5) - np.float32(x + w / 2)) / np.float32(w / 2)
        v = ((np.arange(y0, y1, dtype=np.float32) + 0.5) - np.float32(y + h / 2)) / np.float32(h / 2)
        uu, vv = u[None, :], v[:, None]
        p = np.float32(scene.shape_power[j])
        r = (np.abs(uu) ** p + np.abs(vv) ** p) ** (1 / p)
        alpha = np.clip(0.5 + (1.0 - r) * np.float32(min(w, h) / 2), 0.0, 1.0)
        kind, freq, angle, phase = scene.pattern[j]
        ca, sa = np.float32(math.cos(angle)), np.float32(math.sin(angle))
        a = uu * ca + vv * sa
        b = vv * ca - uu * sa
        f = np.float32(math.pi * freq)
        kind = int(kind)
        if kind == 0:    # stripes
            pat = 0.5 + 0.5 * np.sin(f * a + np.float32(phase))
        elif kind == 1:  # checker
            pat = np.clip(0.5 + 2.0 * np.sin(f * a + np.float32(phase)) * np.sin(f * b), 0.0, 1.0)
        elif kind == 2:  # rings
            pat = 0.5 + 0.5 * np.sin(np.float32(1.5) * f * np.sqrt(a * a + b * b) + np.float32(phase))
        else:            # dots
            pat = 0.5 + 0.5 * np.sin(f * a + np.float32(phase)) * np.sin(f * b)
        return (slice(y0, y1), slice(x0, x1)), alpha, r, pat

    def _draw_order(self, scene, k):
        # Distractors first, target last (on top): the target is never hidden, only out of view.
        return list(range(1, 1 + self.num_distractors)) + ([] if scene.target_absent[k] else [0])

    def _render_rgb(self, scene, k):
        img = scene.rgb_background.copy()
        for j in self._draw_order(scene, k):
            region, alpha, r, pat = self._object_geometry(scene, k, j)
            c0, c1 = scene.rgb_colors[j]
            shade = (1.0 - 0.15 * np.minimum(r, 1.0) ** 2)[:, :, None]
            color = (c0 * (1.0 - pat)[:, :, None] + c1 * pat[:, :, None]) * shade
            a = alpha[:, :, None]
            img[region] = img[region] * (1.0 - a) + color * a
        return np.clip(img + 0.5, 0, 255).astype(np.uint8)

    def _render_tir(self, scene, i, k):
        img = scene.tir_background.copy()
        for j in self._draw_order(scene, k):
            region, alpha, r, pat = self._object_geometry(scene, k, j)
            base = scene.tir_ambient[region]
            warmth = np.float32(scene.tir_warmth[j])
            if j == 0:  # target: flat, low contrast, with its own faint pattern
                level = base + warmth + np.float32(self.target_texture) * (pat - 0.5)
            else:       # distractor: warm body with a hotter core and a faint pattern
                level = base + warmth * (0.7 + 0.3 * (1.0 - np.minimum(r, 1.0) ** 2)) + 3.0 * (pat - 0.5)
            img[region] = img[region] * (1.0 - alpha) + level * alpha
        if self.blur > 0:
            img = cv2.GaussianBlur(img, (0, 0), self.blur)
        img = img + scene.tir_fixed_pattern
        if self.noise > 0:
            rng = self._rng(i, _STREAM_NOISE, k)
            img = img + rng.standard_normal(img.shape, dtype=np.float32) * np.float32(self.noise)
        gray = np.clip(img + 0.5, 0, 255).astype(np.uint8)
        return np.repeat(gray[:, :, None], 3, axis=2)


# ================================================================================ benchmark writer
class BenchmarkMismatchError(UserError, FileExistsError):
    """The benchmark root holds a synthetic benchmark written with different arguments."""


def _marker_identity(seed, num_sequences, length, modalities, jpeg_quality, render_params):
    ident = dict(generator='ltr_cmd.data.synthetic', seed=int(seed), num_sequences=int(num_sequences),
                 length=int(length), modalities=list(modalities), jpeg_quality=int(jpeg_quality),
                 render_params=render_params)
    return json.loads(json.dumps(ident))  # normalise tuples/floats exactly as they are stored


def benchmark_differences(root, seed: int, num_sequences: int, length: int = 100, modalities=('tir', 'rgb'), *,
                          frame_size=(256, 192), jpeg_quality: int = 95, **render_params) -> list:
    """How the benchmark in `root` differs from what write_benchmark would write there with these
    arguments: one 'key: old -> new' line per difference; empty when they match or `root` holds
    no benchmark marker. A marker that cannot be read is one difference."""
    marker_path = os.path.join(os.fspath(root), MARKER_NAME)
    if not os.path.isfile(marker_path):
        return []
    try:
        old, _ = _read_marker(marker_path)
    except BenchmarkMismatchError as error:
        return [str(error)]
    source = SyntheticRGBT(seed, num_sequences, length, frame_size, **render_params)
    return _diff(old, _marker_identity(seed, num_sequences, length, tuple(modalities), jpeg_quality,
                                       source.render_params))


def _read_marker(marker_path):
    """The identity a marker records, and whether that run completed."""
    try:
        with open(marker_path) as f:
            old = json.load(f)
    except (OSError, ValueError) as exc:
        raise BenchmarkMismatchError(f'{marker_path} exists but cannot be read ({exc}); remove '
                                     f'{os.path.dirname(marker_path)} by hand') from exc
    return old, bool(old.pop('complete', False))


def _diff(old, new, prefix=''):
    out = []
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key, '<missing>'), new.get(key, '<missing>')
        if isinstance(a, dict) and isinstance(b, dict):
            out += _diff(a, b, prefix + key + '.')
        elif a != b:
            out.append(f'{prefix}{key}: {a!r} -> {b!r}')
    return out


def _remove_own_output(root, marker):
    """Remove exactly what a previous call recorded in `marker` (sequence folders, then the marker)."""
    names = [SyntheticRGBT.sequence_name(i) for i in range(int(marker.get('num_sequences', 0)))]
    for modality in marker.get('modalities', []):
        mod_dir = os.path.join(root, modality)
        for name in names:
            seq_dir = os.path.join(mod_dir, name)
            if os.path.isdir(seq_dir):
                shutil.rmtree(seq_dir)
        if os.path.isdir(mod_dir) and not os.listdir(mod_dir):
            os.rmdir(mod_dir)
    os.remove(os.path.join(root, MARKER_NAME))


def _write_marker(root, identity, complete):
    tmp = os.path.join(root, MARKER_NAME + '.tmp')
    with open(tmp, 'w') as f:
        json.dump(dict(identity, complete=bool(complete)), f, indent=2, sort_keys=True)
        f.write('\n')
    os.replace(tmp, os.path.join(root, MARKER_NAME))


def write_benchmark(root, seed: int, num_sequences: int, length: int = 100,
                    modalities=('tir', 'rgb'), *, frame_size=(256, 192), overwrite: bool = False,
                    progress: bool = True, jpeg_quality: int = 95, **render_params) -> dict:
    """Write synthetic sequences as an evaluation benchmark in the LSOTB-TIR layout, one tree per modality.

    Layout: `<root>/<modality>/demo_<i:03d>/img/0001.jpg ...` (4 digits, 1-based, JPEG quality
    `jpeg_quality`, 4:4:4 chroma where OpenCV supports it) and `<root>/<modality>/demo_<i:03d>/groundtruth_rect.txt` (`x,y,w,h` with 2
    decimals, one line per frame; boxes stay >= 1 px inside the image, so the LSOTB toolkit never
    flags a frame as invalid, except the frames where the target is out of view (`out_of_view`):
    `0,0,0,0`). Thermal frames are 3-channel JPEGs with identical channels. Each
    modality tree (e.g. `<root>/tir`) is a benchmark root for an LSOTB-TIR loader; the boxes are
    identical across modalities.

    For a held-out benchmark pass `seed=demo_benchmark_seed(train_seed)` (`train_seed + 10_000`):
    the training source and the benchmark then share no sequence.

    Idempotent: `<root>/synthetic_benchmark.json` records seed, num_sequences, length, modalities,
    JPEG quality and every rendering parameter. If it matches a complete previous run, nothing is
    written. If it differs, BenchmarkMismatchError is raised unless `overwrite=True`, which
    deletes the previous run's own sequence folders and writes anew (`overwrite=True` also forces
    rewriting a matching tree). A non-empty `root` without the marker is never written into
    (`FileExistsError`, even with `overwrite`). An interrupted run leaves an incomplete marker and
    is redone by the next call with the same arguments.

    args:
        root - benchmark root folder (created if missing).
        seed, num_sequences, length, frame_size, **render_params - as for SyntheticRGBT.
        modalities - subset of ('tir', 'rgb'), written in this order.
        overwrite - replace a previous output of this function written with other arguments.
        progress - show a tqdm progress bar on stderr (silently skipped if tqdm is not installed).
        jpeg_quality - OpenCV JPEG quality, 0-100.

    returns:
        dict(root, skipped, sequences (names), modality_roots {modality: path}, marker (path)).
    """
    modalities = tuple(modalities)
    if not modalities or any(m not in MODALITIES for m in modalities) or len(set(modalities)) != len(modalities):
        raise ValueError(f'modalities must be distinct values from {MODALITIES}, got {modalities!r}')
    if not 0 <= int(jpeg_quality) <= 100:
        raise ValueError(f'jpeg_quality must be within 0-100, got {jpeg_quality!r}')
    source = SyntheticRGBT(seed, num_sequences, length, frame_size, **render_params)
    root = os.fspath(root)
    identity = _marker_identity(seed, num_sequences, length, modalities, jpeg_quality, source.render_params)
    names = [source.sequence_name(i) for i in range(source.num_sequences)]
    marker_path = os.path.join(root, MARKER_NAME)
    result = dict(root=root, skipped=False, sequences=names, marker=marker_path,
                  modality_roots={m: os.path.join(root, m) for m in modalities})

    if os.path.isfile(marker_path):
        old, complete = _read_marker(marker_path)
        if old == identity and complete and not overwrite:
            result['skipped'] = True
            return result
        if old != identity and not overwrite:
            diff = '\n  '.join(_diff(old, identity)) or '(unknown difference)'
            raise BenchmarkMismatchError(
                f'{root} holds a synthetic benchmark written with other arguments:\n  {diff}\n'
                f'Pass overwrite=True to replace it, or choose another root.')
        _remove_own_output(root, old)
    elif os.path.isdir(root) and os.listdir(root):
        raise FileExistsError(
            f'{root} is not empty and has no {MARKER_NAME}: refusing to write a synthetic benchmark into '
            f'data this function did not create. Choose an empty or new folder.')
    elif os.path.exists(root) and not os.path.isdir(root):
        raise FileExistsError(f'{root} exists and is not a folder')

    os.makedirs(root, exist_ok=True)
    _write_marker(root, identity, complete=False)
    bar = None
    if progress:
        try:
            from tqdm import tqdm
            bar = tqdm(total=source.num_sequences * len(modalities), file=sys.stderr,
                       desc=f'synthetic benchmark -> {root}', unit='seq')
        except ImportError:
            bar = None
    params = [cv2.IMWRITE_JPEG_QUALITY, int(jpeg_quality)]
    if hasattr(cv2, 'IMWRITE_JPEG_SAMPLING_FACTOR'):  # OpenCV >= 4.5.5: no chroma subsampling
        params += [cv2.IMWRITE_JPEG_SAMPLING_FACTOR, cv2.IMWRITE_JPEG_SAMPLING_FACTOR_444]
    try:
        for i, name in enumerate(names):
            boxes = source.boxes(i)
            lines = ''.join('0,0,0,0\n' if not box.any() else '{:.2f},{:.2f},{:.2f},{:.2f}\n'.format(*box)
                            for box in boxes)
            for modality in modalities:
                img_dir = os.path.join(root, modality, name, 'img')
                os.makedirs(img_dir, exist_ok=True)
                for k in range(source.length):
                    frame = source.frame(i, k, modality)
                    path = os.path.join(img_dir, f'{k + 1:04d}.jpg')
                    if not cv2.imwrite(path, cv2.cvtColor(frame, cv2.COLOR_RGB2BGR), params):
                        raise OSError(f'could not write {path}')
                with open(os.path.join(root, modality, name, 'groundtruth_rect.txt'), 'w') as f:
                    f.write(lines)
                if bar is not None:
                    bar.update(1)
    finally:
        if bar is not None:
            bar.close()
    _write_marker(root, identity, complete=True)
    return result
