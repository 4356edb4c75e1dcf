"""tomp_cmd: pytracking's own ToMP tracker, run with cross-modal-distilled ToMP networks on thermal frames.

See pytracking_cmd.tracker.dimp_cmd: the network is a stock ToMP network, so the stock class runs it;
frames are read as for dimp_cmd (16-bit and one-channel thermal frames: pytracking_cmd.compat.fix_frame_reading).
"""


def get_tracker_class():
    from pytracking.tracker.tomp import ToMP
    return ToMP
