"""parse_timestamp: RFC 3339 with Z or an offset, fractional seconds, naive times read in
the tenant zone, DST gaps and overlaps refused (an explicit offset resolves them), and
junk or date-only strings refused. The shape is strict: only the RFC 3339 spellings (plus
HH:MM without seconds and a naive time) are read; ISO 8601's other forms, non-ASCII
digits and surrounding whitespace are refused.
"""

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from app.sla.periods import to_micros
from app.sla.timestamps import TimestampError, parse_rfc3339, parse_timestamp, utc_seconds_micros


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, us: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, us, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "zone", "instant"),
    [
        pytest.param("2026-11-03T10:15:30Z", "UTC", utc(2026, 11, 3, 10, 15, 30), id="z"),
        # Z wins over the tenant zone
        pytest.param(
            "2026-11-03T10:15:30Z", "Asia/Tokyo", utc(2026, 11, 3, 10, 15, 30), id="z-any-zone"
        ),
        # 10:15 at −06:00 = 16:15 UTC
        pytest.param(
            "2026-11-03T10:15:00-06:00", "UTC", utc(2026, 11, 3, 16, 15), id="offset-minus-6"
        ),
        # 10:15 at +05:30 = 04:45 UTC
        pytest.param(
            "2026-11-03T10:15:00+05:30", "UTC", utc(2026, 11, 3, 4, 45), id="offset-plus-5-30"
        ),
        # 00:30 at +01:00 is still the previous day in UTC: 2 Nov 23:30
        pytest.param("2026-11-03T00:30:00+01:00", "UTC", utc(2026, 11, 2, 23, 30), id="day-back"),
        # .25 s = 250000 µs
        pytest.param(
            "2026-11-03T10:15:30.25Z", "UTC", utc(2026, 11, 3, 10, 15, 30, 250000), id="fraction"
        ),
        # .000001 s = 1 µs
        pytest.param(
            "2026-11-03T10:15:30.000001Z", "UTC", utc(2026, 11, 3, 10, 15, 30, 1), id="micro"
        ),
        # naive, tenant Tokyo (+09:00, no DST): 10:15 − 9 h = 01:15 UTC
        pytest.param(
            "2026-11-03T10:15:00", "Asia/Tokyo", utc(2026, 11, 3, 1, 15), id="naive-tokyo"
        ),
        # naive, New York on 3 Nov is EST (−05:00): 10:15 + 5 h = 15:15 UTC
        pytest.param(
            "2026-11-03T10:15:00", "America/New_York", utc(2026, 11, 3, 15, 15), id="naive-ny-est"
        ),
        # naive, New York in July is EDT (−04:00): 10:15 + 4 h = 14:15 UTC
        pytest.param(
            "2026-07-03T10:15:00", "America/New_York", utc(2026, 7, 3, 14, 15), id="naive-ny-edt"
        ),
        # naive with a fraction in Tokyo: 10:15:30.5 − 9 h
        pytest.param(
            "2026-11-03T10:15:30.5",
            "Asia/Tokyo",
            utc(2026, 11, 3, 1, 15, 30, 500000),
            id="naive-fraction",
        ),
        # naive in UTC
        pytest.param("2026-11-03T10:15:00", "UTC", utc(2026, 11, 3, 10, 15), id="naive-utc"),
        # the DST gap resolved by an offset: 02:30 −05:00 = 07:30 UTC
        pytest.param(
            "2026-03-08T02:30:00-05:00", "America/New_York", utc(2026, 3, 8, 7, 30), id="gap-offset"
        ),
        # the overlap resolved: first pass 01:30 EDT (−04:00) = 05:30 UTC
        pytest.param(
            "2026-11-01T01:30:00-04:00",
            "America/New_York",
            utc(2026, 11, 1, 5, 30),
            id="overlap-first-pass",
        ),
        # second pass 01:30 EST (−05:00) = 06:30 UTC
        pytest.param(
            "2026-11-01T01:30:00-05:00",
            "America/New_York",
            utc(2026, 11, 1, 6, 30),
            id="overlap-second-pass",
        ),
        # just outside the New York gap/overlap, naive is fine: 03:00 EDT = 07:00 UTC
        pytest.param(
            "2026-03-08T03:00:00", "America/New_York", utc(2026, 3, 8, 7), id="naive-after-gap"
        ),
        # 02:00 EST on 1 Nov (after the overlap) = 07:00 UTC
        pytest.param(
            "2026-11-01T02:00:00", "America/New_York", utc(2026, 11, 1, 7), id="naive-after-overlap"
        ),
    ],
)
def test_parse_timestamp(text: str, zone: str, instant: datetime) -> None:
    result = parse_timestamp(text, zone)
    assert result.tzinfo is not None
    assert result == instant


