#!/usr/bin/env bash
# Installs what Polku needs on a Debian/Ubuntu machine with Python 3.11–3.13, into ./.venv.
#   scripts/setup.sh          runtime only
#   scripts/setup.sh --dev    also test tools: Chromium, Node packages (axe-core), pytest, ruff, mypy
set -euo pipefail
cd "$(dirname "$0")/.."

dev=false
[[ "${1:-}" == "--dev" ]] && dev=true

as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }

missing_debs=()
need_deb() { dpkg -s "$1" >/dev/null 2>&1 || missing_debs+=("$1"); }

PYTHON=${PYTHON:-python3}
if command -v dpkg >/dev/null 2>&1; then
  need_deb libvoikko1
  need_deb voikko-fi
  "$PYTHON" -c "import ensurepip" >/dev/null 2>&1 || need_deb python3-venv
  if $dev; then
    need_deb chromium
    need_deb nginx  # the two-node test puts Debian's nginx in front of two app servers
    command -v npm >/dev/null 2>&1 || need_deb npm
  fi
  if ((${#missing_debs[@]})); then
    echo "Installing Debian packages: ${missing_debs[*]}"
    as_root apt-get update -qq
    # RUNLEVEL=1: do not start services that a package installs (nginx): the tests start
    # their own on free ports.
    as_root env DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 \
      apt-get install -y -qq --no-install-recommends "${missing_debs[@]}"
  fi
else
  echo "Not a Debian-based system: install libvoikko and the Finnish voikko dictionary yourself." >&2
fi

if [[ ! -x .venv/bin/python ]]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
# Every dependency, transitive ones too, from the lock file with hashes (scripts/lock.sh
# writes it); then the project itself without dependencies.
if $dev; then
  .venv/bin/python -m pip install --quiet --require-hashes -r requirements/dev.txt
  .venv/bin/python -m pip install --quiet --no-deps --no-build-isolation -e .
  npm ci --no-audit --no-fund --silent
else
  .venv/bin/python -m pip install --quiet --require-hashes -r requirements/runtime.txt
  .venv/bin/python -m pip install --quiet --no-deps -e .
fi
