"""pytracking's ATOM tracker on the demo's CMD student (`run_training.py cmd demo_cmd`): the student's
ResNet-18 and its distilled IoU-Net (the same IoU-Net type as ATOM's); ATOM learns its classifier
online, as it always does. Sizes as the demo's (128-pixel search region)."""
from pytracking.parameter.atom.default import parameters as rgb_parameters

from ltr_cmd import demo
from ltr_cmd.checkpoints import student_network
from ltr_cmd.device import use_gpu


def parameters():
    params = rgb_parameters()
    params.use_gpu = use_gpu()
    params.max_image_sample_size = params.min_image_sample_size = demo.CROP ** 2
    params.search_area_scale = demo.SEARCH_AREA
    network = params.features.features[0]
    network.net_path, network.use_gpu = student_network(demo.run_name('demo_cmd')), params.use_gpu
    return params
