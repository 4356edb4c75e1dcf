"""tomp50_cmd for the Anti-UAV benchmarks: the CMD student of ToMP-50, saying "absent" where it finds no drone.

As dimp_cmd/super_dimp_cmd_antiuav: ToMP's own not-found decision (target_not_found_threshold, 0.25) is
output as [0, 0, 0, 0] (params.report_absence, pytracking_cmd/tracker/_absence.py); tracking goes on as with
tomp50_cmd, and nothing else changes.
"""
from pytracking_cmd.parameter.tomp_cmd.tomp50_cmd import parameters as tir_parameters


def parameters():
    params = tir_parameters()
    params.report_absence = True
    return params
