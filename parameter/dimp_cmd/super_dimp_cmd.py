"""SuperDiMP distilled to thermal infrared by `run_training.py cmd super_dimp_cmd`; otherwise pytracking's dimp/super_dimp."""
from pytracking.features.net_wrappers import NetWithBackbone
from pytracking.parameter.dimp.super_dimp import parameters as rgb_parameters

from ltr_cmd.checkpoints import student_network
from ltr_cmd.device import use_gpu


def parameters():
    params = rgb_parameters()
    params.use_gpu = use_gpu()
    params.net = NetWithBackbone(net_path=student_network('super_dimp_cmd'), use_gpu=params.use_gpu)
    return params
