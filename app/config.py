"""Settings from the environment (prefix `SLA_`), read once and cached."""

from functools import lru_cache

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SLA_")

    database_url: str = "sqlite:///./sla-ledger.db"
    # Without it no request can authenticate; `make run` generates one.
    admin_key: SecretStr | None = None


@lru_cache
def get_settings() -> Settings:
    return Settings()
