"""ltr_cmd.data.rgbt_sources: every layout on a tiny generated tree, and every pairing error."""
import logging
import os

import cv2
import numpy as np
import pytest

from ltr_cmd.data import rgbt_sources
from ltr_cmd.errors import UserError
from ltr_cmd.data.rgbt_sources import (ROOT_ATTRIBUTES, SOURCES, GenericPairsSource, GTOTSource, KAISTSource,
                                       LasHeRSource, PairedSequence, RGBT210Source, RGBT234Source, SideBySideSource,
                                       check_pair_sizes, make_source, register_source,
                                       write_generic_index)

W, H = 32, 24


def _img(value=0, size=(W, H), channels=3, dtype=np.uint8):
    shape = (size[1], size[0]) if channels == 1 else (size[1], size[0], channels)
    return np.full(shape, value, dtype=dtype)


def _write(path, image=None):
    os.makedirs(os.path.dirname(str(path)), exist_ok=True)
    assert cv2.imwrite(str(path), _img() if image is None else image)
    return str(path)


def _lines(path, lines):
    os.makedirs(os.path.dirname(str(path)), exist_ok=True)
    with open(str(path), 'w') as f:
        f.write('\n'.join(lines) + '\n')
    return str(path)


def _two_folder_seq(root, seq, rgb_names, tir_names, rgb_folder='visible', tir_folder='infrared', gt=None):
    seq_dir = os.path.join(str(root), seq)
    for k, n in enumerate(rgb_names):
        _write(os.path.join(seq_dir, rgb_folder, n), _img(10 + k))
    for k, n in enumerate(tir_names):
        _write(os.path.join(seq_dir, tir_folder, n), _img(100 + k, channels=1))
    if gt is not None:
        name, rows = gt
        _lines(os.path.join(seq_dir, name), rows)
    return seq_dir


def _lasher_seq(root, seq, n=3, gt=True):
    return _two_folder_seq(root, seq, ['v{:03d}.jpg'.format(i) for i in range(n)],
                           ['i{:03d}.jpg'.format(i) for i in range(n)],
                           gt=('init.txt', ['{},{},5,6'.format(i, i + 1) for i in range(n)]) if gt else None)


def _b(path):
    return os.path.basename(path)


# -- LasHeR ---------------------------------------------------------------------------------------

def test_lasher_reads_pairs(tmp_path):
    _lasher_seq(tmp_path, 'seqB')
    _lasher_seq(tmp_path, 'seqA')
    src = LasHeRSource(str(tmp_path))
    assert src.sequence_names == ['seqA', 'seqB']
    seq = src.get_sequence('seqA')
    assert len(seq) == 3 and seq.source == 'lasher' and not seq.side_by_side
    assert [_b(p) for p in seq.rgb_frames] == ['v000.jpg', 'v001.jpg', 'v002.jpg']
    assert [_b(p) for p in seq.tir_frames] == ['i000.jpg', 'i001.jpg', 'i002.jpg']
    assert seq.frame_paths(1) == {'rgb': seq.rgb_frames[1], 'tir': seq.tir_frames[1]}
    pair = src.read_pair('seqA', 2)
    assert set(pair) == {'rgb', 'tir'}
    assert pair['rgb'].shape == (H, W, 3) and pair['tir'].shape == (H, W, 3)
    assert abs(int(pair['tir'][0, 0, 0]) - 102) <= 2        # one-channel jpg, replicated; jpeg is lossy
    assert src.skipped == []
    with pytest.raises(IndexError, match='seqA'):
        seq.frame_paths(3)


def test_pairs_by_index_not_by_sort_position(tmp_path):
    # Sorted as strings the rgb names would be v1, v10, v2; pairing must follow the index.
    _two_folder_seq(tmp_path, 's', ['v1.jpg', 'v2.jpg', 'v10.jpg'], ['i01.jpg', 'i02.jpg', 'i10.jpg'])
    seq = LasHeRSource(str(tmp_path))[0]
    assert [(_b(r), _b(t)) for r, t in zip(seq.rgb_frames, seq.tir_frames)] == \
        [('v1.jpg', 'i01.jpg'), ('v2.jpg', 'i02.jpg'), ('v10.jpg', 'i10.jpg')]


