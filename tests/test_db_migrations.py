"""Migrations run up from an empty database, and again, on SQLite and PostgreSQL, and
build exactly the schema the SQLModel models describe."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from pprint import pformat

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlmodel import SQLModel

import app.models  # noqa: F401 – registers the tables on SQLModel.metadata
from app.db import alembic_config, make_engine, migrate
from tests.fixtures.databases import DATABASES, POSTGRES_URL, empty_database_url

MIGRATION_SCHEMA = "migration_test"


@pytest.fixture(params=DATABASES)
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: a new SQLite file, or a fresh PostgreSQL schema of its own."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    url = empty_database_url("postgresql", tmp_path, schema=MIGRATION_SCHEMA)
    yield url
    engine = make_engine(POSTGRES_URL)
    with engine.begin() as connection:
        schema = url.rsplit("%3D", 1)[1]
        connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    engine.dispose()


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_migrations_create_the_schema_from_empty(empty_url: str) -> None:
    migrate(empty_url)
    assert {"region", "municipality", "alembic_version"} <= _tables(empty_url)


def test_migrating_twice_changes_nothing(empty_url: str) -> None:
    migrate(empty_url)
    before = _tables(empty_url)
    migrate(empty_url)
    assert _tables(empty_url) == before


def test_migrations_downgrade_to_empty_and_up_again(empty_url: str) -> None:
    migrate(empty_url)
    command.downgrade(alembic_config(empty_url), "base")
    assert _tables(empty_url) <= {"alembic_version"}
    migrate(empty_url)
    assert "region" in _tables(empty_url)


def test_models_match_the_migrations(empty_url: str) -> None:
    """A model change without a migration (or a migration the models do not describe) shows
    up here as the operations `alembic revision --autogenerate` would write."""
    migrate(empty_url)
    engine = make_engine(empty_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, SQLModel.metadata)
    finally:
        engine.dispose()
    assert differences == [], "models and migrations differ; add a migration:\n" + pformat(
        differences
    )
