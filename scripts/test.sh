#!/usr/bin/env bash
# `make test`: the whole suite against this machine's PostgreSQL and Redis, browser included.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/services.sh
if [ -z "${DATABASE_URL:-}" ] || [ -z "${REDIS_URL:-}" ]; then
  echo "test: the suite needs PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379 (or DATABASE_URL and REDIS_URL)." >&2
  exit 2
fi
echo "test: DATABASE_URL=${DATABASE_URL} REDIS_URL=${REDIS_URL}"
exec .venv/bin/python -m pytest "$@"
