#!/usr/bin/env bash
# `make run`: migrate, seed the demo people, start a worker and beat when Redis is there,
# and serve the portal on 127.0.0.1:8000.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/services.sh
PY=.venv/bin/python
if [ -n "${DATABASE_URL:-}" ]; then
  echo "run: database ${DATABASE_URL}"
  $PY - <<'PY'
import os, psycopg
url = os.environ["DATABASE_URL"]
if url.startswith("postgres"):
    base, name = url.rsplit("/", 1)
    with psycopg.connect(base + "/postgres", autocommit=True) as c:
        if not c.execute("select 1 from pg_database where datname=%s", (name,)).fetchone():
            c.execute(f'create database "{name}"')
PY
else
  echo "run: PostgreSQL not reachable on 127.0.0.1:5432 — falling back to SQLite (db.sqlite3)"
fi
$PY manage.py migrate -v 0
$PY manage.py seed_demo
pids=()
if [ -n "${REDIS_URL:-}" ]; then
  echo "run: Redis at ${REDIS_URL} — starting a Celery worker (queues default, faces) and beat"
  mkdir -p var
  $PY -m celery -A absher worker -Q default,faces -c 2 -l INFO > var/worker.log 2>&1 & pids+=($!)
  $PY -m celery -A absher beat -l INFO -s var/celerybeat-schedule > var/beat.log 2>&1 & pids+=($!)
  trap 'kill ${pids[*]} 2>/dev/null || true' EXIT
else
  echo "run: Redis not reachable on 127.0.0.1:6379 — tasks run in-process in the web server"
fi
PORT=${PORT:-8000}
echo "run: portal on http://127.0.0.1:${PORT}/  (officers: http://127.0.0.1:${PORT}/admin/, user officer)"
$PY manage.py runserver "127.0.0.1:${PORT}"
