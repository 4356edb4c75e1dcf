"""The Anti-UAV410 and Anti-UAV300 readers on generated roots in the layouts the datasets ship, flawed ones included."""
import json
import warnings

import numpy as np
import pytest

from pytracking_cmd.evaluation import anti_uav
from pytracking_cmd.evaluation import tir_benchmarks as tb
from tests import anti_uav_roots


def _load(name, root, **kwargs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        sequences = tb.load_benchmark(name, root=root, **kwargs)
    return sequences, '\n'.join(str(w.message) for w in caught if issubclass(w.category, tb.BenchmarkWarning))


def test_anti_uav410_reads_frames_boxes_and_exist_and_names_every_skipped_sequence(tmp_path):
    root, expected = anti_uav_roots.anti_uav410(tmp_path / 'AntiUAV410')
    sequences, warned = _load('anti_uav410', root)
    assert {s.name: len(s) for s in sequences} == expected['used']
    for name, reason in expected['skipped'].items():
        assert name in warned and reason in warned.split(name, 1)[1].split(')')[0] + ')', (name, warned)
    assert 'the full split has 120' in warned
    assert '__MACOSX' not in warned   # not a sequence folder, nothing to say
    seq = sequences[0]
    assert seq.frames[0].endswith('000001.jpg') and seq.object_class == 'drone'
    assert seq.exist.tolist() == [True] * 5 + [False, False, True]
    np.testing.assert_array_equal(seq.ground_truth[5], [0, 0, 0, 0])
    # the second sequence writes absence as [] (the form some releases use): the same rows and flags
    assert sequences[1].exist.tolist() == seq.exist.tolist()
    np.testing.assert_array_equal(sequences[1].ground_truth[6], [0, 0, 0, 0])


def test_anti_uav410_root_may_be_the_split_folder_and_attributes_come_from_the_toolkit(tmp_path):
    root, expected = anti_uav_roots.anti_uav410(tmp_path / 'AntiUAV410', flaws=False)
    toolkit = tmp_path / 'Anti-UAV410'   # the toolkit checkout: annos/test/att/<seq>.txt
    att = toolkit / 'annos' / 'test' / 'att'
    att.mkdir(parents=True)
    (att / '02_6319_1500-2999.txt').write_text('1,0,0,0,1,1,1,1,0,0\n')
    (att / '20190925_111757_1_10.txt').write_text('1,1,0,0,0,0,0,1,1,0\n')
    sequences, warned = _load('anti_uav410', root / 'test', attributes_path=toolkit)
    assert [s.name for s in sequences] == sorted(expected['used'])
    assert sequences[0].attributes == {'TC': True, 'OV': False, 'SV': False, 'FM': False, 'OC': True, 'DBC': True,
                                       'TS': True, 'SS': True, 'MS': False, 'NS': False}
    assert tb.available_attribute_names(sequences, 'anti_uav410') == [s for s, _ in tb.ANTI_UAV410_ATTRIBUTES]
    assert [s.name for s in tb.filter_by_attribute(sequences, 'anti_uav410', 'Out-of-View')] == ['20190925_111757_1_10']


def test_anti_uav410_splits_read_their_own_folder(tmp_path):
    root = tmp_path / 'AntiUAV410'
    anti_uav_roots.anti_uav410(root, flaws=False, split='val')
    sequences, _ = _load('anti_uav410_val', root)
    assert len(sequences) == 2
    with pytest.raises(tb.BenchmarkMissingError, match='No Anti-UAV410 \\(train\\) sequences found'):
        tb.load_benchmark('anti_uav410_train', root=root / 'val' / '02_6319_1500-2999')


def test_anti_uav300_reads_infrared_and_visible_as_two_datasets(tmp_path):
    root, expected = anti_uav_roots.anti_uav300(tmp_path / 'Anti-UAV-RGBT')
    ir, warned = _load('anti_uav300', root)
    assert {s.name: len(s) for s in ir} == expected['used']
    for name, reason in expected['skipped'].items():
        assert name in warned and reason in warned, (name, warned)
    assert ir[0].frames[0].endswith('infrared/infraredI0000.jpg')
    assert ir[0].exist.tolist() == [True] * 5 + [False] + [True] * 2
    rgb, _ = _load('anti_uav300_rgb', root)
    # the visible view: own frames, own names (its results must not overwrite the thermal ones)
    assert [s.name for s in rgb] == [n + '_rgb' for n in sorted(expected['used'])] + ['no_ir_label_rgb']
    assert rgb[0].frames[0].endswith('visible/visibleI0000.jpg')


def test_the_challenge_video_layout_says_how_to_extract_the_frames(tmp_path):
    seq = tmp_path / 'test' / '20190925_101846_1_1'
    seq.mkdir(parents=True)
    (seq / 'IR.mp4').write_bytes(b'\x00\x00\x00\x18ftypmp42')
    (seq / 'IR_label.json').write_text(json.dumps({'exist': [1], 'gt_rect': [[1, 2, 3, 4]]}))
    with pytest.raises(tb.BenchmarkFormatError, match='ffmpeg -i .*IR.mp4 -start_number 0 .*infraredI%04d.jpg'):
        tb.load_benchmark('anti_uav300', root=tmp_path)


@pytest.mark.parametrize('content, message', [
    ('{"exist": [1, 0], "gt_rect": [[1, 2, 3, 4], [1, 2]]}', r'gt_rect of frame 2 is \[1, 2\]'),
    ('{"exist": [1], "gt_rect": [[1, 2, 3, 4], []]}', '"exist" has 1 flags but "gt_rect" 2 boxes'),
    ('[[1, 2, 3, 4]]', 'expected a JSON object with a "gt_rect" list'),
])
def test_a_bad_label_file_is_named_with_what_is_wrong(tmp_path, content, message):
    path = tmp_path / 'IR_label.json'
    path.write_text(content)
    with pytest.raises(tb.BenchmarkFormatError, match=message) as error:
        anti_uav.read_label_file(str(path))
    assert str(path) in str(error.value)


def test_a_label_file_without_exist_flags_takes_them_from_the_boxes(tmp_path):
    path = tmp_path / 'IR_label.json'
    path.write_text('{"gt_rect": [[1, 2, 3, 4], [0, 0, 0, 0], []]}')
    boxes, exist = anti_uav.read_label_file(str(path))
    assert exist.tolist() == [True, False, False] and boxes.shape == (3, 4)
