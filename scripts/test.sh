#!/usr/bin/env bash
# Installs the test tools and runs lint, type checks and the whole test suite.
# Set TEST_DATABASE_URL (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test) to run
# the database tests on PostgreSQL as well as SQLite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --dev
.venv/bin/ruff check app tests scripts bench
.venv/bin/ruff format --check app tests scripts bench
.venv/bin/mypy
.venv/bin/lint-imports --no-cache  # layering contracts: [tool.importlinter] in pyproject.toml
.venv/bin/djlint templates --lint  # template linter: [tool.djlint] in pyproject.toml
# Two workers by default (each gets its own PostgreSQL schemas); PYTEST_WORKERS=0 runs serially.
.venv/bin/python -m pytest -n "${PYTEST_WORKERS:-2}" "$@"
