"""ltr_cmd.data.pseudo_boxes: the three CMD pseudo-box generators, checked against values by hand."""
import os
import pickle
import subprocess
import sys

import numpy as np
import pytest

import ltr_cmd
from ltr_cmd.data.pseudo_boxes import (CenterBox, DetectionBoxes, RandomBoxes, box_iou_xywh,
                                       make_pseudo_box_generator, read_mot_detections, read_yolo_detections)

SIZE = (640, 512)    # (width, height)
_REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(ltr_cmd.__file__)))


def _lines(path, lines):
    os.makedirs(os.path.dirname(str(path)), exist_ok=True)
    with open(str(path), 'w') as f:
        f.write('\n'.join(lines) + '\n')
    return str(path)


def _mot(tmp_path, rgb=None, tir=None, seq='seq', **kwargs):
    """DetectionBoxes on MOT files; rgb/tir: lists of (frame, x, y, w, h, conf[, class])."""
    dirs = {}
    for modality, dets in (('rgb', rgb), ('tir', tir)):
        d = tmp_path / modality
        d.mkdir(exist_ok=True)
        dirs[modality + '_dir'] = str(d)
        if dets is not None:
            _lines(d / (seq + '.txt'), ['{},{},{},{},{},{},{}{}'.format(
                t[0], k + 1, t[1], t[2], t[3], t[4], t[5], ',-1,{}'.format(t[6]) if len(t) > 6 else ',-1,-1')
                for k, t in enumerate(dets)])
    kwargs.setdefault('fallback', None)
    return DetectionBoxes(format='mot', **dirs, **kwargs)


# -- CenterBox --------------------------------------------------------------------------------------

def test_center_box_by_hand():
    assert CenterBox(rel_size=(0.25, 0.5)).boxes('s', 0, (32, 24)).tolist() == [[12.0, 6.0, 8.0, 12.0]]
    assert CenterBox().boxes('s', 7, (640, 512)).tolist() == [[240.0, 192.0, 160.0, 128.0]]


def test_center_box_rejects_bad_arguments():
    with pytest.raises(ValueError, match='rel_size'):
        CenterBox(rel_size=(0, 0.5))
    with pytest.raises(ValueError, match='image_size'):
        CenterBox().boxes('s', 0, (0, 10))


# -- RandomBoxes ----------------------------------------------------------------------------------

def _centres(boxes):
    return boxes[:, :2] + boxes[:, 2:] / 2


def test_random_boxes_deterministic_per_frame():
    gen = RandomBoxes(count=5, size_range=(100, 100), min_spacing=100, seed=3)
    a = gen.boxes('seqA', 10, SIZE)
    assert a.shape == (5, 4)
    gen.boxes('seqB', 4, SIZE)                                  # other calls in between change nothing
    assert np.array_equal(a, gen.boxes('seqA', 10, SIZE))
    twin = RandomBoxes(count=5, size_range=(100, 100), min_spacing=100, seed=3)
    assert np.array_equal(a, twin.boxes('seqA', 10, SIZE))
    assert np.array_equal(a, pickle.loads(pickle.dumps(gen)).boxes('seqA', 10, SIZE))
    assert not np.array_equal(a, gen.boxes('seqA', 11, SIZE))
    assert not np.array_equal(a, gen.boxes('seqB', 10, SIZE))
    assert not np.array_equal(a, RandomBoxes(count=5, seed=4).boxes('seqA', 10, SIZE))


def test_random_boxes_same_in_another_process_with_other_hash_seed():
    here = RandomBoxes(seed=1).boxes('set00/V000', 42, SIZE)
    code = ('import sys; sys.path.insert(0, {!r}); from ltr_cmd.data.pseudo_boxes import RandomBoxes; '
            'print(repr(RandomBoxes(seed=1).boxes("set00/V000", 42, (640, 512)).tolist()))').format(_REPO_ROOT)
    env = dict(os.environ, PYTHONHASHSEED='12345')
    out = subprocess.run([sys.executable, '-c', code], env=env, capture_output=True, text=True, check=True).stdout
    assert eval(out) == here.tolist()


