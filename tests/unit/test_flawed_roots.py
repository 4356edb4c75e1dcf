"""The seven training sources and the three TIR benchmarks on roots with real download flaws (tests/flawed_roots.py):
what is used, what is skipped and why, what is fatal with strict=True."""
import os
import warnings

import numpy as np
import pytest

from ltr_cmd.data import rgbt_sources
from ltr_cmd.data.dataset_files import read_boxes
from ltr_cmd.data.image_io import ImageReadError, read_rgb
from pytracking_cmd.evaluation import tir_benchmarks
from tests import flawed_roots


@pytest.mark.parametrize('name', sorted(flawed_roots.SOURCES))
def test_a_flawed_root_keeps_every_usable_sequence_and_names_each_skipped_one_with_its_reason(tmp_path, name):
    root, expected = flawed_roots.SOURCES[name](tmp_path / name)
    source = rgbt_sources.make_source(name, str(root), strict=False)
    assert {s.name: len(s) for s in source.sequences} == expected['used']
    reasons = {s.name: s.reason for s in source.skipped}
    assert set(reasons) == set(expected['skipped'])
    for sequence, words in expected['skipped'].items():
        assert words in reasons[sequence], (sequence, reasons[sequence])
    for sequence in source.sequences:  # paired by index or stem, never by position
        for rgb, tir in zip(sequence.rgb_frames, sequence.tir_frames):
            if not sequence.side_by_side:
                key = rgbt_sources.frame_index_from_name if name != 'generic' else None
                if key:
                    assert key(rgb.rsplit('/', 1)[1]) == key(tir.rsplit('/', 1)[1])
                else:
                    assert rgb.rsplit('/', 1)[1].split('.')[0] == tir.rsplit('/', 1)[1].split('.')[0]
    problems = source.verify(raise_on_error=False)['problems']
    assert sorted(problems) == sorted(p for p in problems if any(str(f) in p for f in expected['unusable']))
    assert len(problems) == len(expected['unusable'])


@pytest.mark.parametrize('name', sorted(flawed_roots.SOURCES))
def test_strict_makes_the_first_flaw_fatal(tmp_path, name):
    root, expected = flawed_roots.SOURCES[name](tmp_path / name)
    fatal = [s for s, words in expected['skipped'].items() if words not in ('no image files',)
             and not words.startswith('no visible/')]
    if not fatal:  # folders that are not sequences are never fatal
        source = rgbt_sources.make_source(name, str(root), strict=True)
        assert {s.name for s in source.skipped} == set(expected['skipped'])
        return
    with pytest.raises(rgbt_sources.SourceError):
        rgbt_sources.make_source(name, str(root), strict=True)


def test_truncated_and_empty_jpegs_are_read_errors_naming_the_file(tmp_path):
    flawed_roots.truncated(tmp_path / 'cut.jpg')
    with pytest.raises(ImageReadError, match='truncated JPEG file .*cut.jpg'):
        read_rgb(tmp_path / 'cut.jpg')
    flawed_roots.zero_bytes(tmp_path / 'empty.jpg')
    with pytest.raises(ImageReadError, match='0 bytes.*empty.jpg'):
        read_rgb(tmp_path / 'empty.jpg')


def test_a_box_file_header_is_skipped_and_a_blank_line_inside_is_an_error_naming_the_line(tmp_path):
    path = tmp_path / 'gt.txt'
    path.write_text('x,y,w,h\n1\t2\t3\t4\n5 6 7 8\n\n')
    np.testing.assert_array_equal(read_boxes(str(path)), [[1, 2, 3, 4], [5, 6, 7, 8]])
    path.write_text('1,2,3,4\n\n5,6,7,8\n')
    with pytest.raises(ValueError, match='gt.txt:2: empty line'):
        read_boxes(str(path))


@pytest.mark.parametrize('name', sorted(flawed_roots.BENCHMARKS))
def test_flawed_benchmark_layouts_load_every_sequence(tmp_path, name):
    root, expected = flawed_roots.BENCHMARKS[name](tmp_path / name)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', tir_benchmarks.BenchmarkWarning)  # a partial download: 2 of 120 sequences
        sequences = tir_benchmarks.load_benchmark(name, str(root))
    assert [s.name for s in sequences] == expected['used']
    for sequence in sequences:
        assert len(sequence.frames) == len(sequence.ground_truth)
        assert not any('/._' in f or f.endswith('Thumbs.db') for f in sequence.frames)


def _evaluate(root, results, definition='toolkit'):
    from pytracking_cmd import cli
    return cli.main(['evaluate', '--dataset', 'lsotb_tir', '--root', str(root), '--results-path', str(results),
                     '--tracker', 'dimp', 'p', '--definition', definition, '--out', str(results / 'report')])


def _write_results(folder, rows_by_sequence):
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in rows_by_sequence.items():
        (folder / (name + '.txt')).write_text(''.join('\t'.join(str(v) for v in row) + '\n' for row in rows))


