"""The plugin's evaluation datasets, added to pytracking's `dataset_dict` when pytracking imports it.

pytracking looks dataset names up in a module-level table (pytracking/evaluation/datasets.py) before
it imports any tracker, so the start-up hook adds these entries right after that module executes.
"""
MODULE = 'pytracking_cmd.evaluation.pytracking_datasets'

# name -> (class in MODULE, constructor keyword arguments)
DATASETS = {
    'lsotb_tir': ('LSOTBTIRDataset', {}),
    'lsotb_tir_legacy': ('LSOTBTIRDataset', {'legacy': True}),  # car_D_001 in place of cat_D_001, as in the CMD paper
    'ptb_tir': ('PTBTIRDataset', {}),
    'vot_tir2015': ('VOTTIRDataset', {'year': 2015}),
    'vot_tir2016': ('VOTTIRDataset', {'year': 2016}),
    'cmd_demo': ('CMDDemoDataset', {}),
    'cmd_demo_rgb': ('CMDDemoDataset', {'modality': 'rgb'}),
}


class DuplicateDatasetError(KeyError):
    pass


def add_to_pytracking(datasets_module):
    """Add DATASETS to `datasets_module.dataset_dict`; a name pytracking already has is an error."""
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
