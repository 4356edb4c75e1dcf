"""ltr dataset of aligned RGB-TIR frame pairs with pseudo boxes: CMD's unlabelled training samples.

Each frame pair is a one-frame "sequence" (as the CMD authors did): a pseudo box marks the same
place in both modalities of that instant, and only there. pytracking's samplers then draw the
reference and test crops from that one pair, with independent crop jitter, and the actor decides
which modality is reference and which is test.

Frames are HxWx6 uint8 (RGB channels 0-2, TIR 3-5), so pytracking's processing crops, scales and
flips both modalities with the same numbers.

A pair that was listed but cannot be used when the loader opens it (unreadable, truncated, zero
bytes, or the two images of different sizes) is replaced by another pair drawn at random, both
modalities together; a warning names the file (once per file in each loader process).
pytracking's fail_safe would instead restart the whole epoch. SampleCounts puts that count and the
pseudo-box generator's counters into every sample; the trainer reports them as `Data/...` stats.
"""
import logging
import random
from collections import OrderedDict

import numpy as np
import torch
from ltr.dataset.base_video_dataset import BaseVideoDataset

from ltr_cmd.data.pseudo_boxes import PseudoBoxGenerator
from ltr_cmd.data.transforms import stack_pair
from ltr_cmd.errors import UserError

logger = logging.getLogger(__name__)


class DataUnavailableError(UserError, OSError):
    """Many frame pairs in a row could not be read: the data folder is probably gone (disk, network share)."""


class PairedFrameDataset(BaseVideoDataset):
    """Frame pairs of a source as one-frame sequences.

    args:
        source - an aligned RGB-TIR source (ltr_cmd.data.rgbt_sources, or the demo's SyntheticPairSource):
            `name`, `sequences` (each with `name`, `len()`, `frame_paths(i)`), `read_pair(seq, i)`.
        pseudo_boxes - a generator of ltr_cmd.data.pseudo_boxes (boxes(seq_name, i, (w, h), frame_paths)).
        frame_step - use every frame_step-th pair (consecutive video frames are near-duplicates).
        max_failures_in_a_row - raise DataUnavailableError after this many unreadable pairs in a row.
    """

    def __init__(self, source, pseudo_boxes, frame_step=1, max_failures_in_a_row=50):
        super().__init__('cmd_' + source.name, root=None, image_loader=None)
        if frame_step < 1:
            raise ValueError('frame_step must be >= 1, got {}'.format(frame_step))
        self.source = source
        self.pseudo_boxes = pseudo_boxes
        self.frame_step = frame_step
        # item k is pair (k - starts[s]) * frame_step of sequence s, starts[s] <= k < starts[s + 1]: two numbers per
        # sequence instead of a list of 730k (sequence, frame) tuples in every rank and loader worker
        self._starts = np.cumsum([0] + [-(-len(sequence) // frame_step) for sequence in source.sequences])
        if not len(self):
            raise ValueError('{}: no frame pairs to train on ({} sequences)'.format(source.name, len(source.sequences)))
        self.max_failures_in_a_row = int(max_failures_in_a_row)
        self._last = None  # (seq_id, item read, frame): get_sequence_info reads the pair; get_frames reuses it
        self._failures_in_a_row = 0
        self._replaced = 0     # since the last take_replaced()
        self._warned = set()   # files already warned about in this process

    def is_video_sequence(self):
        return False

    def get_name(self):
        return self.name

    def __len__(self):
        return int(self._starts[-1])

    def get_num_sequences(self):
        return len(self)

    def pair(self, item):
        """(sequence index, frame index) of `item`."""
        s = int(np.searchsorted(self._starts, item, side='right')) - 1
        return s, int(item - self._starts[s]) * self.frame_step

    def _frame(self, seq_id):
        """(item, frame) of `seq_id`: the pair it names, or the pair that replaced it."""
        if self._last is None or self._last[0] != seq_id:
            self._last = (seq_id,) + self._read(seq_id)
        return self._last[1:]

    def _read(self, item):
        while True:
            s, i = self.pair(item)
            try:
                pair = self.source.read_pair(s, i)
            except (OSError, ValueError) as error:  # ImageReadError, FileNotFoundError, size mismatch
                self._failed(s, i, error)
                item = random.randrange(len(self))
                continue
            self._failures_in_a_row = 0
            return item, stack_pair(pair['rgb'], pair['tir'])

    def _failed(self, s, i, error):
        self._replaced += 1
        self._failures_in_a_row += 1
        if self._failures_in_a_row >= self.max_failures_in_a_row:
            raise DataUnavailableError(
                '{} frame pairs in a row could not be read from the {} data at {} (last: {}). Is the disk or '
                'network share still mounted? Fix it and run training again: it resumes from the last '
                'checkpoint.'.format(self._failures_in_a_row, self.source.name,
                                     getattr(self.source, 'root', '?'), error)) from error
        paths = self.source.sequences[s].frame_paths(i)
        if (paths['rgb'], paths['tir']) not in self._warned:
            self._warned.add((paths['rgb'], paths['tir']))
            logger.warning('replaced a frame pair that cannot be used (said once per file and loader process): '
                           '%s', error)

    def take_replaced(self):
        """How many pairs were replaced since the last call (ReplacedFrames reads it once per sample)."""
        count, self._replaced = self._replaced, 0
        return count

    def get_sequence_info(self, seq_id):
        item, frame = self._frame(seq_id)
        s, i = self.pair(item)
        sequence = self.source.sequences[s]
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
        frame = self._frame(seq_id)[1]
        frames = [frame] * len(frame_ids)
        anno_frames = {key: [value[0].clone() for _ in frame_ids] for key, value in anno.items()}
        meta = OrderedDict({'object_class_name': None, 'motion_class': None, 'major_class': None,
                            'root_class': None, 'motion_adverb': None})
        return frames, anno_frames, meta


COUNT_PREFIX = 'count/'  # keys of per-sample counts in a batch; ltr_cmd.trainer turns them into Data/ stats


class SampleCounts:
    """The sampler's processing, then counts of what happened while drawing this sample, as
    `data['count/<name>']`: `replaced_frames` (unusable pairs replaced) and, for a generator of
    ltr_cmd.data.pseudo_boxes, every counter but `frames` (`pseudo_box_<counter>`, e.g.
    `pseudo_box_fallback_frames`).

    The counts travel in the batch because loader workers are separate processes: counters in the
    dataset would not reach the trainer.

    args:
        processing - pytracking's processing (DiMPProcessing, ...)
        dataset - the PairedFrameDataset the sampler draws from
    """

    def __init__(self, processing, dataset):
        self.processing = processing
        self.dataset = dataset

    def __call__(self, data):
        data = self.processing(data)
        counts = {'replaced_frames': self.dataset.take_replaced()}
        generator = self.dataset.pseudo_boxes
        if isinstance(generator, PseudoBoxGenerator):  # its counters since the last sample of this process
            counts.update(('pseudo_box_' + k, v) for k, v in generator.stats.items() if k != 'frames')
            generator.reset_stats()
        for name, count in counts.items():
            data[COUNT_PREFIX + name] = torch.tensor([count], dtype=torch.float32)
        return data
