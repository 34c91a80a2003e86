#!/usr/bin/env bash
# Set up a working copy: a virtualenv (.venv) with hitl-widgets installed editable (which runs the
# esbuild bundle of js/ through hatch-jupyter-builder), torch's CPU build for the notebooks (from
# PyTorch's CPU wheel index when reachable: see below), and the extras named in $1 ("demo" or "test").
# "test" also installs Debian's Chromium for the browser tests when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
EXTRAS=${1:-demo}

need_apt=()
command -v node >/dev/null || need_apt+=(nodejs npm)
if [ "$EXTRAS" = test ] && [ ! -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then
  need_apt+=(chromium fonts-dejavu-core)
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}"
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
npm ci --no-audit --no-fund --loglevel=error   # pinned by package-lock.json
# torch (the notebooks' CNN, the torch adapters and their tests; the package itself never needs it),
# its CPU build: on Linux x86_64 the torch wheel of the default index (PyPI) is usually the CUDA
# build, which pulls several GB of nvidia-* packages. So torch comes from PyTorch's CPU wheel index
# when that index can be reached. When it cannot, torch comes from the default index, and this says
# so and then which build it got: on a machine whose index serves only the CPU wheel (as ours do),
# that is the CPU build; elsewhere it may be the CUDA one (it works on a CPU too, only larger).
# The test extra pins the same version, so the install below keeps this build.
TORCH_VERSION=2.13.0
TORCH_CPU_INDEX=https://download.pytorch.org/whl/cpu
if .venv/bin/python -c "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=15)" "$TORCH_CPU_INDEX/torch/" 2>/dev/null; then
  .venv/bin/pip install -q "torch==$TORCH_VERSION" --index-url "$TORCH_CPU_INDEX"
else
  echo "setup: PyTorch's CPU wheel index ($TORCH_CPU_INDEX) cannot be reached: torch==$TORCH_VERSION from the default index" >&2
  .venv/bin/pip install -q "torch==$TORCH_VERSION"
fi
.venv/bin/python -c "import torch; print('torch', torch.__version__, '(CUDA build, CUDA ' + torch.version.cuda + ')' if torch.version.cuda else '(CPU build)')"
# the tests also exercise the PostgreSQL backend
if [ "$EXTRAS" = test ]; then EXTRAS="test,postgres"; fi
.venv/bin/pip install -q -e ".[$EXTRAS]"
.venv/bin/python -c "import hitl_widgets, pathlib; p = pathlib.Path(hitl_widgets.__file__).parent / 'static' / 'classify.js'; assert p.is_file(), p; print('hitl-widgets', hitl_widgets.__version__, 'ready')"
