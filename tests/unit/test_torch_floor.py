"""The torch floor: the installed torch passes, and a torch without the APIs the plugin calls is named with
what to install. Older torch builds are multi-GB CUDA downloads, so an old torch is a real module object
built from this torch less the API that came later; the check is handed it the way it gets the real one."""
import types
from pathlib import Path

import pytest
import torch

from ltr_cmd import torch_floor
from ltr_cmd.errors import UserError


def torch_without(api, version):
    """A torch module object as `version` was: this torch's submodules and attributes, less `api`."""
    package, name = api.split('.')
    old = types.ModuleType('torch')
    old.__version__ = version
    for module in ('serialization', 'amp'):
        copy = types.ModuleType('torch.' + module)
        copy.__dict__.update(vars(getattr(torch, module)))
        setattr(old, module, copy)
    delattr(getattr(old, package), name)
    return old


def test_the_installed_torch_has_everything_the_plugin_calls():
    assert torch_floor.problem() is None
    for api in torch_floor.APIS:
        torch_floor.require(api)


def test_torch_24_is_refused_with_what_is_missing_and_what_to_install():
    old = torch_without('serialization.safe_globals', '2.4.1')
    assert hasattr(old.serialization, 'add_safe_globals')  # what 2.4 had
    with pytest.raises(UserError) as error:
        torch_floor.require('serialization.safe_globals', torch=old)
    message = str(error.value)
    for part in ('torch 2.4.1', 'torch.serialization.safe_globals', 'torch >= 2.5', "pip install 'torch>=2.5'"):
        assert part in message, message
    assert torch_floor.problem(torch=old) == message
    torch_floor.require('amp.GradScaler', torch=old)  # 2.4 has the scaler


def test_torch_22_lacks_the_device_gradient_scaler_too():
    old = torch_without('amp.GradScaler', '2.2.2')
    with pytest.raises(torch_floor.TorchTooOld, match=r'torch 2\.2\.2 lacks torch\.amp\.GradScaler \(torch 2\.3 and '
                                                      r'later\), which pytracking-cmd needs for training'):
        torch_floor.require('amp.GradScaler', torch=old)


def test_the_floor_is_the_newest_api_and_what_setup_py_requires():
    def version(text):
        return tuple(int(part) for part in text.split('.'))
    assert torch_floor.MINIMUM == max((since for since, _ in torch_floor.APIS.values()), key=version)
    setup = (Path(__file__).resolve().parents[2] / 'setup.py').read_text()
    assert "'torch>={}'".format(torch_floor.MINIMUM) in setup
