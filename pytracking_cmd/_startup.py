"""The start-up hook: one line in a `.pth` file of the environment calls `install(checkouts)`.

It adds an import hook (a meta-path finder) that acts only when pytracking, ltr or torchvision
modules are first imported:
- it finds `ltr` and `pytracking` in a registered checkout, but only when nothing on sys.path
  provides them: pytracking's scripts APPEND their own checkout to sys.path, so a checkout the hook
  put on sys.path would win over the one the script runs in (see `checkout_for_imports`);
- it applies the fixes of `pytracking_cmd.compat` right before or after the module they concern
  executes (spawned training workers and parallel evaluation re-import everything, so this has to
  happen at import, not in a command's main());
- it resolves pytracking's PreciseRoIPooling import to `ltr_cmd.external.prroi_pool`;
- it adds the plugin's datasets to pytracking's dataset table, so `run_tracker.py --dataset_name
  lsotb_tir` works without a wrapper script;
- it applies $PYTRACKING_CMD_SETTINGS on top of local.py (ltr_cmd.settings_overrides).

Cheap at interpreter start: only the standard library is imported here; nothing heavy is imported
until Python imports one of the hooked modules anyway.
"""
import importlib
import importlib.machinery
import os
import sys

# The finder and loaders below follow the import protocol without subclassing importlib.abc: that
# module pulls in importlib.resources, tempfile and pathlib, about 6 ms at every interpreter start.

# module -> ([fixes run before it executes], [fixes run after, given the module]); 'module:function'
HOOKS = {
    'torchvision': (['pytracking_cmd.compat:fix_torchvision_op_schemas'], []),
    'torchvision.models.resnet': ([], ['pytracking_cmd.compat:fix_resnet_model_urls']),
    'ltr.admin.environment': ([], ['pytracking_cmd.compat:guard_local_py_ltr',
                                   'ltr_cmd.settings_overrides:apply_to_ltr']),
    'ltr.admin.loading': ([], ['pytracking_cmd.compat:fix_checkpoint_loading']),
    'ltr.data.loader': ([], ['pytracking_cmd.compat:fix_collections_abc',
                             'pytracking_cmd.compat:fix_shared_memory_collate']),
    'pytracking.libs.tensorlist': ([], ['pytracking_cmd.compat:fix_tensorlist_dunders']),
    'pytracking.libs.fourier': ([], ['pytracking_cmd.compat:fix_legacy_fft']),
    'pytracking.libs.dcf': ([], ['pytracking_cmd.compat:fix_legacy_fft']),
    'pytracking.evaluation.environment': ([], ['pytracking_cmd.compat:guard_local_py_pytracking',
                                               'ltr_cmd.settings_overrides:apply_to_pytracking']),
    'pytracking.evaluation.tracker': ([], ['pytracking_cmd.compat:fix_device_choice',
                                                'pytracking_cmd.compat:fix_frame_reading']),
    'pytracking.evaluation.datasets': ([], ['pytracking_cmd.evaluation.registry:add_to_pytracking']),
    'pytracking.evaluation.running': ([], ['pytracking_cmd.compat:fix_results_dir_race']),
    'pytracking.analysis.plot_results': (['pytracking_cmd.compat:fix_tikzplotlib'], []),
}

# module pytracking imports -> module of ours that stands in for it. PrRoIPool2D is imported from here by
# ltr/models/target_classifier/initializer.py:4 and ltr/models/bbreg/atom_iou_net.py:4; the git submodule
# is missing from plain clones, CUDA-only, and its pinned commit does not build on torch 2.x. Ours is
# exact and runs the CUDA original for CUDA tensors when that builds.
ALIASES = {
    'ltr.external.PreciseRoIPooling.pytorch.prroi_pool': 'ltr_cmd.external.prroi_pool',
}


# Comma-separated function names to skip, e.g. fix_legacy_fft: the tests use it to show that each fix
# is needed; users can use it to rule a fix out when reporting a problem.
DISABLE_VARIABLE = 'PYTRACKING_CMD_DISABLE'


def _call(target, *args):
    module_name, function = target.split(':')
    if function in os.environ.get(DISABLE_VARIABLE, '').split(','):
        return None
    return getattr(importlib.import_module(module_name), function)(*args)


class _HookedLoader:
    """Wraps the real loader of a hooked module and runs its fixes around exec_module."""

    def __init__(self, loader, before, after):
        self._loader, self._before, self._after = loader, before, after

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        for target in self._before:
            _call(target)
        self._loader.exec_module(module)
        for target in self._after:
            _call(target, module)

    def __getattr__(self, name):  # get_code, is_package, get_resource_reader, ... of the real loader
        return getattr(self._loader, name)


