from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Path, Query, Request, Response
from fastapi.responses import StreamingResponse
from sqlmodel import Session
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import State

from app.db import lookup_connection, read_retried_once, snapshot_begins
from app.deps import (
    ApiToken,
    Now,
    PortfolioReader,
    ReadSession,
    TenantId,
    VisibleTenant,
    tenant_read,
)
from app.errors import invalid, problem_responses
from app.metrics import timed_report_build
from app.pagination import Cursor, Limit, decode_cursor
from app.reports.ahead import answered_page, read_ahead
from app.reports.build import LineTenant, tenant_report
from app.reports.cache import ReportCache
from app.reports.pages import page_response
from app.reports.portfolio import LineFilter, csv_row_batches
from app.reports.render import portfolio_csv, report_csv
from app.reports.schemas import PortfolioPage, TenantReport
from app.schemas import MonthInput
from app.sla.periods import MonthError, parse_month, to_micros

router = APIRouter(tags=["reports"])

MonthText = Annotated[MonthInput, Path(description="Calendar month YYYY-MM", examples=["2026-11"])]


def checked_month(text: str) -> str:
    """The path's month, or 422 naming it."""
    try:
        parse_month(text)
    except MonthError as error:
        raise invalid(["path", "month"], str(error)) from error
    return text


ReportFormat = Literal["json", "csv", "html", "pdf"]
Rendering = Literal["csv", "html", "pdf"]
OCTET_STREAM = "application/octet-stream"
_MEDIA_TYPES: dict[ReportFormat, str] = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
}


def _named(accept: str | None) -> list[str]:
    """The media types an Accept header names, in its order, without parameters."""
    return [media_range.split(";")[0].strip().lower() for media_range in (accept or "").split(",")]


