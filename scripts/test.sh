#!/usr/bin/env bash
# Set everything up, then run the whole test suite: the TypeScript check, lint (typescript-eslint,
# ruff) and types (mypy), vitest (happy-dom and real Chromium), then pytest (unit, property,
# notebooks, and real-JupyterLab browser tests), with the store's tests on SQLite and on a local
# PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
# a throw-away PostgreSQL on 127.0.0.1 for the store's second backend (installed when missing)
pg_env="$(bash scripts/postgres.sh)"
eval "$pg_env"
npx tsc --noEmit
npm run lint            # typescript-eslint on js/
.venv/bin/ruff check .  # lint: hitl_widgets, tests, benchmarks, scripts ([tool.ruff])
.venv/bin/mypy          # types: hitl_widgets ([tool.mypy])
npx vitest run
.venv/bin/python -m pytest "$@"
