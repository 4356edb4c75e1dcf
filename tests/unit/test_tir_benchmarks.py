"""Unit tests of the standalone TIR benchmark readers (no pytracking needed).

Every dataset here is a tiny tree written to tmp_path in the official layouts; sequence names are
made up in the benchmarks' naming style.
"""
import contextlib
import os
import re
import sys
import types
import warnings

import cv2
import numpy as np
import pytest

from pytracking_cmd.evaluation import tir_benchmarks as tb
from pytracking_cmd.evaluation.tir_benchmarks import (BenchmarkFormatError, BenchmarkMissingError,
                                                      BenchmarkSettingsError, BenchmarkWarning,
                                                      UnknownBenchmarkError, load_benchmark)

_JPG = cv2.imencode('.jpg', np.full((8, 10, 3), 128, np.uint8))[1].tobytes()


def _frames(img_dir, n, digits, data=_JPG, ext='jpg'):
    os.makedirs(img_dir, exist_ok=True)
    for i in range(1, n + 1):
        with open(os.path.join(img_dir, '{:0{}d}.{}'.format(i, digits, ext)), 'wb') as f:
            f.write(data)


def _boxes_text(n, sep=',', start=0):
    return ''.join(sep.join(str(v) for v in (start + i, 2 * i, 10, 20)) + '\n' for i in range(n))


def _write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        f.write(text)


def _lsotb_seq(root, name, n=3, sep=',', digits=4, gt=True):
    _frames(os.path.join(root, name, 'img'), n, digits)
    if gt:
        _write(os.path.join(root, name, 'groundtruth_rect.txt'), _boxes_text(n, sep))


def _att_line(flags):
    return ','.join(str(int(f)) for f in flags)


@contextlib.contextmanager
def _no_benchmark_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter('error', BenchmarkWarning)
        yield


# ------------------------------------------------------------------------------------ LSOTB-TIR

def test_lsotb_sequences_discovered_sorted_and_parsed(tmp_path):
    root = str(tmp_path / 'lsotb')
    _lsotb_seq(root, 'person_S_002', n=3, sep=',')
    _lsotb_seq(root, 'airplane_H_001', n=4, sep=' ')
    _lsotb_seq(root, 'cat_D_001', n=2, sep='\t')
    os.makedirs(os.path.join(root, 'not_a_sequence'))          # no img/: ignored
    with pytest.warns(BenchmarkWarning, match=r'found 3 sequences, a complete download has 120'):
        seqs = load_benchmark('lsotb_tir', root=root)
    assert [s.name for s in seqs] == ['airplane_H_001', 'cat_D_001', 'person_S_002']
    a = seqs[0]
    assert a.benchmark == 'lsotb_tir' and a.object_class == 'airplane' and len(a) == 4
    assert a.frames == [os.path.join(root, 'airplane_H_001', 'img', '{:04d}.jpg'.format(i)) for i in range(1, 5)]
    assert all(os.path.isabs(f) for f in a.frames)
    assert a.ground_truth.dtype == np.float64 and a.ground_truth.shape == (4, 4)
    np.testing.assert_array_equal(a.ground_truth[3], [3, 6, 10, 20])
    np.testing.assert_array_equal(seqs[1].ground_truth, [[0, 0, 10, 20], [1, 2, 10, 20]])
    np.testing.assert_array_equal(seqs[2].ground_truth[:, 0], [0, 1, 2])


def test_comma_space_separators_bom_crlf_and_trailing_blank_lines(tmp_path):
    path = tmp_path / 'gt.txt'
    path.write_bytes(b'\xef\xbb\xbf1, 2, 3, 4\r\n5 ,6\t7,8\r\n\r\n\n')
    np.testing.assert_array_equal(tb.read_boxes(str(path)), [[1, 2, 3, 4], [5, 6, 7, 8]])


def test_nan_zero_and_negative_boxes_are_kept(tmp_path):
    root = str(tmp_path)
    _frames(os.path.join(root, 'bird_H_001', 'img'), 3, 4)
    _write(os.path.join(root, 'bird_H_001', 'groundtruth_rect.txt'), '1,2,3,4\nNaN,NaN,NaN,NaN\n0,-1,0,-5\n')
    with pytest.warns(BenchmarkWarning):
        seq, = load_benchmark('lsotb_tir', root=root)
    assert np.isnan(seq.ground_truth[1]).all()
    np.testing.assert_array_equal(seq.ground_truth[2], [0, -1, 0, -5])


