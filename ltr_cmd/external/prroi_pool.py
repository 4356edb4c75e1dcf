"""Precise RoI Pooling (PrRoIPool2D) in pure PyTorch, exact, for CPU and any device.

What it is
    A drop-in replacement for ``ltr.external.PreciseRoIPooling.pytorch.prroi_pool`` (Jiang et al.,
    "Acquisition of Localization Confidence for Accurate Object Detection", ECCV 2018; code at
    github.com/vacancy/PreciseRoIPooling), with the same public interface: the module
    ``PrRoIPool2D(pooled_height, pooled_width, spatial_scale)`` whose ``forward(features, rois)``
    takes features ``[B, C, H, W]`` and rois ``[K, 5]`` rows of ``(batch_index, x0, y0, x1, y1)``
    in image coordinates and returns ``[K, C, pooled_height, pooled_width]``, and the function
    ``prroi_pool2d(features, rois, pooled_height, pooled_width, spatial_scale)``.
    pytracking's IoU-Net (ltr/models/bbreg/atom_iou_net.py) and filter initialiser
    (ltr/models/target_classifier/initializer.py) use it.

The formula
    Pixel ``(y, x)`` of a feature map sits at integer coordinates; between pixels the map is
    interpolated bilinearly, and it is zero-padded outside (pixels beyond the border count as 0,
    so the interpolant fades linearly to 0 within one pixel of the border and is 0 further out):
        f(t, s) = sum_{y,x} F[y, x] * hat(t - y) * hat(s - x),   hat(u) = max(0, 1 - |u|).
    A box is scaled by ``spatial_scale``; its width and height are clamped at 0 and split into
    ``pooled_width x pooled_height`` equal bins.  Each output is the integral of ``f`` over its bin
    divided by the bin area (and exactly 0 when the area is 0):
        out[k, c, i, j] = 1 / (bh * bw) * int_{y0_i}^{y1_i} int_{x0_j}^{x1_j} f(t, s) ds dt
                        = sum_{y,x} F[b_k, c, y, x] * Wy[k, i, y] * Wx[k, j, x],
    because the integral is separable: ``Wx[k, j, x] = (1 / bw) * int_{x0_j}^{x1_j} hat(s - x) ds``
    (and ``Wy`` alike) has a closed form, a piecewise quadratic in the bin edges with a continuous
    first derivative.  There is no sampling, so the result is exact up to rounding, and autograd
    through the closed form gives exact gradients with respect to the features and to the box
    coordinates (the batch index column gets gradient 0).  This is what the original CUDA kernels
    compute (src/prroi_pooling_gpu_impl.cu: PrRoIPoolingForward, PrRoIPoolingBackward,
    PrRoIPoolingCoorBackward), including their edge cases: zero or negative width/height gives 0
    and zero gradients, boxes partly or fully outside the map see zero padding.  The batch index is
    truncated toward zero like the kernel's float-to-int conversion; an index outside ``[0, B)``,
    which the kernel reads out of bounds, raises IndexError here.

Why it exists
    The original is a git submodule that plain clones of pytracking lack, it has CUDA kernels only
    (CPU tensors raise NotImplementedError after a JIT compile attempt), and the commit pytracking
    pins includes THC headers, so it does not build on torch 2.x even with a GPU.

Dispatch
    ``prroi_pool2d`` (and so ``PrRoIPool2D``) use the original CUDA code for float32 CUDA tensors
    when it can be loaded: it is looked up lazily by file path in the imported ``ltr`` package
    (``ltr/external/PreciseRoIPooling/pytorch/prroi_pool/functional.py``; a package import would
    come back here, because pytracking-cmd redirects that package to this module) and its
    extension is JIT-compiled on first use.  Anything else, or a failed load (reported once with a
    warning), uses the pure-PyTorch code, which ``prroi_pool2d_pytorch`` calls directly.
    ``active_implementation(device)`` says which one runs.

Cost
    Pixels outside the union of the boxes' supports are skipped; the rest is one batched matrix
    product per image of the features with the per-box bin weights ``Wy (x) Wx``.  Boxes are
    grouped by image and padded to the largest group, so the work is
    ``B * max_boxes_per_image * ph * pw * h * w * C`` multiply-adds (h, w: the covered part of
    the map) and the weights take ``B * max_boxes_per_image * ph * pw * h * w`` elements.
"""
import importlib.util
import math
import os
import warnings