def test_explicit_offset_is_kept() -> None:
    result = parse_timestamp("2026-11-03T10:15:00-06:00", "UTC")
    assert result.utcoffset() == timedelta(hours=-6)
    assert result == datetime(2026, 11, 3, 10, 15, tzinfo=timezone(timedelta(hours=-6)))


@pytest.mark.parametrize(
    ("text", "zone", "why"),
    [
        # New York skips 02:00–03:00 on 8 Mar 2026
        pytest.param("2026-03-08T02:30:00", "America/New_York", "does not exist", id="ny-gap"),
        # New York repeats 01:00–02:00 on 1 Nov 2026
        pytest.param("2026-11-01T01:30:00", "America/New_York", "ambiguous", id="ny-overlap"),
        # Berlin skips 02:00–03:00 on 29 Mar 2026
        pytest.param("2026-03-29T02:15:00", "Europe/Berlin", "does not exist", id="berlin-gap"),
        # Lord Howe repeats 01:30–02:00 on 5 Apr 2026
        pytest.param("2026-04-05T01:45:00", "Australia/Lord_Howe", "ambiguous", id="lh-overlap"),
    ],
)
def test_dst_gap_and_overlap_rejected(text: str, zone: str, why: str) -> None:
    with pytest.raises(TimestampError, match=re.escape(f"'{text}'")) as caught:
        parse_timestamp(text, zone)
    assert why in str(caught.value)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("yesterday", id="word"),
        pytest.param("", id="empty"),
        pytest.param("2026-11-03T25:00:00Z", id="hour-25"),
        pytest.param("2026-02-30T10:00:00Z", id="february-30"),
        pytest.param("2026-11-03T10:15:00+25:00", id="offset-too-big"),
        pytest.param("2026-11-03", id="date-only"),
        pytest.param("10:15:00", id="time-only"),
        pytest.param("P1D", id="duration"),
    ],
)
def test_junk_rejected(text: str) -> None:
    with pytest.raises(TimestampError, match=re.escape(f"'{text}'")):
        parse_timestamp(text, "UTC")


