"""The toolkits' sequence lists (toolkit_lists) and the benchmarks read through them.

The fixtures are excerpts of the real list files, line for line (spacing, CRLF or LF, comment
patterns; struct(...) entries are abbreviated as <name> and expanded to the toolkit's text):
LSOTB-TIR's configSeqs.m (LF) and configSeqs_100.m (CRLF), github QiaoLiuHit/LSOTB-TIR, and
PTB-TIR's configSeqs.m, github QiaoLiuHit/PTB-TIR_Evaluation_toolkit. The expected orders are those
GNU Octave gives when it runs the full files. The real lists: tests/data/toolkit_sequences.json records
every sequence name of the real files in file order, with the repository, commit and blob they were read from;
the tests at the end write each real file's structure around them and check every split's count and order (no
download, never skipped). test_the_real_toolkit_files reads the complete files from a toolkit checkout named by
$LSOTB_TIR_TOOLKIT / $PTB_TIR_TOOLKIT (skipped without them; for local runs) and, when a file is the recorded
version, compares it with the record.
"""
import hashlib
import json
import os
import re
import types
import warnings

import pytest

from pytracking_cmd.evaluation import report, tir_benchmarks, toolkit_lists
from pytracking_cmd.evaluation.tir_benchmarks import BenchmarkMissingError, BenchmarkWarning, load_benchmark
from pytracking_cmd.evaluation.toolkit_lists import LISTS, ToolkitListError, read_list_file, read_matlab_lists

DOCS = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), 'docs')

CONFIG_SEQS_120 = """function seqs=configSeqs

%HandHeld subset 35
TIR_H={<airplane_H_001>,...
       <airplane_H_002>,...
       <leopard_H_001>,...
     }; 
%Drone subset 25
TIR_D={<car_D_002>,...
       <cat_D_001>,...
       };
%Surveillance subset 40
TIR_S={<boy_S_001>,...
       <head_S_001>,...
};
%Vehicle-mounted subset 20
TIR_V={<bus_V_001>,...
       <bus_V_002>,...
      };
  
seqs=[TIR_V TIR_D TIR_H TIR_S]; %120


"""
ORDER_120 = ['bus_V_001', 'bus_V_002', 'car_D_002', 'cat_D_001', 'airplane_H_001', 'airplane_H_002',
             'leopard_H_001', 'boy_S_001', 'head_S_001']

CONFIG_SEQS_100 = """function seqs=configSeqs

%HandHeld subset 34
TIR_H={<airplane_H_001>,...
       <head_H_002>,...
     }; 
     %<woman_H_001>,...
    %   <person_H_001>,...  
    % <person_H_009>,...
    
%Drone subset 25 -3 
TIR_D={<car_D_002>,...
       <cat_D_001>,...
       };
    %   <boat_D_001>,...
      
%Surveillance subset 32
TIR_S={<boy_S_001>,...
       <hand_S_001>,...
};  
% <car_S_002>,...
 %  <crowd_S_002>,...
       %<face_S_001>,...

%Vehicle-mounted subset 12
TIR_V={<bus_V_002>,...
       <person_V_002>,...
      };
   %<bus_V_001>,...
  
% new added long-term tracking sequences
New_seq_LT={<aircraft_car>,...
        <badminton>,...
        <soccer>,...
};

seqs_ori=[TIR_V TIR_D TIR_H TIR_S]; %100
seqs =[New_seq_LT ]; 

"""
ORDER_ST100 = ['bus_V_002', 'person_V_002', 'car_D_002', 'cat_D_001', 'airplane_H_001', 'head_H_002', 'boy_S_001',
               'hand_S_001']
ORDER_LT11 = ['aircraft_car', 'badminton', 'soccer']
LT11 = ['aircraft_car', 'badminton', 'car01', 'car02', 'car03', 'cooled_person', 'fighting_deer', 'fox', 'helicopter',
        'road_person', 'soccer']

