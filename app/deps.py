"""What handlers receive: sessions, the caller, the tenant it may see, the clock.

A request's caller is resolved once (FastAPI caches a dependency per request); the
tenant dependencies load the tenant through the caller's SQL scope first (404) and
check the role's permission second (403), so a key learns nothing about tenants it
may not see.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

import pendulum
from fastapi import Depends, Header, Path, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Connection, Label, bindparam
from sqlalchemy import select as select_columns
from sqlmodel import Session, and_, col, or_, select
from starlette.datastructures import State

from app.audit.service import newest_event_id
from app.auth.principal import Action, Principal
from app.auth.service import (
    BOOTSTRAP,
    KEY_COLUMNS,
    UsedKey,
    is_bootstrap,
    key_hash,
    note_use,
    principal_for,
    principal_of_row,
    use_is_news,
)
from app.db import read_session, write_session
from app.errors import Forbidden, NotFound, Unauthorized
from app.idempotency import IdempotentWrite, fingerprint
from app.models import ApiKey, Tenant, TenantRow
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


_UNKNOWN_KEY = "the API key is not a known key, or it was revoked"


def _bootstrap_token(state: State) -> str | None:
    bootstrap = state.settings.admin_key
    return None if bootstrap is None else str(bootstrap.get_secret_value())


def _note_use(state: State, key: UsedKey | None, clock: datetime) -> None:
    now_micros = to_micros(clock)
    # Most requests find last_used_at less than a minute old: no write transaction
    # (on SQLite, the database's one write lock) is even begun for them.
    if key is not None and use_is_news(key, now_micros):
        for writing in write_session(state.engine):
            note_use(writing, key, now_micros)


def current_principal(
    request: Request, clock: Now, token: ApiToken, session: ReadSession
) -> Principal:
    """The caller, looked up in the request's read session (the one its handler reads
    through, if it reads), so a read costs one connection and one transaction."""
    state = request.app.state
    found = principal_for(session, token, _bootstrap_token(state))
    if found is None:
        raise Unauthorized(_UNKNOWN_KEY)
    principal, row = found
    _note_use(state, row, clock)
    return principal


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


def _visible_tenant(tenant_id: TenantId, caller: Caller, session: ReadSession) -> Tenant:
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


@dataclass(frozen=True, slots=True)
class TenantRead:
    """Where a read of one tenant's data starts: who asks, the tenant it may see, and
    the tenant's revision (`newest_event_id`) in the read's snapshot."""

    caller: Principal
    tenant: TenantRow
    revision: int


_TENANT_COLUMNS: tuple[Label[Any], ...] = (
    col(Tenant.id).label("t_id"),
    col(Tenant.name).label("t_name"),
    col(Tenant.timezone).label("t_timezone"),
    col(Tenant.currency).label("t_currency"),
    newest_event_id(bindparam("tenant_id")).label("revision"),
)
_TENANT_AND_REVISION = select_columns(*_TENANT_COLUMNS).where(
    col(Tenant.id) == bindparam("tenant_id")
)
# The key, the tenant in its scope (`Principal.tenant_scope`; NULLs when out of it) and
# the revision, in one statement: on PostgreSQL each statement is a round trip.
_KEY_TENANT_AND_REVISION = (
    select_columns(*KEY_COLUMNS, *_TENANT_COLUMNS)
    .select_from(ApiKey)
    .outerjoin(
        Tenant,
        and_(
            col(Tenant.id) == bindparam("tenant_id"),
            or_(col(ApiKey.role) != "tenant", col(Tenant.id) == col(ApiKey.tenant_id)),
        ),
    )
    .where(col(ApiKey.key_hash) == bindparam("digest"))
)


def tenant_read(
    state: State, connection: Connection, token: str, tenant_id: str, clock: datetime
) -> TenantRead:
    """`current_principal` and `_visible_tenant` (the same 401s and 404s) with the
    tenant's revision, in one statement, for the reads made most often."""
    if is_bootstrap(token, _bootstrap_token(state)):
        caller, key = BOOTSTRAP, None
        row = connection.execute(_TENANT_AND_REVISION, {"tenant_id": tenant_id}).first()
    else:
        digest = key_hash(token)
        row = connection.execute(
            _KEY_TENANT_AND_REVISION, {"digest": digest, "tenant_id": tenant_id}
        ).first()
        found = None if row is None else principal_of_row(row, digest)
        if found is None:
            raise Unauthorized(_UNKNOWN_KEY)
        caller, key = found
    _note_use(state, key, clock)
    if row is None or row.t_id is None:
        raise NotFound(f"tenant '{tenant_id}' does not exist")
    tenant = TenantRow(row.t_id, row.t_name, row.t_timezone, row.t_currency)
    return TenantRead(caller, tenant, 0 if row.revision is None else int(row.revision))


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
