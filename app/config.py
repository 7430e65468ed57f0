"""Settings from the environment (prefix `SLA_`), read once and cached."""

from functools import lru_cache
from typing import Self

from limits import parse_many
from pydantic import Field, NonNegativeInt, SecretStr, field_validator, model_validator
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
    # The wait before the first retry, doubled for each further one (tests set 0).
    sync_backoff_seconds: float = 1.0
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

    # Webhooks (docs/webhooks.md). The delivery worker runs inside the app process.
    webhook_worker: bool = True
    webhook_poll_seconds: float = Field(default=1.0, gt=0)
    webhook_timeout_seconds: float = Field(default=10.0, gt=0)
    # Seconds to wait before each retry; one attempt more than there are waits.
    webhook_retry_seconds: list[NonNegativeInt] = Field(
        default=[1, 5, 30, 120, 600, 3600], min_length=0, max_length=20
    )
    # How many due deliveries one worker claims at a time.
    webhook_batch_size: int = Field(default=20, ge=1, le=500)
    # How long a claimed delivery stays with its worker; after that (a crash) another
    # worker sends it again, with the same webhook-id.
    webhook_lease_seconds: float = Field(default=300.0, gt=0)
    # How often the worker looks for claim deadlines 7 days away.
    webhook_deadline_check_seconds: float = Field(default=3600.0, gt=0)
    # Let webhooks go to http:// URLs and loopback or private addresses (development).
    webhook_allow_insecure: bool = False

    # Share links (docs/reports.md): the secret that signs them. Without it a random one
    # is made at start-up, and links stop working when the process restarts.
    link_secret: SecretStr | None = None
    # Where people reach the API, e.g. "https://sla.example.com", for the URLs of share
    # links; without it, the scheme and host the creating request came to.
    public_url: str | None = Field(default=None, pattern=r"^https?://[^/?#\s]+(/[^?#\s]*)?$")

    # Tenant reports kept (as JSON) while nothing they were computed from changes, per
    # process (docs/reports.md); 0 computes every report afresh.
    report_cache_size: int = Field(default=1024, ge=0)
    # Portfolio JSON pages read ahead while the client reads the page before, per
    # process, up to this many bytes of JSON (docs/reports.md); 0 reads none ahead.
    portfolio_read_ahead_bytes: int = Field(default=16 * 1024 * 1024, ge=0)

    # Once the first app of the process has started, move every object then alive out
    # of the garbage collector's sight (gc.freeze): a full collection then scans only
    # what requests made since, instead of the whole framework, which paused the server
    # for about 100 ms every few thousand requests (docs/operations.md).
    freeze_heap_on_start: bool = True

    # Operations (docs/operations.md): how long /readyz waits for the database; how long
    # a stopping server lets requests in flight finish; whether /metrics is served.
    readiness_timeout_seconds: float = Field(default=2.0, gt=0)
    shutdown_grace_seconds: int = Field(default=30, ge=1)
    metrics_enabled: bool = True

    @model_validator(mode="after")
    def _lease_outlasts_a_send(self) -> Self:
        # Connecting, sending and waiting for the answer each have the timeout.
        if self.webhook_lease_seconds <= 3 * self.webhook_timeout_seconds:
            raise ValueError(
                f"SLA_WEBHOOK_LEASE_SECONDS ({self.webhook_lease_seconds}) must be more than "
                f"3 × SLA_WEBHOOK_TIMEOUT_SECONDS ({self.webhook_timeout_seconds})"
            )
        return self


@lru_cache
def get_settings() -> Settings:
    return Settings()
