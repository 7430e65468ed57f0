from fastapi import APIRouter, status

from app.audit.service import Change
from app.deps import (
    Caller,
    IdempotentCreate,
    Now,
    ReadSession,
    TenantCreator,
    VisibleTenant,
    WriteSession,
)
from app.errors import problem_responses
from app.models import Tenant
from app.pagination import Cursor, Limit, decode_text_cursor, encode_cursor
from app.sla.periods import to_micros
from app.tenants.schemas import TenantCreate, TenantPage, TenantPublic
from app.tenants.service import create_tenant as store_tenant
from app.tenants.service import tenant_public, tenants_page

router = APIRouter(prefix="/v1/tenants", tags=["tenants"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 409, 422),
)
def create_tenant(
    body: TenantCreate,
    caller: TenantCreator,
    write: IdempotentCreate,
    session: WriteSession,
    now: Now,
) -> TenantPublic:
    """Create a tenant: a customer whose services and outages are measured."""
    tenant = store_tenant(session, body, Change(caller.key_id, to_micros(now)))
    answer = tenant_public(tenant)
    write.commit(session, status.HTTP_201_CREATED, answer, to_micros(now))
    return answer


@router.get("", responses=problem_responses(401, 422))
def list_tenants(
    caller: Caller, session: ReadSession, limit: Limit = 100, cursor: Cursor = None
) -> TenantPage:
    """The tenants this key may see, by id."""
    after = None if cursor is None else decode_text_cursor(cursor)
    rows, more = tenants_page(session, caller.tenant_scope(Tenant.id), after, limit)
    next_cursor = encode_cursor(rows[-1].id) if more else None
    return TenantPage(items=[tenant_public(t) for t in rows], next_cursor=next_cursor)


@router.get("/{tenant_id}", responses=problem_responses(401, 404, 422))
def get_tenant(tenant: VisibleTenant) -> TenantPublic:
    """One tenant."""
    return tenant_public(tenant)
