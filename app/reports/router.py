from typing import Annotated, Literal

from fastapi import APIRouter, Header, Path, Query, Response
from fastapi.responses import StreamingResponse

from app.deps import Now, PortfolioReader, ReadSession, VisibleTenant
from app.errors import invalid, problem_responses
from app.pagination import Cursor, Limit, decode_cursor, encode_cursor
from app.reports import build
from app.reports.build import LineFilter, portfolio_lines, portfolio_page, tenant_report
from app.reports.pages import page_response
from app.reports.render import portfolio_csv, report_csv
from app.reports.schemas import PortfolioPage, TenantReport
from app.sla.periods import MonthError, parse_month

router = APIRouter(tags=["reports"])

MonthText = Annotated[str, Path(description="Calendar month YYYY-MM", examples=["2026-11"])]


def checked_month(text: str) -> str:
    """The path's month, or 422 naming it."""
    try:
        parse_month(text)
    except MonthError as error:
        raise invalid(["path", "month"], str(error)) from error
    return text


ReportFormat = Literal["json", "csv", "html", "pdf"]
_MEDIA_TYPES: dict[ReportFormat, str] = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
}


def _chosen_format(requested: ReportFormat | None, accept: str | None) -> ReportFormat:
    """`?format=` wins; otherwise the first of CSV, HTML or PDF the Accept header names."""
    if requested is not None:
        return requested
    for media_range in (accept or "").split(","):
        media_type = media_range.split(";")[0].strip().lower()
        if media_type == "text/csv":
            return "csv"
        if media_type == "text/html":
            return "html"
        if media_type == "application/pdf":
            return "pdf"
    return "json"


@router.get(
    "/v1/tenants/{tenant_id}/reports/{month}",
    response_model=TenantReport,
    responses={
        200: {
            "description": "The report as JSON, CSV (`text/csv`), a page for a person "
            "(`text/html`) or that page as PDF (`application/pdf`)",
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                "text/html": {"schema": {"type": "string"}},
                "application/pdf": {"schema": {"type": "string", "format": "binary"}},
            },
        },
        **problem_responses(401, 404, 422),
    },
)
def get_tenant_report(
    tenant: VisibleTenant,
    month: MonthText,
    session: ReadSession,
    now: Now,
    format: Annotated[ReportFormat | None, Query(description="Overrides Accept")] = None,
    accept: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> TenantReport | Response:
    """The tenant's credit-eligibility report for one month, per service."""
    report = tenant_report(session, tenant, checked_month(month), now)
    chosen = _chosen_format(format, accept)
    if chosen == "csv":
        body = report_csv(report, tenant.name)
    elif chosen == "html" or chosen == "pdf":
        return page_response(session, tenant, report, now, chosen)
    else:
        return report
    return Response(body, media_type=_MEDIA_TYPES[chosen])


@router.get(
    "/v1/reports/{month}",
    response_model=PortfolioPage,
    responses={
        200: {
            "description": "One page of lines as JSON, or the whole month as CSV (`text/csv`)",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        },
        **problem_responses(401, 403, 422),
    },
)
def get_portfolio_report(
    month: MonthText,
    _caller: PortfolioReader,
    session: ReadSession,
    now: Now,
    limit: Limit = 100,
    cursor: Cursor = None,
    met: Annotated[
        bool | None, Query(description="Only lines that met (or missed) the target")
    ] = None,
    claim_open: Annotated[
        bool | None, Query(description="Only lines whose claim deadline has (not) passed")
    ] = None,
    closed: Annotated[bool | None, Query(description="Only lines of closed (open) months")] = None,
    format: Annotated[
        Literal["json", "csv"] | None,
        Query(description="Overrides Accept; CSV is the whole month, without pages"),
    ] = None,
    accept: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> PortfolioPage | Response:
    """Every tenant × service line for the month (admin and finance keys); closed months
    show their frozen figures and any adjustment."""
    where = LineFilter(met=met, claim_open=claim_open, closed=closed)
    month = checked_month(month)
    if _chosen_format(format, accept) == "csv":
        # Streamed as it is computed, a batch of lines at a time, in the request's read
        # session (it ends once the response is sent), so the month is one snapshot.
        lines = portfolio_lines(session, month, now, where)
        chunks = portfolio_csv(lines, rows_per_chunk=build.PORTFOLIO_BATCH)
        return StreamingResponse(chunks, media_type=_MEDIA_TYPES["csv"])
    after = None
    if cursor is not None:
        tenant_id, service_id = decode_cursor(cursor, str, str)
        after = (str(tenant_id), str(service_id))
    items, more = portfolio_page(session, month, now, where, after, limit)
    next_cursor = encode_cursor(items[-1].tenant_id, items[-1].service_id) if more else None
    return PortfolioPage(items=list(items), next_cursor=next_cursor)
