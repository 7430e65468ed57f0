from typing import Annotated

from fastapi import APIRouter, Path, Query, status
from pydantic import BeforeValidator

from app.audit.schemas import AuditPage, audit_page
from app.audit.service import AuditFilter, Change, events_page
from app.deps import (
    Caller,
    IdempotentCreate,
    Now,
    OutageWriter,
    ReadSession,
    VisibleTenant,
    WriteSession,
)
from app.errors import NotFound, invalid, problem_responses
from app.ledger.events import windows_changed
from app.models import Tenant
from app.outages.incidents import store_windows
from app.outages.schemas import (
    OutageBatch,
    OutageBatchResult,
    OutagePage,
    OutagePatch,
    OutagePublic,
)
from app.outages.service import (
    OutageFilter,
    correct_outage,
    history_subjects,
    outage_public,
    outages_page,
    services_of,
    stored_outage,
    withdraw_outage,
)
from app.outages.validation import validate_rows
from app.pagination import Cursor, Limit, RowId, decode_cursor, encode_cursor
from app.schemas import MAX_ROW_ID, Timestamp, plain_digits
from app.sla.periods import to_micros
from app.sla.timestamps import TimestampError, parse_timestamp

router = APIRouter(prefix="/v1/tenants/{tenant_id}/outages", tags=["outages"])


OutageId = Annotated[int, Path(ge=1, le=MAX_ROW_ID), BeforeValidator(plain_digits("an outage"))]


@router.post(
    "", status_code=status.HTTP_201_CREATED, responses=problem_responses(401, 403, 404, 409, 422)
)
def create_outages(
    body: OutageBatch,
    tenant: OutageWriter,
    caller: Caller,
    write: IdempotentCreate,
    session: WriteSession,
    now: Now,
) -> OutageBatchResult:
    """Store a batch of windows, all or none; re-sent windows are recognised by external_id."""
    rows = validate_rows(
        [(["body", "outages", index], row) for index, row in enumerate(body.outages)],
        tenant,
        services_of(session, tenant.id),
    )
    change = Change(caller.key_id, to_micros(now))
    result = store_windows(session, tenant.id, "api", rows, change)
    spans = [(row.start_micros, row.end_micros) for row in rows]
    windows_changed(session, tenant, [*spans, *result.displaced], now)
    answer = OutageBatchResult(
        created=result.created,
        updated=result.updated,
        removed=result.removed,
        duplicates=result.duplicates,
        outages=[OutagePublic.model_validate(window) for window in result.windows],
    )
    write.commit(session, status.HTTP_201_CREATED, answer, to_micros(now))
    return answer


@router.get("", responses=problem_responses(401, 404, 422))
def list_outages(
    tenant: VisibleTenant,
    session: ReadSession,
    service_id: Annotated[str | None, Query(max_length=64)] = None,
    from_: Annotated[
        Timestamp | None, Query(alias="from", description="Windows ending after this")
    ] = None,
    to: Annotated[Timestamp | None, Query(description="Windows starting before this")] = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> OutagePage:
    """The tenant's windows by start time, optionally one service's and within a range."""
    where = OutageFilter(
        service_id=service_id,
        ending_after_micros=None if from_ is None else _query_instant("from", from_, tenant),
        starting_before_micros=None if to is None else _query_instant("to", to, tenant),
    )
    after = None
    if cursor is not None:
        start, last_id = decode_cursor(cursor, int, RowId)
        after = (int(start), int(last_id))
    rows, more = outages_page(session, tenant.id, where, after, limit)
    next_cursor = None
    if more:
        last = rows[-1]
        assert last.id is not None
        next_cursor = encode_cursor(last.start_micros, last.id)
    return OutagePage(items=[outage_public(row) for row in rows], next_cursor=next_cursor)


def _query_instant(name: str, text: str, tenant: Tenant) -> int:
    try:
        return to_micros(parse_timestamp(text, tenant.timezone))
    except TimestampError as error:
        raise invalid(["query", name], str(error)) from error


@router.patch("/{outage_id}", responses=problem_responses(401, 403, 404, 422))
def update_outage(
    outage_id: OutageId,
    body: OutagePatch,
    tenant: OutageWriter,
    caller: Caller,
    session: WriteSession,
    now: Now,
) -> OutagePublic:
    """Correct a window; only the fields sent change, and the change is audited."""
    change = Change(caller.key_id, to_micros(now))
    before = stored_outage(session, tenant, outage_id)
    spans = [(before.start_micros, before.end_micros)]
    outage = correct_outage(session, tenant, outage_id, body, change)
    spans.append((outage.start_micros, outage.end_micros))
    windows_changed(session, tenant, spans, now)
    session.commit()
    return outage_public(outage)


@router.delete(
    "/{outage_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 403, 404, 422),
)
def delete_outage(
    outage_id: OutageId, tenant: OutageWriter, caller: Caller, session: WriteSession, now: Now
) -> None:
    """Withdraw a window; the audit trail keeps what it was."""
    gone = stored_outage(session, tenant, outage_id)
    spans = [(gone.start_micros, gone.end_micros)]
    withdraw_outage(session, tenant, outage_id, Change(caller.key_id, to_micros(now)))
    windows_changed(session, tenant, spans, now)
    session.commit()


@router.get("/{outage_id}/history", responses=problem_responses(401, 404, 422))
def get_outage_history(
    outage_id: OutageId,
    tenant: VisibleTenant,
    session: ReadSession,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> AuditPage:
    """The window's audit trail, oldest first; a withdrawn window's history stays readable.
    A window an import created starts with the import's audit row."""
    after = None if cursor is None else int(decode_cursor(cursor, RowId)[0])
    subjects = history_subjects(session, tenant.id, outage_id)
    where = AuditFilter(tenant_id=tenant.id, subjects=subjects)
    rows, more = events_page(session, where, after, limit)
    if not rows and after is None:
        raise NotFound(f"outage {outage_id} does not exist for tenant '{tenant.id}'")
    return audit_page(rows, more)
