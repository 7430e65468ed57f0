"""Validating outage windows: every row checked, every problem reported at once.

The API's batch create, its PATCH, and every importer go through `validate_rows`,
so a window means the same thing whichever way it arrived.
"""

import itertools
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from operator import attrgetter
from typing import Any, NamedTuple, Protocol, TypeGuard

from pydantic import ValidationError

from app.errors import InvalidInput, Loc, ProblemItem, validation_problems
from app.models import Tenant
from app.outages.schemas import (
    KINDS,
    MAX_EXTERNAL_ID,
    MAX_SERVICE_ID,
    MAX_TITLE,
    MAX_USERS_AFFECTED,
    OutageIn,
)
from app.schemas import MAX_TIMESTAMP
from app.sla.numbers import decimal_from_text, decimal_text
from app.sla.periods import to_micros
from app.sla.timestamps import TimestampError, parse_timestamp, utc_seconds_micros
from app.subscriptions.service import KnownService

CONTENT_FIELDS = (
    "service_id",
    "kind",
    "start_micros",
    "end_micros",
    "impact",
    "users_affected",
    "title",
)


_content = attrgetter(*CONTENT_FIELDS)


class WindowRow(NamedTuple):
    """A validated window, ready to store; its fields in the outage table's column order.

    A named tuple rather than a frozen dataclass: an import makes one per row, twice,
    and a frozen dataclass's __init__ costs several times as much."""

    service_id: str
    kind: str
    start_micros: int
    end_micros: int | None
    impact: str | None
    users_affected: int | None
    external_id: str | None
    title: str | None

    def content(self) -> tuple[Any, ...]:
        """The fields in CONTENT_FIELDS order: what makes two windows the same window."""
        return _content(self)


class OutageFields(Protocol):
    """The fields of one window as sent: an `OutageIn`, or a `PlainRow` from an import."""

    @property
    def service_id(self) -> str: ...
    @property
    def start(self) -> str: ...
    @property
    def end(self) -> str | None: ...
    @property
    def kind(self) -> str: ...
    @property
    def impact(self) -> Decimal | None: ...
    @property
    def users_affected(self) -> int | None: ...
    @property
    def external_id(self) -> str | None: ...
    @property
    def title(self) -> str | None: ...


class PlainRow(NamedTuple):
    """An import row's fields exactly as `OutageIn` would hold them, built without it."""

    service_id: str
    start: str
    end: str | None = None
    kind: str = "outage"
    impact: Decimal | None = None
    users_affected: int | None = None
    external_id: str | None = None
    title: str | None = None


# The shortest and longest text OutageIn takes in each field.
_TEXT_LENGTHS = {
    "service_id": (0, MAX_SERVICE_ID),
    "start": (0, MAX_TIMESTAMP),
    "end": (0, MAX_TIMESTAMP),
    "external_id": (1, MAX_EXTERNAL_ID),
    "title": (0, MAX_TITLE),
}
# Control characters (refused in every text) and halves of UTF-16 pairs (refused in
# every field): a row holding either is left to OutageIn, which words the refusal.
_UNUSUAL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def plain_row(fields: Mapping[str, object]) -> PlainRow | None:
    """`fields` as OutageIn would hold them, when they plainly pass it; otherwise None,
    and OutageIn itself says what is wrong. Building a pydantic model per row was
    half the cost of reading an import; what this accepts, OutageIn accepts with the
    same values (a hypothesis test compares both)."""
    impact: Decimal | None = None
    for name, value in fields.items():
        if type(value) is str:
            if _UNUSUAL.search(value):
                return None
            lengths = _TEXT_LENGTHS.get(name)
            if lengths is not None:
                if not lengths[0] <= len(value) <= lengths[1]:
                    return None
            elif name == "impact":
                try:
                    impact = decimal_from_text(value)
                except ValueError:
                    return None
            elif name != "kind" or value not in KINDS:
                return None
        elif not (
            name == "users_affected" and type(value) is int and 1 <= value <= MAX_USERS_AFFECTED
        ):
            return None
    if "service_id" not in fields or "start" not in fields:
        return None
    # Every key is one of PlainRow's fields (anything else returned None above).
    given: dict[str, Any] = dict(fields)
    if impact is not None:
        given["impact"] = impact
    return PlainRow(**given)


# The keys an import row's fields may have (tenant_id is taken out before).
_ROW_KEYS = frozenset(PlainRow._fields)


