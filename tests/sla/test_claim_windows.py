"""parse_claim_window: a positive ISO 8601 duration P[nY][nM][nW][nD][T[nH][nM][nS]] in
whole ASCII numbers and upper-case designators, at most 10 years; intervals, signs,
fractions, zero, lower case and other digits are refused.
"""

import re

import pendulum
import pytest

from app.sla.policies import parse_claim_window

# A November period ends here; the claim window is added to it.
END = pendulum.datetime(2026, 12, 1, tz="UTC")


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> pendulum.DateTime:
    return pendulum.datetime(year, month, day, hour, minute, second, tz="UTC")


@pytest.mark.parametrize(
    ("text", "closes"),
    [
        # the built-in policies' windows: 1 Dec + 1 month = 1 Jan, + 2 months = 1 Feb
        pytest.param("P1M", utc(2027, 1, 1), id="P1M"),
        pytest.param("P2M", utc(2027, 2, 1), id="P2M"),
        # 1 Dec + 30 days = 31 Dec
        pytest.param("P30D", utc(2026, 12, 31), id="P30D"),
        # 1 Dec + 7 days = 8 Dec
        pytest.param("P1W", utc(2026, 12, 8), id="P1W"),
        pytest.param("P1Y", utc(2027, 12, 1), id="P1Y"),
        # a time part: 1 Jan + 12 h
        pytest.param("P1MT12H", utc(2027, 1, 1, 12), id="P1MT12H"),
        # 36 h = 1 day 12 h
        pytest.param("PT36H", utc(2026, 12, 2, 12), id="PT36H"),
        # 90 min = 1 h 30 min
        pytest.param("PT90M", utc(2026, 12, 1, 1, 30), id="PT90M"),
        pytest.param("PT1S", utc(2026, 12, 1, 0, 0, 1), id="PT1S"),
        # every part: +1 Y = 1 Dec 2027, +2 M = 1 Feb 2028, +3 W 4 D = 25 days → 26 Feb
        # (2028 is a leap year, but 26 Feb comes before the 29th), then 05:06:07
        pytest.param("P1Y2M3W4DT5H6M7S", utc(2028, 2, 26, 5, 6, 7), id="every-part"),
        # leading zeros and zero parts beside a non-zero one are harmless
        pytest.param("P01M", utc(2027, 1, 1), id="leading-zero"),
        pytest.param("P0Y1D", utc(2026, 12, 2), id="zero-part"),
        pytest.param("P0000000000001D", utc(2026, 12, 2), id="many-leading-zeros"),
        # exactly 10 years, spelt four ways: 10 Y = 9 Y 12 M = 120 M, and from the check's
        # origin 1 Jan 2000, 10 years = 3650 days + 3 leap days (2000, 2004, 2008) = 3653
        # days (= 87,672 h); from 1 Dec 2026 the leap days are 2028, 2032, 2036: also 3653
        pytest.param("P10Y", utc(2036, 12, 1), id="P10Y"),
        pytest.param("P9Y12M", utc(2036, 12, 1), id="P9Y12M"),
        pytest.param("P120M", utc(2036, 12, 1), id="P120M"),
        pytest.param("P3653D", utc(2036, 12, 1), id="P3653D"),
        pytest.param("PT87672H", utc(2036, 12, 1), id="PT87672H"),
    ],
)
def test_claim_windows_accepted(text: str, closes: pendulum.DateTime) -> None:
    assert END + parse_claim_window(text) == closes


NOT_A_DURATION = "is not an ISO 8601 duration such as P1M or P30D"
ZERO = "must be longer than zero"
TOO_LONG = "is longer than 10 years"


