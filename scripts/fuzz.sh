#!/usr/bin/env bash
# `make fuzz`: schemathesis over the whole API under production settings (scripts/fuzz.py).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/services.sh
if [ -z "${DATABASE_URL:-}" ] || [ -z "${REDIS_URL:-}" ]; then
  echo "fuzz: needs PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379 (or DATABASE_URL and REDIS_URL)." >&2
  exit 2
fi
exec timeout "${FUZZ_TIMEOUT:-900}" .venv/bin/python scripts/fuzz.py
