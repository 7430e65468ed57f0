"""Storing validated windows as incidents: all rows or none, nothing counted twice.

Per tenant an incident is `(source, external_id)` and owns one or more windows, on
one or more services. Sending an incident again replaces its windows: windows equal
to stored ones are duplicates and change nothing; the rest are matched service by
service, in time order, to stored ones (updated), or are new (created); stored
windows the new set no longer has are removed. A window without an `external_id` is
its own incident: only an identical stored window makes it a duplicate.

Everything is written with one statement per kind of change (insert, update, delete,
audit rows), never a query per row, so a 10,000-row batch holds the write lock briefly.
The caller commits.
"""

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import delete, insert, update
from sqlmodel import Session, col, select

from app.audit.service import Change
from app.models import AuditEvent, Outage
from app.outages.schemas import OutagePublic
from app.outages.validation import WindowRow
from app.schemas import iso

# Bound on the values of one IN (...) list: SQLite allows 32,766 host parameters.
_CHUNK = 500
Content = tuple[Any, ...]


@dataclass(slots=True)
class StoreResult:
    created: int = 0
    updated: int = 0
    removed: int = 0
    duplicates: int = 0
    # One per input row, in input order: the window that row is now stored as.
    outages: list[OutagePublic] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class StoredWindow:
    """A stored window as the reconciliation reads it."""

    id: int
    row: WindowRow
    created_micros: int
    import_id: int | None


@dataclass(slots=True)
class _Plan:
    """What one upload changes: rows to insert, windows to update or remove."""

    inserts: list[tuple[WindowRow, list[int]]] = field(default_factory=list)
    updates: list[tuple[StoredWindow, WindowRow, list[int]]] = field(default_factory=list)
    removals: list[StoredWindow] = field(default_factory=list)
    kept: list[tuple[StoredWindow, list[int]]] = field(default_factory=list)
    duplicates: int = 0


def store_windows(
    session: Session,
    tenant_id: str,
    source: str,
    rows: Sequence[WindowRow],
    change: Change,
    import_id: int | None = None,
) -> StoreResult:
    """Create, update, remove or recognise windows so the stored incidents match `rows`."""
    plan = _Plan()
    incidents: dict[str, list[int]] = {}
    singles: list[int] = []
    for index, row in enumerate(rows):
        if row.external_id is None:
            singles.append(index)
        else:
            incidents.setdefault(row.external_id, []).append(index)
    stored = _stored_incidents(session, tenant_id, source, list(incidents))
    for external_id, indices in incidents.items():
        _plan_incident(plan, rows, indices, stored.get(external_id, []))
    _plan_singles(plan, rows, singles, _stored_singles(session, tenant_id, source, rows, singles))
    return _apply(session, tenant_id, source, plan, len(rows), change, import_id)


def _by_content(rows: Sequence[WindowRow], indices: Iterable[int]) -> dict[Content, list[int]]:
    grouped: dict[Content, list[int]] = {}
    for index in indices:
        grouped.setdefault(rows[index].content(), []).append(index)
    return grouped


def _plan_incident(
    plan: _Plan, rows: Sequence[WindowRow], indices: list[int], stored: list[StoredWindow]
) -> None:
    grouped = _by_content(rows, indices)
    remaining = list(stored)
    unmatched: list[list[int]] = []
    for content, same in grouped.items():
        # The same window twice in one upload is one window.
        plan.duplicates += len(same) - 1
        match = next((window for window in remaining if window.row.content() == content), None)
        if match is None:
            unmatched.append(same)
            continue
        remaining.remove(match)
        plan.duplicates += 1
        plan.kept.append((match, same))
    # What is left is matched service by service and kind by kind, in time order, so
    # an end that became known, or a corrected start, updates the window it belongs to.
    pool: dict[tuple[str, str], list[StoredWindow]] = {}
    for window in sorted(remaining, key=lambda window: window.row.start_micros):
        pool.setdefault((window.row.service_id, window.row.kind), []).append(window)
    for same in sorted(unmatched, key=lambda same: rows[same[0]].start_micros):
        row = rows[same[0]]
        candidates = pool.get((row.service_id, row.kind))
        if candidates:
            plan.updates.append((candidates.pop(0), row, same))
        else:
            plan.inserts.append((row, same))
    plan.removals.extend(window for windows in pool.values() for window in windows)


def _plan_singles(
    plan: _Plan, rows: Sequence[WindowRow], singles: list[int], stored: list[StoredWindow]
) -> None:
    by_content = {window.row.content(): window for window in stored}
    for content, same in _by_content(rows, singles).items():
        plan.duplicates += len(same) - 1
        match = by_content.get(content)
        if match is None:
            plan.inserts.append((rows[same[0]], same))
        else:
            plan.duplicates += 1
            plan.kept.append((match, same))


