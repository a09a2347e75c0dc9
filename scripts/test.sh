#!/usr/bin/env bash
# Run every test: lint, migrations check, policy of no missing migrations, then pytest (browser
# tests included; they need Debian's chromium at /usr/bin/chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
mkdir -p var
$PY -m anju makemigrations --check --dry-run >/dev/null || { echo "Missing migrations: run anju makemigrations"; exit 1; }
.venv/bin/ruff check anju benchmarks conftest.py
.venv/bin/pytest -q -p no:randomly "$@"
