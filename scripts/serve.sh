#!/usr/bin/env bash
# Sets up Polku and serves it on http://127.0.0.1:8000 with SQLite and the bundled data.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
.venv/bin/python -m app init
exec .venv/bin/python -m app serve --host "${HOST:-127.0.0.1}" --port "${PORT:-8000}" "$@"