def test_frames_sorted_numerically_and_non_images_ignored(tmp_path):
    img = tmp_path / 's' / 'img'
    _frames(str(img), 3, 1)                                       # 1.jpg 2.jpg 3.jpg
    for i in (10, 11):
        (img / '{}.jpg'.format(i)).write_bytes(_JPG)
    (img / 'Thumbs.db').write_bytes(b'x')
    names = [os.path.basename(f) for f in tb._list_frames(str(img))]
    assert names == ['1.jpg', '2.jpg', '3.jpg', '10.jpg', '11.jpg']


def _both_lists_root(tmp_path, extra=()):
    root = str(tmp_path / 'lsotb')
    for name in ('airplane_H_001', 'car_D_001', 'cat_D_001') + tuple(extra):
        _lsotb_seq(root, name, n=1)
    return root


def test_lsotb_current_and_legacy_lists(tmp_path):
    root = _both_lists_root(tmp_path)
    with pytest.warns(BenchmarkWarning):
        current = [s.name for s in load_benchmark('lsotb_tir', root=root)]
    with pytest.warns(BenchmarkWarning):
        legacy = [s.name for s in load_benchmark('lsotb_tir_legacy', root=root)]
    assert current == ['airplane_H_001', 'cat_D_001']
    assert legacy == ['airplane_H_001', 'car_D_001']


def test_lsotb_complete_download_does_not_warn(tmp_path):
    root = str(tmp_path / 'lsotb')
    names = ['cat_D_001', 'car_D_001'] + ['person_S_{:03d}'.format(i) for i in range(119)]
    for name in names:
        _lsotb_seq(root, name, n=1)
    with _no_benchmark_warnings():
        assert len(load_benchmark('lsotb_tir', root=root)) == 120
        assert len(load_benchmark('lsotb_tir_legacy', root=root)) == 120


def test_lsotb_warns_when_the_older_list_is_loaded_as_current(tmp_path):
    root = str(tmp_path / 'lsotb')
    for name in ('airplane_H_001', 'car_D_001'):
        _lsotb_seq(root, name, n=1)
    with pytest.warns(BenchmarkWarning) as record:
        load_benchmark('lsotb_tir', root=root)
    message = str(record[0].message)
    assert root in message and 'found 1 sequences' in message
    assert 'cat_D_001 is missing but car_D_001 is present' in message and "'lsotb_tir_legacy'" in message


def test_lsotb_warns_when_neither_list_marker_is_present(tmp_path):
    root = str(tmp_path / 'lsotb')
    _lsotb_seq(root, 'airplane_H_001', n=1)
    with pytest.warns(BenchmarkWarning, match='neither car_D_001 nor cat_D_001'):
        load_benchmark('lsotb_tir_legacy', root=root)


def test_lsotb_scenario_flags_derived_from_names_without_attribute_files(tmp_path):
    root = _both_lists_root(tmp_path, extra=('bus_V_001', 'boy_S_001'))
    with pytest.warns(BenchmarkWarning):
        seqs = {s.name: s for s in load_benchmark('lsotb_tir', root=root)}
    assert seqs['airplane_H_001'].attributes == {'VM': False, 'DM': False, 'SUR': False, 'HH': True}
    assert seqs['cat_D_001'].attributes['DM'] and seqs['bus_V_001'].attributes['VM']
    assert seqs['boy_S_001'].attributes['SUR']
    seq_list = list(seqs.values())
    assert tb.available_attribute_names(seq_list, 'lsotb_tir') == ['VM', 'DM', 'SUR', 'HH']
    assert tb.available_attribute_names(seq_list, 'lsotb_tir', 'long')[-1] == 'Hand-Held'
    for query in ('HH', 'Hand-Held', 'hand held', 'hand_held'):
        assert [s.name for s in tb.filter_by_attribute(seq_list, 'lsotb_tir', query)] == ['airplane_H_001']
    with pytest.raises(ValueError, match=r"Attribute 'TC' is unknown for 4 sequence\(s\)"):
        tb.filter_by_attribute(seq_list, 'lsotb_tir', 'TC')
    with pytest.raises(ValueError, match=r"'XYZ' is not an attribute of 'lsotb_tir'; valid: DEF \(Deformation\)"):
        tb.filter_by_attribute(seq_list, 'lsotb_tir', 'XYZ')