@pytest.mark.parametrize(
    ("text", "zone", "instant"),
    [
        # lower-case t and z are allowed by RFC 3339 (section 5.6, NOTE)
        pytest.param("2026-11-10t14:00:00z", "UTC", utc(2026, 11, 10, 14), id="lower-t-z"),
        # one space instead of T (RFC 3339 section 5.6, NOTE)
        pytest.param("2026-11-10 14:00:00Z", "UTC", utc(2026, 11, 10, 14), id="space"),
        # seconds left out: 14:00 is 14:00:00
        pytest.param("2026-11-10T14:00Z", "UTC", utc(2026, 11, 10, 14), id="no-seconds"),
        # no seconds, no offset, Tokyo (+09:00): 14:00 − 9 h = 05:00 UTC
        pytest.param("2026-11-10T14:00", "Asia/Tokyo", utc(2026, 11, 10, 5), id="no-seconds-naive"),
        # no seconds, space, +05:30: 14:00 − 5:30 = 08:30 UTC
        pytest.param(
            "2026-11-10 14:00+05:30", "UTC", utc(2026, 11, 10, 8, 30), id="no-seconds-offset"
        ),
        # −00:00 (offset unknown, RFC 3339 section 4.3) is the same instant as Z
        pytest.param("2026-11-10T14:00:00-00:00", "Asia/Tokyo", utc(2026, 11, 10, 14), id="-00:00"),
        # +00:00 = Z, whatever the tenant's zone
        pytest.param("2026-11-10T14:00:00+00:00", "Asia/Tokyo", utc(2026, 11, 10, 14), id="+00:00"),
        # the largest offset: 14:00 − 23:59 = 9 Nov 14:01 UTC
        pytest.param(
            "2026-11-10T14:00:00+23:59", "UTC", utc(2026, 11, 9, 14, 1), id="offset-plus-23-59"
        ),
        # the smallest: 14:00 + 23:59 = 11 Nov 13:59 UTC
        pytest.param(
            "2026-11-10T14:00:00-23:59", "UTC", utc(2026, 11, 11, 13, 59), id="offset-minus-23-59"
        ),
        # +14:00 (Kiritimati): 23:59:59 − 14 h = 09:59:59 UTC
        pytest.param("2026-11-10T23:59:59+14:00", "UTC", utc(2026, 11, 10, 9, 59, 59), id="+14"),
        # 9 fraction digits: .123456789 → 123456 µs, the 789 ns are dropped
        pytest.param(
            "2026-11-10T14:00:00.123456789Z",
            "UTC",
            utc(2026, 11, 10, 14, 0, 0, 123456),
            id="nanoseconds-truncated",
        ),
        # .9999999 s would round to the next second; truncated it stays 59.999999
        pytest.param(
            "2026-11-10T14:59:59.9999999Z",
            "UTC",
            utc(2026, 11, 10, 14, 59, 59, 999999),
            id="no-round-up-across-a-second",
        ),
        # .1 s = 100000 µs
        pytest.param(
            "2026-11-10T14:00:00.1Z", "UTC", utc(2026, 11, 10, 14, 0, 0, 100000), id="one-digit"
        ),
        # .5 s at +01:00: 14:00:00.5 − 1 h = 13:00:00.5 UTC
        pytest.param(
            "2026-11-10T14:00:00.5+01:00",
            "UTC",
            utc(2026, 11, 10, 13, 0, 0, 500000),
            id="fraction-and-offset",
        ),
        # naive, lower-case t, a fraction, New York in EST (−05:00): 14:00:00.25 + 5 h
        pytest.param(
            "2026-11-10t14:00:00.25",
            "America/New_York",
            utc(2026, 11, 10, 19, 0, 0, 250000),
            id="naive-lower-t-fraction",
        ),
        # 29 February exists in 2024
        pytest.param("2024-02-29T12:00:00Z", "UTC", utc(2024, 2, 29, 12), id="leap-day"),
        # the first instant in range
        pytest.param("1970-01-01T00:00:00Z", "UTC", utc(1970, 1, 1), id="first-instant"),
        # the last microsecond in range
        pytest.param(
            "2999-12-31T23:59:59.999999Z",
            "UTC",
            utc(2999, 12, 31, 23, 59, 59, 999999),
            id="last-microsecond",
        ),
        # a 1969 wall clock at −01:00 is already 1970 in UTC: 23:00 + 1 h = 1 Jan 00:00
        pytest.param("1969-12-31T23:00:00-01:00", "UTC", utc(1970, 1, 1), id="wall-1969"),
        # a 3000 wall clock at +01:00 is still 2999 in UTC: 00:59 − 1 h = 31 Dec 23:59
        pytest.param("3000-01-01T00:59:00+01:00", "UTC", utc(2999, 12, 31, 23, 59), id="wall-3000"),
    ],
)
def test_rfc3339_spellings_accepted(text: str, zone: str, instant: datetime) -> None:
    assert parse_timestamp(text, zone) == instant


NOT_RFC3339 = "is not an RFC 3339 timestamp"
NOT_REAL = "is not a real date and time"
BAD_OFFSET = "has an offset outside -23:59 to +23:59"
OUTSIDE = "is outside the years 1970 to 2999"


