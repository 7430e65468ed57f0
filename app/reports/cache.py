"""Tenant reports already computed, kept until something they were computed from changes.

A tenant's report is a function of its rows (windows, subscriptions and terms, closed
months, claims), of policies (never changed once created) and of the clock. Every change
to a tenant's rows writes an audit row for that tenant in the same transaction, so the
newest audit id of the tenant (its *revision*) names the state of everything the report
reads (`app.audit.service.newest_event_id`, read with the key and the tenant in
`app.deps.tenant_read`): a report computed at revision R is the report of any later
request that still reads R. Writes to one tenant hold its row lock (PostgreSQL) or
the database's write lock (SQLite), so a tenant's audit ids grow in commit order, and
a request that reads its revision and its rows in one snapshot can never file rows
newer than the revision under it.

The clock enters a report in two ways. A provisional report (the month not over, or
a window still ongoing) changes minute by minute and is never kept. Otherwise a kept
report is good until the first claim deadline of its lines passes (`claim_open` turns
false then), after which it is computed again.

Changing rows behind the API's back (SQL by hand) is not seen until the process
restarts; `SLA_REPORT_CACHE_SIZE=0` turns the cache off.
"""

import functools
import threading
from dataclasses import dataclass
from datetime import date

from cachetools import LRUCache

from app.reports.schemas import TenantReport
from app.sla.credits import claim_deadline_ends
from app.sla.periods import to_micros

# A report with no claim left open changes only with its rows (the largest BIGINT, as
# stored lines keep it too).
STABLE_FOREVER = 2**63 - 1


def stable_until_micros(report: TenantReport) -> int | None:
    """Until when (epoch microseconds) the report reads the same at its revision: the
    earliest of its lines' (`line_stable_until_micros`); None when it may change any
    minute."""
    if report.provisional:
        return None
    untils = [
        line_stable_until_micros(
            provisional=line.provisional,
            ongoing=any(incident.ongoing for incident in line.incidents),
            adjustment_provisional=line.adjustment is not None and line.adjustment.provisional,
            claim_open=line.claim_open,
            claim_deadline=line.claim_deadline,
            timezone=line.measurement_timezone,
        )
        for line in report.services
    ]
    if None in untils:
        return None
    return min((until for until in untils if until is not None), default=STABLE_FOREVER)


def line_stable_until_micros(
    *,
    provisional: bool,
    ongoing: bool,
    adjustment_provisional: bool,
    claim_open: bool,
    claim_deadline: str,
    timezone: str,
) -> int | None:
    """Until when a report line reads the same at its revision; None when it may
    change any minute (provisional, a window still ongoing, or a provisional
    adjustment). Otherwise until its claim deadline's day ends (`claim_open` turns
    false then), and for ever once the claim is closed."""
    if provisional or ongoing or adjustment_provisional:
        return None
    return deadline_end_micros(claim_deadline, timezone) if claim_open else STABLE_FOREVER


# A month's lines share a handful of deadlines and zones.
@functools.lru_cache(maxsize=256)
def deadline_end_micros(claim_deadline: str, timezone: str) -> int:
    """When a line's `claim_open` turns false: the end of its deadline's day."""
    return to_micros(claim_deadline_ends(date.fromisoformat(claim_deadline), timezone))


@dataclass(frozen=True, slots=True)
class _Kept:
    revision: int
    # The report reads the same from the instant it was computed until this one.
    since_micros: int
    until_micros: int
    body: bytes


class ReportCache:
    """The JSON of recent tenant reports, least recently used first out; shared by the
    request threads of one process."""

    def __init__(self, size: int) -> None:
        self._kept: LRUCache[tuple[str, str], _Kept] = LRUCache(maxsize=max(size, 1))
        self._enabled = size > 0
        self._lock = threading.Lock()

    def body(self, tenant_id: str, month: str, revision: int, now_micros: int) -> bytes | None:
        """The kept JSON of the tenant's month, if it was computed at `revision` and the
        clock has not moved past its stability since."""
        with self._lock:
            kept = self._kept.get((tenant_id, month))
        if kept is None or kept.revision != revision:
            return None
        # Before `since` (a clock set back) the month may not even have ended yet.
        if not kept.since_micros <= now_micros < kept.until_micros:
            return None
        return kept.body

    def keep(
        self, tenant_id: str, month: str, revision: int, report: TenantReport, now_micros: int
    ) -> bytes:
        """The report computed at `now_micros`, as JSON, kept for the next requests if
        it will read the same."""
        body = report.model_dump_json().encode()
        until = stable_until_micros(report)
        if self._enabled and until is not None:
            with self._lock:
                self._kept[(tenant_id, month)] = _Kept(revision, now_micros, until, body)
        return body
