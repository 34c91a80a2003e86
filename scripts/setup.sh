#!/usr/bin/env bash
# Set up a working copy: a virtualenv (.venv) with hitl-widgets installed editable (which runs the
# esbuild bundle of js/ through hatch-jupyter-builder), torch's CPU build for the notebooks, and
# the extras named in $1 ("demo" or "test").
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
# torch (the notebooks' CNN and the torch adapters): pinned to the CPU build, since an unpinned
# torch pulls a multi-GB CUDA build. The package itself never needs it.
step "torch, CPU build (the first time: a few minutes)"
.venv/bin/pip install -q "torch==2.13.0"
# the tests also exercise the PostgreSQL backend
if [ "$EXTRAS" = test ]; then EXTRAS="test,postgres"; fi
step "hitl-widgets and its [$EXTRAS] extras (pip; builds the front-end bundles)"
.venv/bin/pip install -q -e ".[$EXTRAS]"
.venv/bin/python -c "import hitl_widgets, pathlib; p = pathlib.Path(hitl_widgets.__file__).parent / 'static' / 'classify.js'; assert p.is_file(), p; print('hitl-widgets', hitl_widgets.__version__, 'ready')"
