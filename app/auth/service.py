"""API keys: minted as long random tokens, kept only as their SHA-256, revoked at once."""

import hashlib
import hmac
import secrets
from typing import Protocol

from sqlalchemy import bindparam, update
from sqlalchemy import select as select_columns
from sqlmodel import Session, col, select

from app.audit.service import Change, record
from app.auth.principal import BOOTSTRAP_KEY_ID, Principal, Role, as_role
from app.auth.schemas import ApiKeyPublic
from app.errors import NotFound
from app.models import ApiKey
from app.schemas import iso

TOKEN_PREFIX = "sla_"
# Writing `last_used_at` on every request would make every read a write; a minute's
# resolution is what an admin reviewing keys needs.
LAST_USED_RESOLUTION_MICROS = 60_000_000


def key_hash(token: str) -> str:
    # A token has 256 random bits, so a fast hash is enough: there is nothing to guess.
    return hashlib.sha256(token.encode()).hexdigest()


def mint_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


class UsedKey(Protocol):
    """What noting a key's use reads: an `ApiKey`, or the row `principal_for` found."""

    @property
    def id(self) -> str: ...

    @property
    def last_used_micros(self) -> int | None: ...


# Every request looks its key up: the statement is built once, and only the columns
# the caller needs are read, as a row rather than an ORM object.
KEY_COLUMNS = (
    col(ApiKey.id),
    col(ApiKey.key_hash),
    col(ApiKey.role),
    col(ApiKey.tenant_id),
    col(ApiKey.last_used_micros),
    col(ApiKey.revoked_micros),
)
_KEY_BY_HASH = select_columns(*KEY_COLUMNS).where(col(ApiKey.key_hash) == bindparam("digest"))


def principal_for(
    session: Session, token: str, bootstrap_token: str | None
) -> tuple[Principal, UsedKey | None] | None:
    """The caller a token names, or None for an unknown or revoked token."""
    if is_bootstrap(token, bootstrap_token):
        return BOOTSTRAP, None
    digest = key_hash(token)
    row = session.connection().execute(_KEY_BY_HASH, {"digest": digest}).first()
    return None if row is None else principal_of_row(row, digest)


BOOTSTRAP = Principal(key_id=BOOTSTRAP_KEY_ID, role="admin")


def is_bootstrap(token: str, bootstrap_token: str | None) -> bool:
    """Whether `token` is the `SLA_ADMIN_KEY` key, compared in constant time."""
    return bool(bootstrap_token) and hmac.compare_digest(
        token.encode(), (bootstrap_token or "").encode()
    )


class KeyRow(UsedKey, Protocol):
    """The columns of `_KEY_BY_HASH`, as any statement that reads a key has them."""

    @property
    def key_hash(self) -> str: ...

    @property
    def role(self) -> str: ...

    @property
    def tenant_id(self) -> str | None: ...

    @property
    def revoked_micros(self) -> int | None: ...


def principal_of_row(row: KeyRow, digest: str) -> tuple[Principal, UsedKey] | None:
    """The caller a key row found by `digest` names; None once the key is revoked."""
    if row.revoked_micros is not None:
        return None
    # The index found it by hash; compare again in constant time all the same.
    if not hmac.compare_digest(row.key_hash, digest):
        return None
    principal = Principal(key_id=row.id, role=as_role(row.role), tenant_id=row.tenant_id)
    return principal, row


def use_is_news(key: UsedKey, now_micros: int) -> bool:
    """Whether `last_used_at` is a minute or more behind `now` (or was never set)."""
    last = key.last_used_micros
    return last is None or now_micros - last >= LAST_USED_RESOLUTION_MICROS


def note_use(session: Session, key: UsedKey, now_micros: int) -> None:
    """Move `last_used_at`, at most once a minute per key, in a transaction of its own."""
    if not use_is_news(key, now_micros):
        return
    session.execute(
        update(ApiKey).where(col(ApiKey.id) == key.id).values(last_used_micros=now_micros)
    )
    session.commit()


def create_key(
    session: Session, role: Role, tenant_id: str | None, change: Change
) -> tuple[ApiKey, str]:
    token = mint_token()
    row = ApiKey(
        id="key_" + secrets.token_hex(8),
        key_hash=key_hash(token),
        role=role,
        tenant_id=tenant_id,
        created_by=change.actor_key_id,
        created_micros=change.at_micros,
    )
    session.add(row)
    record(
        session,
        change,
        entity="api_key",
        entity_id=row.id,
        action="create",
        before=None,
        after=key_public(row).model_dump(),
        tenant_id=tenant_id,
    )
    return row, token


def revoke_key(session: Session, key_id: str, change: Change) -> None:
    row = session.get(ApiKey, key_id)
    if row is None:
        raise NotFound(f"API key '{key_id}' does not exist")
    if row.revoked_micros is not None:
        return
    before = key_public(row).model_dump()
    row.revoked_micros = change.at_micros
    session.add(row)
    record(
        session,
        change,
        entity="api_key",
        entity_id=row.id,
        action="revoke",
        before=before,
        after=key_public(row).model_dump(),
        tenant_id=row.tenant_id,
    )


def keys_page(
    session: Session, tenant_id: str | None, after_id: str | None, limit: int
) -> tuple[list[ApiKey], bool]:
    query = select(ApiKey)
    if tenant_id is not None:
        query = query.where(ApiKey.tenant_id == tenant_id)
    if after_id is not None:
        query = query.where(col(ApiKey.id) > after_id)
    rows = list(session.exec(query.order_by(col(ApiKey.id)).limit(limit + 1)))
    return rows[:limit], len(rows) > limit


def key_public(row: ApiKey) -> ApiKeyPublic:
    return ApiKeyPublic(
        id=row.id,
        role=as_role(row.role),
        tenant_id=row.tenant_id,
        created_at=iso(row.created_micros),
        created_by=row.created_by,
        last_used_at=None if row.last_used_micros is None else iso(row.last_used_micros),
        revoked_at=None if row.revoked_micros is None else iso(row.revoked_micros),
    )