def test_missing_frame_in_one_modality_names_file_and_counts(tmp_path):
    seq_dir = _lasher_seq(tmp_path, 'seqA', n=4)
    os.remove(os.path.join(seq_dir, 'infrared', 'i002.jpg'))
    with pytest.raises(ValueError) as e:
        LasHeRSource(str(tmp_path))
    msg = str(e.value)
    assert isinstance(e.value, UserError)  # pytracking-cmd reports it as bad input
    assert seq_dir in msg
    assert '4 rgb frames but 3 tir frames' in msg
    assert os.path.join(seq_dir, 'visible', 'v002.jpg') in msg


def test_same_count_but_different_indices_names_both_files(tmp_path):
    seq_dir = _two_folder_seq(tmp_path, 's', ['v000.jpg', 'v001.jpg'], ['i000.jpg', 'i002.jpg'])
    with pytest.raises(ValueError) as e:
        LasHeRSource(str(tmp_path))
    assert os.path.join(seq_dir, 'visible', 'v001.jpg') in str(e.value)
    assert os.path.join(seq_dir, 'infrared', 'i002.jpg') in str(e.value)


def test_duplicate_index_is_an_error(tmp_path):
    _two_folder_seq(tmp_path, 's', ['v1.jpg', 'v001.jpg'], ['i000.jpg', 'i001.jpg'])
    with pytest.raises(ValueError) as e:
        LasHeRSource(str(tmp_path))
    assert 'v1.jpg' in str(e.value) and 'v001.jpg' in str(e.value)


def test_name_without_index_is_an_error(tmp_path):
    _two_folder_seq(tmp_path, 's', ['v000.jpg', 'cover.jpg'], ['i000.jpg', 'i001.jpg'])
    with pytest.raises(ValueError, match='cover.jpg'):
        LasHeRSource(str(tmp_path))


def test_missing_modality_folder_is_a_count_mismatch(tmp_path):
    seq_dir = _two_folder_seq(tmp_path, 's', ['v000.jpg', 'v001.jpg'], [])
    with pytest.raises(ValueError) as e:
        LasHeRSource(str(tmp_path))
    assert seq_dir in str(e.value) and '2 rgb frames but 0 tir frames' in str(e.value)


def test_non_strict_skips_broken_sequence_and_reports(tmp_path, caplog):
    _lasher_seq(tmp_path, 'good')
    bad = _lasher_seq(tmp_path, 'bad')
    os.remove(os.path.join(bad, 'visible', 'v001.jpg'))
    with caplog.at_level(logging.WARNING, logger=rgbt_sources.__name__):
        src = LasHeRSource(str(tmp_path), strict=False)
    assert src.sequence_names == ['good']
    assert src.num_skipped == 1 and src.skipped[0].name == 'bad'
    assert 'i001.jpg' in src.skipped[0].reason
    assert 'skipped 1 of 2' in caplog.text


def test_short_sequences_are_skipped_with_count_and_reason(tmp_path, caplog):
    _lasher_seq(tmp_path, 'long', n=3)
    _lasher_seq(tmp_path, 'short', n=2)
    os.makedirs(os.path.join(str(tmp_path), 'notes'))     # not a sequence folder
    with caplog.at_level(logging.WARNING, logger=rgbt_sources.__name__):
        src = LasHeRSource(str(tmp_path), min_frames=3)
    assert src.sequence_names == ['long']
    reasons = {s.name: s.reason for s in src.skipped}
    assert reasons['short'] == '2 frame pairs, fewer than min_frames=3'
    assert 'no visible/ or infrared/ folder' in reasons['notes']
    assert src.summary()['skipped'] == 2 and src.summary()['frame_pairs'] == 3
    assert 'skipped 2 of 3' in caplog.text and 'short' in caplog.text


def test_all_sequences_skipped_is_an_error(tmp_path):
    _lasher_seq(tmp_path, 'short', n=2)
    with pytest.raises(ValueError) as e:
        LasHeRSource(str(tmp_path), min_frames=5)
    assert 'no usable sequences' in str(e.value) and 'fewer than min_frames=5' in str(e.value)


