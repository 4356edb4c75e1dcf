"""dimp_cmd: pytracking's own DiMP tracker, run with cross-modal-distilled networks on thermal frames.

The distilled network is a stock DiMP / SuperDiMP / PrDiMP network, so the stock tracker class runs
it unchanged; what differs lives in the parameter files (which network, which device) and in how
frames are read (16-bit and one-channel thermal frames: see pytracking_cmd.compat.fix_frame_reading).
"""


def get_tracker_class():
    from pytracking.tracker.dimp import DiMP
    return DiMP