import torch
import torch.nn as nn

__all__ = ['PrRoIPool2D', 'prroi_pool2d', 'prroi_pool2d_pytorch', 'active_implementation']


# ---------------------------------------------------------------------------------------------
# Pure-PyTorch implementation
# ---------------------------------------------------------------------------------------------

def _hat_integral(lo, hi):
    """``int_lo^hi max(0, 1 - |u|) du`` elementwise, for ``lo <= hi``.

    Written per linear piece of the hat as (length) * (mean height) so that short intervals keep
    their relative precision; the value is continuous with a continuous first derivative in
    ``lo`` and ``hi``, so autograd through it is exact.
    """
    a = lo.clamp(-1.0, 1.0)
    b = hi.clamp(-1.0, 1.0)
    length = b - a
    one_piece = length * (1.0 - 0.5 * (a + b).abs())         # [a, b] on one side of the peak
    across_peak = length - 0.5 * (a * a + b * b)              # a < 0 < b
    return torch.where((a >= 0) | (b <= 0), one_piece, across_peak)


def _bin_weights(start, bin_size, n_bins, first_pixel, n_pixels):
    """Normalised bin weights ``[K, n_bins, n_pixels]`` along one axis.

    Bin ``j`` of box ``k`` covers ``[start + j * bin_size, start + (j + 1) * bin_size]``; the
    weight of pixel ``p`` (for ``p`` in ``first_pixel + range(n_pixels)``) is the integral of
    ``hat(. - p)`` over the bin divided by ``bin_size``, and 0 where ``bin_size == 0``.
    """
    j = torch.arange(n_bins, dtype=start.dtype, device=start.device)
    p = torch.arange(first_pixel, first_pixel + n_pixels, dtype=start.dtype, device=start.device)
    lo = start[:, None] + bin_size[:, None] * j                  # [K, n_bins]
    hi = lo + bin_size[:, None]
    w = _hat_integral(lo[:, :, None] - p, hi[:, :, None] - p)    # [K, n_bins, n_pixels]
    valid = bin_size > 0
    inv = torch.where(valid, 1.0 / torch.where(valid, bin_size, torch.ones_like(bin_size)),
                      torch.zeros_like(bin_size))
    return w * inv[:, None, None]


def _covered_range(start, end, size):
    """Pixel index range ``[first, stop)`` that can get a nonzero weight from ``[start, end]``
    intervals (pixel ``p`` is touched iff the interval meets ``(p - 1, p + 1)``), within the map."""
    first = max(0, min(size, math.floor(start) - 1))
    stop = max(first, min(size, math.ceil(end) + 2))
    return first, stop


def _group_by_image(batch_index, num_images):
    """Position of each box within its image's group and the largest group size."""
    num_boxes = batch_index.shape[0]
    counts = torch.bincount(batch_index, minlength=num_images)
    group = int(counts.max())
    order = torch.argsort(batch_index, stable=True)
    group_start = torch.cumsum(counts, 0) - counts
    rank_sorted = torch.arange(num_boxes, device=batch_index.device) - group_start[batch_index[order]]
    rank = torch.empty_like(rank_sorted)
    rank[order] = rank_sorted
    return rank, group