CONFIG_SEQS_PTB = """function seqs=configSeqs

TIRPedestrain={<airplane>,...
    <birds>,...
    <meetion3>,... 
    <campus1>,...
    };
 
seqs=[TIRPedestrain]; %60


"""


def _matlab(template, path='sequences/{}/img/', nz=4):
    """The template with each <name> replaced by the toolkit's struct(...) of that sequence."""
    return re.sub(r'<(\w+)>', lambda m: "struct('name','{0}','path','{1}','startFrame',1,'endFrame',3,'nz',{2},"
                                        "'ext','jpg','init_rect', [0,0,0,0])".format(m.group(1),
                                                                                   path.format(m.group(1)), nz),
                  template)


def _write(path, text, crlf=False):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w', newline='\r\n' if crlf else '\n') as fh:
        fh.write(text)
    return path


def _lsotb_toolkit(tmp_path, names, frames=3):
    """The LSOTB-TIR toolkit layout: <tk>/sequences/<seq>/img/0001.jpg, <tk>/anno/<seq>.txt."""
    tk = str(tmp_path / 'LSOTB-TIR')
    for name in names:
        for i in range(1, frames + 1):
            _write(os.path.join(tk, 'sequences', name, 'img', '{:04d}.jpg'.format(i)), '')
        _write(os.path.join(tk, 'anno', name + '.txt'), ''.join('{},{},10,10\n'.format(i, i) for i in range(frames)))
    return tk


def _names(path, variable='seqs'):
    return [name for name, _ in read_list_file(str(path), variable)]


# ------------------------------------------------------------------------------- the MATLAB files

def test_the_120_list_is_the_returned_concatenation_in_its_order(tmp_path):
    path = _write(str(tmp_path / 'configSeqs.m'), _matlab(CONFIG_SEQS_120))
    output, variables = read_matlab_lists(path)
    assert output == 'seqs' and list(variables) == ['TIR_H', 'TIR_D', 'TIR_S', 'TIR_V', 'seqs']
    assert _names(path) == ORDER_120                       # V, D, H, S: not the file's order
    assert dict(read_list_file(path))['cat_D_001'] == path + ':10'


def test_the_tnnls_file_returns_lt11_and_holds_st100_in_seqs_ori(tmp_path):
    path = _write(str(tmp_path / 'configSeqs_100.m'), _matlab(CONFIG_SEQS_100), crlf=True)
    assert b'\r\n' in open(path, 'rb').read()
    output, variables = read_matlab_lists(path)
    assert output == 'seqs' and variables['New_seq_LT'] == [('aircraft_car', 32), ('badminton', 33), ('soccer', 34)]
    assert _names(path, LISTS['lsotb_tir_st100'].variable) == ORDER_ST100
    assert _names(path, LISTS['lsotb_tir_lt11'].variable) == ORDER_LT11
    commented = {'woman_H_001', 'person_H_001', 'person_H_009', 'boat_D_001', 'car_S_002', 'crowd_S_002',
                 'face_S_001', 'bus_V_001'}
    assert not commented & {name for entries in variables.values() for name, _ in entries}


def test_the_ptb_tir_file_with_backslash_paths(tmp_path):
    path = _write(str(tmp_path / 'configSeqs.m'), _matlab(CONFIG_SEQS_PTB, path='tirsequences\\{}\\img\\', nz=8))
    assert "'tirsequences\\airplane\\img\\'" in open(path).read()
    assert _names(path) == ['airplane', 'birds', 'meetion3', 'campus1']


