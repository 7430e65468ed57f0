"""Calendar-month measurement periods with their real elapsed length."""

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from functools import lru_cache

import pendulum

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_ORDINAL = EPOCH.toordinal()
ONE_MICROSECOND = timedelta(microseconds=1)
MICROS_PER_MINUTE = 60_000_000
# The years an SLA ledger has any business with; outside them, calendar arithmetic
# (a month's end, a claim window) would run off the end of the calendar.
FIRST_YEAR, LAST_YEAR = 1970, 2999

# [0-9], not \d, which also matches Arabic-Indic and fullwidth digits that int() reads.
_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})", re.ASCII)
# The first month there is; terms "in force for every month" start here.
FIRST_MONTH = f"{FIRST_YEAR}-01"


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


def month_index(month: str) -> int:
    """Months since year 0: consecutive months have consecutive indexes."""
    year, number = parse_month(month)
    return year * 12 + number - 1


def month_at(index: int) -> str:
    """The `YYYY-MM` month of a `month_index`, within the supported years."""
    year, number = divmod(index, 12)
    text = f"{year:04d}-{number + 1:02d}"
    parse_month(text)
    return text


def add_months(month: str, count: int) -> str:
    return month_at(month_index(month) + count)


def utc_month(instant: datetime) -> str:
    """The calendar month (UTC) an instant falls in."""
    utc = instant.astimezone(UTC)
    return f"{utc.year:04d}-{utc.month:02d}"


@dataclass(frozen=True, slots=True)
class Period:
    """`[first instant of local day 1, first instant of the next month's day 1)` in
    `timezone`: local midnight, its first occurrence if it happens twice, or the end of
    the gap if the clocks skip it."""

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


# A portfolio asks for the same few (month, zone) periods once per line; building one
# from the zone's rules costs far more than the line's arithmetic. Periods are frozen.
@lru_cache(maxsize=1024)
def month_period(month: str, timezone: str) -> Period:
    """The month in `timezone`, from the first instant of its day 1 to the first instant
    of the next month's day 1, so its length is real elapsed time across DST changes."""
    year, month_number = parse_month(month)
    next_year, next_month = (year + 1, 1) if month_number == 12 else (year, month_number + 1)
    return Period(
        month=month,
        timezone=timezone,
        start=day_start(date(year, month_number, 1), timezone),
        end=day_start(date(next_year, next_month, 1), timezone),
    )


def day_start(day: date, timezone: str) -> pendulum.DateTime:
    """The first instant of a local day (a month's day 1, the day after a claim deadline).

    That is local midnight with fold=0, built with stdlib (PEP 495) semantics: where
    midnight happens twice (Havana, 1 November 2020: 01:00 falls back to 00:00), fold=0
    is its first occurrence, so the day's first hour is not handed to the month before.
    Where midnight does not exist (Asunción, 1 October 2023: 00:00 jumps to 01:00),
    fold=0 reads it with the offset from before the jump, which lands on the instant the
    gap ends, because every gap over a midnight in tzdata starts at exactly 00:00 (true of
    every day of every zone from 1970 to 2100; a property test keeps checking the awkward
    ones). pendulum's
    own fold=0 is not used: in a gap it moves back to the previous evening.
    """
    local = datetime(day.year, day.month, day.day, tzinfo=pendulum.timezone(timezone), fold=0)
    # Through UTC, so that pendulum's DateTime carries the offset (and fold) that the
    # instant really has rather than re-reading a wall-clock time that does not exist.
    return pendulum.instance(local.astimezone(UTC)).in_timezone(timezone)