def test_size_mismatch_is_reported_on_read_and_by_verify(tmp_path):
    seq_dir = _lasher_seq(tmp_path, 'seqA', n=3)
    bad_tir = _write(os.path.join(seq_dir, 'infrared', 'i001.jpg'), _img(size=(40, 24), channels=1))
    src = LasHeRSource(str(tmp_path))     # sizes are not read at start
    src.read_pair(0, 0)
    with pytest.raises(ValueError) as e:
        src.read_pair(0, 1)
    msg = str(e.value)
    assert bad_tir in msg and os.path.join(seq_dir, 'visible', 'v001.jpg') in msg
    assert '(24, 32, 3)' in msg and '(24, 40, 3)' in msg
    with pytest.raises(ValueError, match='1 problem'):
        src.verify()
    report = src.verify(raise_on_error=False)
    assert report['pairs_checked'] == 3 and len(report['problems']) == 1 and bad_tir in report['problems'][0]
    assert src.verify(max_pairs_per_sequence=2, raise_on_error=False)['pairs_checked'] == 2


def test_check_pair_sizes_helper():
    check_pair_sizes(_img(), _img(channels=3), 'a.jpg', 'b.jpg')
    with pytest.raises(ValueError) as e:
        check_pair_sizes(_img(), _img(size=(W, H + 1)), 'a.jpg', 'b.jpg')
    assert 'a.jpg' in str(e.value) and 'b.jpg' in str(e.value) and '(25, 32, 3)' in str(e.value)


def test_lasher_split_list_files(tmp_path):
    _lasher_seq(tmp_path, 'seqA')
    _lasher_seq(tmp_path, 'seqB')
    _lasher_seq(os.path.join(str(tmp_path), 'testingset'), 'seqC')
    _lines(os.path.join(str(tmp_path), 'trainingsetList.txt'), ['seqB', ''])
    assert LasHeRSource(str(tmp_path), split='train').sequence_names == ['seqB']
    with pytest.raises(FileNotFoundError, match='testingsetList.txt'):
        LasHeRSource(str(tmp_path), split='test')
    _lines(os.path.join(str(tmp_path), 'testingsetList.txt'), ['seqC'])
    test = LasHeRSource(str(tmp_path), split='test')
    assert test.sequence_names == ['seqC'] and os.sep + 'testingset' + os.sep in test[0].path
    _lines(os.path.join(str(tmp_path), 'trainingsetList.txt'), ['seqB', 'seqZ'])
    with pytest.raises(ValueError, match='seqZ'):
        LasHeRSource(str(tmp_path), split='train')
    with pytest.raises(ValueError, match='unknown LasHeR split'):
        LasHeRSource(str(tmp_path), split='val')


def test_sequence_names_selects_and_orders(tmp_path):
    for s in ('a', 'b', 'c'):
        _lasher_seq(tmp_path, s)
    assert LasHeRSource(str(tmp_path), sequence_names=['c', 'a']).sequence_names == ['c', 'a']
    with pytest.raises(ValueError, match="'zz'"):
        LasHeRSource(str(tmp_path), sequence_names=['zz'])


# -- RGBT234 / RGBT210 / GTOT / KAIST -------------------------------------------------------------------

def test_rgbt234_pairs_by_index(tmp_path):
    names = ['{:05d}'.format(i) for i in (1, 2, 3)]
    _two_folder_seq(tmp_path, 'afterrain', [n + 'v.jpg' for n in names], [n + 'i.jpg' for n in names],
                    gt=('init.txt', ['1,1,4,4'] * 3))
    _lines(os.path.join(str(tmp_path), 'afterrain', 'infrared.txt'), ['2 2 4 4'] * 3)
    seq = RGBT234Source(str(tmp_path))[0]
    assert [(_b(r), _b(t)) for r, t in zip(seq.rgb_frames, seq.tir_frames)][0] == ('00001v.jpg', '00001i.jpg')