@pytest.fixture
def lsotb(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        return flawed_roots.lsotb_tir(tmp_path / 'lsotb')[0]


GOOD = [[2, 2, 8, 6], [3, 2, 8, 6], [4, 2, 8, 6], [5, 2, 8, 6]]


def test_evaluate_names_missing_and_short_result_files_and_what_to_run(tmp_path, lsotb, capsys):
    results = tmp_path / 'results'
    _write_results(results / 'dimp' / 'p', {'bird_H_001': GOOD})
    assert _evaluate(lsotb, results) == 2
    err = capsys.readouterr().err
    assert str(results / 'dimp' / 'p' / 'airplane_H_001.txt') in err
    assert 'run_tracker.py dimp p --dataset_name lsotb_tir' in err
    _write_results(results / 'dimp' / 'p', {'airplane_H_001': GOOD[:2]})  # a run stopped after two frames
    assert _evaluate(lsotb, results) == 2
    err = capsys.readouterr().err
    assert '{} (2 boxes, the sequence has 4 frames)'.format(results / 'dimp' / 'p' / 'airplane_H_001.txt') in err
    assert 'run_tracker.py dimp p --dataset_name lsotb_tir --sequence NAME' in err


def test_nan_results_take_the_previous_box_under_the_toolkit_rules_and_are_named_under_pytrackings(tmp_path, lsotb,
                                                                                                capsys):
    results = tmp_path / 'results'
    _write_results(results / 'dimp' / 'p', {'bird_H_001': GOOD, 'airplane_H_001': GOOD[:2] + [['nan'] * 4] + GOOD[3:]})
    assert _evaluate(lsotb, results) == 0
    assert _evaluate(lsotb, results, 'pytracking') == 2
    err = capsys.readouterr().err
    assert "sequence 'airplane_H_001', frame 3 (1-based): the predicted box contains NaN" in err
    assert str(results / 'dimp' / 'p') in err


def _listing(source):
    return ({s.name: list(zip(s.rgb_frames, s.tir_frames)) for s in source.sequences},
            {s.name: s.reason for s in source.skipped})


@pytest.mark.parametrize('name', sorted(flawed_roots.SOURCES))
def test_the_source_index_gives_what_walking_gives_and_is_read_again_only_where_a_folder_changed(tmp_path, name):
    root, expected = flawed_roots.SOURCES[name](tmp_path / name)
    walked = rgbt_sources.make_source(name, str(root), strict=False)
    first = rgbt_sources.make_source(name, str(root), strict=False, index_dir=str(tmp_path / 'index'))
    again = rgbt_sources.make_source(name, str(root), strict=False, index_dir=str(tmp_path / 'index'))
    assert _listing(first) == _listing(walked) == _listing(again)
    assert first.index.reread > 0 and (again.index.reread == 0 or name == 'generic')  # generic: its own list.txt
    if name == 'generic':
        return
    # a frame copied in later changes its folder: that sequence alone is read again
    changed = next(s for s in walked.sequences if not s.side_by_side) if name != 'side_by_side' else walked.sequences[0]
    extra = os.path.join(os.path.dirname(changed.rgb_frames[0]), 'zz_stray.txt')
    with open(extra, 'w') as f:
        f.write('not a frame')
    later = rgbt_sources.make_source(name, str(root), strict=False, index_dir=str(tmp_path / 'index'))
    assert later.index.reread == 1 and _listing(later) == _listing(walked)


def test_strict_raises_a_flaw_found_in_the_index_as_when_walking(tmp_path):
    root, _ = flawed_roots.lasher(tmp_path / 'lasher')
    rgbt_sources.make_source('lasher', str(root), strict=False, index_dir=str(tmp_path / 'index'))
    with pytest.raises(rgbt_sources.SourceError) as walked:
        rgbt_sources.make_source('lasher', str(root), strict=True)
    with pytest.raises(rgbt_sources.SourceError) as indexed:
        rgbt_sources.make_source('lasher', str(root), strict=True, index_dir=str(tmp_path / 'index'))
    assert str(indexed.value) == str(walked.value)


def test_a_damaged_index_file_is_named_and_the_folders_are_walked_again(tmp_path, caplog):
    root, _ = flawed_roots.lasher(tmp_path / 'lasher')
    first = rgbt_sources.make_source('lasher', str(root), strict=False, index_dir=str(tmp_path / 'index'))
    with open(first.index.path, 'wb') as f:
        f.write(b'PK\x03\x04 cut')  # a full disk while it was written by another tool
    again = rgbt_sources.make_source('lasher', str(root), strict=False, index_dir=str(tmp_path / 'index'))
    assert _listing(again) == _listing(first) and again.index.reread == first.index.reread
    assert 'source index {} not used'.format(first.index.path) in caplog.text
