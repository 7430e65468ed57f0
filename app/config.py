"""Settings from the environment (prefix `SLA_`), read once and cached."""

from functools import lru_cache

from limits import parse_many
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

MIB = 1024 * 1024


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SLA_")

    database_url: str = "sqlite:///./sla-ledger.db"
    # Without it no request can authenticate; `make run` generates one.
    admin_key: SecretStr | None = None
    # Pull sync: the Microsoft Graph token (ServiceHealth.Read.All), never logged.
    graph_token: SecretStr | None = None
    sync_timeout_seconds: float = 10.0
    sync_attempts: int = 3
    # Let pull sync fetch http:// pages and loopback or private addresses (development).
    sync_allow_private: bool = False
    # How long a write waits for the database's lock before the API answers 503:
    # SQLite's busy timeout, PostgreSQL's lock_timeout in write transactions.
    db_busy_timeout_seconds: float = Field(default=10.0, gt=0)
    # The Retry-After of that 503.
    busy_retry_after_seconds: int = Field(default=5, ge=1)
    # A larger request body is refused with 413 (a 100,000-row CSV is about 10 MB).
    max_body_bytes: int = Field(default=20 * MIB, ge=1)
    # Requests per API key (per client address without one), in each process; e.g.
    # "600/minute" or "10/second;600/minute" (limits' notation). None, "" or "off": no limit.
    rate_limit: str | None = "600/minute"

    @field_validator("rate_limit")
    @classmethod
    def _known_rate_limit(cls, value: str | None) -> str | None:
        if value is None or value.strip().lower() in {"", "off"}:
            return None
        parse_many(value)  # a ValueError names what it could not read
        return value.strip()


@lru_cache
def get_settings() -> Settings:
    return Settings()