def plain_window(
    fields: Mapping[str, object], services: Mapping[str, KnownService]
) -> "WindowRow | None":
    """The window an import row stands for, in one step, when it plainly passes both
    OutageIn and the window checks with `...Z` timestamps; otherwise None, and the
    general way (`plain_row` or OutageIn, then `_validate_row`) reads the row or words
    what is wrong with it. Nearly every machine-written row is plain, and the general
    way costs twice as much. A hypothesis test holds both ways to the same window."""
    if not _ROW_KEYS.issuperset(fields):
        return None
    service_id = fields.get("service_id")
    if not _plain_text(service_id, 0, MAX_SERVICE_ID):
        return None
    subscription = services.get(service_id)
    start = utc_seconds_micros(fields.get("start"))
    if subscription is None or start is None:
        return None
    end_text = fields.get("end")
    end = None
    if end_text is not None:
        end = utc_seconds_micros(end_text)
        if end is None or end <= start:
            return None
    kind = fields.get("kind", "outage")
    if type(kind) is not str or kind not in KINDS:
        return None
    users = fields.get("users_affected")
    impact = fields.get("impact")
    if users is not None:
        if type(users) is not int or not 1 <= users <= MAX_USERS_AFFECTED:
            return None
        if impact is not None or not subscription.seated:
            return None
        impact_text = None
    elif impact is None:
        impact_text = _WHOLE
    else:
        impact_text = _plain_impact(impact)
        if impact_text is None:
            return None
    external_id = fields.get("external_id")
    if external_id is not None and not _plain_text(external_id, 1, MAX_EXTERNAL_ID):
        return None
    title = fields.get("title")
    if title is not None and not _plain_text(title, 0, MAX_TITLE):
        return None
    return WindowRow(service_id, kind, start, end, impact_text, users, external_id, title)


def _plain_impact(impact: object) -> str | None:
    """The stored text of an impact given as a plain decimal in (0, 1]; otherwise None."""
    if type(impact) is not str:
        return None
    try:
        value = decimal_from_text(impact)
    except ValueError:
        return None
    return decimal_text(value) if Decimal(0) < value <= Decimal(1) else None


def _plain_text(value: object, shortest: int, longest: int) -> TypeGuard[str]:
    return type(value) is str and shortest <= len(value) <= longest and not _UNUSUAL.search(value)


# An upload with more bad rows than this lists the first ones and counts the rest.
MAX_LISTED_ERRORS = 1000
# Where a validated window goes: kept in memory, or parked elsewhere (an import's staging).
Keep = Callable[[Loc, WindowRow], None]


class Problems:
    """Every problem of an upload, counted; the first MAX_LISTED_ERRORS kept to list."""

    def __init__(self) -> None:
        self.listed: list[ProblemItem] = []
        self.count = 0

    def append(self, item: ProblemItem) -> None:
        self.count += 1
        if len(self.listed) < MAX_LISTED_ERRORS:
            self.listed.append(item)

    def extend(self, items: Iterable[ProblemItem]) -> None:
        for item in items:
            self.append(item)

    def raise_any(self) -> None:
        if self.count == 0:
            return
        more = self.count - len(self.listed)
        summary = [ProblemItem(loc=["file"], msg=f"and {more} more problems not listed")]
        raise InvalidInput(self.listed + (summary if more else []))


class WindowValidator:
    """Checks rows one at a time as they stream in; `finish` reports every problem."""

    def __init__(
        self,
        tenant: Tenant,
        services: Mapping[str, KnownService],
        problems: Problems | None = None,
        keep: Keep | None = None,
    ) -> None:
        self.tenant = tenant
        self.services = services
        self.problems = problems if problems is not None else Problems()
        self.windows: list[WindowRow] = []
        self.locs: list[Loc] = []
        self._keep = keep if keep is not None else self._keep_in_memory

    def add(self, loc: Loc, row: OutageFields) -> None:
        window = _validate_row(loc, row, self.tenant, self.services, self.problems)
        if window is not None:
            self._keep(loc, window)

    def _keep_in_memory(self, loc: Loc, window: WindowRow) -> None:
        self.windows.append(window)
        self.locs.append(loc)

    def add_fields(self, loc: Loc, fields: Mapping[str, object]) -> None:
        """A row from an import file: the fields of `OutageIn`, checked as strictly."""
        window = plain_window(fields, self.services)
        if window is not None:
            self._keep(loc, window)
        else:
            self.add_fields_checked(loc, fields)

    def add_fields_checked(self, loc: Loc, fields: Mapping[str, object]) -> None:
        """`add_fields` the general way, for any row: what `plain_window` declines."""
        row: OutageFields | None = plain_row(fields)
        if row is None:
            try:
                row = OutageIn.model_validate(fields)
            except ValidationError as error:
                self.problems.extend(validation_problems(error.errors(), prefix=loc))
                return
        self.add(loc, row)

    def finish(self) -> list[WindowRow]:
        """The windows kept in memory, or InvalidInput listing every problem found."""
        self.problems.extend(overlapping_windows(self.windows, self.locs))
        self.problems.raise_any()
        return self.windows