def prroi_pool2d_pytorch(features, rois, pooled_height, pooled_width, spatial_scale):
    """Precise RoI pooling in pure PyTorch (any device); see the module docstring.

    args:
        features - [B, C, H, W] floating tensor
        rois - [K, 5] rows of (batch_index, x0, y0, x1, y1) in image coordinates
        pooled_height, pooled_width - number of bins per box along y and x
        spatial_scale - factor from image coordinates to feature-map coordinates (1 / stride)
    returns:
        [K, C, pooled_height, pooled_width] tensor of features.dtype
    """
    pooled_height, pooled_width = int(pooled_height), int(pooled_width)
    spatial_scale = float(spatial_scale)
    if features.dim() != 4:
        raise ValueError(f'features must be [B, C, H, W], got shape {tuple(features.shape)}')
    if rois.dim() != 2 or rois.shape[1] != 5:
        raise ValueError(f'rois must be [K, 5] rows of (batch_index, x0, y0, x1, y1), got shape {tuple(rois.shape)}')
    if pooled_height < 1 or pooled_width < 1:
        raise ValueError(f'pooled size must be positive, got {pooled_height}x{pooled_width}')
    if not features.is_floating_point():
        raise TypeError(f'features must be a floating tensor, got {features.dtype}')

    num_images, channels, height, width = features.shape
    num_boxes = rois.shape[0]
    work_dtype = features.dtype if features.dtype in (torch.float32, torch.float64) else torch.float32
    out_shape = (num_boxes, channels, pooled_height, pooled_width)
    if num_boxes == 0 or channels == 0:
        return features.new_zeros(out_shape)

    rois = rois.to(device=features.device, dtype=work_dtype)
    batch_index = rois[:, 0].detach().to(torch.int64)             # truncation, like the kernel's (int)
    x0 = rois[:, 1] * spatial_scale
    y0 = rois[:, 2] * spatial_scale
    roi_w = (rois[:, 3] * spatial_scale - x0).clamp(min=0)
    roi_h = (rois[:, 4] * spatial_scale - y0).clamp(min=0)

    # One host synchronisation for validation and for the part of the map the boxes can touch.
    stats = torch.stack([batch_index.min().to(work_dtype), batch_index.max().to(work_dtype),
                         x0.min(), (x0 + roi_w).max(), y0.min(), (y0 + roi_h).max()]).detach()
    if not bool(torch.isfinite(stats).all()):
        raise ValueError('rois contain non-finite values')
    b_min, b_max, x_lo, x_hi, y_lo, y_hi = stats.tolist()
    if b_min < 0 or b_max >= num_images:
        raise IndexError(f'roi batch index out of range [0, {num_images}): min {b_min:g}, max {b_max:g}')
    xa, xb = _covered_range(x_lo, x_hi, width)
    ya, yb = _covered_range(y_lo, y_hi, height)

    wx = _bin_weights(x0, roi_w / pooled_width, pooled_width, xa, xb - xa)     # [K, pw, w]
    wy = _bin_weights(y0, roi_h / pooled_height, pooled_height, ya, yb - ya)   # [K, ph, h]
    bins = pooled_height * pooled_width
    pixels = (yb - ya) * (xb - xa)
    weights = (wy[:, :, None, :, None] * wx[:, None, :, None, :]).reshape(num_boxes, bins, pixels)

    rank, group = _group_by_image(batch_index, num_images)
    if group * num_images == num_boxes and torch.equal(
            batch_index, torch.arange(num_images, device=batch_index.device).repeat_interleave(group)):
        padded = weights                       # already laid out image by image (pytracking's layout)
    else:
        padded = weights.new_zeros(num_images, group, bins, pixels).index_put((batch_index, rank), weights)
    padded = padded.reshape(num_images, group * bins, pixels)

    feat = features[:, :, ya:yb, xa:xb].to(work_dtype).reshape(num_images, channels, pixels)
    pooled = torch.matmul(feat, padded.transpose(1, 2))          # [B, C, group * bins]
    pooled = pooled.reshape(num_images, channels, group, pooled_height, pooled_width)
    return pooled[batch_index, :, rank].to(features.dtype)       # [K, C, ph, pw]


# ---------------------------------------------------------------------------------------------
# The original CUDA implementation, loaded lazily by file path
# ---------------------------------------------------------------------------------------------

_ORIGINAL_MODULE_NAME = '_pytracking_cmd_prroi_pool_original'
_original = None         # the loaded functional module of the original
_original_failure = None  # why it could not be loaded
_fallback_warned = False


