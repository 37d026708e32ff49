#!/usr/bin/env bash
# Checks measure on a real NVIDIA GPU in one run of under 8 minutes, printing every figure:
#   1. an environment from the project's own files: a fresh venv (python3.11, else
#      python3) in $GPU_CHECK_VENV (default /tmp/modelcarbon-gpu-venv); if torch there
#      cannot see CUDA, torch is installed from the index (PyPI's Linux x86-64 wheels
#      are CUDA builds; the Makefile's pinned CPU torch is not), then
#      `pip install -e '.[torch,gpu,dev,minilm]'` (minilm: transformers, for the serving loop);
#   2. the real-GPU tests: pytest -m gpu (tests/measure/test_gpu_real.py);
#   3. tools/gpu_check.py: the NVML-to-CUDA UUID mapping, a short CUDA training loop
#      measured by the energy counter and by sampled power side by side, a compare() of
#      two batch sizes, and the serving loop (the tiny GPT-2 on CUDA, each prefill, decode
#      and idle window measured by NVML, per-token figures printed).
# Settings (environment):
#   GPU_CHECK_PYTHON  the interpreter for the venv (default python3.11, else python3)
#   GPU_CHECK_VENV    the venv folder; "none": use GPU_CHECK_PYTHON as it is, installing
#                     nothing (a machine whose python already has CUDA torch and the
#                     project's dependencies; the repository goes on PYTHONPATH)
#   WHEELS            a folder of wheels: pip installs from it alone (a machine offline)
#   GPU_CHECK_QUICK   1: shorter loops (about 3 minutes with an environment ready)
# Exit status: 0 every check passed, 2 no usable GPU, else the failing step's status.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
step() { printf '\n=== gpu_check [%ss]: %s\n' "$(($(date +%s) - started))" "$*"; }

py=${GPU_CHECK_PYTHON:-}
if [ -z "$py" ]; then
    if command -v python3.11 >/dev/null 2>&1; then py=python3.11; else py=python3; fi
fi
venv=${GPU_CHECK_VENV:-${TMPDIR:-/tmp}/modelcarbon-gpu-venv}
quick=${GPU_CHECK_QUICK:-0}

step "the machine"
if command -v nvidia-smi >/dev/null 2>&1; then
    nvidia-smi --query-gpu=index,name,uuid,driver_version,power.draw,power.limit \
        --format=csv || true
else
    echo "no nvidia-smi on PATH: the Python checks will say what is missing"
fi

pip_args=(-q --disable-pip-version-check)
if [ -n "${WHEELS:-}" ]; then
    pip_args+=(--no-index --find-links "$WHEELS")
fi

if [ "$venv" = "none" ]; then
    step "using $py as it is (GPU_CHECK_VENV=none)"
    python=$(command -v "$py")
    export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
else
    step "environment: $venv from $py"
    [ -x "$venv/bin/python" ] || "$py" -m venv "$venv"
    python="$(cd "$venv" && pwd)/bin/python"
    cuda_ok="import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)"
    if ! timeout 120 "$python" -c "$cuda_ok" >/dev/null 2>&1; then
        echo "torch in $venv is missing or sees no CUDA: installing torch (CUDA) from the index"
        timeout 300 "$python" -m pip install "${pip_args[@]}" torch
    fi
    timeout 180 "$python" -m pip install "${pip_args[@]}" -e '.[torch,gpu,dev,minilm]'
fi
"$python" -c "import torch; print('torch', torch.__version__, 'CUDA', torch.version.cuda, \
'available', torch.cuda.is_available())" || true

step "real-GPU tests (pytest -m gpu)"
PYTHONUNBUFFERED=1 timeout 120 "$python" -m pytest -m gpu -q -p no:randomly -p no:xdist \
    -rs tests/measure/test_gpu_real.py

step "measure on the GPU (tools/gpu_check.py)"
args=()
[ "$quick" = "1" ] && args+=(--quick)
status=0
PYTHONUNBUFFERED=1 timeout 240 "$python" -m tools.gpu_check "${args[@]}" || status=$?
step "done (exit $status)"
exit "$status"
