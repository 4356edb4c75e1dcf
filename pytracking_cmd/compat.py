"""Compatibility fixes that let an UNMODIFIED pytracking checkout run on a current stack.

pytracking (pinned at 7eb9e74, 2024) was written for torch 1.x and Python <= 3.9. Nothing here edits
its files: each fix patches a module object in memory, right before or right after that module is
first imported (the start-up hook, `pytracking_cmd._startup.HOOKS`, says which fix goes with which module).
Each fix first checks that its problem is present, so on a stack where pytracking works the fix
stays inactive. `applied()` lists what ran in this process (`pytracking-cmd doctor` prints it).

Only the standard library is imported at module level: this module is imported by the start-up
hook, and torch is imported only by a fix whose target module imports torch anyway.
"""
import collections
import collections.abc
import functools
import os
import sys
import types
from pathlib import Path

from ltr_cmd import device

_applied = []
_keep_alive = []  # torch.library.Library objects must outlive the call that made them


def applied():
    """Names of the fixes applied in this process, in order."""
    return list(_applied)


def _mark(name):
    if name not in _applied:
        _applied.append(name)


# --- torchvision -------------------------------------------------------------------------------

def fix_torchvision_op_schemas():
    """`import torchvision` raises "operator torchvision::nms does not exist".

    Where: any import of torchvision (pytracking imports it in ltr.data.transforms, the backbones
    and pytracking.features). Since: torch 2.x CPU builds paired with the only matching torchvision
    wheel on the registry (0.28.0 for torch 2.13.0, a CUDA build): its compiled `_C` ops cannot
    load, and torchvision registers fake kernels for `torchvision::nms`/`qnms` at import.
    Fix: define the two op schemas first. transforms, models and `ops.roi_align` (pure-Python
    fallback) then work on the CPU; `nms` itself stays unavailable (pytracking does not use it).
    """
    import torch
    try:
        torch.ops.torchvision.nms  # loaded by a working torchvision build
        return False
    except (AttributeError, RuntimeError):
        pass
    lib = torch.library.Library('torchvision', 'DEF')
    lib.define('nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor')
    lib.define('qnms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor')
    _keep_alive.append(lib)
    _mark('torchvision-op-schemas')
    return True


def fix_resnet_model_urls(resnet_module):
    """`from torchvision.models.resnet import model_urls` raises ImportError.

    Where: ltr/models/backbone/resnet.py:5 and resnet_mrcnn.py:7. Since: torchvision 0.13 moved
    the URLs into the weights enums and later removed `model_urls`.
    Fix: rebuild the dict from the `ResNet*_Weights.IMAGENET1K_V1` enums (the same files).
    """
    if hasattr(resnet_module, 'model_urls'):
        return False
    enums = {'resnet18': 'ResNet18_Weights', 'resnet34': 'ResNet34_Weights', 'resnet50': 'ResNet50_Weights',
             'resnet101': 'ResNet101_Weights', 'resnet152': 'ResNet152_Weights'}
    resnet_module.model_urls = {name: getattr(resnet_module, enum).IMAGENET1K_V1.url
                                for name, enum in enums.items() if hasattr(resnet_module, enum)}
    _mark('torchvision-model-urls')
    return True


# --- Python 3.10+ ------------------------------------------------------------------------------

def fix_collections_abc(loader_module):
    """`collections.Mapping` / `collections.Sequence` raise AttributeError.

    Where: ltr/data/loader.py:56,61,107,112 (ltr_collate, ltr_collate_stack1), at every batch.
    Since: Python 3.10 removed the aliases of collections.abc from collections.
    Fix: give that module (only) a `collections` namespace that has the aliases back; the
    process-wide `collections` module is left alone.
    """
    if hasattr(collections, 'Mapping'):
        return False
    loader_module.collections = types.SimpleNamespace(**vars(collections), Mapping=collections.abc.Mapping,
                                                      Sequence=collections.abc.Sequence)
    _mark('collections-abc-aliases')
    return True


# --- collating into shared memory --------------------------------------------------------------

