"""Database engine, per-request sessions and the migrations runner."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, create_engine

from app.config import Settings

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


SQLITE_BUSY_TIMEOUT_S = 15  # how long a writer waits for another writer (WAL: readers never wait)
POSTGRES_CONNECT_TIMEOUT_S = 3  # a database that does not answer fails the request quickly
POOL_TIMEOUT_S = 5  # waiting longer for a free connection only piles requests up


def make_engine_for(settings: Settings) -> Engine:
    """The engine with the pool sizes of the settings (see the README's scaling section)."""
    return make_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout_s,
    )


def make_engine(
    database_url: str,
    *,
    pool_size: int = 5,
    max_overflow: int = 5,
    pool_timeout: float = POOL_TIMEOUT_S,
) -> Engine:
    """Create the engine; SQLite gets foreign keys, WAL and a busy timeout.

    Both fail fast when the database is away (the app answers 503, see app/web/errors.py) and
    heal by themselves when it is back: `pool_pre_ping` replaces a pooled connection that
    died with the server, and a query failing with a disconnect empties the whole pool. A
    `timeout` (SQLite) or `connect_timeout` (PostgreSQL) in the URL wins over the defaults.
    """
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if url.database:
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        sqlite_args: dict[str, Any] = {"check_same_thread": False}
        if "timeout" not in url.query:
            sqlite_args["timeout"] = SQLITE_BUSY_TIMEOUT_S
        engine = create_engine(database_url, connect_args=sqlite_args, pool_timeout=pool_timeout)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    connect_args: dict[str, Any] = {}
    if "connect_timeout" not in url.query:
        connect_args["connect_timeout"] = POSTGRES_CONNECT_TIMEOUT_S
    return create_engine(
        database_url,
        connect_args=connect_args,
        pool_pre_ping=True,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_timeout=pool_timeout,
    )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def session_scope(engine: Engine) -> Iterator[Session]:
    """Yield one session and always close it (used as a request dependency)."""
    with Session(engine) as session:
        yield session


def database_is_reachable(engine: Engine) -> bool:
    """True when a trivial query succeeds."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:  # any driver error means "not reachable" to the health check
        return False
    return True


def alembic_config(database_url: str) -> Config:
    """An Alembic configuration pointing at the bundled migrations."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def migrate(database_url: str) -> None:
    """Bring the schema to the newest revision (safe to run again)."""
    command.upgrade(alembic_config(database_url), "head")