@pytest.mark.parametrize(
    ("text", "why"),
    [
        # ISO 8601 forms that RFC 3339 leaves out (pendulum read all of them)
        pytest.param("2026-W45-2T14:00:00Z", NOT_RFC3339, id="week-date"),
        pytest.param("2026-314T14:00:00Z", NOT_RFC3339, id="ordinal-date"),
        pytest.param("20261110T140000Z", NOT_RFC3339, id="basic-format"),
        pytest.param("20261110T14:00:00Z", NOT_RFC3339, id="basic-date"),
        pytest.param("2026-11-10T140000Z", NOT_RFC3339, id="basic-time"),
        pytest.param("2026-11-10T14:00:00+0530", NOT_RFC3339, id="offset-without-colon"),
        pytest.param("2026-11-10T14:00:00+05", NOT_RFC3339, id="offset-hours-only"),
        pytest.param("2026-11-10T14:00:00+5:30", NOT_RFC3339, id="offset-one-digit-hour"),
        pytest.param("2026-11-10T14:00:00+05:30:00", NOT_RFC3339, id="offset-with-seconds"),
        pytest.param("2026-11-10T14Z", NOT_RFC3339, id="hour-only"),
        pytest.param("2026-11-10T14", NOT_RFC3339, id="hour-only-naive"),
        pytest.param("2026-11-10T1:00:00Z", NOT_RFC3339, id="one-digit-hour"),
        pytest.param("2026-11-10", NOT_RFC3339, id="date-only"),
        pytest.param("2026-11-10T", NOT_RFC3339, id="separator-no-time"),
        pytest.param("2026-11-10T14:00:00,5Z", NOT_RFC3339, id="comma-fraction"),
        pytest.param("2026-11-10T14:00:00.Z", NOT_RFC3339, id="point-no-digits"),
        pytest.param("2026-11-10T14:00.5Z", NOT_RFC3339, id="fraction-without-seconds"),
        # 10 fraction digits is below a nanosecond: refused rather than cut
        pytest.param("2026-11-10T14:00:00.1234567890Z", NOT_RFC3339, id="ten-fraction-digits"),
        pytest.param("+2026-11-10T14:00:00Z", NOT_RFC3339, id="signed-year"),
        pytest.param("12026-11-10T14:00:00Z", NOT_RFC3339, id="five-digit-year"),
        pytest.param("26-11-10T14:00:00Z", NOT_RFC3339, id="two-digit-year"),
        pytest.param("2026/11/10T14:00:00Z", NOT_RFC3339, id="slashes"),
        pytest.param("2026-11-10_14:00:00Z", NOT_RFC3339, id="underscore-separator"),
        pytest.param("2026-11-10  14:00:00Z", NOT_RFC3339, id="two-spaces"),
        pytest.param("2026-11-10\t14:00:00Z", NOT_RFC3339, id="tab-separator"),
        pytest.param("2026-11-10T14:00:00UTC", NOT_RFC3339, id="zone-abbreviation"),
        pytest.param("2026-11-10T14:00:00Z+01:00", NOT_RFC3339, id="z-and-offset"),
        pytest.param("2026-11-10T14:00:00+01:00[Europe/Paris]", NOT_RFC3339, id="zone-suffix"),
        # digits that \d (and int()) would read: Arabic-Indic ٢٠٢٦, fullwidth １ and ５
        pytest.param("٢٠٢٦-11-10T14:00:00Z", NOT_RFC3339, id="arabic-indic-year"),
        pytest.param("2026-１1-10T14:00:00Z", NOT_RFC3339, id="fullwidth-month"),
        pytest.param("2026-11-10T14:00:00.５Z", NOT_RFC3339, id="fullwidth-fraction"),
        pytest.param("2026-11-10T14:00:00+٠٥:30", NOT_RFC3339, id="arabic-indic-offset"),
        # whitespace and control characters around or inside
        pytest.param(" 2026-11-10T14:00:00Z", NOT_RFC3339, id="leading-space"),
        pytest.param("2026-11-10T14:00:00Z ", NOT_RFC3339, id="trailing-space"),
        pytest.param("2026-11-10T14:00:00Z\n", NOT_RFC3339, id="trailing-newline"),
        pytest.param("2026-11-10T14:00:00\x00Z", NOT_RFC3339, id="nul"),
        pytest.param("2026-11-10T14:00:00\x7f", NOT_RFC3339, id="delete-character"),
        pytest.param("2026-11-10\u00a014:00:00Z", NOT_RFC3339, id="no-break-space"),
        # the right shape, but no such date or time
        pytest.param("2026-11-10T24:00:00Z", NOT_REAL, id="hour-24"),
        pytest.param("2026-11-10T14:60:00Z", NOT_REAL, id="minute-60"),
        # a leap second cannot be placed on a timeline of 86400-second days
        pytest.param("2016-12-31T23:59:60Z", NOT_REAL, id="leap-second"),
        pytest.param("2026-02-29T14:00:00Z", NOT_REAL, id="february-29-not-leap"),
        pytest.param("2026-11-31T14:00:00Z", NOT_REAL, id="november-31"),
        pytest.param("2026-00-10T14:00:00Z", NOT_REAL, id="month-0"),
        pytest.param("2026-11-00T14:00:00Z", NOT_REAL, id="day-0"),
        # offsets past ±23:59
        pytest.param("2026-11-10T14:00:00+24:00", BAD_OFFSET, id="offset-plus-24"),
        pytest.param("2026-11-10T14:00:00-24:00", BAD_OFFSET, id="offset-minus-24"),
        pytest.param("2026-11-10T14:00:00+05:60", BAD_OFFSET, id="offset-minute-60"),
        pytest.param("2026-11-10T14:00:00+99:99", BAD_OFFSET, id="offset-99"),
        # year 0 and 9999 have the shape but not the range (and year 0 no calendar)
        pytest.param("0000-01-01T00:00:00Z", OUTSIDE, id="year-0"),
        pytest.param("9999-12-31T23:59:59-23:59", OUTSIDE, id="year-9999"),
        # 1 Jan 1970 00:30 at +01:00 is 31 Dec 1969 23:30 UTC
        pytest.param("1970-01-01T00:30:00+01:00", OUTSIDE, id="1970-wall-1969-utc"),
    ],
)
def test_rfc3339_spellings_refused(text: str, why: str) -> None:
    with pytest.raises(TimestampError, match=re.escape(f"'{text}' {why}")):
        parse_timestamp(text, "UTC")