def fix_shared_memory_collate(loader_module):
    """Every loader worker prints "TypedStorage is deprecated" and "An output with one or more
    elements was resized since it had shape [N] ..." (once per worker, field shape and rank: 4 times
    each in a 2-rank run restarted once).

    Where: ltr/data/loader.py:30-32 (ltr_collate) and :81-83 (ltr_collate_stack1): in a worker, the
    tensors of a field are stacked into shared memory with `batch[0].storage()._new_shared(numel)`
    (TypedStorage, deprecated since torch 2.0) and `torch.stack(batch, dim, out=<1-D tensor of numel
    elements>)`, which resizes that out tensor (deprecated since torch 1.x for non-empty outputs).
    Fix: both functions stack tensors in a worker into a shared UntypedStorage of the same size
    viewed in the stacked shape; the result is the same (dtype, shape, contiguous strides, values,
    shared memory), and anything else (other types, the main process) goes to pytracking's own
    function as before. The functions keep their names, so loaders pickled to spawned or forkserver
    workers find them by reference.
    """
    import torch
    if not hasattr(torch.Tensor, 'untyped_storage'):  # torch 1.x: TypedStorage, nothing deprecated
        return False
    if getattr(loader_module.ltr_collate, '_pytracking_cmd', False):
        return False
    for name, dim in (('ltr_collate', 0), ('ltr_collate_stack1', 1)):
        setattr(loader_module, name, _collate_into_shared_memory(loader_module, getattr(loader_module, name), dim))
    _mark('shared-memory-collate')
    return True


def _collate_into_shared_memory(loader_module, collate, dim):
    """pytracking's `collate` (its recursion comes back here through the module's global name),
    with its shared-memory stack of tensors done without deprecated calls."""
    import torch

    @functools.wraps(collate)
    def collate_batch(batch):
        if not (isinstance(batch[0], torch.Tensor) and loader_module._check_use_shared_memory()):
            return collate(batch)
        elem = batch[0]
        numel = sum([x.numel() for x in batch])
        out = elem.new(elem.untyped_storage()._new_shared(numel * elem.element_size()))
        if numel == len(batch) * elem.numel():  # else the sizes differ: torch.stack raises as for pytracking
            shape = list(elem.shape)
            shape.insert(dim, len(batch))
            out = out.view(shape)
        return torch.stack(batch, dim, out=out)

    collate_batch._pytracking_cmd = True
    return collate_batch


# --- torch.rfft / torch.irfft ------------------------------------------------------------------

def _legacy_rfft(input, signal_ndim, normalized=False, onesided=True):
    """torch<=1.7 `torch.rfft`: real input, output [..., n_last//2+1, 2] (real, imag)."""
    import torch
    if signal_ndim != 2 or normalized or not onesided:
        raise NotImplementedError('pytracking-cmd emulates torch.rfft only as pytracking calls it '
                                  '(signal_ndim=2, onesided, not normalized)')
    return torch.view_as_real(torch.fft.rfft2(input))


def _legacy_irfft(input, signal_ndim, normalized=False, onesided=True, signal_sizes=None):
    """torch<=1.7 `torch.irfft`: input [..., n, m, 2] (real, imag) -> real signal of signal_sizes."""
    import torch
    if signal_ndim != 2 or normalized or not onesided:
        raise NotImplementedError('pytracking-cmd emulates torch.irfft only as pytracking calls it '
                                  '(signal_ndim=2, onesided, not normalized)')
    return torch.fft.irfft2(torch.view_as_complex(input.contiguous()), s=signal_sizes)


def fix_legacy_fft(module):
    """`torch.rfft` / `torch.irfft` raise AttributeError.

    Where: pytracking/libs/fourier.py:24,31 (cfft2/cifft2) and pytracking/libs/dcf.py:134,139;
    ATOM calls them every frame. Since: torch 1.8 (removed in favour of torch.fft).
    Fix: give those modules (only) a `torch` whose rfft/irfft map to torch.fft.rfft2/irfft2 with
    the old real-view layout; the global torch module is left alone.
    """
    import torch
    if hasattr(torch, 'rfft'):
        return False
    module.torch = _TorchWithLegacyFFT('torch')
    _mark('torch-rfft-irfft')
    return True


class _TorchWithLegacyFFT(types.ModuleType):
    """Stands in for `torch` inside one pytracking module: everything is torch's, plus rfft/irfft."""
    rfft = staticmethod(_legacy_rfft)
    irfft = staticmethod(_legacy_irfft)

    def __getattr__(self, name):
        import torch
        return getattr(torch, name)