def test_rgbt210_missing_index(tmp_path):
    seq_dir = _two_folder_seq(tmp_path, 'baby', ['00001v.jpg', '00002v.jpg', '00003v.jpg'],
                              ['00001i.jpg', '00003i.jpg'])
    with pytest.raises(ValueError) as e:
        RGBT210Source(str(tmp_path))
    assert os.path.join(seq_dir, 'visible', '00002v.jpg') in str(e.value)
    assert '3 rgb frames but 2 tir frames' in str(e.value)


def test_gtot_layout(tmp_path):
    _two_folder_seq(tmp_path, 'BlackCar', ['00001v.png', '00002v.png'], ['00001i.png', '00002i.png'],
                    rgb_folder='v', tir_folder='i', gt=('groundTruth_i.txt', ['10 20 30 50', '0\t0\t4\t8']))
    _lines(os.path.join(str(tmp_path), 'BlackCar', 'groundTruth_v.txt'), ['11 21 31 51', '1 1 5 9'])
    seq = GTOTSource(str(tmp_path))[0]
    assert _b(seq.rgb_frames[1]) == '00002v.png' and _b(seq.tir_frames[1]) == '00002i.png'


def test_kaist_sets_and_split(tmp_path):
    for set_name in ('set00', 'set06'):
        _two_folder_seq(os.path.join(str(tmp_path), set_name), 'V000', ['I00000.jpg', 'I00001.jpg'],
                        ['I00000.jpg', 'I00001.jpg'], tir_folder='lwir')
    os.makedirs(os.path.join(str(tmp_path), 'annotations'))     # ignored: not a setXX folder
    assert KAISTSource(str(tmp_path)).sequence_names == ['set00/V000', 'set06/V000']
    train = KAISTSource(str(tmp_path), split='train')
    assert train.sequence_names == ['set00/V000']
    assert 'lwir' in train[0].tir_frames[0]
    assert KAISTSource(str(tmp_path), split='test').sequence_names == ['set06/V000']
    with pytest.raises(ValueError, match='unknown KAIST split'):
        KAISTSource(str(tmp_path), split='val')


def test_kaist_missing_lwir_frame_names_file(tmp_path):
    seq_dir = _two_folder_seq(os.path.join(str(tmp_path), 'set01'), 'V002', ['I00000.jpg', 'I00001.jpg'],
                              ['I00000.jpg'], tir_folder='lwir')
    with pytest.raises(ValueError) as e:
        KAISTSource(str(tmp_path))
    assert os.path.join(seq_dir, 'visible', 'I00001.jpg') in str(e.value)


# -- side by side ---------------------------------------------------------------------------------

