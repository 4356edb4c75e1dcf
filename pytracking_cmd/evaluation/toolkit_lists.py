"""The sequence lists of the TIR toolkits, read from the toolkits' own files (none is shipped).

The LSOTB-TIR and PTB-TIR toolkits list their sequences in a MATLAB function that their
run_evaluation.m calls as `seqs=configSeqs;`. LSOTB-TIR's configSeqs_100.m (TNNLS version), abridged:

    function seqs=configSeqs
    %HandHeld subset 34
    TIR_H={struct('name','airplane_H_001','path','sequences/airplane_H_001/img/',...),...
           struct('name','head_H_002',...),...
         };
        %   struct('name','person_H_001',...),...
    ...
    New_seq_LT={struct('name','aircraft_car',...),...
    };
    seqs_ori=[TIR_V TIR_D TIR_H TIR_S]; %100
    seqs =[New_seq_LT ];

The function returns the 11 long-term sequences; the 100 short-term ones are the variable seqs_ori.
So a list is a (file, variable) pair, one row of LISTS. read_matlab_lists evaluates such a file as
MATLAB does: each variable is a one-row cell array of struct('name',...) entries or a concatenation
[A B ...] of earlier variables, in that order; `%` comments, `%{ ... %}` blocks and `...`
continuations (the rest of that line is a comment too) are skipped. Anything else is an error
naming the file and line, never a guess. A JSON file is the alternative: a list of names, or an
object keyed by sequence name (pysot's `<dataset>.json`, such as the PTB-TIR toolkit's PTB-TIR.json).
"""
import json
import os
import re
from dataclasses import dataclass
from typing import Optional

from ltr_cmd.data.dataset_files import read_lines
from ltr_cmd.errors import UserError

LSOTB_TIR_TOOLKIT = 'https://github.com/QiaoLiuHit/LSOTB-TIR'
PTB_TIR_TOOLKIT = 'https://github.com/QiaoLiuHit/PTB-TIR_Evaluation_toolkit'
#: attribute of pytracking's local.py: a folder to take the LSOTB-TIR list files from
LISTS_SETTING = 'lsotb_tir_lists_path'


@dataclass(frozen=True)
class ToolkitList:
    """Where the sequence list of one benchmark is defined.

    attributes:
        title - human-readable name (messages, report titles).
        matlab_file - the toolkit's list function.
        variable - the variable of matlab_file that holds the list.
        json_file - the JSON alternative: a list of names, or an object keyed by sequence name.
        count - sequences in the official list; another count is a warning (an edited list still runs).
        toolkit - where matlab_file is published.
        required - True: a split, evaluated only through its list; False: the list, when present,
            orders and checks the sequences found on disk.
        setting - attribute of local.py naming the folder to take the file from (None: none).
    """
    title: str
    matlab_file: str
    variable: str
    json_file: str
    count: int
    toolkit: str
    required: bool
    setting: Optional[str] = None


#: benchmark name -> its list. The LSOTB-TIR JSON names are this plugin's (the toolkit publishes none).
LISTS = {
    'lsotb_tir_120': ToolkitList('LSOTB-TIR split 120', 'configSeqs.m', 'seqs', 'LSOTB-TIR-120.json', 120,
                                 LSOTB_TIR_TOOLKIT, True, LISTS_SETTING),
    'lsotb_tir_st100': ToolkitList('LSOTB-TIR split ST100 (short-term)', 'configSeqs_100.m', 'seqs_ori',
                                   'LSOTB-TIR-ST100.json', 100, LSOTB_TIR_TOOLKIT, True, LISTS_SETTING),
    'lsotb_tir_lt11': ToolkitList('LSOTB-TIR split LT11 (long-term)', 'configSeqs_100.m', 'seqs',
                                  'LSOTB-TIR-LT11.json', 11, LSOTB_TIR_TOOLKIT, True, LISTS_SETTING),
    'ptb_tir': ToolkitList('PTB-TIR', 'configSeqs.m', 'seqs', 'PTB-TIR.json', 60, PTB_TIR_TOOLKIT, False),
}


class ToolkitListError(UserError, ValueError):
    """A list file is missing, or not in the structure the toolkits write (the message names file and line)."""


# ---------------------------------------------------------------------------------------------
# The MATLAB subset of the toolkits' configSeqs*.m
# ---------------------------------------------------------------------------------------------

