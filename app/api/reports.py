from typing import Annotated

from fastapi import APIRouter, Path, Query

from app.api.deps import AnyCaller, Now, ReadSession, VisibleTenant
from app.errors import Forbidden, invalid, problem_responses
from app.pagination import decode_cursor
from app.reports.build import portfolio_page, tenant_report
from app.schemas import PortfolioPage, TenantReport
from app.sla.periods import MonthError, parse_month

router = APIRouter(tags=["reports"])

MonthText = Annotated[str, Path(description="Calendar month YYYY-MM", examples=["2026-11"])]


def _month(text: str) -> str:
    try:
        parse_month(text)
    except MonthError as error:
        raise invalid(["path", "month"], str(error)) from error
    return text


@router.get("/v1/tenants/{tenant_id}/reports/{month}", responses=problem_responses(401, 404, 422))
def get_tenant_report(
    tenant: VisibleTenant, month: MonthText, session: ReadSession, now: Now
) -> TenantReport:
    """The tenant's credit-eligibility report for one month, per service."""
    return tenant_report(session, tenant, _month(month), now)


@router.get("/v1/reports/{month}", responses=problem_responses(401, 403, 422))
def get_portfolio_report(
    month: MonthText,
    caller: AnyCaller,
    session: ReadSession,
    now: Now,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> PortfolioPage:
    """Every tenant × service line for the month (admin and finance keys)."""
    if caller.role not in ("admin", "finance"):
        raise Forbidden(f"a {caller.role} key may not read the portfolio")
    after = None
    if cursor is not None:
        parts = decode_cursor(cursor, 2)
        if parts is None:
            raise invalid(["query", "cursor"], f"'{cursor}' is not a cursor this API gave out")
        after = (str(parts[0]), str(parts[1]))
    return portfolio_page(session, _month(month), now, after, limit)
