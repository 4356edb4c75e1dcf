"""The oldest torch the plugin runs on, and the check that names what is missing on an older one.

The floor is set by the newest torch API the plugin calls (setup.py requires it; `pytracking-cmd doctor`
reports it through `problem`):
- torch.serialization.safe_globals, the context manager around every weights-only load
  (ltr_cmd/checkpoints.py load_checkpoint): torch 2.5. It was added by pytorch/pytorch#127939 ("Add
  torch.serialization.safe_globals context manager", merged 2024-07-12, after the 2.4 release branch); torch
  2.4 has only add_/get_/clear_safe_globals, as a PyTorch maintainer wrote in huggingface/accelerate#3036
  ("gate on version >=2.5 and use the `safe_globals` ctx").
- torch.amp.GradScaler(device), the trainer's gradient scaler (ltr_cmd/trainer.py): torch 2.3, whose
  torch.cuda.amp.GradScaler is a subclass calling torch.amp.GradScaler("cuda", ...)
  (pytorch.org/docs/2.3/_modules/torch/cuda/amp/grad_scaler.html).

The check looks for the API itself, not the version number: a build that has it passes, whatever it calls
itself, and the message names the installed version only to say what to replace.
"""
from ltr_cmd.errors import UserError

MINIMUM = '2.5'

# API (dotted below the torch module) -> (first torch version with it, what the plugin uses it for)
APIS = {
    'serialization.safe_globals': ('2.5', 'loading every checkpoint (pytracking\'s load_network included)'),
    'amp.GradScaler': ('2.3', 'training (its gradient scaler)'),
}


class TorchTooOld(UserError):
    """The installed torch lacks an API the plugin calls; the message says which and what to install."""


def _missing(api, torch):
    for name in api.split('.'):
        if not hasattr(torch, name):
            return True
        torch = getattr(torch, name)
    return False


def _message(api, torch):
    since, use = APIS[api]
    return ('torch {} lacks torch.{} (torch {} and later), which pytracking-cmd needs for {}: it needs torch >= {}. '
            'Install a newer torch in this environment: pip install \'torch>={}\' (scripts/setup.sh installs the '
            'tested version, docs/install.md)'.format(getattr(torch, '__version__', '(unknown version)'), api, since,
                                                      use, MINIMUM, MINIMUM))


def require(api, torch=None):
    """Raise TorchTooOld unless torch has `api`; call it right before the plugin uses the API.

    args:
        api - a key of APIS, e.g. 'serialization.safe_globals'
        torch - the torch module to check (default: the installed one)
    """
    if torch is None:
        import torch
    if _missing(api, torch):
        raise TorchTooOld(_message(api, torch))


def problem(torch=None):
    """What makes the installed torch (or `torch`) too old for the plugin, for doctor; None when nothing does."""
    if torch is None:
        import torch
    missing = [api for api in APIS if _missing(api, torch)]
    return _message(missing[0], torch) if missing else None