def _sbs(value_rgb=(10, 20, 30), value_tir=99, width=2 * W):
    img = np.zeros((H, width, 3), dtype=np.uint8)
    img[:, :width // 2] = value_rgb
    img[:, width // 2:] = value_tir
    return img


def test_side_by_side_source(tmp_path):
    _write(tmp_path / 'seq1' / '0002.png', _sbs())
    _write(tmp_path / 'seq1' / '0001.png', _sbs())
    _write(tmp_path / 'loose.png', _sbs())
    os.makedirs(str(tmp_path / 'empty'))
    src = SideBySideSource(str(tmp_path))
    assert src.sequence_names == ['.', 'seq1']
    seq = src.get_sequence('seq1')
    assert seq.side_by_side and seq.rgb_frames == seq.tir_frames
    assert [_b(p) for p in seq.rgb_frames] == ['0001.png', '0002.png']
    pair = src.read_pair(seq, 0)
    assert pair['rgb'].shape == (H, W, 3) and pair['tir'].shape == (H, W, 3)
    assert tuple(pair['rgb'][0, 0]) == (30, 20, 10) and tuple(pair['tir'][0, 0]) == (99, 99, 99)
    assert [s.name for s in src.skipped] == ['empty']


def test_side_by_side_odd_width_fails_on_read(tmp_path):
    bad = _write(tmp_path / 'seq1' / '0001.png', _sbs(width=2 * W + 1))
    src = SideBySideSource(str(tmp_path))
    with pytest.raises(ValueError) as e:
        src.read_pair(0, 0)
    assert bad in str(e.value)


# -- generic layout -------------------------------------------------------------------------------

def _generic_seq(root, seq, stems=('000', '001', '002'), tir_ext='.png', tir_image=None):
    for k, s in enumerate(stems):
        _write(os.path.join(str(root), seq, 'rgb', s + '.jpg'), _img(10 + k))
        tir = _img(0, channels=1) if tir_image is None else tir_image
        _write(os.path.join(str(root), seq, 'tir', s + tir_ext), tir)
    return os.path.join(str(root), seq)


def test_generic_pairs_by_stem_with_16bit_thermal(tmp_path):
    t16 = np.full((H, W), 2000, dtype=np.uint16)
    t16[0, 0], t16[0, 1], t16[0, 2] = 1000, 3000, 1500
    seq_dir = _generic_seq(tmp_path, 'walk', stems=('f10', 'f2', 'f1'), tir_image=t16)
    _lines(os.path.join(seq_dir, 'groundtruth.txt'), ['1,2,3,4'] * 3)
    src = GenericPairsSource(str(tmp_path))
    seq = src[0]
    assert [_b(p) for p in seq.rgb_frames] == ['f1.jpg', 'f2.jpg', 'f10.jpg']
    assert [_b(p) for p in seq.tir_frames] == ['f1.png', 'f2.png', 'f10.png']
    tir = src.read_pair(0, 0)['tir']
    assert tir[0, 0].tolist() == [0, 0, 0] and tir[0, 1].tolist() == [255] * 3 and tir[0, 2, 0] == 64
    fixed = GenericPairsSource(str(tmp_path), thermal_scaling='fixed', thermal_range=(0, 4000))
    assert fixed.read_pair(0, 0)['tir'][0, 0, 0] == 64       # 1000*255/4000 = 63.75
    with pytest.raises(ValueError, match='thermal_range'):
        GenericPairsSource(str(tmp_path), thermal_scaling='fixed')


def test_generic_stem_mismatch_names_files(tmp_path):
    seq_dir = _generic_seq(tmp_path, 'walk', stems=('a', 'b'))
    os.rename(os.path.join(seq_dir, 'tir', 'b.png'), os.path.join(seq_dir, 'tir', 'c.png'))
    with pytest.raises(ValueError) as e:
        GenericPairsSource(str(tmp_path))
    assert os.path.join(seq_dir, 'rgb', 'b.jpg') in str(e.value)
    assert os.path.join(seq_dir, 'tir', 'c.png') in str(e.value)


def test_generic_index_is_used_instead_of_walking(tmp_path):
    _generic_seq(tmp_path, 'walk')
    _generic_seq(tmp_path, 'run', stems=('7', '8'))
    path = write_generic_index(str(tmp_path))
    assert path == os.path.join(str(tmp_path), 'list.txt')
    with open(path) as f:
        assert f.readline().strip() == 'run,run/rgb/7.jpg,run/tir/7.png'
    with pytest.raises(FileExistsError):
        write_generic_index(str(tmp_path))
    # A sequence added after the index was written is not seen while the index exists.
    _generic_seq(tmp_path, 'zzz')
    src = GenericPairsSource(str(tmp_path))
    assert src.sequence_names == ['run', 'walk']
    assert _b(src.get_sequence('walk').tir_frames[2]) == '002.png'
    assert src.read_pair('run', 1)['rgb'].shape == (H, W, 3)
    assert GenericPairsSource(str(tmp_path), use_index=False).sequence_names == ['run', 'walk', 'zzz']


def test_generic_index_sequence_names_only_and_errors(tmp_path):
    _generic_seq(tmp_path, 'walk')
    _generic_seq(tmp_path, 'run')
    index = _lines(tmp_path / 'list.txt', ['# my sequences', 'walk', ''])
    assert GenericPairsSource(str(tmp_path)).sequence_names == ['walk']
    _lines(index, ['walk', 'run,run/rgb/000.jpg'])
    with pytest.raises(ValueError, match='list.txt:2'):
        GenericPairsSource(str(tmp_path))
    _lines(index, ['run,run/rgb/000.jpg,run/tir/001.png'])
    with pytest.raises(ValueError, match='list.txt:1.*different file stems'):
        GenericPairsSource(str(tmp_path))
    _lines(index, ['nothere'])
    with pytest.raises(ValueError, match='nothere'):
        GenericPairsSource(str(tmp_path))


def test_generic_index_missing_file_fails_on_read(tmp_path):
    _generic_seq(tmp_path, 'walk')
    _lines(tmp_path / 'list.txt', ['walk,walk/rgb/000.jpg,walk/tir/000.png',
                                   'walk,walk/rgb/009.jpg,walk/tir/009.png'])
    src = GenericPairsSource(str(tmp_path))
    assert len(src[0]) == 2
    with pytest.raises(FileNotFoundError, match='009.jpg'):
        src.read_pair(0, 1)


# -- roots, emptiness, registry -------------------------------------------------------------------

@pytest.mark.parametrize('name', sorted(ROOT_ATTRIBUTES))
def test_missing_root_names_path_and_local_attribute(tmp_path, name):
    missing = os.path.join(str(tmp_path), 'does_not_exist')
    with pytest.raises(FileNotFoundError) as e:
        make_source(name, missing)
    assert missing in str(e.value) and ROOT_ATTRIBUTES[name] in str(e.value)
    assert isinstance(e.value, UserError)
    with pytest.raises(ValueError, match=ROOT_ATTRIBUTES[name]) as e:
        make_source(name, None)
    assert isinstance(e.value, UserError)


@pytest.mark.parametrize('name', sorted(ROOT_ATTRIBUTES))
def test_empty_root_is_an_error(tmp_path, name):
    with pytest.raises(ValueError) as e:
        make_source(name, str(tmp_path))
    assert 'no usable sequences' in str(e.value) and str(tmp_path) in str(e.value)


def test_registry_names_and_attributes():
    assert set(SOURCES) == {'lasher', 'rgbt234', 'rgbt210', 'gtot', 'kaist', 'side_by_side', 'generic'}
    assert ROOT_ATTRIBUTES == {'lasher': 'lasher_dir', 'rgbt234': 'rgbt234_dir', 'rgbt210': 'rgbt210_dir',
                               'gtot': 'gtot_dir', 'kaist': 'kaist_dir', 'side_by_side': 'sbs_rgbt_dir',
                               'generic': 'rgbt_pairs_dir'}
    assert all(SOURCES[n].source_name == n for n in SOURCES)


def test_make_source_builds_and_rejects_unknown(tmp_path):
    _lasher_seq(tmp_path, 's')
    src = make_source('lasher', str(tmp_path), min_frames=2)
    assert isinstance(src, LasHeRSource) and src.name == 'lasher' and len(src) == 1
    with pytest.raises(ValueError) as e:
        make_source('vot', str(tmp_path))
    assert "'vot'" in str(e.value) and 'lasher' in str(e.value) and 'side_by_side' in str(e.value)


def test_register_source_twice_names_first_registration():
    with pytest.raises(ValueError, match='rgbt_sources.LasHeRSource'):
        register_source('lasher', RGBT234Source)


# -- records and box parsing ----------------------------------------------------------------------

def test_paired_sequence_needs_equal_frame_counts():
    assert len(PairedSequence('s', ['a.jpg', 'b.jpg'], ['a.png', 'b.png'], source='demo')) == 2
    with pytest.raises(ValueError, match='2 rgb frames but 1 tir frames'):
        PairedSequence('s', ['a.jpg', 'b.jpg'], ['a.png'])


def test_data_layer_imports_neither_ltr_nor_pytracking():
    import subprocess
    import sys
    import ltr_cmd
    repo = os.path.dirname(os.path.dirname(os.path.abspath(ltr_cmd.__file__)))
    code = ('import sys; sys.path.insert(0, {!r}); '
            'import ltr_cmd.data.image_io, ltr_cmd.data.rgbt_sources, ltr_cmd.data.pseudo_boxes; '
            'print(sorted(m for m in sys.modules if m.split(".")[0] in ("ltr", "pytracking")))').format(repo)
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == '[]'
