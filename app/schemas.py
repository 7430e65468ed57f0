"""Request and response bodies.

Numbers that finance reads (money, percents, minutes, fractions) travel as decimal
strings both ways; a JSON number where a decimal string belongs is refused, since
it has already been through a binary float on the client's side.
"""

import re
from decimal import Decimal
from typing import Annotated, Any, Generic, Literal, TypeVar

import pendulum
from pendulum.tz.exceptions import InvalidTimezone
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema

from app.sla.money import CurrencyError, minor_units

_DECIMAL = re.compile(r"-?\d{1,18}(\.\d{1,18})?")


def _decimal_from_text(value: Any) -> Decimal:
    if not isinstance(value, str):
        raise ValueError(f'must be a decimal in a JSON string, such as "99.9"; got {value!r}')
    if not _DECIMAL.fullmatch(value):
        raise ValueError(f"'{value}' is not a plain decimal such as \"99.9\"")
    return Decimal(value)


DecimalText = Annotated[
    Decimal,
    BeforeValidator(_decimal_from_text),
    WithJsonSchema({"type": "string", "pattern": _DECIMAL.pattern, "examples": ["99.9"]}),
]


def _known_zone(name: str) -> str:
    try:
        pendulum.timezone(name)
    except (InvalidTimezone, ValueError) as error:
        raise ValueError(f"'{name}' is not an IANA timezone such as America/New_York") from error
    return name


def _known_currency(code: str) -> str:
    try:
        minor_units(code)
    except CurrencyError as error:
        raise ValueError(str(error)) from error
    return code


Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=64, examples=["contoso"])]
Timezone = Annotated[
    str, Field(max_length=64, examples=["Europe/Berlin"]), AfterValidator(_known_zone)
]
CurrencyCode = Annotated[str, Field(examples=["USD"]), AfterValidator(_known_currency)]
Timestamp = Annotated[
    str,
    Field(
        max_length=64,
        description="RFC 3339; without an offset it is read in the tenant's timezone",
        examples=["2026-11-03T14:00:00Z"],
    ),
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# Tenants


class TenantCreate(Strict):
    id: Slug
    name: str = Field(min_length=1, max_length=200)
    timezone: Timezone = "UTC"
    currency: CurrencyCode = "USD"


class TenantPublic(BaseModel):
    id: str
    name: str
    timezone: str
    currency: str
    created_at: str


# Policies


class TierIn(Strict):
    below_percent: DecimalText
    credit_percent: DecimalText | None = None
    credit_days: DecimalText | None = None


class PolicyCreate(Strict):
    id: Slug
    name: str = Field(min_length=1, max_length=200)
    target_percent: DecimalText
    tiers: list[TierIn] = Field(min_length=1, max_length=20)
    measurement_timezone: Literal["UTC", "tenant"] = "UTC"
    min_downtime_minutes: DecimalText = Decimal(0)
    exclude_maintenance: bool = True
    claim_window: str = Field(default="P1M", max_length=32, examples=["P1M", "P30D"])
    credit_cap_percent: DecimalText = Decimal(100)
    credit_cap_days: DecimalText | None = None
    source: str | None = Field(default=None, max_length=500)


class TierPublic(BaseModel):
    below_percent: str
    credit_percent: str | None
    credit_days: str | None


class PolicyPublic(BaseModel):
    id: str
    name: str
    target_percent: str
    tiers: list[TierPublic]
    measurement_timezone: Literal["UTC", "tenant"]
    min_downtime_minutes: str
    exclude_maintenance: bool
    claim_window: str
    credit_cap_percent: str
    credit_cap_days: str | None
    source: str | None
    builtin: bool


# Services (subscriptions)


class SubscriptionPut(Strict):
    policy_id: str = Field(max_length=64)
    monthly_fee: DecimalText
    users: int | None = Field(default=None, ge=1, le=100_000_000, description="Seats")


class SubscriptionPublic(BaseModel):
    tenant_id: str
    service_id: str
    policy_id: str
    monthly_fee: str
    users: int | None
    created_at: str
    updated_at: str


# Outage windows


class OutageIn(Strict):
    service_id: str = Field(max_length=64)
    start: Timestamp
    end: Timestamp | None = Field(default=None, description="None: still ongoing")
    kind: Literal["outage", "maintenance"] = "outage"
    impact: DecimalText | None = Field(default=None, description="Fraction in (0, 1]; default 1")
    users_affected: int | None = Field(default=None, ge=1, le=100_000_000)
    external_id: str | None = Field(default=None, min_length=1, max_length=200)
    title: str | None = Field(default=None, max_length=500)


class OutageBatch(Strict):
    outages: list[OutageIn] = Field(min_length=1, max_length=10_000)


class OutagePatch(Strict):
    """Only the fields given change; `"end": null` reopens a window as ongoing."""

    start: Timestamp | None = None
    end: Timestamp | None = None
    kind: Literal["outage", "maintenance"] | None = None
    impact: DecimalText | None = None
    users_affected: int | None = Field(default=None, ge=1, le=100_000_000)
    title: str | None = Field(default=None, max_length=500)


class OutagePublic(BaseModel):
    id: int
    tenant_id: str
    service_id: str
    kind: Literal["outage", "maintenance"]
    start: str
    end: str | None
    impact: str | None
    users_affected: int | None
    external_id: str | None
    title: str | None
    created_at: str
    updated_at: str


class OutageBatchResult(BaseModel):
    created: int
    updated: int
    duplicates: int
    outages: list[OutagePublic] = Field(description="One per input row, in input order")


# Reports


class ErrorBudgetOut(BaseModel):
    allowed_minutes: str
    used_minutes: str
    remaining_minutes: str
    used_percent: str | None = Field(description="None when the target is 100 % (no budget)")


class IncidentOut(BaseModel):
    outage_id: int
    external_id: str | None
    title: str | None
    start: str
    end: str | None
    ongoing: bool
    counted_minutes: str


class ServiceLine(BaseModel):
    service_id: str
    policy_id: str
    period_start: str
    period_end: str
    measurement_timezone: str
    period_minutes: str
    downtime_minutes: str
    excluded_minutes: str
    availability_percent: str
    target_percent: str
    met: bool
    credit_percent: str | None
    credit_days: str | None
    credit_amount: str
    error_budget: ErrorBudgetOut
    claim_deadline: str
    claim_open: bool
    provisional: bool
    incidents: list[IncidentOut]


class TenantReport(BaseModel):
    tenant_id: str
    month: str
    period_start: str
    period_end: str
    measurement_timezone: str
    provisional: bool
    currency: str
    services: list[ServiceLine]
    total_credit_amount: str


class PortfolioLine(ServiceLine):
    tenant_id: str
    tenant_name: str
    month: str
    currency: str
    monthly_fee: str


# Pages

Item = TypeVar("Item")


class Page(BaseModel, Generic[Item]):
    items: list[Item]
    next_cursor: str | None


class TenantPage(Page[TenantPublic]):
    pass


class OutagePage(Page[OutagePublic]):
    pass


class PortfolioPage(Page[PortfolioLine]):
    pass


class Health(BaseModel):
    status: Literal["ok"]
