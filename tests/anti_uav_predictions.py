"""Predictions with absences, empty and degenerate boxes for the Anti-UAV identity test, made from the real
annotations of Anti-UAV410's test set (tests/data/anti_uav410/), deterministic for a sequence name.

Shared by tests/unit/test_anti_uav_metrics.py and tests/data/anti_uav410/make_official_values.py, which
scores the same predictions with the official code; a result row is `[x, y, w, h]`, `[]` (absent, the
toolkit's JSON) or `[0]` (one value: also absent for the Anti-UAV410 toolkit).
"""
import io
import json
import os
import tarfile
import zlib

import numpy as np

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'data', 'anti_uav410')
ARCHIVE = os.path.join(DATA, 'annos_test.tar.gz')
VALUES = os.path.join(DATA, 'official_values.json')


def annotations():
    """name -> (boxes [N, 4] as in annos/test/<name>.txt, attribute flags [10]), from the archived toolkit files."""
    boxes, atts = {}, {}
    with tarfile.open(ARCHIVE) as tar:
        for member in tar.getmembers():
            if not member.isfile():
                continue
            text = tar.extractfile(member).read().decode()
            values = np.loadtxt(io.StringIO(text.replace(',', ' ')), ndmin=2)
            name = os.path.basename(member.name)[:-len('.txt')]
            if '/att/' in member.name:
                atts[name] = values.ravel()
            else:
                boxes[name] = values
    return {name: (boxes[name], atts[name]) for name in sorted(boxes)}


def label(boxes, empty_absent):
    """The IR_label.json content of a sequence: exist where the box is not 0,0,0,0; `[]` boxes where absent
    when `empty_absent` (the form some releases use), else the 0,0,0,0 rows."""
    exist = [int((b != 0).any()) for b in boxes]
    rects = [[] if empty_absent and not e else [float(v) for v in b] for b, e in zip(boxes, exist)]
    return {'exist': exist, 'gt_rect': rects}


def predictions(name, boxes):
    """The result rows of one sequence (JSON-ready lists), deterministic for `name`."""
    rng = np.random.RandomState(zlib.crc32(name.encode()))
    exist = (boxes != 0).any(axis=1)
    rows, last = [], [float(v) for v in boxes[0]]
    for k, (box, present) in enumerate(zip(boxes, exist)):
        u = rng.rand()
        if k == 0:
            row = [float(v) for v in box]
        elif not present:
            # mostly "absent", sometimes the last box kept, sometimes a zero box (a box, not a statement)
            row = [] if u < 0.6 else [0] if u < 0.65 else [0.0, 0.0, 0.0, 0.0] if u < 0.7 else last
        elif u < 0.08:
            row = []                                            # a miss: absent while the target is there
        elif u < 0.10:
            row = [0.0, 0.0, 0.0, 0.0]
        elif u < 0.12:
            row = [float(box[0]), float(box[1]), 0.0, float(box[3])]        # zero width
        elif u < 0.13:
            row = [float(box[0]) + 5, float(box[1]), -3.0, float(box[3])]   # negative width
        elif u < 0.14:
            row = [0.0, float(box[1]), 0.0, float(box[3])]                  # x == 0 and w == 0
        elif u < 0.22:
            row = [float(box[0]) + 60 + 40 * rng.rand(), float(box[1]) - 50, float(box[2]), float(box[3])]  # drift
        else:
            jitter = rng.randn(4) * np.array([1.5, 1.5, 0.15 * box[2], 0.15 * box[3]])
            row = [round(float(v), 3) for v in box + jitter]
        if len(row) == 4:
            last = row
        rows.append(row)
    return rows


def load_values():
    with open(VALUES) as fh:
        return json.load(fh)
