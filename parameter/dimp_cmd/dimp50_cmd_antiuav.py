"""dimp50_cmd for the Anti-UAV benchmarks: the CMD student of DiMP-50, saying "absent" where it finds no drone.

As super_dimp_cmd_antiuav: the tracker's own not-found decision is output as [0, 0, 0, 0]
(params.report_absence, pytracking_cmd/tracker/_absence.py); nothing else changes.
"""
from pytracking_cmd.parameter.dimp_cmd.dimp50_cmd import parameters as tir_parameters


def parameters():
    params = tir_parameters()
    params.report_absence = True
    return params
