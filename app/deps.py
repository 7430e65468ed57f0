"""What handlers receive: sessions, the caller, the tenant it may see, the clock.

A request's caller is resolved once (FastAPI caches a dependency per request); the
tenant dependencies load the tenant through the caller's SQL scope first (404) and
check the role's permission second (403), so a key learns nothing about tenants it
may not see.
"""

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Annotated

import pendulum
from fastapi import Depends, Header, Path, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import bindparam
from sqlalchemy import select as select_columns
from sqlmodel import Session, col, select
from starlette.datastructures import State

from app.auth.principal import Action, Principal
from app.auth.service import note_use, principal_for, use_is_news
from app.db import read_session, write_session
from app.errors import Forbidden, NotFound, Unauthorized
from app.idempotency import IdempotentWrite, fingerprint
from app.models import Tenant
from app.sla.periods import to_micros

api_key_header = APIKeyHeader(
    name="X-API-Key", scheme_name="ApiKey", auto_error=False, description="API key"
)
bearer = HTTPBearer(
    scheme_name="Bearer",
    auto_error=False,
    description="The same API key as `Authorization: Bearer <key>`",
)


def _read_session(request: Request) -> Iterator[Session]:
    yield from read_session(request.app.state.engine)


def _write_session(request: Request) -> Iterator[Session]:
    yield from write_session(request.app.state.engine)


async def now() -> datetime:
    """The one place the service reads the clock; the core is handed this value.

    `async`, as it waits for nothing: FastAPI then calls it on the event loop instead of
    handing it to a worker thread and back."""
    return pendulum.now("UTC")


ReadSession = Annotated[Session, Depends(_read_session)]
WriteSession = Annotated[Session, Depends(_write_session)]
Now = Annotated[datetime, Depends(now)]


async def api_token(
    key: Annotated[str | None, Security(api_key_header)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)],
) -> str:
    """The key the request sends, in `X-API-Key` or as a Bearer token, or 401."""
    token = key or (credentials.credentials if credentials is not None else None)
    if not token:
        raise Unauthorized("send an API key in the X-API-Key header or as a Bearer token")
    return token


ApiToken = Annotated[str, Depends(api_token)]


def caller_of(state: State, session: Session, token: str, clock: datetime) -> Principal:
    """The caller `token` names, looked up in `session` (the read session its handler
    reads through, if it reads), so a read costs one connection and one transaction."""
    bootstrap = state.settings.admin_key
    found = principal_for(
        session, token, None if bootstrap is None else bootstrap.get_secret_value()
    )
    if found is None:
        raise Unauthorized("the API key is not a known key, or it was revoked")
    principal, row = found
    now_micros = to_micros(clock)
    # Most requests find last_used_at less than a minute old: no write transaction
    # (on SQLite, the database's one write lock) is even begun for them.
    if row is not None and use_is_news(row, now_micros):
        for writing in write_session(state.engine):
            note_use(writing, row, now_micros)
    return principal


def current_principal(
    request: Request, clock: Now, token: ApiToken, session: ReadSession
) -> Principal:
    return caller_of(request.app.state, session, token, clock)


Caller = Annotated[Principal, Depends(current_principal)]


def require(action: Action) -> Callable[[Principal], Principal]:
    """A dependency that lets through only callers whose role grants `action`."""

    def permitted(caller: Caller) -> Principal:
        if not caller.may(action):
            raise Forbidden(f"a {caller.role} key may not {action}")
        return caller

    return permitted


TenantId = Annotated[str, Path(max_length=64, description="Tenant id (slug)")]


def _tenant_in_scope(session: Session, caller: Principal, tenant_id: str, lock: bool) -> Tenant:
    # A tenant the key may not see answers exactly like one that does not exist.
    query = select(Tenant).where(Tenant.id == tenant_id, caller.tenant_scope(Tenant.id))
    if lock:
        # Writes to one tenant queue behind its row lock on PostgreSQL (SQLite's
        # BEGIN IMMEDIATE already serialises writers), so two uploads of the same
        # incident cannot both see it as new.
        query = query.with_for_update()
    tenant = session.exec(query).first()
    if tenant is None:
        raise NotFound(f"tenant '{tenant_id}' does not exist")
    return tenant


