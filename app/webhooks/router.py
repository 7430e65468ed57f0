from typing import Annotated

import httpx
from fastapi import APIRouter, Depends, Path, Query, Request, status

from app.audit.service import Change
from app.deps import IdempotentCreate, Now, ReadSession, WebhookManager, WriteSession
from app.errors import invalid, problem_responses
from app.net import public_address_problem
from app.pagination import Cursor, Limit, decode_cursor, decode_text_cursor, encode_cursor
from app.schemas import iso
from app.sla.periods import to_micros
from app.webhooks.schemas import (
    DeliveryPage,
    DeliveryStatus,
    WebhookCreate,
    WebhookCreated,
    WebhookPage,
    WebhookPublic,
)
from app.webhooks.service import (
    create_webhook,
    delete_webhook,
    deliveries_page,
    delivery_public,
    live_webhook,
    webhook_public,
    webhooks_page,
)

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])

WebhookId = Annotated[str, Path(max_length=64, pattern=r"^[a-z0-9_]+$")]


def target_problem(url: str, allow_insecure: bool) -> str | None:
    """Why `url` may not receive webhooks, or None. Resolves the host unless insecure."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as error:
        return f"'{url}' is not a URL: {error}"
    allowed = ("https", "http") if allow_insecure else ("https",)
    if parsed.scheme not in allowed:
        return f"'{url}': only {' or '.join(allowed)} URLs may receive webhooks"
    if not parsed.host:
        return f"'{url}' names no host"
    if parsed.userinfo:
        return f"'{url}' carries credentials; the signature authenticates each delivery"
    if not allow_insecure:
        problem = public_address_problem(parsed.host)
        if problem is not None:
            return f"'{url}': {problem}"
    return None


def _checked(body: WebhookCreate, request: Request) -> WebhookCreate:
    # A dependency declared after the caller's and before the write session's: only an
    # admin's request gets its host resolved, and no write lock waits for the lookup.
    seen: set[str] = set()
    for event in body.events:
        if event in seen:
            raise invalid(["body", "events"], f"'{event}' is listed twice")
        seen.add(event)
    problem = target_problem(body.url, request.app.state.settings.webhook_allow_insecure)
    if problem is not None:
        raise invalid(["body", "url"], problem)
    return body


CheckedWebhook = Annotated[WebhookCreate, Depends(_checked)]


@router.post(
    "", status_code=status.HTTP_201_CREATED, responses=problem_responses(401, 403, 409, 422)
)
def create_webhook_subscription(
    caller: WebhookManager,
    body: CheckedWebhook,
    write: IdempotentCreate,
    session: WriteSession,
    now: Now,
) -> WebhookCreated:
    """Subscribe a URL to events (admin); the signing secret is in this answer only."""
    row = create_webhook(session, body.url, body.events, Change(caller.key_id, to_micros(now)))
    answer = WebhookCreated.model_validate(
        {
            "id": row.id,
            "url": row.url,
            "events": row.events,
            "created_at": iso(row.created_micros),
            "secret": row.secret,
        }
    )
    write.commit(session, status.HTTP_201_CREATED, answer, to_micros(now))
    return answer


@router.get("", responses=problem_responses(401, 403, 422))
def list_webhooks(
    _caller: WebhookManager, session: ReadSession, limit: Limit = 100, cursor: Cursor = None
) -> WebhookPage:
    """The webhooks, without their secrets, by id (admin)."""
    after = None if cursor is None else decode_text_cursor(cursor)
    rows, more = webhooks_page(session, after, limit)
    return WebhookPage(
        items=[webhook_public(row) for row in rows],
        next_cursor=encode_cursor(rows[-1].id) if more else None,
    )


@router.get("/{webhook_id}", responses=problem_responses(401, 403, 404, 422))
def get_webhook(
    webhook_id: WebhookId, _caller: WebhookManager, session: ReadSession
) -> WebhookPublic:
    """One webhook, without its secret (admin)."""
    return webhook_public(live_webhook(session, webhook_id))


@router.delete(
    "/{webhook_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 403, 404, 422),
)
def delete_webhook_subscription(
    webhook_id: WebhookId, caller: WebhookManager, session: WriteSession, now: Now
) -> None:
    """Delete a webhook (admin): nothing more is sent to it, pending deliveries included."""
    delete_webhook(session, webhook_id, Change(caller.key_id, to_micros(now)))
    session.commit()


@router.get("/{webhook_id}/deliveries", responses=problem_responses(401, 403, 404, 422))
def list_webhook_deliveries(
    webhook_id: WebhookId,
    _caller: WebhookManager,
    session: ReadSession,
    event_id: Annotated[str | None, Query(max_length=64, pattern=r"^[a-z0-9_]+$")] = None,
    status: Annotated[DeliveryStatus | None, Query()] = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> DeliveryPage:
    """Every attempt to deliver to this webhook, newest first (admin)."""
    live_webhook(session, webhook_id)
    before = None if cursor is None else int(decode_cursor(cursor, int)[0])
    rows, more = deliveries_page(session, webhook_id, event_id, status, before, limit)
    last = rows[-1].id if rows else None
    return DeliveryPage(
        items=[delivery_public(row) for row in rows],
        next_cursor=encode_cursor(last) if more and last is not None else None,
    )