def test_comments_inside_braces_quotes_and_block_comments(tmp_path):
    # A whole-line % comment between entries is skipped (GNU Octave; MATLAB's documented form is the
    # ... line); % inside quotes is text; '' is a quote; %{ %} lines are a block comment.
    text = ("function out = configSeqs()\n"
            "%{\nA={struct('name','in_block')};\n%}\n"
            "A={struct('name','a_H_001','path','50%/img/'),...\n"
            "   % struct('name','b_H_001'),...\n"
            "   ... struct('name','c_H_001'),...\n"
            "   struct('name','it''s_H_001'), struct('name', 'd_H_001') ...  trailing words\n"
            "   };  % done\n"
            "out = [A];\n"
            "end\n")
    path = _write(str(tmp_path / 'configSeqs.m'), text)
    assert _names(path, 'out') == ['a_H_001', "it's_H_001", 'd_H_001']


BROKEN = [
    # (file text, line named, message)
    ('', None, 'no statements'),
    ("A={struct('name','a')};\nseqs=[A];\n", 1, 'function line'),
    ("function seqs=configSeqs\nA={struct('name','a'),...\n   struct('name','b')};\nseqs=[A B];\n", 4,
     'uses B, which is not assigned before it'),
    ("function seqs=configSeqs\nA={struct('name','a'),...\n   struct('name','b'),...\n", 2, 'not closed with }'),
    ("function seqs=configSeqs\nA={struct('name','a'),...\n   struct('path','p/')};\nseqs=[A];\n", 3,
     "without a 'name' field"),
    ("function seqs=configSeqs\nA={struct('name','a'),...\n   struct('name','a')};\nseqs=[A];\n", 3, 'listed twice'),
    ("function seqs=configSeqs\nA={struct('name','a'),\n   struct('name','b')};\nseqs=[A];\n", 3,
     'second row here'),
    ("function seqs=configSeqs\nA={struct('name','a')};\nseqs=[A;A];\n", 3, 'second row here'),
    ("function seqs=configSeqs\nA={struct('name','a')};\nB=[A];\n", None, 'returns seqs, which it never assigns'),
    ("function seqs=configSeqs\nA={struct('name','a)};\nseqs=[A];\n", 2, 'does not close on its line'),
    ("function seqs=configSeqs\nA={struct('name',{'a','b'})};\nseqs=[A];\n", 2, 'struct array'),
    ("function seqs=configSeqs\nA={struct('name',name_var)};\nseqs=[A];\n", 2, 'one quoted sequence name'),
    ("function seqs=configSeqs\nA={struct('name','a','name','b')};\nseqs=[A];\n", 2, 'twice'),
    ("function seqs=configSeqs\nA={struct('name','a')};\ndisp('x')\nseqs=[A];\n", 3, 'only assignments'),
    ("function seqs=configSeqs\nA={struct('name','a')};\n42\nseqs=[A];\n", 3,
     'expected an assignment VAR={struct(...),...} or VAR=[A B ...]'),
    ("function seqs=configSeqs\nA={struct('name','a')};\nseqs=A;\n", 3, 'expected a cell array'),
    ("function seqs=configSeqs\n%{\nA={struct('name','a')};\nseqs=[A];\n", None, 'block comment is not closed'),
    ("function seqs=configSeqs\nseqs={};\n", None, 'names no sequence in seqs'),
]


@pytest.mark.parametrize('text, line, message', BROKEN)
def test_a_file_not_in_the_toolkits_structure_is_an_error_naming_file_and_line(tmp_path, text, line, message):
    path = _write(str(tmp_path / 'configSeqs.m'), text)
    with pytest.raises(ToolkitListError, match=re.escape(message)) as error:
        read_list_file(path)
    assert str(error.value).startswith(path + (':{}:'.format(line) if line else ':'))


def test_a_file_without_the_split_variable_names_what_it_has(tmp_path):
    path = _write(str(tmp_path / 'configSeqs_100.m'), _matlab(CONFIG_SEQS_120))     # the 120 file, renamed
    with pytest.raises(ToolkitListError, match=re.escape(path + ': no variable seqs_ori (it assigns TIR_H, TIR_D, '
                                                                'TIR_S, TIR_V, seqs; the function returns seqs)')):
        read_list_file(path, 'seqs_ori')


# ------------------------------------------------------------------------------- JSON lists