# --- TensorList --------------------------------------------------------------------------------

def fix_tensorlist_dunders(tensorlist_module):
    """TensorList forwards `__torch_function__` (and other dunders) to its elements.

    Where: pytracking/libs/tensorlist.py:173 (`TensorList.__getattr__` forwards any name torch.Tensor
    has). Since: torch 1.7 looks `__torch_function__` up on every argument of a torch function, so a
    TensorList passed to e.g. torch.cat answers with a list of bound methods; ATOM's optimiser breaks.
    Fix: dunder names raise AttributeError as for any other object.
    """
    TensorList = tensorlist_module.TensorList
    if getattr(TensorList.__getattr__, '_pytracking_cmd', False):
        return False
    forward = TensorList.__getattr__

    @functools.wraps(forward)
    def __getattr__(self, name):
        if name.startswith('__') and name.endswith('__'):
            raise AttributeError("'TensorList' object has no attribute '{}'".format(name))
        return forward(self, name)

    __getattr__._pytracking_cmd = True
    TensorList.__getattr__ = __getattr__
    _mark('tensorlist-dunders')
    return True


# --- results folder under run_tracker.py --threads -----------------------------------------------

def fix_results_dir_race(running_module):
    """Two tracking processes can both find the results folder missing and both create it.

    Where: pytracking/evaluation/running.py, `_save_tracker_output`: `if not os.path.exists(d):
    os.makedirs(d)`. With `run_tracker.py --threads N` the pool's workers finishing their first
    sequences together both pass the check; the second makedirs raises FileExistsError and the run
    stops (seen with 2 threads on the demo). Fix: create the folder (exist_ok) before that check.
    """
    save = running_module._save_tracker_output
    if getattr(save, '_pytracking_cmd', False):
        return False

    @functools.wraps(save)
    def _save_tracker_output(seq, tracker, output):
        os.makedirs(tracker.results_dir, exist_ok=True)
        return save(seq, tracker, output)

    _save_tracker_output._pytracking_cmd = True
    running_module._save_tracker_output = _save_tracker_output
    _mark('results-dir-race')
    return True


# --- tikzplotlib -------------------------------------------------------------------------------

def fix_tikzplotlib():
    """`import tikzplotlib` fails (missing, or broken with matplotlib >= 3.8).

    Where: pytracking/analysis/plot_results.py:1 imports it and never uses it. Fix: when it cannot
    be imported, an empty stand-in module is put in sys.modules so plot_results imports.
    """
    if 'tikzplotlib' in sys.modules:
        return False
    try:
        import tikzplotlib  # noqa: F401
        return False
    except Exception:
        sys.modules['tikzplotlib'] = types.ModuleType('tikzplotlib', 'pytracking-cmd stand-in: unused by pytracking')
    _mark('tikzplotlib-stub')
    return True


# --- device choice -----------------------------------------------------------------------------

def fix_device_choice(tracker_module):
    """Stock parameter files hard-code `params.use_gpu = True`; on a machine without CUDA the
    tracker then fails in `.cuda()`.

    Where: every pytracking/parameter/*/*.py; pytracking/parameter/atom/default.py never passes
    use_gpu to ATOMResNet18 at all (pytracking/features/net_wrappers.py:9 defaults it to True).
    Fix: `Tracker.get_parameters` turns use_gpu off, on the parameters and on their network
    wrappers, when `ltr_cmd.device.use_gpu()` says no (no CUDA, or PYTRACKING_CMD_DEVICE=cpu).
    """
    Tracker = tracker_module.Tracker
    if getattr(Tracker.get_parameters, '_pytracking_cmd', False):
        return False
    get_parameters = Tracker.get_parameters

    @functools.wraps(get_parameters)
    def get_parameters_on_available_device(self):
        params = get_parameters(self)
        if not device.use_gpu():
            params.use_gpu = False
            wrappers = [getattr(params, 'net', None)]
            wrappers += list(getattr(getattr(params, 'features', None), 'features', []) or [])
            for wrapper in wrappers:
                if wrapper is not None and hasattr(wrapper, 'use_gpu'):
                    wrapper.use_gpu = False
        return params

    get_parameters_on_available_device._pytracking_cmd = True
    Tracker.get_parameters = get_parameters_on_available_device
    _mark('device-choice')
    return True


