from typing import Annotated

from fastapi import APIRouter, Path, Query, status
from pydantic import ValidationError
from sqlmodel import Session, col, or_, select

from app.deps import (
    Admin,
    IdempotentCreate,
    Now,
    ReadSession,
    VisibleTenant,
    WritableTenant,
    WriteSession,
)
from app.errors import InvalidInput, NotFound, invalid, problem_responses, validation_problems
from app.models import Outage, Subscription, Tenant
from app.outages.schemas import (
    OutageBatch,
    OutageBatchResult,
    OutageIn,
    OutagePage,
    OutagePatch,
    OutagePublic,
)
from app.outages.service import audit, outage_public, outage_snapshot, store_rows, validate_rows
from app.pagination import decode_cursor, encode_cursor
from app.schemas import Timestamp
from app.sla.periods import to_micros
from app.sla.timestamps import TimestampError, parse_timestamp

router = APIRouter(prefix="/v1/tenants/{tenant_id}/outages", tags=["outages"])

OutageId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def _services(session: Session, tenant_id: str) -> dict[str, Subscription]:
    rows = session.exec(select(Subscription).where(Subscription.tenant_id == tenant_id)).all()
    return {row.service_id: row for row in rows}


@router.post(
    "", status_code=status.HTTP_201_CREATED, responses=problem_responses(401, 403, 404, 409, 422)
)
def create_outages(
    body: OutageBatch,
    tenant: WritableTenant,
    write: IdempotentCreate,
    session: WriteSession,
    now: Now,
) -> OutageBatchResult:
    """Store a batch of windows, all or none; re-sent windows are recognised by external_id."""
    rows = validate_rows(
        [(["body", "outages", index], row) for index, row in enumerate(body.outages)],
        tenant,
        _services(session, tenant.id),
    )
    result = store_rows(session, tenant.id, rows, write.caller, to_micros(now))
    answer = OutageBatchResult(
        created=result.created,
        updated=result.updated,
        duplicates=result.duplicates,
        outages=[outage_public(outage) for outage in result.outages],
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
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> OutagePage:
    """The tenant's windows by start time, optionally one service's and within a range."""
    query = select(Outage).where(Outage.tenant_id == tenant.id)
    if service_id is not None:
        query = query.where(Outage.service_id == service_id)
    if from_ is not None:
        since = _query_instant("from", from_, tenant)
        query = query.where(or_(col(Outage.end_micros).is_(None), col(Outage.end_micros) > since))
    if to is not None:
        query = query.where(Outage.start_micros < _query_instant("to", to, tenant))
    if cursor is not None:
        parts = decode_cursor(cursor, 2)
        if parts is None or not all(isinstance(part, int) for part in parts):
            raise invalid(["query", "cursor"], f"'{cursor}' is not a cursor this API gave out")
        start, last_id = int(parts[0]), int(parts[1])
        query = query.where(
            or_(
                col(Outage.start_micros) > start,
                (col(Outage.start_micros) == start) & (col(Outage.id) > last_id),
            )
        )
    rows = session.exec(
        query.order_by(col(Outage.start_micros), col(Outage.id)).limit(limit + 1)
    ).all()
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        assert last.id is not None
        next_cursor = encode_cursor(last.start_micros, last.id)
    return OutagePage(items=[outage_public(row) for row in rows[:limit]], next_cursor=next_cursor)


def _query_instant(name: str, text: str, tenant: Tenant) -> int:
    try:
        return to_micros(parse_timestamp(text, tenant.timezone))
    except TimestampError as error:
        raise invalid(["query", name], str(error)) from error


def _stored(session: Session, tenant: Tenant, outage_id: int) -> Outage:
    outage = session.get(Outage, outage_id)
    if outage is None or outage.tenant_id != tenant.id:
        raise NotFound(f"outage {outage_id} does not exist for tenant '{tenant.id}'")
    return outage


@router.patch("/{outage_id}", responses=problem_responses(401, 403, 404, 422))
def update_outage(
    outage_id: OutageId,
    body: OutagePatch,
    tenant: WritableTenant,
    caller: Admin,
    session: WriteSession,
    now: Now,
) -> OutagePublic:
    """Correct a window; only the fields sent change, and the change is audited."""
    outage = _stored(session, tenant, outage_id)
    current = outage_public(outage)
    merged = current.model_dump(include=set(OutageIn.model_fields))
    changes = body.model_dump(exclude_unset=True)
    if "impact" in changes:
        merged["users_affected"] = None
    if "users_affected" in changes:
        merged["impact"] = None
    merged.update(changes)
    try:
        row = OutageIn.model_validate(merged)
    except ValidationError as error:
        raise InvalidInput(validation_problems(error.errors(), prefix=["body"])) from error
    (window,) = validate_rows([(["body"], row)], tenant, _services(session, tenant.id))
    before = outage_snapshot(outage)
    for name in ("kind", "start_micros", "end_micros", "impact", "users_affected", "title"):
        setattr(outage, name, getattr(window, name))
    outage.updated_micros = to_micros(now)
    session.add(outage)
    audit(session, outage, "update", before, caller.name, to_micros(now))
    session.commit()
    return outage_public(outage)


@router.delete(
    "/{outage_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 403, 404, 422),
)
def delete_outage(
    outage_id: OutageId, tenant: WritableTenant, caller: Admin, session: WriteSession, now: Now
) -> None:
    """Withdraw a window; the audit trail keeps what it was."""
    outage = _stored(session, tenant, outage_id)
    audit(session, outage, "delete", outage_snapshot(outage), caller.name, to_micros(now))
    session.delete(outage)
    session.commit()
