"""super_dimp_cmd with its network run by ONNX Runtime where the export covers it (params.backend = 'onnxruntime'): backbone,
classification features, target model, IoU features and modulation; the target model's online optimisation and the
box refinement's gradient steps stay in PyTorch (docs/deploy.md)."""
from pytracking_cmd.deploy.runtime import onnxruntime_parameters
from pytracking_cmd.parameter.dimp_cmd.super_dimp_cmd import parameters as torch_parameters


def parameters():
    return onnxruntime_parameters(torch_parameters(), 'dimp')
