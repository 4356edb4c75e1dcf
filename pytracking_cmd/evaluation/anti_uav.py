"""Readers of the Anti-UAV benchmarks (thermal videos of drones, a per-frame `exist` flag), for tir_benchmarks.

Layouts, as the datasets ship and as their official code reads them:

* Anti-UAV410 (github.com/HwangBo94/Anti-UAV410, datasets/antiuav410.py): `<root>/{train,val,test}/<seq>/`
  holding the frames `*.jpg` and `IR_label.json` = `{"exist": [0/1 per frame], "gt_rect": [[x, y, w, h]
  per frame]}`. The root may be the dataset folder or one split folder. Attributes (10 flags, the
  toolkit's order) come from the toolkit's `annos/<split>/att/<seq>.txt` files: pass the toolkit
  checkout (or that `att` folder) as the attributes path.
* Anti-UAV300 (github.com/ZhaoJ9014/Anti-UAV, the Anti-UAV-RGBT release): `<root>/{train,val,test}/<seq>/`
  holding `infrared/infraredI0000.jpg ...` with `infrared.json`, and `visible/visibleI0000.jpg ...`
  with `visible.json` (the same `exist` / `gt_rect` keys). Its challenge release has `IR.mp4` /
  `RGB.mp4` videos instead of frame folders: extract them once (the error says how).

A frame without the target has `exist` 0 and the box `[]` or `[0, 0, 0, 0]`; both become the row
0,0,0,0 of BenchmarkSequence.ground_truth, and the flags become BenchmarkSequence.exist (pytracking's
`Sequence.target_visible`). A sequence with a missing or unreadable annotation file, lengths that
disagree (frames, boxes, flags), or a zero-byte frame is named in a BenchmarkWarning and skipped.
"""
import json
import os
from typing import List, Optional

import numpy as np

from ltr_cmd.data.dataset_files import IMAGE_EXTENSIONS, format_list
from pytracking_cmd.evaluation import tir_benchmarks as tb

from pytracking_cmd.evaluation.tir_benchmarks import ANTI_UAV410_ATTRIBUTES  # noqa: F401 (part of this API)

# modality -> (frame folder, annotation file, frame-name prefix, the challenge release's video and label)
ANTI_UAV300_MODALITIES = {'ir': ('infrared', 'infrared.json', 'infraredI', 'IR.mp4', 'IR_label.json'),
                          'rgb': ('visible', 'visible.json', 'visibleI', 'RGB.mp4', 'RGB_label.json')}


def read_label_file(path):
    """An Anti-UAV annotation file -> (boxes [N, 4] float64 with absent frames 0,0,0,0, exist [N] bool).

    raises:
        BenchmarkFormatError naming the file (and the frame, 1-based) when it is not such a file
    """
    try:
        with open(path, 'r', encoding='utf-8-sig') as fh:
            label = json.load(fh)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise tb.BenchmarkFormatError('{}: not a readable Anti-UAV annotation file ({})'.format(path, e)) from None
    if not isinstance(label, dict) or not isinstance(label.get('gt_rect'), list):
        raise tb.BenchmarkFormatError('{}: expected a JSON object with a "gt_rect" list (and an "exist" list)'
                                      .format(path))
    boxes = np.zeros((len(label['gt_rect']), 4), dtype=np.float64)
    for k, rect in enumerate(label['gt_rect']):
        if rect in ([], None):
            continue
        try:
            boxes[k] = np.asarray(rect, dtype=np.float64).reshape(4)
        except (TypeError, ValueError):
            raise tb.BenchmarkFormatError('{}: gt_rect of frame {} is {!r}; expected [x, y, w, h] or []'
                                          .format(path, k + 1, rect)) from None
    exist = label.get('exist')
    if exist is None:   # some copies carry the boxes only: the target is there where it has a box
        exist = (boxes != 0).any(axis=1)
    elif not isinstance(exist, list) or len(exist) != len(boxes):
        raise tb.BenchmarkFormatError('{}: "exist" has {} flags but "gt_rect" {} boxes'.format(
            path, len(exist) if isinstance(exist, list) else type(exist).__name__, len(boxes)))
    return boxes, np.asarray(exist, dtype=bool)


def _split_dir(config, root):
    """The folder holding the sequence folders: `<root>/<split>`, or root itself when it is that folder."""
    split = os.path.join(root, config.split_name)
    return split if os.path.isdir(split) else root


def _has_frames(folder):
    return os.path.isdir(folder) and any(f.lower().endswith(IMAGE_EXTENSIONS) and not f.startswith('.')
                                         for f in os.listdir(folder))


