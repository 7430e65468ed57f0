"""Validated windows of an import, parked in a private temporary SQLite file.

An import must be checked whole before anything is stored, and its windows must be
grouped by incident to be stored; holding 100,000 windows in Python objects for that
would make the server's memory grow with the file. Instead each validated window is
written here as it streams in, a batch at a time, and read back sorted: by incident
for storing, a bounded batch of whole incidents at a time. The overlap check runs
inside SQLite, so only the rows it finds come back. The file is the server's own
scratch space, deleted when the import ends, whichever database the ledger uses.
"""

import ast
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Any

from app.errors import Loc, ProblemItem
from app.outages.validation import WindowRow, contradiction

# Rows written per executemany, and windows per batch read back for storing.
BATCH = 2_000
# WindowRow's fields, in its order.
_WINDOW = ", ".join(WindowRow._fields)
_TABLE = (
    "CREATE TABLE staged (seq INTEGER PRIMARY KEY, tenant_id TEXT NOT NULL, "
    "service_id TEXT NOT NULL, kind TEXT NOT NULL, start_micros INTEGER NOT NULL, "
    "end_micros INTEGER, impact TEXT, users_affected INTEGER, external_id TEXT, "
    "title TEXT, loc TEXT NOT NULL)"
)
_INCIDENT_ORDER = "external_id, service_id, kind, start_micros, seq"
# `overlap_problem` for every pair of neighbours of one incident, service and kind in
# start order: the later one overlaps the earlier (which may be ongoing) and differs
# from it in some field (`IS` is equality that holds for two NULLs, as == for None).
# Only groups of more than one window can contradict, so only theirs are windowed: in
# a file of one window per incident that leaves nothing to sort.
_OVERLAPS = f"""
SELECT previous_loc, loc, external_id FROM (
    SELECT tenant_id, {_WINDOW}, seq, loc,
        lag(seq) OVER incident AS previous_seq,
        lag(start_micros) OVER incident AS previous_start,
        lag(end_micros) OVER incident AS previous_end,
        lag(impact) OVER incident AS previous_impact,
        lag(users_affected) OVER incident AS previous_users_affected,
        lag(title) OVER incident AS previous_title,
        lag(loc) OVER incident AS previous_loc
    FROM staged WHERE (tenant_id, external_id, service_id, kind) IN (
        SELECT tenant_id, external_id, service_id, kind FROM staged
        WHERE external_id IS NOT NULL
        GROUP BY tenant_id, external_id, service_id, kind HAVING count(*) > 1)
    WINDOW incident AS (
        PARTITION BY tenant_id, external_id, service_id, kind ORDER BY start_micros, seq)
)
WHERE previous_seq IS NOT NULL
    AND (previous_end IS NULL OR start_micros < previous_end)
    AND NOT (start_micros = previous_start AND end_micros IS previous_end
        AND impact IS previous_impact AND users_affected IS previous_users_affected
        AND title IS previous_title)
ORDER BY tenant_id, {_INCIDENT_ORDER}
"""


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
        # The loc as a Python literal: repr is cheaper than JSON, and it is read back
        # (literal_eval) only for the rare row the overlap check reports.
        self._pending.append((tenant_id, *window, repr(loc)))
        if len(self._pending) >= BATCH:
            self._write()

    def _write(self) -> None:
        self._db.executemany(
            f"INSERT INTO staged (tenant_id, {_WINDOW}, loc) VALUES (?,?,?,?,?,?,?,?,?,?)",
            self._pending,
        )
        self._pending = []

    def _windows(self, where: str, order: str, tenant_id: str) -> Iterator[WindowRow]:
        self._write()
        query = f"SELECT {_WINDOW} FROM staged WHERE tenant_id = ? AND {where} ORDER BY {order}"
        return map(WindowRow._make, self._db.execute(query, (tenant_id,)))

    def tenants(self) -> list[str]:
        self._write()
        return [row[0] for row in self._db.execute("SELECT DISTINCT tenant_id FROM staged")]

    def overlap_problems(self) -> Iterator[ProblemItem]:
        """Windows of one incident that contradict each other (see `overlap_problem`)."""
        self._write()
        for previous_loc, loc, external_id in self._db.execute(_OVERLAPS):
            yield contradiction(external_id, _loc(previous_loc), _loc(loc))

    def batches(self, tenant_id: str) -> Iterator[list[WindowRow]]:
        """The tenant's windows, a bounded batch at a time, never splitting an incident."""
        batch: list[WindowRow] = []
        for window in self._windows("external_id IS NOT NULL", _INCIDENT_ORDER, tenant_id):
            if len(batch) >= BATCH and batch[-1].external_id != window.external_id:
                yield batch
                batch = []
            batch.append(window)
        for window in self._windows("external_id IS NULL", "seq", tenant_id):
            if len(batch) >= BATCH:
                yield batch
                batch = []
            batch.append(window)
        if batch:
            yield batch

    def span(self, tenant_id: str) -> tuple[int, int | None]:
        """The tenant's earliest start and latest end (None: a window is still ongoing)."""
        self._write()
        query = (
            "SELECT min(start_micros), max(end_micros), count(*) - count(end_micros) "
            "FROM staged WHERE tenant_id = ?"
        )
        earliest, latest, ongoing = self._db.execute(query, (tenant_id,)).fetchone()
        return earliest, None if ongoing else latest

    def count(self, tenant_id: str) -> int:
        self._write()
        query = "SELECT count(*) FROM staged WHERE tenant_id = ?"
        return int(self._db.execute(query, (tenant_id,)).fetchone()[0])


def _loc(text: str) -> Loc:
    loc: Loc = ast.literal_eval(text)
    return loc
