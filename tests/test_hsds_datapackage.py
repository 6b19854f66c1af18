"""The HSDS data package written a chunk of providers at a time, and its file per node."""

from __future__ import annotations

import io
import threading
import zipfile
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from app.catalogue.resources import CatalogueResources
from app.config import Settings
from app.db import make_engine
from app.interop.hsds import datapackage
from app.interop.hsds.datapackage import (
    PACKAGE_PREFIX,
    datapackage_file,
    write_datapackage_zip,
    write_hsds_datapackage,
)
from app.interop.hsds.objects import HSDS_VERSION, datapackage_zip, export_hsds_json
from app.interop.hsds.tables import datapackage_files
from app.models import Provider

BASE_URL = "https://polku.example"


@pytest.fixture
def catalogue(app: FastAPI) -> CatalogueResources:
    resources: CatalogueResources = app.state.catalogue
    return resources


def unzipped(content: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name).decode("utf-8") for name in archive.namelist()}


def test_streamed_package_holds_what_the_in_memory_one_held(
    db_session: Session, catalogue: CatalogueResources, tmp_path: Path
) -> None:
    # two entries get opening hours (rolled back after the test), so schedules are compared too
    for provider in db_session.exec(select(Provider).order_by(col(Provider.id)).limit(2)):
        provider.opening_hours = "ma–pe 8.00–15.00"
    db_session.flush()
    document = export_hsds_json(db_session, BASE_URL, catalogue=catalogue)
    reference = datapackage_files(document, base_url=BASE_URL, hsds_version=HSDS_VERSION)
    assert reference["schedules.csv"].count("\r\n") == 3

    out = tmp_path / "package.zip"
    write_datapackage_zip(db_session, out, BASE_URL, catalogue=catalogue)
    with zipfile.ZipFile(out) as archive:
        assert archive.namelist() == list(reference)  # the same files in the same order
    assert unzipped(out.read_bytes()) == reference
    assert out.read_bytes() == datapackage_zip(db_session, BASE_URL, catalogue=catalogue)

    folder = tmp_path / "package"
    write_hsds_datapackage(db_session, folder, BASE_URL, catalogue=catalogue)
    assert {path.name: path.read_bytes().decode("utf-8") for path in folder.iterdir()} == reference