def _chunks(values: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


def _stored(outage: Outage) -> StoredWindow:
    assert outage.id is not None
    row = WindowRow(
        service_id=outage.service_id,
        kind=outage.kind,
        start_micros=outage.start_micros,
        end_micros=outage.end_micros,
        impact=outage.impact,
        users_affected=outage.users_affected,
        external_id=outage.external_id,
        title=outage.title,
    )
    return StoredWindow(outage.id, row, outage.created_micros, outage.import_id)


def _stored_incidents(
    session: Session, tenant_id: str, source: str, external_ids: list[str]
) -> dict[str, list[StoredWindow]]:
    found: dict[str, list[StoredWindow]] = {}
    for chunk in _chunks(sorted(external_ids)):
        query = select(Outage).where(
            Outage.tenant_id == tenant_id,
            Outage.source == source,
            col(Outage.external_id).in_(chunk),
        )
        for outage in session.exec(query):
            assert outage.external_id is not None
            found.setdefault(outage.external_id, []).append(_stored(outage))
    return found


def _stored_singles(
    session: Session, tenant_id: str, source: str, rows: Sequence[WindowRow], singles: list[int]
) -> list[StoredWindow]:
    starts = sorted({rows[index].start_micros for index in singles})
    found: list[StoredWindow] = []
    for chunk in _chunks(starts):
        query = select(Outage).where(
            Outage.tenant_id == tenant_id,
            Outage.source == source,
            col(Outage.external_id).is_(None),
            col(Outage.start_micros).in_(chunk),
        )
        found.extend(_stored(outage) for outage in session.exec(query))
    return found


def _public(
    tenant_id: str,
    source: str,
    outage_id: int,
    row: WindowRow,
    created_micros: int,
    updated_micros: int,
    import_id: int | None,
) -> OutagePublic:
    return OutagePublic(
        id=outage_id,
        tenant_id=tenant_id,
        service_id=row.service_id,
        kind="maintenance" if row.kind == "maintenance" else "outage",
        start=iso(row.start_micros),
        end=None if row.end_micros is None else iso(row.end_micros),
        impact=row.impact,
        users_affected=row.users_affected,
        external_id=row.external_id,
        title=row.title,
        source=source,
        import_id=import_id,
        created_at=iso(created_micros),
        updated_at=iso(updated_micros),
    )


def _audit_row(
    change: Change,
    tenant_id: str,
    outage_id: int,
    action: str,
    before: OutagePublic | None,
    after: OutagePublic | None,
) -> dict[str, Any]:
    return {
        "at_micros": change.at_micros,
        "actor_key_id": change.actor_key_id,
        "tenant_id": tenant_id,
        "entity": "outage",
        "entity_id": str(outage_id),
        "action": action,
        "before": None if before is None else before.model_dump(),
        "after": None if after is None else after.model_dump(),
    }


def _apply(
    session: Session,
    tenant_id: str,
    source: str,
    plan: _Plan,
    row_count: int,
    change: Change,
    import_id: int | None,
) -> StoreResult:
    now = change.at_micros
    answers: list[OutagePublic | None] = [None] * row_count
    audit: list[dict[str, Any]] = []

    def public(outage_id: int, row: WindowRow, created: int, updated: int) -> OutagePublic:
        return _public(tenant_id, source, outage_id, row, created, updated, import_id)

    for window in plan.removals:
        before = _public(
            tenant_id, source, window.id, window.row, window.created_micros, now, window.import_id
        )
        audit.append(_audit_row(change, tenant_id, window.id, "delete", before, None))
    for chunk in _chunks([window.id for window in plan.removals]):
        session.execute(delete(Outage).where(col(Outage.id).in_(chunk)))

    if plan.updates:
        session.execute(
            update(Outage),
            [
                {**asdict(row), "id": window.id, "updated_micros": now, "import_id": import_id}
                for window, row, _ in plan.updates
            ],
        )
    for window, row, same in plan.updates:
        before = _public(
            tenant_id, source, window.id, window.row, window.created_micros, now, window.import_id
        )
        after = public(window.id, row, window.created_micros, now)
        audit.append(_audit_row(change, tenant_id, window.id, "update", before, after))
        for index in same:
            answers[index] = after

    if plan.inserts:
        values = [
            {
                **asdict(row),
                "tenant_id": tenant_id,
                "source": source,
                "import_id": import_id,
                "created_micros": now,
                "updated_micros": now,
            }
            for row, _ in plan.inserts
        ]
        ids = session.scalars(
            insert(Outage).returning(col(Outage.id), sort_by_parameter_order=True), values
        ).all()
        for outage_id, (row, same) in zip(ids, plan.inserts, strict=True):
            assert outage_id is not None
            after = public(outage_id, row, now, now)
            audit.append(_audit_row(change, tenant_id, outage_id, "create", None, after))
            for index in same:
                answers[index] = after

    for window, same in plan.kept:
        kept = _public(
            tenant_id,
            source,
            window.id,
            window.row,
            window.created_micros,
            window.created_micros,
            window.import_id,
        )
        for index in same:
            answers[index] = kept

    if audit:
        session.execute(insert(AuditEvent), audit)
    outages = [answer for answer in answers if answer is not None]
    assert len(outages) == row_count
    return StoreResult(
        created=len(plan.inserts),
        updated=len(plan.updates),
        removed=len(plan.removals),
        duplicates=plan.duplicates,
        outages=outages,
    )
