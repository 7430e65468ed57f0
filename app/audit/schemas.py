"""Audit trail bodies."""

from typing import Any

from pydantic import BaseModel, Field

from app.models import AuditEvent
from app.pagination import encode_cursor
from app.schemas import DateTimeText, Page, iso


class AuditEventPublic(BaseModel):
    id: int
    at: DateTimeText
    actor_key_id: str = Field(description="The id of the API key that made the change")
    tenant_id: str | None
    entity: str = Field(
        examples=["outage", "subscription", "policy", "api_key", "tenant", "month", "claim"]
    )
    entity_id: str
    action: str = Field(
        examples=["create", "update", "delete", "revoke", "end", "close", "reopen", "file"]
    )
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class AuditPage(Page[AuditEventPublic]):
    pass


def audit_page(rows: list[AuditEvent], more: bool) -> AuditPage:
    items = []
    for row in rows:
        assert row.id is not None
        items.append(
            AuditEventPublic(
                id=row.id,
                at=iso(row.at_micros),
                actor_key_id=row.actor_key_id,
                tenant_id=row.tenant_id,
                entity=row.entity,
                entity_id=row.entity_id,
                action=row.action,
                before=row.before,
                after=row.after,
            )
        )
    return AuditPage(items=items, next_cursor=encode_cursor(items[-1].id) if more else None)
