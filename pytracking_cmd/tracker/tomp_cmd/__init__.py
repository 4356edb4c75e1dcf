"""tomp_cmd: pytracking's own ToMP tracker, run with cross-modal-distilled ToMP networks on thermal frames.

See pytracking_cmd.tracker.dimp_cmd: the network is a stock ToMP network, so pytracking's ToMP class runs
it, saying "absent" on request (params.report_absence, pytracking_cmd.tracker._absence); frames are read as
for dimp_cmd (16-bit and one-channel thermal frames: pytracking_cmd.compat.fix_frame_reading).
"""
from pytracking.tracker.tomp import ToMP

from pytracking_cmd.tracker._absence import AbsenceReporting


class ToMPCMD(AbsenceReporting, ToMP):
    """pytracking's ToMP; with `params.report_absence`, [0, 0, 0, 0] on frames where it finds no target."""


def get_tracker_class():
    return ToMPCMD
