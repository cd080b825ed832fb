#!/usr/bin/env bash
# Sourced by run.sh and test.sh: point DATABASE_URL and REDIS_URL at this machine's
# PostgreSQL and Redis when they answer (and the variables are not set already).
pg_up() { (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; }
redis_up() { [ "$( (exec 3<>/dev/tcp/127.0.0.1/6379 && printf 'PING\r\n' >&3 && head -c 5 <&3) 2>/dev/null)" = "+PONG" ]; }
# ABSHER_OFFLINE=1 behaves as a machine without PostgreSQL and Redis (to try the fallback).
if [ "${ABSHER_OFFLINE:-0}" = "1" ]; then
  pg_up() { return 1; }
  redis_up() { return 1; }
fi
if [ -z "${DATABASE_URL:-}" ] && pg_up; then
  export DATABASE_URL="postgres://postgres@127.0.0.1:5432/${ABSHER_DB:-absher}"
fi
if [ -z "${REDIS_URL+x}" ] && redis_up; then
  export REDIS_URL="redis://127.0.0.1:6379/${ABSHER_REDIS_DB:-0}"
fi
