"""The ToMP demo's CMD student (`run_training.py cmd demo_tomp_cmd`): pytracking's tomp50 parameters at the
ToMP demo's sizes (256-pixel crops, 16x16 score map)."""
from pytracking.features.net_wrappers import NetWithBackbone
from pytracking.parameter.tomp.tomp50 import parameters as rgb_parameters

from ltr_cmd import demo
from ltr_cmd.checkpoints import student_network
from ltr_cmd.device import use_gpu


def demo_parameters(setting):
    params = rgb_parameters()
    params.use_gpu = use_gpu()
    model = demo.MODELS['tomp']
    params.feature_stride = model.STRIDE
    params.train_feature_size = model.FEATURE_SZ
    params.image_sample_size = model.CROP
    params.search_area_scale = demo.SEARCH_AREA
    # ToMP's raw scores have no activation: the demo's small networks, trained for minutes, score below zero on
    # much of a sequence, where the stock 0.25 (or the DiMP demo's 0) keeps the last box; here the tracker
    # always follows the score's peak (docs/demo.md)
    params.target_not_found_threshold = -float('inf')
    # as the DiMP demo's (parameter/dimp_cmd/demo_cmd.py); with this threshold ToMP never says absent
    params.report_absence = True
    params.net = NetWithBackbone(net_path=student_network(demo.run_name(setting)), use_gpu=params.use_gpu)
    return params


def parameters():
    return demo_parameters('demo_tomp_cmd')
