"""The portfolio as it is served: a month's lines as JSON page items or CSV rows, each
computed once and then stored until something it was computed from changes
(docs/reports.md, "Stored portfolio lines").

A line is a function of its tenant's rows, of policies (never changed once created) and
of the clock, as a tenant's report is: `app/reports/cache.py` says why the tenant's
*revision*, its newest audit id read in the same snapshot as its rows, names the state
of everything a line reads. A line is stored with that revision, in the form it is
served in, with the span of clock it reads the same for (from the instant it was
computed until its claim deadline ends; a provisional line is never stored). A later
request serves the stored text while the tenant's revision is still that one and the
clock is within the span; any other line it computes, and stores.

The table is only ever a copy: start-up empties it, so lines computed by an older
version of the code, or from rows since changed by hand in SQL, are never served.
Storing is a favour to the next request: when the write lock is busy it is skipped.
"""

import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from itertools import islice
from typing import Any, NamedTuple

from pydantic_core import to_json
from sqlalchemy import Engine, bindparam, delete
from sqlalchemy import select as select_columns
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col

from app.db import is_busy, write_transaction
from app.models import StoredLine
from app.pagination import encode_cursor
from app.reports.batches import (
    IN_FORCE_COLUMNS,
    PORTFOLIO_BATCH,
    AnyRow,
    batch_lines,
    in_force_batches,
    line_keys,
)
from app.reports.build import LineRules, Plain
from app.reports.cache import line_stable_until_micros
from app.reports.render import portfolio_row
from app.sla.periods import to_micros
from app.sla.policies import Policy

log = logging.getLogger(__name__)


class LineForm(StrEnum):
    """How a line is served: an item of a JSON page, or a row of the CSV (whose
    incidents are named by external id only, so it is computed with less)."""

    JSON = "json"
    CSV = "csv"


class ShownLine(NamedTuple):
    """A line as served: its text in one form, what the filters read, and what it was
    computed from (a tuple: one is made per line served)."""

    tenant_id: str
    service_id: str
    met: bool
    claim_open: bool
    closed: bool
    text: str
    # Its tenant's revision, and the span of clock (epoch µs) the line reads the same
    # for at that revision: from `since` until `until` (None: it may change any minute).
    revision: int
    since_micros: int
    until_micros: int | None


@dataclass(frozen=True, slots=True)
class LineFilter:
    met: bool | None = None
    claim_open: bool | None = None
    closed: bool | None = None

    @property
    def admits_all(self) -> bool:
        return self.met is None and self.claim_open is None and self.closed is None

    def admits(self, line: ShownLine) -> bool:
        return all(
            wanted is None or shown is wanted
            for shown, wanted in (
                (line.met, self.met),
                (line.claim_open, self.claim_open),
                (line.closed, self.closed),
            )
        )


def shown_page(
    session: Session,
    month: str,
    now: datetime,
    where: LineFilter,
    after: tuple[str, str] | None,
    limit: int,
) -> list[ShownLine]:
    """One full page of admitted lines as JSON items (filters never make a page short),
    and the next admitted line when there is one (more follow). Without a filter that
    is one batch of `limit + 1` lines."""
    return list(
        islice(shown_lines(session, month, now, LineForm.JSON, where, after, limit + 1), limit + 1)
    )


def page_json(lines: Sequence[ShownLine], limit: int) -> bytes:
    """`PortfolioPage` of the first `limit` lines (a line more: more follow), byte for
    byte as its serializer writes it."""
    items = lines[:limit]
    next_cursor = encode_cursor(*line_id_of(items[-1])) if len(lines) > limit else None
    # One join and one encoding of the whole page (a megabyte at 500 lines), no more.
    parts = ['{"items":[']
    for line in items:
        parts += (line.text, ",")
    if items:
        parts.pop()
    parts += ('],"next_cursor":', to_json(next_cursor).decode(), "}")
    return "".join(parts).encode()


def line_id_of(line: Sequence[Any]) -> tuple[str, str]:
    """(tenant, service) of a line, or of a row that starts with them."""
    return line[0], line[1]


def csv_row_batches(
    session: Session, month: str, now: datetime, where: LineFilter
) -> Iterator[list[str]]:
    """The month's admitted lines as CSV rows, a batch at a time."""
    batches = shown_batches(session, month, now, LineForm.CSV, None, PORTFOLIO_BATCH)
    for lines in batches:
        yield [line.text for line in lines if where.admits_all or where.admits(line)]


def shown_lines(
    session: Session,
    month: str,
    now: datetime,
    form: LineForm,
    where: LineFilter,
    after: tuple[str, str] | None,
    batch: int,
) -> Iterator[ShownLine]:
    for lines in shown_batches(session, month, now, form, after, batch):
        yield from (lines if where.admits_all else filter(where.admits, lines))