@pytest.mark.parametrize('content', [['a_H_001', 'b_S_002'],
                                     {'a_H_001': {'video_dir': 'a_H_001', 'init_rect': [1, 2, 3, 4]}, 'b_S_002': {}}])
def test_json_lists_as_names_or_pysot_objects(tmp_path, content):
    path = _write(str(tmp_path / 'LSOTB-TIR-ST100.json'), json.dumps(content))
    assert read_list_file(path) == [('a_H_001', path + ': entry 1'), ('b_S_002', path + ': entry 2')]


@pytest.mark.parametrize('text, message', [('', 'not valid JSON'), ('{"a": 1', 'not valid JSON'),
                                           ('{"a": {}, "a": {}}', 'key(s) a appear twice'),
                                           ('[1, 2]', 'expected a JSON list of sequence names'),
                                           ('[]', 'names no sequence'),
                                           ('["a", "a"]', "sequence 'a' is listed twice")])
def test_broken_json_lists_are_named(tmp_path, text, message):
    path = _write(str(tmp_path / 'PTB-TIR.json'), text)
    with pytest.raises(ToolkitListError, match=re.escape(message)) as error:
        read_list_file(path)
    assert str(error.value).startswith(path)


# ------------------------------------------------------------------------------- the benchmarks

def test_the_split_benchmarks_read_their_variable_of_the_toolkit_file(tmp_path):
    tk = _lsotb_toolkit(tmp_path, ORDER_ST100 + LT11 + ['car_S_002'])
    path = _write(os.path.join(tk, 'configSeqs_100.m'), _matlab(CONFIG_SEQS_100), crlf=True)
    for root in (tk, os.path.join(tk, 'sequences')):
        with pytest.warns(BenchmarkWarning) as record:
            sequences = load_benchmark('lsotb_tir_st100', root=root)
        assert [s.name for s in sequences] == ORDER_ST100 and sequences[0].ground_truth.shape == (3, 4)
        assert [str(r.message) for r in record] == [
            '{}: 8 sequences in seqs_ori, but the official LSOTB-TIR split ST100 (short-term) has 100: an edited or '
            'different list, whose results do not compare with published numbers'.format(path)]
    _write(path, _matlab(CONFIG_SEQS_100.replace('<badminton>,...', '\n'.join(
        '<{}>,...'.format(n) for n in LT11[1:-1]))), crlf=True)
    with warnings.catch_warnings():
        warnings.simplefilter('error')                     # the official count: no warning
        assert [s.name for s in load_benchmark('lsotb_tir_lt11', root=tk)] == LT11


def test_a_split_reads_only_its_sequences(tmp_path):
    tk = _lsotb_toolkit(tmp_path, ORDER_120)
    _write(os.path.join(tk, 'configSeqs.m'), _matlab(CONFIG_SEQS_120))
    _write(os.path.join(tk, 'sequences', 'other_H_001', 'groundtruth_rect.txt'), '1,2,3,4\n')    # no img/: not read
    with pytest.warns(BenchmarkWarning, match='9 sequences in seqs, but the official LSOTB-TIR split 120 has 120'):
        assert [s.name for s in load_benchmark('lsotb_tir_120', root=tk)] == ORDER_120


def test_a_missing_list_file_names_the_file_variable_and_toolkit(tmp_path):
    tk = _lsotb_toolkit(tmp_path, ['aircraft_car'])
    with pytest.raises(ToolkitListError) as error:
        load_benchmark('lsotb_tir_lt11', root=tk)
    message = str(error.value)
    assert 'variable seqs of configSeqs_100.m' in message and 'LSOTB-TIR-LT11.json' in message
    assert toolkit_lists.LSOTB_TIR_TOOLKIT in message and 'settings.lsotb_tir_lists_path' in message