class _Unavailable(Exception):
    pass


def _original_functional_path():
    spec = importlib.util.find_spec('ltr')
    if spec is None or not spec.submodule_search_locations:
        raise _Unavailable('the pytracking package `ltr` is not importable')
    ltr_dir = list(spec.submodule_search_locations)[0]
    path = os.path.join(ltr_dir, 'external', 'PreciseRoIPooling', 'pytorch', 'prroi_pool', 'functional.py')
    if not os.path.isfile(path):
        raise _Unavailable(f'{path} not found (git submodule ltr/external/PreciseRoIPooling not checked out)')
    return path


def _load_original():
    """The original's functional module, or None with the reason kept; tried once per process."""
    global _original, _original_failure
    if _original is not None or _original_failure is not None:
        return _original
    try:
        if not torch.cuda.is_available():
            raise _Unavailable('torch.cuda.is_available() is False')
        path = _original_functional_path()
        spec = importlib.util.spec_from_file_location(_ORIGINAL_MODULE_NAME, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        if not callable(getattr(module, 'prroi_pool2d', None)):
            raise _Unavailable(f'{path} has no prroi_pool2d')
        build = getattr(module, '_import_prroi_pooling', None)
        if callable(build):
            build()    # JIT-compile the CUDA extension now rather than in the middle of a forward
    except _Unavailable as exc:
        _original_failure = str(exc)
    except Exception as exc:   # a failed compile raises RuntimeError, ImportError, OSError, ...
        _original_failure = f'{type(exc).__name__}: {exc}'.strip()
    else:
        _original = module
    return _original


def active_implementation(device='cpu'):
    """Which implementation ``prroi_pool2d`` uses for float32 tensors on ``device``:
    'pytorch', 'cuda-original' or 'pytorch (cuda original unavailable: <reason>)'.
    For a CUDA device this loads (and may JIT-compile) the original."""
    if torch.device(device).type != 'cuda':
        return 'pytorch'
    if _load_original() is not None:
        return 'cuda-original'
    return f'pytorch (cuda original unavailable: {_original_failure})'


def prroi_pool2d(features, rois, pooled_height, pooled_width, spatial_scale):
    """Precise RoI pooling: the original CUDA code for float32 CUDA tensors when it loads, else
    ``prroi_pool2d_pytorch``.  Same arguments and result as ``prroi_pool2d_pytorch``."""
    global _fallback_warned
    if features.is_cuda and features.dtype == torch.float32 and rois.dtype == torch.float32:
        original = _load_original()
        if original is not None:
            return original.prroi_pool2d(features, rois, pooled_height, pooled_width, spatial_scale)
        if not _fallback_warned:
            _fallback_warned = True
            warnings.warn(f'PrRoIPool2D: the original CUDA implementation is unavailable '
                          f'({_original_failure}); using the pure-PyTorch one', RuntimeWarning, stacklevel=2)
    return prroi_pool2d_pytorch(features, rois, pooled_height, pooled_width, spatial_scale)


class PrRoIPool2D(nn.Module):
    """Precise RoI pooling of ``[B, C, H, W]`` features over rois ``[K, 5]`` of
    (batch_index, x0, y0, x1, y1) in image coordinates, into ``[K, C, pooled_height, pooled_width]``.

    args:
        pooled_height, pooled_width - number of bins per box along y and x
        spatial_scale - factor from image coordinates to feature-map coordinates (1 / stride)
    """

    def __init__(self, pooled_height, pooled_width, spatial_scale):
        super().__init__()
        self.pooled_height = int(pooled_height)
        self.pooled_width = int(pooled_width)
        self.spatial_scale = float(spatial_scale)

    def forward(self, features, rois):
        return prroi_pool2d(features, rois, self.pooled_height, self.pooled_width, self.spatial_scale)

    def extra_repr(self):
        return f'kernel_size=({self.pooled_height}, {self.pooled_width}), spatial_scale={self.spatial_scale}'
