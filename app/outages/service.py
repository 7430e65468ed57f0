"""Outage windows: reading, correcting and withdrawing them, each change audited."""

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session, col, or_, select

from app.audit.service import Change, record
from app.errors import InvalidInput, NotFound, invalid, validation_problems
from app.models import AuditEvent, Outage, Tenant
from app.outages.schemas import OutageIn, OutagePatch, OutagePublic
from app.outages.validation import CONTENT_FIELDS, validate_rows
from app.schemas import iso
from app.subscriptions.service import KnownService, known_services


def _content(outage: Outage) -> tuple[Any, ...]:
    return tuple(getattr(outage, name) for name in CONTENT_FIELDS)


def outage_snapshot(outage: Outage) -> dict[str, Any]:
    return outage_public(outage).model_dump()


def audit(
    session: Session,
    outage: Outage,
    action: str,
    before: dict[str, Any] | None,
    change: Change,
) -> None:
    assert outage.id is not None
    record(
        session,
        change,
        entity="outage",
        entity_id=str(outage.id),
        action=action,
        before=before,
        after=None if action == "delete" else outage_snapshot(outage),
        tenant_id=outage.tenant_id,
    )


def outage_public(outage: Outage) -> OutagePublic:
    assert outage.id is not None
    return OutagePublic(
        id=outage.id,
        tenant_id=outage.tenant_id,
        service_id=outage.service_id,
        kind="maintenance" if outage.kind == "maintenance" else "outage",
        start=iso(outage.start_micros),
        end=None if outage.end_micros is None else iso(outage.end_micros),
        impact=outage.impact,
        users_affected=outage.users_affected,
        external_id=outage.external_id,
        title=outage.title,
        source=outage.source,
        import_id=outage.import_id,
        created_at=iso(outage.created_micros),
        updated_at=iso(outage.updated_micros),
    )


def services_of(session: Session, tenant_id: str) -> dict[str, KnownService]:
    return known_services(session, tenant_id)


@dataclass(frozen=True, slots=True)
class OutageFilter:
    service_id: str | None = None
    ending_after_micros: int | None = None
    starting_before_micros: int | None = None


def outages_page(
    session: Session,
    tenant_id: str,
    where: OutageFilter,
    after: tuple[int, int] | None,
    limit: int,
) -> tuple[list[Outage], bool]:
    """The tenant's windows by start time after the cursor, and whether more follow."""
    query = select(Outage).where(Outage.tenant_id == tenant_id)
    if where.service_id is not None:
        query = query.where(Outage.service_id == where.service_id)
    if where.ending_after_micros is not None:
        query = query.where(
            or_(
                col(Outage.end_micros).is_(None),
                col(Outage.end_micros) > where.ending_after_micros,
            )
        )
    if where.starting_before_micros is not None:
        query = query.where(Outage.start_micros < where.starting_before_micros)
    if after is not None:
        start, last_id = after
        query = query.where(
            or_(
                col(Outage.start_micros) > start,
                (col(Outage.start_micros) == start) & (col(Outage.id) > last_id),
            )
        )
    query = query.order_by(col(Outage.start_micros), col(Outage.id)).limit(limit + 1)
    rows = list(session.exec(query))
    return rows[:limit], len(rows) > limit


def stored_outage(session: Session, tenant: Tenant, outage_id: int) -> Outage:
    outage = session.get(Outage, outage_id)
    if outage is None or outage.tenant_id != tenant.id:
        raise NotFound(f"outage {outage_id} does not exist for tenant '{tenant.id}'")
    return outage


def correct_outage(
    session: Session, tenant: Tenant, outage_id: int, body: OutagePatch, change: Change
) -> Outage:
    """Apply the fields sent; a patch that changes nothing writes nothing, not even audit."""
    changes = body.model_dump(exclude_unset=True)
    if not changes:
        raise invalid(["body"], "an empty patch changes nothing; send at least one field")
    outage = stored_outage(session, tenant, outage_id)
    merged = outage_public(outage).model_dump(include=set(OutageIn.model_fields))
    if "impact" in changes:
        merged["users_affected"] = None
    if "users_affected" in changes:
        merged["impact"] = None
    merged.update(changes)
    try:
        row = OutageIn.model_validate(merged)
    except ValidationError as error:
        raise InvalidInput(validation_problems(error.errors(), prefix=["body"])) from error
    (window,) = validate_rows([(["body"], row)], tenant, services_of(session, tenant.id))
    if _content(outage) == window.content():
        return outage
    before = outage_snapshot(outage)
    for name in CONTENT_FIELDS:
        setattr(outage, name, getattr(window, name))
    outage.updated_micros = change.at_micros
    session.add(outage)
    session.flush()
    audit(session, outage, "update", before, change)
    return outage


def withdraw_outage(session: Session, tenant: Tenant, outage_id: int, change: Change) -> None:
    outage = stored_outage(session, tenant, outage_id)
    audit(session, outage, "delete", outage_snapshot(outage), change)
    session.delete(outage)


def history_subjects(
    session: Session, tenant_id: str, outage_id: int
) -> tuple[tuple[str, str], ...]:
    """What a window's history is made of: the window's own audit rows and, for a window
    an import created, the import's row, which records the creation (an import writes
    one row, not one per window it creates)."""
    own = ("outage", str(outage_id))
    creator = _creating_import(session, tenant_id, outage_id)
    return (own,) if creator is None else (("import", str(creator)), own)


def _creating_import(session: Session, tenant_id: str, outage_id: int) -> int | None:
    first = session.exec(
        select(AuditEvent)
        .where(
            AuditEvent.tenant_id == tenant_id,
            AuditEvent.entity == "outage",
            AuditEvent.entity_id == str(outage_id),
        )
        .order_by(col(AuditEvent.id))
        .limit(1)
    ).first()
    if first is not None:
        # A change after the creation: the window before it holds the creating import.
        if first.action == "create" or first.before is None:
            return None
        creator = first.before.get("import_id")
        return creator if isinstance(creator, int) else None
    # Never changed since it was made: the window, if it is still there, says.
    outage = session.get(Outage, outage_id)
    return None if outage is None or outage.tenant_id != tenant_id else outage.import_id
