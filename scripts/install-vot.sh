#!/usr/bin/env bash
# Install the VOT toolkit (vot-toolkit 0.9.0, vot-trax, attributee 0.1.9) into the environment of
# pytracking-cmd, for `pytracking-cmd vot init` and `vot evaluate` (docs/vot.md).
#
#   scripts/install-vot.sh [PYTHON]
#
# PYTHON: the environment's interpreter (default: $VENV/bin/python, VENV defaulting to .venv in the
# repository, as in scripts/setup.sh).
# vot-toolkit declares opencv-python, while this environment has opencv-python-headless: both
# packages would write the same cv2 module. So vot-toolkit goes in with --no-deps and its other
# requirements are listed here explicitly (those of 0.9.0's metadata, without opencv-python and the
# jupyter extra); `pip check` then reports "vot-toolkit requires opencv-python", which is expected.
# attributee is pinned: 0.1.10 breaks `import vot` on Python >= 3.11.
set -euo pipefail
case "${1:-}" in -h|--help) sed -n '2,13p' "$0"; exit 0 ;; esac
cd "$(dirname "$0")/.."
PY=${1:-${VENV:-$PWD/.venv}/bin/python}
say() { echo "[install-vot] $*" >&2; }
# pip's status is kept (pipefail); only its notes about unusable index locations are filtered out.
pip() { "$PY" -m pip --disable-pip-version-check -q "$@" 2>&1 | { grep -v 'is ignored: it is neither' || true; } >&2; }
[[ -x $PY ]] || { say "no interpreter at $PY (run scripts/setup.sh first, or pass PYTHON)"; exit 1; }

say "installing vot-toolkit 0.9.0 and its requirements (without opencv-python) into $PY"
pip install \
    'vot-trax>=4.0.1' 'attributee==0.1.9' 'tqdm>=4.37' 'numpy>=1.16' six 'pylatex>=1.3' 'jsonschema>=3.2' \
    'pyYAML>=5.3' 'matplotlib>=3.0' 'Pillow>=7.0' 'numba>=0.47' 'requests>=2.22' 'colorama>=0.4.3' \
    'packaging>=20' 'dominate>=2.5' 'cachetools>=4.1' 'bidict>=0.19' 'phx-class-registry>=5.0' \
    'lazy-object-proxy>=1.9'
pip install --no-deps 'vot-toolkit==0.9.0'

if "$PY" -c 'import importlib.metadata as m; m.version("opencv-python")' 2>/dev/null \
   && "$PY" -c 'import importlib.metadata as m; m.version("opencv-python-headless")' 2>/dev/null; then
  say "both opencv-python and opencv-python-headless are installed: they overwrite each other's cv2." \
      "Keep one: '$PY -m pip uninstall opencv-python' then '$PY -m pip install --force-reinstall --no-deps opencv-python-headless'"
  exit 1
fi
"$PY" -c 'import vot, trax, cv2, torch' || { say "vot, trax, cv2 or torch does not import (see above)"; exit 1; }
say "done: $("$PY" -c 'import vot, trax; print("vot-toolkit", vot.__version__)')"
