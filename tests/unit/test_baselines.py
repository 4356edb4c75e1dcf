"""The baseline table (ltr_cmd/baselines.py): every row names files that exist, every CMD setting has a row,
docs/reproduce.md shows the same table, and the parameter files are the package pytracking_cmd.parameter."""
import importlib
import os
import re

import pytest

from ltr_cmd import baselines
from ltr_cmd.errors import UserError
from pytracking_cmd import registration

REPOSITORY = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.mark.parametrize('name', sorted(baselines.BASELINES))
def test_each_baseline_names_a_train_setting_and_a_parameter_file_of_the_plugin(name):
    baseline = baselines.BASELINES[name]
    offer = registration.provided()
    assert baseline.setting in offer['train_settings']
    assert baseline.student_param in offer['parameters'][baseline.student_tracker]
    assert baselines.of_setting(baseline.setting) is baseline


def test_every_cmd_setting_but_the_demos_is_the_setting_of_a_baseline():
    settings = [s for s in registration.provided()['train_settings'] if not s.startswith('demo')]
    assert sorted(settings) == sorted(b.setting for b in baselines.BASELINES.values())


def test_unknown_names_are_errors_listing_the_known_ones():
    with pytest.raises(UserError, match='unknown baseline .dimp99.; known: super_dimp, dimp50'):
        baselines.get('dimp99')
    with pytest.raises(UserError, match='not the train setting of a baseline; those are: super_dimp_cmd'):
        baselines.of_setting('demo_cmd')


def test_the_docs_table_is_the_baseline_table():
    with open(os.path.join(REPOSITORY, 'docs', 'reproduce.md')) as f:
        text = f.read()
    rows = re.findall(r'^\| `(\w+)`[^|]*\| `(\w+) (\w+)` \(([\w.]+)\) \| `(\w+) (\w+)` \| `(\w+)` \|$', text, re.M)
    assert rows == [(b.name, b.stock_tracker, b.stock_param, b.release_file, b.student_tracker, b.student_param,
                     b.setting) for b in baselines.BASELINES.values()]


def test_the_parameter_folder_is_imported_as_pytracking_cmd_parameter():
    package = importlib.import_module('pytracking_cmd.parameter')
    assert os.path.dirname(os.path.abspath(package.__file__)) == os.path.join(REPOSITORY, 'parameter')
    for tracker, params in registration.provided()['parameters'].items():
        assert params and all(os.path.isfile(os.path.join(REPOSITORY, 'parameter', tracker, p + '.py')) for p in params)
