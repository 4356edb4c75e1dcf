"""dimp_cmd: pytracking's own DiMP tracker, run with cross-modal-distilled networks on thermal frames.

The distilled network is a stock DiMP / SuperDiMP / PrDiMP network, so pytracking's DiMP class runs it
unchanged; what differs lives in the parameter files (which network, which device, whether the tracker
says "absent": params.report_absence, pytracking_cmd.tracker._absence) and in how frames are read (16-bit
and one-channel thermal frames: see pytracking_cmd.compat.fix_frame_reading).
The class is defined at module level: pytracking's process pool (run_tracker.py --threads) pickles it by name.
"""
from pytracking.tracker.dimp import DiMP

from pytracking_cmd.tracker._absence import AbsenceReporting


class DiMPCMD(AbsenceReporting, DiMP):
    """pytracking's DiMP; with `params.report_absence`, [0, 0, 0, 0] on frames where it finds no target."""


def get_tracker_class():
    return DiMPCMD
