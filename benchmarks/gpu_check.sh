#!/usr/bin/env bash
# GPU checks for training at scale, at most about 8 minutes on one GPU (each step has its own limit):
#   1. PrRoIPool: the original CUDA kernels (when they build) vs ours, values and time
#   2. super_dimp_cmd training step: fp32 vs bf16 vs fp16 autocast, and vs the real stock step
#   3. a 1-GPU NCCL torchrun smoke run of dimp18_cmd (DDP with one rank vs the plain process)
#   4. tracking speed on the GPU: dimp_cmd vs dimp, atom_cmd vs atom, tomp_cmd vs tomp
#   5. gradient bytes DDP synchronises per step against the trained parameters (dimp50_cmd, 2 gloo ranks)
#   6. the pause between epochs with 4 loader workers: kept (EpochLoader) vs respawned
#   7. ONNX Runtime tracking (docs/deploy.md): PyTorch vs the CUDA execution provider, and vs TensorRT's, where
#      the installed onnxruntime has them (onnxruntime-gpu; the CPU wheel has neither: the step says so)
# Usage: benchmarks/gpu_check.sh   (PYTHON=<interpreter with the plugin>, default .venv/bin/python;
# needs a registered pytracking checkout). Prints each step's output and exit status.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-4}

if ! "$PY" -c 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)'; then
  echo "gpu_check: torch in $PY sees no CUDA device; run it on a GPU machine" >&2
  exit 2
fi
nvidia-smi -L 2>/dev/null || true
"$PY" -c 'import torch; print("torch", torch.__version__, "CUDA", torch.version.cuda, torch.cuda.get_device_name(0))'

failures=0
step() {  # step TITLE SECONDS COMMAND...
  local title=$1 limit=$2
  shift 2
  echo
  echo "== $title (limit ${limit}s)"
  local started=$SECONDS
  timeout "$limit" "$@" 2>&1 | grep -v -e FutureWarning -e 'warnings.warn'
  local rc=${PIPESTATUS[0]}
  echo "-- exit $rc after $((SECONDS - started)) s"
  [[ $rc -eq 0 ]] || failures=$((failures + 1))
}

step "PrRoIPool: CUDA original vs ours" 60 \
  "$PY" benchmarks/prroi.py --threads 4 --batch 3 --crops 288 --repeats 5
step "super_dimp_cmd and tomp50_cmd steps: fp32 vs bf16 vs fp16, real stock step (batch 10)" 180 \
  "$PY" benchmarks/train_step.py --baselines super_dimp tomp50 --steps 5 --batch-size 10 --threads 4 --pipeline-samples 0
step "1-GPU NCCL torchrun smoke run: dimp18_cmd, plain process vs DDP with one rank" 120 \
  "$PY" benchmarks/ddp_scaling.py --settings dimp18_cmd --nproc 1 --backend nccl --iterations 10 --threads 4
step "tracking speed on the GPU: plugin vs stock trackers" 120 \
  "$PY" benchmarks/track_fps.py --frames 60 --repeats 2 --threads 4
step "DDP traffic: dimp50_cmd, 2 gloo ranks" 90 \
  "$PY" benchmarks/ddp_traffic.py --setting dimp50_cmd --steps 2
step "pause between epochs, 4 spawned workers" 60 \
  "$PY" benchmarks/epoch_pause.py --workers 4 --epochs 3 --batches 8
providers=$("$PY" -c 'import onnxruntime as o; print(" ".join(o.get_available_providers()))' 2>/dev/null)
echo
echo "== ONNX Runtime execution providers: ${providers:-onnxruntime not installed}"
if [[ $providers == *CUDAExecutionProvider* ]]; then
  step "tracking speed: PyTorch vs ONNX Runtime CUDA provider" 300 \
    "$PY" benchmarks/track_fps.py --backend onnxruntime --frames 30 --repeats 1 --threads 4 \
    --providers CUDAExecutionProvider CPUExecutionProvider
else
  echo "-- no CUDAExecutionProvider: install onnxruntime-gpu for the CUDA and TensorRT steps"
fi
if [[ $providers == *TensorrtExecutionProvider* ]]; then
  step "tracking speed: PyTorch vs ONNX Runtime TensorRT provider (ToMP-50)" 300 \
    "$PY" benchmarks/track_fps.py --backend onnxruntime --trackers ToMP-50 --frames 30 --repeats 1 --threads 4 \
    --providers TensorrtExecutionProvider CUDAExecutionProvider CPUExecutionProvider
fi
echo
echo "gpu_check: $failures step(s) failed"
exit $((failures > 0))
