"""Build hook: ship the repository's `templates/` and `static/` inside the wheel.

The two folders stay at the top of the repository (designers, djlint and the tests expect
them there); a built wheel carries them as `app/web/templates` and `app/web/static`, where
`app/web/templating.py` looks first. Everything else is in pyproject.toml.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
SHIPPED_FOLDERS = ("templates", "static")


class BuildWithWebAssets(build_py):
    """`build_py` that also copies the web assets into the built `app/web` package."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):  # an editable install reads the checkout
            return
        for name in SHIPPED_FOLDERS:
            target = Path(self.build_lib) / "app" / "web" / name
            shutil.copytree(ROOT / name, target, dirs_exist_ok=True)


setup(cmdclass={"build_py": BuildWithWebAssets})
