from typing import Annotated

from fastapi import APIRouter, Query, status
from sqlmodel import col, select

from app.deps import AnyCaller, IdempotentCreate, Now, ReadSession, VisibleTenant, WriteSession
from app.errors import Conflict, invalid, problem_responses
from app.models import Tenant
from app.pagination import decode_cursor, encode_cursor
from app.schemas import iso
from app.sla.periods import to_micros
from app.tenants.schemas import TenantCreate, TenantPage, TenantPublic

router = APIRouter(prefix="/v1/tenants", tags=["tenants"])


def tenant_public(tenant: Tenant) -> TenantPublic:
    return TenantPublic(
        id=tenant.id,
        name=tenant.name,
        timezone=tenant.timezone,
        currency=tenant.currency,
        created_at=iso(tenant.created_micros),
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 409, 422),
)
def create_tenant(
    body: TenantCreate, write: IdempotentCreate, session: WriteSession, now: Now
) -> TenantPublic:
    """Create a tenant: a customer whose services and outages are measured."""
    if session.get(Tenant, body.id) is not None:
        raise Conflict(f"tenant '{body.id}' already exists")
    tenant = Tenant(**body.model_dump(), created_micros=to_micros(now))
    session.add(tenant)
    answer = tenant_public(tenant)
    write.commit(session, status.HTTP_201_CREATED, answer, to_micros(now))
    return answer


@router.get("", responses=problem_responses(401, 422))
def list_tenants(
    caller: AnyCaller,
    session: ReadSession,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> TenantPage:
    """The tenants this key may see, by id."""
    query = select(Tenant).order_by(col(Tenant.id))
    if cursor is not None:
        parts = decode_cursor(cursor, 1)
        if parts is None:
            raise invalid(["query", "cursor"], f"'{cursor}' is not a cursor this API gave out")
        query = query.where(col(Tenant.id) > str(parts[0]))
    rows = [t for t in session.exec(query.limit(limit + 1)).all() if caller.may_see(t.id)]
    next_cursor = encode_cursor(rows[limit - 1].id) if len(rows) > limit else None
    return TenantPage(items=[tenant_public(t) for t in rows[:limit]], next_cursor=next_cursor)


@router.get("/{tenant_id}", responses=problem_responses(401, 404, 422))
def get_tenant(tenant: VisibleTenant) -> TenantPublic:
    """One tenant."""
    return tenant_public(tenant)
