"""Tests of ltr_cmd.external.prroi_pool against independent integrals and the CUDA kernels' rules.

The CUDA behaviour quoted here was read in github.com/vacancy/PreciseRoIPooling, master f75570a,
src/prroi_pooling_gpu_impl.cu (identical at 070a795, the commit pytracking pins):
- PrRoIPoolingForward: box = rois[1:5] * spatial_scale; roi_width/height = max(x1 - x0, 0); the bin
  size is that over the pooled size; `win_size = bin_w * bin_h`, and `if (win_size == 0)` the output
  is 0; otherwise the sum over the unit cells the bin overlaps of the exact integral of the bilinear
  interpolant, divided by win_size.  Pixels outside the map read as 0 (PrRoIPoolingGetData), i.e.
  zero padding.  The batch index is `int roi_batch_ind = bottom_rois[0]` (truncation).
- PrRoIPoolingBackward: feature gradient `top_diff / win_size` spread with the same weights, 0 when
  win_size == 0.
- PrRoIPoolingCoorBackward: returns early (gradient 0) when `top_diff / win_size == 0`, so degenerate
  boxes get zero coordinate gradients; otherwise the exact derivative (re-implemented in
  `_cuda_coordinate_gradient` below); the batch index column gets 0.
"""
import math
import sys
import types
import warnings

import numpy as np
import pytest
import torch

import ltr_cmd.external.prroi_pool as prroi
from ltr_cmd.external.prroi_pool import PrRoIPool2D, active_implementation, prroi_pool2d


# ---------------------------------------------------------------------------------------------
# Independent references (numpy, one box at a time)
# ---------------------------------------------------------------------------------------------

def _interp(fmap, t, s):
    """Zero-padded bilinear interpolation of fmap [H, W] at rows t, columns s (arrays)."""
    height, width = fmap.shape
    t0, s0 = np.floor(t).astype(int), np.floor(s).astype(int)
    value = np.zeros(np.broadcast(t, s).shape)
    for dy in (0, 1):
        for dx in (0, 1):
            y, x = t0 + dy, s0 + dx
            inside = (y >= 0) & (y < height) & (x >= 0) & (x < width)
            f = np.where(inside, fmap[np.clip(y, 0, height - 1), np.clip(x, 0, width - 1)], 0.0)
            value = value + f * (1 - np.abs(t - y)) * (1 - np.abs(s - x))
    return value


def _bins(roi, pooled_height, pooled_width, scale):
    x0, y0, x1, y1 = (float(v) * scale for v in roi[1:])
    bin_w, bin_h = max(x1 - x0, 0.0) / pooled_width, max(y1 - y0, 0.0) / pooled_height
    for i in range(pooled_height):
        for j in range(pooled_width):
            yield i, j, y0 + i * bin_h, bin_h, x0 + j * bin_w, bin_w


def _midpoint_reference(features, roi, pooled_height, pooled_width, scale, n=64):
    """Dense midpoint rule with n x n samples per bin; also returns the error bound per bin.

    On a sub-rectangle inside one unit cell the interpolant is bilinear and the midpoint rule is
    exact; only sub-rectangles crossed by an integer line err.  Across such a line the slope jumps
    by J <= 4 max|F|, and the midpoint rule errs by at most J h^2 / 8 per unit length of the line
    (h: sub-sample spacing).  Summed over the <= ceil(b) + 1 lines crossing a bin of width b and
    height c, divided by the area b c:  bound = max|F| / (2 n^2) * ((ceil(b) + 1) b + (ceil(c) + 1) c).
    """
    fmaps = features[int(roi[0])]
    out = np.zeros((fmaps.shape[0], pooled_height, pooled_width))
    bound = np.zeros((pooled_height, pooled_width))
    u = (np.arange(n) + 0.5) / n
    for i, j, y, bh, x, bw in _bins(roi, pooled_height, pooled_width, scale):
        if bh * bw == 0:
            continue
        t, s = np.meshgrid(y + bh * u, x + bw * u, indexing='ij')
        for c, fmap in enumerate(fmaps):
            out[c, i, j] = _interp(fmap, t, s).mean()
        bound[i, j] = np.abs(fmaps).max() / (2 * n * n) * (
            (math.ceil(bw) + 1) * bw + (math.ceil(bh) + 1) * bh)
    return out, bound


