"""LSOTB-TIR splits, read at run time from the list files the user downloads (none is shipped).

The official toolkit (https://github.com/QiaoLiuHit/LSOTB-TIR) defines a split as a MATLAB
function returning a cell array of structs, e.g. `configSeqs.m` / `configSeqs_100.m`:

    TIR_H={struct('name','airplane_H_001','path','sequences/airplane_H_001/img/',...),...
    %   struct('name','person_H_001',...),...      <- a commented-out entry is not in the split
    seqs=[TIR_V TIR_D TIR_H TIR_S];

Every `struct('name','<seq>',...)` outside a `%` comment is a sequence of the split. Newer trackers
publish JSON lists instead: a list of names, or an object keyed by sequence name (pysot's
`<dataset>.json` layout). Each split is one row of SPLITS; its list file is looked for in
settings.lsotb_tir_lists_path (pytracking/evaluation/local.py), else the LSOTB-TIR root and the
folder above it (the toolkit folder that holds `sequences/` and `configSeqs.m`).
"""
import json
import os
import re

from ltr_cmd.data.dataset_files import read_lines
from ltr_cmd.errors import UserError

TOOLKIT_URL = 'https://github.com/QiaoLiuHit/LSOTB-TIR'
LISTS_SETTING = 'lsotb_tir_lists_path'

#: benchmark name -> (title, list files accepted, in order of preference)
SPLITS = {
    'lsotb_tir_120': ('LSOTB-TIR split 120', ('configSeqs.m', 'LSOTB-TIR-120.json')),
    'lsotb_tir_136': ('LSOTB-TIR split 136 (TNNLS extension)', ('configSeqs_136.m', 'LSOTB-TIR-136.json')),
    'lsotb_tir_st100': ('LSOTB-TIR split ST100 (short-term)', ('configSeqs_100.m', 'LSOTB-TIR-ST100.json')),
    'lsotb_tir_lt11': ('LSOTB-TIR split LT11 (long-term)', ('configSeqs_LT11.m', 'LSOTB-TIR-LT11.json')),
}

_STRUCT_NAME = re.compile(r"struct\(\s*'name'\s*,\s*'([^']+)'")


class SplitListError(UserError, ValueError):
    """A split's list file is missing or unreadable (the message names it and where to get it)."""


def _strip_matlab_comment(line):
    """The part of a MATLAB line before a `%` that is not inside a quoted string."""
    quoted = False
    for i, char in enumerate(line):
        if char == "'":
            quoted = not quoted
        elif char == '%' and not quoted:
            return line[:i]
    return line


def read_list_file(path):
    """Sequence names of one list file (toolkit `.m` or JSON), in file order.

    args:
        path - a configSeqs*.m file or a JSON list
    returns:
        list of sequence names
    raises:
        SplitListError naming the file (and line) when it holds no names, repeats one, or is malformed
    """
    names, seen = [], {}
    if path.endswith('.json'):
        try:
            with open(path) as fh:
                content = json.load(fh)
        except ValueError as error:
            raise SplitListError('{}: not valid JSON ({})'.format(path, error)) from None
        if isinstance(content, dict):
            content = list(content)
        if not isinstance(content, list) or not all(isinstance(n, str) for n in content):
            raise SplitListError('{}: expected a JSON list of sequence names or an object keyed by sequence name'
                                 .format(path))
        located = [(n, 'entry {}'.format(i + 1)) for i, n in enumerate(content)]
    else:
        located = [(name, 'line {}'.format(number)) for number, line in enumerate(read_lines(path), 1)
                   for name in _STRUCT_NAME.findall(_strip_matlab_comment(line))]
    for name, where in located:
        if name in seen:
            raise SplitListError('{}: {}: sequence {!r} is listed twice (first at {})'.format(path, where, name, seen[name]))
        seen[name] = where
        names.append(name)
    if not names:
        raise SplitListError("{}: no sequence names found; expected the toolkit's struct('name','<seq>',...) entries "
                             'or a JSON list'.format(path))
    return names


def find_list_file(split, root, lists_path=None):
    """The list file of `split`: in lists_path when given, else in root or the folder above it.

    raises:
        SplitListError naming the files to download and where to put them
    """
    title, files = SPLITS[split]
    folders = [lists_path] if lists_path else [root, os.path.dirname(os.path.normpath(root))]
    for folder in folders:
        for filename in files:
            candidate = os.path.join(folder, filename)
            if os.path.isfile(candidate):
                return candidate
    raise SplitListError(
        '{} ({!r}) needs its sequence list: none of {} found in {}. Download {} from the LSOTB-TIR toolkit ({}) '
        'into {}, or set settings.{} in pytracking/evaluation/local.py to the folder that holds it.'.format(
            title, split, ', '.join(files), ' or '.join(folders), files[0], TOOLKIT_URL, folders[0], LISTS_SETTING))


def select(split, sequences, root, lists_path=None):
    """The sequences of `split`, in the list file's order; a listed sequence not on disk is an error."""
    path = find_list_file(split, root, lists_path)
    by_name = {s.name: s for s in sequences}
    names = read_list_file(path)
    missing = [n for n in names if n not in by_name]
    if missing:
        raise SplitListError('{} lists {} sequence(s) not found under {}: {}'.format(
            path, len(missing), root, ', '.join(missing[:10]) + (' ...' if len(missing) > 10 else '')))
    return [by_name[n] for n in names]
