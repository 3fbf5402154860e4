#!/usr/bin/env bash
# Install everything into .venv, lint, run the whole test suite.
# SQLite by default; PostgreSQL / Redis when TEST_DATABASE_URL / TEST_REDIS_URL are set.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/venv.sh requirements-dev.txt
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/lint-imports
exec .venv/bin/python -m pytest "$@"