def test_random_boxes_inside_image_spaced_and_sized():
    gen = RandomBoxes(count=4, size_range=(40, 80), min_spacing=90, seed=0)
    for frame in range(20):
        b = gen.boxes('s', frame, SIZE)
        assert b.shape == (4, 4)
        assert (b[:, 0] >= 0).all() and (b[:, 1] >= 0).all()
        assert (b[:, 0] + b[:, 2] <= SIZE[0]).all() and (b[:, 1] + b[:, 3] <= SIZE[1]).all()
        assert ((b[:, 2:] >= 40) & (b[:, 2:] <= 80)).all()
        c = _centres(b)
        d = np.hypot(c[:, None, 0] - c[None, :, 0], c[:, None, 1] - c[None, :, 1])
        assert d[~np.eye(4, dtype=bool)].min() >= 90
    assert gen.stats == {'frames': 20, 'short_frames': 0}


def test_random_boxes_small_image_clamps_and_counts_short_frames():
    gen = RandomBoxes(count=5, size_range=(100, 100), min_spacing=100, seed=0)
    b = gen.boxes('s', 0, (32, 24))
    assert b.tolist() == [[0.0, 0.0, 32.0, 24.0]]          # clamped to the image; only one fits
    assert gen.stats['short_frames'] == 1


# -- detection files ------------------------------------------------------------------------------

def test_read_yolo_detections_by_hand(tmp_path):
    path = _lines(tmp_path / 'f.txt', ['0 0.5 0.5 0.25 0.5 0.9', '', '3 0.25 0.75 0.5 0.25'])
    dets = read_yolo_detections(path, (32, 24))
    # w = 0.25*32 = 8, h = 0.5*24 = 12, x = 16 - 4, y = 12 - 6
    assert dets[0].tolist() == [12.0, 6.0, 8.0, 12.0, 0.9, 0.0]
    # w = 16, h = 6, x = 8 - 8 = 0, y = 18 - 3 = 15; no confidence -> 1.0
    assert dets[1].tolist() == [0.0, 15.0, 16.0, 6.0, 1.0, 3.0]


def test_read_mot_detections_by_hand(tmp_path):
    path = _lines(tmp_path / 's.txt', ['1,3,10,20,30,40,0.8,-1,-1,-1', '2,1,5.5,5,10,10', '1 4 0 0 2 2 0.5'])
    dets = read_mot_detections(path)
    assert sorted(dets) == [1, 2]
    assert dets[1].tolist() == [[10, 20, 30, 40, 0.8, 0], [0, 0, 2, 2, 0.5, 0]]
    assert dets[2].tolist() == [[5.5, 5, 10, 10, 1.0, 0]]
    path2 = _lines(tmp_path / 'c.txt', ['1,1,0,0,2,2,0.7,2'])
    assert read_mot_detections(path2, class_column=7)[1][0, 5] == 2


@pytest.mark.parametrize('line', ['0 0.5 0.5 0.25', 'a 0.5 0.5 0.1 0.1', '0 0.5 x 0.1 0.1', '1.5 0.5 0.5 0.1 0.1',
                                  '0 0.5 0.5 0.1 0.1 0.9 7', '0 inf 0.5 0.1 0.1'])
def test_malformed_yolo_line_names_file_line_and_text(tmp_path, line):
    path = _lines(tmp_path / 'f.txt', ['0 0.5 0.5 0.1 0.1', line])
    with pytest.raises(ValueError) as e:
        read_yolo_detections(path, SIZE)
    assert '{}:2'.format(path) in str(e.value) and line in str(e.value)