def test_the_lists_folder_setting(tmp_path):
    tk = _lsotb_toolkit(tmp_path, ['a_H_001', 'b_H_001'])
    lists = _write(str(tmp_path / 'lists' / 'LSOTB-TIR-LT11.json'), '["b_H_001"]')
    settings = types.SimpleNamespace(lsotb_tir_path=tk, lsotb_tir_lists_path=os.path.dirname(lists))
    with pytest.warns(BenchmarkWarning, match=re.escape(lists + ': 1 sequences, but the official')):
        assert [s.name for s in load_benchmark('lsotb_tir_lt11', settings=settings)] == ['b_H_001']


def test_a_listed_sequence_missing_on_disk_is_named(tmp_path):
    tk = _lsotb_toolkit(tmp_path, ['bus_V_002'])
    path = _write(os.path.join(tk, 'configSeqs_100.m'), _matlab(CONFIG_SEQS_100), crlf=True)
    with pytest.raises(BenchmarkMissingError, match=re.escape('7 sequence(s) listed in {} have no folder <seq>/img/ '
                                                              'in {}: person_V_002, car_D_002'.format(
                                                                  path, os.path.join(tk, 'sequences')))):
        load_benchmark('lsotb_tir_st100', root=tk)


def test_a_listed_sequence_without_ground_truth_is_an_error(tmp_path):
    tk = _lsotb_toolkit(tmp_path, ORDER_LT11)
    os.remove(os.path.join(tk, 'anno', 'badminton.txt'))
    _write(os.path.join(tk, 'configSeqs_100.m'), _matlab(CONFIG_SEQS_100), crlf=True)
    with pytest.raises(BenchmarkMissingError, match='1 sequence.s. listed in .*configSeqs_100.m have img/ but no '
                                                    'ground truth .*: badminton'):
        load_benchmark('lsotb_tir_lt11', root=tk)


def _ptb_toolkit(tmp_path, names):
    tk = str(tmp_path / 'PTB-TIR_Evaluation_toolkit')
    for name in names:
        _write(os.path.join(tk, 'tirsequences', name, 'img', '00000001.jpg'), '')
        _write(os.path.join(tk, 'tiranno', name + '.txt'), '1,2,3,4\n')
    return tk


@pytest.mark.parametrize('filename', ['configSeqs.m', 'PTB-TIR.json'])
def test_ptb_tir_uses_the_toolkit_list_when_present(tmp_path, filename):
    order = ['airplane', 'birds', 'meetion3', 'campus1']
    tk = _ptb_toolkit(tmp_path, order + ['extra'])
    path = os.path.join(tk, filename)
    _write(path, _matlab(CONFIG_SEQS_PTB, path='tirsequences\\{}\\img\\', nz=8) if filename.endswith('.m')
           else json.dumps({name: {'video_dir': name} for name in order}))
    for root in (tk, os.path.join(tk, 'tirsequences')):
        with pytest.warns(BenchmarkWarning) as record:
            sequences = load_benchmark('ptb_tir', root=root)
        assert [s.name for s in sequences] == order          # the list's order, without 'extra'
        assert [str(r.message) for r in record] == ['{}: 4 sequences{}, but the official PTB-TIR has 60: an edited '
                                                    'or different list, whose results do not compare with published '
                                                    'numbers'.format(path, '' if filename.endswith('.json') else
                                                                     ' in seqs')]


def test_ptb_tir_sequence_listed_but_missing(tmp_path):
    tk = _ptb_toolkit(tmp_path, ['airplane', 'birds', 'campus1'])
    path = _write(os.path.join(tk, 'configSeqs.m'), _matlab(CONFIG_SEQS_PTB))
    with pytest.raises(BenchmarkMissingError, match=re.escape('1 sequence(s) listed in {} have no folder <seq>/img/ in '
                                                              '{}: meetion3'.format(path,
                                                                                    os.path.join(tk, 'tirsequences')))):
        load_benchmark('ptb_tir', root=tk)


