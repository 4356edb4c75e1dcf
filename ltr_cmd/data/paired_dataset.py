"""ltr dataset of aligned RGB-TIR frame pairs with pseudo boxes: CMD's unlabelled training samples.

Each frame pair is a one-frame "sequence" (as the CMD authors did): a pseudo box marks the same
place in both modalities of that instant, and only there. pytracking's samplers then draw the
reference and test crops from that one pair, with independent crop jitter, and the actor decides
which modality is reference and which is test.

Frames are HxWx6 uint8 (RGB channels 0-2, TIR 3-5), so pytracking's processing crops, scales and
flips both modalities with the same numbers.
"""
import random
from collections import OrderedDict

import torch
from ltr.dataset.base_video_dataset import BaseVideoDataset

from ltr_cmd.data.transforms import stack_pair


class PairedFrameDataset(BaseVideoDataset):
    """Frame pairs of a source as one-frame sequences.

    args:
        source - an aligned RGB-TIR source (ltr_cmd.data.rgbt_sources, or the demo's SyntheticPairSource):
            `name`, `sequences` (each with `name`, `len()`, `frame_paths(i)`), `read_pair(seq, i)`.
        pseudo_boxes - a generator of ltr_cmd.data.pseudo_boxes (boxes(seq_name, i, (w, h), frame_paths)).
        frame_step - use every frame_step-th pair (consecutive video frames are near-duplicates).
    """

    def __init__(self, source, pseudo_boxes, frame_step=1):
        super().__init__('cmd_' + source.name, root=None, image_loader=None)
        if frame_step < 1:
            raise ValueError('frame_step must be >= 1, got {}'.format(frame_step))
        self.source = source
        self.pseudo_boxes = pseudo_boxes
        self.items = [(s, i) for s, sequence in enumerate(source.sequences) for i in range(0, len(sequence), frame_step)]
        if not self.items:
            raise ValueError('{}: no frame pairs to train on ({} sequences)'.format(source.name, len(source.sequences)))
        self._last = None  # (item, frame): get_sequence_info reads the pair; get_frames reuses it

    def is_video_sequence(self):
        return False

    def get_name(self):
        return self.name

    def get_num_sequences(self):
        return len(self.items)

    def _frame(self, seq_id):
        if self._last is None or self._last[0] != seq_id:
            s, i = self.items[seq_id]
            pair = self.source.read_pair(s, i)
            self._last = (seq_id, stack_pair(pair['rgb'], pair['tir']))
        return self._last[1]

    def get_sequence_info(self, seq_id):
        s, i = self.items[seq_id]
        sequence = self.source.sequences[s]
        frame = self._frame(seq_id)
        boxes = self.pseudo_boxes.boxes(sequence.name, i, (frame.shape[1], frame.shape[0]),
                                        frame_paths=sequence.frame_paths(i))
        if len(boxes) == 0:
            raise ValueError('{}: no pseudo box for frame {} of {} ({!r})'.format(self.name, i, sequence.name,
                                                                                  self.pseudo_boxes))
        box = torch.tensor(boxes[random.randrange(len(boxes))], dtype=torch.float32).view(1, 4)
        valid = (box[:, 2] > 0) & (box[:, 3] > 0)
        return {'bbox': box, 'valid': valid, 'visible': valid.clone()}

    def get_frames(self, seq_id, frame_ids, anno=None):
        if anno is None:
            anno = self.get_sequence_info(seq_id)
        frame = self._frame(seq_id)
        frames = [frame] * len(frame_ids)
        anno_frames = {key: [value[0].clone() for _ in frame_ids] for key, value in anno.items()}
        meta = OrderedDict({'object_class_name': None, 'motion_class': None, 'major_class': None,
                            'root_class': None, 'motion_adverb': None})
        return frames, anno_frames, meta