@pytest.mark.parametrize('line', ['1,1,0,0,2', '1.5,1,0,0,2,2,0.9', 'x,1,0,0,2,2,0.9', '1,1,0,zero,2,2,0.9'])
def test_malformed_mot_line_names_file_line_and_text(tmp_path, line):
    path = _lines(tmp_path / 's.txt', ['1,1,0,0,2,2,0.9', '', line])
    with pytest.raises(ValueError) as e:
        read_mot_detections(path)
    assert '{}:3'.format(path) in str(e.value) and line in str(e.value)


def test_box_iou_by_hand():
    iou = box_iou_xywh([[0, 0, 10, 10]], [[5, 0, 10, 10], [20, 20, 5, 5], [0, 0, 10, 10]])
    assert np.allclose(iou, [[50 / 150, 0.0, 1.0]])


# -- DetectionBoxes: merging, balancing, cap, fallback, clipping ----------------------------------------

def test_cross_modal_merge_keeps_more_confident(tmp_path):
    # IoU([0,0,100,100], [0,0,100,90]) = 0.9 > 0.8
    gen = _mot(tmp_path, rgb=[(1, 0, 0, 100, 100, 0.9)], tir=[(1, 0, 0, 100, 90, 0.6)])
    d = gen.detections('seq', 0, SIZE)
    assert d['boxes'].tolist() == [[0, 0, 100, 100]] and d['modality'] == ['rgb'] and d['scores'].tolist() == [0.9]
    assert gen.stats['merged'] == 1
    gen = _mot(tmp_path, rgb=[(1, 0, 0, 100, 100, 0.5)], tir=[(1, 0, 0, 100, 90, 0.6)])
    d = gen.detections('seq', 0, SIZE)
    assert d['boxes'].tolist() == [[0, 0, 100, 90]] and d['modality'] == ['tir']


@pytest.mark.parametrize('tir_h,merged', [(81, True), (80, False), (79, False)])
def test_merge_threshold_is_strict(tmp_path, tir_h, merged):
    # IoU = tir_h / 100: 0.81 merges; exactly 0.80 and 0.79 keep both boxes.
    gen = _mot(tmp_path, rgb=[(1, 0, 0, 100, 100, 0.9)], tir=[(1, 0, 0, 100, tir_h, 0.6)])
    d = gen.detections('seq', 0, SIZE)
    if merged:
        assert d['modality'] == ['rgb'] and gen.stats['merged'] == 1
    else:
        assert d['modality'] == ['rgb', 'tir'] and gen.stats['merged'] == 0
        assert d['boxes'].tolist() == [[0, 0, 100, 100], [0, 0, 100, tir_h]]


def test_unmatched_detections_of_both_modalities_are_kept(tmp_path):
    gen = _mot(tmp_path, rgb=[(1, 0, 0, 50, 50, 0.4)], tir=[(1, 200, 200, 50, 50, 0.7), (2, 1, 1, 5, 5, 0.9)])
    d = gen.detections('seq', 0, SIZE)
    assert d['boxes'].tolist() == [[200, 200, 50, 50], [0, 0, 50, 50]]      # by confidence
    assert d['modality'] == ['tir', 'rgb'] and d['scores'].tolist() == [0.7, 0.4]


def _many_classes():
    # class 0: 4 confident boxes; class 1: two; class 2: one. Boxes do not overlap.
    spec = [(0, 0.99), (0, 0.98), (0, 0.97), (0, 0.96), (1, 0.5), (1, 0.4), (2, 0.3)]
    return [(1, 60 * k, 0, 50, 50, conf, cls) for k, (cls, conf) in enumerate(spec)]


