"""The events webhooks carry: one schema per type, and the body each delivery sends.

Every body is the Standard Webhooks envelope, with the event's id and tenant beside
the type and time:

    {"type": "month.closed", "id": "evt_…", "timestamp": "2026-12-01T09:00:00+00:00",
     "tenant_id": "contoso", "data": {"month": "2026-11", …}}

`data` holds the month and the figures. Money and percents are decimal strings,
never JSON numbers; the ledger may hand `Decimal`s (or strings), never floats.
These models are what `emit` validates the ledger's `data` against, and what the
OpenAPI document's `webhooks` section shows, so the two cannot drift apart.
"""

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema

from app.schemas import MONTH_PATTERN, iso
from app.sla.numbers import DECIMAL_PATTERN, decimal_from_text

EventType = Literal["month.closed", "adjustment.appeared", "claim.changed", "claim.deadline_near"]
EVENT_TYPES: tuple[EventType, ...] = get_args(EventType)


def _decimal_text(value: Any) -> str:
    if isinstance(value, bool | float):
        raise ValueError(f"must be a Decimal or a decimal string, never {type(value).__name__}")
    if isinstance(value, Decimal | int):
        value = format(Decimal(value), "f")
    if not isinstance(value, str):
        raise ValueError(f"must be a Decimal or a decimal string; got {value!r}")
    # Plain notation, `-0` made `0`: the same text the API shows for the same number.
    return format(decimal_from_text(value), "f")


def _date_text(value: Any) -> str:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return date.fromisoformat(value).isoformat() if len(value) == 10 else value
    raise ValueError(f"must be a date or YYYY-MM-DD text; got {value!r}")


def _id_text(value: Any) -> Any:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


DecimalString = Annotated[
    str,
    BeforeValidator(_decimal_text),
    WithJsonSchema({"type": "string", "pattern": f"^{DECIMAL_PATTERN}$", "examples": ["300.00"]}),
]
DateString = Annotated[
    str,
    BeforeValidator(_date_text),
    Field(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"),
    WithJsonSchema({"type": "string", "format": "date", "examples": ["2026-12-31"]}),
]
Month = Annotated[str, Field(pattern=MONTH_PATTERN, examples=["2026-11"])]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$", examples=["USD"])]
Identifier = Annotated[str, BeforeValidator(_id_text), Field(min_length=1, max_length=200)]


def _open_for_receivers(schema: dict[str, Any]) -> None:
    # Receivers must accept fields added later; only `emit` is strict about them.
    schema.pop("additionalProperties", None)


class _Data(BaseModel):
    # A field the schema does not name is a mistake in the caller, caught at emit.
    model_config = ConfigDict(extra="forbid", json_schema_extra=_open_for_receivers)


class ClosedLine(_Data):
    service_id: Identifier
    availability_percent: DecimalString
    credit_amount: DecimalString
    currency: Currency
    claim_deadline: DateString


class MonthClosedData(_Data):
    month: Month
    lines: list[ClosedLine] = Field(description="Every line of the closed month, with its figures")


class AdjustmentAppearedData(_Data):
    service_id: Identifier
    month: Month
    credit_delta: DecimalString = Field(description="Recomputed credit minus the closed credit")
    downtime_minutes: DecimalString = Field(description="Recomputed")
    availability_percent: DecimalString = Field(description="Recomputed")
    credit_amount: DecimalString = Field(description="Recomputed")
    currency: Currency


class ClaimChangedData(_Data):
    claim_id: Identifier
    service_id: Identifier
    month: Month
    status: Literal["draft", "filed", "granted", "denied", "withdrawn"]
    provider_reference: Annotated[str, Field(max_length=200)] | None = None
    credited_amount: DecimalString | None = Field(default=None, description="Once granted")
    currency: Currency


class ClaimDeadlineNearData(_Data):
    service_id: Identifier
    month: Month
    claim_deadline: DateString = Field(description="The last day to file the claim")
    credit_amount: DecimalString
    currency: Currency


Timestamp = Annotated[
    str,
    WithJsonSchema(
        {"type": "string", "format": "date-time", "examples": ["2026-12-01T09:00:00+00:00"]}
    ),
]
EventId = Annotated[
    str,
    Field(
        description="Also the `webhook-id` header: the same on every retry, so a receiver "
        "can drop repeats",
        examples=["evt_5f0c1a2b3c4d5e6f7a8b9c0d"],
    ),
]


class MonthClosedEvent(BaseModel):
    """A month was closed: its figures are final (later changes come as adjustments)."""

    type: Literal["month.closed"]
    id: EventId
    timestamp: Timestamp
    tenant_id: str
    data: MonthClosedData


class AdjustmentAppearedEvent(BaseModel):
    """A closed month's line would now compute differently: the recomputed figures."""

    type: Literal["adjustment.appeared"]
    id: EventId
    timestamp: Timestamp
    tenant_id: str
    data: AdjustmentAppearedData


class ClaimChangedEvent(BaseModel):
    """A claim was created or moved (filed, granted, denied)."""

    type: Literal["claim.changed"]
    id: EventId
    timestamp: Timestamp
    tenant_id: str
    data: ClaimChangedData


class ClaimDeadlineNearEvent(BaseModel):
    """A closed line with a credit and no filed claim is 7 days or less from its deadline."""

    type: Literal["claim.deadline_near"]
    id: EventId
    timestamp: Timestamp
    tenant_id: str
    data: ClaimDeadlineNearData


EVENT_MODELS: dict[str, type[BaseModel]] = {
    "month.closed": MonthClosedEvent,
    "adjustment.appeared": AdjustmentAppearedEvent,
    "claim.changed": ClaimChangedEvent,
    "claim.deadline_near": ClaimDeadlineNearEvent,
}


def event_body(
    event_type: str, event_id: str, tenant_id: str, data: dict[str, Any], now_micros: int
) -> str:
    """The JSON text of one event, checked against its schema (ValueError if it does not fit)."""
    model = EVENT_MODELS.get(event_type)
    if model is None:
        raise ValueError(f"'{event_type}' is not an event type; known: {', '.join(EVENT_TYPES)}")
    event = model.model_validate(
        {
            "type": event_type,
            "id": event_id,
            "timestamp": iso(now_micros),
            "tenant_id": tenant_id,
            "data": data,
        }
    )
    return event.model_dump_json()
