"""What handlers receive: sessions, the caller, the tenant it may see, the clock."""

import hmac
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Literal

import pendulum
from fastapi import Depends, Header, Path, Request, Security
from fastapi.security import APIKeyHeader
from sqlmodel import Session, select

from app.config import Settings
from app.db import read_session, write_session
from app.errors import Forbidden, NotFound, Unauthorized
from app.idempotency import IdempotentWrite, fingerprint
from app.models import Tenant

api_key_header = APIKeyHeader(
    name="X-API-Key", scheme_name="ApiKey", auto_error=False, description="API key"
)


@dataclass(frozen=True, slots=True)
class Caller:
    role: Literal["admin", "finance", "tenant"]
    name: str

    def may_see(self, tenant_id: str) -> bool:
        return self.role == "admin"


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _read_session(request: Request) -> Iterator[Session]:
    yield from read_session(request.app.state.engine)


def _write_session(request: Request) -> Iterator[Session]:
    yield from write_session(request.app.state.engine)


def current_caller(
    request: Request, key: Annotated[str | None, Security(api_key_header)]
) -> Caller:
    admin_key = _settings(request).admin_key
    if not key:
        raise Unauthorized("send an API key in the X-API-Key header")
    if admin_key and hmac.compare_digest(key.encode(), admin_key.get_secret_value().encode()):
        return Caller(role="admin", name="admin")
    raise Unauthorized("the X-API-Key is not a known key")


def require_admin(caller: Annotated[Caller, Depends(current_caller)]) -> Caller:
    if caller.role != "admin":
        raise Forbidden(f"a {caller.role} key may not do this")
    return caller


def now() -> datetime:
    """The one place the service reads the clock; the core is handed this value."""
    return pendulum.now("UTC")


ReadSession = Annotated[Session, Depends(_read_session)]
WriteSession = Annotated[Session, Depends(_write_session)]
AnyCaller = Annotated[Caller, Depends(current_caller)]
Admin = Annotated[Caller, Depends(require_admin)]
Now = Annotated[datetime, Depends(now)]
TenantId = Annotated[str, Path(max_length=64, description="Tenant id (slug)")]


def _tenant_or_404(session: Session, caller: Caller, tenant_id: str, lock: bool) -> Tenant:
    # A tenant the key may not see answers exactly like one that does not exist.
    query = select(Tenant).where(Tenant.id == tenant_id)
    if lock:
        # Writes to one tenant queue behind its row lock on PostgreSQL (SQLite's
        # BEGIN IMMEDIATE already serialises writers), so two uploads of the same
        # incident cannot both see it as new.
        query = query.with_for_update()
    tenant = session.exec(query).first() if caller.may_see(tenant_id) else None
    if tenant is None:
        raise NotFound(f"tenant '{tenant_id}' does not exist")
    return tenant


def _visible_tenant(tenant_id: TenantId, caller: AnyCaller, session: ReadSession) -> Tenant:
    return _tenant_or_404(session, caller, tenant_id, lock=False)


def _writable_tenant(tenant_id: TenantId, caller: Admin, session: WriteSession) -> Tenant:
    return _tenant_or_404(session, caller, tenant_id, lock=True)


async def _request_fingerprint(request: Request) -> str:
    return fingerprint(request.method, request.url.path, await request.body())


def _idempotent_write(
    caller: Admin,
    session: WriteSession,
    request_fingerprint: Annotated[str, Depends(_request_fingerprint)],
    key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            min_length=1,
            max_length=255,
            description="The same key with the same body returns the first response",
        ),
    ] = None,
) -> IdempotentWrite:
    write = IdempotentWrite(caller=caller.name, key=key, fingerprint=request_fingerprint)
    write.check(session)
    return write


VisibleTenant = Annotated[Tenant, Depends(_visible_tenant)]
IdempotentCreate = Annotated[IdempotentWrite, Depends(_idempotent_write)]
# Loaded in the write session, so the handler's changes and the tenant share a transaction.
WritableTenant = Annotated[Tenant, Depends(_writable_tenant)]
