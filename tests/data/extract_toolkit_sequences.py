"""Writes tests/data/toolkit_sequences.json from the LSOTB-TIR and PTB-TIR toolkits' git repositories: the
sequence names of their list files, in file order, per variable, with the repository, path, commit and git
blob of each file. tests/unit/test_toolkit_lists.py builds the files' structure around these names.

Independent of pytracking_cmd's reader on purpose: one line of these files holds one struct('name',...)
entry, a VAR={ line opens a group with its first entry, a line whose first character is % is commented
out, and a VAR=[A B ...] line concatenates groups. Anything else stops the script.

    usage: python tests/data/extract_toolkit_sequences.py LSOTB_TIR_GIT PTB_TIR_GIT
    (clones or bare mirrors of github.com/QiaoLiuHit/LSOTB-TIR and QiaoLiuHit/PTB-TIR_Evaluation_toolkit;
    their HEAD is read)
"""
import collections
import json
import os
import re
import subprocess
import sys

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'toolkit_sequences.json')
ENTRY = re.compile(r"^(?P<comment>\s*%)?\s*(?:(?P<group>[A-Za-z]\w*)\s*=\s*\{)?\s*struct\('name','(?P<name>[^']+)'.*"
                   r"\.\.\.\s*$")
CONCATENATION = re.compile(r'^\s*(?P<variable>[A-Za-z]\w*)\s*=\s*\[(?P<parts>[A-Za-z_\w ]+)\]\s*;')
OTHER = re.compile(r'^\s*(function .*|%.*|\}\s*;\s*)?$')
# benchmark -> (repository, list file, variable), as pytracking_cmd/evaluation/toolkit_lists.py's LISTS
SPLITS = {'lsotb_tir_120': ('QiaoLiuHit/LSOTB-TIR', 'configSeqs.m', 'seqs'),
          'lsotb_tir_st100': ('QiaoLiuHit/LSOTB-TIR', 'configSeqs_100.m', 'seqs_ori'),
          'lsotb_tir_lt11': ('QiaoLiuHit/LSOTB-TIR', 'configSeqs_100.m', 'seqs'),
          'ptb_tir': ('QiaoLiuHit/PTB-TIR_Evaluation_toolkit', 'configSeqs.m', 'seqs')}


def git(repository, *args):
    return subprocess.run(['git', '--git-dir', repository] + list(args), check=True, capture_output=True).stdout


def git_dir(path):
    return path if os.path.exists(os.path.join(path, 'HEAD')) and not os.path.isdir(os.path.join(path, '.git')) \
        else os.path.join(path, '.git')


def provenance(repo, repository, path):
    return {'repo': repo, 'path': path, 'commit': git(repository, 'rev-parse', 'HEAD').decode().strip(),
            'last_changed_in': git(repository, 'log', '-1', '--format=%H', 'HEAD', '--', path).decode().strip(),
            'blob': git(repository, 'rev-parse', 'HEAD:' + path).decode().strip()}


def matlab_file(repo, repository, path):
    data = git(repository, 'show', 'HEAD:' + path)
    text = data.decode('ascii')
    groups, commented, splits = collections.OrderedDict(), collections.OrderedDict(), {}
    current = last = None
    for number, line in enumerate(text.splitlines(), 1):
        entry, concatenation = ENTRY.match(line), CONCATENATION.match(line)
        if entry and entry.group('comment'):
            assert current is None, '{}:{}: a commented entry inside a group'.format(path, number)
            commented.setdefault(last, []).append(entry.group('name'))
        elif entry:
            if entry.group('group'):
                assert current is None, '{}:{}'.format(path, number)
                current = last = entry.group('group')
                groups[current] = []
            assert current is not None, '{}:{}: an entry outside a group'.format(path, number)
            groups[current].append(entry.group('name'))
        elif concatenation:
            splits[concatenation.group('variable')] = [name for part in concatenation.group('parts').split()
                                                       for name in groups[part]]
        elif OTHER.match(line):
            if line.strip().startswith('}'):
                current = None
        else:
            raise SystemExit('{}:{}: not understood: {!r}'.format(path, number, line))
    assert text.count("struct('name'") == sum(map(len, groups.values())) + sum(map(len, commented.values()))
    return dict(provenance(repo, repository, path), line_ending='CRLF' if b'\r\n' in data else 'LF',
                groups=groups, commented_out_after=commented), splits


def main(lsotb, ptb):
    repositories = {'QiaoLiuHit/LSOTB-TIR': git_dir(lsotb), 'QiaoLiuHit/PTB-TIR_Evaluation_toolkit': git_dir(ptb)}
    files, variables = collections.OrderedDict(), {}
    for repo, path in sorted({(repo, path) for repo, path, _ in SPLITS.values()}):
        key = '{}/{}'.format(repo.split('/')[1], path)
        files[key], variables[key] = matlab_file(repo, repositories[repo], path)
    splits = collections.OrderedDict()
    for name, (repo, path, variable) in SPLITS.items():
        key = '{}/{}'.format(repo.split('/')[1], path)
        splits[name] = {'file': key, 'variable': variable, 'sequences': variables[key][variable]}
    ptb_json = repositories['QiaoLiuHit/PTB-TIR_Evaluation_toolkit']
    keys = list(json.loads(git(ptb_json, 'show', 'HEAD:PTB-TIR.json'),
                           object_pairs_hook=collections.OrderedDict))
    files['PTB-TIR_Evaluation_toolkit/PTB-TIR.json'] = dict(
        provenance('QiaoLiuHit/PTB-TIR_Evaluation_toolkit', ptb_json, 'PTB-TIR.json'), keys=keys)
    with open(OUT, 'w') as fh:
        json.dump({'about': 'Sequence names of the toolkits\' list files, in file order (written by '
                            'tests/data/extract_toolkit_sequences.py from the repositories named; everything else in '
                            'those files is left out). groups: the struct(...) entries per variable; '
                            'commented_out_after: entries commented out after that variable\'s closing brace; '
                            'splits: each benchmark\'s variable, concatenated as the file concatenates it.',
                   'files': files, 'splits': splits}, fh, indent=1)
        fh.write('\n')


if __name__ == '__main__':
    main(*sys.argv[1:3])