_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<ellipsis>\.\.\..*)                       # continuation; the rest of the line is a comment
  | (?P<comment>%.*)
  | (?P<name>[A-Za-z]\w*)
  | (?P<number>(?:\d+(?:\.(?!\.\.)\d*)?|\.\d+)(?:[eE][-+]?\d+)?)
  | (?P<string>'(?:[^']|'')*'|"(?:[^"]|"")*")
  | (?P<punct>[=,;()\[\]{}])
  | (?P<other>.)
""", re.VERBOSE)
_OPENING, _CLOSING = '([{', ')]}'


@dataclass(frozen=True)
class _Token:
    kind: str       # name, number, string, punct, other, newline, end
    text: str
    line: int


def _tokens(path, lines):
    """Tokens of a MATLAB file; `newline` ends a line that is not continued with `...`.

    A line holding only a comment emits no newline inside brackets (a commented-out entry is skipped,
    as GNU Octave does; MATLAB's documentation asks for `...` there instead, or it may stop with
    'Dimensions of arrays being concatenated are not consistent').
    """
    tokens, depth, block = [], 0, 0
    for number, line in enumerate(lines, 1):
        stripped = line.strip()
        if stripped in ('%{', '%}'):        # a block comment: these alone on their line, nesting
            block = max(block + (1 if stripped == '%{' else -1), 0)
            continue
        if block:
            continue
        if stripped.startswith('%') and depth:
            continue
        continued = False
        for match in _TOKEN.finditer(line):
            kind, text = match.lastgroup, match.group()
            if kind in ('space', 'comment'):
                continue
            if kind == 'ellipsis':
                continued = True
                break
            if kind == 'other' and text in '\'"':
                raise ToolkitListError('{}:{}: a quoted text that does not close on its line: {}'
                                       .format(path, number, stripped))
            if kind == 'punct':
                depth += (text in _OPENING) - (text in _CLOSING)
            tokens.append(_Token(kind, text, number))
        if not continued:
            tokens.append(_Token('newline', '', number))
    if block:
        raise ToolkitListError('{}: a %{{ block comment is not closed by %}}'.format(path))
    tokens.append(_Token('end', '', len(lines)))
    return tokens


def _unquote(token):
    quote = token.text[0]
    return token.text[1:-1].replace(quote * 2, quote)


class _Parser:
    """Reads the statements of one list function (see read_matlab_lists)."""

    def __init__(self, path, tokens):
        self.path, self.tokens, self.pos = path, tokens, 0
        self.variables = {}

    def error(self, token, message):
        return ToolkitListError('{}:{}: {}'.format(self.path, token.line, message))

    def peek(self):
        return self.tokens[self.pos]

    def take(self, kind=None, text=None, expected=''):
        token = self.tokens[self.pos]
        if (kind and token.kind != kind) or (text is not None and token.text != text):
            raise self.error(token, 'expected {}, found {}'.format(expected or repr(text), _describe(token)))
        self.pos += 1
        return token

    def skip_separators(self):
        while self.peek().kind == 'newline' or self.peek().text in (';', ','):
            self.pos += 1

    def function_line(self):
        self.skip_separators()
        token = self.peek()
        if token.kind == 'end':
            raise ToolkitListError("{}: no statements; expected the toolkit's list function "
                                   "(function seqs=configSeqs, then the sequence structs)".format(self.path))
        if token.text != 'function':
            raise self.error(token, "expected the toolkit's function line (function seqs=configSeqs) first, found {}"
                             .format(_describe(token)))
        self.pos += 1
        output = self.take('name', expected='the output variable (function seqs=configSeqs)').text
        self.take('punct', '=', expected="'=' (one output variable: function seqs=configSeqs)")
        self.take('name', expected='the function name')
        if self.peek().text == '(':
            self.pos += 1
            self.take('punct', ')', expected="')' (the list function takes no arguments)")
        self.end_of_statement()
        return output

    def end_of_statement(self):
        token = self.peek()
        if token.kind not in ('newline', 'end') and token.text not in (';', ','):
            raise self.error(token, 'expected the end of the statement, found {}'.format(_describe(token)))

    def statements(self):
        while True:
            self.skip_separators()
            token = self.peek()
            if token.kind == 'end':
                return
            if token.text == 'end':                 # the function's optional closing `end`
                self.pos += 1
                self.skip_separators()
                if self.peek().kind != 'end':
                    raise self.error(self.peek(), 'statements after the end of the list function')
                return
            if token.kind != 'name' or token.text == 'function':
                raise self.error(token, 'not a statement of a list function ({}); expected an assignment '
                                        'VAR={{struct(...),...}} or VAR=[A B ...]'.format(_describe(token)))
            self.pos += 1
            self.take('punct', '=', expected="'=' after {} (only assignments are understood)".format(token.text))
            opening = self.peek()
            if opening.text == '{':
                self.variables[token.text] = self.row(token.text, self.struct_entry)
            elif opening.text == '[':
                self.variables[token.text] = [entry for name in self.row(token.text, self.variable_entry)
                                              for entry in name]
            else:
                raise self.error(opening, 'expected a cell array {{struct(...),...}} or a concatenation [A B ...] '
                                          'after {}=, found {}'.format(token.text, _describe(opening)))
            self.end_of_statement()

    def row(self, variable, element):
        """The elements of a one-row `{...}` or `[...]`; a second row is an error (not the toolkit's form)."""
        opening = self.take('punct')
        closing = '}' if opening.text == '{' else ']'
        rows, current, after_element = [], [], False
        while True:
            token = self.peek()
            if token.kind == 'end':
                raise self.error(opening, '{} opened here is not closed with {}'.format(opening.text, closing))
            if token.text == closing:
                self.pos += 1
                break
            if token.kind == 'newline' or token.text == ';':
                self.pos += 1
                if current:
                    rows.append(current)
                current, after_element = [], False
            elif token.text == ',':
                if not after_element:
                    raise self.error(token, 'a comma without an element before it in {}'.format(variable))
                self.pos += 1
                after_element = False
            else:
                if not current and rows:
                    raise self.error(token, '{} gets a second row here: the line before does not end with ... '
                                            '(or a ; separates rows), so MATLAB builds a column or fails, not '
                                            "the toolkit's one-row list. End each entry's line with ,... as the "
                                            'toolkit does'.format(variable))
                current.append(element(variable))
                after_element = True
        return rows[0] + current if rows else current

    def variable_entry(self, variable):
        token = self.take('name', expected='the name of an earlier variable in [...] of {}'.format(variable))
        if token.text not in self.variables:
            raise self.error(token, '{}=[...] uses {}, which is not assigned before it (assigned: {})'.format(
                variable, token.text, ', '.join(self.variables) or 'none'))
        return self.variables[token.text]

    def struct_entry(self, variable):
        start = self.take('name', 'struct', expected="a struct('name',...) entry in {}".format(variable))
        self.take('punct', '(', expected="'(' after struct")
        fields = {}
        while True:
            key = self.take('string', expected="a field name such as 'name' in struct(...)")
            self.take('punct', ',', expected="',' and the value of field {}".format(key.text))
            value = self.struct_value()
            field_name = _unquote(key)
            if field_name in fields:
                raise self.error(key, 'struct(...) sets field {} twice'.format(key.text))
            fields[field_name] = value
            if self.take('punct', expected="',' or ')' in struct(...)").text == ')':
                break
        name = fields.get('name')
        if name is None:
            raise self.error(start, "a struct(...) without a 'name' field in {}".format(variable))
        if len(name) != 1 or name[0].kind != 'string' or not _unquote(name[0]).strip():
            raise self.error(start, "the 'name' of a struct(...) in {} must be one quoted sequence name, "
                                    'found {}'.format(variable, ' '.join(t.text for t in name) or 'nothing'))
        return _unquote(name[0]), start.line

    def struct_value(self):
        """The tokens of one field value: up to the next `,` or `)` outside brackets."""
        value, depth = [], 0
        while True:
            token = self.peek()
            if token.kind in ('newline', 'end'):
                raise self.error(token, 'struct(...) is not closed on this line (continue it with ...)')
            if token.text == '{':
                raise self.error(token, 'a cell value in struct(...) makes a struct array; the toolkits '
                                        'write one struct per sequence')
            if depth == 0 and token.text in (',', ')'):
                if not value:
                    raise self.error(token, 'a struct(...) field without a value')
                return value
            depth += (token.text in '([') - (token.text in ')]')
            value.append(token)
            self.pos += 1


def _describe(token):
    return {'newline': 'the end of the line', 'end': 'the end of the file'}.get(token.kind, repr(token.text))


def read_matlab_lists(path):
    """Evaluate a toolkit's list function (configSeqs*.m) as MATLAB does.

    args:
        path - the .m file
    returns:
        (output, variables): the function's output variable, and dict variable -> list of
        (sequence name, line) in MATLAB's order, for every variable the function assigns
    raises:
        ToolkitListError naming the file and line of anything not in the toolkits' structure
    """
    parser = _Parser(path, _tokens(path, read_lines(path)))
    output = parser.function_line()
    parser.statements()
    if output not in parser.variables:
        raise ToolkitListError('{}: the function returns {}, which it never assigns (assigned: {})'.format(
            path, output, ', '.join(parser.variables) or 'none'))
    return output, parser.variables


# ---------------------------------------------------------------------------------------------
# List files
# ---------------------------------------------------------------------------------------------

def _read_json(path):
    def no_duplicate_keys(pairs):
        keys = [k for k, _ in pairs]
        repeated = sorted({k for k in keys if keys.count(k) > 1})
        if repeated:
            raise ToolkitListError('{}: key(s) {} appear twice in one object'.format(path, ', '.join(repeated)))
        return dict(pairs)

    try:
        with open(path, encoding='utf-8-sig') as fh:
            content = json.load(fh, object_pairs_hook=no_duplicate_keys)
    except ValueError as error:
        if isinstance(error, ToolkitListError):
            raise
        raise ToolkitListError('{}: not valid JSON ({})'.format(path, error)) from None
    if isinstance(content, dict):
        content = list(content)
    if not isinstance(content, list) or not all(isinstance(n, str) and n.strip() for n in content):
        raise ToolkitListError('{}: expected a JSON list of sequence names or an object keyed by sequence name'
                               .format(path))
    return [(name, '{}: entry {}'.format(path, i)) for i, name in enumerate(content, 1)]


def read_list_file(path, variable='seqs'):
    """The sequences a list file names, in its order.

    args:
        path - a toolkit configSeqs*.m file, or a .json list
        variable - for a .m file, the variable that holds the list (see LISTS)
    returns:
        list of (sequence name, where it is listed: 'file:line' or 'file: entry N')
    raises:
        ToolkitListError naming the file (and line) when it is malformed, lacks the variable,
        names no sequence or one sequence twice
    """
    if path.endswith('.json'):
        entries = _read_json(path)
    else:
        output, variables = read_matlab_lists(path)
        if variable not in variables:
            raise ToolkitListError('{}: no variable {} (it assigns {}; the function returns {})'.format(
                path, variable, ', '.join(variables), output))
        entries = [(name, '{}:{}'.format(path, line)) for name, line in variables[variable]]
    if not entries:
        raise ToolkitListError('{}: names no sequence{}'.format(path, '' if path.endswith('.json') else
                                                                  ' in ' + variable))
    seen = {}
    for name, where in entries:
        if name in seen:
            raise ToolkitListError('{}: sequence {!r} is listed twice (first at {})'.format(where, name, seen[name]))
        seen[name] = where
    return entries


def describe(name):
    """Where the list of benchmark `name` is defined, for messages and docs."""
    row = LISTS[name]
    return 'variable {} of {} in the toolkit {}, or the JSON list {}'.format(row.variable, row.matlab_file, row.toolkit,
                                                                             row.json_file)


def find_list_file(name, root, lists_path=None):
    """The list file of benchmark `name`: in lists_path when given, else in root or the folder above it.

    args:
        name - a key of LISTS
        root - the benchmark root (the toolkit folder or its sequence folder)
        lists_path - the folder of LISTS[name].setting, if set
    returns:
        the path, or None when the benchmark's list is optional and absent
    raises:
        ToolkitListError naming the files to download and where to put them (a split without its list)
    """
    row = LISTS[name]
    folders = [lists_path] if lists_path else [root, os.path.dirname(os.path.normpath(root))]
    for folder in folders:
        for filename in (row.matlab_file, row.json_file):
            candidate = os.path.join(folder, filename)
            if os.path.isfile(candidate):
                return candidate
    if not row.required:
        return None
    raise ToolkitListError(
        '{} ({!r}) is defined by {}: neither file found in {}. Download {} from the toolkit into {}{}.'.format(
            row.title, name, describe(name), ' or '.join(folders), row.matlab_file, ' or '.join(folders),
            ', or set settings.{} in pytracking/evaluation/local.py to the folder that holds it'.format(row.setting)
            if row.setting else ''))


def load_list(name, root, lists_path=None):
    """The list of benchmark `name` found for `root` (see find_list_file).

    returns:
        (path, [(sequence name, where listed), ...]), or None when an optional list is absent
    """
    path = find_list_file(name, root, lists_path)
    if path is None:
        return None
    return path, read_list_file(path, LISTS[name].variable)
