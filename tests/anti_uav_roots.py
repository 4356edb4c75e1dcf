"""Anti-UAV410 and Anti-UAV300 roots in the layouts the datasets ship (pytracking_cmd/evaluation/anti_uav.py
names the official readers they follow), with the flaws real downloads show.

Frames are thermal: a warm 'drone' square moving on a noisy background; where the label says the target
is absent it is drawn nowhere. Each writer returns `(root, expected)`: the sequences a reader must use
(name -> number of frames) and those it must skip (name -> a word of the reason).
"""
import json

import cv2
import numpy as np

from tests.flawed_roots import stray_files, truncated, zero_bytes

SIZE = (128, 96)  # width, height


def _frames(folder, names, absent, rng):
    """Write the frames; returns their boxes (0,0,0,0 where absent)."""
    folder.mkdir(parents=True, exist_ok=True)
    boxes = []
    for k, name in enumerate(names):
        image = rng.normal(60, 5, (SIZE[1], SIZE[0])).clip(0, 255)
        if k in absent:
            boxes.append([0, 0, 0, 0])
        else:
            x, y = 30 + 3 * (k % 12), 40
            image[y:y + 12, x:x + 16] = 200
            boxes.append([x, y, 16, 12])
        assert cv2.imwrite(str(folder / name), image.astype(np.uint8))
    return boxes


def _label(boxes, empty_absent):
    exist = [int(any(b)) for b in boxes]
    return {'exist': exist, 'gt_rect': [[] if empty_absent and not e else b for b, e in zip(boxes, exist)]}


def anti_uav410(root, frames=8, flaws=True, split='test'):
    """`<root>/<split>/<seq>/{000001.jpg ..., IR_label.json}` (github.com/HwangBo94/Anti-UAV410 datasets/antiuav410.py)."""
    rng = np.random.default_rng(410)
    base = root / split
    expected = {'used': {}, 'skipped': {}}
    for i, name in enumerate(('02_6319_1500-2999', '20190925_111757_1_10')):
        seq = base / name
        boxes = _frames(seq, ['%06d.jpg' % (k + 1) for k in range(frames)], {frames - 3, frames - 2}, rng)
        (seq / 'IR_label.json').write_text(json.dumps(_label(boxes, empty_absent=i == 1)))
        expected['used'][name] = frames
    if flaws:
        # no IR_label.json: an archive extracted only in part
        _frames(base / 'no_label', ['%06d.jpg' % (k + 1) for k in range(frames)], set(), rng)
        expected['skipped']['no_label'] = 'no '
        # one frame fewer than labels: a frame lost in a copy
        seq = base / 'count_mismatch'
        boxes = _frames(seq, ['%06d.jpg' % (k + 1) for k in range(frames - 1)], set(), rng)
        (seq / 'IR_label.json').write_text(json.dumps(_label(boxes + [[1, 1, 5, 5]], False)))
        expected['skipped']['count_mismatch'] = 'boxes'
        # a zero-byte frame: a download interrupted before its data arrived
        seq = base / 'zero_byte'
        boxes = _frames(seq, ['%06d.jpg' % (k + 1) for k in range(frames)], set(), rng)
        zero_bytes(seq / '000003.jpg')
        (seq / 'IR_label.json').write_text(json.dumps(_label(boxes, False)))
        expected['skipped']['zero_byte'] = 'zero-byte'
        # a label file cut short
        seq = base / 'cut_label'
        boxes = _frames(seq, ['%06d.jpg' % (k + 1) for k in range(frames)], set(), rng)
        (seq / 'IR_label.json').write_text(json.dumps(_label(boxes, False))[:40])
        expected['skipped']['cut_label'] = 'not a readable'
        # a truncated JPEG reads as a file: tracking names it (the reader does not open frames)
        seq = base / 'truncated_frame'
        boxes = _frames(seq, ['%06d.jpg' % (k + 1) for k in range(frames)], set(), rng)
        truncated(seq / '000004.jpg', writer=lambda p: cv2.imwrite(str(p), rng.integers(0, 255, (96, 128), np.uint8)))
        (seq / 'IR_label.json').write_text(json.dumps(_label(boxes, False)))
        expected['used']['truncated_frame'] = frames
        stray_files(base)
    return root, expected


def anti_uav300(root, frames=8, flaws=True, split='test'):
    """`<root>/<split>/<seq>/{infrared/infraredI0000.jpg ..., infrared.json, visible/visibleI0000.jpg ...,
    visible.json}` (the Anti-UAV-RGBT release as github.com/ZhaoJ9014/Anti-UAV's loaders read it)."""
    rng = np.random.default_rng(300)
    base = root / split
    expected = {'used': {}, 'skipped': {}}
    for i, name in enumerate(('20190925_101846_1_1', '20190925_111757_1_3')):
        for folder, prefix, label in (('infrared', 'infraredI', 'infrared.json'), ('visible', 'visibleI', 'visible.json')):
            boxes = _frames(base / name / folder, ['%s%04d.jpg' % (prefix, k) for k in range(frames)],
                            {frames - 3}, rng)
            (base / name / label).write_text(json.dumps(_label(boxes, empty_absent=i == 0)))
        expected['used'][name] = frames
    if flaws:
        # the thermal label of a sequence missing (the visible one is there)
        seq = base / 'no_ir_label'
        for folder, prefix in (('infrared', 'infraredI'), ('visible', 'visibleI')):
            boxes = _frames(seq / folder, ['%s%04d.jpg' % (prefix, k) for k in range(frames)], set(), rng)
        (seq / 'visible.json').write_text(json.dumps(_label(boxes, False)))
        expected['skipped']['no_ir_label'] = 'no '
        # "exist" and "gt_rect" of different lengths
        seq = base / 'short_exist'
        boxes = _frames(seq / 'infrared', ['infraredI%04d.jpg' % k for k in range(frames)], set(), rng)
        label = _label(boxes, False)
        label['exist'] = label['exist'][:-2]
        (seq / 'infrared.json').write_text(json.dumps(label))
        expected['skipped']['short_exist'] = '"exist" has'
        stray_files(base)
    return root, expected
