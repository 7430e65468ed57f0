"""Webhooks: subscriptions, and `emit`, which puts an event in the outbox.

`emit` is how the rest of the application raises an event. It is called inside the
transaction of the change that caused the event, and writes there, so that the
event exists if and only if the change does:

    for session in write_session(engine):        # or the request's WriteSession
        ... close the month ...
        emit(session, "month.closed", tenant.id, {"month": "2026-11", "lines": [...]},
             change.at_micros)
        session.commit()                          # the caller commits both together

It records the event (its exact body, `webhook_event`) and writes one `pending`
delivery per live webhook subscribed to the type (`webhook_delivery`, the outbox),
and nothing else: no network, no commit. The delivery worker (`app.webhooks.delivery`)
sends what is due. `data` is checked against the type's schema (`app.webhooks.events`),
so a malformed event fails in the caller, not at a receiver.
"""

import base64
import secrets
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from app.audit.service import Change, record
from app.errors import NotFound
from app.models import Webhook, WebhookDelivery, WebhookEvent
from app.schemas import iso
from app.webhooks.events import EventType, event_body
from app.webhooks.schemas import DeliveryPublic, WebhookPublic

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32  # Standard Webhooks asks for 24 to 64 random bytes


def emit(
    session: Session, event_type: str, tenant_id: str, data: dict[str, Any], now_micros: int
) -> None:
    """Record the event and queue one delivery per live webhook subscribed to its type.

    Writes in `session` and leaves the commit to the caller. Raises ValueError (a
    pydantic ValidationError) when `event_type` is unknown or `data` does not fit it.
    """
    record_event(session, event_type, tenant_id, data, now_micros)


def record_event(
    session: Session, event_type: str, tenant_id: str, data: dict[str, Any], now_micros: int
) -> str:
    """`emit`, returning the new event's id."""
    event_id = "evt_" + secrets.token_hex(12)
    body = event_body(event_type, event_id, tenant_id, data, now_micros)
    session.add(
        WebhookEvent(
            id=event_id, type=event_type, tenant_id=tenant_id, body=body, created_micros=now_micros
        )
    )
    subscribed = [
        webhook
        for webhook in session.exec(select(Webhook).where(col(Webhook.deleted_micros).is_(None)))
        if event_type in webhook.events
    ]
    for webhook in sorted(subscribed, key=lambda webhook: webhook.id):
        session.add(
            WebhookDelivery(
                webhook_id=webhook.id,
                event_id=event_id,
                event_type=event_type,
                attempt=1,
                status="pending",
                due_micros=now_micros,
            )
        )
    return event_id


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def create_webhook(session: Session, url: str, events: list[EventType], change: Change) -> Webhook:
    row = Webhook(
        id="wh_" + secrets.token_hex(8),
        url=url,
        events=list(events),
        secret=new_secret(),
        created_by=change.actor_key_id,
        created_micros=change.at_micros,
    )
    session.add(row)
    record(
        session,
        change,
        entity="webhook",
        entity_id=row.id,
        action="create",
        before=None,
        after=webhook_public(row).model_dump(),
    )
    return row


def live_webhook(session: Session, webhook_id: str) -> Webhook:
    row = session.get(Webhook, webhook_id)
    if row is None or row.deleted_micros is not None:
        raise NotFound(f"webhook '{webhook_id}' does not exist")
    return row


def delete_webhook(session: Session, webhook_id: str, change: Change) -> None:
    """Stop the webhook: no new deliveries, and its pending ones fail as cancelled."""
    row = live_webhook(session, webhook_id)
    before = webhook_public(row).model_dump()
    row.deleted_micros = change.at_micros
    session.add(row)
    session.execute(
        update(WebhookDelivery)
        .where(
            col(WebhookDelivery.webhook_id) == webhook_id,
            col(WebhookDelivery.status) == "pending",
        )
        .values(status="failed", error="the webhook was deleted", claim=None, lease_micros=None)
    )
    record(
        session,
        change,
        entity="webhook",
        entity_id=row.id,
        action="delete",
        before=before,
        after=None,
    )


def webhooks_page(session: Session, after_id: str | None, limit: int) -> tuple[list[Webhook], bool]:
    query = select(Webhook).where(col(Webhook.deleted_micros).is_(None))
    if after_id is not None:
        query = query.where(col(Webhook.id) > after_id)
    rows = list(session.exec(query.order_by(col(Webhook.id)).limit(limit + 1)))
    return rows[:limit], len(rows) > limit


def deliveries_page(
    session: Session,
    webhook_id: str,
    event_id: str | None,
    status: str | None,
    before_id: int | None,
    limit: int,
) -> tuple[list[WebhookDelivery], bool]:
    """A webhook's attempts, newest first, before `before_id`."""
    query = select(WebhookDelivery).where(WebhookDelivery.webhook_id == webhook_id)
    if event_id is not None:
        query = query.where(WebhookDelivery.event_id == event_id)
    if status is not None:
        query = query.where(WebhookDelivery.status == status)
    if before_id is not None:
        query = query.where(col(WebhookDelivery.id) < before_id)
    rows = list(session.exec(query.order_by(col(WebhookDelivery.id).desc()).limit(limit + 1)))
    return rows[:limit], len(rows) > limit


def webhook_public(row: Webhook) -> WebhookPublic:
    return WebhookPublic.model_validate(
        {
            "id": row.id,
            "url": row.url,
            "events": row.events,
            "created_at": iso(row.created_micros),
            "created_by": row.created_by,
        }
    )


def delivery_public(row: WebhookDelivery) -> DeliveryPublic:
    assert row.id is not None
    return DeliveryPublic.model_validate(
        {
            "id": row.id,
            "event_id": row.event_id,
            "event_type": row.event_type,
            "attempt": row.attempt,
            "status": row.status,
            "response_code": row.response_code,
            "error": row.error,
            "scheduled_at": iso(row.due_micros),
            "attempted_at": None if row.attempted_micros is None else iso(row.attempted_micros),
        }
    )