# Reads look the tenant up on every request: the statements are built once (building
# one, scope and all, costs more than running it) and bound by name.
_TENANT_BY_ID = select_columns(
    col(Tenant.id),
    col(Tenant.name),
    col(Tenant.timezone),
    col(Tenant.currency),
    col(Tenant.created_micros),
).where(col(Tenant.id) == bindparam("tenant_id"))
# A tenant key's scope (`Principal.tenant_scope`): its own tenant id.
_TENANT_BY_ID_IN_SCOPE = _TENANT_BY_ID.where(col(Tenant.id) == bindparam("scope"))


def visible_tenant(session: Session, caller: Principal, tenant_id: str) -> Tenant:
    """The tenant as a plain object read in one row (reads never change it); the same
    SQL scope as `_tenant_in_scope`, with the same 404."""
    connection = session.connection()
    if caller.role != "tenant":
        row = connection.execute(_TENANT_BY_ID, {"tenant_id": tenant_id}).first()
    elif caller.tenant_id is not None:
        scoped = {"tenant_id": tenant_id, "scope": caller.tenant_id}
        row = connection.execute(_TENANT_BY_ID_IN_SCOPE, scoped).first()
    else:
        row = None
    if row is None:
        raise NotFound(f"tenant '{tenant_id}' does not exist")
    return Tenant(**row._mapping)


def _visible_tenant(tenant_id: TenantId, caller: Caller, session: ReadSession) -> Tenant:
    return visible_tenant(session, caller, tenant_id)


def tenant_for(action: Action) -> Callable[[str, Principal, Session], Tenant]:
    """The tenant, loaded in the write session, for a caller that may do `action` to it."""

    def writable(tenant_id: TenantId, caller: Caller, session: WriteSession) -> Tenant:
        tenant = _tenant_in_scope(session, caller, tenant_id, lock=True)
        if not caller.may(action):
            raise Forbidden(f"a {caller.role} key may not {action}")
        return tenant

    return writable


async def _request_fingerprint(request: Request) -> str:
    return fingerprint(request.method, request.url.path, await request.body())


def _idempotent_write(
    caller: Caller,
    session: WriteSession,
    request_fingerprint: Annotated[str, Depends(_request_fingerprint)],
    key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            min_length=1,
            max_length=255,
            pattern=r"^[\x21-\x7e]+$",
            description="The same key with the same body returns the first response",
        ),
    ] = None,
) -> IdempotentWrite:
    write = IdempotentWrite(caller=caller.key_id, key=key, fingerprint=request_fingerprint)
    write.check(session)
    return write


VisibleTenant = Annotated[Tenant, Depends(_visible_tenant)]
IdempotentCreate = Annotated[IdempotentWrite, Depends(_idempotent_write)]
# Loaded in the write session, so the handler's changes and the tenant share a transaction.
OutageWriter = Annotated[Tenant, Depends(tenant_for(Action.WRITE_OUTAGES))]
ImportingTenant = Annotated[Tenant, Depends(tenant_for(Action.IMPORT))]
SubscriptionWriter = Annotated[Tenant, Depends(tenant_for(Action.MANAGE_SUBSCRIPTIONS))]
MonthCloser = Annotated[Tenant, Depends(tenant_for(Action.CLOSE_MONTHS))]
MonthReopener = Annotated[Tenant, Depends(tenant_for(Action.REOPEN_MONTHS))]
ClaimMover = Annotated[Tenant, Depends(tenant_for(Action.MOVE_CLAIMS))]
KeyManager = Annotated[Principal, Depends(require(Action.MANAGE_KEYS))]
WebhookManager = Annotated[Principal, Depends(require(Action.MANAGE_WEBHOOKS))]
TenantCreator = Annotated[Principal, Depends(require(Action.CREATE_TENANTS))]
PolicyCreator = Annotated[Principal, Depends(require(Action.MANAGE_POLICIES))]
PortfolioReader = Annotated[Principal, Depends(require(Action.READ_PORTFOLIO))]
AuditReader = Annotated[Principal, Depends(require(Action.READ_AUDIT))]
PortfolioImporter = Annotated[Principal, Depends(require(Action.IMPORT_PORTFOLIO))]
