"""The demo's RGB teacher (`run_training.py cmd demo_teacher`), tracked like the demo student."""
from pytracking_cmd.parameter.dimp_cmd.demo_cmd import demo_parameters


def parameters():
    return demo_parameters('demo_teacher')