def _pieces(lo, size):
    """Split [lo, lo + size] at integers: list of (midpoint, length)."""
    edges = [lo] + [float(k) for k in range(math.floor(lo) + 1, math.ceil(lo + size))] + [lo + size]
    return [((a + b) / 2, b - a) for a, b in zip(edges[:-1], edges[1:]) if b > a]


def _exact_reference(features, roi, pooled_height, pooled_width, scale):
    """Bins split at integer lines into pieces on which the interpolant is bilinear, where the
    one-point midpoint rule is exact: the exact bin average up to rounding."""
    fmaps = features[int(roi[0])]
    out = np.zeros((fmaps.shape[0], pooled_height, pooled_width))
    for i, j, y, bh, x, bw in _bins(roi, pooled_height, pooled_width, scale):
        if bh * bw == 0:
            continue
        for ty, ly in _pieces(y, bh):
            for sx, lx in _pieces(x, bw):
                out[:, i, j] += np.array([_interp(f, np.array(ty), np.array(sx)) for f in fmaps]) * ly * lx
        out[:, i, j] /= bh * bw
    return out


def _line_integral(fmap, fixed, lo, size, along_rows):
    """Exact integral of the interpolant along a segment (piecewise linear: midpoints are exact)."""
    total = 0.0
    for mid, length in _pieces(lo, size):
        t, s = (mid, fixed) if along_rows else (fixed, mid)
        total += float(_interp(fmap, np.array(t), np.array(s))) * length
    return total


def _cuda_coordinate_gradient(features, roi, grad_out, pooled_height, pooled_width, scale):
    """d(sum(grad_out * out))/d(roi) by the formulas of PrRoIPoolingCoorBackward."""
    fmaps = features[int(roi[0])]
    out = _exact_reference(features, roi, pooled_height, pooled_width, scale)
    grad = np.zeros(5)
    for i, j, y, bh, x, bw in _bins(roi, pooled_height, pooled_width, scale):
        if bh * bw == 0:
            continue
        for c, fmap in enumerate(fmaps):
            g = grad_out[c, i, j]
            top = out[c, i, j]
            px1 = (-_line_integral(fmap, x, y, bh, True) + bh * top) / (bw * bh) * scale
            px2 = (_line_integral(fmap, x + bw, y, bh, True) - bh * top) / (bw * bh) * scale
            py1 = (-_line_integral(fmap, y, x, bw, False) + bw * top) / (bw * bh) * scale
            py2 = (_line_integral(fmap, y + bh, x, bw, False) - bw * top) / (bw * bh) * scale
            grad[1] += g * (px1 * (1 - j / pooled_width) + px2 * (1 - (j + 1) / pooled_width))
            grad[2] += g * (py1 * (1 - i / pooled_height) + py2 * (1 - (i + 1) / pooled_height))
            grad[3] += g * (px2 * (j + 1) / pooled_width + px1 * j / pooled_width)
            grad[4] += g * (py2 * (i + 1) / pooled_height + py1 * i / pooled_height)
    return grad


def _random_case(seed, num_images=2, channels=3, height=7, width=9):
    gen = torch.Generator().manual_seed(seed)
    features = torch.randn(num_images, channels, height, width, dtype=torch.float64, generator=gen)
    return features, gen


# Boxes at scale 1/4 on a 7 x 9 map (feature coordinates in comments).
SCALE = 0.25
ROIS = torch.tensor([
    [0, 5.3, 3.1, 21.7, 17.9],      # inside: x 1.3..5.4, y 0.8..4.5
    [1, -9.0, 10.2, 13.0, 34.6],    # over the left and bottom borders: x -2.3..3.3, y 2.6..8.7
    [1, 29.0, -6.5, 41.0, 12.3],    # over the right and top borders: x 7.3..10.3, y -1.6..3.1
    [0, -30.0, -20.0, 50.0, 45.0],  # larger than the map on all sides
    [1, 40.2, 33.3, 52.0, 47.1],    # fully outside (beyond x = 9, y = 7)
    [0, -22.0, -18.5, -6.1, -5.0],  # fully outside (x < -1, y < -1)
    [0, 0.5, 0.5, 2.5, 2.9],        # small: bins of 0.17 x 0.2 pixels
], dtype=torch.float64)


