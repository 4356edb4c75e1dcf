"""ltr_cmd.data.image_io: RGB/thermal reading, 16-bit scaling by hand, errors that name the file."""
import cv2
import numpy as np
import pytest

from ltr_cmd.data import image_io
from ltr_cmd.data.image_io import (ImageReadError, read_rgb, read_side_by_side, read_thermal, scale_to_uint8,
                                   split_side_by_side, to_rgb_uint8, to_thermal_uint8)


def _write(path, image):
    path.parent.mkdir(parents=True, exist_ok=True)
    assert cv2.imwrite(str(path), image)
    return path


def _thermal16():
    """24x32 16-bit frame, values 1000..3000 (min and max present once each)."""
    img = np.full((24, 32), 2000, dtype=np.uint16)
    img[0, 0] = 1000
    img[0, 1] = 3000
    img[1, 0] = 1500
    img[1, 1] = 2500
    return img


# -- RGB ------------------------------------------------------------------------------------------

def test_read_rgb_returns_rgb_order(tmp_path):
    bgr = np.zeros((24, 32, 3), dtype=np.uint8)
    bgr[...] = (10, 20, 30)   # B, G, R
    path = _write(tmp_path / 'a.png', bgr)
    rgb = read_rgb(path)
    assert rgb.shape == (24, 32, 3) and rgb.dtype == np.uint8
    assert tuple(rgb[5, 5]) == (30, 20, 10)


def test_read_rgb_grey_and_bgra(tmp_path):
    grey = np.arange(24 * 32, dtype=np.uint16).reshape(24, 32).astype(np.uint8)
    rgb = read_rgb(_write(tmp_path / 'g.png', grey))
    assert rgb.shape == (24, 32, 3)
    assert np.array_equal(rgb[:, :, 0], grey) and np.array_equal(rgb[:, :, 2], grey)
    bgra = np.zeros((24, 32, 4), dtype=np.uint8)
    bgra[...] = (1, 2, 3, 77)
    rgb = read_rgb(_write(tmp_path / 'a.png', bgra))
    assert rgb.shape == (24, 32, 3) and tuple(rgb[0, 0]) == (3, 2, 1)


def test_read_rgb_16bit_maps_full_range(tmp_path):
    img = np.zeros((24, 32, 3), dtype=np.uint16)
    img[0, 0] = 65535
    img[0, 1] = 257 * 100
    rgb = read_rgb(_write(tmp_path / 'c16.png', img))
    assert rgb.dtype == np.uint8
    assert tuple(rgb[0, 0]) == (255, 255, 255)
    assert tuple(rgb[0, 1]) == (100, 100, 100)
    assert tuple(rgb[2, 2]) == (0, 0, 0)


def test_rgb_unexpected_channel_count_names_path_and_shape():
    with pytest.raises(ValueError) as e:
        to_rgb_uint8(np.zeros((4, 5, 2), dtype=np.uint8), '/data/x.png')
    assert '/data/x.png' in str(e.value) and '(4, 5, 2)' in str(e.value)


# -- thermal: 16-bit scaling by hand -------------------------------------------------------------

def test_read_thermal_16bit_minmax_by_hand(tmp_path):
    path = _write(tmp_path / 't16.png', _thermal16())
    out = read_thermal(path)                      # 'minmax'
    assert out.shape == (24, 32, 3) and out.dtype == np.uint8
    assert np.array_equal(out[:, :, 0], out[:, :, 1]) and np.array_equal(out[:, :, 0], out[:, :, 2])
    assert out[0, 0, 0] == 0                      # 1000 -> 0
    assert out[0, 1, 0] == 255                    # 3000 -> 255
    assert out[1, 0, 0] == 64                     # (1500-1000)*255/2000 = 63.75 -> 64
    assert out[1, 1, 0] == 191                    # (2500-1000)*255/2000 = 191.25 -> 191
    # not truncated: an 8-bit cast of the raw values would give 1000 % 256 = 232 etc.
    assert out[0, 0, 0] != 1000 % 256


