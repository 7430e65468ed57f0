"""Reading incident timestamps: RFC 3339 with an offset, or local time in the tenant's zone."""

from datetime import UTC, datetime

import pendulum
from pendulum.parsing.exceptions import ParserError
from pendulum.tz.exceptions import AmbiguousTime, NonExistingTime

from app.sla.periods import FIRST_YEAR, LAST_YEAR


class TimestampError(ValueError):
    """A timestamp that cannot be placed on the timeline; the message quotes it."""


def parse_timestamp(text: str, timezone: str) -> datetime:
    """An aware instant for `text`; a naive time is read in `timezone`.

    A naive time that the zone skips (DST gap) or repeats (DST overlap) has no single
    meaning, so it is refused rather than guessed; an explicit offset resolves it.
    """
    try:
        parsed = pendulum.parse(text, tz=None, exact=True)
    except (ParserError, ValueError) as error:
        raise TimestampError(f"'{text}' is not an RFC 3339 timestamp") from error
    if not isinstance(parsed, datetime):
        raise TimestampError(f"'{text}' is not a date-time (a date and a time are needed)")
    instant = parsed if parsed.tzinfo is not None else _localize(parsed, text, timezone)
    try:
        year = instant.astimezone(UTC).year
    except OverflowError:
        year = 0
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise TimestampError(f"'{text}' is outside the years {FIRST_YEAR} to {LAST_YEAR}")
    return instant


def _localize(naive: datetime, text: str, timezone: str) -> datetime:
    plain = datetime(*naive.timetuple()[:6], naive.microsecond)
    try:
        return pendulum.timezone(timezone).convert(plain, raise_on_unknown_times=True)
    except NonExistingTime as error:
        raise TimestampError(
            f"'{text}' does not exist in {timezone} (skipped by a DST change); give an offset"
        ) from error
    except AmbiguousTime as error:
        raise TimestampError(
            f"'{text}' is ambiguous in {timezone} (repeated by a DST change); give an offset"
        ) from error
