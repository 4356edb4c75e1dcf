"""The pytracking dataset classes of pytracking_cmd.evaluation.pytracking_datasets against a real
pytracking checkout (found by registration.resolve_root, as every command finds it).

pytracking's env_settings() is replaced by a settings object for the duration of each test, so the
checkout's local.py is never read or (re)written.
"""
import os

import cv2
import numpy as np
import pytest

from pytracking_cmd import registration

pytestmark = pytest.mark.integration

_JPG = cv2.imencode('.jpg', np.zeros((8, 8, 3), np.uint8))[1].tobytes()


def _checkout():
    try:
        return str(registration.resolve_root())
    except registration.RegistrationError as error:
        pytest.skip(str(error))


class _Settings:
    pass


@pytest.fixture
def pytracking_env(monkeypatch):
    """Imports pytracking from the checkout; returns a settings object that BaseDataset will see."""
    monkeypatch.syspath_prepend(_checkout())
    try:
        import pytracking_cmd.compat as compat                       # optional: fixes for a current stack
        for fix in ('fix_torchvision_op_schemas',):
            getattr(compat, fix, lambda: None)()
    except ImportError:
        pass
    import pytracking.evaluation.data as data
    import pytracking.evaluation.datasets as datasets
    settings = _Settings()
    monkeypatch.setattr(data, 'env_settings', lambda: settings)
    # The table entries pytracking-cmd registers (made from tir_benchmarks.BENCHMARKS).
    from pytracking_cmd.evaluation.registry import DATASETS, MODULE
    assert set(DATASETS) == {'lsotb_tir', 'lsotb_tir_legacy', 'lsotb_tir_120', 'lsotb_tir_st100',
                             'lsotb_tir_lt11', 'ptb_tir', 'vot_tir2015', 'vot_tir2016', 'cmd_demo', 'cmd_demo_rgb',
                             'anti_uav410', 'anti_uav410_val', 'anti_uav410_train', 'anti_uav300', 'anti_uav300_val',
                             'anti_uav300_rgb', 'anti_uav300_rgb_val'}
    for name, (class_name, kwargs) in DATASETS.items():
        monkeypatch.setitem(datasets.dataset_dict, name, datasets.DatasetInfo(MODULE, class_name, kwargs))
    return settings


def _seq(root, name, n, att=None):
    os.makedirs(os.path.join(root, name, 'img'))
    for i in range(1, n + 1):
        with open(os.path.join(root, name, 'img', '{:04d}.jpg'.format(i)), 'wb') as f:
            f.write(_JPG)
    with open(os.path.join(root, name, 'groundtruth_rect.txt'), 'w') as f:
        f.writelines('{},{},10,12\n'.format(i, i) for i in range(n))
    if att is not None:
        os.makedirs(os.path.join(root, 'att'), exist_ok=True)
        with open(os.path.join(root, 'att', name + '.txt'), 'w') as f:
            f.write(','.join(str(v) for v in att))


def test_lsotb_through_pytracking_get_dataset(tmp_path, pytracking_env):
    from pytracking.evaluation import get_dataset
    from pytracking.evaluation.data import Sequence, SequenceList
    root = str(tmp_path / 'lsotb')
    for name in ('airplane_H_001', 'car_D_001', 'cat_D_001'):
        _seq(root, name, 3)
    pytracking_env.lsotb_tir_path = root
    with pytest.warns(UserWarning, match='partial download'):
        current = get_dataset('lsotb_tir')
    with pytest.warns(UserWarning, match='partial download'):
        legacy = get_dataset('lsotb_tir_legacy')
    assert isinstance(current, SequenceList) and all(isinstance(s, Sequence) for s in current)
    assert [s.name for s in current] == ['airplane_H_001', 'cat_D_001']
    assert [s.name for s in legacy] == ['airplane_H_001', 'car_D_001']
    seq = current['cat_D_001']
    assert seq.dataset == 'lsotb_tir' and seq.object_class == 'cat' and len(seq.frames) == 3
    assert seq.init_info()['init_bbox'] == [0, 0, 10, 12]
    np.testing.assert_array_equal(seq.ground_truth_rect[2], [2, 2, 10, 12])


