"""Reading incident timestamps: RFC 3339 with an offset, or local time in the tenant's zone."""

import re
from datetime import UTC, datetime, timedelta, tzinfo
from datetime import timezone as fixed_offset

import pendulum
from pendulum.tz.exceptions import AmbiguousTime, NonExistingTime

from app.sla.periods import FIRST_YEAR, LAST_YEAR, to_micros

# The whole shape is checked before any number is read, so that nothing a general
# date parser would guess at (week dates, ordinal dates, basic format, `+0530`, an
# hour alone) gets a meaning. [0-9] rather than \d: \d also matches Arabic-Indic and
# fullwidth digits, which int() would then happily read.
_RFC3339 = re.compile(
    r"(?P<year>[0-9]{4})-(?P<month>[0-9]{2})-(?P<day>[0-9]{2})"
    r"[Tt ]"
    r"(?P<hour>[0-9]{2}):(?P<minute>[0-9]{2})"
    r"(?::(?P<second>[0-9]{2})(?:\.(?P<fraction>[0-9]{1,9}))?)?"
    r"(?P<offset>[Zz]|(?P<sign>[+-])(?P<offset_hour>[0-9]{2}):(?P<offset_minute>[0-9]{2}))?",
    re.ASCII,
)
# The shape nearly every machine-written timestamp has (`2026-11-03T14:00:00Z`): for it
# the C parser gives the same instant as the general path below at a tenth of the cost.
# Anything it refuses, or any year out of bounds, goes the general way for its message.
_UTC_SECONDS = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z", re.ASCII)
_NAIVE_EPOCH = datetime(1970, 1, 1)
_SECONDS_A_DAY = 86_400
# The first microsecond of FIRST_YEAR and the first after LAST_YEAR, in UTC.
_FIRST_MICROS = to_micros(datetime(FIRST_YEAR, 1, 1, tzinfo=UTC))
_AFTER_LAST_MICROS = to_micros(datetime(LAST_YEAR + 1, 1, 1, tzinfo=UTC))
# Microseconds are the timeline's unit: a fraction keeps its first six digits.
_MICRO_DIGITS = 6
SHAPE = "YYYY-MM-DDTHH:MM[:SS[.fraction]][Z|±HH:MM]"


class TimestampError(ValueError):
    """A timestamp that cannot be placed on the timeline; the message quotes it."""


def parse_timestamp(text: str, timezone: str) -> datetime:
    """An aware instant for `text`; a naive time is read in `timezone`.

    Accepted: `YYYY-MM-DD`, then `T`, `t` or one space, then `HH:MM:SS[.fraction]` or
    `HH:MM`, then `Z`, `z`, `+HH:MM`, `-HH:MM` (up to ±23:59) or nothing. ASCII digits
    only and nothing before or after; every other spelling is refused, including ISO
    8601's week and ordinal dates, basic format, `+0530`, an hour alone, a leap second
    (`:60`) and `24:00`.

    A fraction has 1 to 9 digits (nanoseconds are what many systems emit); digits
    beyond the sixth are truncated, never rounded, so `.9999999` stays in its second
    instead of spilling into the next one. More than 9 digits are refused.

    A naive time that the zone skips (DST gap) or repeats (DST overlap) has no single
    meaning, so it is refused rather than guessed; an explicit offset resolves it.
    """
    if _UTC_SECONDS.fullmatch(text):
        try:
            instant = datetime.fromisoformat(text)
        except ValueError:
            pass  # not a real date or time: the general path says which
        else:
            if FIRST_YEAR <= instant.year <= LAST_YEAR:
                return instant
    return parse_rfc3339(text, timezone)


def utc_seconds_micros(text: object) -> int | None:
    """`to_micros(parse_timestamp(text, zone))` for the common `YYYY-MM-DDTHH:MM:SSZ`
    shape, in any zone; None for any other text (or not text), which `parse_timestamp`
    then reads or refuses with its message. An import reads two a row: the wall clock
    is read without its `Z` and counted from the naive epoch in whole seconds, a third
    of the cost of the aware arithmetic. A hypothesis test holds both to one answer."""
    if type(text) is not str or not _UTC_SECONDS.fullmatch(text):
        return None
    try:
        since = datetime.fromisoformat(text[:-1]) - _NAIVE_EPOCH
    except ValueError:
        return None
    micros = (since.days * _SECONDS_A_DAY + since.seconds) * 1_000_000
    return micros if _FIRST_MICROS <= micros < _AFTER_LAST_MICROS else None


def parse_rfc3339(text: str, timezone: str) -> datetime:
    """`parse_timestamp` without its shortcut: every accepted shape read field by field."""
    match = _RFC3339.fullmatch(text)
    if match is None:
        raise TimestampError(f"'{text}' is not an RFC 3339 timestamp such as {SHAPE}")
    year = int(match["year"])
    # An offset moves an instant by less than a day, so a wall-clock year outside these
    # can never land inside the bounds; refusing it here keeps datetime from overflowing.
    if not FIRST_YEAR - 1 <= year <= LAST_YEAR + 1:
        raise _outside(text)
    fraction = (match["fraction"] or "")[:_MICRO_DIGITS].ljust(_MICRO_DIGITS, "0")
    try:
        wall = datetime(
            year,
            int(match["month"]),
            int(match["day"]),
            int(match["hour"]),
            int(match["minute"]),
            int(match["second"] or 0),
            int(fraction),
        )
    except ValueError as error:
        raise TimestampError(f"'{text}' is not a real date and time") from error
    if match["offset"] is None:
        instant = _localize(wall, text, timezone)
    else:
        instant = wall.replace(tzinfo=_offset(match, text))
    try:
        utc_year = instant.astimezone(UTC).year
    except OverflowError:
        utc_year = 0
    if not FIRST_YEAR <= utc_year <= LAST_YEAR:
        raise _outside(text)
    return instant


def _offset(match: re.Match[str], text: str) -> tzinfo:
    if match["sign"] is None:
        return UTC
    hours, minutes = int(match["offset_hour"]), int(match["offset_minute"])
    if hours > 23 or minutes > 59:
        raise TimestampError(f"'{text}' has an offset outside -23:59 to +23:59")
    size = timedelta(hours=hours, minutes=minutes)
    return fixed_offset(-size if match["sign"] == "-" else size)


def _outside(text: str) -> TimestampError:
    return TimestampError(f"'{text}' is outside the years {FIRST_YEAR} to {LAST_YEAR}")


def _localize(wall: datetime, text: str, timezone: str) -> datetime:
    try:
        return pendulum.timezone(timezone).convert(wall, raise_on_unknown_times=True)
    except NonExistingTime as error:
        raise TimestampError(
            f"'{text}' does not exist in {timezone} (skipped by a DST change); give an offset"
        ) from error
    except AmbiguousTime as error:
        raise TimestampError(
            f"'{text}' is ambiguous in {timezone} (repeated by a DST change); give an offset"
        ) from error
