"""pytracking's stock SuperDiMP (dimp/super_dimp on its release network super_dimp.pth.tar, found in
pytracking's network_path) for the Anti-UAV benchmarks, saying "absent" where it finds no drone: the RGB
baseline beside super_dimp_cmd_antiuav, under the same absence rule (params.report_absence,
pytracking_cmd/tracker/_absence.py). Run through the dimp_cmd tracker, which reports absence; pytracking's
own `dimp super_dimp` never does.
"""
from pytracking.parameter.dimp.super_dimp import parameters as rgb_parameters


def parameters():
    params = rgb_parameters()
    params.report_absence = True
    return params
