"""Reading RGB and thermal-infrared (TIR) frames with OpenCV, without losing 16-bit data.

Everything here is plain numpy + OpenCV and does not import `ltr` or `pytracking`.

* read_rgb returns an `HxWx3` `uint8` array in RGB channel order (pytracking's
  `opencv_loader` convention).
* read_thermal returns an `HxWx3` `uint8` array: the single thermal channel
  replicated to three, so that RGB-pretrained backbones can consume it. Files are read with
  `cv2.IMREAD_UNCHANGED` so that 16-bit (and float) data is seen as such and *scaled* to
  8 bits, never truncated. 8-bit frames pass through unchanged.
* split_side_by_side splits a side-by-side pair image (RGB half left, TIR half right),
  the format the CMD authors trained on.

Both readers decode with `cv2.imdecode` on the file's bytes rather than `cv2.imread`: this
gives the same pixels, works with non-ASCII paths on every platform, and lets a missing file
(FileNotFoundError) be told apart from a file OpenCV cannot decode
(ImageReadError); `cv2.imread` returns `None` silently in both cases. Files are
decoded with `IMREAD_UNCHANGED` for both modalities, so EXIF orientation is ignored
identically on both sides of a pair (applying it to one modality only would misalign the pair).

Thermal scaling modes (for frames that are not 8-bit):

`'minmax'` (default)
    Per-frame linear stretch: `out = round((x - min) * 255 / (max - min))`. Uses the full
    8-bit range on every frame, but the mapping changes from frame to frame with the scene's
    hottest and coldest pixel.
`'percentile'`
    Robust per-frame stretch between the `percentiles` (default 0.5 and 99.5) of the frame,
    values outside clipped. A few hot or dead pixels no longer compress the rest of the image.
`'fixed'`
    Constant mapping of `value_range=(lo, hi)` (raw sensor units) to 0..255, values outside
    clipped. The same raw value gives the same grey level on every frame of a sequence, which
    trackers may prefer (appearance does not jump when a hot object enters the view).

A frame whose values are all equal (`max == min`) maps to zeros in the per-frame modes.
"""
import os

import cv2
import numpy as np

from ltr_cmd.errors import UserError

__all__ = ['ImageReadError', 'THERMAL_SCALINGS', 'read_image_unchanged', 'read_rgb', 'read_thermal',
           'read_side_by_side', 'scale_to_uint8', 'to_rgb_uint8', 'to_thermal_uint8',
           'split_side_by_side']

THERMAL_SCALINGS = ('minmax', 'percentile', 'fixed')

_JPEG_START, _JPEG_END = b'\xff\xd8', b'\xff\xd9'
_JPEG_TAIL = 4096  # some cameras pad a JPEG after its end marker


class ImageReadError(UserError, OSError):
    """An image file exists but could not be read or decoded (corrupt, truncated, not an image)."""