def test_class_balance_round_robin_and_cap(tmp_path):
    gen = _mot(tmp_path, rgb=_many_classes(), mot_class_column=8)
    d = gen.detections('seq', 0, SIZE)
    assert d['classes'].tolist() == [0, 1, 2, 0, 1]
    assert d['scores'].tolist() == [0.99, 0.5, 0.3, 0.98, 0.4]
    assert gen.stats['capped'] == 2
    unbalanced = _mot(tmp_path, rgb=_many_classes(), mot_class_column=8, class_balance=False)
    d = unbalanced.detections('seq', 0, SIZE)
    assert d['classes'].tolist() == [0, 0, 0, 0, 1] and d['scores'].tolist() == [0.99, 0.98, 0.97, 0.96, 0.5]
    capped = _mot(tmp_path, rgb=_many_classes(), mot_class_column=8, max_per_frame=2)
    assert capped.detections('seq', 0, SIZE)['classes'].tolist() == [0, 1]


def test_fallback_for_frames_without_detections(tmp_path):
    fb = RandomBoxes(count=2, size_range=(50, 50), min_spacing=60, seed=9)
    gen = _mot(tmp_path, rgb=[(1, 0, 0, 50, 50, 0.4)], tir=[], fallback=fb)
    assert gen.boxes('seq', 0, SIZE).tolist() == [[0, 0, 50, 50]]
    d = gen.detections('seq', 5, SIZE)                 # no detections for MOT frame 6
    assert np.array_equal(d['boxes'], RandomBoxes(count=2, size_range=(50, 50), min_spacing=60, seed=9)
                          .boxes('seq', 5, SIZE))
    assert d['modality'] == ['fallback', 'fallback'] and d['classes'].tolist() == [-1, -1]
    assert gen.stats['fallback_frames'] == 1 and gen.stats['frames'] == 2
    none = _mot(tmp_path, rgb=[(1, 0, 0, 50, 50, 0.4)], tir=[], fallback=None)
    assert none.boxes('seq', 3, SIZE).shape == (0, 4) and none.stats['empty_frames'] == 1
    default = DetectionBoxes(rgb_dir=str(tmp_path / 'rgb'), format='mot')
    assert isinstance(default.fallback, RandomBoxes) and default.boxes('seq', 3, SIZE).shape[0] >= 1


def test_clipping_and_empty_drop_are_counted(tmp_path):
    gen = _mot(tmp_path, rgb=[(1, -10, -10, 30, 30, 0.9),        # clipped to 0,0,20,20
                              (1, 700, 0, 10, 10, 0.8),          # entirely right of the image: dropped
                              (1, 630, 500, 10, 10, 0.7),        # touches the right edge, inside: unchanged
                              (1, 100, 100, 20, -5, 0.6)])       # negative height: empty, dropped
    d = gen.detections('seq', 0, SIZE)
    assert d['boxes'].tolist() == [[0, 0, 20, 20], [630, 500, 10, 10]]
    assert gen.stats['clipped'] == 1 and gen.stats['dropped_empty'] == 2


def test_clipping_partly_outside_bottom_right(tmp_path):
    gen = _mot(tmp_path, tir=[(1, 600, 500, 100, 30, 0.9)])
    assert gen.boxes('seq', 0, SIZE).tolist() == [[600, 500, 40, 12]]
    assert gen.stats['clipped'] == 1


def test_all_detections_dropped_falls_back(tmp_path):
    gen = _mot(tmp_path, rgb=[(1, 2000, 2000, 10, 10, 0.9)], fallback='center')
    assert gen.boxes('seq', 0, SIZE).tolist() == CenterBox().boxes('seq', 0, SIZE).tolist()
    assert gen.stats['dropped_empty'] == 1 and gen.stats['fallback_frames'] == 1


def test_min_confidence_and_missing_mot_file(tmp_path):
    gen = _mot(tmp_path, rgb=[(1, 0, 0, 10, 10, 0.2), (1, 100, 0, 10, 10, 0.6)], min_confidence=0.5)
    assert gen.boxes('seq', 0, SIZE).tolist() == [[100, 0, 10, 10]]
    assert gen.boxes('other', 0, SIZE).shape == (0, 4)
    assert gen.stats['missing_files'] == 3      # tir file of 'seq', rgb and tir files of 'other'


