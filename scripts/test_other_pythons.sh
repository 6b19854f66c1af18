#!/usr/bin/env bash
# Runs the test suite without the browser and PostgreSQL on each other Python version that
# pyproject.toml supports: .venv/ (scripts/setup.sh) has one version, the classifiers name
# the rest. scripts/test.sh calls this after the main run; see docs/deployment.md,
# "Supported Python versions".
#
# For each version, e.g. 3.13: finds an interpreter (python3.13 on PATH, else pyenv's newest
# 3.13.x), makes .venv-py313/ with requirements/dev.txt (--require-hashes, the same universal
# lock as .venv/) and the project, type-checks the code against 3.13's standard library, and
# runs pytest with that interpreter on the tests selected by MARKERS below: the unit,
# integration and packaging tests on SQLite (the wheel built, installed and served by it).
# A version with no interpreter on this machine is skipped with the reason, not failed.
#   PYTEST_WORKERS (default 2) as in scripts/test.sh; extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

# SQLite only: PostgreSQL is covered on the main version; the browser tests test the pages,
# not the interpreter; the image recipe runs the Dockerfile's Python (3.11) whatever runs it
MARKERS="not browser and not postgresql and not image"

[[ -x .venv/bin/python ]] || { echo "Run scripts/setup.sh --dev first (.venv/ is missing)." >&2; exit 1; }

main_version=$(.venv/bin/python -c 'import sys; print("%d.%d" % sys.version_info[:2])')
supported_versions=$(.venv/bin/python - <<'EOF'
import tomllib

classifiers = tomllib.load(open("pyproject.toml", "rb"))["project"]["classifiers"]
prefix = "Programming Language :: Python :: 3."
print(" ".join(c.removeprefix("Programming Language :: Python :: ") for c in classifiers
               if c.startswith(prefix)))
EOF
)

# Prints the path of a working interpreter of this minor version, or nothing.
find_python() {
  local version=$1 candidate
  local pyenv_root=${PYENV_ROOT:-$HOME/.pyenv}
  # PATH first; then pyenv's installs directly (its shim on PATH fails unless that version is
  # selected), newest patch release first
  for candidate in "$(command -v "python$version" || true)" \
    $(ls -d "$pyenv_root/versions/$version".[0-9]* 2>/dev/null | sort -V -r |
      sed "s|\$|/bin/python$version|"); do
    [[ -n "$candidate" && -x "$candidate" ]] || continue
    if [[ $("$candidate" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null) == "$version" ]]; then
      echo "$candidate"
      return
    fi
  done
}

# Makes $venv with the lock file and the project for $python.
make_venv() {
  local python=$1 venv=$2 full_version=$3
  # a venv whose interpreter is gone or another patch release (pyenv upgraded) is made anew
  if [[ $("$venv/bin/python" -c 'import platform; print(platform.python_version())' 2>/dev/null) != "$full_version" ]]; then
    rm -rf "$venv"
    "$python" -m venv "$venv" || return
  fi
  # -qq: errors only (pip's warnings and the editable-install banner say nothing here)
  "$venv/bin/python" -m pip install -qq --upgrade pip &&
    "$venv/bin/python" -m pip install -qq --require-hashes -r requirements/dev.txt &&
    "$venv/bin/python" -m pip install -qq --no-deps --no-build-isolation -e .
}

summary=()
failed=0
for version in $supported_versions; do
  [[ "$version" == "$main_version" ]] && continue
  python=$(find_python "$version")
  if [[ -z "$python" ]]; then
    summary+=("Python $version: SKIPPED – no python$version on PATH or under ${PYENV_ROOT:-$HOME/.pyenv}/versions (install it, e.g. 'pyenv install $version', to test it)")
    echo "== ${summary[-1]}"
    continue
  fi
  if ! "$python" -c 'import ensurepip, sqlite3' >/dev/null 2>&1; then
    summary+=("Python $version: SKIPPED – $python lacks the ensurepip or sqlite3 module (on Debian: apt-get install python$version-venv)")
    echo "== ${summary[-1]}"
    continue
  fi
  venv=".venv-py${version/./}"
  full_version=$("$python" -c 'import platform; print(platform.python_version())')
  echo "== Python $full_version ($python): $venv/, mypy, pytest -m '$MARKERS'"
  started=$SECONDS
  if ! make_venv "$python" "$venv" "$full_version"; then
    summary+=("Python $full_version: FAILED to install requirements/dev.txt and the project into $venv/")
    failed=1
    continue
  fi
  installed=$SECONDS
  # the code against this version's standard library (typeshed): a module or function it
  # removed is a type error here even where no test reaches it
  if ! .venv/bin/mypy --python-version "$version"; then
    summary+=("Python $full_version: FAILED mypy --python-version $version")
    failed=1
  fi
  type_checked=$SECONDS
  if env -u TEST_DATABASE_URL "$venv/bin/python" -m pytest -m "$MARKERS" \
    -n "${PYTEST_WORKERS:-2}" -p no:cacheprovider -q "$@"; then
    outcome="tests passed"
  else
    outcome="tests FAILED (see the pytest output above)"
    failed=1
  fi
  summary+=("Python $full_version: $outcome (install $((installed - started)) s, mypy $((type_checked - installed)) s, pytest $((SECONDS - type_checked)) s)")
done

echo "== Other Python versions (pyproject.toml: $supported_versions; .venv/ has $main_version):"
printf '   %s\n' "${summary[@]:-none besides $main_version}"
exit "$failed"