def test_scale_percentile_by_hand():
    # 101 values 1000, 1010, ..., 2000: the 10th/90th percentiles are exactly 1100 and 1900.
    values = (1000 + 10 * np.arange(101)).astype(np.uint16).reshape(1, 101)
    out = scale_to_uint8(values, scaling='percentile', percentiles=(10, 90))
    assert out[0, 0] == 0          # 1000 below lo -> clipped to 0
    assert out[0, 10] == 0         # 1100 = lo
    assert out[0, 30] == 64        # 1300: 200*255/800 = 63.75
    assert out[0, 90] == 255       # 1900 = hi
    assert out[0, 100] == 255      # 2000 above hi -> clipped


def test_read_thermal_fixed_range_by_hand(tmp_path):
    path = _write(tmp_path / 't16.png', _thermal16())
    out = read_thermal(path, scaling='fixed', value_range=(0, 4000))
    assert out[0, 0, 0] == 64      # 1000*255/4000 = 63.75
    assert out[0, 1, 0] == 191     # 3000*255/4000 = 191.25
    assert out[5, 5, 0] == 128     # 2000*255/4000 = 127.5 -> rint -> 128
    clipped = scale_to_uint8(np.array([[5000, 0]], dtype=np.uint16), scaling='fixed', value_range=(1000, 4000))
    assert clipped.tolist() == [[255, 0]]


def test_fixed_needs_range_and_unknown_mode_fails():
    with pytest.raises(ValueError, match='value_range'):
        scale_to_uint8(np.zeros((2, 2), dtype=np.uint16), scaling='fixed')
    with pytest.raises(ValueError, match='unknown thermal scaling'):
        scale_to_uint8(np.zeros((2, 2), dtype=np.uint16), scaling='log')


def test_constant_16bit_frame_maps_to_zero(tmp_path):
    path = _write(tmp_path / 'flat.png', np.full((24, 32), 1234, dtype=np.uint16))
    assert read_thermal(path).max() == 0


def test_read_thermal_8bit_one_channel_passes_through(tmp_path):
    grey = np.zeros((24, 32), dtype=np.uint8)
    grey[0, 0], grey[0, 1] = 7, 200
    path = _write(tmp_path / 'g8.png', grey)
    for kwargs in ({}, {'scaling': 'fixed', 'value_range': (0, 1)}):
        out = read_thermal(path, **kwargs)
        assert out.shape == (24, 32, 3)
        assert out[0, 0].tolist() == [7, 7, 7] and out[0, 1].tolist() == [200, 200, 200]
        assert out[3, 3].tolist() == [0, 0, 0]


def test_read_thermal_three_channel_equal_channels_exact(tmp_path):
    grey = (np.arange(24 * 32) % 256).astype(np.uint8).reshape(24, 32)
    path = _write(tmp_path / 'g3.png', np.repeat(grey[:, :, None], 3, axis=2))
    out = read_thermal(path)
    assert np.array_equal(out[:, :, 1], grey)


def test_read_thermal_unexpected_channels_names_path_and_shape(tmp_path, monkeypatch):
    path = _write(tmp_path / 'two.png', np.zeros((24, 32), dtype=np.uint8))
    monkeypatch.setattr(image_io.cv2, 'imdecode', lambda data, flags: np.zeros((24, 32, 2), dtype=np.uint8))
    with pytest.raises(ValueError) as e:
        read_thermal(path)
    assert str(path) in str(e.value) and '(24, 32, 2)' in str(e.value)
    with pytest.raises(ValueError, match='thermal'):
        to_thermal_uint8(np.zeros((3, 3, 5), dtype=np.uint8), 'p.png')


# -- errors -------------------------------------------------------------------------------------

@pytest.mark.parametrize('reader', [read_rgb, read_thermal, read_side_by_side])
def test_missing_file_names_path(tmp_path, reader):
    path = tmp_path / 'nope' / 'f.jpg'
    with pytest.raises(FileNotFoundError) as e:
        reader(path)
    assert str(path) in str(e.value)


