"""atom_cmd: pytracking's own ATOM tracker, run with a cross-modal-distilled ATOM network.

See pytracking_cmd.tracker.dimp_cmd: the network is a stock ATOM network, so the stock class runs it.
"""


def get_tracker_class():
    from pytracking.tracker.atom import ATOM
    return ATOM
