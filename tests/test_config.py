"""Settings: safe defaults for local use, strict in production."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from app.config import Settings


def test_defaults_put_database_and_index_under_var_dir(tmp_path: Path) -> None:
    settings = Settings(var_dir=tmp_path)
    assert settings.database_url == f"sqlite:///{tmp_path / 'polku.sqlite3'}"
    assert settings.search_index_dir == tmp_path / "index"


def test_environment_variables_override_defaults(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://db.example/polku")
    monkeypatch.setenv("INDEX_DIR", str(tmp_path / "idx"))
    monkeypatch.setenv("BASE_URL", "https://polku.example/")
    settings = Settings(var_dir=tmp_path)
    assert settings.database_url == "postgresql+psycopg://db.example/polku"
    assert settings.search_index_dir == tmp_path / "idx"
    assert settings.base_url == "https://polku.example"


def test_secret_key_is_generated_once_and_kept(tmp_path: Path) -> None:
    first = Settings(var_dir=tmp_path).resolved_secret_key()
    second = Settings(var_dir=tmp_path).resolved_secret_key()
    assert len(first) >= 32
    assert first == second
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_production_refuses_a_missing_secret_key(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="SECRET_KEY"):
        Settings(var_dir=tmp_path, environment="production")


@pytest.mark.parametrize("weak", ["changeme", "secret", "short-key"])
def test_production_refuses_placeholder_or_short_secret_keys(tmp_path: Path, weak: str) -> None:
    with pytest.raises(ValidationError, match="SECRET_KEY"):
        Settings(var_dir=tmp_path, environment="production", secret_key=weak)


def test_production_accepts_a_long_random_secret_key(tmp_path: Path) -> None:
    key = "k" * 20 + "0123456789abcdef"
    settings = Settings(var_dir=tmp_path, environment="production", secret_key=key)
    assert settings.resolved_secret_key() == key


def test_unknown_environment_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValidationError):
        Settings(var_dir=tmp_path, environment="staging")


def test_every_setting_is_documented_in_the_readme() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    for name in Settings.model_fields:
        assert f"`{name.upper()}`" in readme, f"document {name.upper()} in README.md"
