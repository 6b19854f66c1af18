"""Settings: the only place that reads the environment."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# A checkout keeps its data in ./var beside the code; an installed wheel never writes into
# site-packages: it uses ./var under the working directory unless VAR_DIR says otherwise.
_IN_CHECKOUT = (PROJECT_ROOT / "pyproject.toml").is_file()
DEFAULT_VAR_DIR = PROJECT_ROOT / "var" if _IN_CHECKOUT else Path.cwd() / "var"
_PLACEHOLDER_SECRETS = {"", "changeme", "change-me", "secret", "dev"}


class Settings(BaseSettings):
    """Runtime configuration from environment variables, with safe local defaults."""

    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore")

    environment: Literal["development", "production"] = Field(
        "development",
        description="`production` refuses generated secrets and requires BASE_URL.",
    )
    var_dir: Path = Field(
        DEFAULT_VAR_DIR, description="Writable folder for the SQLite file, index and secret."
    )
    database_url: str = Field(
        "",
        description="SQLAlchemy URL. Default: a SQLite file `polku.sqlite3` under VAR_DIR. "
        "PostgreSQL: postgresql+psycopg://user@host/dbname",
    )
    index_dir: Path | None = Field(
        None, description="Folder of the Whoosh search index. Default: VAR_DIR/index."
    )
    secret_key: str = Field(
        "",
        description="Key for signing cookies and CSRF tokens. Generated and kept in "
        "VAR_DIR/secret_key in development; required in production.",
    )
    base_url: str = Field(
        "http://127.0.0.1:8000",
        description="Public address of the site, used for absolute links in the API.",
    )
    feedback_email: str = Field(
        "",
        description="Address shown in the footer and accessibility statement for feedback.",
    )
    log_format: Literal["json", "text"] = Field(
        default_factory=lambda data: "json" if data.get("environment") == "production" else "text",
        description="Server logs: one JSON object per line (default in production) or text.",
    )
    metrics_enabled: bool = Field(
        True, description="Serve Prometheus metrics at /metrics (404 when false)."
    )
    proxy_headers: bool = Field(
        True,
        description="Trust X-Forwarded-For and X-Forwarded-Proto from FORWARDED_ALLOW_IPS.",
    )
    forwarded_allow_ips: str = Field(
        "127.0.0.1,::1",
        description="Comma-separated addresses (or networks, or *) of the reverse proxies whose "
        "forwarded headers are trusted. Behind a proxy on another host, set it to that proxy: "
        "otherwise every client has the proxy's address and the scheme is http.",
    )
    trusted_hosts: str = Field(
        "*",
        description="Comma-separated host names the site answers to (e.g. polku.fi,www.polku.fi); "
        "other Host headers get 400. * accepts any host (development).",
    )
    db_pool_size: int = Field(
        5, ge=1, description="PostgreSQL connections kept open per worker process."
    )
    db_max_overflow: int = Field(
        5, ge=0, description="Extra PostgreSQL connections a worker may open under load."
    )
    db_pool_timeout_s: float = Field(
        5, gt=0, description="Seconds a request waits for a free connection before a 503."
    )
    index_poll_s: float = Field(
        5, gt=0, description="How often a node's index keeper checks for catalogue changes."
    )
    index_min_interval_s: float = Field(
        3,
        ge=0,
        description="Shortest time between two index updates on a node: edits arriving "
        "faster are applied together. Each update costs every worker its searches again; "
        "3 s keeps an edit searchable within about 3 s under steady edits "
        "(docs/performance.md).",
    )
    index_generation_grace_s: float = Field(
        60,
        ge=0,
        description="How long a replaced index generation stays on disk for workers still "
        "reading it (disk: up to one index copy per update in this time, see docs/deployment.md).",
    )
    index_max_lag_s: float = Field(
        60, gt=0, description="/healthz says `degraded` when the index is behind by longer."
    )
    hsds_package_wait_s: float = Field(
        5,
        ge=0,
        description="Longest a /hsds/datapackage.zip request waits for the package being "
        "written; then it gets the node's earlier package, or a 503 with Retry-After when "
        "there is none. Keep it well under the proxy's read timeout.",
    )
    max_public_body_bytes: int = Field(
        65_536, ge=1024, description="Largest request body of a public form (413 beyond)."
    )
    max_maintainer_body_bytes: int = Field(
        1_048_576, ge=1024, description="Largest request body of a maintainer form (413 beyond)."
    )
    body_timeout_s: float = Field(
        20, gt=0, description="A request body that stops arriving for this long gets 408."
    )
    import_max_file_bytes: int = Field(
        100_000_000,
        ge=1024,
        description="Largest HSDS import file (JSON, zip, or a data package's CSV); larger "
        "ones are refused before they are read.",
    )
    import_max_unpacked_bytes: int = Field(
        200_000_000,
        ge=1024,
        description="Largest total an HSDS zip data package may unpack to; checked from the "
        "zip's directory before anything is extracted.",
    )
    import_max_zip_ratio: int = Field(
        100,
        ge=2,
        description="Highest unpacked/packed size ratio of one zip entry over 1 MiB.",
    )
    import_max_zip_entries: int = Field(
        1000, ge=1, description="Most entries an HSDS zip data package may hold."
    )
    metrics_public: bool = Field(
        False,
        description="Serve /metrics without a token in production too (behind a proxy that "
        "keeps it private). Otherwise production serves metrics only with METRICS_TOKEN set.",
    )
    prometheus_multiproc_dir: Path | None = Field(
        None,
        description="Folder where every worker writes its metric values, so that /metrics adds "
        "up all workers (prometheus_client's multiprocess mode). `serve` with more than one "
        "worker sets it to a fresh folder in VAR_DIR; if set, it is emptied at start.",
    )
    metrics_token: str = Field(
        "",
        description="If set, /metrics requires the header `Authorization: Bearer <token>`.",
    )

    @model_validator(mode="after")
    def _fill_defaults(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{self.var_dir / 'polku.sqlite3'}"
        if self.index_dir is None:
            self.index_dir = self.var_dir / "index"
        self.base_url = self.base_url.rstrip("/")
        weak_secret = (
            self.secret_key.strip().lower() in _PLACEHOLDER_SECRETS or len(self.secret_key) < 32
        )
        if self.environment == "production" and weak_secret:
            raise ValueError("SECRET_KEY must be set to at least 32 random characters")
        return self

    @property
    def metrics_served(self) -> bool:
        """Whether /metrics exists: in production only with a token or when made public
        (AC-10: the figures say how sign-ins fail and how the site is run)."""
        if not self.metrics_enabled:
            return False
        return self.environment != "production" or bool(self.metrics_token) or self.metrics_public

    @property
    def search_index_dir(self) -> Path:
        """The index folder, with the default already applied."""
        assert self.index_dir is not None  # noqa: S101 – set by the validator above
        return self.index_dir

    def resolved_secret_key(self) -> str:
        """The signing key: from the environment, or generated once and kept under var/."""
        if self.secret_key:
            return self.secret_key
        key_file = self.var_dir / "secret_key"
        if key_file.exists():
            return key_file.read_text(encoding="utf-8").strip()
        self.var_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        key_file.write_text(key, encoding="utf-8")
        key_file.chmod(0o600)
        return key
