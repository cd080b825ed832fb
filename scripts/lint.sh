#!/usr/bin/env bash
# `make lint`: ruff (lint rules and formatting) and import-linter (the arrows between the apps,
# contracts in pyproject.toml). Runs every check, then fails if any failed. docs/tooling.md
# explains how to read a failure.
set -uo pipefail
cd "$(dirname "$0")/.."
failed=()
echo "lint: ruff check"
.venv/bin/ruff check "$@" . || failed+=("ruff check")
echo "lint: ruff format --check"
.venv/bin/ruff format --check --output-format concise . || failed+=("ruff format")
echo "lint: lint-imports"
.venv/bin/lint-imports || failed+=("lint-imports")
if [ ${#failed[@]} -gt 0 ]; then
  echo "lint: FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "lint: all checks passed"
