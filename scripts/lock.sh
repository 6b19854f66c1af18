#!/usr/bin/env bash
# Regenerates the hash-pinned lock files from pyproject.toml (docs/deployment.md, "Lock files").
#   scripts/lock.sh              keep every locked version that still fits pyproject.toml
#   scripts/lock.sh --upgrade    move the transitive dependencies to their newest versions
# One lock serves Python 3.11–3.13 on every platform (uv's universal resolution).
set -euo pipefail
cd "$(dirname "$0")/.."
UV_VERSION=0.13.8
if ! command -v uv >/dev/null 2>&1 || [[ "$(uv --version | cut -d' ' -f2)" != "$UV_VERSION" ]]; then
  [[ -x .venv-lock/bin/uv ]] || { python3 -m venv .venv-lock && .venv-lock/bin/pip install -q "uv==$UV_VERSION"; }
  PATH="$PWD/.venv-lock/bin:$PATH"
fi
compile() {
  UV_CUSTOM_COMPILE_COMMAND="scripts/lock.sh" uv pip compile pyproject.toml \
    --universal --python-version 3.11 --generate-hashes --quiet "$@"
}
compile -o requirements/runtime.txt "${@}"
compile --extra dev -o requirements/dev.txt "${@}"
echo "Wrote requirements/runtime.txt and requirements/dev.txt"
