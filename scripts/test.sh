#!/usr/bin/env bash
# Set everything up, then run the whole test suite: TypeScript checks and vitest (happy-dom and
# real Chromium), then pytest (unit, notebooks, and real-JupyterLab browser tests).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
npx tsc --noEmit
npx vitest run
.venv/bin/python -m pytest "$@"
