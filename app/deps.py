"""Typed request dependencies shared by the route modules."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from app.catalogue.index_store import IndexReader
from app.config import Settings
from app.db import session_scope


def get_session(request: Request) -> Iterator[Session]:
    """One database session per request, always closed."""
    yield from session_scope(request.app.state.engine)


def get_settings(request: Request) -> Settings:
    """The app's settings."""
    settings: Settings = request.app.state.settings
    return settings


def get_index_reader(request: Request) -> IndexReader:
    """The process's search index reader."""
    reader: IndexReader = request.app.state.index_reader
    return reader


SessionDep = Annotated[Session, Depends(get_session)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
IndexDep = Annotated[IndexReader, Depends(get_index_reader)]
