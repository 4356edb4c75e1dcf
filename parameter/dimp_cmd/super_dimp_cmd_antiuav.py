"""super_dimp_cmd for the Anti-UAV benchmarks: the CMD student of SuperDiMP, saying "absent" where it finds no drone.

Anti-UAV scores frames without the target (its `exist` flag; state accuracy), so the tracker's own
not-found decision (SuperDiMP's target_not_found_threshold, 0.25) is output as the box [0, 0, 0, 0]
(params.report_absence, pytracking_cmd/tracker/_absence.py); tracking goes on as with super_dimp_cmd.
Nothing else changes: Anti-UAV's infrared frames are 8-bit images, read like every thermal frame, and
pytracking's search area and scale bounds already follow small targets.
"""
from pytracking_cmd.parameter.dimp_cmd.super_dimp_cmd import parameters as tir_parameters


def parameters():
    params = tir_parameters()
    params.report_absence = True
    return params