def _chosen_format(requested: ReportFormat | None, accept: str | None) -> ReportFormat:
    """`?format=` wins; otherwise the first of CSV, HTML or PDF the Accept header names."""
    if requested is not None:
        return requested
    for media_type in _named(accept):
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
async def get_tenant_report(
    request: Request,
    tenant_id: TenantId,
    month: MonthText,
    token: ApiToken,
    now: Now,
    format: Annotated[ReportFormat | None, Query(description="Overrides Accept")] = None,
    accept: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> TenantReport | Response:
    """The tenant's credit-eligibility report for one month, per service.

    `?format=` or `Accept` chooses CSV, the page or its PDF instead of JSON; the
    operations at `…/csv`, `…/html` and `…/pdf` give each of them on its own.
    """
    # The most requested read of all: its caller, tenant and report are read in one
    # hand-off to a worker thread, where the dependencies would take five (the session
    # opened and closed, the caller, the tenant, the handler), each a wait for the GIL.
    asked = _ReportRequest(token, tenant_id, month, now, _chosen_format(format, accept))
    return await run_in_threadpool(_tenant_report_answer, request.app.state, asked)


@dataclass(frozen=True, slots=True)
class _ReportRequest:
    token: str
    tenant_id: str
    month: str
    now: datetime
    format: ReportFormat


def _tenant_report_answer(state: State, asked: _ReportRequest) -> Response:
    # A read, whose one write (the key's last use) sets the same time again.
    return read_retried_once(lambda: _answer_on_one_connection(state, asked))


def _answer_on_one_connection(state: State, asked: _ReportRequest) -> Response:
    with lookup_connection(state.engine) as connection:
        read = tenant_read(state, connection, asked.token, asked.tenant_id, asked.now)
        cache: ReportCache = state.report_cache
        month, now, now_micros = asked.month, asked.now, to_micros(asked.now)
        if asked.format == "json":
            body = cache.body(read.tenant.id, checked_month(month), read.revision, now_micros)
            if body is not None:
                return Response(body, media_type=_MEDIA_TYPES["json"])
        if snapshot_begins(connection):
            # The report is computed in the snapshot its revision is read in.
            read = tenant_read(state, connection, asked.token, asked.tenant_id, now)
        with Session(bind=connection) as session:
            if asked.format != "json":
                return _rendering(session, read.tenant, month, now, asked.format)
            with timed_report_build("tenant"):
                report = tenant_report(session, read.tenant, month, now)
        # Written by pydantic straight to JSON bytes: FastAPI would validate the model
        # against `response_model` again and dump it to a dict for json.dumps.
        body = cache.keep(read.tenant.id, month, read.revision, report, now_micros)
        return Response(body, media_type=_MEDIA_TYPES["json"])


def _rendering(
    session: Session, tenant: LineTenant, month: str, now: datetime, chosen: Rendering
) -> Response:
    with timed_report_build("tenant"):
        report = tenant_report(session, tenant, checked_month(month), now)
    if chosen == "csv":
        return Response(report_csv(report, tenant.name), media_type=_MEDIA_TYPES[chosen])
    return page_response(session, tenant, report, now, chosen)


# Each rendering is also an operation of its own, declaring only its media type: a
# generated client decodes an answer by the first media type its operation declares, so
# beside JSON it would read a CSV as JSON and fail.
def _only(media_types: list[str], description: str) -> dict[int | str, dict[str, Any]]:
    text = all(media_type.startswith("text/") for media_type in media_types)
    schema = {"type": "string"} if text else {"type": "string", "format": "binary"}
    return {
        200: {
            "description": description,
            "content": {media_type: {"schema": schema} for media_type in media_types},
        },
        **problem_responses(401, 404, 422),
    }


@router.get(
    "/v1/tenants/{tenant_id}/reports/{month}/csv",
    summary="Get a tenant report as CSV",
    response_class=Response,
    responses=_only(["text/csv"], "A header row, then one row per service"),
)
def get_tenant_report_csv(
    tenant: VisibleTenant, month: MonthText, session: ReadSession, now: Now
) -> Response:
    """The report as CSV: the same as `?format=csv`, for clients that read it as text."""
    return _rendering(session, tenant, month, now, "csv")


@router.get(
    "/v1/tenants/{tenant_id}/reports/{month}/html",
    summary="Get a tenant report as a page",
    response_class=Response,
    responses=_only(["text/html"], "The report as a page for a person"),
)
def get_tenant_report_html(
    tenant: VisibleTenant, month: MonthText, session: ReadSession, now: Now
) -> Response:
    """The report as a page: the same as `?format=html`, for clients that read it as text."""
    return _rendering(session, tenant, month, now, "html")


@router.get(
    "/v1/tenants/{tenant_id}/reports/{month}/pdf",
    summary="Get a tenant report as PDF",
    response_class=Response,
    responses=_only(
        ["application/pdf", OCTET_STREAM],
        f"The report's page as PDF; as a download (`{OCTET_STREAM}`, an attachment) when "
        "Accept names only that",
    ),
)
def get_tenant_report_pdf(
    tenant: VisibleTenant,
    month: MonthText,
    session: ReadSession,
    now: Now,
    accept: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Response:
    """The report's page as PDF: the same as `?format=pdf`, for clients that read it as
    bytes."""
    pdf = _rendering(session, tenant, month, now, "pdf")
    if not _names_only_octet_stream(accept):
        return pdf
    # Generators that know no `application/pdf` (openapi-python-client) read the bytes
    # of an octet stream; the same PDF, saved rather than shown.
    disposition = pdf.headers["Content-Disposition"].replace("inline;", "attachment;")
    return Response(pdf.body, media_type=OCTET_STREAM, headers={"Content-Disposition": disposition})


def _names_only_octet_stream(accept: str | None) -> bool:
    named = _named(accept)
    return OCTET_STREAM in named and "application/pdf" not in named


LineMet = Annotated[bool | None, Query(description="Only lines that met (or missed) the target")]
LineClaimOpen = Annotated[
    bool | None, Query(description="Only lines whose claim deadline has (not) passed")
]
LineClosed = Annotated[bool | None, Query(description="Only lines of closed (open) months")]


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
    request: Request,
    month: MonthText,
    _caller: PortfolioReader,
    session: ReadSession,
    now: Now,
    limit: Limit = 100,
    cursor: Cursor = None,
    met: LineMet = None,
    claim_open: LineClaimOpen = None,
    closed: LineClosed = None,
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
        return _portfolio_csv(session, month, now, where)
    after = None
    if cursor is not None:
        tenant_id, service_id = decode_cursor(cursor, str, str)
        after = (str(tenant_id), str(service_id))
    state = request.app.state
    with timed_report_build("portfolio"):
        body, following = answered_page(session, state.pages_ahead, month, now, where, after, limit)
    # Read once this page is sent, while the client reads it.
    ahead = (
        None
        if following is None
        else BackgroundTask(read_ahead, state.engine, state.pages_ahead, following, now)
    )
    return Response(body, media_type=_MEDIA_TYPES["json"], background=ahead)


def _portfolio_csv(
    session: Session, month: str, now: datetime, where: LineFilter
) -> StreamingResponse:
    chunks = portfolio_csv(csv_row_batches(session, checked_month(month), now, where))
    return StreamingResponse(_timed_stream(chunks), media_type=_MEDIA_TYPES["csv"])


def _timed_stream(chunks: Iterator[str]) -> Iterator[str]:
    # The lines are computed while the CSV is sent, so the build is timed to its end.
    with timed_report_build("portfolio"):
        yield from chunks


@router.get(
    "/v1/reports/{month}/csv",
    summary="Get the portfolio report as CSV",
    response_class=Response,
    responses={
        200: {
            "description": "A header row, then one row per tenant and service",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        },
        **problem_responses(401, 403, 422),
    },
)
def get_portfolio_report_csv(
    month: MonthText,
    _caller: PortfolioReader,
    session: ReadSession,
    now: Now,
    met: LineMet = None,
    claim_open: LineClaimOpen = None,
    closed: LineClosed = None,
) -> Response:
    """The whole month's lines as one CSV: the same as `?format=csv`, for clients that
    read it as text."""
    return _portfolio_csv(
        session, month, now, LineFilter(met=met, claim_open=claim_open, closed=closed)
    )