def shown_batches(
    session: Session,
    month: str,
    now: datetime,
    form: LineForm,
    after: tuple[str, str] | None,
    size: int,
) -> Iterator[list[ShownLine]]:
    """The month's lines after `after` in (tenant, service) order, `size` at a time,
    in `form`: each batch's stored lines still good, and the others computed (and
    stored). A batch is read with two queries (the lines in force, each with its
    tenant's revision; the stored lines of its tenants whose span holds the clock);
    only one with lines to compute reads more."""
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    now_micros = to_micros(now)
    policies: dict[str, Policy] = {}
    measures: dict[tuple[str, str], LineRules] = {}
    for rows in in_force_batches(session, month, after, size, with_revision=True):
        first, last = rows[0][0], rows[-1][0]
        stored = _stored_lines(session, month, form, first, last, now_micros)
        shown: dict[tuple[str, str], ShownLine] = {}
        missing: list[AnyRow] = []
        revisions: dict[str, int] = {}
        for row in rows:
            line_id = line_id_of(row)
            revision = row[IN_FORCE_COLUMNS]
            line = stored.get(line_id)
            if line is not None and line.revision == revision:
                shown[line_id] = line
            else:
                missing.append(row)
                revisions[row[0]] = revision
        if missing:
            keys = list(line_keys(missing))
            computed = batch_lines(
                session,
                month,
                now,
                keys,
                policies,
                measures,
                with_incidents=form is LineForm.JSON,
            )
            fresh = [
                _shown(line, form, revisions[line["tenant_id"]], now_micros) for line in computed
            ]
            _store(engine, month, form, fresh)
            shown.update((line_id_of(line), line) for line in fresh)
        yield [shown[line_id_of(row)] for row in rows]


def _stored_lines(
    session: Session, month: str, form: LineForm, first: str, last: str, now_micros: int
) -> dict[tuple[str, str], ShownLine]:
    """The stored lines of the tenants from `first` to `last` whose span of clock holds
    `now_micros`, each with its revision: one range of the primary key. (A join with
    the lines in force would be one query less, but PostgreSQL, planning it before the
    table's statistics know the rows just stored, scanned all the month's lines for
    each line in force.)"""
    values = {
        "month": month,
        "form": form.value,
        "first": first,
        "last": last,
        "now_micros": now_micros,
    }
    rows = session.connection().execute(_STORED_LINES, values).all()
    return {line_id_of(row): ShownLine(*row) for row in rows}


# Built once, its values bound at each execution: building costs more than running it.
# Its columns are `ShownLine`'s fields, in order.
_STORED_LINES = select_columns(
    col(StoredLine.tenant_id),
    col(StoredLine.service_id),
    col(StoredLine.met),
    col(StoredLine.claim_open),
    col(StoredLine.closed),
    col(StoredLine.text),
    col(StoredLine.revision),
    col(StoredLine.since_micros),
    col(StoredLine.until_micros),
).where(
    col(StoredLine.month) == bindparam("month"),
    col(StoredLine.form) == bindparam("form"),
    col(StoredLine.tenant_id) >= bindparam("first"),
    col(StoredLine.tenant_id) <= bindparam("last"),
    # Before `since` (a clock set back) the month may not even have ended yet.
    col(StoredLine.since_micros) <= bindparam("now_micros"),
    col(StoredLine.until_micros) > bindparam("now_micros"),
)


def _shown(line: Plain, form: LineForm, revision: int, now_micros: int) -> ShownLine:
    text = to_json(line).decode() if form is LineForm.JSON else portfolio_row(line)
    return ShownLine(
        line["tenant_id"],
        line["service_id"],
        line["met"],
        line["claim_open"],
        line["closed"],
        text,
        revision,
        now_micros,
        _stable_until_micros(line),
    )


def _stable_until_micros(line: Plain) -> int | None:
    """`line_stable_until_micros` of a line as plain data."""
    adjustment = line["adjustment"]
    return line_stable_until_micros(
        provisional=line["provisional"],
        ongoing=any(incident.get("ongoing") for incident in line["incidents"]),
        adjustment_provisional=adjustment is not None and adjustment["provisional"],
        claim_open=line["claim_open"],
        claim_deadline=line["claim_deadline"],
        timezone=line["measurement_timezone"],
    )


def _store(engine: Engine, month: str, form: LineForm, lines: Iterable[ShownLine]) -> None:
    """Store the lines that read the same for a while, each replacing its older copy;
    skipped when another write holds the lock (the next request computes them again)."""
    rows = [
        {
            "month": month,
            "form": form.value,
            "tenant_id": line.tenant_id,
            "service_id": line.service_id,
            "revision": line.revision,
            "since_micros": line.since_micros,
            "until_micros": line.until_micros,
            "met": line.met,
            "claim_open": line.claim_open,
            "closed": line.closed,
            "text": line.text,
        }
        for line in lines
        if line.until_micros is not None
    ]
    if not rows:
        return
    statement = _upsert(engine)
    try:
        with write_transaction(engine) as connection:
            connection.execute(statement, rows)
    except OperationalError as error:
        if not is_busy(error):
            raise
        log.info("portfolio lines not stored: the database is busy")


def _upsert(engine: Engine) -> Any:
    """INSERT … ON CONFLICT (the line) DO UPDATE: the dialects spell it alike."""
    dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
    insert = dialect.insert(StoredLine)
    replaced = ("revision", "since_micros", "until_micros", "met", "claim_open", "closed", "text")
    return insert.on_conflict_do_update(
        index_elements=["month", "form", "tenant_id", "service_id"],
        set_={name: insert.excluded[name] for name in replaced},
        # A request reading an older snapshot leaves a newer revision's line in place.
        where=col(StoredLine.revision) <= insert.excluded["revision"],
    )


def forget_stored_lines(engine: Engine) -> None:
    """Empty the table (at start-up: see the module's docstring)."""
    with write_transaction(engine) as connection:
        connection.execute(delete(StoredLine))
