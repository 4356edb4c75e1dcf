"""The ToMP demo's CMD student: demo_cmd with the demo's small ToMP (ltr_cmd/demo.py, ToMPDemo)."""
from ltr_cmd import demo
from ltr_cmd.train_settings import demo_cmd


def run(settings):
    demo_cmd.run(settings, demo.MODELS['tomp'])
