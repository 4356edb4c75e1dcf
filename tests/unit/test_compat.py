"""The compatibility fixes that stand alone (no pytracking). Each test shows the problem without the
fix, then the fix. The fixes that act on pytracking's own modules are tested against the real
checkout in tests/integration/test_host.py, with the fix disabled and enabled."""
import collections
import importlib
import sys
import textwrap
import types

import numpy as np
import pytest
import torch

from ltr_cmd import device
from pytracking_cmd import _startup, compat


def make_module(name, source):
    module = types.ModuleType(name)
    exec(textwrap.dedent(source), module.__dict__)
    return module


def test_collections_aliases_are_given_to_the_module_only():
    source = '''
        import collections
        def is_mapping(x):
            return isinstance(x, collections.Mapping)
    '''
    broken = make_module('loader_like', source)
    with pytest.raises(AttributeError):
        broken.is_mapping({})
    fixed = make_module('loader_like', source)
    assert compat.fix_collections_abc(fixed) is True
    assert fixed.is_mapping({}) and not fixed.is_mapping([1])
    assert not hasattr(collections, 'Mapping')  # the process-wide module is untouched


def test_legacy_rfft_layout_matches_torch_1_x():
    signal = torch.arange(12, dtype=torch.float64).reshape(1, 1, 3, 4) ** 1.5
    out = compat._legacy_rfft(signal, 2)
    expected = np.fft.rfft2(signal.numpy())
    assert out.shape == (1, 1, 3, 3, 2)  # [..., n, m//2+1, (real, imag)]
    np.testing.assert_allclose(out[..., 0].numpy(), expected.real, atol=1e-10)
    np.testing.assert_allclose(out[..., 1].numpy(), expected.imag, atol=1e-10)
    back = compat._legacy_irfft(out, 2, signal_sizes=[3, 4])
    np.testing.assert_allclose(back.numpy(), signal.numpy(), atol=1e-10)


def test_legacy_fft_is_given_to_the_module_only():
    source = '''
        import torch
        def spectrum(a):
            return torch.rfft(a, 2)
    '''
    broken = make_module('fourier_like', source)
    with pytest.raises(AttributeError):
        broken.spectrum(torch.ones(1, 1, 2, 2))
    fixed = make_module('fourier_like', source)
    assert compat.fix_legacy_fft(fixed) is True
    assert fixed.spectrum(torch.ones(1, 1, 2, 2))[0, 0, 0, 0, 0].item() == 4.0
    assert fixed.torch.cat is torch.cat  # everything else is torch's own
    assert not hasattr(torch, 'rfft')


def test_legacy_fft_refuses_calls_it_does_not_emulate():
    with pytest.raises(NotImplementedError, match='signal_ndim=2'):
        compat._legacy_rfft(torch.ones(4), 1)


def write_environment_package(tmp_path, local_source):
    package = tmp_path / 'hostpkg'
    package.mkdir()
    (package / '__init__.py').write_text('')
    # pytracking's pattern: a bare except that rewrites local.py with defaults
    (package / 'environment.py').write_text(textwrap.dedent('''
        import importlib, os
        def create_default_local_file():
            open(os.path.join(os.path.dirname(__file__), 'local.py'), 'w').write('# defaults\\n')
        def env_settings():
            try:
                return importlib.import_module('hostpkg.local').local_env_settings()
            except:
                create_default_local_file()
                raise RuntimeError('YOU HAVE NOT SETUP YOUR local.py!!!')
    '''))
    if local_source is not None:
        (package / 'local.py').write_text(local_source)
    return package