def test_yolo_per_frame_files_via_frame_paths(tmp_path):
    # rgb frame v001.jpg -> rgb/seqA/v001.txt ; tir frame i001.jpg -> tir/seqA/i001.txt
    _lines(tmp_path / 'rgb' / 'seqA' / 'v001.txt', ['0 0.5 0.5 0.25 0.5 0.9'])
    _lines(tmp_path / 'tir' / 'seqA' / 'i001.txt', ['1 0.0625 0.125 0.125 0.25 0.7'])
    gen = DetectionBoxes(rgb_dir=str(tmp_path / 'rgb'), tir_dir=str(tmp_path / 'tir'), format='yolo', fallback=None)
    paths = {'rgb': '/data/seqA/visible/v001.jpg', 'tir': '/data/seqA/infrared/i001.jpg'}
    d = gen.detections('seqA', 1, (32, 24), frame_paths=paths)
    # rgb: 12,6,8,12 (by hand above); tir: w=4, h=6, x=2-2=0, y=3-3=0
    assert d['boxes'].tolist() == [[12, 6, 8, 12], [0, 0, 4, 6]]
    assert d['modality'] == ['rgb', 'tir'] and d['classes'].tolist() == [0, 1]
    gen.boxes('seqA', 2, (32, 24), frame_paths={'rgb': 'v002.jpg', 'tir': 'i002.jpg'})
    assert gen.stats['missing_files'] == 2


def test_yolo_frame_names_from_a_bound_source(tmp_path):
    _lines(tmp_path / 'tir' / 'seqA' / 'i007.txt', ['0 0.5 0.5 0.25 0.5'])

    class _Seq:
        def frame_paths(self, i):
            return {'rgb': 'v{:03d}.jpg'.format(i), 'tir': 'i{:03d}.jpg'.format(i)}

    class _Source:
        def get_sequence(self, name):
            assert name == 'seqA'
            return _Seq()

    gen = DetectionBoxes(tir_dir=str(tmp_path / 'tir'), format='yolo', source=_Source(), fallback=None)
    assert gen.boxes('seqA', 7, (32, 24)).tolist() == [[12, 6, 8, 12]]
    bare = DetectionBoxes(tir_dir=str(tmp_path / 'tir'), format='yolo')
    with pytest.raises(ValueError, match='frame_paths'):
        bare.boxes('seqA', 7, (32, 24))


def test_malformed_detection_line_surfaces_from_generator(tmp_path):
    path = _lines(tmp_path / 'rgb' / 'seq.txt', ['1,1,0,0,10,10,0.9', '1,1,0,0,10'])
    gen = DetectionBoxes(rgb_dir=str(tmp_path / 'rgb'), format='mot')
    with pytest.raises(ValueError, match='{}:2'.format(path)):
        gen.boxes('seq', 0, SIZE)


def test_detection_boxes_argument_errors(tmp_path):
    with pytest.raises(ValueError, match='rgb_dir and/or tir_dir'):
        DetectionBoxes()
    missing = str(tmp_path / 'nope')
    with pytest.raises(FileNotFoundError, match=missing):
        DetectionBoxes(tir_dir=missing)
    with pytest.raises(ValueError, match='unknown detection format'):
        DetectionBoxes(tir_dir=str(tmp_path), format='coco')


# -- factory --------------------------------------------------------------------------------------

def test_factory(tmp_path):
    assert make_pseudo_box_generator('center', rel_size=(0.5, 0.5)).rel_size == (0.5, 0.5)
    assert make_pseudo_box_generator('random', count=2, seed=5).count == 2
    gen = make_pseudo_box_generator('detection', tir_dir=str(tmp_path), fallback={'name': 'random', 'count': 3})
    assert isinstance(gen, DetectionBoxes) and gen.fallback.count == 3
    with pytest.raises(ValueError) as e:
        make_pseudo_box_generator('yolo')
    assert "'yolo'" in str(e.value) and 'center' in str(e.value) and 'detection' in str(e.value)