def _lsotb_toolkit(tmp_path, names, flags):
    """The official toolkit layout: sequences/<seq>/img, anno/<seq>.txt, anno/att/<seq>.txt."""
    tk = str(tmp_path / 'LSOTB-TIR')
    for name in names:
        _frames(os.path.join(tk, 'sequences', name, 'img'), 2, 4)
        _write(os.path.join(tk, 'anno', name + '.txt'), _boxes_text(2, start=100))
        if name in flags:
            _write(os.path.join(tk, 'anno', 'att', name + '.txt'), _att_line(flags[name]))   # no final newline
    return tk


def test_lsotb_toolkit_layout_with_attribute_files(tmp_path):
    flags = {'airplane_H_001': [1, 0, 1] + [0] * 9 + [0, 0, 0, 1],
             'cat_D_001': [0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0] + [1, 0, 0, 0]}   # file says VM, name says D
    tk = _lsotb_toolkit(tmp_path, flags, flags)
    for root in (tk, os.path.join(tk, 'sequences')):
        with pytest.warns(BenchmarkWarning, match='found 2 sequences'):
            seqs = {s.name: s for s in load_benchmark('lsotb_tir', root=root)}
        a, c = seqs['airplane_H_001'], seqs['cat_D_001']
        assert a.ground_truth[0, 0] == 100 and len(a.frames) == 2
        assert len(a.attributes) == 16 and a.attributes['DEF'] and a.attributes['DIS'] and a.attributes['HH']
        assert not a.attributes['OCC']
        assert c.attributes['OCC'] and c.attributes['TC']
        assert c.attributes['VM'] and not c.attributes['DM']                # the file wins over the name
        assert tb.available_attribute_names(list(seqs.values()), 'lsotb_tir') == tb.attribute_names('lsotb_tir')
        assert [s.name for s in tb.filter_by_attribute(list(seqs.values()), 'lsotb_tir', 'thermal crossover')] \
            == ['cat_D_001']


def test_lsotb_missing_attribute_file_warns_and_keeps_scenarios(tmp_path):
    flags = {'airplane_H_001': [0] * 12 + [0, 0, 0, 1]}
    tk = _lsotb_toolkit(tmp_path, ['airplane_H_001', 'car_D_001'], flags)
    with pytest.warns(BenchmarkWarning) as record:
        seqs = {s.name: s for s in load_benchmark('lsotb_tir_legacy', root=tk)}
    messages = ' | '.join(str(r.message) for r in record)
    assert 'no attribute file in {}'.format(os.path.join(tk, 'anno', 'att')) in messages
    assert 'car_D_001' in messages
    assert set(seqs['car_D_001'].attributes) == {'VM', 'DM', 'SUR', 'HH'} and seqs['car_D_001'].attributes['DM']
    assert len(seqs['airplane_H_001'].attributes) == 16


def test_explicit_attributes_path_and_root_att_folder(tmp_path):
    root = str(tmp_path / 'lsotb')
    _lsotb_seq(root, 'cat_D_001', n=1)
    elsewhere = tmp_path / 'my_att'
    _write(str(elsewhere / 'cat_D_001.txt'), _att_line([1] * 16) + '\n')
    with pytest.warns(BenchmarkWarning):
        seq, = load_benchmark('lsotb_tir', root=root, attributes_path=str(elsewhere))
    assert all(seq.attributes.values()) and len(seq.attributes) == 16
    _write(os.path.join(root, 'att', 'cat_D_001.txt'), ' '.join(['0'] * 16))    # whitespace accepted
    with pytest.warns(BenchmarkWarning):
        seq, = load_benchmark('lsotb_tir', root=root)
    assert not any(seq.attributes.values()) and len(seq.attributes) == 16
    with pytest.raises(BenchmarkMissingError, match=re.escape(str(tmp_path / 'nowhere'))):
        load_benchmark('lsotb_tir', root=root, attributes_path=str(tmp_path / 'nowhere'))