@pytest.mark.parametrize('reader', [read_rgb, read_thermal, read_side_by_side])
def test_corrupt_file_names_path(tmp_path, reader):
    path = tmp_path / 'x.jpg'
    path.write_bytes(b'this is not a jpeg at all \x00\x01\x02' * 10)
    with pytest.raises(ImageReadError) as e:
        reader(path)
    assert str(path) in str(e.value)


def test_empty_file_and_directory_are_read_errors(tmp_path):
    empty = tmp_path / 'empty.png'
    empty.write_bytes(b'')
    with pytest.raises(ImageReadError, match='empty.png'):
        read_rgb(empty)
    (tmp_path / 'dir.png').mkdir()
    with pytest.raises(ImageReadError, match='dir.png'):
        read_thermal(tmp_path / 'dir.png')


# -- side by side -------------------------------------------------------------------------------

def test_split_side_by_side_halves():
    img = np.zeros((2, 6, 3), dtype=np.uint8)
    img[:, :3] = 1
    img[:, 3:] = 2
    left, right = split_side_by_side(img)
    assert left.shape == (2, 3, 3) and right.shape == (2, 3, 3)
    assert (left == 1).all() and (right == 2).all()
    assert left.flags['C_CONTIGUOUS'] and right.flags['C_CONTIGUOUS']


def test_split_side_by_side_odd_width_names_shape():
    with pytest.raises(ValueError) as e:
        split_side_by_side(np.zeros((4, 7, 3), dtype=np.uint8))
    assert '(4, 7, 3)' in str(e.value)


def test_read_side_by_side(tmp_path):
    img = np.zeros((24, 64, 3), dtype=np.uint8)
    img[:, :32] = (10, 20, 30)      # RGB half (BGR on disk)
    img[:, 32:] = 99                # TIR half, grey
    rgb, tir = read_side_by_side(_write(tmp_path / 'p.png', img))
    assert rgb.shape == (24, 32, 3) and tir.shape == (24, 32, 3)
    assert tuple(rgb[0, 0]) == (30, 20, 10)
    assert tuple(tir[0, 0]) == (99, 99, 99)
    odd = _write(tmp_path / 'odd.png', np.zeros((24, 33, 3), dtype=np.uint8))
    with pytest.raises(ValueError) as e:
        read_side_by_side(odd)
    assert str(odd) in str(e.value) and 'odd width' in str(e.value)


def test_frames_for_trackers_and_videos_scale_16_bit_and_replicate_one_channel(tmp_path):
    path = str(tmp_path / 'thermal.png')
    cv2.imwrite(path, np.array([[1000, 2000], [3000, 3000]], dtype=np.uint16))
    frame = image_io.read_tracking_frame(path)
    assert frame.shape == (2, 2, 3) and frame.dtype == np.uint8
    np.testing.assert_array_equal(frame[..., 0], [[0, 128], [255, 255]])  # (2000-1000)*255/2000 = 127.5 -> 128
    assert (frame[..., 0] == frame[..., 2]).all()
    colour = str(tmp_path / 'colour.png')
    cv2.imwrite(colour, np.array([[[10, 20, 30]]], dtype=np.uint8))  # BGR on disk
    np.testing.assert_array_equal(image_io.read_tracking_frame(colour)[0, 0], [30, 20, 10])
    with pytest.raises(FileNotFoundError, match='missing.png'):
        image_io.read_tracking_frame(str(tmp_path / 'missing.png'))




def test_a_frame_with_alpha_is_colour_and_a_16_bit_colour_frame_is_scaled_as_thermal(tmp_path):
    bgra = str(tmp_path / 'bgra.png')
    cv2.imwrite(bgra, np.array([[[10, 20, 30, 255]]], dtype=np.uint8))
    np.testing.assert_array_equal(image_io.read_tracking_frame(bgra)[0, 0], [30, 20, 10])
    wide = str(tmp_path / 'wide.png')
    cv2.imwrite(wide, np.array([[[1000] * 3, [3000] * 3]], dtype=np.uint16))
    np.testing.assert_array_equal(image_io.read_tracking_frame(wide)[0], [[0, 0, 0], [255, 255, 255]])
