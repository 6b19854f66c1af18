"""Building Polku's wheel from this checkout, as a test fixture does before installing it.

Shared by the tests that install the wheel outside the checkout. Only what setuptools
needs is copied, so the build never writes into the checkout (no build/ or egg-info there).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# What setuptools needs to build the wheel: nothing else of the checkout is copied.
BUILD_INPUTS = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "app", "templates",
                "static")  # fmt: skip
# What would make a process see the checkout or this run's settings (a PYTHONPATH to the
# checkout also makes pip think the project is installed already).
CHECKOUT_VARIABLES = frozenset(
    {"PYTHONPATH", "DATABASE_URL", "INDEX_DIR", "VAR_DIR", "PROMETHEUS_MULTIPROC_DIR"}
)


def without_checkout() -> dict[str, str]:
    """This process's environment without what points at the checkout or its settings."""
    return {key: value for key, value in os.environ.items() if key not in CHECKOUT_VARIABLES}


def setuptools_builds_offline() -> bool:
    """Whether this interpreter's setuptools can build the wheel without build isolation."""
    try:
        major = int(version("setuptools").split(".")[0])
    except PackageNotFoundError:
        return False
    return major >= 77  # pyproject.toml's [build-system] requirement


def build_wheel(work_dir: Path) -> Path:
    """Build the wheel from a copy of the build inputs under `work_dir`; its path."""
    source = work_dir / "source"
    source.mkdir(parents=True)
    for name in BUILD_INPUTS:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(path, source / name)
    # without a new enough setuptools here, pip fetches one into an isolated build
    build_flags = ["--no-build-isolation"] if setuptools_builds_offline() else []
    dist = work_dir / "dist"
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", *build_flags,
         "--wheel-dir", str(dist), str(source)],
        env=without_checkout(), capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, f"building the wheel failed:\n{result.stdout}\n{result.stderr}"
    (wheel,) = dist.glob("polku-*.whl")
    return wheel
