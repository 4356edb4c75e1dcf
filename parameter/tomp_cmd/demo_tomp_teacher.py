"""The ToMP demo's RGB teacher (`run_training.py cmd demo_tomp_teacher`), tracked like the ToMP demo student."""
from pytracking_cmd.parameter.tomp_cmd.demo_tomp_cmd import demo_parameters


def parameters():
    return demo_parameters('demo_tomp_teacher')