# ---------------------------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize('pooled', [(1, 1), (3, 2), (2, 5)])
def test_matches_dense_midpoint_integration(pooled):
    features, _ = _random_case(0)
    ph, pw = pooled
    out = prroi_pool2d(features, ROIS, ph, pw, SCALE).numpy()
    worst, worst_ratio = 0.0, 0.0
    for k, roi in enumerate(ROIS.numpy()):
        ref, bound = _midpoint_reference(features.numpy(), roi, ph, pw, SCALE)
        err = np.abs(out[k] - ref)
        assert np.all(err <= bound[None] + 1e-12), (k, err.max(), bound.max())
        worst = max(worst, float(err.max()))
        worst_ratio = max(worst_ratio, float((err / np.where(bound > 0, bound, np.inf)[None]).max()))
    print(f'\nmax |ours - midpoint(64x64 per bin)| for {ph}x{pw} bins: {worst:.3e} '
          f'(at most {worst_ratio:.2f} of the quadrature error bound)')
    assert worst > 0  # the midpoint rule is not exact here, so a zero would mean it was not compared


@pytest.mark.parametrize('pooled', [(1, 1), (3, 2), (4, 4)])
def test_matches_exact_piecewise_integration(pooled):
    features, _ = _random_case(1)
    ph, pw = pooled
    out = prroi_pool2d(features, ROIS, ph, pw, SCALE).numpy()
    ref = np.stack([_exact_reference(features.numpy(), roi, ph, pw, SCALE) for roi in ROIS.numpy()])
    err = np.abs(out - ref).max()
    print(f'\nmax |ours - exact piecewise integral| for {ph}x{pw} bins: {err:.3e}')
    assert err < 1e-12
    assert np.abs(ref).max() > 0.1


def test_constant_and_linear_maps_are_exact():
    height, width = 6, 8
    a, b, c = 0.7, -0.3, 1.9
    ys, xs = torch.meshgrid(torch.arange(height, dtype=torch.float64),
                            torch.arange(width, dtype=torch.float64), indexing='ij')
    linear = (a + b * xs + c * ys)[None, None]
    constant = torch.full((1, 1, height, width), a, dtype=torch.float64)
    # Boxes inside [0, W-1] x [0, H-1] in feature coordinates (scale 1/2), 3 x 4 bins.
    rois = torch.tensor([[0, 0.0, 0.0, 14.0, 10.0], [0, 1.3, 2.7, 9.1, 8.3], [0, 4.0, 4.0, 4.6, 9.9]],
                        dtype=torch.float64)
    ph, pw, scale = 3, 4, 0.5
    out_lin = prroi_pool2d(linear, rois, ph, pw, scale)
    out_const = prroi_pool2d(constant, rois, ph, pw, scale)
    for k, (_, x0, y0, x1, y1) in enumerate(rois.tolist()):
        x0, y0, x1, y1 = x0 * scale, y0 * scale, x1 * scale, y1 * scale
        for i in range(ph):
            for j in range(pw):
                xc = x0 + (j + 0.5) * (x1 - x0) / pw   # the mean of a linear function is its
                yc = y0 + (i + 0.5) * (y1 - y0) / ph   # value at the centre of the bin
                assert abs(out_lin[k, 0, i, j].item() - (a + b * xc + c * yc)) < 1e-12
                assert abs(out_const[k, 0, i, j].item() - a) < 1e-12

    # Zero padding, by hand: the constant map fades linearly to 0 over the pixel beyond the border.
    cases = [
        ([0, -2.0, 2.0, 0.0, 6.0], a / 2),            # x in [-1, 0]: mean of a * (1 + s)
        ([0, -2.0, -2.0, 0.0, 0.0], a / 4),           # the corner square [-1, 0]^2
        ([0, 14.0, 2.0, 18.0, 6.0], a / 4),           # x in [7, 9]: a/2 over [7, 8], 0 over [8, 9]
        ([0, -4.0, 2.0, 2.0, 6.0], (a / 2 + a) / 3),  # x in [-2, 1]: 0, a/2, a per unit
    ]
    for roi, expected in cases:
        value = prroi_pool2d(constant, torch.tensor([roi], dtype=torch.float64), 1, 1, scale)
        assert abs(value.item() - expected) < 1e-12, (roi, value.item(), expected)


