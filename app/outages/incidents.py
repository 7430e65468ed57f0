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
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import Table, delete, func, insert, text, update
from sqlmodel import Session, SQLModel, col, select

from app.audit.service import Change
from app.models import Outage
from app.outages.validation import WindowRow
from app.schemas import iso

# Bound on the values of one IN (...) list: SQLite allows 32,766 host parameters,
# psycopg 65,535. As large as an import's chunk, so each chunk looks its incidents
# up in one statement.
_CHUNK = 2_000
Content = tuple[Any, ...]
T = TypeVar("T")


@dataclass(slots=True)
class StoreResult:
    created: int = 0
    updated: int = 0
    removed: int = 0
    duplicates: int = 0
    # The spans (start, end or None while ongoing) the updated and removed windows
    # covered before: a closed month they reached may owe a different credit now.
    displaced: list[tuple[int, int | None]] = field(default_factory=list)
    # With `echo`, one per input row, in input order: the window that row is now
    # stored as, with `OutagePublic`'s fields.
    windows: list[dict[str, Any]] = field(default_factory=list)


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
    echo: bool = True,
) -> StoreResult:
    """Create, update, remove or recognise windows so the stored incidents match `rows`.

    With `echo`, the result says for each row the window it is now stored as (the
    outages endpoint answers with them); an import only counts. Every update and
    removal is audited window by window, with the window before and after; so is every
    creation, except an import's (`import_id`): its windows carry the import's id, and
    the import's own audit row counts them.
    """
    plan = _Plan()
    incidents: dict[str, list[int]] = {}
    singles: list[int] = []
    for index, row in enumerate(rows):
        if row.external_id is None:
            singles.append(index)
        else:
            incidents.setdefault(row.external_id, []).append(index)
    stored = stored_incidents(session, tenant_id, source, list(incidents))
    for external_id, indices in incidents.items():
        _plan_incident(plan, rows, indices, stored.get(external_id, []))
    _plan_singles(plan, rows, singles, stored_singles(session, tenant_id, source, rows, singles))
    return _apply(session, tenant_id, source, plan, len(rows), change, import_id, echo)


def store_window_batches(
    session: Session,
    tenant_id: str,
    source: str,
    batches: Iterable[Sequence[WindowRow]],
    change: Change,
    import_id: int | None,
) -> StoreResult:
    """`store_windows` a batch at a time, counting only; no batch may split an incident."""
    total = StoreResult()
    for rows in batches:
        part = store_windows(session, tenant_id, source, rows, change, import_id, echo=False)
        total.created += part.created
        total.updated += part.updated
        total.removed += part.removed
        total.duplicates += part.duplicates
        # Folded into one span reaching over all of them, so memory stays flat.
        total.displaced = (
            [_reach(total.displaced + part.displaced)] if part.displaced else total.displaced
        )
    return total


def _reach(spans: list[tuple[int, int | None]]) -> tuple[int, int | None]:
    """One span from the earliest start to the latest end (None, ongoing, is latest)."""
    ends = [end for _, end in spans]
    return min(start for start, _ in spans), None if None in ends else max(
        e for e in ends if e is not None
    )


def _by_content(rows: Sequence[WindowRow], indices: Iterable[int]) -> dict[Content, list[int]]:
    grouped: dict[Content, list[int]] = {}
    for index in indices:
        grouped.setdefault(rows[index].content(), []).append(index)
    return grouped


def _plan_incident(
    plan: _Plan, rows: Sequence[WindowRow], indices: list[int], stored: list[StoredWindow]
) -> None:
    if not stored and len(indices) == 1:
        # A new incident of one window, the bulk of a first import: nothing to match.
        plan.inserts.append((rows[indices[0]], indices))
        return
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


def _table(name: str) -> Table:
    # The Core table: an executemany of plain dicts, without the ORM's per-row work.
    return SQLModel.metadata.tables[name]


# A stored window's columns, read as plain rows: loading ORM objects costs more than
# the query. WindowRow's fields are the outage table's column names, in its order.
_STORED_COLUMNS = ("id", *WindowRow._fields, "created_micros", "import_id")
# The DB-API's placeholder for each parameter style our drivers use: sqlite3's and psycopg's.
_PLACEHOLDERS = {"qmark": "?", "format": "%s", "pyformat": "%s"}


