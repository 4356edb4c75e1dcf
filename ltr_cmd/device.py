"""Which device trackers and training use: CUDA when available, else the CPU.

Override with the environment variable PYTRACKING_CMD_DEVICE = auto (default) | cpu | cuda.
"""
import os

DEVICE_VARIABLE = 'PYTRACKING_CMD_DEVICE'


def use_gpu():
    """True when CUDA should be used. Asking for cuda on a machine without it is an error."""
    choice = os.environ.get(DEVICE_VARIABLE, 'auto').strip().lower() or 'auto'
    if choice not in ('auto', 'cpu', 'cuda'):
        raise ValueError('{}={!r}: use auto, cpu or cuda'.format(DEVICE_VARIABLE, choice))
    if choice == 'cpu':
        return False
    import torch
    available = torch.cuda.is_available()
    if choice == 'cuda' and not available:
        raise RuntimeError('{}=cuda, but torch sees no CUDA device (torch {}); unset it to run on the CPU'
                           .format(DEVICE_VARIABLE, torch.__version__))
    return available