@pytest.mark.parametrize('content, line, match', [
    ('1,0,1', 1, r'3 values in .1,0,1.; expected 16 values \(0 or 1\) separated by commas: deformation, occlusion'),
    (_att_line([0] * 15 + [2]), 1, r"'2' is not 0 or 1"),
    ('\n' + _att_line([0] * 15) + ',x', 2, r"'x' is not 0 or 1"),
    (_att_line([0] * 16) + '\n' + _att_line([0] * 16), 2, 'more than one line'),
])
def test_malformed_attribute_file_names_file_line_and_expected_values(tmp_path, content, line, match):
    root = str(tmp_path / 'lsotb')
    _lsotb_seq(root, 'cat_D_001', n=1)
    att_file = os.path.join(root, 'att', 'cat_D_001.txt')
    _write(att_file, content)
    with pytest.raises(BenchmarkFormatError, match=match) as info:
        load_benchmark('lsotb_tir', root=root)
    assert '{}:{}:'.format(att_file, line) in str(info.value)
    assert 'hand-held' in str(info.value)


def test_empty_attribute_file(tmp_path):
    path = tmp_path / 'a.txt'
    path.write_text('\n')
    with pytest.raises(BenchmarkFormatError, match=re.escape(str(path)) + ': the attribute file is empty'):
        tb.read_attribute_file(str(path), tb.LSOTB_TIR_ATTRIBUTES)


# ------------------------------------------------------------------------------------ cmd_demo

def test_cmd_demo_is_lsotb_layout_without_count_or_name_attributes(tmp_path):
    root = str(tmp_path / 'demo')
    _lsotb_seq(root, 'blob_H_001', n=3)
    _lsotb_seq(root, 'walker', n=2)
    with _no_benchmark_warnings():
        seqs = load_benchmark('cmd_demo', root=root)
    assert [s.name for s in seqs] == ['blob_H_001', 'walker']
    assert all(s.attributes == {} for s in seqs) and seqs[0].object_class == 'blob'
    assert tb.available_attribute_names(seqs, 'cmd_demo') == []
    _write(os.path.join(root, 'att', 'blob_H_001.txt'), _att_line([0] * 15 + [1]))
    _write(os.path.join(root, 'att', 'walker.txt'), _att_line([1] + [0] * 15))
    seqs = load_benchmark('cmd_demo', root=root)
    assert seqs[0].attributes['HH'] and seqs[1].attributes['DEF']


def test_cmd_demo_modality_trees(tmp_path):
    root = str(tmp_path / 'cmd_demo')
    for modality in ('tir', 'rgb'):
        _lsotb_seq(os.path.join(root, modality), 'demo_001', n=2)
        _lsotb_seq(os.path.join(root, modality), 'demo_000', n=3)
    _write(os.path.join(root, 'synthetic_benchmark.json'), '{}')
    tir, rgb = load_benchmark('cmd_demo', root=root), load_benchmark('cmd_demo_rgb', root=root)
    assert [s.name for s in tir] == ['demo_000', 'demo_001']
    assert [s.name for s in rgb] == ['demo_000_rgb', 'demo_001_rgb']  # result files of the two views stay apart
    assert tir[0].frames[0] == os.path.join(root, 'tir', 'demo_000', 'img', '0001.jpg')
    assert rgb[1].frames[-1] == os.path.join(root, 'rgb', 'demo_001', 'img', '0002.jpg')
    assert tir[0].benchmark == 'cmd_demo' and rgb[0].benchmark == 'cmd_demo_rgb'
    assert load_benchmark('cmd_demo', root=os.path.join(root, 'tir'))[0].frames == tir[0].frames
    _write(os.path.join(root, 'tir', 'att', 'demo_000.txt'), _att_line([0] * 16))
    with pytest.warns(BenchmarkWarning, match=r'no attribute file in .* their attributes are unknown: demo_001'):
        seqs = load_benchmark('cmd_demo', root=root)
    assert len(seqs[0].attributes) == 16 and seqs[1].attributes == {}


def test_cmd_demo_reads_the_synthetic_generator_output(tmp_path):
    synthetic = pytest.importorskip('ltr_cmd.data.synthetic')
    out = synthetic.write_benchmark(str(tmp_path / 'cmd_demo'), seed=3, num_sequences=2, length=4,
                                    frame_size=(48, 32), progress=False)
    with _no_benchmark_warnings():
        for name, modality in (('cmd_demo', 'tir'), ('cmd_demo_rgb', 'rgb')):
            seqs = load_benchmark(name, root=out['root'])
            suffix = '_rgb' if modality == 'rgb' else ''
            assert [s.name for s in seqs] == [n + suffix for n in sorted(out['sequences'])]
            assert all(len(s) == 4 and s.ground_truth.shape == (4, 4) for s in seqs)
            assert all(os.path.join(out['root'], modality) in s.frames[0] for s in seqs)


