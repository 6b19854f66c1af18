"""The supported Python versions: `requires-python` and the classifiers say the same, and
scripts/test_other_pythons.sh (which tests each classifier's version beside .venv's) skips a
version this machine lacks with the reason instead of failing (docs/deployment.md,
"Supported Python versions")."""

from __future__ import annotations

import os
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "test_other_pythons.sh"
CLASSIFIER_PREFIX = "Programming Language :: Python :: 3."


def _project() -> dict[str, object]:
    project: dict[str, object] = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return project


def _classifier_versions() -> list[str]:
    classifiers = _project()["classifiers"]
    assert isinstance(classifiers, list)
    return [
        str(classifier).removeprefix("Programming Language :: Python :: ")
        for classifier in classifiers
        if str(classifier).startswith(CLASSIFIER_PREFIX)
    ]


def test_the_classifiers_name_exactly_the_versions_requires_python_allows() -> None:
    """The classifiers are the list the other-Python check tests: a version let in by
    `requires-python` without its classifier would never be tested."""
    allowed = SpecifierSet(str(_project()["requires-python"]))
    minors = [f"3.{minor}" for minor in range(8, 20) if f"3.{minor}.0" in allowed]
    assert minors, "requires-python allows no Python 3 version"
    assert _classifier_versions() == minors


def test_a_python_version_missing_from_the_machine_is_skipped_with_the_reason(
    tmp_path: Path,
) -> None:
    if not (ROOT / ".venv" / "bin" / "python").exists():
        pytest.skip(".venv/ is not there (scripts/setup.sh --dev makes it)")
    # As on a fresh machine: no pyenv, and a PATH with the script's tools but no python3.x
    # (this machine's /usr/bin may well have one)
    tools = tmp_path / "bin"
    tools.mkdir()
    for tool in ("dirname", "ls", "sort", "sed", "rm", "env"):
        found = shutil.which(tool)
        assert found, tool
        (tools / tool).symlink_to(found)
    env = {**os.environ, "PYENV_ROOT": str(tmp_path / "pyenv"), "PATH": str(tools)}
    result = subprocess.run(
        ["/bin/bash", str(SCRIPT)], cwd=ROOT, env=env,
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    version_of_venv = "import sys; print('3.%d' % sys.version_info.minor)"
    main_version = subprocess.run(
        [ROOT / ".venv" / "bin" / "python", "-c", version_of_venv],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    others = [version for version in _classifier_versions() if version != main_version]
    assert others, "pyproject.toml names no version besides .venv's"
    for version in others:
        reason = (
            f"Python {version}: SKIPPED – no python{version} on PATH or under "
            f"{tmp_path / 'pyenv'}/versions"
        )
        assert reason in result.stdout, result.stdout
    assert ".venv-py" not in result.stdout  # nothing was installed
