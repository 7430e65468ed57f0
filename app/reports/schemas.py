"""Report bodies: every figure as decimal text."""

from pydantic import BaseModel, Field

from app.schemas import Page


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


class PortfolioPage(Page[PortfolioLine]):
    pass
