"""The ToMP demo's RGB-only control (`run_training.py cmd demo_tomp_control`), tracked like the ToMP demo student."""
from pytracking_cmd.parameter.tomp_cmd.demo_tomp_cmd import demo_parameters


def parameters():
    return demo_parameters('demo_tomp_control')
