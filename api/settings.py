"""The one typed configuration of chitieu, read from CHITIEU_* environment variables (or a .env file)."""

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

CATALOGUE_DIR = Path(__file__).resolve().parents[1] / "indicators" / "catalogue"


def default_data_dir() -> Path:
    """<checkout>/.var/pg when run from a source checkout (make run), else $XDG_STATE_HOME/chitieu/pg: never a
    directory relative to where the command happens to run."""
    checkout = Path(__file__).resolve().parents[1]
    if (checkout / "pyproject.toml").is_file():
        return checkout / ".var" / "pg"
    state_home = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state_home) / "chitieu" / "pg"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CHITIEU_", env_file=".env", extra="ignore")

    database_url: str | None = Field(
        default=None,
        description="PostgreSQL with TimescaleDB. Unset: chitieu runs its own cluster in data_dir.",
    )
    data_dir: Path = Field(
        default_factory=default_data_dir,
        description="Embedded cluster's data directory: absolute by default, the same from any working directory.",
    )
    serve_wait_s: float = Field(
        default=15, ge=0, description="How long a command waits for a `chitieu serve` that is about to start."
    )
    embedded_port: int = Field(default=55432, ge=1024, le=65535)
    embedded_database: str = "chitieu"

    database_read_url: str | None = Field(
        default=None,
        description="Optional replica (e.g. HAProxy's read port) for board reads; the primary serves them if unset "
        "or when no replica answers.",
    )

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    workers: int = Field(default=1, ge=1)
    public_url: str = Field(default="http://127.0.0.1:8000", description="Base URL used in links (alerts, docs).")
    grafana_url: str = Field(default="http://127.0.0.1:3000", description="Used for dashboard links in alerts.")

    pool_min_size: int = 1
    pool_max_size: int = 10
    statement_timeout_ms: int = Field(default=30_000, description="Per-statement limit on the server side.")

    max_body_bytes: int = Field(default=64 * 1024 * 1024, description="Largest request body accepted (413 beyond).")
    max_batch_rows: int = Field(default=1_000_000, description="Most observations in one batch (413 beyond).")
    rate_limit_per_minute: int = Field(
        default=600,
        ge=0,
        description="Write requests per API key per minute, in total over every worker process and replica (429 "
        "beyond); 0 turns the limit off.",
    )
    request_timeout_s: float = Field(
        default=300,
        ge=0,
        description="Longest a request may take, upload included (504 beyond); 0 turns the limit off.",
    )
    reads: Literal["open", "keyed"] = Field(default="open", description="Whether GET endpoints need a key.")
    report_grace_days: int = Field(default=30, description="Days after a period's due date before overdue.")
    status_refresh_seconds: float = Field(default=300, description="Rewrite the status snapshot at least this often.")
    catalogue_dir: Path = CATALOGUE_DIR
    load_catalogue_on_start: bool = True

    alerts_webhook_token: str | None = Field(
        default=None,
        description="The bearer token POST /v1/alerts/webhook requires (`Authorization: Bearer <token>`). Unset: the "
        "token in alerts_webhook_token_file, generated there at the first start.",
    )
    alerts_webhook_token_file: Path | None = Field(
        default=None, description="Where the generated webhook token is kept (0600); default <data_dir>/secrets/."
    )

    log_level: str = "info"

    def webhook_token_file(self) -> Path:
        return self.alerts_webhook_token_file or self.data_dir / "secrets" / "alerts-webhook-token"


@lru_cache
def get_settings() -> Settings:
    return Settings()
