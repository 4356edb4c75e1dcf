#!/usr/bin/env bash
# Set up pytracking-cmd on this machine: a virtual environment with torch/torchvision and
# pytracking's imports, the plugin installed (editable), a pytracking checkout, and registration.
#
#   scripts/setup.sh [--tests]
#
# Environment:
#   VENV             where the virtual environment goes (default: .venv in the repository)
#   PYTRACKING_ROOT  an existing pytracking checkout (default: ~/.cache/pytracking-cmd/pytracking)
#   PYTRACKING_PIN   the pytracking commit to clone (default: the tested one)
# With --tests, a missing checkout that cannot be cloned is not an error: the integration tests
# then skip and say so. Without it (the demo), a checkout is required.
set -euo pipefail
cd "$(dirname "$0")/.."
tests_only=0
case "${1:-}" in
  --tests) tests_only=1 ;;
  -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
  '') ;;
  *) echo "setup.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
esac

VENV=${VENV:-$PWD/.venv}
PIN=${PYTRACKING_PIN:-7eb9e74bd3d40e29dbcec444902237da13de247b}
ROOT=${PYTRACKING_ROOT:-$HOME/.cache/pytracking-cmd/pytracking}
say() { echo "[setup] $*" >&2; }

if [[ ! -x $VENV/bin/python ]]; then
  say "creating $VENV"
  python3 -m venv "$VENV"
fi
PY=$VENV/bin/python
pip() { "$PY" -m pip --disable-pip-version-check -q "$@" 2>&1 | grep -v -e 'is ignored: it is neither' >&2 || true; }
installed() { "$PY" -c "import importlib.metadata as m, sys; sys.exit(m.version('$1') != '$2')" 2>/dev/null; }

# torch pinned: an unpinned torch pulls the newest CUDA build and gigabytes of CUDA packages.
installed torch 2.13.0 || installed torch 2.13.0+cpu || { say "installing torch 2.13.0"; pip install torch==2.13.0; }
# The only torchvision wheel matching torch 2.13.0; --no-deps keeps pip from replacing torch.
if ! installed torchvision 0.28.0 && ! installed torchvision 0.28.0+cpu && ! installed torchvision 0.28.0+cu130; then
  say "installing torchvision 0.28.0 (--no-deps)"
  "$PY" -m pip install -q --no-deps torchvision==0.28.0 2>&1 | grep -v 'is ignored' >&2 || true
fi
say "installing pytracking's imports and pytracking-cmd"
# setuptools<81 keeps pkg_resources, which visdom's build (a hard import of pytracking) needs.
# One pip call with numpy and pillow: pip's check after a call without them reports torchvision as broken.
pip install 'setuptools<81' wheel numpy pillow opencv-python-headless matplotlib pandas tqdm scipy tensorboard scikit-image \
    pycocotools jpeg4py timm pytest
# ONNX export and ONNX Runtime tracking (docs/deploy.md; the tests export and track): the CPU onnxruntime wheel;
# onnxscript is what torch.onnx.export(dynamo=True) needs.
"$PY" -c 'import onnx, onnxruntime, onnxscript' 2>/dev/null || pip install onnx onnxruntime onnxscript
"$PY" -c 'import visdom' 2>/dev/null || pip install --no-build-isolation visdom
"$PY" -c 'import lvis' 2>/dev/null || pip install --no-deps lvis   # its deps would add opencv-python
pip install --no-build-isolation --no-deps -e .
"$PY" -c 'import torch, pytracking_cmd' || { say "the environment is incomplete (see the messages above)"; exit 1; }
"$PY" -c 'import vot, trax' 2>/dev/null || scripts/install-vot.sh "$PY"

if [[ ! -f $ROOT/pytracking/run_tracker.py ]]; then
  say "no pytracking checkout at $ROOT; cloning visionml/pytracking at ${PIN:0:7}"
  if timeout 300 git clone -q --no-checkout https://github.com/visionml/pytracking.git "$ROOT" 2>/dev/null \
     && git -C "$ROOT" -c advice.detachedHead=false checkout -q "$PIN"; then
    if "$PY" -c 'import torch, sys; sys.exit(not torch.cuda.is_available())'; then
      say "CUDA available: cloning PreciseRoIPooling (CUDA kernels) into ltr/external"
      rm -rf "$ROOT/ltr/external/PreciseRoIPooling"
      git clone -q https://github.com/vacancy/PreciseRoIPooling.git "$ROOT/ltr/external/PreciseRoIPooling" \
        || say "PreciseRoIPooling could not be cloned: the pure-PyTorch PrRoIPool is used"
    fi
  else
    rm -rf "$ROOT"
    msg="could not clone pytracking (no network?). Provide a checkout of github.com/visionml/pytracking at
        commit $PIN and point PYTRACKING_ROOT to it (or put it at ~/.cache/pytracking-cmd/pytracking)."
    if (( tests_only )); then say "$msg The integration tests will be skipped."; exit 0; fi
    say "$msg"; exit 1
  fi
fi
"$VENV/bin/pytracking-cmd" register "$ROOT"
say "done: activate with '. $VENV/bin/activate'; check with 'pytracking-cmd doctor'"
