"""Database tables.

Money, percents and fractions are stored as decimal TEXT (SQLite would turn
`Numeric` into a binary float); instants as integer microseconds since the epoch,
the same exact timeline the core computes on.
"""

from typing import Any, NamedTuple

from sqlalchemy import JSON, BigInteger, Column, ForeignKeyConstraint, Index, MetaData, Text
from sqlmodel import Field, SQLModel

# Stable constraint names, so that migrations can refer to them.
SQLModel.metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def _micros(nullable: bool = False, index: bool = False) -> Any:
    return Field(sa_column=Column(BigInteger, nullable=nullable, index=index))


class Tenant(SQLModel, table=True):
    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=200)
    timezone: str = Field(max_length=64)
    currency: str = Field(max_length=3)
    created_micros: int = _micros()


class TenantRow(NamedTuple):
    """A tenant's columns a read shows and measures by, as a plain row (reads never
    change a tenant, and an ORM object costs more)."""

    id: str
    name: str
    timezone: str
    currency: str


class CustomPolicy(SQLModel, table=True):
    """A policy created through the API; the built-in ones live in `app.sla.policies`."""

    __tablename__ = "custom_policy"

    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=200)
    target_percent: str
    tiers: list[dict[str, str | None]] = Field(sa_column=Column(JSON, nullable=False))
    measurement_timezone: str = Field(max_length=8)
    min_downtime_minutes: str
    exclude_maintenance: bool
    claim_window: str = Field(max_length=32)
    credit_cap_percent: str
    credit_cap_days: str | None = None
    source: str | None = Field(default=None, max_length=500)
    created_micros: int = _micros()


class Subscription(SQLModel, table=True):
    """A service the tenant subscribes to; what it pays and under which policy, month by
    month, is in its `SubscriptionTerm` rows."""

    tenant_id: str = Field(foreign_key="tenant.id", primary_key=True, max_length=64)
    service_id: str = Field(primary_key=True, max_length=64)
    created_micros: int = _micros()
    # When its terms last changed.
    updated_micros: int = _micros()


class SubscriptionTerm(SQLModel, table=True):
    """Terms in force from `effective_from` (`YYYY-MM`) until the next later row; a row
    without a policy ends the subscription from that month. `1970-01`: every month."""

    __tablename__ = "subscription_term"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "service_id"], ["subscription.tenant_id", "subscription.service_id"]
        ),
    )

    tenant_id: str = Field(primary_key=True, max_length=64)
    service_id: str = Field(primary_key=True, max_length=64)
    effective_from: str = Field(primary_key=True, max_length=7)
    policy_id: str | None = Field(default=None, max_length=64)
    monthly_fee: str | None = None
    users: int | None = None
    created_micros: int = _micros()


class ClosedMonth(SQLModel, table=True):
    """A tenant's month as it was closed: the report, frozen as JSON text (every figure a
    decimal string), with when and by which key."""

    __tablename__ = "closed_month"
    __table_args__ = (Index("ix_closed_month_month", "month", "tenant_id"),)

    tenant_id: str = Field(foreign_key="tenant.id", primary_key=True, max_length=64)
    month: str = Field(primary_key=True, max_length=7)
    report_json: str = Field(sa_column=Column(Text, nullable=False))
    closed_micros: int = _micros()
    closed_by: str = Field(max_length=64)


class StoredLine(SQLModel, table=True):
    """A portfolio line as computed at its tenant's revision (newest audit id), in one
    form (a page's JSON or a CSV row), with the span of clock it reads the same for
    (docs/reports.md, "Stored portfolio lines"). Only ever a copy: emptied at start-up."""

    __tablename__ = "stored_line"

    # In this order, a page's lines (one month and form, a range of tenants) are one
    # range of the primary key.
    month: str = Field(primary_key=True, max_length=7)
    form: str = Field(primary_key=True, max_length=8)
    tenant_id: str = Field(primary_key=True, max_length=64)
    service_id: str = Field(primary_key=True, max_length=64)
    revision: int = Field(sa_column=Column(BigInteger, nullable=False))
    since_micros: int = _micros()
    until_micros: int = _micros()
    # What the portfolio's filters read, so that a stored line is not parsed.
    met: bool
    claim_open: bool
    closed: bool
    text: str = Field(sa_column=Column(Text, nullable=False))