def test_a_broken_ptb_tir_list_is_an_error_not_skipped(tmp_path):
    tk = _ptb_toolkit(tmp_path, ['airplane'])
    path = _write(os.path.join(tk, 'configSeqs.m'), "TIRPedestrain={struct('name','airplane')};\n")
    with pytest.raises(ToolkitListError, match=re.escape(path + ':1: expected the toolkit')):
        load_benchmark('ptb_tir', root=tk)


def test_split_names_titles_and_the_docs_table():
    assert {name for name, row in LISTS.items() if row.required} == {
        name for name, config in tir_benchmarks.BENCHMARKS.items() if config.split}
    title = report.format_table([], 'lsotb_tir_st100', sequence_names=['a'] * 100).splitlines()[0]
    assert title.startswith('LSOTB-TIR split ST100')
    with open(os.path.join(DOCS, 'reproduce.md')) as fh:
        table = [line for line in fh if line.startswith('| `')]
    for name, row in LISTS.items():
        expected = '| `{}` | {} | `{}`: `{}` | `{}` | {} |'.format(name, 'LSOTB-TIR' if row.required else 'PTB-TIR',
                                                                 row.matlab_file, row.variable, row.json_file,
                                                                 row.count)
        assert any(line.startswith(expected) for line in table), expected


# ------------------------------------------------------------------------------- the real files

def _toolkit_file(variable, filename):
    folder = os.environ.get(variable)
    if not folder:
        pytest.skip('${} is not set (a folder holding the toolkit\'s {})'.format(variable, filename))
    return os.path.join(folder, filename)


@pytest.mark.parametrize('name', sorted(LISTS))
def test_the_real_toolkit_files(name):
    row = LISTS[name]
    path = _toolkit_file('LSOTB_TIR_TOOLKIT' if row.toolkit == toolkit_lists.LSOTB_TIR_TOOLKIT else 'PTB_TIR_TOOLKIT',
                         row.matlab_file)
    output, variables = read_matlab_lists(path)
    names = _names(path, row.variable)
    assert output == 'seqs' and len(names) == row.count
    if name == 'lsotb_tir_120':
        assert [len(variables[g]) for g in ('TIR_V', 'TIR_D', 'TIR_H', 'TIR_S')] == [20, 25, 35, 40]
        assert 'cat_D_001' in names and 'car_D_001' not in names      # the Nov 2020 update
    if name == 'lsotb_tir_st100':
        assert [len(variables[g]) for g in ('TIR_V', 'TIR_D', 'TIR_H', 'TIR_S')] == [12, 22, 34, 32]
        assert not set(names) & set(_names(path, 'seqs'))
    if name == 'lsotb_tir_lt11':
        assert names == LT11
    if name == 'ptb_tir':
        assert names[0] == 'airplane' and names == _names(os.path.join(os.path.dirname(path), row.json_file))
    recorded = RECORDED['files'][RECORDED['splits'][name]['file']]
    with open(path, 'rb') as fh:
        data = fh.read()
    if hashlib.sha1(b'blob %d\0' % len(data) + data).hexdigest() == recorded['blob']:  # the recorded version
        assert names == RECORDED['splits'][name]['sequences']


# ------------------------------------------------------------------------------- the real lists, recorded

# The sequence names of the real list files, per variable in file order, with the repository, path, commit and
# git blob they were read from (written by tests/data/extract_toolkit_sequences.py from the toolkits' repositories).
with open(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'data',
                       'toolkit_sequences.json')) as _fh:
    RECORDED = json.load(_fh)