# ------------------------------------------------------------------------------------ PTB-TIR

def test_ptb_groundtruth_rect_layout(tmp_path):
    root = str(tmp_path / 'ptb')
    for name in ('campus2', 'airplane'):
        _lsotb_seq(root, name, n=3, digits=8)
    with pytest.warns(BenchmarkWarning, match=r'PTB-TIR .* found 2 sequences, a complete download has 60'):
        seqs = load_benchmark('ptb_tir', root=root)
    assert [s.name for s in seqs] == ['airplane', 'campus2']
    assert seqs[0].frames[0].endswith(os.path.join('airplane', 'img', '00000001.jpg'))
    assert seqs[0].object_class == 'person' and seqs[0].attributes == {}
    assert seqs[0].ground_truth.shape == (3, 4)


def _ptb_toolkit(tmp_path, names, own_gt=False):
    """The official toolkit layout: tirsequences/<seq>/img, tiranno/<seq>.txt, tiranno/att/<seq>.txt."""
    tk = str(tmp_path / 'PTB-TIR_Evaluation_toolkit')
    for k, name in enumerate(names):
        _frames(os.path.join(tk, 'tirsequences', name, 'img'), 2, 8)
        _write(os.path.join(tk, 'tiranno', name + '.txt'), _boxes_text(2, start=50).rstrip('\n'))
        flags = [0] * 10
        flags[k] = 1
        _write(os.path.join(tk, 'tiranno', 'att', name + '.txt'), _att_line(flags) + '\n')
        if own_gt:
            _write(os.path.join(tk, 'tirsequences', name, 'groundtruth_rect.txt'), _boxes_text(2, start=k * 7))
    return tk


def test_ptb_tiranno_layout_with_attributes(tmp_path):
    tk = _ptb_toolkit(tmp_path, ['birds', 'airplane'])
    for root in (tk, os.path.join(tk, 'tirsequences')):
        with pytest.warns(BenchmarkWarning, match='found 2 sequences'):
            seqs = load_benchmark('ptb_tir', root=root)
        assert [s.name for s in seqs] == ['airplane', 'birds']
        assert seqs[0].ground_truth[0, 0] == 50
        assert seqs[1].attributes == dict(zip(tb.attribute_names('ptb_tir'), [True] + [False] * 9))
        assert seqs[0].attributes['OCC'] and len(seqs[0].attributes) == 10
        assert [s.name for s in tb.filter_by_attribute(seqs, 'ptb_tir', 'Occlusion')] == ['airplane']


def test_ptb_prefers_toolkit_annotations_and_warns_when_they_differ(tmp_path):
    tk = _ptb_toolkit(tmp_path, ['airplane', 'birds'], own_gt=True)   # airplane: same start 0*7 != 50
    with pytest.warns(BenchmarkWarning) as record:
        seqs = load_benchmark('ptb_tir', root=tk)
    assert all(s.ground_truth[0, 0] == 50 for s in seqs)
    assert any('different boxes' in str(r.message) and 'airplane, birds' in str(r.message) for r in record)


def test_ptb_wrong_attribute_count_names_ten_values(tmp_path):
    tk = _ptb_toolkit(tmp_path, ['airplane'])
    att_file = os.path.join(tk, 'tiranno', 'att', 'airplane.txt')
    _write(att_file, _att_line([0] * 16))
    with pytest.raises(BenchmarkFormatError, match=re.escape(att_file + ':1: 16 values') + '.*expected 10 values'):
        load_benchmark('ptb_tir', root=tk)


def test_folder_with_img_but_no_ground_truth_is_skipped_with_a_warning(tmp_path):
    root = str(tmp_path / 'ptb')
    _lsotb_seq(root, 'airplane', n=2, digits=8)
    _lsotb_seq(root, 'birds', n=2, digits=8, gt=False)
    with pytest.warns(BenchmarkWarning) as record:
        seqs = load_benchmark('ptb_tir', root=root)
    assert [s.name for s in seqs] == ['airplane']
    assert any('img/ but no ground truth' in str(r.message) and 'birds' in str(r.message) for r in record)


# ------------------------------------------------------------------------------------ VOT-TIR

def _png(path, dtype=np.uint8):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    value = 40000 if dtype == np.uint16 else 200
    assert cv2.imwrite(path, np.full((6, 7), value, dtype))


