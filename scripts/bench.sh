#!/usr/bin/env bash
# Run every benchmark in benchmarks/ (each prints its figures and the ratio to its target).
set -euo pipefail
cd "$(dirname "$0")/.."
for b in benchmarks/bench_*.py; do
  echo "== $b"
  .venv/bin/python "$b"
done