class _AliasLoader:
    """Makes `name` the very same module object as its stand-in (one class, one cache)."""

    def __init__(self, target):
        self._target = target

    def create_module(self, spec):
        return importlib.import_module(self._target)

    def exec_module(self, module):
        pass


# Read here as well as by the commands (registration.resolve_root): a process that imports pytracking
# without a command (a spawned worker, `python -c`) must find the checkout the commands use.
ROOT_VARIABLE = 'PYTRACKING_ROOT'

# The top-level packages of a pytracking checkout.
HOST_PACKAGES = ('ltr', 'pytracking')


def default_checkout(checkouts):
    """The checkout used when none is named, by the commands and by `import ltr` / `import pytracking`.

    args:
        checkouts - the checkouts this environment is registered into, oldest registration first
    returns:
        (path, why): $PYTRACKING_ROOT, else the registered checkout the working directory is in, else
        the most recently registered one; (None, None) when there is none
    """
    named = os.environ.get(ROOT_VARIABLE)
    if named:
        return os.path.expanduser(named), '$' + ROOT_VARIABLE
    if not checkouts:
        return None, None
    try:
        here = os.path.join(os.path.realpath(os.getcwd()), '')
    except OSError:  # the working directory was deleted
        here = None
    inside = [root for root in checkouts if here and here.startswith(os.path.join(os.path.realpath(root), ''))]
    if inside:  # the innermost, should one checkout lie inside another
        return max(inside, key=lambda root: len(os.path.realpath(root))), \
            'the registered checkout the working directory is in'
    if len(checkouts) == 1:
        return checkouts[0], 'the registered checkout'
    return checkouts[-1], 'the most recently registered checkout'


class PytrackingCmdFinder:
    """Finds hooked modules through the other finders and wraps their loaders; finds ltr and
    pytracking in a registered checkout when nothing on sys.path provides them."""

    def __init__(self, hooks=None, aliases=None, checkouts=()):
        self.hooks = HOOKS if hooks is None else hooks
        self.aliases = ALIASES if aliases is None else aliases
        self.checkouts = list(checkouts)
        self._alias_parents = {alias.rsplit('.', i)[0] for alias in self.aliases
                               for i in range(1, alias.count('.'))}

    def _find_elsewhere(self, name, path, target):
        for finder in sys.meta_path:
            # another instance (the tests add their own) would ask this one back, without end
            if isinstance(finder, PytrackingCmdFinder) or not hasattr(finder, 'find_spec'):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                return spec
        return None

    def _find_host_package(self, name, target):
        spec = self._find_elsewhere(name, None, target)
        # A loader of None is a namespace package: a plain folder named like the package, e.g. the
        # checkout itself (a folder called pytracking) below the working directory.
        if spec is not None and spec.loader is not None:
            return spec  # on sys.path: a script's own checkout, the working directory, $PYTHONPATH
        root, why = default_checkout(self.checkouts)
        if root is None:
            return spec
        spec = importlib.machinery.PathFinder.find_spec(name, [root])
        if spec is None or spec.loader is None:
            raise ModuleNotFoundError('No module named {!r}: {} ({}) is not a pytracking checkout'.format(
                name, root, why), name=name)
        return spec

    def find_spec(self, name, path, target=None):
        if name in HOST_PACKAGES:
            return self._find_host_package(name, target)
        if name in self.aliases:
            return importlib.machinery.ModuleSpec(name, _AliasLoader(self.aliases[name]))
        if name in self._alias_parents:
            # e.g. ltr.external.PreciseRoIPooling.pytorch, absent when the submodule is not cloned
            spec = self._find_elsewhere(name, path, target)
            return spec or importlib.machinery.ModuleSpec(name, None, is_package=True)
        if name not in self.hooks:
            return None
        spec = self._find_elsewhere(name, path, target)
        if spec is None or spec.loader is None:
            return spec
        before, after = self.hooks[name]
        spec.loader = _HookedLoader(spec.loader, before, after)
        return spec


def install(checkouts=()):
    """Called from the .pth line: put the finder first on sys.meta_path. Nothing is added to sys.path.

    args:
        checkouts - the checkouts this environment is registered into, oldest registration first
    """
    if isinstance(checkouts, str):  # the line of a hook written before several checkouts were possible
        checkouts = [checkouts]
    if not any(isinstance(finder, PytrackingCmdFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, PytrackingCmdFinder(checkouts=checkouts))