class AdjustmentNotice(SQLModel, table=True):
    """The credit delta last announced (webhook `adjustment.appeared`) for a closed line,
    so a change that moves nothing announces nothing."""

    __tablename__ = "adjustment_notice"

    tenant_id: str = Field(foreign_key="tenant.id", primary_key=True, max_length=64)
    month: str = Field(primary_key=True, max_length=7)
    service_id: str = Field(primary_key=True, max_length=64)
    credit_delta: str


class Claim(SQLModel, table=True):
    """A service credit claimed from the provider for one line of a closed month."""

    __table_args__ = (
        Index("ix_claim_line", "tenant_id", "month", "service_id"),
        Index("ix_claim_month", "month", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(foreign_key="tenant.id", max_length=64)
    service_id: str = Field(max_length=64)
    month: str = Field(max_length=7)
    status: str = Field(max_length=16)
    # The closed line's credit, its deadline and the zone that deadline is a date in.
    credit_amount: str
    claim_deadline: str = Field(max_length=10)
    measurement_timezone: str = Field(max_length=64)
    provider_reference: str | None = Field(default=None, max_length=200)
    credited_amount: str | None = None
    reason: str | None = Field(default=None, max_length=1000)
    created_micros: int = _micros()
    updated_micros: int = _micros()
    filed_micros: int | None = _micros(nullable=True)
    decided_micros: int | None = _micros(nullable=True)


class ImportRecord(SQLModel, table=True):
    """One uploaded or pulled timeline: what it was and what it changed."""

    __tablename__ = "import_record"
    __table_args__ = (Index("ix_import_record_tenant", "tenant_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(foreign_key="tenant.id", max_length=64)
    format: str = Field(max_length=16)
    filename: str | None = Field(default=None, max_length=255)
    sha256: str = Field(max_length=64)
    rows: int
    created: int
    updated: int
    removed: int
    duplicates: int
    skipped: list[dict[str, str]] = Field(sa_column=Column(JSON, nullable=False))
    actor_key_id: str = Field(max_length=64)
    created_micros: int = _micros()


class Outage(SQLModel, table=True):
    """One window of an incident; an incident is `(source, external_id)` per tenant."""

    __table_args__ = (
        # Re-sent incidents are found by their identity.
        Index("ix_outage_incident", "tenant_id", "source", "external_id"),
        # Reports read one service's windows by time.
        Index("ix_outage_timeline", "tenant_id", "service_id", "start_micros"),
    )

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(foreign_key="tenant.id", max_length=64)
    source: str = Field(default="api", max_length=16)
    import_id: int | None = Field(default=None, foreign_key="import_record.id")
    service_id: str = Field(max_length=64)
    kind: str = Field(max_length=16)
    start_micros: int = _micros()
    end_micros: int | None = _micros(nullable=True)
    impact: str | None = None
    users_affected: int | None = None
    external_id: str | None = Field(default=None, max_length=200)
    title: str | None = Field(default=None, max_length=500)
    created_micros: int = _micros()
    updated_micros: int = _micros()


class AuditEvent(SQLModel, table=True):
    """Every change to stored data: who (a key id), when, what, before and after."""

    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_entity", "entity", "entity_id", "id"),
        Index("ix_audit_event_tenant", "tenant_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    at_micros: int = _micros()
    actor_key_id: str = Field(max_length=64, index=True)
    tenant_id: str | None = Field(default=None, max_length=64)
    entity: str = Field(max_length=32)
    entity_id: str = Field(max_length=200)
    action: str = Field(max_length=16)
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))


class ApiKey(SQLModel, table=True):
    """A key is kept only as the SHA-256 of its high-entropy token, looked up by it."""

    __tablename__ = "api_key"

    id: str = Field(primary_key=True, max_length=64)
    key_hash: str = Field(max_length=64, unique=True)
    role: str = Field(max_length=16)
    tenant_id: str | None = Field(default=None, foreign_key="tenant.id", max_length=64)
    created_by: str = Field(max_length=64)
    created_micros: int = _micros()
    last_used_micros: int | None = _micros(nullable=True)
    revoked_micros: int | None = _micros(nullable=True)


class IdempotentRequest(SQLModel, table=True):
    """The first answer to a write sent with an `Idempotency-Key`, to replay it."""

    __tablename__ = "idempotent_request"

    # The key id of the caller: keys are per caller, so one cannot replay another's.
    caller: str = Field(primary_key=True, max_length=64)
    key: str = Field(primary_key=True, max_length=255)
    fingerprint: str = Field(max_length=64)
    status_code: int
    response_body: str
    created_micros: int = _micros()


class Webhook(SQLModel, table=True):
    """A subscription: where to send which events, and the secret that signs them.

    The secret is stored as it is (not hashed): every delivery is signed with it.
    """

    id: str = Field(primary_key=True, max_length=64)
    url: str = Field(max_length=2000)
    events: list[str] = Field(sa_column=Column(JSON, nullable=False))
    secret: str = Field(max_length=128)
    created_by: str = Field(max_length=64)
    created_micros: int = _micros()
    # Deleted webhooks get no more deliveries; their rows stay for the record.
    deleted_micros: int | None = _micros(nullable=True)


class WebhookEvent(SQLModel, table=True):
    """One event as emitted: its body is the exact JSON text every attempt sends."""

    __tablename__ = "webhook_event"
    __table_args__ = (Index("ix_webhook_event_tenant", "tenant_id", "created_micros"),)

    # Sent as `webhook-id`: the same on every attempt, so receivers can drop repeats.
    id: str = Field(primary_key=True, max_length=64)
    type: str = Field(max_length=64)
    tenant_id: str = Field(foreign_key="tenant.id", max_length=64)
    body: str
    created_micros: int = _micros()


class WebhookDelivery(SQLModel, table=True):
    """One attempt to deliver one event to one webhook; a `pending` row is the outbox.

    `emit` writes attempt 1 as `pending`; the worker claims due pending rows, sends
    them, and marks each `delivered`, `failed` (final) or `retrying` (then writes the
    next attempt as a new `pending` row, due after the backoff).
    """

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        # The worker's question: which pending rows are due?
        Index("ix_webhook_delivery_due", "status", "due_micros"),
        # A webhook's attempts, newest first.
        Index("ix_webhook_delivery_webhook", "webhook_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    webhook_id: str = Field(foreign_key="webhook.id", max_length=64)
    event_id: str = Field(foreign_key="webhook_event.id", max_length=64)
    event_type: str = Field(max_length=64)
    attempt: int
    status: str = Field(max_length=16)
    due_micros: int = _micros()
    # While a worker sends it: which claim holds it, and until when.
    claim: str | None = Field(default=None, max_length=32)
    lease_micros: int | None = _micros(nullable=True)
    attempted_micros: int | None = _micros(nullable=True)
    response_code: int | None = None
    error: str | None = Field(default=None, max_length=500)


class WebhookDeadlineNotice(SQLModel, table=True):
    """A `claim.deadline_near` already sent: one per tenant, service and month."""

    __tablename__ = "webhook_deadline_notice"

    tenant_id: str = Field(foreign_key="tenant.id", primary_key=True, max_length=64)
    service_id: str = Field(primary_key=True, max_length=64)
    month: str = Field(primary_key=True, max_length=7)
    claim_deadline: str = Field(max_length=10)
    event_id: str = Field(foreign_key="webhook_event.id", max_length=64)
    fired_micros: int = _micros()
