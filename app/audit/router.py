from typing import Annotated

from fastapi import APIRouter, Query

from app.audit.schemas import AuditPage, audit_page
from app.audit.service import AuditFilter, events_page
from app.deps import AuditReader, ReadSession
from app.errors import invalid, problem_responses
from app.pagination import Cursor, Limit, RowId, decode_cursor
from app.schemas import Timestamp
from app.sla.periods import to_micros
from app.sla.timestamps import TimestampError, parse_timestamp

router = APIRouter(prefix="/v1/audit", tags=["audit"])


def _instant(name: str, text: str | None) -> int | None:
    if text is None:
        return None
    try:
        return to_micros(parse_timestamp(text, "UTC"))
    except TimestampError as error:
        raise invalid(["query", name], str(error)) from error


@router.get("", responses=problem_responses(401, 403, 422))
def list_audit_events(
    _caller: AuditReader,
    session: ReadSession,
    tenant_id: Annotated[str | None, Query(max_length=64)] = None,
    actor_key_id: Annotated[str | None, Query(max_length=64)] = None,
    entity: Annotated[str | None, Query(max_length=32)] = None,
    from_: Annotated[Timestamp | None, Query(alias="from", description="At or after")] = None,
    to: Annotated[Timestamp | None, Query(description="Before")] = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> AuditPage:
    """Every audited change, oldest first (admin); filter by tenant, key, entity and time."""
    where = AuditFilter(
        tenant_id=tenant_id,
        actor_key_id=actor_key_id,
        entity=entity,
        since_micros=_instant("from", from_),
        until_micros=_instant("to", to),
    )
    after = None if cursor is None else int(decode_cursor(cursor, RowId)[0])
    rows, more = events_page(session, where, after, limit)
    return audit_page(rows, more)
