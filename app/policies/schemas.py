"""Policy bodies."""

from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.schemas import DecimalText, Page, Slug, Strict, Text, example


def _one_credit_kind(schema: dict[str, Any]) -> None:
    # The server refuses a tier with both credit kinds or neither (naming the tier); the
    # spec says so too, so that a client checking against it never sends one. As
    # if/then/else, which validators apply and generators pass over: a oneOf would make
    # openapi-python-client replace the TierIn model with two unnamed ones.
    schema["if"] = {
        "required": ["credit_percent"],
        "properties": {"credit_percent": {"type": "string"}},
    }
    schema["then"] = {"properties": {"credit_days": {"type": "null"}}}
    schema["else"] = {
        "required": ["credit_days"],
        "properties": {"credit_days": {"type": "string"}},
    }


class TierIn(Strict):
    """A tier gives `credit_percent` (of the monthly fee) or `credit_days` (of service),
    not both."""

    model_config = ConfigDict(json_schema_extra=_one_credit_kind)

    below_percent: DecimalText
    credit_percent: DecimalText | None = None
    credit_days: DecimalText | None = None


class PolicyCreate(Strict):
    model_config = example(
        {
            "id": "acme-gold",
            "name": "Acme Gold",
            "target_percent": "99.9",
            "tiers": [
                {"below_percent": "99.9", "credit_percent": "10"},
                {"below_percent": "99", "credit_days": "7"},
            ],
        }
    )

    id: Slug
    name: Text = Field(min_length=1, max_length=200)
    target_percent: DecimalText
    tiers: list[TierIn] = Field(min_length=1, max_length=20)
    measurement_timezone: Literal["UTC", "tenant"] = "UTC"
    min_downtime_minutes: DecimalText = Decimal(0)
    exclude_maintenance: bool = True
    claim_window: Text = Field(default="P1M", max_length=32, examples=["P1M", "P30D"])
    credit_cap_percent: DecimalText = Decimal(100)
    credit_cap_days: DecimalText | None = None
    source: Text | None = Field(default=None, max_length=500)


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


class PolicyPage(Page[PolicyPublic]):
    pass