def test_unit_bins_on_the_pixel_grid_are_2x2_averages():
    # Over a unit cell the bilinear interpolant averages to the mean of the cell's four corners, so
    # one bin per cell, over the map and one pixel of zero padding around it, is avg_pool2d(2, 1)
    # with padding 1 counting the padded zeros.
    features, _ = _random_case(9, height=5, width=6)
    rois = torch.tensor([[0, -1.0, -1.0, 6.0, 5.0], [1, -1.0, -1.0, 6.0, 5.0]], dtype=torch.float64)
    out = prroi_pool2d(features, rois, 6, 7, 1.0)
    expected = torch.nn.functional.avg_pool2d(features, 2, stride=1, padding=1, count_include_pad=True)
    assert expected.shape == out.shape
    assert torch.allclose(out, expected, rtol=0, atol=1e-14)


def test_degenerate_and_outside_boxes_follow_the_cuda_kernel():
    features, _ = _random_case(2)
    rois = torch.tensor([
        [0, 8.0, 4.0, 8.0, 20.0],     # zero width
        [1, 8.0, 4.0, 20.0, 4.0],     # zero height
        [0, 20.0, 4.0, 8.0, 20.0],    # negative width
        [1, 8.0, 20.0, 20.0, 4.0],    # negative height
        [0, 3.0, 3.0, 3.0, 3.0],      # a point
        [1, 60.0, 60.0, 90.0, 90.0],  # fully outside
        [0, 5.3, 3.1, 21.7, 17.9],    # a normal box, to see that the others do not disturb it
    ], dtype=torch.float64)
    feats = features.clone().requires_grad_(True)
    boxes = rois.clone().requires_grad_(True)
    out = prroi_pool2d(feats, boxes, 2, 3, SCALE)
    assert out.shape == (7, 3, 2, 3)
    assert torch.all(out[:6] == 0)            # CUDA: win_size == 0 -> 0; outside -> zero padding
    assert out[6].abs().max() > 0.1
    grad_out = torch.randn(out.shape, dtype=torch.float64, generator=torch.Generator().manual_seed(3))
    grad_out[6] = 0                            # keep only the degenerate and outside boxes
    feat_grad, box_grad = torch.autograd.grad((out * grad_out).sum(), (feats, boxes))
    assert torch.all(feat_grad == 0)
    assert torch.all(box_grad == 0)
    assert torch.isfinite(feat_grad).all() and torch.isfinite(box_grad).all()


def test_batch_index_selects_the_image():
    features, gen = _random_case(4, num_images=3)
    base = torch.tensor([[5.3, 3.1, 21.7, 17.9], [-9.0, 10.2, 13.0, 34.6], [29.0, -6.5, 41.0, 12.3]],
                        dtype=torch.float64)
    order = [2, 0, 1, 0, 2, 2, 1]              # unsorted, unequal numbers of boxes per image
    rois = torch.cat([torch.tensor(order, dtype=torch.float64)[:, None],
                      base[torch.tensor([k % 3 for k in range(len(order))])]], dim=1)
    out = prroi_pool2d(features, rois, 2, 2, SCALE)
    for k, b in enumerate(order):
        alone = prroi_pool2d(features[b:b + 1], torch.cat([torch.zeros(1, 1, dtype=torch.float64),
                                                           rois[k:k + 1, 1:]], 1), 2, 2, SCALE)
        assert torch.allclose(out[k], alone[0], rtol=0, atol=1e-13)
        others = [o for o in range(3) if o != b]
        assert not torch.allclose(out[k], prroi_pool2d(features[others[0]:others[0] + 1],
                                                       torch.cat([torch.zeros(1, 1, dtype=torch.float64),
                                                                  rois[k:k + 1, 1:]], 1), 2, 2, SCALE)[0])
    # The kernel converts the index with (int): truncation, so 1.7 selects image 1.
    truncated = rois.clone()
    truncated[:, 0] += 0.7
    assert torch.equal(prroi_pool2d(features, truncated, 2, 2, SCALE), out)
    # Out of range reads outside the buffer in the kernel; here it is an error.
    bad = rois.clone()
    bad[3, 0] = 3
    with pytest.raises(IndexError):
        prroi_pool2d(features, bad, 2, 2, SCALE)