# The real files' structure, line for line: what surrounds the entries, with the real files' spacing (trailing
# blanks included) and line endings. <<VAR>> is the variable's cell array {struct(...),... one entry a line};
# <<% VAR>> the entries the file comments out after VAR's closing brace.
STRUCTURES = {
    'LSOTB-TIR/configSeqs.m': ('function seqs=configSeqs', '', '%HandHeld subset 35', 'TIR_H=<<TIR_H>>', '     }; ',
                               '%Drone subset 25', 'TIR_D=<<TIR_D>>', '       };', '%Surveillance subset 40',
                               'TIR_S=<<TIR_S>>', '};', '%Vehicle-mounted subset 20', 'TIR_V=<<TIR_V>>', '      };',
                               '  ', 'seqs=[TIR_V TIR_D TIR_H TIR_S]; %120', '', '', ''),
    'LSOTB-TIR/configSeqs_100.m': ('function seqs=configSeqs', '', '%HandHeld subset 34', 'TIR_H=<<TIR_H>>',
                                   '     }; ', '<<% TIR_H>>', '    ', '%Drone subset 25 -3 ', 'TIR_D=<<TIR_D>>',
                                   '       };', '<<% TIR_D>>', '      ', '%Surveillance subset 32', 'TIR_S=<<TIR_S>>',
                                   '};  ', '<<% TIR_S>>', '', '%Vehicle-mounted subset 12', 'TIR_V=<<TIR_V>>',
                                   '      };', '<<% TIR_V>>', '  ', '% new added long-term tracking sequences',
                                   'New_seq_LT=<<New_seq_LT>>', '};', '', 'seqs_ori=[TIR_V TIR_D TIR_H TIR_S]; %100',
                                   'seqs =[New_seq_LT ]; ', '', ''),
    'PTB-TIR_Evaluation_toolkit/configSeqs.m': ('function seqs=configSeqs', '', 'TIRPedestrain=<<TIRPedestrain>>',
                                                '    };', ' ', 'seqs=[TIRPedestrain]; %60', '', ''),
}
# the real files' indentation of commented-out entries, in turn
COMMENT_PREFIXES = ('     %', '    %   ', '    % ', '     %  ', '      % ', '% ', ' %  ', '       %', '   %')


def _entry(key, name):
    if key.startswith('PTB'):
        return ("struct('name','{0}','path','tirsequences\\{0}\\img\\','startFrame',1,'endFrame',3,'nz',8,'ext','jpg',"
                "'init_rect', [0,0,0,0]),...".format(name))
    return ("struct('name','{0}','path','sequences/{0}/img/','startFrame',1,'endFrame',3,'nz',4,'ext','jpg',"
            "'init_rect', [0,0,0,0]),...".format(name))


def _real_structure(key):
    """The list file `key` of RECORDED as the toolkit writes it, with its full sequence lists."""
    recorded = RECORDED['files'][key]
    indent = '    ' if key.startswith('PTB') else '       '

    def expand(match):
        variable = match.group(2)
        if match.group(1):
            return '\n'.join(COMMENT_PREFIXES[i % len(COMMENT_PREFIXES)] + _entry(key, name)
                             for i, name in enumerate(recorded['commented_out_after'].get(variable, [])))
        return '{' + ('\n' + indent).join(_entry(key, name) for name in recorded['groups'][variable])
    lines = [re.sub(r'<<(% )?(\w+)>>', expand, line) for line in STRUCTURES[key]]
    lines = [line for line, template in zip(lines, STRUCTURES[key]) if line or not template.startswith('<<%')]
    return '\n'.join(lines) + '\n'


def _write_real(folder, key):
    return _write(os.path.join(str(folder), os.path.basename(key)), _real_structure(key),
                  crlf=RECORDED['files'][key]['line_ending'] == 'CRLF')


def test_the_recorded_lists_are_complete_and_name_their_source():
    assert set(RECORDED['splits']) == set(LISTS)
    for name, split in RECORDED['splits'].items():
        row, recorded = LISTS[name], RECORDED['files'][split['file']]
        assert split['file'] == '{}/{}'.format(row.toolkit.rsplit('/', 1)[1], row.matlab_file)
        assert 'https://github.com/' + recorded['repo'] == row.toolkit and recorded['path'] == row.matlab_file
        assert all(re.fullmatch('[0-9a-f]{40}', recorded[k]) for k in ('commit', 'last_changed_in', 'blob'))
        assert split['variable'] == row.variable
        assert len(split['sequences']) == len(set(split['sequences'])) == row.count
    json_keys = RECORDED['files']['PTB-TIR_Evaluation_toolkit/PTB-TIR.json']['keys']
    assert json_keys == RECORDED['splits']['ptb_tir']['sequences']  # the toolkit's two lists agree