def _zero_byte(frames):
    return next((f for f in frames if os.path.getsize(f) == 0), None)


def _attribute_dir(config, root, attributes_path):
    if attributes_path is not None:
        for candidate in (os.path.join(attributes_path, 'annos', config.split_name, 'att'), attributes_path):
            if os.path.isdir(candidate):
                return candidate
        raise tb.BenchmarkMissingError('{} attribute folder not found: {} (expected the toolkit checkout or its '
                                       'annos/{}/att folder)'.format(config.title, attributes_path, config.split_name))
    for candidate in (os.path.join(root, 'annos', config.split_name, 'att'), os.path.join(root, 'att')):
        if os.path.isdir(candidate):
            return candidate
    return None


def read_anti_uav(config, root, attributes_path=None, modality: Optional[str] = None, **_) -> List[tb.BenchmarkSequence]:
    """Every sequence of an Anti-UAV410 (modality None) or Anti-UAV300 (modality 'ir' / 'rgb') split."""
    tb._check_root(config, root)
    seq_root = _split_dir(config, root)
    att_dir = _attribute_dir(config, root, attributes_path) if config.attributes else None
    sequences, skipped, no_att = [], [], []
    for name in sorted(d for d in os.listdir(seq_root) if os.path.isdir(os.path.join(seq_root, d))
                       and not d.startswith('.')):
        seq_dir = os.path.join(seq_root, name)
        if modality is None:
            frame_dir, label_path = seq_dir, os.path.join(seq_dir, 'IR_label.json')
        else:
            folder, label_file, _, video, video_label = ANTI_UAV300_MODALITIES[modality]
            frame_dir, label_path = os.path.join(seq_dir, folder), os.path.join(seq_dir, label_file)
            if not os.path.isdir(frame_dir) and os.path.isfile(os.path.join(seq_dir, video)):
                raise tb.BenchmarkFormatError(
                    '{}: the challenge release ships {} as a video; extract its frames once, e.g.  mkdir {} && '
                    'ffmpeg -i {} -start_number 0 {}/{}%04d.jpg && cp {} {}'.format(
                        seq_dir, video, frame_dir, os.path.join(seq_dir, video), frame_dir,
                        ANTI_UAV300_MODALITIES[modality][2], os.path.join(seq_dir, video_label), label_path))
        if not os.path.isfile(label_path):
            if _has_frames(frame_dir):   # other folders (__MACOSX/, notes) are no sequences
                skipped.append('{} (no {})'.format(name, label_path))
            continue
        try:
            frames = tb._list_frames(frame_dir)
            boxes, exist = read_label_file(label_path)
        except tb.BenchmarkError as e:
            skipped.append('{} ({})'.format(name, e))
            continue
        if len(frames) != len(boxes):
            skipped.append('{} ({} boxes in {} but {} frames in {})'.format(name, len(boxes), label_path,
                                                                           len(frames), frame_dir))
            continue
        empty = _zero_byte(frames)
        if empty is not None:
            skipped.append('{} (zero-byte frame {})'.format(name, empty))
            continue
        attributes = {}
        if att_dir is not None:
            att_file = os.path.join(att_dir, name + '.txt')
            if os.path.isfile(att_file):
                attributes = tb.read_attribute_file(att_file, config.attributes)
            else:
                no_att.append(name)
        sequences.append(tb.BenchmarkSequence(name=name, frames=frames, ground_truth=boxes, attributes=attributes,
                                              benchmark=config.name, object_class='drone', exist=exist))
    if skipped:
        tb._warn('{}: skipped {} sequence(s) under {}: {}'.format(config.title, len(skipped), seq_root,
                                                                format_list(skipped)))
    if not sequences:
        expected = ('<seq>/IR_label.json beside the frames <seq>/*.jpg' if modality is None else
                    '<seq>/{1} beside the frame folder <seq>/{0}/'.format(*ANTI_UAV300_MODALITIES[modality]))
        raise tb.BenchmarkMissingError('No {} sequences found under {}: expected {}'.format(config.title, seq_root,
                                                                                           expected))
    if no_att:
        tb._warn('{}: no attribute file in {} for {} sequence(s); their attributes are unknown: {}'.format(
            config.title, att_dir, len(no_att), format_list(no_att)))
    if config.expected_count and len(sequences) != config.expected_count:
        tb._warn('{}: {} sequences found under {}, the full split has {} (a partial download?)'.format(
            config.title, len(sequences), seq_root, config.expected_count))
    return sequences
