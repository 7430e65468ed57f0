"""Tenants: creating one, and reading those a caller may see."""

from sqlalchemy import ColumnElement
from sqlmodel import Session, col, select

from app.audit.service import Change, record
from app.errors import Conflict
from app.models import Tenant
from app.schemas import iso
from app.tenants.schemas import TenantCreate, TenantPublic


def tenant_public(tenant: Tenant) -> TenantPublic:
    return TenantPublic(
        id=tenant.id,
        name=tenant.name,
        timezone=tenant.timezone,
        currency=tenant.currency,
        created_at=iso(tenant.created_micros),
    )


def create_tenant(session: Session, body: TenantCreate, change: Change) -> Tenant:
    if session.get(Tenant, body.id) is not None:
        raise Conflict(f"tenant '{body.id}' already exists")
    tenant = Tenant(**body.model_dump(), created_micros=change.at_micros)
    session.add(tenant)
    record(
        session,
        change,
        entity="tenant",
        entity_id=tenant.id,
        action="create",
        before=None,
        after=tenant_public(tenant).model_dump(),
        tenant_id=tenant.id,
    )
    return tenant


def tenants_page(
    session: Session, scope: ColumnElement[bool], after_id: str | None, limit: int
) -> tuple[list[Tenant], bool]:
    query = select(Tenant).where(scope)
    if after_id is not None:
        query = query.where(col(Tenant.id) > after_id)
    rows = list(session.exec(query.order_by(col(Tenant.id)).limit(limit + 1)))
    return rows[:limit], len(rows) > limit