def test_attributes_through_pytracking_get_dataset_attributes(tmp_path, pytracking_env):
    from pytracking.evaluation import get_dataset_attributes
    from pytracking.evaluation.datasets import load_dataset
    root = str(tmp_path / 'demo')
    _seq(os.path.join(root, 'tir'), 'blob_H_001', 2, att=[1] + [0] * 15)
    _seq(os.path.join(root, 'tir'), 'walker_S_001', 2, att=[1, 1] + [0] * 14)
    _seq(os.path.join(root, 'rgb'), 'blob_H_001', 2)
    pytracking_env.cmd_demo_path = root
    rgb, = load_dataset('cmd_demo_rgb').get_sequence_list()
    assert rgb.dataset == 'cmd_demo_rgb' and os.path.join(root, 'rgb') in rgb.frames[0]
    assert load_dataset('cmd_demo_rgb').get_attribute_names() == []
    dset = load_dataset('cmd_demo')
    assert len(dset) == 2 and dset.get_attribute_names()[:3] == ['DEF', 'OCC', 'DIS']
    assert dset.get_attribute_names('long')[0] == 'Deformation'
    per_attribute = get_dataset_attributes('cmd_demo')
    assert [s.name for s in per_attribute['DEF']] == ['blob_H_001', 'walker_S_001']
    assert [s.name for s in per_attribute['OCC']] == ['walker_S_001']
    assert len(per_attribute['DIS']) == 0
    assert len(load_dataset('cmd_demo', attribute='Occlusion')) == 1
    with pytest.raises(ValueError, match="'nope' is not an attribute"):
        load_dataset('cmd_demo', attribute='nope')


def test_lsotb_scenarios_only_without_attribute_files(tmp_path, pytracking_env):
    from pytracking.evaluation.datasets import load_dataset
    root = str(tmp_path / 'lsotb')
    _seq(root, 'airplane_H_001', 2)
    _seq(root, 'cat_D_001', 2)
    pytracking_env.lsotb_tir_path = root
    with pytest.warns(UserWarning):
        dset = load_dataset('lsotb_tir')
    assert dset.get_attribute_names() == ['VM', 'DM', 'SUR', 'HH']
    with pytest.warns(UserWarning):
        drone = load_dataset('lsotb_tir', attribute='DM').get_sequence_list()
    assert [s.name for s in drone] == ['cat_D_001']


def test_vot_tir_and_unset_root(tmp_path, pytracking_env):
    from pytracking.evaluation import get_dataset
    from pytracking_cmd.evaluation.tir_benchmarks import BenchmarkSettingsError
    root = str(tmp_path / 'vot')
    os.makedirs(os.path.join(root, 'seq', 'ir'))
    with open(os.path.join(root, 'seq', 'sequence'), 'w') as f:
        f.write('channels.ir=ir/%08d.png\n')
    for i in (1, 2):
        cv2.imwrite(os.path.join(root, 'seq', 'ir', '{:08d}.png'.format(i)), np.zeros((6, 6), np.uint16))
    with open(os.path.join(root, 'seq', 'groundtruth.txt'), 'w') as f:
        f.write('1,1,5,1,5,5,1,5\n2,2,3,3\n')
    pytracking_env.vot_tir2016_path = root
    seq, = get_dataset('vot_tir2016')
    assert seq.dataset == 'vot_tir2016'
    np.testing.assert_array_equal(seq.ground_truth_rect, [[1, 1, 4, 4], [2, 2, 3, 3]])
    with pytest.raises(BenchmarkSettingsError, match='settings.vot_tir2015_path'):
        get_dataset('vot_tir2015')
    from pytracking_cmd.evaluation.pytracking_datasets import TIRBenchmarkDataset
    with pytest.raises(ValueError, match="Unknown TIR benchmark 'vot_tir2017'; known: .*vot_tir2015, vot_tir2016"):
        TIRBenchmarkDataset('vot_tir2017')
