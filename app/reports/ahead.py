"""Portfolio JSON pages read ahead: the next page of a pull, prepared while the client
reads the one it has (docs/reports.md, "Pages read ahead").

A finance tool pages through a month one request at a time, and each request waits
for the one before to be read: the server sat idle while the client parsed a page,
and the client while the server read the next. Once a page with a `next_cursor` is
answered, the server now reads the page that cursor names in the background and keeps
it here, with what it was read from: the page's lines and the one after them, each
with its tenant's revision, and the span of clock every line reads the same for.

The request for that page serves it only after reading the lines in force again in its
own snapshot (`page_still_holds`): the same lines at the same revisions, and the clock
within the span. Every write to a tenant moves its revision, so a write still shows in
the very next read, exactly as with stored lines.

Pages are kept per process, up to `SLA_PORTFOLIO_READ_AHEAD_BYTES`: a client keeps its
connection, and so its process, from one page to the next.
"""

import logging
import threading
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cachetools import LRUCache
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from app.db import read_session
from app.metrics import PORTFOLIO_PAGES_READ_AHEAD
from app.reports.batches import line_revisions
from app.reports.portfolio import LineFilter, line_id_of, page_json, shown_page
from app.sla.periods import to_micros

log = logging.getLogger(__name__)

# A request whose page is still being read ahead waits this long for it, then reads it
# itself (the read ahead has failed or the database is slow: both would be as slow).
WAIT_SECONDS = 10.0


@dataclass(frozen=True, slots=True)
class PageKey:
    """A page without filters: the lines of `month` after the line `after`, `limit` of
    them."""

    month: str
    after: tuple[str, str]
    limit: int


@dataclass(frozen=True, slots=True)
class ReadAhead:
    """A page as it will be sent, and what it was read from."""

    body: bytes
    # The page's lines, and the next line if there is one (it decides `next_cursor`):
    # (tenant, service, the tenant's revision), in page order.
    lines: tuple[tuple[str, str, int], ...]
    # Every line of the page reads the same from `since` until `until` (epoch µs).
    since_micros: int
    until_micros: int


class PagesAhead:
    """The pages read ahead, least recently used first out once their bodies pass
    `max_bytes`; shared by the request threads of one process."""

    def __init__(self, max_bytes: int) -> None:
        self._enabled = max_bytes > 0
        self._ready: LRUCache[PageKey, ReadAhead] = LRUCache(
            maxsize=max(max_bytes, 1), getsizeof=lambda page: len(page.body)
        )
        self._reading: dict[PageKey, threading.Event] = {}
        self._lock = threading.Lock()

    def begin(self, key: PageKey) -> bool:
        """Whether the caller is to read the page ahead: not if it is kept already, or
        being read."""
        with self._lock:
            if not self._enabled or key in self._reading or key in self._ready:
                return False
            self._reading[key] = threading.Event()
            return True

    def finish(self, key: PageKey, page: ReadAhead | None) -> None:
        """The page `begin` let the caller read (None: nothing worth keeping)."""
        with self._lock:
            if page is not None and len(page.body) <= self._ready.maxsize:
                self._ready[key] = page
            self._reading.pop(key).set()

    def take(self, key: PageKey, wait_seconds: float = WAIT_SECONDS) -> ReadAhead | None:
        """The page read ahead for `key`, once its reading has ended, if there is one;
        it is no longer kept (a pull asks for each page once)."""
        with self._lock:
            reading = self._reading.get(key)
        if reading is not None:
            reading.wait(wait_seconds)
        with self._lock:
            return self._ready.pop(key, None)


def answered_page(
    session: Session,
    pages: PagesAhead,
    month: str,
    now: datetime,
    where: LineFilter,
    after: tuple[str, str] | None,
    limit: int,
) -> tuple[bytes, PageKey | None]:
    """A page's JSON, from `pages` while it still holds, and the page after it to read
    ahead (None: none follows, or the page is filtered)."""
    asked = PageKey(month, after, limit) if after is not None and where.admits_all else None
    if asked is not None:
        kept = pages.take(asked)
        if kept is not None and page_still_holds(session, asked, kept, now):
            PORTFOLIO_PAGES_READ_AHEAD.labels("served").inc()
            return kept.body, _next_page(month, kept.lines, limit)
        PORTFOLIO_PAGES_READ_AHEAD.labels("missing" if kept is None else "stale").inc()
    lines = shown_page(session, month, now, where, after, limit)
    return page_json(lines, limit), _next_page(month, lines, limit) if where.admits_all else None


def page_still_holds(session: Session, key: PageKey, page: ReadAhead, now: datetime) -> bool:
    """Whether `page` is the page `key` names at `now`, in the session's snapshot: the
    clock within its span, and the same lines in force at the same revisions."""
    if not page.since_micros <= to_micros(now) < page.until_micros:
        return False
    return tuple(line_revisions(session, key.month, key.after, key.limit + 1)) == page.lines


def read_ahead(engine: Engine, pages: PagesAhead, key: PageKey, now: datetime) -> None:
    """Read the page `key` names as of `now` and keep it (after the page before it is
    answered, as its background task), unless it is kept or being read already."""
    if not pages.begin(key):
        return
    page = None
    try:
        with contextmanager(read_session)(engine) as session:
            page = _read(session, key, now)
    except SQLAlchemyError as error:
        # A favour to the next request, which reads the page itself when it is not here.
        log.info("portfolio page not read ahead: %s", error)
    finally:
        pages.finish(key, page)


def _read(session: Session, key: PageKey, now: datetime) -> ReadAhead | None:
    lines = shown_page(session, key.month, now, LineFilter(), key.after, key.limit)
    untils = [line.until_micros for line in lines]
    if not lines or None in untils:
        return None
    return ReadAhead(
        page_json(lines, key.limit),
        tuple((line.tenant_id, line.service_id, line.revision) for line in lines),
        since_micros=max(line.since_micros for line in lines),
        until_micros=min(until for until in untils if until is not None),
    )


def _next_page(month: str, lines: Sequence[Sequence[Any]], limit: int) -> PageKey | None:
    return PageKey(month, line_id_of(lines[limit - 1]), limit) if len(lines) > limit else None