def test_no_boxes_and_float32():
    features, _ = _random_case(5)
    empty = prroi_pool2d(features, torch.zeros(0, 5, dtype=torch.float64), 3, 3, SCALE)
    assert empty.shape == (0, 3, 3, 3)
    out64 = prroi_pool2d(features, ROIS, 3, 3, SCALE)
    out32 = prroi_pool2d(features.float(), ROIS.float(), 3, 3, SCALE)
    assert out32.dtype == torch.float32
    assert torch.allclose(out32.double(), out64, rtol=0, atol=1e-5)


# ---------------------------------------------------------------------------------------------
# Gradients
# ---------------------------------------------------------------------------------------------

# For a 6 x 7 map: inside, over the left/bottom, over the right/top, and over all borders.  Every bin
# edge (scale 1/4, 2 x 3 bins) is at least 0.05 from an integer, where the weights' second
# derivative jumps.
GRAD_ROIS = torch.tensor([
    [0, 5.3, 3.1, 21.7, 17.9],
    [1, -9.0, 10.2, 13.6, 34.6],
    [1, 21.0, -6.5, 33.0, 12.3],
    [0, -14.6, -13.4, 47.4, 40.6],
], dtype=torch.float64)


def test_gradient_rois_avoid_integer_edges():
    for _, x0, y0, x1, y1 in (GRAD_ROIS * torch.tensor([1, SCALE, SCALE, SCALE, SCALE])).tolist():
        for lo, hi, n in ((x0, x1, 3), (y0, y1, 2)):
            edges = [lo + (hi - lo) * k / n for k in range(n + 1)]
            assert min(abs(e - round(e)) for e in edges) >= 0.05, edges


def test_gradcheck_features_and_boxes():
    features, _ = _random_case(6, channels=2, height=6, width=7)
    feats = features.clone().requires_grad_(True)
    # Only the coordinates are perturbed: the batch index column is piecewise constant
    # (1 - eps truncates to 0), its gradient is 0 by definition (checked below).
    index, coords = GRAD_ROIS[:, :1], GRAD_ROIS[:, 1:].clone().requires_grad_(True)

    def pool(f, c):
        return prroi_pool2d(f, torch.cat([index, c], dim=1), 2, 3, SCALE)

    assert torch.autograd.gradcheck(lambda f: pool(f, coords.detach()), (feats,))
    assert torch.autograd.gradcheck(lambda c: pool(features, c), (coords,))


def test_box_gradient_matches_the_cuda_formula():
    features, gen = _random_case(7, channels=2, height=6, width=7)
    boxes = GRAD_ROIS.clone().requires_grad_(True)
    out = prroi_pool2d(features, boxes, 2, 3, SCALE)
    grad_out = torch.randn(out.shape, dtype=torch.float64, generator=gen)
    (grad,) = torch.autograd.grad((out * grad_out).sum(), boxes)
    expected = np.stack([_cuda_coordinate_gradient(features.numpy(), roi, g, 2, 3, SCALE)
                         for roi, g in zip(GRAD_ROIS.numpy(), grad_out.numpy())])
    assert np.abs(grad.numpy() - expected).max() < 1e-12
    assert np.abs(expected[:, 1:]).min() > 1e-4       # all coordinate gradients take part
    assert torch.all(grad[:, 0] == 0)


# ---------------------------------------------------------------------------------------------
# Interface and dispatch
# ---------------------------------------------------------------------------------------------

