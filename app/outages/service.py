"""Storing outage windows: validation of every row first, then all rows or none.

The API's batch create, its PATCH, and every importer go through `validate_rows`
and `store_rows`, so a window means the same thing whichever way it arrived.
"""

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session, col, or_, select

from app.audit.service import Change, record
from app.errors import InvalidInput, Loc, NotFound, ProblemItem, invalid, validation_problems
from app.models import Outage, Subscription, Tenant
from app.outages.schemas import OutageIn, OutagePatch, OutagePublic
from app.sla.numbers import decimal_text
from app.sla.periods import from_micros, to_micros
from app.sla.timestamps import TimestampError, parse_timestamp

CONTENT_FIELDS = ("kind", "start_micros", "end_micros", "impact", "users_affected", "title")


@dataclass(frozen=True, slots=True)
class WindowRow:
    """A validated window, ready to store."""

    service_id: str
    kind: str
    start_micros: int
    end_micros: int | None
    impact: str | None
    users_affected: int | None
    external_id: str | None
    title: str | None

    def content(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in CONTENT_FIELDS)


@dataclass(frozen=True, slots=True)
class StoreResult:
    created: int
    updated: int
    duplicates: int
    outages: list[Outage]


def iso(micros: int) -> str:
    return from_micros(micros).isoformat()


def validate_rows(
    rows: Sequence[tuple[Loc, OutageIn]],
    tenant: Tenant,
    services: Mapping[str, Subscription],
) -> list[WindowRow]:
    """Every row checked against the tenant; all problems reported at once."""
    errors: list[ProblemItem] = []
    valid: list[WindowRow] = []
    seen: dict[tuple[str, str], tuple[Loc, WindowRow]] = {}
    for loc, row in rows:
        window = _validate_row(loc, row, tenant, services, errors)
        if window is None:
            continue
        if window.external_id is not None:
            key = (window.service_id, window.external_id)
            earlier = seen.get(key)
            if earlier is not None and earlier[1].content() != window.content():
                errors.append(
                    ProblemItem(
                        loc=[*loc, "external_id"],
                        msg=f"'{window.external_id}' appears earlier in this upload "
                        f"({'.'.join(map(str, earlier[0]))}) with different values",
                    )
                )
                continue
            seen[key] = (loc, window)
        valid.append(window)
    if errors:
        raise InvalidInput(errors)
    return valid


def _validate_row(
    loc: Loc,
    row: OutageIn,
    tenant: Tenant,
    services: Mapping[str, Subscription],
    errors: list[ProblemItem],
) -> WindowRow | None:
    found: list[ProblemItem] = []
    subscription = services.get(row.service_id)
    if subscription is None:
        found.append(
            ProblemItem(
                loc=[*loc, "service_id"],
                msg=f"'{row.service_id}' is not a service tenant '{tenant.id}' subscribes to",
            )
        )
    start = _instant(loc, "start", row.start, tenant.timezone, found)
    end = None if row.end is None else _instant(loc, "end", row.end, tenant.timezone, found)
    if start is not None and end is not None and end <= start:
        found.append(
            ProblemItem(loc=[*loc, "end"], msg=f"'{row.end}' is not after start '{row.start}'")
        )
    if row.impact is not None and not Decimal(0) < row.impact <= Decimal(1):
        found.append(
            ProblemItem(loc=[*loc, "impact"], msg=f"'{row.impact}' is not a fraction in (0, 1]")
        )
    if row.impact is not None and row.users_affected is not None:
        found.append(
            ProblemItem(
                loc=[*loc, "users_affected"],
                msg=f"give impact or users_affected, not both (got impact '{row.impact}' "
                f"and users_affected {row.users_affected})",
            )
        )
    if row.users_affected is not None and subscription is not None and subscription.users is None:
        found.append(
            ProblemItem(
                loc=[*loc, "users_affected"],
                msg=f"{row.users_affected} users given, but service '{row.service_id}' has no "
                "users (seats) set to weigh them against",
            )
        )
    errors.extend(found)
    if found or start is None:
        return None
    impact = row.impact if row.impact is not None else None
    if impact is None and row.users_affected is None:
        impact = Decimal(1)
    return WindowRow(
        service_id=row.service_id,
        kind=row.kind,
        start_micros=start,
        end_micros=end,
        impact=None if impact is None else decimal_text(impact),
        users_affected=row.users_affected,
        external_id=row.external_id,
        title=row.title,
    )


def _instant(
    loc: Loc, field: str, text: str, timezone: str, errors: list[ProblemItem]
) -> int | None:
    try:
        return to_micros(parse_timestamp(text, timezone))
    except TimestampError as error:
        errors.append(ProblemItem(loc=[*loc, field], msg=str(error)))
        return None


def store_rows(
    session: Session, tenant_id: str, rows: Sequence[WindowRow], change: Change
) -> StoreResult:
    """Create, update or recognise each row; the caller commits once for all of them.

    A stored window with the same `external_id` is the same incident: identical, it is
    a duplicate; different (an end now known, corrected times), it is updated. Without
    an `external_id`, only a stored window identical in every field is a duplicate.
    """
    by_external_id = _stored_by_external_id(session, tenant_id, rows)
    created = updated = duplicates = 0
    stored: list[Outage] = []
    for row in rows:
        existing = (
            by_external_id.get((row.service_id, row.external_id))
            if row.external_id is not None
            else _identical_without_id(session, tenant_id, row)
        )
        if existing is None:
            outage = Outage(
                tenant_id=tenant_id,
                **asdict(row),
                created_micros=change.at_micros,
                updated_micros=change.at_micros,
            )
            session.add(outage)
            session.flush()
            audit(session, outage, "create", None, change)
            if row.external_id is not None:
                by_external_id[(row.service_id, row.external_id)] = outage
            created += 1
        elif _content(existing) == row.content():
            outage = existing
            duplicates += 1
        else:
            before = outage_snapshot(existing)
            for name in CONTENT_FIELDS:
                setattr(existing, name, getattr(row, name))
            existing.updated_micros = change.at_micros
            session.add(existing)
            session.flush()
            audit(session, existing, "update", before, change)
            outage = existing
            updated += 1
        stored.append(outage)
    return StoreResult(created, updated, duplicates, stored)


def _stored_by_external_id(
    session: Session, tenant_id: str, rows: Sequence[WindowRow]
) -> dict[tuple[str, str], Outage]:
    ids = {row.external_id for row in rows if row.external_id is not None}
    if not ids:
        return {}
    found: dict[tuple[str, str], Outage] = {}
    ordered = sorted(ids)
    for chunk_start in range(0, len(ordered), 500):
        chunk = ordered[chunk_start : chunk_start + 500]
        query = select(Outage).where(
            Outage.tenant_id == tenant_id, col(Outage.external_id).in_(chunk)
        )
        for outage in session.exec(query):
            assert outage.external_id is not None
            found[(outage.service_id, outage.external_id)] = outage
    return found


def _identical_without_id(session: Session, tenant_id: str, row: WindowRow) -> Outage | None:
    query = select(Outage).where(
        Outage.tenant_id == tenant_id,
        Outage.service_id == row.service_id,
        Outage.start_micros == row.start_micros,
        col(Outage.external_id).is_(None),
    )
    for outage in session.exec(query):
        if _content(outage) == row.content():
            return outage
    return None


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
        created_at=iso(outage.created_micros),
        updated_at=iso(outage.updated_micros),
    )


def services_of(session: Session, tenant_id: str) -> dict[str, Subscription]:
    rows = session.exec(select(Subscription).where(Subscription.tenant_id == tenant_id)).all()
    return {row.service_id: row for row in rows}


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
