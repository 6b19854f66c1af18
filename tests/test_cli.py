"""`python -m app` commands, run as a newcomer would run them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func
from sqlmodel import Session, select

from app.config import Settings
from app.db import make_engine
from app.models import ImportRun, Municipality, Provider, User
from app.site_setup import index_keeper

ROOT = Path(__file__).resolve().parent.parent


def run_cli(var_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "VAR_DIR": str(var_dir)}
    env.pop("DATABASE_URL", None)
    env.pop("INDEX_DIR", None)
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


def test_init_is_safe_to_run_again(tmp_path: Path) -> None:
    first = run_cli(tmp_path, "init")
    assert first.returncode == 0, first.stderr
    assert "308 municipalities" in first.stderr
    second = run_cli(tmp_path, "init")
    assert second.returncode == 0, second.stderr
    engine = make_engine(f"sqlite:///{tmp_path / 'polku.sqlite3'}")
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Municipality)).one() == 308
        # the bundled data is loaded once: a second init is not another import run
        assert session.exec(select(func.count()).select_from(ImportRun)).one() == 1
    engine.dispose()
    assert (tmp_path / "secret_key").exists()


def test_migrate_loads_the_data_and_leaves_the_index_to_the_nodes(tmp_path: Path) -> None:
    """A deployment's one-off job: the database migrated and the bundled data loaded, no
    index written on the job's machine (each node's keeper builds its own)."""
    migrated = run_cli(tmp_path, "migrate")
    assert migrated.returncode == 0, migrated.stderr
    assert "308 municipalities" in migrated.stderr
    assert not (tmp_path / "index").exists()
    engine = make_engine(f"sqlite:///{tmp_path / 'polku.sqlite3'}")
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Provider)).one() > 0
    engine.dispose()
    # a node's keeper on that database builds the node's index itself
    keeper = index_keeper(Settings(var_dir=tmp_path, database_url="", index_dir=None))
    try:
        assert keeper.catch_up().action == "full"
    finally:
        keeper.engine.dispose()
    assert (tmp_path / "index" / "CURRENT").exists()


def test_reindex_swaps_in_a_new_generation(tmp_path: Path) -> None:
    assert run_cli(tmp_path, "init").returncode == 0
    before = (tmp_path / "index" / "CURRENT").read_text()
    result = run_cli(tmp_path, "reindex")
    assert result.returncode == 0, result.stderr
    after = (tmp_path / "index" / "CURRENT").read_text()
    assert after != before
    assert (tmp_path / "index" / after).is_dir()


def test_configuration_errors_are_reported_without_a_traceback(tmp_path: Path) -> None:
    env = {**os.environ, "VAR_DIR": str(tmp_path), "ENVIRONMENT": "production"}
    env.pop("SECRET_KEY", None)
    result = subprocess.run(
        [sys.executable, "-m", "app", "init"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 2
    assert "SECRET_KEY" in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_command_shows_usage(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "frobnicate")
    assert result.returncode == 2
    assert "usage:" in result.stderr


def test_create_user_reads_the_password_from_stdin_and_hashes_it(tmp_path: Path) -> None:
    assert run_cli(tmp_path, "init").returncode == 0
    env = {**os.environ, "VAR_DIR": str(tmp_path)}
    arguments = ["koordinaattori", "--role", "coordinator", "--region", "10", "--password-stdin"]
    command = [sys.executable, "-m", "app", "create-user", *arguments]
    created = subprocess.run(
        command, input="a long and secret password\n", cwd=ROOT, env=env,
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    engine = make_engine(f"sqlite:///{tmp_path / 'polku.sqlite3'}")
    with Session(engine) as session:
        user = session.exec(select(User).where(User.username == "koordinaattori")).one()
        assert user.password_hash.startswith("$argon2id$")
        assert "a long and secret password" not in user.password_hash
        assert user.region_codes() == {"10"}
    engine.dispose()
    again = subprocess.run(
        command, input="a long and secret password\n", cwd=ROOT, env=env,
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert again.returncode == 1 and "already exists" in again.stderr
    assert "Traceback" not in again.stderr


def test_create_user_refuses_weak_passwords_and_unknown_regions(tmp_path: Path) -> None:
    assert run_cli(tmp_path, "init").returncode == 0
    env = {**os.environ, "VAR_DIR": str(tmp_path)}
    for extra, password, message in (
        (["--region", "10"], "short\n", "at least 12"),
        (["--region", "99"], "a long and secret password\n", "unknown region"),
    ):
        result = subprocess.run(
            [sys.executable, "-m", "app", "create-user", "x", "--role", "coordinator", *extra,
             "--password-stdin"], input=password, cwd=ROOT, env=env, capture_output=True,
            text=True, timeout=120, check=False,
        )  # fmt: skip
        assert result.returncode == 1 and message in result.stderr