def test_vot_metadata_channel_polygons_and_16bit_frames(tmp_path):
    root = str(tmp_path / 'vot-tir2016')
    _write(os.path.join(root, 'list.txt'), 'zebra\nbird\n\n')
    # zebra: VOT toolkit layout, ir channel in a subfolder, 16-bit frames, polygons
    _write(os.path.join(root, 'zebra', 'sequence'), 'channels.ir=ir/%08d.png\nfps=30\nformat=default\n')
    for i in (1, 2):
        _png(os.path.join(root, 'zebra', 'ir', '{:08d}.png'.format(i)), np.uint16)
    _write(os.path.join(root, 'zebra', 'groundtruth.txt'), '1,2,11,2,11,22,1,22\n5 6 3 4\n')
    # bird: legacy folder, 8-bit %08d.png frames in the folder itself
    for i in (1, 2, 3):
        _png(os.path.join(root, 'bird', '{:08d}.png'.format(i)))
    _write(os.path.join(root, 'bird', 'groundtruth.txt'), '1,1,4,4\n10.5,20.5,30,40\n0\n')
    with _no_benchmark_warnings():
        seqs = load_benchmark('vot_tir2016', root=root)
    assert [s.name for s in seqs] == ['zebra', 'bird']                 # list.txt order
    zebra, bird = seqs
    assert zebra.frames == [os.path.join(root, 'zebra', 'ir', '{:08d}.png'.format(i)) for i in (1, 2)]
    np.testing.assert_array_equal(zebra.ground_truth, [[1, 2, 10, 20], [5, 6, 3, 4]])
    assert cv2.imread(zebra.frames[0], cv2.IMREAD_UNCHANGED).dtype == np.uint16
    assert len(bird.frames) == 3 and bird.frames[2].endswith(os.path.join('bird', '00000003.png'))
    assert np.isnan(bird.ground_truth[2]).all()                        # VOT special code -> NaN row
    assert zebra.attributes == {} and tb.attribute_names('vot_tir2016') == []


def test_vot_polygon_is_bounding_rectangle_of_a_rotated_quad(tmp_path):
    path = tmp_path / 'groundtruth.txt'
    path.write_text('10,0,20,10,10,20,0,10\n')
    np.testing.assert_array_equal(tb.read_boxes(str(path), polygons=True), [[0, 0, 20, 20]])
    with pytest.raises(BenchmarkFormatError, match=re.escape(str(path) + ':1: 8 values')):
        tb.read_boxes(str(path))                                       # polygons only for VOT


def test_vot_discovery_without_list_and_channel_choice(tmp_path):
    root = str(tmp_path / 'vot-tir2015')
    for name in ('quadrocopter', 'crouching'):
        _write(os.path.join(root, name, 'sequence'), 'channels.color=color/%08d.jpg\n')
        for i in (1, 2):
            _png(os.path.join(root, name, 'color', '{:08d}.jpg'.format(i)))
        _write(os.path.join(root, name, 'groundtruth.txt'), '1,2,3,4\n1,2,3,4\n')
    os.makedirs(os.path.join(root, 'empty_dir'))
    seqs = load_benchmark('vot_tir2015', root=root)                    # the only channel is used
    assert [s.name for s in seqs] == ['crouching', 'quadrocopter']
    meta = os.path.join(root, 'crouching', 'sequence')
    _write(meta, 'channels.color=color/%08d.jpg\nchannels.depth=depth/%08d.png\n')
    with pytest.raises(BenchmarkFormatError, match=re.escape(meta) + r': no channels.ir entry; channels present: '
                                                                     r'color, depth'):
        load_benchmark('vot_tir2015', root=root)
    seqs = load_benchmark('vot_tir2015', root=root, channel='color')
    assert len(seqs[0].frames) == 2


def test_vot_missing_sequence_folder_names_list_file_and_line(tmp_path):
    root = str(tmp_path / 'vot')
    _write(os.path.join(root, 'list.txt'), 'a\nghost\n')
    _png(os.path.join(root, 'a', '00000001.png'))
    _write(os.path.join(root, 'a', 'groundtruth.txt'), '1,2,3,4\n')
    with pytest.raises(BenchmarkMissingError, match=re.escape(os.path.join(root, 'list.txt') + ':2: sequence folder '
                                                              + os.path.join(root, 'ghost'))):
        load_benchmark('vot_tir2015', root=root)


