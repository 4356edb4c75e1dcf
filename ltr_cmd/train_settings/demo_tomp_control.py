"""The ToMP demo's RGB-only control: demo_control with the demo's small ToMP (ltr_cmd/demo.py, ToMPDemo)."""
from ltr_cmd import demo
from ltr_cmd.train_settings import demo_control


def run(settings):
    demo_control.run(settings, demo.MODELS['tomp'])
