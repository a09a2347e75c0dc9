#!/usr/bin/env bash
# Run every test: lint, migrations check, policy of no missing migrations, then pytest (browser
# tests included; they need Debian's chromium at /usr/bin/chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
mkdir -p var
# The browser tests need Debian's chromium: install it when missing (as root), never skip them.
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "== installing chromium for the browser tests"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "The browser tests need Chromium at /usr/bin/chromium: run 'sudo apt-get install chromium' and try again." >&2
    exit 1
  fi
fi
$PY -m anju makemigrations --check --dry-run >/dev/null || { echo "Missing migrations: run anju makemigrations"; exit 1; }
.venv/bin/ruff check anju benchmarks conftest.py
.venv/bin/pytest -q -p no:randomly "$@"
