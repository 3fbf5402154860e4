#!/usr/bin/env bash
# Install everything into .venv, migrate the SQLite database, load demo data, serve.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/venv.sh requirements.txt
.venv/bin/flask --app wsgi db upgrade
.venv/bin/flask --app wsgi seed-demo
exec .venv/bin/python wsgi.py