@pytest.mark.parametrize(
    ("text", "why"),
    [
        pytest.param("", NOT_A_DURATION, id="empty"),
        pytest.param("P", NOT_A_DURATION, id="P-alone"),
        pytest.param("PT", NOT_A_DURATION, id="PT-alone"),
        pytest.param("P1DT", NOT_A_DURATION, id="T-without-time"),
        pytest.param("1M", NOT_A_DURATION, id="no-P"),
        pytest.param("one month", NOT_A_DURATION, id="words"),
        # intervals and repeats
        pytest.param("2026-01-01/P1M", NOT_A_DURATION, id="interval-start-duration"),
        pytest.param("P1M/2026-02-01", NOT_A_DURATION, id="interval-duration-end"),
        pytest.param("2026-01-01/2026-02-01", NOT_A_DURATION, id="interval-start-end"),
        pytest.param("R5/P1D", NOT_A_DURATION, id="repeat"),
        pytest.param("P1D/P2D", NOT_A_DURATION, id="two-durations"),
        # the alternative format
        pytest.param("P0001-02-00", NOT_A_DURATION, id="alternative-format"),
        # signs
        pytest.param("-P1M", NOT_A_DURATION, id="negative"),
        pytest.param("+P1M", NOT_A_DURATION, id="plus"),
        pytest.param("P-1M", NOT_A_DURATION, id="negative-part"),
        # fractions
        pytest.param("PT0.5H", NOT_A_DURATION, id="fraction-point"),
        pytest.param("PT1,5H", NOT_A_DURATION, id="fraction-comma"),
        pytest.param("P1.5M", NOT_A_DURATION, id="fraction-month"),
        pytest.param("P1E2D", NOT_A_DURATION, id="exponent"),
        # lower case: refused, so one spelling is stored and shown back
        pytest.param("p1m", NOT_A_DURATION, id="lower-case"),
        pytest.param("P1m", NOT_A_DURATION, id="lower-designator"),
        pytest.param("pt1h", NOT_A_DURATION, id="lower-time"),
        # order and repetition
        pytest.param("P1M1Y", NOT_A_DURATION, id="month-before-year"),
        pytest.param("P1W1M", NOT_A_DURATION, id="week-before-month"),
        pytest.param("P1Y1Y", NOT_A_DURATION, id="year-twice"),
        pytest.param("PT1M1H", NOT_A_DURATION, id="minute-before-hour"),
        pytest.param("PT1H1D", NOT_A_DURATION, id="day-in-time-part"),
        pytest.param("P1H", NOT_A_DURATION, id="hour-without-T"),
        # digits that \d (and int()) would read: Arabic-Indic ١ and fullwidth １
        pytest.param("P١M", NOT_A_DURATION, id="arabic-indic-digit"),
        pytest.param("P１M", NOT_A_DURATION, id="fullwidth-digit"),
        # whitespace
        pytest.param(" P1M", NOT_A_DURATION, id="leading-space"),
        pytest.param("P1M ", NOT_A_DURATION, id="trailing-space"),
        pytest.param("P1M\n", NOT_A_DURATION, id="trailing-newline"),
        pytest.param("P1 M", NOT_A_DURATION, id="inner-space"),
        # zero, however it is spelt
        pytest.param("P0D", ZERO, id="P0D"),
        pytest.param("PT0S", ZERO, id="PT0S"),
        pytest.param("P00M", ZERO, id="P00M"),
        pytest.param("P0Y0M0W0DT0H0M0S", ZERO, id="every-part-zero"),
        # one step past 10 years (see the accepted table for 3653 days = 87,672 h)
        pytest.param("P10Y1D", TOO_LONG, id="P10Y1D"),
        pytest.param("P10YT1S", TOO_LONG, id="P10YT1S"),
        pytest.param("P11Y", TOO_LONG, id="P11Y"),
        pytest.param("P121M", TOO_LONG, id="P121M"),
        pytest.param("P3654D", TOO_LONG, id="P3654D"),
        pytest.param("PT87673H", TOO_LONG, id="PT87673H"),
        # past what a timedelta holds (10⁹ days) and past int()'s 4300-digit limit
        pytest.param("P999999999W999999999D", TOO_LONG, id="timedelta-overflow"),
        pytest.param("P999999999Y", TOO_LONG, id="nine-digit-years"),
        pytest.param("PT9999999999S", TOO_LONG, id="ten-digit-seconds"),
        pytest.param("P" + "9" * 5000 + "D", TOO_LONG, id="5000-digits"),
    ],
)
def test_claim_windows_refused(text: str, why: str) -> None:
    with pytest.raises(ValueError, match=re.escape(f"'{text}' {why}")):
        parse_claim_window(text)
