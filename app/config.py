"""Settings from the environment (prefix `SLA_`), read once and cached."""

from functools import lru_cache

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SLA_")

    database_url: str = "sqlite:///./sla-ledger.db"
    # Without it no request can authenticate; `make run` generates one.
    admin_key: SecretStr | None = None
    # Pull sync: the Microsoft Graph token (ServiceHealth.Read.All), never logged.
    graph_token: SecretStr | None = None
    sync_timeout_seconds: float = 10.0
    sync_attempts: int = 3
    # The wait before the first retry, doubled for each further one (tests set 0).
    sync_backoff_seconds: float = 1.0
    # Let pull sync fetch http:// pages and loopback or private addresses (development).
    sync_allow_private: bool = False


@lru_cache
def get_settings() -> Settings:
    return Settings()
