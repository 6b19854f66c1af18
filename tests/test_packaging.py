"""The built wheel is the deployable artefact: it carries templates, static files, content,
translations and migrations, and an app installed from it (not editable, outside any
checkout) migrates, loads its bundled data and serves pages.

Offline and quick: the wheel is built without build isolation when this interpreter has a
new enough setuptools (the dev lock pins one), and installed with `--no-deps --no-index` into
a fresh virtual environment that borrows this one's dependencies through a `.pth` line.
"""

from __future__ import annotations

import re
import subprocess
import sys
import sysconfig
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.fixtures.web import free_port
from tests.wheel_build import ROOT, build_wheel, without_checkout

# A sample of each kind of file the running app reads from its package.
EXPECTED_FILES = (
    "app/web/templates/base.html",
    "app/web/templates/pages/home.html",
    "app/web/static/css/polku.css",
    "app/web/static/js/htmx.min.js",
    "app/web/static/polku-providers-template.csv",
    "app/translations/sv/LC_MESSAGES/messages.po",
    "app/translations/fi-selko/LC_MESSAGES/messages.po",
    "app/migrations/env.py",
    "app/migrations/script.py.mako",
    "app/migrations/versions/0001_geography.py",
    "app/content/glossary.yaml",
)


@dataclass
class Installed:
    wheel: Path
    python: Path
    site_packages: Path
    var_dir: Path
    work_dir: Path


def _run(
    args: list[str | Path], cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(arg) for arg in args],
        cwd=cwd, env=env if env is not None else without_checkout(),
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, f"{args} failed:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    root = tmp_path_factory.mktemp("wheel")
    wheel = build_wheel(root)

    venv = root / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", venv])
    python = venv / "bin" / "python"
    purelib = "import sysconfig; print(sysconfig.get_path('purelib'))"
    site_packages = Path(_run([python, "-c", purelib]).stdout.strip())
    _run([sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index",
          "--quiet", wheel])  # fmt: skip
    # Then the dependencies, from this interpreter's environment (after the install, so pip
    # never sees this checkout's own installation there): plain path lines, so its .pth
    # files (among them an editable install of this checkout) are not processed.
    borrowed = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}
    (site_packages / "zz_borrowed_dependencies.pth").write_text(
        "\n".join(sorted(borrowed)) + "\n", encoding="utf-8"
    )
    work_dir = root / "elsewhere"  # not a checkout: nothing found relative to the cwd
    work_dir.mkdir()
    return Installed(wheel, python, site_packages, root / "var", work_dir)


def _env(installed: Installed) -> dict[str, str]:
    return {**without_checkout(), "VAR_DIR": str(installed.var_dir)}


def test_the_wheel_carries_templates_static_files_content_translations_and_migrations(
    installed: Installed,
) -> None:
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    missing = [name for name in EXPECTED_FILES if name not in names]
    assert not missing, f"missing from {installed.wheel.name}: {missing}"
    for folder, source in (("app/web/templates/", "templates"), ("app/web/static/", "static")):
        shipped = {name.removeprefix(folder) for name in names if name.startswith(folder)}
        in_checkout = {
            path.relative_to(ROOT / source).as_posix()
            for path in (ROOT / source).rglob("*")
            if path.is_file() and "__pycache__" not in path.parts
        }
        assert shipped == in_checkout, f"{source}/ and the wheel differ"
    content_files = [name for name in names if name.startswith("app/content/")]
    assert len(content_files) == sum(1 for p in (ROOT / "app/content").rglob("*") if p.is_file())


def test_the_installed_app_reads_its_files_from_the_installed_package(
    installed: Installed,
) -> None:
    probe = (
        "import app, app.web.templating as t, app.i18n as i, app.db as d, app.config as c;"
        "print(app.__file__); print(t.TEMPLATES_DIR); print(t.STATIC_DIR);"
        "print(i.TRANSLATIONS_DIR); print(d.MIGRATIONS_DIR); print(c.DEFAULT_VAR_DIR)"
    )
    lines = _run([installed.python, "-c", probe], cwd=installed.work_dir,
                 env=_env(installed)).stdout.split()  # fmt: skip
    package = installed.site_packages.resolve() / "app"
    *package_paths, default_var_dir = (Path(line) for line in lines)
    for path in package_paths:
        assert path.is_relative_to(package), f"{path} is not inside {package}"
    # never site-packages: the default data folder follows the working directory
    assert default_var_dir == installed.work_dir.resolve() / "var"


@pytest.fixture(scope="module")
def served(installed: Installed) -> Iterator[str]:
    env = _env(installed)
    _run([installed.python, "-m", "app", "init"], cwd=installed.work_dir, env=env)
    port = free_port()
    polku = installed.python.parent / "polku"  # the console script of [project.scripts]
    log = (installed.work_dir / "serve.log").open("wb")
    process = subprocess.Popen(
        [polku, "serve", "--port", str(port)], cwd=installed.work_dir, env=env,
        stdout=subprocess.DEVNULL, stderr=log,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, (installed.work_dir / "serve.log").read_text()
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the installed app did not start"
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


def test_the_installed_app_serves_pages_in_every_language_with_their_static_files(
    served: str,
) -> None:
    home = httpx.get(f"{served}/", timeout=10)
    assert home.status_code == 200
    assert '<html lang="fi"' in home.text
    swedish = httpx.get(f"{served}/sv", timeout=10)
    assert swedish.status_code == 200
    assert '<html lang="sv"' in swedish.text
    stylesheet = re.search(r'href="(/static/css/polku\.css\?v=[0-9a-f]+)"', home.text)
    assert stylesheet, "the page links no fingerprinted stylesheet"
    css = httpx.get(f"{served}{stylesheet.group(1)}", timeout=10)
    assert css.status_code == 200
    assert css.content == (ROOT / "static/css/polku.css").read_bytes()


def test_the_installed_app_searches_the_bundled_catalogue(served: str) -> None:
    found = httpx.get(f"{served}/api/v1/providers", params={"q": "työ"}, timeout=10)
    assert found.status_code == 200
    assert found.json()["total"] > 0


def _locked(lock_file: Path) -> dict[str, str]:
    pins = re.findall(r"^([A-Za-z0-9_.\-]+)==([^\s;\\]+)", lock_file.read_text(), re.M)
    return {re.sub(r"[-_.]+", "-", name).lower(): version for name, version in pins}


def test_the_lock_files_pin_what_pyproject_pins_with_hashes() -> None:
    """A pin changed in pyproject.toml without `scripts/lock.sh` fails here, not in setup."""
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for lock_name, requirements in (
        ("runtime.txt", project["dependencies"]),
        ("dev.txt", [*project["dependencies"], *project["optional-dependencies"]["dev"]]),
    ):
        lock_file = ROOT / "requirements" / lock_name
        locked = _locked(lock_file)
        for requirement in requirements:
            pinned = re.fullmatch(r"([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?==(\S+)", requirement)
            assert pinned, f"pyproject.toml: {requirement} is not pinned exactly"
            name, version = pinned.groups()
            key = re.sub(r"[-_.]+", "-", name).lower()
            assert locked.get(key) == version, f"{lock_name}: {name} {locked.get(key)} != {version}"
        text = lock_file.read_text()
        blocks = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 2)[2])
        unhashed = [block.split()[0] for block in blocks if "--hash=sha256:" not in block]
        assert not unhashed, f"{lock_name}: no hash for {unhashed}"
