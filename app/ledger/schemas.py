"""Ledger bodies: claims, a service's months, a month's summary. Money as decimal text."""

from typing import Literal

from pydantic import BaseModel, Field

from app.reports.schemas import Adjustment, ClaimStatus
from app.schemas import (
    DateText,
    DateTimeText,
    DecimalText,
    MonthInput,
    MonthString,
    Page,
    ServiceIdText,
    Strict,
    Text,
    example,
)


class ClaimCreate(Strict):
    model_config = example({"service_id": "exchange-online", "month": "2026-11"})

    service_id: ServiceIdText
    month: MonthInput = Field(max_length=7, description="`YYYY-MM`, a closed month")


class ClaimPatch(Strict):
    """Move a claim: `filed` with `provider_reference`; then `granted` with
    `credited_amount` or `denied` with `reason`; `withdrawn` from draft or filed."""

    model_config = example({"status": "filed", "provider_reference": "MS-CASE-31415"})

    status: Literal["filed", "granted", "denied", "withdrawn"]
    provider_reference: Text | None = Field(
        default=None, min_length=1, max_length=200, description="Required to file"
    )
    credited_amount: DecimalText | None = Field(
        default=None, description="Required to grant: what the provider credited"
    )
    reason: Text | None = Field(
        default=None, min_length=1, max_length=1000, description="Required to deny"
    )


class ClaimPublic(BaseModel):
    model_config = example(
        {
            "id": 1,
            "tenant_id": "contoso",
            "service_id": "exchange-online",
            "month": "2026-11",
            "status": "filed",
            "currency": "USD",
            "credit_amount": "300.00",
            "claim_deadline": "2026-12-31",
            "measurement_timezone": "UTC",
            "provider_reference": "MS-CASE-31415",
            "credited_amount": None,
            "reason": None,
            "created_at": "2026-12-02T09:00:00+00:00",
            "updated_at": "2026-12-03T09:00:00+00:00",
            "filed_at": "2026-12-03T09:00:00+00:00",
            "decided_at": None,
        }
    )

    id: int
    tenant_id: str
    service_id: str
    month: MonthString
    status: ClaimStatus
    currency: str
    credit_amount: str = Field(description="The closed line's credit, as claimed")
    claim_deadline: DateText = Field(description="Filing is possible until this day ends")
    measurement_timezone: str = Field(description="The zone the deadline is a date in")
    provider_reference: str | None
    credited_amount: str | None
    reason: str | None
    created_at: DateTimeText
    updated_at: DateTimeText
    filed_at: DateTimeText | None
    decided_at: DateTimeText | None = Field(description="When it was granted, denied or withdrawn")


class ClaimPage(Page[ClaimPublic]):
    pass


class HistoryMonth(BaseModel):
    """One month of a service: frozen figures if the month is closed."""

    month: MonthString
    policy_id: str
    monthly_fee: str
    currency: str
    period_minutes: str
    downtime_minutes: str
    availability_percent: str
    target_percent: str
    met: bool
    credit_amount: str
    claim_deadline: DateText
    claim_open: bool
    provisional: bool
    closed: bool
    adjustment: Adjustment | None
    claim_id: int | None
    claim_status: ClaimStatus | None


class HistoryPage(Page[HistoryMonth]):
    pass


class CurrencyTotal(BaseModel):
    currency: str
    lines: int
    credit_amount: str = Field(description="As shown: closed lines' frozen credit")
    credit_delta: str = Field(description="The sum of closed lines' adjustments")


class ClaimCounts(BaseModel):
    draft: int = 0
    filed: int = 0
    granted: int = 0
    denied: int = 0
    withdrawn: int = 0


class MonthSummary(BaseModel):
    month: MonthString
    lines: int
    met: int
    missed: int
    provisional: int
    closed: int = Field(description="Lines of tenants whose month is closed")
    credit_totals: list[CurrencyTotal] = Field(description="One per currency, by code")
    claims: ClaimCounts
    open_claims: int = Field(description="Claims not yet decided: draft or filed")
    unclaimed_lines: int = Field(
        description="Lines with a credit, their claim deadline not passed, and no claim "
        "other than withdrawn ones"
    )
