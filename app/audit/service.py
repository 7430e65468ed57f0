"""The audit trail: one row per change, written in the change's own transaction."""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, ScalarSelect, func
from sqlalchemy import select as select_columns
from sqlmodel import Session, and_, col, or_, select

from app.models import AuditEvent


@dataclass(frozen=True, slots=True)
class Change:
    """What changed, and who changed it when."""

    actor_key_id: str
    at_micros: int


def record(
    session: Session,
    change: Change,
    *,
    entity: str,
    entity_id: str,
    action: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    tenant_id: str | None = None,
) -> None:
    session.add(
        AuditEvent(
            at_micros=change.at_micros,
            actor_key_id=change.actor_key_id,
            tenant_id=tenant_id,
            entity=entity,
            entity_id=entity_id,
            action=action,
            before=before,
            after=after,
        )
    )


def newest_event_id(tenant_id: ColumnElement[str]) -> ScalarSelect[int | None]:
    """The tenant's newest audit id: every change to its data writes an audit row in the
    change's transaction, so this moves whenever anything read of the tenant does."""
    return (
        select_columns(func.max(col(AuditEvent.id)))
        .where(col(AuditEvent.tenant_id) == tenant_id)
        .scalar_subquery()
    )


@dataclass(frozen=True, slots=True)
class AuditFilter:
    tenant_id: str | None = None
    actor_key_id: str | None = None
    entity: str | None = None
    entity_id: str | None = None
    since_micros: int | None = None
    until_micros: int | None = None
    subjects: tuple[tuple[str, str], ...] = ()
    """(entity, entity_id) pairs, any of which a row may be about; empty: any row."""


def events_page(
    session: Session,
    where: AuditFilter,
    after_id: int | None,
    limit: int,
) -> tuple[list[AuditEvent], bool]:
    """Events oldest first after `after_id`, and whether more follow."""
    query = select(AuditEvent)
    for column, value in (
        (AuditEvent.tenant_id, where.tenant_id),
        (AuditEvent.actor_key_id, where.actor_key_id),
        (AuditEvent.entity, where.entity),
        (AuditEvent.entity_id, where.entity_id),
    ):
        if value is not None:
            query = query.where(column == value)
    if where.subjects:
        query = query.where(
            or_(
                *(
                    and_(AuditEvent.entity == entity, AuditEvent.entity_id == entity_id)
                    for entity, entity_id in where.subjects
                )
            )
        )
    if where.since_micros is not None:
        query = query.where(AuditEvent.at_micros >= where.since_micros)
    if where.until_micros is not None:
        query = query.where(AuditEvent.at_micros < where.until_micros)
    if after_id is not None:
        query = query.where(col(AuditEvent.id) > after_id)
    rows = list(session.exec(query.order_by(col(AuditEvent.id)).limit(limit + 1)))
    return rows[:limit], len(rows) > limit