def validate_rows(
    rows: Iterable[tuple[Loc, OutageIn]],
    tenant: Tenant,
    services: Mapping[str, KnownService],
) -> list[WindowRow]:
    """Every row checked against the tenant; all problems reported at once."""
    validator = WindowValidator(tenant, services)
    for loc, row in rows:
        validator.add(loc, row)
    return validator.finish()


def overlapping_windows(windows: Sequence[WindowRow], locs: Sequence[Loc]) -> list[ProblemItem]:
    """Windows of one incident, service and kind that overlap but differ contradict each other.

    An incident may own several windows on one service (major, then partial), but they
    follow one another; two different windows over the same time are two versions of
    one window, and the upload does not say which is right. Identical rows are fine:
    they are the same window sent twice.
    """
    groups: dict[tuple[str, str, str], list[int]] = {}
    for index, window in enumerate(windows):
        if window.external_id is not None:
            key = (window.external_id, window.service_id, window.kind)
            groups.setdefault(key, []).append(index)
    problems = []
    for indices in groups.values():
        indices.sort(key=lambda index: windows[index].start_micros)
        for earlier, later in itertools.pairwise(indices):
            problem = overlap_problem(windows[earlier], locs[earlier], windows[later], locs[later])
            if problem is not None:
                problems.append(problem)
    return problems


def overlap_problem(
    first: WindowRow, first_loc: Loc, second: WindowRow, second_loc: Loc
) -> ProblemItem | None:
    """The problem with two windows of one incident, service and kind, in start order."""
    overlaps = first.end_micros is None or second.start_micros < first.end_micros
    if not overlaps or first.content() == second.content():
        return None
    return contradiction(second.external_id, first_loc, second_loc)


def contradiction(external_id: str | None, first_loc: Loc, second_loc: Loc) -> ProblemItem:
    """Two windows of incident `external_id` that `overlap_problem` finds contradict."""
    where = ".".join(map(str, first_loc))
    return ProblemItem(
        loc=[*second_loc, "external_id"],
        msg=f"'{external_id}' appears earlier in this upload ({where}) "
        "with different values over the same time",
    )


def _validate_row(
    loc: Loc,
    row: OutageFields,
    tenant: Tenant,
    services: Mapping[str, KnownService],
    errors: Problems,
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
    zone = tenant.timezone
    start = _instant(loc, "start", row.start, zone, found)
    end = None if row.end is None else _instant(loc, "end", row.end, zone, found)
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
    if row.users_affected is not None and subscription is not None and not subscription.seated:
        found.append(
            ProblemItem(
                loc=[*loc, "users_affected"],
                msg=f"{row.users_affected} users given, but service '{row.service_id}' has "
                "terms with no users (seats) set to weigh them against",
            )
        )
    if found or start is None:
        errors.extend(found)
        return None
    if row.impact is not None:
        impact: str | None = decimal_text(row.impact)
    else:
        impact = _WHOLE if row.users_affected is None else None
    return WindowRow(
        service_id=row.service_id,
        kind=row.kind,
        start_micros=start,
        end_micros=end,
        impact=impact,
        users_affected=row.users_affected,
        external_id=row.external_id,
        title=row.title,
    )


# The impact of a window that gives neither impact nor users_affected: all of it.
_WHOLE = decimal_text(Decimal(1))


def _instant(
    loc: Loc, field: str, text: str, timezone: str, errors: list[ProblemItem]
) -> int | None:
    try:
        return to_micros(parse_timestamp(text, timezone))
    except TimestampError as error:
        errors.append(ProblemItem(loc=[*loc, field], msg=str(error)))
        return None
