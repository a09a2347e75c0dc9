#!/usr/bin/env bash
# Start Anju locally: migrate the SQLite database, load reference and demo data when the database
# is new, then run the web server and the task worker together until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
export ANJU_DEV=${ANJU_DEV:-1}
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
ANJU=".venv/bin/python -m anju"
mkdir -p var/static
fresh=0
[ -f var/anju.sqlite3 ] || fresh=1
$ANJU migrate --no-input -v0
if [ "$fresh" = 1 ]; then
  echo "New database: loading regions, demo users and about 2,000 demo workers..."
  $ANJU seed-demo --workers 2000
else
  $ANJU load-regions >/dev/null
fi
$ANJU load-policies >/dev/null || echo "Warning: some policy packs were rejected (see above); the others are loaded."
$ANJU sync-knowledge >/dev/null
.venv/bin/gunicorn anju.wsgi:application --bind "$HOST:$PORT" --workers 2 --threads 4 --access-logfile - --log-level warning &
web=$!
# `anju worker` first fails the jobs a killed worker left running, then runs db_worker.
$ANJU worker --queue-name default &
worker=$!
# Deadline warnings and escalations, the end of public notice periods, and job matching catching
# up with ledger imports (which skip the per-record refresh): now, then hourly (production: cron,
# see docs/operations.md). The wage-guarantee warning sweep runs once a day (the first pass after
# the date changes).
( swept=""; while true; do $ANJU sweep-deadlines >/dev/null 2>&1; $ANJU close-notices >/dev/null 2>&1; $ANJU index-seekers >/dev/null 2>&1; if [ "$(date +%F)" != "$swept" ] && $ANJU sweep-warnings >/dev/null 2>&1; then swept=$(date +%F); fi; sleep 3600; done ) &
sweeper=$!
trap 'kill $web $worker $sweeper 2>/dev/null; wait 2>/dev/null' INT TERM EXIT
sleep 1
cat <<MSG

  Anju is running at http://$HOST:$PORT/
  Public policy self-check (no login): http://$HOST:$PORT/check/
  Work queue (我的待办): http://$HOST:$PORT/workflow/queue/  ·  verification rounds: http://$HOST:$PORT/ledger/rounds/
  Benefits (待遇): http://$HOST:$PORT/benefits/  ·  apply online: http://$HOST:$PORT/apply/  ·  public notices: http://$HOST:$PORT/notices/
  Demo logins (password: anju-demo):
    shishi-town       town officer, 湖滨街道 (Shishi)
    shishi-hrss       county officer, 石狮市
    quanzhou-hrss     city officer, 泉州市
    lanxian-hrss      county officer, 岚县
    shishi-civil, shishi-union, shishi-finance, shishi-inspector
    shishi-employer   employer HR clerk, own organisation only
    shishi-contractor general contractor's payroll supervisor, own organisation only
    auditor           read-only, audit log
    admin             administrator
  Press Ctrl-C to stop.

MSG
wait -n $web $worker
