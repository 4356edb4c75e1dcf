"""ATOM distilled to thermal infrared by `run_training.py cmd atom_cmd`; otherwise pytracking's atom/default."""
from pytracking.parameter.atom.default import parameters as rgb_parameters

from ltr_cmd.checkpoints import student_network
from ltr_cmd.device import use_gpu


def parameters():
    params = rgb_parameters()
    params.use_gpu = use_gpu()
    network = params.features.features[0]  # the ATOMResNet18 wrapper; stock default.py never passes use_gpu
    network.net_path, network.use_gpu = student_network('atom_cmd'), params.use_gpu
    return params