def _stored_query(key: str, count: int, mark: str) -> str:
    """A tenant's windows from one source whose `key` is one of `count` values, in the
    driver's own SQL: SQLAlchemy's expanding IN spent more building each statement
    than the database took to answer it. Every column is a plain int or text."""
    query = (
        f"SELECT {', '.join(_STORED_COLUMNS)} FROM outage "
        f"WHERE tenant_id = {mark} AND source = {mark} "
        f"AND {key} IN ({', '.join([mark] * count)})"
    )
    # A window without an external_id is matched only among those without one.
    return f"{query} AND external_id IS NULL" if key == "start_micros" else query


def _stored_windows(
    session: Session, key: str, values: Sequence[Any], tenant_id: str, source: str
) -> Iterator[StoredWindow]:
    connection = session.connection()
    statement = _stored_query(key, len(values), _PLACEHOLDERS[connection.dialect.paramstyle])
    for record in connection.exec_driver_sql(statement, (tenant_id, source, *values)):
        yield StoredWindow(record[0], WindowRow._make(record[1:9]), record[9], record[10])


def stored_incidents(
    session: Session, tenant_id: str, source: str, external_ids: list[str]
) -> dict[str, list[StoredWindow]]:
    """The tenant's stored windows from `source` of each of these incidents."""
    found: dict[str, list[StoredWindow]] = {}
    for chunk in _chunks(sorted(external_ids)):
        for window in _stored_windows(session, "external_id", chunk, tenant_id, source):
            assert window.row.external_id is not None
            found.setdefault(window.row.external_id, []).append(window)
    return found


def stored_singles(
    session: Session, tenant_id: str, source: str, rows: Sequence[WindowRow], singles: list[int]
) -> list[StoredWindow]:
    """The tenant's stored windows from `source` without an external_id that start when
    one of `rows[i]` (i in `singles`) does: the only ones that can be the same window."""
    starts = sorted({rows[index].start_micros for index in singles})
    found: list[StoredWindow] = []
    for chunk in _chunks(starts):
        found.extend(_stored_windows(session, "start_micros", chunk, tenant_id, source))
    return found


def _snapshot(
    tenant_id: str,
    source: str,
    outage_id: int,
    row: WindowRow,
    created_micros: int,
    updated_micros: int,
    import_id: int | None,
) -> dict[str, Any]:
    """The window as the API shows it (`OutagePublic`'s fields), as a plain dict:
    the audit trail keeps it, and building a model per row would double an import's time."""
    return {
        "id": outage_id,
        "tenant_id": tenant_id,
        "service_id": row.service_id,
        "kind": "maintenance" if row.kind == "maintenance" else "outage",
        "start": iso(row.start_micros),
        "end": None if row.end_micros is None else iso(row.end_micros),
        "impact": row.impact,
        "users_affected": row.users_affected,
        "external_id": row.external_id,
        "title": row.title,
        "source": source,
        "import_id": import_id,
        "created_at": iso(created_micros),
        "updated_at": iso(updated_micros),
    }


_INSERTED_COLUMNS = (
    "id",
    "tenant_id",
    "source",
    "import_id",
    *WindowRow._fields,
    "created_micros",
    "updated_micros",
)


def _insert_outages(session: Session, values: list[tuple[Any, ...]]) -> None:
    """New windows, one tuple each in `_INSERTED_COLUMNS` order, in one executemany.

    Straight to the driver: a Core insert builds and processes a parameter dict per
    row, which cost more than SQLite's own work. Every column is a plain int or text,
    so no type of SQLAlchemy's has anything to convert.
    """
    connection = session.connection()
    mark = _PLACEHOLDERS[connection.dialect.paramstyle]
    statement = (
        f"INSERT INTO outage ({', '.join(_INSERTED_COLUMNS)}) "
        f"VALUES ({', '.join([mark] * len(_INSERTED_COLUMNS))})"
    )
    connection.exec_driver_sql(statement, values)


def insert_windows(
    session: Session,
    tenant_id: str,
    source: str,
    import_id: int | None,
    rows: Sequence[WindowRow],
    now: int,
) -> list[int]:
    """New windows for `rows`, created and updated `now`, in one statement; their ids."""
    ids = _new_ids(session, len(rows))
    _insert_outages(
        session,
        [
            (outage_id, tenant_id, source, import_id, *row, now, now)
            for outage_id, row in zip(ids, rows, strict=True)
        ],
    )
    return ids


