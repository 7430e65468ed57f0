"""Report bodies: every figure as decimal text."""

from typing import Literal

from pydantic import BaseModel, Field

from app.schemas import DateText, DateTimeText, MonthString, Page, example


class ErrorBudgetOut(BaseModel):
    allowed_minutes: str
    used_minutes: str
    remaining_minutes: str
    used_percent: str | None = Field(description="None when the target is 100 % (no budget)")


class IncidentOut(BaseModel):
    outage_id: int
    external_id: str | None
    title: str | None
    start: DateTimeText
    end: DateTimeText | None
    ongoing: bool
    counted_minutes: str


class Adjustment(BaseModel):
    """A closed line recomputed now, where that differs from its frozen figures."""

    downtime_minutes: str
    excluded_minutes: str
    availability_percent: str
    met: bool
    credit_percent: str | None
    credit_days: str | None
    credit_amount: str
    credit_delta: str = Field(
        description="Recomputed − closed credit, exact, in the currency's minor unit"
    )
    provisional: bool


ClaimStatus = Literal["draft", "filed", "granted", "denied", "withdrawn"]


class ServiceLine(BaseModel):
    service_id: str
    policy_id: str
    monthly_fee: str = Field(description="Of the terms in force in the month")
    period_start: DateTimeText
    period_end: DateTimeText
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
    claim_deadline: DateText
    claim_open: bool = Field(description="Whether the claim deadline's day has not ended yet")
    provisional: bool
    incidents: list[IncidentOut]
    closed: bool = Field(default=False, description="The figures are frozen as closed")
    adjustment: Adjustment | None = Field(
        default=None, description="Closed lines only: what recomputing now gives, if different"
    )
    claim_id: int | None = Field(default=None, description="The line's latest claim")
    claim_status: ClaimStatus | None = None


# One service's line as the examples show it: November, 95.5 minutes down.
_LINE_EXAMPLE: dict[str, object] = {
    "service_id": "exchange-online",
    "policy_id": "microsoft-365",
    "monthly_fee": "1200.00",
    "period_start": "2026-11-01T00:00:00+00:00",
    "period_end": "2026-12-01T00:00:00+00:00",
    "measurement_timezone": "UTC",
    "period_minutes": "43200",
    "downtime_minutes": "95.5",
    "excluded_minutes": "30",
    "availability_percent": "99.7789",
    "target_percent": "99.9",
    "met": False,
    "credit_percent": "25",
    "credit_days": None,
    "credit_amount": "300.00",
    "error_budget": {
        "allowed_minutes": "43.2",
        "used_minutes": "95.5",
        "remaining_minutes": "-52.3",
        "used_percent": "221.06",
    },
    "claim_deadline": "2026-12-31",
    "claim_open": True,
    "provisional": False,
    "incidents": [
        {
            "outage_id": 1,
            "external_id": "EX123456",
            "title": "Mailbox access",
            "start": "2026-11-10T14:00:00+00:00",
            "end": "2026-11-10T16:05:30+00:00",
            "ongoing": False,
            "counted_minutes": "95.5",
        }
    ],
}


class TenantReport(BaseModel):
    model_config = example(
        {
            "tenant_id": "contoso",
            "month": "2026-11",
            "period_start": "2026-11-01T00:00:00+00:00",
            "period_end": "2026-12-01T00:00:00+00:00",
            "measurement_timezone": "UTC",
            "provisional": False,
            "currency": "USD",
            "services": [_LINE_EXAMPLE],
            "total_credit_amount": "300.00",
        }
    )

    tenant_id: str
    month: MonthString
    period_start: DateTimeText
    period_end: DateTimeText
    measurement_timezone: str
    provisional: bool
    currency: str
    services: list[ServiceLine]
    total_credit_amount: str
    closed: bool = False
    closed_at: DateTimeText | None = None
    closed_by: str | None = Field(default=None, description="The key id that closed it")
    total_credit_delta: str | None = Field(
        default=None, description="Closed months: the sum of the lines' credit_delta"
    )


class PortfolioLine(ServiceLine):
    tenant_id: str
    tenant_name: str
    month: MonthString
    currency: str
    closed_at: DateTimeText | None = None
    closed_by: str | None = None


class PortfolioPage(Page[PortfolioLine]):
    model_config = example(
        {
            "items": [
                {
                    **_LINE_EXAMPLE,
                    "tenant_id": "contoso",
                    "tenant_name": "Contoso Ltd",
                    "month": "2026-11",
                    "currency": "USD",
                }
            ],
            "next_cursor": None,
        }
    )

    pass
