"""The ToMP demo's RGB teacher: demo_teacher with the demo's small ToMP (ltr_cmd/demo.py, ToMPDemo)."""
from ltr_cmd import demo
from ltr_cmd.train_settings import demo_teacher


def run(settings):
    demo_teacher.run(settings, demo.MODELS['tomp'])
