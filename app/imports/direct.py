"""An upload's windows stored as they stream in, a chunk at a time.

Parking every validated window in the scratch file (see `staging`) and reading it back
in incident order costs as much as storing it. Most windows need neither: a window of
an incident the tenant has no stored windows of, and that this upload has not named
before, is simply new. So each chunk of validated windows is compared with what is
stored in one query per kind of key, and:

- a window of a new incident is inserted at once;
- a window of an incident this upload already inserted windows of is a duplicate of
  an equal one, or one more window of that incident (both as `store_windows` counts
  them for an incident sent whole);
- a window without an external_id is a duplicate of an equal stored one (this
  upload's included), or new;
- a window of an incident stored before this upload is re-sent: it is parked in the
  scratch file, and such incidents are stored by `store_window_batches` at the end,
  whole, as before.

The result is the one the staged way gives: the same windows, counts and audit rows,
only the new windows' ids follow the file. Two windows of one incident that contradict
each other (`overlap_problem`) are only reported with their locations, which a
directly stored window no longer has: `Undecided` is raised, and the caller rolls
back and imports the file the staged way, which words the problem. So does an incident
with more than `MAX_INCIDENT_WINDOWS` windows in one upload, which would otherwise be
read back for every chunk that names it. The caller rolls back on any problem, so a
refused upload stores nothing either way.
"""

from collections.abc import Sequence
from operator import attrgetter

from sqlmodel import Session

from app.errors import Loc
from app.imports.staging import Staging
from app.outages.incidents import insert_windows, stored_incidents, stored_singles
from app.outages.validation import WindowRow, overlap_problem

# Windows compared and stored per chunk.
CHUNK = 2_000
_START, _END = attrgetter("start_micros"), attrgetter("end_micros")
# An incident with more windows in one upload than this is stored the staged way.
MAX_INCIDENT_WINDOWS = 1_000


class Undecided(Exception):
    """The upload needs the staged way (see the module's docstring)."""


def contradicts(first: WindowRow, second: WindowRow) -> bool:
    """Whether two windows of one incident contradict each other, in either order.

    The staged way compares only neighbours in start order; comparing each new window
    with every earlier one finds a contradiction exactly when that does: if windows A
    and C overlap and differ, with B between them in start order, B starts before A
    ends, so B contradicts A, or B equals A and then contradicts C just as A does."""
    if first.service_id != second.service_id or first.kind != second.kind:
        return False
    if second.start_micros < first.start_micros:
        first, second = second, first
    return overlap_problem(first, [], second, []) is not None


class DirectStore:
    """One tenant's windows of one upload, stored as they come (`add`), then `flush`."""

    def __init__(
        self,
        session: Session,
        tenant_id: str,
        source: str,
        import_id: int,
        now: int,
        resent: Staging,
    ) -> None:
        self._session, self._tenant_id, self._source = session, tenant_id, source
        self._import_id, self._now, self._resent = import_id, now, resent
        self._windows: list[WindowRow] = []
        self._locs: list[Loc] = []
        self.rows = self.created = self.duplicates = 0
        # The span every window covers: earliest start, latest end, and whether one
        # is still ongoing (no end).
        self.earliest: int | None = None
        self.latest: int | None = None
        self.ongoing = False

    def add(self, loc: Loc, window: WindowRow) -> None:
        self._windows.append(window)
        self._locs.append(loc)
        if len(self._windows) >= CHUNK:
            self.flush()

    def span(self) -> tuple[int, int | None]:
        assert self.earliest is not None, "no window was added"
        return self.earliest, None if self.ongoing else self.latest

    def flush(self) -> None:
        """Store the pending windows (see the module's docstring)."""
        windows, locs = self._windows, self._locs
        if not windows:
            return
        self._windows, self._locs = [], []
        self._count(windows)
        incidents, resent = self._incidents(windows)
        singles = self._singles(windows)
        new: list[WindowRow] = []
        for index, window in enumerate(windows):
            external_id = window.external_id
            if external_id is None:
                content = window.content()
                if content in singles:
                    self.duplicates += 1
                else:
                    singles.add(content)
                    new.append(window)
            elif external_id in resent:
                self._resent.add(self._tenant_id, locs[index], window)
            else:
                incident = incidents.get(external_id)
                if incident is None:
                    incidents[external_id] = [window]
                    new.append(window)
                elif self._one_more(incident, window):
                    new.append(window)
        if new:
            insert_windows(
                self._session, self._tenant_id, self._source, self._import_id, new, self._now
            )
            self.created += len(new)

    def _count(self, windows: list[WindowRow]) -> None:
        """Count a chunk's windows into `rows` and the span."""
        self.rows += len(windows)
        earliest = min(map(_START, windows))
        ends = list(map(_END, windows))
        if None in ends:
            self.ongoing = True
        latest = max((end for end in ends if end is not None), default=None)
        if self.earliest is None or earliest < self.earliest:
            self.earliest = earliest
        if latest is not None and (self.latest is None or latest > self.latest):
            self.latest = latest

    def _one_more(self, incident: list[WindowRow], window: WindowRow) -> bool:
        """Whether `window` is a new window of an incident this upload stores: False
        for a duplicate; Undecided when it contradicts one, or the incident is large."""
        content = window.content()
        if any(stored.content() == content for stored in incident):
            self.duplicates += 1
            return False
        if any(contradicts(stored, window) for stored in incident):
            raise Undecided(f"windows of '{window.external_id}' contradict each other")
        if len(incident) >= MAX_INCIDENT_WINDOWS:
            raise Undecided(f"'{window.external_id}' has over {MAX_INCIDENT_WINDOWS} windows")
        incident.append(window)
        return True

    def _incidents(
        self, windows: Sequence[WindowRow]
    ) -> tuple[dict[str, list[WindowRow]], set[str]]:
        """Of the incidents the chunk names that the tenant has windows of: the windows
        of those this upload stored, and the ids of those stored before it (re-sent)."""
        named = {window.external_id for window in windows if window.external_id is not None}
        ours: dict[str, list[WindowRow]] = {}
        resent: set[str] = set()
        stored = stored_incidents(self._session, self._tenant_id, self._source, list(named))
        for external_id, stored_windows in stored.items():
            if all(window.import_id == self._import_id for window in stored_windows):
                ours[external_id] = [window.row for window in stored_windows]
            else:
                resent.add(external_id)
        return ours, resent

    def _singles(self, windows: Sequence[WindowRow]) -> set[tuple[object, ...]]:
        """The content of every stored window without an external_id that starts when a
        window of the chunk does (this upload's included)."""
        singles = [index for index, window in enumerate(windows) if window.external_id is None]
        if not singles:
            return set()
        stored = stored_singles(self._session, self._tenant_id, self._source, windows, singles)
        return {window.row.content() for window in stored}
