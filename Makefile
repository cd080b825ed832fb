.PHONY: setup run test bench bench-web lint format lock messages

# One-time and idempotent: system packages, virtualenv from uv.lock, translations.
setup:
	@bash scripts/setup.sh

# The portal with demo data on http://127.0.0.1:8000 (PostgreSQL and Redis when they answer,
# SQLite and in-process tasks otherwise).
run: setup
	@bash scripts/run.sh

# The whole test suite against PostgreSQL and Redis, browser tests included.
test: setup
	@bash scripts/test.sh $(ARGS)

# ruff (lint and format check) and import-linter (the arrows between the apps).
lint: setup
	@bash scripts/lint.sh

# Apply ruff's safe fixes and the formatter to the whole tree.
format: setup
	@.venv/bin/ruff check --fix . ; .venv/bin/ruff format .

# After editing the dependencies in pyproject.toml: re-resolve uv.lock (see docs/tooling.md).
lock: setup
	@uv=$$(ls .venv/.tools/uv-*/bin/uv | tail -n 1); $$uv lock

bench: setup
	@bash -c 'source scripts/services.sh; .venv/bin/python scripts/bench_photo_check.py'

# Pages under gunicorn (2 workers, production-like settings) on the demo data and on a million
# people (seed_scale; built on the first run, minutes), at 1, 8 and 32 clients: p50/p99, ratios, plans.
# BENCH_SECONDS=10 for longer points (default 2); see scripts/bench_web.py for the other knobs.
bench-web: setup
	@bash -c 'source scripts/services.sh; .venv/bin/python scripts/bench_web.py'

# Refresh the Arabic catalogues after changing strings.
messages: setup
	@bash scripts/messages.sh

# schemathesis over the whole API with a valid token, against gunicorn under the production
# settings on a fresh database of its own (FUZZ_DB, default absher_fuzz): 0 server errors and
# 0 schema violations, counts printed (FUZZ_MAX_EXAMPLES per operation, default 5; 1-3 minutes).
.PHONY: fuzz bench-memory
fuzz: setup
	@bash scripts/fuzz.sh

# Peak RSS of the web processes and the face worker under 10 concurrent worst-case photo
# uploads (a 6300x6300 PNG of 170 KB, the largest PNG the memory cap admits, a 6300x6300 JPEG),
# against the stated bound (scripts/bench_memory.py). Not a timed test: it prints.
bench-memory: setup
	@bash -c 'source scripts/services.sh; .venv/bin/python scripts/bench_memory.py'
