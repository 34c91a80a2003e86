#!/usr/bin/env bash
# Set everything up, then open the quickstart notebook in JupyterLab.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh demo
ROOT_FLAG=""; [ "$(id -u)" = 0 ] && ROOT_FLAG="--allow-root"
exec .venv/bin/jupyter lab $ROOT_FLAG "${@:-notebooks/01_quickstart.ipynb}"
