"""Shared fixtures. Integration tests (marker `integration`) run against a real pytracking checkout
found through $PYTRACKING_ROOT or ~/.cache/pytracking-cmd/pytracking, registered in this environment
(scripts/setup.sh does both); without one they skip, and the summary says so in one line."""
import os
import sys

import pytest

from ltr_cmd.checkpoints import NETWORK_VARIABLE
from pytracking_cmd import _startup, registration

# The plugin's parameter files load the network this variable names: one a test leaves set makes every
# later test (and the subprocesses it starts) track with that network instead of theirs.
_NETWORK_AT_START = os.environ.get(NETWORK_VARIABLE)


def _find_checkout():
    try:
        return registration.resolve_root(None), None
    except registration.RegistrationError as error:
        return None, str(error)


CHECKOUT, NO_CHECKOUT_REASON = _find_checkout()


def pytest_collection_modifyitems(config, items):
    if CHECKOUT is not None:
        return
    skip = pytest.mark.skip(reason='no pytracking checkout: ' + NO_CHECKOUT_REASON)
    for item in items:
        if 'integration' in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope='session')
def pytracking_root():
    """The registered checkout; the start-up hook must be active in this interpreter."""
    if not any(isinstance(f, _startup.PytrackingCmdFinder) for f in sys.meta_path):
        pytest.fail('a pytracking checkout is at {} but the start-up hook is not active in {}: run '
                    '`pytracking-cmd register` with this environment (scripts/setup.sh does)'.format(CHECKOUT, sys.executable))
    ok, problems = registration.status(CHECKOUT)
    if not ok:
        pytest.fail('{} is not registered: {}'.format(CHECKOUT, '; '.join(problems)))
    return CHECKOUT


@pytest.fixture(autouse=True)
def _network_variable_restored():
    yield
    value = os.environ.get(NETWORK_VARIABLE)
    if value != _NETWORK_AT_START:
        if _NETWORK_AT_START is None:
            del os.environ[NETWORK_VARIABLE]
        else:
            os.environ[NETWORK_VARIABLE] = _NETWORK_AT_START
        pytest.fail('${} was left at {!r} (it was {!r}): set it with monkeypatch before anything else sets it'
                    .format(NETWORK_VARIABLE, value, _NETWORK_AT_START))


def pytest_terminal_summary(terminalreporter):
    outcomes = {}
    for reports in terminalreporter.stats.values():
        for report in reports:
            if getattr(report, 'when', None) in ('call', 'setup') and 'integration' in getattr(report, 'keywords', {}):
                if report.when == 'call' or report.outcome != 'passed':
                    outcomes[report.nodeid] = report.outcome
    if CHECKOUT is None:
        line = 'integration tests: skipped, no pytracking checkout found ({})'.format(NO_CHECKOUT_REASON)
    else:
        ran = [o for o in outcomes.values() if o != 'skipped']
        line = 'integration tests: {} ran against {} ({} passed, {} failed), {} skipped'.format(
            len(ran), CHECKOUT, ran.count('passed'), ran.count('failed'),
            sum(o == 'skipped' for o in outcomes.values()))
    terminalreporter.write_line(line)
    two_node = [o for nodeid, o in outcomes.items() if nodeid.startswith('tests/integration/test_multinode.py')]
    terminalreporter.write_line('two-node test (two torchrun agents, --nnodes=2, own checkouts and workspaces): {}'.format(
        ', '.join(sorted(set(two_node))) if two_node else 'not run'))
