"""Tests of the synthetic aligned RGB/thermal demo source and its LSOTB-TIR benchmark writer."""
import hashlib
import json
import os
import pickle
import subprocess
import sys
import time

import cv2
import numpy as np
import pytest

from ltr_cmd.data.synthetic import (MARKER_NAME, THERMAL_PRESETS, BenchmarkMismatchError,
                                    SyntheticRGBT, benchmark_differences, demo_benchmark_seed, write_benchmark)

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def inner(box):
    """Slices of the central half of a box (away from soft edges and blur)."""
    x, y, w, h = box
    return (slice(int(round(y + h / 4)), int(round(y + 3 * h / 4))),
            slice(int(round(x + w / 4)), int(round(x + 3 * w / 4))))


def background(source, i, modality):
    """The static background of sequence i without objects, blur or noise (HxWx3 uint8)."""
    scene = source._scene(i)
    img = scene.rgb_background if modality == 'rgb' else scene.tir_background
    img = np.clip(img + 0.5, 0, 255).astype(np.uint8)
    return img if img.ndim == 3 else np.repeat(img[:, :, None], 3, axis=2)


def overlaps(a, b):
    return not (a[0] + a[2] <= b[0] or b[0] + b[2] <= a[0] or a[1] + a[3] <= b[1] or b[1] + b[3] <= a[1])


@pytest.fixture(scope='module')
def source():
    return SyntheticRGBT(seed=3, num_sequences=6, length=30)


def test_same_seed_gives_identical_sequences_and_other_seed_differs():
    a, b = SyntheticRGBT(7, 3, length=12), SyntheticRGBT(7, 3, length=12)
    c = SyntheticRGBT(8, 3, length=12)
    for i in range(3):
        np.testing.assert_array_equal(a.boxes(i), b.boxes(i))
        assert not np.allclose(a.boxes(i), c.boxes(i))
        for modality in ('rgb', 'tir'):
            np.testing.assert_array_equal(a.frame(i, 5, modality), b.frame(i, 5, modality))
            assert not np.array_equal(a.frame(i, 5, modality), c.frame(i, 5, modality))
    # Sequences of one source differ from each other.
    assert not np.array_equal(a.frame(0, 0, 'rgb'), a.frame(1, 0, 'rgb'))


