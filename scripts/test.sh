#!/usr/bin/env bash
# Installs the test tools and runs lint, type checks and the whole test suite, then the suite
# without the browser on the other supported Python versions (scripts/test_other_pythons.sh).
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
# The other supported Python versions (3.12 and 3.13 beside .venv's 3.11): the suite without
# browser and PostgreSQL, in .venv-py312/ and .venv-py313/; a version this machine lacks is
# skipped with the reason. Not when arguments chose some tests; SKIP_OTHER_PYTHONS=1 skips it.
if (($# == 0)) && [[ -z "${SKIP_OTHER_PYTHONS:-}" ]]; then
  scripts/test_other_pythons.sh
else
  echo "Other Python versions not tested (pytest arguments given or SKIP_OTHER_PYTHONS set)."
fi
