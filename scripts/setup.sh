#!/usr/bin/env bash
# Set up a working copy: a virtualenv (.venv) with hitl-widgets installed editable (which runs the
# esbuild bundle of js/ through hatch-jupyter-builder), torch's CPU build for the notebooks (from
# PyTorch's CPU wheel index when reachable: see below), and the extras named in $1 ("demo" or "test").
# "test" also installs Debian's Chromium for the browser tests when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
EXTRAS=${1:-demo}
step() { echo "==> setup: $*" >&2; }

need_apt=()
command -v node >/dev/null || need_apt+=(nodejs npm)
if [ "$EXTRAS" = test ] && [ ! -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then
  need_apt+=(chromium fonts-dejavu-core)
fi
# espeak-ng speaks the synthetic utterances of the speech tests and notebook (hitl_widgets.demo.speech)
command -v espeak-ng >/dev/null || need_apt+=(espeak-ng)
if [ ${#need_apt[@]} -gt 0 ]; then
  step "Debian packages: ${need_apt[*]} (apt-get, about a minute)"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}"
fi

step "Python virtual environment (.venv)"
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
step "front-end build tools (npm ci, pinned by package-lock.json)"
npm ci --no-audit --no-fund --loglevel=error   # pinned by package-lock.json
# torch (the notebooks' CNN, the torch adapters and their tests; the package itself never needs it),
# its CPU build: on Linux x86_64 the torch wheel of the default index (PyPI) is usually the CUDA
# build, which pulls several GB of nvidia-* packages. So torch comes from PyTorch's CPU wheel index
# when that index can be reached (HITL_TORCH_INDEX names another; a torch of the pinned version
# already installed is kept, and nothing is probed). When the index cannot be reached, torch comes
# from the default index, and this says so and then which build it got: on a machine whose index
# serves only the CPU wheel (as ours do), that is the CPU build; elsewhere it may be the CUDA one
# (it works on a CPU too, only larger). The test extra pins the same version.
TORCH_VERSION=2.13.0
TORCH_CPU_INDEX=${HITL_TORCH_INDEX:-https://download.pytorch.org/whl/cpu}
if .venv/bin/python -c "import sys, torch; sys.exit(torch.__version__.split('+')[0] != sys.argv[1])" "$TORCH_VERSION" 2>/dev/null; then
  step "torch $TORCH_VERSION already installed"
elif .venv/bin/python -c "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=5)" "$TORCH_CPU_INDEX/torch/" 2>/dev/null; then
  step "torch $TORCH_VERSION, CPU build, from $TORCH_CPU_INDEX (the first time: a few minutes)"
  .venv/bin/pip install -q "torch==$TORCH_VERSION" --index-url "$TORCH_CPU_INDEX"
else
  step "torch $TORCH_VERSION from the default index ($TORCH_CPU_INDEX cannot be reached; the first time: a few minutes)"
  .venv/bin/pip install -q "torch==$TORCH_VERSION"
fi
.venv/bin/python -c "import torch; print('torch', torch.__version__, '(CUDA build, CUDA ' + torch.version.cuda + ')' if torch.version.cuda else '(CPU build)')"
# the tests also exercise the PostgreSQL backend
if [ "$EXTRAS" = test ]; then EXTRAS="test,postgres"; fi
step "hitl-widgets and its [$EXTRAS] extras (pip; builds the front-end bundles)"
.venv/bin/pip install -q -e ".[$EXTRAS]"
.venv/bin/python -c "import hitl_widgets, pathlib; p = pathlib.Path(hitl_widgets.__file__).parent / 'static' / 'classify.js'; assert p.is_file(), p; print('hitl-widgets', hitl_widgets.__version__, 'ready')"
