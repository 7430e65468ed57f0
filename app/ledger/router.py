import re
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, status
from pydantic import BeforeValidator

from app.audit.service import Change
from app.deps import (
    Caller,
    ClaimMover,
    IdempotentCreate,
    MonthCloser,
    MonthReopener,
    Now,
    PortfolioReader,
    ReadSession,
    VisibleTenant,
    WriteSession,
)
from app.errors import invalid, problem_responses
from app.ledger.schemas import (
    ClaimCreate,
    ClaimPage,
    ClaimPatch,
    ClaimPublic,
    HistoryPage,
    MonthSummary,
)
from app.ledger.service import (
    ClaimFilter,
    claims_page,
    close_month,
    create_claim,
    month_summary,
    move_claim,
    reopen_month,
    service_history,
)
from app.pagination import Cursor, Limit, decode_cursor, decode_text_cursor, encode_cursor
from app.reports.router import MonthText, checked_month
from app.reports.schemas import TenantReport
from app.schemas import MonthInput, Slug
from app.sla.periods import (
    FIRST_MONTH,
    MonthError,
    month_at,
    month_index,
    parse_month,
    to_micros,
    utc_month,
)

router = APIRouter()
months = APIRouter(tags=["ledger"])
claims = APIRouter(tags=["claims"])


def _plain_digits(value: Any) -> Any:
    # Lax int parsing would read "%201" (" 1") as claim 1.
    if isinstance(value, str) and not re.fullmatch(r"[0-9]{1,10}", value):
        raise ValueError(f"'{value}' is not a claim id (plain digits)")
    return value


ClaimId = Annotated[int, Path(ge=1, le=2**31 - 1), BeforeValidator(_plain_digits)]
ServiceId = Annotated[Slug, Path(description="Service id (slug), e.g. exchange-online")]
MonthQuery = Annotated[
    MonthInput | None, Query(max_length=7, description="`YYYY-MM`", examples=["2026-11"])
]


def _query_month(name: str, text: str | None) -> str | None:
    if text is None:
        return None
    try:
        parse_month(text)
    except MonthError as error:
        raise invalid(["query", name], str(error)) from error
    return text


@months.post(
    "/v1/tenants/{tenant_id}/reports/{month}/close",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 404, 409, 422),
)
def close_report(
    month: MonthText,
    tenant: MonthCloser,
    caller: Caller,
    write: IdempotentCreate,
    session: WriteSession,
    now: Now,
) -> TenantReport:
    """Close the tenant's month (admin, finance): its report is frozen as computed now.

    409 while the report is provisional, or if the month is already closed.
    """
    change = Change(caller.key_id, to_micros(now))
    answer = close_month(session, tenant, checked_month(month), change, now)
    write.commit(session, status.HTTP_201_CREATED, answer, to_micros(now))
    return answer


@months.delete(
    "/v1/tenants/{tenant_id}/reports/{month}/close",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 403, 404, 409, 422),
)
def reopen_report(
    month: MonthText, tenant: MonthReopener, caller: Caller, session: WriteSession, now: Now
) -> None:
    """Reopen a closed month (admin): its report is computed again from then on.

    409 while a claim that is not denied or withdrawn stands on its figures.
    """
    reopen_month(session, tenant, checked_month(month), Change(caller.key_id, to_micros(now)))
    session.commit()


@months.get(
    "/v1/tenants/{tenant_id}/services/{service_id}/history",
    responses=problem_responses(401, 404, 422),
)
def get_service_history(
    service_id: ServiceId,
    tenant: VisibleTenant,
    session: ReadSession,
    now: Now,
    from_: Annotated[
        MonthQuery, Query(alias="from", description="First month (default: 11 months before `to`)")
    ] = None,
    to: Annotated[MonthQuery, Query(description="Last month (default: this month, UTC)")] = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> HistoryPage:
    """The service month by month, oldest first: availability, downtime, met, credit,
    whether closed (frozen figures, and any adjustment) and the claim's status. Months
    without terms in force are left out."""
    last = _query_month("to", to) or utc_month(now)
    # Twelve months in all, or as many as there are since the first month.
    first = _query_month("from", from_) or month_at(
        max(month_index(last) - 11, month_index(FIRST_MONTH))
    )
    if month_index(first) > month_index(last):
        raise invalid(["query", "from"], f"'{first}' is after to '{last}'")
    after = None
    if cursor is not None:
        after = _query_month("cursor", decode_text_cursor(cursor))
    items, more = service_history(session, tenant, service_id, first, last, after, limit, now)
    next_cursor = encode_cursor(items[-1].month) if more else None
    return HistoryPage(items=items, next_cursor=next_cursor)


@months.get("/v1/reports/{month}/summary", responses=problem_responses(401, 403, 422))
def get_month_summary(
    month: MonthText, _caller: PortfolioReader, session: ReadSession, now: Now
) -> MonthSummary:
    """The month across every tenant (admin, finance): lines met and missed, closed,
    credit totals per currency, claims by status."""
    return month_summary(session, checked_month(month), now)


@claims.post(
    "/v1/tenants/{tenant_id}/claims",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 404, 409, 422),
)
def create_service_claim(
    body: ClaimCreate,
    tenant: ClaimMover,
    caller: Caller,
    write: IdempotentCreate,
    session: WriteSession,
    now: Now,
) -> ClaimPublic:
    """A draft claim for one line of a closed month with a credit (admin, finance)."""
    answer = create_claim(session, tenant, body, Change(caller.key_id, to_micros(now)))
    write.commit(session, status.HTTP_201_CREATED, answer, to_micros(now))
    return answer


@claims.patch(
    "/v1/tenants/{tenant_id}/claims/{claim_id}",
    responses=problem_responses(401, 403, 404, 409, 422),
)
def move_service_claim(
    claim_id: ClaimId,
    body: ClaimPatch,
    tenant: ClaimMover,
    caller: Caller,
    session: WriteSession,
    now: Now,
) -> ClaimPublic:
    """Move a claim (admin, finance): draft → filed (until the deadline's day ends) →
    granted or denied; draft or filed → withdrawn. Anything else is 409."""
    answer = move_claim(session, tenant, claim_id, body, Change(caller.key_id, to_micros(now)))
    session.commit()
    return answer


@claims.get("/v1/claims", responses=problem_responses(401, 403, 422))
def list_claims(
    _caller: PortfolioReader,
    session: ReadSession,
    status_: Annotated[
        Literal["draft", "filed", "granted", "denied", "withdrawn"] | None,
        Query(alias="status"),
    ] = None,
    month: MonthQuery = None,
    tenant_id: Annotated[str | None, Query(max_length=64)] = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> ClaimPage:
    """Every claim, oldest first (admin, finance); filter by status, month and tenant."""
    where = ClaimFilter(status=status_, month=_query_month("month", month), tenant_id=tenant_id)
    after = None if cursor is None else int(decode_cursor(cursor, int)[0])
    items, more = claims_page(session, where, after, limit)
    return ClaimPage(items=items, next_cursor=encode_cursor(items[-1].id) if more else None)


router.include_router(months)
router.include_router(claims)