# --- frame reading -----------------------------------------------------------------------------

def fix_frame_reading(tracker_module):
    """pytracking reads frames with cv.imread (pytracking/evaluation/tracker.py:683, `_read_image`):
    16-bit thermal frames lose their low byte (OpenCV converts them to 8 bits by division by 256),
    and a missing or corrupt frame ends in an unrelated cv2.cvtColor error.
    Fix: `_read_image` reads through `ltr_cmd.data.image_io.read_tracking_frame` (identical for 8-bit
    colour frames).
    """
    from ltr_cmd.data.image_io import read_tracking_frame
    Tracker = tracker_module.Tracker
    if getattr(Tracker._read_image, '_pytracking_cmd', False):
        return False

    def _read_image(self, image_file):
        if isinstance(image_file, str):
            return read_tracking_frame(image_file)
        return stock_read_image(self, image_file)

    stock_read_image = Tracker._read_image
    _read_image._pytracking_cmd = True
    Tracker._read_image = _read_image
    _mark('frame-reading')
    return True

# --- local.py guard ----------------------------------------------------------------------------

def guard_local_py(environment_module, local_module_name):
    """pytracking's `env_settings()` OVERWRITES local.py with defaults on ANY error while
    importing it (a typo, a missing import inside it), losing the user's paths.

    Where: ltr/admin/environment.py:44 and pytracking/evaluation/environment.py:55 (bare except).
    Fix: when local.py exists, import errors propagate with the file named and the file untouched;
    only an absent local.py is created, as pytracking does.
    """
    env_settings = environment_module.env_settings
    if getattr(env_settings, '_pytracking_cmd', False):
        return False
    local_file = Path(environment_module.__file__).with_name('local.py')

    @functools.wraps(env_settings)
    def env_settings_without_overwrite():
        if not local_file.exists():
            return env_settings()  # pytracking writes a default file and raises: nothing is lost
        import importlib
        try:
            module = importlib.import_module(local_module_name)
        except Exception as error:
            raise RuntimeError('{} could not be imported ({}: {}). pytracking would overwrite it with defaults; '
                               'pytracking-cmd left it untouched: fix the error in that file.'
                               .format(local_file, type(error).__name__, error)) from error
        if hasattr(module, 'local_env_settings'):
            return module.local_env_settings()
        return module.EnvironmentSettings()

    env_settings_without_overwrite._pytracking_cmd = True
    environment_module.env_settings = env_settings_without_overwrite
    _mark('local-py-guard')
    return True


def guard_local_py_ltr(environment_module):
    return guard_local_py(environment_module, 'ltr.admin.local')


def guard_local_py_pytracking(environment_module):
    return guard_local_py(environment_module, 'pytracking.evaluation.local')


# --- checkpoint loading ------------------------------------------------------------------------

def fix_checkpoint_loading(loading_module):
    """torch.load of pytracking checkpoints fails with "Weights only load failed".

    Where: ltr/admin/loading.py:125 (torch_load_legacy, used by load_network and the trainer's
    resume) and :112 (load_weights). Since: torch 2.6 made weights_only=True the default.
    Fix: both go through the plugin's one loading policy, `ltr_cmd.checkpoints.load_checkpoint`
    (allow-list first, full unpickling for trusted folders).
    """
    import inspect
    import torch
    from ltr_cmd.checkpoints import load_checkpoint
    if 'weights_only' not in inspect.signature(torch.load).parameters:
        return False
    if getattr(loading_module.torch_load_legacy, '_pytracking_cmd', False):
        return False

    def torch_load_legacy(path):
        loading_module._setup_legacy_env()
        try:
            return load_checkpoint(path)
        finally:
            loading_module._cleanup_legacy_env()

    def load_weights(net, path, strict=True):
        net.load_state_dict(load_checkpoint(path)['net'], strict=strict)
        return net

    torch_load_legacy._pytracking_cmd = True
    loading_module.torch_load_legacy = torch_load_legacy
    loading_module.load_weights = load_weights
    _mark('checkpoint-loading')
    return True
