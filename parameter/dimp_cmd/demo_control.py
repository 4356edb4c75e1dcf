"""The demo's RGB-only control (`run_training.py cmd demo_control`), tracked like the demo student."""
from pytracking_cmd.parameter.dimp_cmd.demo_cmd import demo_parameters


def parameters():
    return demo_parameters('demo_control')
