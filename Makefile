.PHONY: setup run test bench lint messages

# One-time and idempotent: system packages, virtualenv, Python packages, translations.
setup:
	@bash scripts/setup.sh

# The portal with demo data on http://127.0.0.1:8000 (PostgreSQL and Redis when they answer,
# SQLite and in-process tasks otherwise).
run: setup
	@bash scripts/run.sh

# The whole test suite against PostgreSQL and Redis, browser tests included.
test: setup
	@bash scripts/test.sh $(ARGS)

bench: setup
	@bash -c 'source scripts/services.sh; .venv/bin/python scripts/bench_photo_check.py'

# Refresh the Arabic catalogues after changing strings.
messages: setup
	@bash scripts/messages.sh
