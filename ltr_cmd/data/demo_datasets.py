"""The built-in demo data (ltr_cmd.data.synthetic) seen through ltr's dataset interfaces.

- `SyntheticVideoDataset`: labelled video of one modality, for training the demo's RGB teacher
  (and its RGB-only control) with pytracking's stock sampler and processing.
- `SyntheticPairSource`: the same world as unlabelled aligned RGB-TIR pairs, in the interface of
  ltr_cmd.data.rgbt_sources, for PairedFrameDataset.
- `SyntheticObjectBoxes`: pseudo boxes of the `detections` kind from an ideal detector, of every
  object of the frame or of the target class only.
"""
from collections import OrderedDict

import torch
from ltr.dataset.base_video_dataset import BaseVideoDataset

from ltr_cmd.data.pseudo_boxes import PseudoBoxGenerator

_META = OrderedDict({'object_class_name': None, 'motion_class': None, 'major_class': None, 'root_class': None,
                     'motion_adverb': None})


class SyntheticVideoDataset(BaseVideoDataset):
    """Labelled sequences of one modality ('rgb' or 'tir') of a SyntheticRGBT world."""

    def __init__(self, world, modality='rgb'):
        if modality not in ('rgb', 'tir'):
            raise ValueError("modality must be 'rgb' or 'tir', got {!r}".format(modality))
        super().__init__('cmd_demo_' + modality, root=None, image_loader=None)
        self.world, self.modality = world, modality

    def is_video_sequence(self):
        return True

    def get_name(self):
        return self.name

    def get_num_sequences(self):
        return len(self.world)

    def get_sequence_info(self, seq_id):
        bbox = torch.tensor(self.world.boxes(seq_id), dtype=torch.float32)
        valid = (bbox[:, 2] > 0) & (bbox[:, 3] > 0)
        return {'bbox': bbox, 'valid': valid, 'visible': valid.clone()}

    def get_frames(self, seq_id, frame_ids, anno=None):
        if anno is None:
            anno = self.get_sequence_info(seq_id)
        frames = [self.world.frame(seq_id, f, self.modality) for f in frame_ids]
        anno_frames = {key: [value[f].clone() for f in frame_ids] for key, value in anno.items()}
        return frames, anno_frames, _META.copy()


class _SyntheticSequence:
    def __init__(self, name, length):
        self.name, self._length = name, length

    def __len__(self):
        return self._length

    def frame_paths(self, i):
        return None  # rendered on the fly: no files


class SyntheticPairSource:
    """Unlabelled aligned pairs of a SyntheticRGBT world (the rgbt_sources interface)."""

    def __init__(self, world):
        self.world = world
        self.name = 'synthetic'
        self.sequences = [_SyntheticSequence(world.sequence_name(i), world.length) for i in range(len(world))]

    def read_pair(self, seq, i):
        return {'rgb': self.world.frame(seq, i, 'rgb'), 'tir': self.world.frame(seq, i, 'tir')}


class SyntheticObjectBoxes(PseudoBoxGenerator):
    """Object boxes of the frame as a perfect detector gives them.

    args:
        world - the SyntheticRGBT source.
        target_class_only - False: every object, target and distractors alike (a class-agnostic
            detector). True: the target only, as a detector of the benchmark's target classes gives
            (the CMD authors kept people and vehicles); in the synthetic world the target is the
            one object of its kind (its own hue in RGB; in thermal a flat body without the
            distractors' hot core).
    """

    def __init__(self, world, target_class_only=False):
        super().__init__()
        self.world = world
        self.objects = 1 if target_class_only else 1 + world.num_distractors
        self._index = {world.sequence_name(i): i for i in range(len(world))}

    def boxes(self, seq_name, frame_index, image_size, frame_paths=None):
        return self.world.object_boxes(self._index[seq_name])[frame_index][:self.objects]

    def __repr__(self):
        if self.objects == 1:
            return 'SyntheticObjectBoxes(target class only, 1 per frame)'
        return 'SyntheticObjectBoxes(every object of the frame, {} per frame)'.format(self.objects)
