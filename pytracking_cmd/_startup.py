"""The start-up hook: one line in a `.pth` file of the environment calls `install(root)`.

It puts the pytracking checkout on sys.path and adds an import hook (a meta-path finder) that acts
only when pytracking, ltr or torchvision modules are first imported:
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
    'ltr.data.loader': ([], ['pytracking_cmd.compat:fix_collections_abc']),
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


class PytrackingCmdFinder:
    """Finds hooked modules through the other finders and wraps their loaders."""

    def __init__(self, hooks=None, aliases=None):
        self.hooks = HOOKS if hooks is None else hooks
        self.aliases = ALIASES if aliases is None else aliases
        self._alias_parents = {alias.rsplit('.', i)[0] for alias in self.aliases
                               for i in range(1, alias.count('.'))}

    def _find_elsewhere(self, name, path, target):
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, 'find_spec'):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                return spec
        return None

    def find_spec(self, name, path, target=None):
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


def install(root=None):
    """Called from the .pth line: make `root` importable and put the finder first on sys.meta_path."""
    if root and root not in sys.path:
        sys.path.append(root)
    if not any(isinstance(finder, PytrackingCmdFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, PytrackingCmdFinder())