def _new_ids(session: Session, count: int) -> list[int]:
    """Ids for `count` new windows, taken before the rows are written in one statement.

    PostgreSQL hands them out from the table's sequence, safe beside concurrent
    writers; on SQLite this transaction holds the only write lock (BEGIN IMMEDIATE),
    so the ids after the largest stored one are free.
    """
    if session.get_bind().dialect.name == "postgresql":
        query = text(
            "SELECT nextval(pg_get_serial_sequence('outage', 'id')) FROM generate_series(1, :n)"
        )
        return list(session.scalars(query, {"n": count}))
    largest = session.scalar(select(func.max(Outage.id))) or 0
    return list(range(largest + 1, largest + 1 + count))


def _audit_row(
    change: Change,
    tenant_id: str,
    outage_id: int,
    action: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> dict[str, Any]:
    return {
        "at_micros": change.at_micros,
        "actor_key_id": change.actor_key_id,
        "tenant_id": tenant_id,
        "entity": "outage",
        "entity_id": str(outage_id),
        "action": action,
        "before": before,
        "after": after,
    }


# Rows per executemany: a bounded batch keeps memory flat however large the upload.
_BATCH = 2_000


class _AuditBuffer:
    """Audit rows written a batch at a time."""

    def __init__(self, session: Session, change: Change, tenant_id: str) -> None:
        self.session, self.change, self.tenant_id = session, change, tenant_id
        self.rows: list[dict[str, Any]] = []

    def add(
        self,
        outage_id: int,
        action: str,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
    ) -> None:
        self.rows.append(_audit_row(self.change, self.tenant_id, outage_id, action, before, after))
        if len(self.rows) >= _BATCH:
            self.flush()

    def flush(self) -> None:
        if self.rows:
            self.session.execute(insert(_table("audit_event")), self.rows)
            self.rows = []


def _apply(
    session: Session,
    tenant_id: str,
    source: str,
    plan: _Plan,
    row_count: int,
    change: Change,
    import_id: int | None,
    echo: bool,
) -> StoreResult:
    now = change.at_micros
    answers: list[dict[str, Any] | None] = [None] * row_count if echo else []
    audit = _AuditBuffer(session, change, tenant_id)

    def snapshot(
        window: StoredWindow, row: WindowRow, updated: int, imported: int | None
    ) -> dict[str, Any]:
        return _snapshot(
            tenant_id, source, window.id, row, window.created_micros, updated, imported
        )

    def answer(indices: list[int], window: dict[str, Any]) -> None:
        if echo:
            for index in indices:
                answers[index] = window

    for window in plan.removals:
        before = snapshot(window, window.row, window.created_micros, window.import_id)
        audit.add(window.id, "delete", before, None)
    for chunk in _chunks([window.id for window in plan.removals]):
        session.execute(delete(Outage).where(col(Outage.id).in_(chunk)))

    for batch in _batches(plan.updates):
        session.execute(
            update(Outage),
            [
                {
                    **row._asdict(),
                    "id": window.id,
                    "updated_micros": now,
                    "import_id": import_id,
                }
                for window, row, _ in batch
            ],
        )
        for window, row, same in batch:
            before = snapshot(window, window.row, window.created_micros, window.import_id)
            after = snapshot(window, row, now, import_id)
            audit.add(window.id, "update", before, after)
            answer(same, after)

    for new in _batches(plan.inserts):
        ids = insert_windows(session, tenant_id, source, import_id, [row for row, _ in new], now)
        # An import's creations are audited once, by the import (see store_windows).
        if import_id is None or echo:
            for outage_id, (row, same) in zip(ids, new, strict=True):
                after = _snapshot(tenant_id, source, outage_id, row, now, now, import_id)
                if import_id is None:
                    audit.add(outage_id, "create", None, after)
                answer(same, after)

    if echo:
        for window, same in plan.kept:
            answer(same, snapshot(window, window.row, window.created_micros, window.import_id))
    audit.flush()
    assert all(window is not None for window in answers)
    return StoreResult(
        created=len(plan.inserts),
        updated=len(plan.updates),
        removed=len(plan.removals),
        duplicates=plan.duplicates,
        displaced=[
            (window.row.start_micros, window.row.end_micros)
            for window in [*plan.removals, *(update[0] for update in plan.updates)]
        ],
        windows=answers,  # type: ignore[arg-type]
    )


def _batches(items: list[T]) -> Iterator[list[T]]:
    for start in range(0, len(items), _BATCH):
        yield items[start : start + _BATCH]
