"""tomp50_cmd with its whole per-frame network run by ONNX Runtime (params.backend = 'onnxruntime'; docs/deploy.md)."""
from pytracking_cmd.deploy.runtime import onnxruntime_parameters
from pytracking_cmd.parameter.tomp_cmd.tomp50_cmd import parameters as torch_parameters


def parameters():
    return onnxruntime_parameters(torch_parameters(), 'tomp')