def _outcome(parse: Callable[[str, str], datetime], text: str, zone: str) -> object:
    """What parsing gives: the instant with its offset and tzinfo, or the refusal."""
    try:
        instant = parse(text, zone)
    except TimestampError as error:
        return ("refused", str(error))
    return (instant, instant.utcoffset(), instant.tzinfo)


def _digits(width: int, low: int, high: int) -> st.SearchStrategy[str]:
    """A field in its real range or edges most of the time, any digits otherwise."""
    return st.one_of(st.integers(low, high), st.integers(0, 10**width - 1)).map(
        lambda number: f"{number:0{width}d}"
    )


# The shortcut's shape, `YYYY-MM-DDTHH:MM:SSZ`, with every field sometimes free over
# its digits, so month 13, day 31 of a 30-day month, hour 24 and second 60 come up.
_SHORTCUT_SHAPE = st.builds(
    "{}-{}-{}T{}:{}:{}Z".format,
    _digits(4, 1969, 3000),
    _digits(2, 1, 12),
    _digits(2, 1, 31),
    _digits(2, 0, 24),
    _digits(2, 0, 59),
    _digits(2, 0, 60),
)
# Strings near the shape: its characters in any order, so a shape off by one comes up.
_NEAR_SHAPE = st.text(alphabet="0123456789-T:Zzt +.", min_size=16, max_size=24)


@settings(max_examples=300, deadline=None)
@given(
    text=st.one_of(_SHORTCUT_SHAPE, _NEAR_SHAPE),
    zone=st.sampled_from(["UTC", "Asia/Tokyo", "America/New_York"]),
)
@example(text="2026-11-03T10:15:30Z", zone="UTC")
@example(text="1969-12-31T23:59:59Z", zone="UTC")
@example(text="1970-01-01T00:00:00Z", zone="UTC")
@example(text="2999-12-31T23:59:59Z", zone="UTC")
@example(text="3000-01-01T00:00:00Z", zone="UTC")
@example(text="2024-02-29T00:00:00Z", zone="UTC")
@example(text="2026-11-03T24:00:00Z", zone="UTC")
@example(text="2026-11-03t10:15:30Z", zone="UTC")
@example(text="2026-11-03T10:15:30z", zone="UTC")
@example(text="0000-01-01T00:00:00Z", zone="UTC")
def test_the_shortcut_gives_what_the_general_parser_gives(text: str, zone: str) -> None:
    # parse_timestamp reads `YYYY-MM-DDTHH:MM:SSZ` with the C parser; for every string it
    # must answer exactly as the field-by-field parser does: the same instant, offset
    # and tzinfo, or the same refusal word for word.
    assert _outcome(parse_timestamp, text, zone) == _outcome(parse_rfc3339, text, zone)
    # utc_seconds_micros, an import's way to the microsecond, answers for the `...Z`
    # shape alone: where it answers, the field-by-field parser gives the same instant;
    # where it declines, the parser refuses too or the text has another shape.
    micros = utc_seconds_micros(text)
    try:
        general: datetime | None = parse_rfc3339(text, zone)
    except TimestampError:
        general = None
    if micros is not None:
        assert general is not None and to_micros(general) == micros
    elif re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z", text):
        # Of the shape but declined: only a date or time that does not exist, or a year
        # out of bounds, which the parser refuses too.
        assert general is None, text


def test_the_import_shortcut_counts_from_the_epoch() -> None:
    # 2026-11-03 is day 20,760 since 1970-01-01 (56 years with 14 leap days: 56 × 365
    # + 14 = 20,454 days to 2026-01-01, then 306 to November 3rd); 10:15:30 is 36,930 s.
    assert utc_seconds_micros("2026-11-03T10:15:30Z") == (20_760 * 86_400 + 36_930) * 10**6
    assert utc_seconds_micros("1970-01-01T00:00:00Z") == 0
    assert utc_seconds_micros("2026-11-03T10:15:30+00:00") is None
    assert utc_seconds_micros(None) is None