@pytest.fixture
def host_package(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    yield lambda source: write_environment_package(tmp_path, source)
    for name in [n for n in sys.modules if n.startswith('hostpkg')]:
        del sys.modules[name]


def test_a_broken_local_py_is_reported_and_never_overwritten(host_package):
    broken = 'import not_a_module_anywhere\ndef local_env_settings():\n    return 1\n'
    package = host_package(broken)
    environment = importlib.import_module('hostpkg.environment')
    with pytest.raises(RuntimeError):
        environment.env_settings()
    assert (package / 'local.py').read_text() == '# defaults\n'  # the problem: the host lost the user's file

    (package / 'local.py').write_text(broken)
    del sys.modules['hostpkg.environment']
    environment = importlib.import_module('hostpkg.environment')
    assert compat.guard_local_py(environment, 'hostpkg.local') is True
    with pytest.raises(RuntimeError, match='local.py could not be imported .*not_a_module_anywhere'):
        environment.env_settings()
    assert (package / 'local.py').read_text() == broken


def test_a_working_local_py_is_read_through_the_guard(host_package):
    host_package('def local_env_settings():\n    return "settings"\n')
    environment = importlib.import_module('hostpkg.environment')
    compat.guard_local_py(environment, 'hostpkg.local')
    assert environment.env_settings() == 'settings'


def test_a_missing_local_py_is_created_as_the_host_does(host_package):
    package = host_package(None)
    environment = importlib.import_module('hostpkg.environment')
    compat.guard_local_py(environment, 'hostpkg.local')
    with pytest.raises(RuntimeError, match='YOU HAVE NOT SETUP'):
        environment.env_settings()
    assert (package / 'local.py').read_text() == '# defaults\n'


@pytest.mark.parametrize('value, expected', [('cpu', False), ('auto', torch.cuda.is_available())])
def test_device_choice_follows_the_variable(monkeypatch, value, expected):
    monkeypatch.setenv(device.DEVICE_VARIABLE, value)
    assert device.use_gpu() is expected


def test_device_choice_rejects_unknown_values_and_unavailable_cuda(monkeypatch):
    monkeypatch.setenv(device.DEVICE_VARIABLE, 'gpu0')
    with pytest.raises(ValueError, match="PYTRACKING_CMD_DEVICE='gpu0'"):
        device.use_gpu()
    if not torch.cuda.is_available():
        monkeypatch.setenv(device.DEVICE_VARIABLE, 'cuda')
        with pytest.raises(RuntimeError, match='no CUDA device'):
            device.use_gpu()


# --- the start-up hook's finder ----------------------------------------------------------------

@pytest.fixture
def fake_tree(tmp_path, monkeypatch):
    (tmp_path / 'fakehost').mkdir()
    (tmp_path / 'fakehost' / '__init__.py').write_text('')
    (tmp_path / 'fakehost' / 'target.py').write_text('VALUE = 1\nimport fakehost.order as o; o.log.append("exec")\n')
    (tmp_path / 'fakehost' / 'order.py').write_text('log = []\n')
    (tmp_path / 'fakehost' / 'vendor').mkdir()  # an empty submodule folder, as a plain clone has
    (tmp_path / 'fakeplugin.py').write_text(textwrap.dedent('''
        import fakehost.order as o
        def before():
            o.log.append('before')
        def after(module):
            o.log.append('after')
            module.VALUE = 2
        class StandIn:
            pass
    '''))
    monkeypatch.syspath_prepend(str(tmp_path))
    finder = _startup.PytrackingCmdFinder(
        hooks={'fakehost.target': (['fakeplugin:before'], ['fakeplugin:after'])},
        aliases={'fakehost.vendor.lib.pool': 'fakeplugin'})
    sys.meta_path.insert(0, finder)
    yield finder
    sys.meta_path.remove(finder)
    for name in [n for n in sys.modules if n.startswith(('fakehost', 'fakeplugin'))]:
        del sys.modules[name]


def test_fixes_run_around_the_first_import_of_their_module(fake_tree):
    target = importlib.import_module('fakehost.target')
    assert target.VALUE == 2
    assert importlib.import_module('fakehost.order').log == ['before', 'exec', 'after']


def test_a_disabled_fix_is_skipped(fake_tree, monkeypatch):
    monkeypatch.setenv(_startup.DISABLE_VARIABLE, 'after')
    assert importlib.import_module('fakehost.target').VALUE == 1


def test_an_alias_is_the_same_module_even_below_missing_packages(fake_tree):
    from fakehost.vendor.lib.pool import StandIn
    assert StandIn is importlib.import_module('fakeplugin').StandIn


def test_modules_without_hooks_are_left_to_the_other_finders(fake_tree):
    assert fake_tree.find_spec('fakehost.order', None) is None
