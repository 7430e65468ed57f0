"""parse_timestamp: RFC 3339 with Z or an offset, fractional seconds, naive times read in
the tenant zone, DST gaps and overlaps refused (an explicit offset resolves them), and
junk or date-only strings refused.
"""

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest

from app.sla.timestamps import TimestampError, parse_timestamp


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