def test_pickled_copy_and_fresh_process_render_the_same_pixels():
    src = SyntheticRGBT(11, 2, length=10)
    clone = pickle.loads(pickle.dumps(src))
    for modality in ('rgb', 'tir'):
        np.testing.assert_array_equal(src.frame(1, 7, modality), clone.frame(1, 7, modality))
    digest = hashlib.sha256(src.frame(1, 7, 'tir').tobytes() + src.frame(1, 7, 'rgb').tobytes()).hexdigest()
    code = ('import hashlib, numpy as np; np.random.seed(123)\n'
            'from ltr_cmd.data.synthetic import SyntheticRGBT\n'
            's = SyntheticRGBT(11, 2, length=10)\n'
            "print(hashlib.sha256(s.frame(1, 7, 'tir').tobytes() + s.frame(1, 7, 'rgb').tobytes()).hexdigest())")
    env = dict(os.environ, PYTHONPATH=REPO_ROOT + os.pathsep + os.environ.get('PYTHONPATH', ''),
               PYTHONHASHSEED='999')
    out = subprocess.run([sys.executable, '-c', code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == digest


def test_frame_equals_kth_frame_of_sequence_in_any_order():
    src = SyntheticRGBT(5, 3, length=15)
    late_first = src.frame(2, 9, 'tir')  # rendered before anything else of the sequence
    in_order = SyntheticRGBT(5, 3, length=15)
    frames = {m: [in_order.frame(2, k, m) for k in range(15)] for m in ('rgb', 'tir')}
    assert src.sequence_name(2) == 'demo_002'
    assert len(src.boxes(2)) == 15
    np.testing.assert_array_equal(frames['tir'][9], late_first)
    for k in (0, 4, 14):
        np.testing.assert_array_equal(frames['rgb'][k], src.frame(2, k, 'rgb'))
        np.testing.assert_array_equal(frames['tir'][k], src.frame(2, k, 'tir'))
    np.testing.assert_array_equal(in_order.boxes(2), src.boxes(2))
    np.testing.assert_array_equal(src.object_boxes(2)[:, 0], src.boxes(2))


def test_frame_format_and_custom_size():
    src = SyntheticRGBT(0, 1, length=3, frame_size=(96, 64))
    for modality in ('rgb', 'tir'):
        img = src.frame(0, 1, modality)
        assert img.shape == (64, 96, 3) and img.dtype == np.uint8
    tir = src.frame(0, 1, 'tir')
    np.testing.assert_array_equal(tir[:, :, 0], tir[:, :, 1])
    np.testing.assert_array_equal(tir[:, :, 0], tir[:, :, 2])


def test_boxes_inside_image_and_motion_smooth(source):
    w_img, h_img = source.frame_size
    for i in range(len(source)):
        boxes = source.object_boxes(i)
        assert boxes.shape == (source.length, 1 + source.num_distractors, 4)
        x, y, w, h = np.moveaxis(boxes, -1, 0)
        assert (w > 4).all() and (h > 4).all()
        assert (x >= 1).all() and (y >= 1).all()  # LSOTB tools call boxes with x<=0 or y<=0 invalid
        assert (x + w <= w_img - 1 + 1e-9).all() and (y + h <= h_img - 1 + 1e-9).all()
        centre = boxes[..., :2] + boxes[..., 2:] / 2
        step = np.linalg.norm(np.diff(centre, axis=0), axis=-1)
        assert step.max() <= 2 * source.max_speed + 1e-6  # bounded speed (a bounce at most doubles it)
        rel = np.abs(np.diff(boxes[..., 2:], axis=0)) / boxes[:-1, :, 2:]
        assert rel.max() < 0.05  # mild size change


def test_rgb_target_drawn_in_its_box_and_distinct_from_distractors(source):
    for i in range(len(source)):
        bg = background(source, i, 'rgb').astype(np.float64)
        for k in (0, 17):
            img = source.frame(i, k, 'rgb').astype(np.float64)
            objs = source.object_boxes(i)[k]
            # Nothing is drawn outside the object boxes (the RGB camera is clean).
            outside = np.ones(img.shape[:2], bool)
            for x, y, w, h in objs:
                outside[int(np.floor(y)):int(np.ceil(y + h)), int(np.floor(x)):int(np.ceil(x + w))] = False
            np.testing.assert_array_equal(img[outside], bg[outside])
            # The target is drawn where its box says, and its colour differs from the background.
            t = inner(objs[0])
            assert np.abs(img[t].mean(axis=(0, 1)) - bg[t].mean(axis=(0, 1))).max() > 25
            # The target's mean colour differs from every uncovered distractor's.
            target_mean = img[t].mean(axis=(0, 1))
            for j in range(1, len(objs)):
                if any(overlaps(objs[j], objs[m]) for m in range(len(objs)) if m != j):
                    continue
                d = inner(objs[j])
                assert np.linalg.norm(img[d].mean(axis=(0, 1)) - target_mean) > 30


def test_thermal_distractors_brighter_than_low_contrast_target(source):
    gaps = []
    for i in range(len(source)):
        for k in (0, 17):
            tir = source.frame(i, k, 'tir')[:, :, 0].astype(np.float64)
            objs = source.object_boxes(i)[k]
            target = tir[inner(objs[0])].mean()
            for j in range(1, len(objs)):
                if any(overlaps(objs[j], objs[m]) for m in range(len(objs)) if m != j):
                    continue
                gaps.append(tir[inner(objs[j])].mean() - target)
    assert len(gaps) >= 10
    assert min(gaps) > 0           # every (uncovered) distractor is brighter than the target
    assert np.mean(gaps) > 20      # and clearly so on average: the target is not the salient object


def test_modalities_aligned():
    """Objects change the same pixels in both modalities (clean thermal rendering to see it exactly)."""
    clean = SyntheticRGBT(3, 3, length=30, clutter=0, noise=0.0, fixed_pattern_noise=0.0, blur=0.0)
    for i in range(3):
        for k in (0, 12):
            rgb_changed = (clean.frame(i, k, 'rgb') != background(clean, i, 'rgb')).any(axis=2)
            tir_changed = (clean.frame(i, k, 'tir') != background(clean, i, 'tir')).any(axis=2)
            iou = (rgb_changed & tir_changed).sum() / (rgb_changed | tir_changed).sum()
            assert iou > 0.95
            inside = np.zeros(rgb_changed.shape, bool)
            for x, y, w, h in clean.object_boxes(i)[k]:
                inside[int(np.floor(y)):int(np.ceil(y + h)), int(np.floor(x)):int(np.ceil(x + w))] = True
            assert not (tir_changed & ~inside).any()
            assert tir_changed[inner(clean.boxes(i)[k])].mean() > 0.9  # the faint target is drawn too


def test_thermal_parameters_change_thermal_frames_only():
    hard = SyntheticRGBT(2, 2, length=8)
    easy = SyntheticRGBT(2, 2, length=8, **THERMAL_PRESETS['easy'])
    for i in range(2):
        np.testing.assert_array_equal(hard.object_boxes(i), easy.object_boxes(i))
        np.testing.assert_array_equal(hard.frame(i, 3, 'rgb'), easy.frame(i, 3, 'rgb'))
        assert not np.array_equal(hard.frame(i, 3, 'tir'), easy.frame(i, 3, 'tir'))
        # The easy preset has a hot target: brighter than in the hard rendering.
        t = inner(hard.boxes(i)[3])
        assert easy.frame(i, 3, 'tir')[t].mean() > hard.frame(i, 3, 'tir')[t].mean() + 30
    assert THERMAL_PRESETS['hard']['target_contrast'] == hard.target_contrast


def test_invalid_arguments_raise():
    src = SyntheticRGBT(0, 2, length=4)
    with pytest.raises(ValueError, match='modality'):
        src.frame(0, 0, 'depth')
    with pytest.raises(IndexError):
        src.frame(2, 0, 'rgb')
    with pytest.raises(IndexError):
        src.frame(0, 4, 'rgb')
    with pytest.raises(ValueError):
        SyntheticRGBT(-1, 2)
    with pytest.raises(ValueError):
        SyntheticRGBT(0, 2, distractor_warmth=(50, 10))


def test_render_time_per_frame():
    src = SyntheticRGBT(0, 1, length=40)
    src.frame(0, 0, 'rgb')  # builds and caches the scene
    for modality in ('rgb', 'tir'):
        t0 = time.perf_counter()
        frames = [src.frame(0, k, modality) for k in range(40)]
        ms = (time.perf_counter() - t0) / 40 * 1e3
        print(f'\nsynthetic {modality} frame 256x192: {ms:.2f} ms')
        assert all(f.shape == (192, 256, 3) for f in frames)
    t0 = time.perf_counter()
    fresh = SyntheticRGBT(1, 1, length=40).frame(0, 20, 'tir')
    print(f'synthetic scene build + first tir frame: {(time.perf_counter() - t0) * 1e3:.2f} ms')
    assert fresh.shape == (192, 256, 3)


def test_demo_benchmark_seed_is_held_out():
    assert demo_benchmark_seed(0) == 10_000
    assert demo_benchmark_seed(5) == 10_005
    train, bench = SyntheticRGBT(5, 4, length=5), SyntheticRGBT(demo_benchmark_seed(5), 4, length=5)
    for i in range(4):
        for j in range(4):
            assert not np.allclose(train.boxes(i), bench.boxes(j))


# --------------------------------------------------------------------------------- write_benchmark
SMALL = dict(frame_size=(64, 48), progress=False)


def read_gt(path):
    with open(path) as f:
        return np.array([[float(v) for v in line.split(',')] for line in f.read().splitlines()])


def test_write_benchmark_lsotb_layout(tmp_path):
    root = tmp_path / 'bench'
    res = write_benchmark(root, seed=4, num_sequences=2, length=5, progress=False)
    assert res['skipped'] is False
    assert res['sequences'] == ['demo_000', 'demo_001']
    assert sorted(os.listdir(root)) == sorted(['tir', 'rgb', MARKER_NAME])
    src = SyntheticRGBT(4, 2, length=5)
    for modality in ('tir', 'rgb'):
        assert res['modality_roots'][modality] == os.path.join(str(root), modality)
        assert sorted(os.listdir(root / modality)) == ['demo_000', 'demo_001']
        for i, name in enumerate(res['sequences']):
            seq_dir = root / modality / name
            assert sorted(os.listdir(seq_dir / 'img')) == [f'{k:04d}.jpg' for k in range(1, 6)]
            gt = read_gt(seq_dir / 'groundtruth_rect.txt')
            assert gt.shape == (5, 4)
            np.testing.assert_allclose(gt, src.boxes(i), atol=0.006)
            img = cv2.imread(str(seq_dir / 'img' / '0003.jpg'))
            assert img.shape == (192, 256, 3)
            expected = cv2.cvtColor(src.frame(i, 2, modality), cv2.COLOR_RGB2BGR).astype(float)
            assert np.abs(img.astype(float) - expected).mean() < 2.5  # high-quality JPEG
            if modality == 'tir':
                assert np.abs(img[:, :, 0].astype(int) - img[:, :, 2]).max() <= 2
    marker = json.loads((root / MARKER_NAME).read_text())
    assert marker['complete'] is True and marker['seed'] == 4 and marker['num_sequences'] == 2
    assert marker['render_params']['target_contrast'] == THERMAL_PRESETS['hard']['target_contrast']


def test_write_benchmark_skips_when_marker_matches(tmp_path):
    root = tmp_path / 'bench'
    write_benchmark(root, seed=1, num_sequences=1, length=3, modalities=('tir',), **SMALL)
    jpg = root / 'tir' / 'demo_000' / 'img' / '0001.jpg'
    os.utime(jpg, (1, 1))
    res = write_benchmark(root, seed=1, num_sequences=1, length=3, modalities=('tir',), **SMALL)
    assert res['skipped'] is True
    assert os.stat(jpg).st_mtime == 1  # untouched
    assert not (root / 'rgb').exists()


def test_write_benchmark_mismatch_raises_and_overwrite_replaces(tmp_path):
    root = tmp_path / 'bench'
    write_benchmark(root, seed=1, num_sequences=3, length=3, **SMALL)
    with pytest.raises(BenchmarkMismatchError, match='num_sequences: 3 -> 2'):
        write_benchmark(root, seed=1, num_sequences=2, length=3, **SMALL)
    with pytest.raises(BenchmarkMismatchError, match='noise'):
        write_benchmark(root, seed=1, num_sequences=3, length=3, noise=1.0, **SMALL)
    assert (root / 'tir' / 'demo_002').is_dir()  # nothing was removed by the failed calls
    res = write_benchmark(root, seed=2, num_sequences=2, length=4, modalities=('tir',), overwrite=True, **SMALL)
    assert res['skipped'] is False
    assert sorted(os.listdir(root)) == sorted(['tir', MARKER_NAME])
    assert sorted(os.listdir(root / 'tir')) == ['demo_000', 'demo_001']
    assert len(read_gt(root / 'tir' / 'demo_001' / 'groundtruth_rect.txt')) == 4
    marker = json.loads((root / MARKER_NAME).read_text())
    assert marker['seed'] == 2 and marker['modalities'] == ['tir']
    # overwrite=True on a matching tree rewrites it.
    jpg = root / 'tir' / 'demo_000' / 'img' / '0001.jpg'
    os.utime(jpg, (1, 1))
    write_benchmark(root, seed=2, num_sequences=2, length=4, modalities=('tir',), overwrite=True, **SMALL)
    assert os.stat(jpg).st_mtime > 1


def test_benchmark_differences_name_what_changed_without_writing(tmp_path):
    root = tmp_path / 'bench'
    size = dict(frame_size=SMALL['frame_size'])
    assert benchmark_differences(root, seed=1, num_sequences=2, length=3, **size) == []   # nothing written yet
    write_benchmark(root, seed=1, num_sequences=2, length=3, target_contrast=35, **SMALL)
    assert benchmark_differences(root, seed=1, num_sequences=2, length=3, target_contrast=35, **size) == []
    assert benchmark_differences(root, seed=1, num_sequences=2, length=3, target_contrast=60, **size) == [
        'render_params.target_contrast: 35.0 -> 60.0']
    before = sorted(p.name for p in root.rglob('*'))
    (root / MARKER_NAME).write_text('{')
    [unreadable] = benchmark_differences(root, seed=1, num_sequences=2, length=3, **size)
    assert str(root / MARKER_NAME) in unreadable and 'cannot be read' in unreadable
    assert sorted(p.name for p in root.rglob('*')) == before


def test_write_benchmark_never_writes_into_foreign_data(tmp_path):
    root = tmp_path / 'real_lsotb'
    (root / 'airplane_H_001').mkdir(parents=True)
    for overwrite in (False, True):
        with pytest.raises(FileExistsError, match='did not create'):
            write_benchmark(root, seed=0, num_sequences=1, length=2, overwrite=overwrite, **SMALL)
    assert os.listdir(root) == ['airplane_H_001']


def test_write_benchmark_redoes_an_interrupted_run(tmp_path):
    root = tmp_path / 'bench'
    write_benchmark(root, seed=0, num_sequences=1, length=2, **SMALL)
    marker = json.loads((root / MARKER_NAME).read_text())
    marker['complete'] = False
    (root / MARKER_NAME).write_text(json.dumps(marker))
    (root / 'tir' / 'demo_000' / 'img' / '0002.jpg').unlink()
    res = write_benchmark(root, seed=0, num_sequences=1, length=2, **SMALL)
    assert res['skipped'] is False
    assert (root / 'tir' / 'demo_000' / 'img' / '0002.jpg').is_file()
    assert json.loads((root / MARKER_NAME).read_text())['complete'] is True


# ------------------------------------------------------------------------------------- out of view
def test_out_of_view_hides_the_target_for_one_run_of_frames_and_changes_nothing_else():
    plain, leaving = SyntheticRGBT(5, 4, length=20), SyntheticRGBT(5, 4, length=20, out_of_view=0.5)
    margin = 6  # the thermal blur (sigma 1.2) and anti-aliased edges reach a few pixels beyond the box
    for i in range(4):
        assert not plain.absent(i).any()
        absent = leaving.absent(i)
        if i % 2 == 0:  # out_of_view=0.5: the odd sequences leave the view
            assert not absent.any()
        else:
            frames = np.flatnonzero(absent)
            assert 2 <= len(frames) <= 4 and np.all(np.diff(frames) == 1)  # one run of 10-20 % of 20 frames
            assert not absent[0] and not absent[-1]  # shown on the first frame, back by the last
        np.testing.assert_array_equal(leaving.boxes(i)[~absent], plain.boxes(i)[~absent])
        assert (leaving.boxes(i)[absent] == 0).all() and (leaving.object_boxes(i)[absent, 0] == 0).all()
        np.testing.assert_array_equal(leaving.object_boxes(i)[:, 1:], plain.object_boxes(i)[:, 1:])
        for k in range(20):
            for modality in ('rgb', 'tir'):
                shown, hidden = plain.frame(i, k, modality), leaving.frame(i, k, modality)
                if not absent[k]:
                    np.testing.assert_array_equal(hidden, shown)
                    continue
                x, y, w, h = plain.boxes(i)[k]
                near = np.zeros(shown.shape[:2], dtype=bool)
                near[max(int(y) - margin, 0):int(y + h) + margin, max(int(x) - margin, 0):int(x + w) + margin] = True
                np.testing.assert_array_equal(hidden[~near], shown[~near])
                assert not np.array_equal(hidden[inner((x, y, w, h))], shown[inner((x, y, w, h))])


def test_out_of_view_arguments_are_checked():
    for value in (-0.1, 1.5):
        with pytest.raises(ValueError, match='out_of_view'):
            SyntheticRGBT(0, 1, length=10, out_of_view=value)
    with pytest.raises(ValueError, match='length >= 3'):
        SyntheticRGBT(0, 1, length=2, out_of_view=1)
    assert SyntheticRGBT(0, 1, length=3, out_of_view=1).absent(0).tolist() == [False, True, False]


def test_write_benchmark_writes_zero_rows_where_the_target_is_out_of_view(tmp_path):
    root = tmp_path / 'bench'
    write_benchmark(root, seed=2, num_sequences=2, length=12, modalities=('tir',), out_of_view=0.5, **SMALL)
    source = SyntheticRGBT(2, 2, length=12, out_of_view=0.5)
    rows = (root / 'tir' / 'demo_001' / 'groundtruth_rect.txt').read_text().splitlines()
    assert [k for k, row in enumerate(rows) if row == '0,0,0,0'] == np.flatnonzero(source.absent(1)).tolist() != []
    assert '0,0,0,0' not in (root / 'tir' / 'demo_000' / 'groundtruth_rect.txt').read_text().splitlines()
    assert json.loads((root / MARKER_NAME).read_text())['render_params']['out_of_view'] == 0.5
    # off, the option is not recorded: benchmarks written before it existed still match
    assert 'out_of_view' not in SyntheticRGBT(2, 2, length=12).render_params


def test_only_the_demo_benchmark_has_the_target_leave_the_view():
    from ltr_cmd import demo
    sizes = {k: v for k, v in demo.BENCHMARK.items() if k not in ('num_sequences', 'length')}
    benchmark = SyntheticRGBT(demo_benchmark_seed(1), demo.BENCHMARK['num_sequences'], demo.BENCHMARK['length'],
                              **sizes, **demo.RENDERING)
    assert [i for i in range(len(benchmark)) if benchmark.absent(i).any()] == [1, 3, 5, 7]
    assert 'out_of_view' not in demo.world().render_params  # the training world: the target is always in view
