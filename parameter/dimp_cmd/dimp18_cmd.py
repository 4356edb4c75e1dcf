"""DiMP-18 distilled to thermal infrared by `run_training.py cmd dimp18_cmd`; otherwise pytracking's dimp/dimp18."""
from pytracking.features.net_wrappers import NetWithBackbone
from pytracking.parameter.dimp.dimp18 import parameters as rgb_parameters

from ltr_cmd.checkpoints import student_network
from ltr_cmd.device import use_gpu


def parameters():
    params = rgb_parameters()
    params.use_gpu = use_gpu()
    params.net = NetWithBackbone(net_path=student_network('dimp18_cmd'), use_gpu=params.use_gpu)
    return params
