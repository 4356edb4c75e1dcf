"""ToMP-101 distilled to thermal infrared by `run_training.py cmd tomp101_cmd`; otherwise pytracking's tomp/tomp101."""
from pytracking.features.net_wrappers import NetWithBackbone
from pytracking.parameter.tomp.tomp101 import parameters as rgb_parameters

from ltr_cmd.checkpoints import student_network
from ltr_cmd.device import use_gpu


def parameters():
    params = rgb_parameters()
    params.use_gpu = use_gpu()
    params.net = NetWithBackbone(net_path=student_network('tomp101_cmd'), use_gpu=params.use_gpu)
    return params
