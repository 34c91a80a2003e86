#!/usr/bin/env bash
# Set everything up, then open the quickstart notebook in JupyterLab.
#
# The server runs in a work folder outside the tracked tree (default: demo-work/, git-ignored), with
# copies of the notebooks: the databases, exports and autosaves of a demo never touch the repository.
# A notebook already in the work folder is kept as it is (your edits survive a second run);
# delete it to get the repository's version again. HITL_DEMO_DIR chooses another folder.
#
#   bash scripts/demo.sh                                   # opens 01_quickstart.ipynb
#   bash scripts/demo.sh 03_active_learning.ipynb          # or another notebook
#   bash scripts/demo.sh --port 8899                       # JupyterLab's own options follow
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
bash scripts/setup.sh demo
WORK="${HITL_DEMO_DIR:-$ROOT/demo-work}"
mkdir -p "$WORK"
cp -n notebooks/*.ipynb "$WORK"/
NOTEBOOK=01_quickstart.ipynb
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then NOTEBOOK="$(basename "$1")"; shift; fi  # the rest: JupyterLab's options
[ -f "$WORK/$NOTEBOOK" ] || { echo "demo.sh: no notebook $NOTEBOOK in notebooks/" >&2; exit 1; }
echo "==> JupyterLab in $WORK (the notebooks there are copies; the repository stays clean)"
ROOT_FLAG=""; [ "$(id -u)" = 0 ] && ROOT_FLAG="--allow-root"
cd "$WORK"
exec "$ROOT/.venv/bin/jupyter" lab $ROOT_FLAG "$NOTEBOOK" "$@"
