"""pytracking's stock ToMP-50 (tomp/tomp50 on its release network tomp50.pth.tar, found in pytracking's
network_path) for the Anti-UAV benchmarks, saying "absent" where it finds no drone: the RGB baseline beside
tomp50_cmd_antiuav, under the same absence rule (params.report_absence, pytracking_cmd/tracker/_absence.py).
Run through the tomp_cmd tracker, which reports absence; pytracking's own `tomp tomp50` never does.
"""
from pytracking.parameter.tomp.tomp50 import parameters as rgb_parameters


def parameters():
    params = rgb_parameters()
    params.report_absence = True
    return params