def test_vot_sequence_without_frames(tmp_path):
    root = str(tmp_path / 'vot')
    _write(os.path.join(root, 'a', 'sequence'), 'channels.ir=ir/%08d.png\n')
    _write(os.path.join(root, 'a', 'groundtruth.txt'), '1,2,3,4\n')
    seq_dir = os.path.join(root, 'a')
    with pytest.raises(BenchmarkMissingError, match='No frames in sequence folder ' + re.escape(seq_dir)):
        load_benchmark('vot_tir2016', root=root)


def test_vot_frame_count_mismatch(tmp_path):
    root = str(tmp_path / 'vot')
    for i in (1, 2, 3):
        _png(os.path.join(root, 'a', '{:08d}.png'.format(i)))
    gt = os.path.join(root, 'a', 'groundtruth.txt')
    _write(gt, '1,2,3,4\n1,2,3,4\n')
    with pytest.raises(BenchmarkFormatError, match=re.escape(gt) + ': 2 annotation lines but 3 frames'):
        load_benchmark('vot_tir2016', root=root)


def test_vot_rejects_attributes_path(tmp_path):
    with pytest.raises(BenchmarkFormatError, match='no per-sequence attribute files'):
        load_benchmark('vot_tir2015', root=str(tmp_path), attributes_path=str(tmp_path))


# ------------------------------------------------------------------------------------ bad input

def test_unknown_benchmark_lists_known_names():
    with pytest.raises(UnknownBenchmarkError, match="Unknown TIR benchmark 'lsotb'; known: anti_uav300, anti_uav300_rgb, anti_uav300_rgb_val, "
                                                        "anti_uav300_val, anti_uav410, anti_uav410_train, anti_uav410_val, "
                                                        "cmd_demo, cmd_demo_rgb, "
                                                    "lsotb_tir, lsotb_tir_120, lsotb_tir_legacy, "
                                                    "lsotb_tir_lt11, lsotb_tir_st100, ptb_tir, vot_tir2015, vot_tir2016"):
        load_benchmark('lsotb', root='/nowhere')
    with pytest.raises(UnknownBenchmarkError):
        tb.attribute_names('otb')


@pytest.mark.parametrize('name', sorted(tb.BENCHMARKS))
def test_missing_root_is_named(tmp_path, name):
    missing = str(tmp_path / 'not_there')
    with pytest.raises(BenchmarkMissingError, match='root folder not found: ' + re.escape(missing)):
        load_benchmark(name, root=missing)


def test_root_without_sequences(tmp_path):
    with pytest.raises(BenchmarkMissingError, match='No LSOTB-TIR sequences found under ' + re.escape(str(tmp_path))):
        load_benchmark('lsotb_tir', root=str(tmp_path))


def test_sequence_with_empty_img_folder(tmp_path):
    root = str(tmp_path)
    os.makedirs(os.path.join(root, 'cat_D_001', 'img'))
    _write(os.path.join(root, 'cat_D_001', 'groundtruth_rect.txt'), '1,2,3,4\n')
    img_dir = os.path.join(root, 'cat_D_001', 'img')
    with pytest.raises(BenchmarkMissingError, match='No frames .* in ' + re.escape(img_dir)):
        load_benchmark('lsotb_tir', root=root)


def test_sequence_with_ground_truth_but_no_img_folder(tmp_path):
    root = str(tmp_path)
    _lsotb_seq(root, 'airplane_H_001', n=1)
    _write(os.path.join(root, 'cat_D_001', 'groundtruth_rect.txt'), '1,2,3,4\n')
    with pytest.raises(BenchmarkMissingError, match="'cat_D_001' has .*groundtruth_rect.txt but no frame folder"):
        load_benchmark('lsotb_tir', root=root)


def test_frame_count_differs_from_annotation_lines(tmp_path):
    root = str(tmp_path)
    _frames(os.path.join(root, 'cat_D_001', 'img'), 5, 4)
    gt = os.path.join(root, 'cat_D_001', 'groundtruth_rect.txt')
    _write(gt, _boxes_text(4))
    with pytest.raises(BenchmarkFormatError) as info:
        load_benchmark('lsotb_tir', root=root)
    assert str(info.value) == '{}: 4 annotation lines but 5 frames in {}'.format(
        gt, os.path.join(root, 'cat_D_001', 'img'))