def test_module_used_like_atom_iou_net():
    # ltr/models/bbreg/atom_iou_net.py: PrRoIPool2D(3, 3, 1/8) on [B, C, H, W] stride-8 features,
    # rois (batch_index, x0, y0, x1, y1) in image coordinates, proposals grouped image by image.
    pool = PrRoIPool2D(3, 3, 1 / 8)
    assert isinstance(pool, torch.nn.Module) and not list(pool.parameters())
    assert (pool.pooled_height, pool.pooled_width, pool.spatial_scale) == (3, 3, 0.125)
    assert repr(pool) == 'PrRoIPool2D(kernel_size=(3, 3), spatial_scale=0.125)'
    gen = torch.Generator().manual_seed(8)
    batch_size, num_proposals = 2, 5
    feat = torch.randn(batch_size, 4, 36, 36, generator=gen)
    proposals = torch.rand(batch_size, num_proposals, 4, generator=gen) * torch.tensor([200., 200., 80., 80.]) + 10
    proposals_xyxy = torch.cat((proposals[:, :, 0:2], proposals[:, :, 0:2] + proposals[:, :, 2:4]), dim=2)
    batch_index = torch.arange(batch_size, dtype=torch.float32).reshape(-1, 1)
    rois = torch.cat((batch_index.reshape(batch_size, -1, 1).expand(-1, num_proposals, -1), proposals_xyxy), dim=2)
    rois = rois.reshape(-1, 5)
    out = pool(feat, rois)
    assert out.shape == (batch_size * num_proposals, 4, 3, 3) and out.dtype == torch.float32
    ref = _exact_reference(feat.double().numpy(), rois[7].double().numpy(), 3, 3, 1 / 8)
    assert np.abs(out[7].double().numpy() - ref).max() < 1e-5
    assert torch.equal(out, prroi_pool2d(feat, rois, 3, 3, 1 / 8))


def test_active_implementation_on_this_machine():
    assert active_implementation('cpu') == 'pytorch'
    assert active_implementation(torch.device('cpu')) == 'pytorch'
    if not torch.cuda.is_available():
        assert active_implementation('cuda') == \
            'pytorch (cuda original unavailable: torch.cuda.is_available() is False)'


@pytest.fixture
def fresh_loader(monkeypatch, tmp_path):
    """Reset the cached load state; put a fake pytracking `ltr` package first on sys.path."""
    monkeypatch.setattr(prroi, '_original', None)
    monkeypatch.setattr(prroi, '_original_failure', None)
    monkeypatch.setattr(prroi, '_fallback_warned', False)
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)
    for name in [m for m in sys.modules if m == 'ltr' or m.startswith('ltr.')]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.syspath_prepend(str(tmp_path))
    (tmp_path / 'ltr').mkdir()
    (tmp_path / 'ltr' / '__init__.py').write_text('')
    return tmp_path / 'ltr' / 'external' / 'PreciseRoIPooling' / 'pytorch' / 'prroi_pool'


def test_original_loaded_by_file_path(fresh_loader):
    fresh_loader.mkdir(parents=True)
    (fresh_loader / 'functional.py').write_text(
        'built = []\n'
        'def _import_prroi_pooling():\n    built.append(True)\n'
        'def prroi_pool2d(features, rois, ph, pw, scale):\n    return ("original", ph, pw, scale)\n')
    assert active_implementation('cuda') == 'cuda-original'
    assert prroi._original.built == [True]      # the extension build was triggered at load time
    assert not any(m.startswith('ltr.external') for m in sys.modules)  # by path, not as a package
    cuda_like = types.SimpleNamespace(is_cuda=True, dtype=torch.float32)
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        assert prroi_pool2d(cuda_like, cuda_like, 3, 4, 0.5) == ('original', 3, 4, 0.5)


def test_fallback_warns_once_with_the_reason(fresh_loader, monkeypatch):
    monkeypatch.setattr(prroi, 'prroi_pool2d_pytorch', lambda *args: 'pytorch')
    cuda_like = types.SimpleNamespace(is_cuda=True, dtype=torch.float32)
    with pytest.warns(RuntimeWarning, match='not checked out'):
        assert prroi_pool2d(cuda_like, cuda_like, 3, 3, 0.125) == 'pytorch'
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        assert prroi_pool2d(cuda_like, cuda_like, 3, 3, 0.125) == 'pytorch'
    assert active_implementation('cuda').startswith('pytorch (cuda original unavailable: ')
    assert str(fresh_loader / 'functional.py') in active_implementation('cuda')


def test_failed_build_is_reported(fresh_loader):
    fresh_loader.mkdir(parents=True)
    (fresh_loader / 'functional.py').write_text(
        'def _import_prroi_pooling():\n    raise RuntimeError("Error building extension \'_prroi_pooling\'")\n'
        'def prroi_pool2d(*args):\n    raise AssertionError("must not be called")\n')
    assert active_implementation('cuda') == \
        "pytorch (cuda original unavailable: RuntimeError: Error building extension '_prroi_pooling')"
