"""Validated windows of an import, parked in a private temporary SQLite file.

An import must be checked whole before anything is stored, and its windows must be
grouped by incident to be stored; holding 100,000 windows in Python objects for that
would make the server's memory grow with the file. Instead each validated window is
written here as it streams in, a batch at a time, and read back sorted: by incident
for the overlap check and for storing, a bounded batch of whole incidents at a time.
The file is the server's own scratch space, deleted when the import ends, whichever
database the ledger itself uses.
"""

import json
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Any

from app.errors import Loc, ProblemItem
from app.outages.validation import WindowRow, overlap_problem

# Rows written per executemany, and windows per batch read back for storing.
BATCH = 2_000
_COLUMNS = (
    "service_id",
    "kind",
    "start_micros",
    "end_micros",
    "impact",
    "users_affected",
    "external_id",
    "title",
)
_TABLE = (
    "CREATE TABLE staged (seq INTEGER PRIMARY KEY, tenant_id TEXT NOT NULL, "
    "service_id TEXT NOT NULL, kind TEXT NOT NULL, start_micros INTEGER NOT NULL, "
    "end_micros INTEGER, impact TEXT, users_affected INTEGER, external_id TEXT, "
    "title TEXT, loc TEXT NOT NULL)"
)
_INCIDENT_ORDER = "external_id, service_id, kind, start_micros, seq"


class Staging:
    """Use as a context manager: the scratch file is removed on leaving it."""

    def __init__(self) -> None:
        self._folder = tempfile.TemporaryDirectory(prefix="sla-import-")
        path = Path(self._folder.name) / "staged.db"
        # Scratch data: no journal and no fsync, since a crash only loses this import.
        self._db = sqlite3.connect(path)
        self._db.execute("PRAGMA journal_mode=OFF")
        self._db.execute("PRAGMA synchronous=OFF")
        self._db.execute(_TABLE)
        self._pending: list[tuple[Any, ...]] = []
        # Per tenant, the earliest start and the latest end (None: still ongoing).
        self._spans: dict[str, tuple[int, int | None]] = {}

    def __enter__(self) -> "Staging":
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._db.close()
        self._folder.cleanup()

    def add(self, tenant_id: str, loc: Loc, window: WindowRow) -> None:
        earliest, latest = self._spans.get(tenant_id, (window.start_micros, window.end_micros))
        ends = (latest, window.end_micros)
        self._spans[tenant_id] = (
            min(earliest, window.start_micros),
            None if None in ends else max(end for end in ends if end is not None),
        )
        self._pending.append(
            (
                tenant_id,
                window.service_id,
                window.kind,
                window.start_micros,
                window.end_micros,
                window.impact,
                window.users_affected,
                window.external_id,
                window.title,
                json.dumps(loc),
            )
        )
        if len(self._pending) >= BATCH:
            self._write()

    def _write(self) -> None:
        self._db.executemany(
            "INSERT INTO staged (tenant_id, service_id, kind, start_micros, end_micros, "
            "impact, users_affected, external_id, title, loc) VALUES (?,?,?,?,?,?,?,?,?,?)",
            self._pending,
        )
        self._pending = []

    def _rows(self, where: str, order: str, *args: Any) -> Iterator[tuple[str, WindowRow, str]]:
        """(tenant id, window, loc as JSON) of the rows that match, in the order given."""
        self._write()
        columns = ", ".join(_COLUMNS)
        query = f"SELECT tenant_id, {columns}, loc FROM staged WHERE {where} ORDER BY {order}"
        for record in self._db.execute(query, args):
            yield record[0], WindowRow(*record[1:-1]), record[-1]

    def tenants(self) -> list[str]:
        self._write()
        return [row[0] for row in self._db.execute("SELECT DISTINCT tenant_id FROM staged")]

    def overlap_problems(self) -> Iterator[ProblemItem]:
        """Windows of one incident that contradict each other (see `overlap_problem`)."""
        previous: tuple[str, WindowRow, str] | None = None
        rows = self._rows("external_id IS NOT NULL", "tenant_id, " + _INCIDENT_ORDER)
        # Sorted by tenant, incident, service, kind and start: neighbours are compared.
        for tenant_id, window, loc in rows:
            if previous is not None and _group(*previous[:2]) == _group(tenant_id, window):
                problem = overlap_problem(
                    previous[1], json.loads(previous[2]), window, json.loads(loc)
                )
                if problem is not None:
                    yield problem
            previous = (tenant_id, window, loc)

    def batches(self, tenant_id: str) -> Iterator[list[WindowRow]]:
        """The tenant's windows, a bounded batch at a time, never splitting an incident."""
        batch: list[WindowRow] = []
        for _, window, _ in self._rows(
            "tenant_id = ? AND external_id IS NOT NULL", _INCIDENT_ORDER, tenant_id
        ):
            if len(batch) >= BATCH and batch[-1].external_id != window.external_id:
                yield batch
                batch = []
            batch.append(window)
        for _, window, _ in self._rows("tenant_id = ? AND external_id IS NULL", "seq", tenant_id):
            if len(batch) >= BATCH:
                yield batch
                batch = []
            batch.append(window)
        if batch:
            yield batch

    def span(self, tenant_id: str) -> tuple[int, int | None]:
        """The tenant's earliest start and latest end (None: a window is still ongoing)."""
        return self._spans[tenant_id]

    def count(self, tenant_id: str) -> int:
        self._write()
        query = "SELECT count(*) FROM staged WHERE tenant_id = ?"
        return int(self._db.execute(query, (tenant_id,)).fetchone()[0])


def _group(tenant_id: str, window: WindowRow) -> tuple[str, str | None, str, str]:
    return (tenant_id, window.external_id, window.service_id, window.kind)
