"""The plugin's evaluation datasets, added to pytracking's `dataset_dict` when pytracking imports it.

pytracking looks dataset names up in a module-level table (pytracking/evaluation/datasets.py) before
it imports any tracker, so the start-up hook adds these entries right after that module executes.
One entry per benchmark of tir_benchmarks.BENCHMARKS, all built by the one dataset class.
"""
from ltr_cmd.errors import UserError
from pytracking_cmd.evaluation.tir_benchmarks import BENCHMARKS

MODULE = 'pytracking_cmd.evaluation.pytracking_datasets'

# name -> (class in MODULE, constructor keyword arguments)
DATASETS = {name: ('TIRBenchmarkDataset', {'benchmark': name}) for name in BENCHMARKS}


class DuplicateDatasetError(UserError, KeyError):
    pass


def add_to_pytracking(datasets_module):
    """Add DATASETS to datasets_module.dataset_dict; a name pytracking already has is an error.

    args:
        datasets_module - pytracking.evaluation.datasets, just executed
    """
    table = datasets_module.dataset_dict
    for name, (class_name, kwargs) in DATASETS.items():
        info = datasets_module.DatasetInfo(module=MODULE, class_name=class_name, kwargs=dict(kwargs))
        existing = table.get(name)
        if existing is not None and existing != info:
            raise DuplicateDatasetError(
                'dataset name {!r} is registered twice: first by {}.{} (in {}), then by pytracking-cmd ({}.{}). '
                'Rename one of them.'.format(name, existing.module, existing.class_name, datasets_module.__file__,
                                             MODULE, class_name))
        table[name] = info