@pytest.mark.parametrize('text, line, match', [
    ('1,2,3,4\n1,2,three,4\n', 2, r"cannot read '1,2,three,4' as numbers"),
    ('1,2,3,4\n1,2,3\n', 2, r"3 values in '1,2,3'; expected 4 values x,y,w,h"),
    ('1,2,3,4\n\n1,2,3,4\n', 2, 'empty line'),
    ('1|2|3|4\n', 1, r"cannot read '1\|2\|3\|4' as numbers"),
])
def test_malformed_annotation_line_names_file_line_and_text(tmp_path, text, line, match):
    root = str(tmp_path)
    n = len(text.rstrip('\n').split('\n'))
    _frames(os.path.join(root, 'cat_D_001', 'img'), n, 4)
    gt = os.path.join(root, 'cat_D_001', 'groundtruth_rect.txt')
    _write(gt, text)
    with pytest.raises(BenchmarkFormatError, match=match) as info:
        load_benchmark('lsotb_tir', root=root)
    assert str(info.value).startswith('{}:{}: '.format(gt, line))


def test_empty_and_missing_annotation_files(tmp_path):
    empty = tmp_path / 'gt.txt'
    empty.write_text('\n\n')
    with pytest.raises(BenchmarkFormatError, match=re.escape(str(empty)) + ': the ground-truth file is empty'):
        tb.read_boxes(str(empty))
    with pytest.raises(BenchmarkMissingError, match='Ground-truth file not found: ' + re.escape(str(tmp_path / 'x'))):
        tb.read_boxes(str(tmp_path / 'x'))


# ------------------------------------------------------------------------------------ root resolution

class _Settings:
    pass


def test_root_and_attributes_from_settings(tmp_path):
    root = str(tmp_path / 'lsotb')
    _lsotb_seq(root, 'cat_D_001', n=1)
    att = tmp_path / 'att_elsewhere'
    _write(str(att / 'cat_D_001.txt'), _att_line([1] * 16))
    settings = _Settings()
    settings.lsotb_tir_path = root
    settings.lsotb_tir_attributes_path = str(att)
    with pytest.warns(BenchmarkWarning):
        seq, = load_benchmark('lsotb_tir', settings=settings)
    assert seq.frames[0].startswith(root) and all(seq.attributes.values())
    assert tb.resolve_root('lsotb_tir_legacy', settings) == root


@pytest.mark.parametrize('value', [None, '', '  '])
def test_unset_root_names_the_attribute_and_local_py(value):
    settings = _Settings()
    if value is not None:
        settings.ptb_tir_path = value
    with pytest.raises(BenchmarkSettingsError, match=r"settings\.ptb_tir_path = .* in .*local\.py"):
        load_benchmark('ptb_tir', settings=settings)


def test_root_from_pytracking_env_settings_is_read_lazily(tmp_path, monkeypatch):
    """With root=None the reader imports pytracking.evaluation.environment and calls env_settings()."""
    root = str(tmp_path / 'demo')
    _lsotb_seq(root, 'blob_H_001', n=2)
    settings = _Settings()
    settings.cmd_demo_path = root
    calls = []
    env = types.ModuleType('pytracking.evaluation.environment')
    env.__file__ = str(tmp_path / 'pytracking' / 'evaluation' / 'environment.py')
    env.env_settings = lambda: calls.append(1) or settings
    pkg, evaluation = types.ModuleType('pytracking'), types.ModuleType('pytracking.evaluation')
    pkg.evaluation, evaluation.environment = evaluation, env
    monkeypatch.setitem(sys.modules, 'pytracking', pkg)
    monkeypatch.setitem(sys.modules, 'pytracking.evaluation', evaluation)
    monkeypatch.setitem(sys.modules, 'pytracking.evaluation.environment', env)
    seq, = load_benchmark('cmd_demo')
    assert calls == [1] and seq.name == 'blob_H_001'
    with pytest.raises(BenchmarkSettingsError) as info:
        load_benchmark('vot_tir2015')
    assert 'settings.vot_tir2015_path' in str(info.value)
    assert str(tmp_path / 'pytracking' / 'evaluation' / 'local.py') in str(info.value)


def test_module_does_not_import_pytracking_or_cv2():
    import subprocess
    code = ('import sys; import pytracking_cmd.evaluation.tir_benchmarks; '
            'print([m for m in ("pytracking", "cv2", "torch") if m in sys.modules])')
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                         cwd=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == '[]'
