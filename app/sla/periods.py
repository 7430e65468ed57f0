"""Calendar-month measurement periods with their real elapsed length."""

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from fractions import Fraction

import pendulum

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_ORDINAL = EPOCH.toordinal()
ONE_MICROSECOND = timedelta(microseconds=1)
MICROS_PER_MINUTE = 60_000_000
# The years an SLA ledger has any business with; outside them, calendar arithmetic
# (a month's end, a claim window) would run off the end of the calendar.
FIRST_YEAR, LAST_YEAR = 1970, 2999

_MONTH = re.compile(r"(\d{4})-(\d{2})")


class MonthError(ValueError):
    """A month that is not `YYYY-MM` or does not exist."""


def to_micros(instant: datetime) -> int:
    """Microseconds since the epoch: the exact integer timeline the core computes on.

    Built from the wall-clock fields and the UTC offset because pendulum's own
    subtraction yields an Interval that stdlib timedelta arithmetic does not accept.
    """
    offset = instant.utcoffset()
    if offset is None:
        raise ValueError(f"{instant.isoformat()} has no UTC offset")
    days = instant.toordinal() - _EPOCH_ORDINAL
    seconds = days * 86_400 + instant.hour * 3_600 + instant.minute * 60 + instant.second
    return seconds * 1_000_000 + instant.microsecond - offset // ONE_MICROSECOND


def from_micros(micros: int) -> datetime:
    return EPOCH + timedelta(microseconds=micros)


def parse_month(text: str) -> tuple[int, int]:
    match = _MONTH.fullmatch(text)
    if (
        match is None
        or not 1 <= int(match.group(2)) <= 12
        or not FIRST_YEAR <= int(match.group(1)) <= LAST_YEAR
    ):
        raise MonthError(
            f"month must be YYYY-MM between {FIRST_YEAR}-01 and {LAST_YEAR}-12, got '{text}'"
        )
    return int(match.group(1)), int(match.group(2))


@dataclass(frozen=True, slots=True)
class Period:
    """`[local midnight of day 1, local midnight of day 1 of the next month)` in `timezone`."""

    month: str
    timezone: str
    start: pendulum.DateTime
    end: pendulum.DateTime
    start_micros: int = field(init=False)
    end_micros: int = field(init=False)
    minutes: Fraction = field(init=False)

    def __post_init__(self) -> None:
        # Computed once: every report line and every benchmark call reads them.
        start_micros, end_micros = to_micros(self.start), to_micros(self.end)
        object.__setattr__(self, "start_micros", start_micros)
        object.__setattr__(self, "end_micros", end_micros)
        object.__setattr__(self, "minutes", Fraction(end_micros - start_micros, MICROS_PER_MINUTE))

    @property
    def calendar_days(self) -> int:
        """Days on the calendar (30 for November), whatever DST does to the hours."""
        return self.start.days_in_month


def month_period(month: str, timezone: str) -> Period:
    """The month in `timezone`; pendulum supplies the real length across DST changes.

    Where local midnight does not exist (a DST gap at 00:00), pendulum moves to the
    first instant of the day, which is where that local day really begins.
    """
    year, month_number = parse_month(month)
    start = pendulum.datetime(year, month_number, 1, tz=timezone)
    # The end is built on its own: adding a month to a start that the gap moved to
    # 01:00 would carry the shift into the next month.
    next_year, next_month = (year + 1, 1) if month_number == 12 else (year, month_number + 1)
    end = pendulum.datetime(next_year, next_month, 1, tz=timezone)
    return Period(month=month, timezone=timezone, start=start, end=end)
