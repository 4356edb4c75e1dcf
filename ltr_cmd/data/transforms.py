"""Photometric transforms for paired frames: HxWx6 arrays, RGB in channels 0-2, TIR in 3-5.

Geometry (crop, scale, flip) is pytracking's own processing, applied to the six channels at once,
so the two modalities stay pixel-aligned. Photometry differs per modality: brightness jitter and
conversion to grayscale are colour-camera augmentations, so thermal channels are left as the sensor
gave them.
"""
import numpy as np
import torch
from ltr.data import transforms as tfm

RGB, TIR = slice(0, 3), slice(3, 6)

# The trackers normalise every frame, thermal ones included, with these ImageNet statistics.
IMAGENET_MEAN = [0.485, 0.456, 0.406]
IMAGENET_STD = [0.229, 0.224, 0.225]
PAIR_MEAN, PAIR_STD = IMAGENET_MEAN * 2, IMAGENET_STD * 2


class ToTensorAndJitterRGB(tfm.ToTensorAndJitter):
    """pytracking's ToTensorAndJitter, with the brightness factor applied to the RGB channels only."""

    def transform_image(self, image, brightness_factor):
        if image.shape[2] != 6:
            raise ValueError('expected a paired HxWx6 frame (RGB + TIR), got shape {}'.format(image.shape))
        tensor = torch.from_numpy(np.ascontiguousarray(image.transpose((2, 0, 1)))).float().div(255.0)
        tensor[RGB] = tensor[RGB].mul(brightness_factor).clamp(0.0, 1.0)
        return tensor


class ToGrayscaleRGB(tfm.ToGrayscale):
    """pytracking's ToGrayscale on the RGB channels of a paired HxWx6 frame; the thermal channels stay."""

    def transform_image(self, image, do_grayscale):
        if image.shape[2] != 6:
            raise ValueError('expected a paired HxWx6 frame (RGB + TIR), got shape {}'.format(image.shape))
        if not do_grayscale:
            return image
        paired = image.copy()
        paired[..., RGB] = super().transform_image(np.ascontiguousarray(image[..., RGB]), True)
        return paired


def paired_joint_transform(grayscale_probability=0.05, flip_probability=0.5):
    """ToMP's joint transform (ltr/train_settings/tomp/tomp50.py) for paired frames: on whole frames before
    cropping, one roll for the reference and test frames; grayscale on the RGB channels only, a horizontal
    flip of all six channels together."""
    return tfm.Transform(ToGrayscaleRGB(probability=grayscale_probability),
                         tfm.RandomHorizontalFlip(probability=flip_probability))


def paired_transform(brightness_jitter=0.2, flip_probability=0.0):
    """Train-time transform of paired frames: RGB brightness jitter, a horizontal flip of all six
    channels together (as pytracking's SuperDiMP setting flips), then per-channel normalisation."""
    steps = [ToTensorAndJitterRGB(brightness_jitter)]
    if flip_probability:
        steps.append(tfm.RandomHorizontalFlip(probability=flip_probability))
    return tfm.Transform(*steps, tfm.Normalize(mean=PAIR_MEAN, std=PAIR_STD))


def stack_pair(rgb, tir):
    """One HxWx6 uint8 array from an aligned RGB frame and a TIR frame (both HxWx3 uint8)."""
    if rgb.shape != tir.shape:
        raise ValueError('RGB and TIR frames of a pair differ in size: {} vs {}'.format(rgb.shape, tir.shape))
    return np.concatenate((rgb, tir), axis=2)