def read_image_unchanged(path):
    """Decode the image at `path` as stored (`cv2.IMREAD_UNCHANGED`): any depth, any channels.

    Channel order is OpenCV's (BGR / BGRA). Raises FileNotFoundError when `path` does
    not exist and ImageReadError (naming the path) when it cannot be decoded.
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError('image file not found: {}'.format(path))
    if not os.path.isfile(path):
        raise ImageReadError('not a file, cannot read it as an image: {}'.format(path))
    try:
        data = np.fromfile(path, dtype=np.uint8)
    except OSError as e:
        raise ImageReadError('cannot read image file {}: {}'.format(path, e)) from e
    if data.size == 0:
        raise ImageReadError('image file is empty (0 bytes; an interrupted copy or download?): {}'.format(path))
    # libjpeg decodes a JPEG cut short with a grey lower part and only a warning: check its end marker.
    if data[:2].tobytes() == _JPEG_START and _JPEG_END not in data[-_JPEG_TAIL:].tobytes():
        raise ImageReadError('truncated JPEG file (no end-of-image marker; an interrupted copy or download?): '
                             '{}'.format(path))
    image = cv2.imdecode(data, cv2.IMREAD_UNCHANGED)
    if image is None:
        raise ImageReadError('cannot decode image file (corrupt, truncated or not an image): {}'.format(path))
    return image


def _as_hw_c(image, path):
    """Return the image as HxWxC (C >= 1), raising with path and shape for anything else."""
    if image.ndim == 2:
        return image[:, :, None]
    if image.ndim == 3 and image.shape[2] >= 1:
        return image
    raise ValueError('unexpected image shape {} in {}'.format(image.shape, path))


def to_rgb_uint8(image, path='<array>'):
    """Convert a decoded OpenCV image (BGR order) to an `HxWx3` `uint8` RGB array.

    Accepted: 3 channels (BGR), 4 channels (BGRA, alpha dropped), and 1 channel (grey, replicated;
    some visible cameras switch to grey at night). Depth: 8-bit passes through, 16-bit is mapped
    with `round(x / 257)` (65535 -> 255). Anything else raises ValueError naming
    `path` and the shape or dtype.
    """
    image = _as_hw_c(np.asarray(image), path)
    channels = image.shape[2]
    if channels not in (1, 3, 4):
        raise ValueError('unexpected channel count for an RGB image: {} has shape {} '
                         '(expected 1, 3 or 4 channels)'.format(path, image.shape))
    if image.dtype == np.uint16:
        image = np.rint(image.astype(np.float64) / 257.0).astype(np.uint8)
    elif image.dtype != np.uint8:
        raise ValueError('unsupported RGB image depth {} in {} (expected 8- or 16-bit)'.format(image.dtype, path))
    if channels == 1:
        return np.ascontiguousarray(np.repeat(image, 3, axis=2))
    if channels == 4:
        return cv2.cvtColor(np.ascontiguousarray(image), cv2.COLOR_BGRA2RGB)
    return cv2.cvtColor(np.ascontiguousarray(image), cv2.COLOR_BGR2RGB)


def read_rgb(path):
    """Read a visible-light frame as an `HxWx3` `uint8` array in RGB order (see to_rgb_uint8)."""
    return to_rgb_uint8(read_image_unchanged(path), path)


def scale_to_uint8(image, scaling='minmax', percentiles=(0.5, 99.5), value_range=None):
    """Map a one-channel array of any numeric dtype linearly to `uint8` (see the module docstring).

    `uint8` input is returned unchanged whatever the mode. Arithmetic is in float64 and rounded
    to nearest (`np.rint`) then clipped to 0..255.

    args:
        image - `HxW` array.
        scaling - `'minmax'`, `'percentile'` or `'fixed'`.
        percentiles - `(low, high)` percentiles in 0..100 for `'percentile'`.
        value_range - `(lo, hi)` raw values mapped to 0 and 255 for `'fixed'` (required there).
    """
    image = np.asarray(image)
    if image.dtype == np.uint8:
        return image
    if scaling not in THERMAL_SCALINGS:
        raise ValueError('unknown thermal scaling {!r}; known: {}'.format(scaling, ', '.join(THERMAL_SCALINGS)))
    values = image.astype(np.float64)
    if scaling == 'fixed':
        if value_range is None:
            raise ValueError("thermal scaling 'fixed' needs value_range=(lo, hi)")
        lo, hi = (float(v) for v in value_range)
        if not hi > lo:
            raise ValueError('value_range must satisfy lo < hi, got {}'.format(tuple(value_range)))
    else:
        finite = values[np.isfinite(values)]
        if finite.size == 0:
            return np.zeros(image.shape, dtype=np.uint8)
        if scaling == 'minmax':
            lo, hi = float(finite.min()), float(finite.max())
        else:
            p_lo, p_hi = percentiles
            if not 0.0 <= p_lo < p_hi <= 100.0:
                raise ValueError('percentiles must satisfy 0 <= low < high <= 100, got {}'.format(tuple(percentiles)))
            lo, hi = (float(v) for v in np.percentile(finite, (p_lo, p_hi)))
        if not hi > lo:
            return np.zeros(image.shape, dtype=np.uint8)
    out = np.rint((values - lo) * 255.0 / (hi - lo))
    out = np.nan_to_num(out, nan=0.0)
    return np.clip(out, 0, 255).astype(np.uint8)


def to_thermal_uint8(image, path='<array>', scaling='minmax', percentiles=(0.5, 99.5), value_range=None):
    """Convert a decoded thermal image to `HxWx3` `uint8`: one channel replicated to three.

    Accepted: 1 channel; 3 channels (BGR, e.g. thermal saved as a colour JPEG) or 4 (BGRA), which
    are converted to grey with OpenCV's luma weights (exact when the channels are equal). Non-8-bit
    data is scaled with scale_to_uint8. Other channel counts raise ValueError
    naming `path` and the shape.
    """
    image = _as_hw_c(np.asarray(image), path)
    channels = image.shape[2]
    if channels == 1:
        grey = image[:, :, 0]
    elif channels in (3, 4):
        if image.dtype not in (np.uint8, np.uint16, np.float32):
            image = image.astype(np.float32)
        code = cv2.COLOR_BGR2GRAY if channels == 3 else cv2.COLOR_BGRA2GRAY
        grey = cv2.cvtColor(np.ascontiguousarray(image), code)
    else:
        raise ValueError('unexpected channel count for a thermal image: {} has shape {} '
                         '(expected 1, 3 or 4 channels)'.format(path, image.shape))
    grey = scale_to_uint8(grey, scaling=scaling, percentiles=percentiles, value_range=value_range)
    return np.ascontiguousarray(np.repeat(grey[:, :, None], 3, axis=2))


def read_thermal(path, scaling='minmax', percentiles=(0.5, 99.5), value_range=None):
    """Read a thermal frame as `HxWx3` `uint8` (one channel replicated to three).

    Read with `IMREAD_UNCHANGED` so 16-bit data is scaled (`scaling`: `'minmax'`,
    `'percentile'` or `'fixed'`, see the module docstring), never truncated; 8-bit frames pass
    through. For an ltr `image_loader` use `functools.partial(read_thermal, scaling=...)`.
    """
    return to_thermal_uint8(read_image_unchanged(path), path, scaling=scaling, percentiles=percentiles,
                            value_range=value_range)


def read_tracking_frame(path):
    """A frame of an evaluation sequence as trackers and videos take it: `HxWx3` uint8 RGB.

    8-bit colour frames (3 or 4 channels) are read exactly as pytracking reads them. Anything else
    (16-bit or float, one channel: what thermal cameras write) is scaled per frame to 8 bits
    (min-max) and replicated to three channels (to_thermal_uint8). pytracking's trackers (through
    pytracking_cmd.compat), the VOT tracker process and `pytracking-cmd visualize` read frames here.
    Missing or undecodable files raise an error naming the file.
    """
    image = read_image_unchanged(path)
    if image.dtype == np.uint8 and image.ndim == 3 and image.shape[2] in (3, 4):
        return to_rgb_uint8(image, path)
    return to_thermal_uint8(image, path)


def split_side_by_side(image):
    """Split a side-by-side pair image into `(rgb_half, tir_half)`: RGB left, TIR right.

    The two halves are returned as contiguous copies. The width must be even; otherwise a
    ValueError names the shape (an odd width means the image is not a side-by-side pair
    of equal halves, and splitting it would shift one modality by a pixel).
    """
    image = np.asarray(image)
    if image.ndim < 2:
        raise ValueError('side-by-side image must be at least 2-D, got shape {}'.format(image.shape))
    width = image.shape[1]
    if width % 2 != 0 or width == 0:
        raise ValueError('side-by-side image has odd width {} (shape {}); expected RGB|TIR halves of equal '
                         'width'.format(width, image.shape))
    half = width // 2
    return np.ascontiguousarray(image[:, :half]), np.ascontiguousarray(image[:, half:])


def read_side_by_side(path, scaling='minmax', percentiles=(0.5, 99.5), value_range=None):
    """Read one side-by-side file and return `(rgb, tir)`, each `HxWx3` `uint8`.

    The file is decoded once; the left half goes through to_rgb_uint8, the right half
    through to_thermal_uint8. An odd width raises ValueError naming the path.
    """
    image = read_image_unchanged(path)
    try:
        left, right = split_side_by_side(image)
    except ValueError as e:
        raise ValueError('{}: {}'.format(path, e)) from e
    return (to_rgb_uint8(left, path),
            to_thermal_uint8(right, path, scaling=scaling, percentiles=percentiles, value_range=value_range))