@pytest.mark.parametrize('name', sorted(LISTS))
def test_the_real_list_files_structure_gives_each_split_in_its_order(tmp_path, name):
    """Each real file's structure with its full lists (RECORDED), read as the plugin reads the toolkit's file:
    the split's count and order are those of the real file."""
    row, split = LISTS[name], RECORDED['splits'][name]
    recorded = RECORDED['files'][split['file']]
    path = _write_real(tmp_path, split['file'])
    assert (b'\r\n' in open(path, 'rb').read()) == (recorded['line_ending'] == 'CRLF')
    output, variables = read_matlab_lists(path)
    assert output == 'seqs'
    assert {v: [n for n, _ in entries] for v, entries in variables.items() if v in recorded['groups']} == \
        recorded['groups']
    names = _names(path, row.variable)
    assert len(names) == row.count and names == split['sequences']
    commented = {n for entries in recorded['commented_out_after'].values() for n in entries}
    assert not commented & {n for entries in variables.values() for n, _ in entries}
    if name == 'lsotb_tir_120':                      # the returned concatenation: V, D, H, S, not the file's order
        assert [len(variables[g]) for g in ('TIR_V', 'TIR_D', 'TIR_H', 'TIR_S')] == [20, 25, 35, 40]
        assert names[:20] == recorded['groups']['TIR_V'] and names[-40:] == recorded['groups']['TIR_S']
    if name == 'lsotb_tir_st100':
        assert [len(variables[g]) for g in ('TIR_V', 'TIR_D', 'TIR_H', 'TIR_S')] == [12, 22, 34, 32]
        assert len(commented) == 25 and not set(names) & set(_names(path, 'seqs'))
    if name == 'lsotb_tir_lt11':
        assert names == LT11


def test_the_real_lists_select_and_order_the_benchmarks_without_a_warning(tmp_path):
    """A toolkit tree holding every listed sequence and the real files' structure: each benchmark reads its list's
    sequences in its order, with the official count (no warning), from the MATLAB file and from PTB-TIR.json."""
    splits = RECORDED['splits']
    lsotb_names = sorted({n for name in ('lsotb_tir_120', 'lsotb_tir_st100', 'lsotb_tir_lt11')
                          for n in splits[name]['sequences']})
    tk = _lsotb_toolkit(tmp_path, lsotb_names, frames=1)
    for key in ('LSOTB-TIR/configSeqs.m', 'LSOTB-TIR/configSeqs_100.m'):
        _write_real(tk, key)
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        for name in ('lsotb_tir_120', 'lsotb_tir_st100', 'lsotb_tir_lt11'):
            assert [s.name for s in load_benchmark(name, root=tk)] == splits[name]['sequences'], name
        for filename in ('configSeqs.m', 'PTB-TIR.json'):
            ptb = _ptb_toolkit(tmp_path / filename, splits['ptb_tir']['sequences'] + ['not_listed'])
            if filename.endswith('.m'):
                _write_real(ptb, 'PTB-TIR_Evaluation_toolkit/configSeqs.m')
            else:  # pysot's layout, as the toolkit's file: an object keyed by sequence name, in its order
                keys = RECORDED['files']['PTB-TIR_Evaluation_toolkit/PTB-TIR.json']['keys']
                _write(os.path.join(ptb, filename), json.dumps({n: {'video_dir': n, 'init_rect': [1, 2, 3, 4],
                                                                    'img_names': [], 'gt_rect': [], 'attr': []}
                                                                for n in keys}))
            assert [s.name for s in load_benchmark('ptb_tir', root=ptb)] == splits['ptb_tir']['sequences'], filename
