"""atom_cmd: pytracking's own ATOM tracker, run with a cross-modal-distilled ATOM network.

See pytracking_cmd.tracker.dimp_cmd: the network is a stock ATOM network, so pytracking's ATOM class runs
it, saying "absent" on request (params.report_absence, pytracking_cmd.tracker._absence).
"""
from pytracking.tracker.atom import ATOM

from pytracking_cmd.tracker._absence import AbsenceReporting


class ATOMCMD(AbsenceReporting, ATOM):
    """pytracking's ATOM; with `params.report_absence`, [0, 0, 0, 0] on frames where it finds no target."""


def get_tracker_class():
    return ATOMCMD
