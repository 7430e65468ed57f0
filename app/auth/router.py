from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from app.audit.service import Change
from app.auth.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyPage
from app.auth.service import create_key, key_public, keys_page, revoke_key
from app.deps import KeyManager, Now, ReadSession, WriteSession
from app.errors import invalid, problem_responses
from app.models import Tenant
from app.pagination import Cursor, Limit, decode_text_cursor, encode_cursor
from app.schemas import iso
from app.sla.periods import to_micros

router = APIRouter(prefix="/v1/api-keys", tags=["api-keys"])

KeyId = Annotated[str, Path(max_length=64, pattern=r"^[a-z0-9_]+$")]


@router.post("", status_code=status.HTTP_201_CREATED, responses=problem_responses(401, 403, 422))
def create_api_key(
    body: ApiKeyCreate, caller: KeyManager, session: WriteSession, now: Now
) -> ApiKeyCreated:
    """Mint a key; its secret is in this answer only (it is stored as a hash)."""
    if body.role == "tenant" and body.tenant_id is None:
        raise invalid(["body", "tenant_id"], "a tenant key needs the tenant_id it may see")
    if body.role != "tenant" and body.tenant_id is not None:
        raise invalid(
            ["body", "tenant_id"],
            f"'{body.tenant_id}' given, but a {body.role} key sees every tenant; omit it",
        )
    if body.tenant_id is not None and session.get(Tenant, body.tenant_id) is None:
        raise invalid(["body", "tenant_id"], f"tenant '{body.tenant_id}' does not exist")
    row, token = create_key(
        session, body.role, body.tenant_id, Change(caller.key_id, to_micros(now))
    )
    session.commit()
    return ApiKeyCreated(
        id=row.id,
        key=token,
        role=body.role,
        tenant_id=row.tenant_id,
        created_at=iso(row.created_micros),
    )


@router.get("", responses=problem_responses(401, 403, 422))
def list_api_keys(
    _caller: KeyManager,
    session: ReadSession,
    tenant_id: Annotated[str | None, Query(max_length=64)] = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> ApiKeyPage:
    """The keys, without their secrets, by id; revoked ones show `revoked_at`."""
    after = None if cursor is None else decode_text_cursor(cursor)
    rows, more = keys_page(session, tenant_id, after, limit)
    return ApiKeyPage(
        items=[key_public(row) for row in rows],
        next_cursor=encode_cursor(rows[-1].id) if more else None,
    )


@router.delete(
    "/{key_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 403, 404, 422),
)
def revoke_api_key(key_id: KeyId, caller: KeyManager, session: WriteSession, now: Now) -> None:
    """Revoke a key at once: its next request answers 401. Revoking twice is harmless."""
    revoke_key(session, key_id, Change(caller.key_id, to_micros(now)))
    session.commit()
