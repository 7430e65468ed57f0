"""The geometry of the report page's pictures, every number worked out by hand.

November 2026 in UTC is 30 × 1440 = 43200 minutes; the plot is 1000 units wide, so a
minute is 1000 / 43200 = 0.023148… units and a day 33.333… units. In New York the same
November runs from 1 Nov 00:00 EDT (04:00Z) to 1 Dec 00:00 EST (05:00Z): 43260 minutes,
its first day 25 hours long.
"""

from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from typing import Literal

import pendulum
import pytest

from app.reports.svg import (
    DrawnWindow,
    MonthPoint,
    _rows,
    local_text,
    shade,
    sparkline,
    ticks,
    timeline,
    x_at,
)
from app.sla.periods import month_period, to_micros
from app.sla.windows import FULL

D = Decimal
UTC_NOV = month_period("2026-11", "UTC")
NY_NOV = month_period("2026-11", "America/New_York")


def at(day: int, hour: int = 0, minute: int = 0, second: int = 0, month: int = 11) -> int:
    return to_micros(pendulum.datetime(2026, month, day, hour, minute, second, tz="UTC"))


X_CASES = [
    # (what, instant, period, expected x)
    ("the period's start", at(1), UTC_NOV, D("0")),
    ("the period's end", at(1, month=12), UTC_NOV, D("1000")),
    ("the middle: 16 Nov 00:00 is 15 of 30 days", at(16), UTC_NOV, D("500")),
    # 2 days 14 hours = 3720 min; 3720 / 43200 × 1000 = 86.111…
    ("3 Nov 14:00", at(3, 14), UTC_NOV, D("86.11")),
    # 14 days 12 hours = 20880 min; 20880 / 43200 × 1000 = 483.333…
    ("15 Nov 12:00", at(15, 12), UTC_NOV, D("483.33")),
    # 1 min: 0.023148… → 0.02
    ("one minute in", at(1, 0, 1), UTC_NOV, D("0.02")),
    # 12.96 s is 0.216 min: 0.216 / 43200 × 1000 = 0.005 exactly, a half: rounds up.
    ("a half rounds up", at(1) + 12_960_000, UTC_NOV, D("0.01")),
    ("just under a half rounds down", at(1) + 12_959_999, UTC_NOV, D("0")),
    ("before the period: held to its start", at(31, 23, month=10), UTC_NOV, D("0")),
    ("after the period: held to its end", at(2, month=12), UTC_NOV, D("1000")),
    # New York: 2 Nov 00:00 EST = 05:00Z is 25 h = 1500 min in; 1500 / 43260 × 1000
    # = 34.674… (a UTC month's day is 33.33).
    ("the end of New York's 25-hour first day", at(2, 5), NY_NOV, D("34.67")),
    # 16 Nov 00:00 EST = 05:00Z: 25 h + 14 × 24 h = 361 h = 21660 min; / 43260 × 1000
    # = 500.693…
    ("16 Nov in New York", at(16, 5), NY_NOV, D("500.69")),
]


@pytest.mark.parametrize(("what", "instant", "period", "expected"), X_CASES)
def test_x_at(what: str, instant: int, period: object, expected: Decimal) -> None:
    assert isinstance(period, type(UTC_NOV))
    assert x_at(instant, period.start_micros, period.end_micros) == expected, what


def test_x_at_needs_a_period_with_length() -> None:
    with pytest.raises(ValueError, match="positive length"):
        x_at(0, 10, 10)


@pytest.mark.parametrize(
    ("impact", "expected"),
    [
        (Fraction(1), "1"),
        # 0.25 + 0.75 × 0.5 = 0.625 → 0.63 (half up)
        (Fraction(1, 2), "0.63"),
        # 0.25 + 0.75 × 0.4 = 0.55
        (Fraction(2, 5), "0.55"),
        # 0.25 + 0.75 / 3 = 0.5
        (Fraction(1, 3), "0.5"),
        (Fraction(0), "0.25"),
    ],
)
def test_shade_grows_with_impact(impact: Fraction, expected: str) -> None:
    assert shade(impact) == expected


@pytest.mark.parametrize(
    ("intervals", "rows"),
    [
        ([], []),
        ([(0, 10), (10, 20)], [0, 0]),  # touching: one row
        ([(0, 10), (5, 15), (10, 20)], [0, 1, 0]),  # the third fits after the first
        ([(0, 10), (0, 10), (0, 10)], [0, 1, 2]),
        ([(5, 15), (0, 10)], [1, 0]),  # by start, whatever the input order
    ],
)
def test_overlapping_windows_get_separate_rows(
    intervals: list[tuple[int, int]], rows: list[int]
) -> None:
    assert _rows(intervals) == rows


def test_ticks_in_utc_are_a_thirtieth_each() -> None:
    marks = ticks(UTC_NOV)
    assert len(marks) == 30
    # Day d starts at (d − 1) × 33.333…: 0, 33.33, 66.67, …, 500 (day 16), 966.67 (day 30).
    assert [marks[i].x for i in (0, 1, 2, 15, 29)] == ["0", "33.33", "66.67", "500", "966.67"]
    # Width: the difference of the rounded edges.
    assert [marks[i].width for i in (0, 1, 29)] == ["33.33", "33.34", "33.33"]
    assert marks[0].label_x == "16.665"
    # 1 Nov 2026 is a Sunday, 2 Nov a Monday, 7 Nov a Saturday.
    assert [marks[i].weekend for i in (0, 1, 6)] == [True, False, True]


def test_ticks_in_new_york_show_the_long_first_day() -> None:
    marks = ticks(NY_NOV)
    assert len(marks) == 30
    # Day 1 is 25 h: 1500 / 43260 × 1000 = 34.67; each later day 1440 / 43260 × 1000 =
    # 33.287…; day 30 starts 25 h + 28 × 24 h = 697 h = 41820 min in: 966.712… → 966.71.
    assert marks[0].x == "0" and marks[0].width == "34.67"
    assert marks[1].x == "34.67" and marks[1].width == "33.29"
    assert marks[29].x == "966.71" and marks[29].width == "33.29"


def test_local_text_reads_in_the_measured_zone() -> None:
    assert local_text(at(3, 14), "America/New_York") == "Tue 3 Nov 09:00 EST"
    assert local_text(at(3, 14, 0, 30), "UTC") == "Tue 3 Nov 14:00:30 UTC"
    assert local_text(at(1, 4), "America/New_York", with_date=False) == "00:00 EDT"


def _window(
    start: int,
    end: int | None,
    kind: Literal["outage", "maintenance"] = "outage",
    impact: Fraction = FULL,
    outage_id: int | None = None,
    label: str = "",
    counted_minutes: str | None = None,
) -> DrawnWindow:
    return DrawnWindow(start, end, kind, impact, outage_id, label, counted_minutes)


NOW = pendulum.datetime(2026, 12, 5, 12, tz="UTC")


def test_timeline_places_each_window_and_counted_stretch() -> None:
    windows = [
        # A: 3 Nov 14:00-15:00: 3720 min → 86.11, 3780 min → 87.5; width 87.5 − 86.11.
        _window(at(3, 14), at(3, 15), outage_id=1, label="EX1"),
        # B overlaps A: 14:30-15:10, on a second row; 14:30 = 3750 min → 86.805… → 86.81;
        # 15:10 = 3790 min → 87.731… → 87.73; width 0.92.
        _window(at(3, 14, 30), at(3, 15, 10), outage_id=2, label="EX2"),
        # Maintenance 10 Nov 01:10-01:40: 9 d 70 min = 13030 min → 301.62; 13060 → 302.31.
        _window(at(10, 1, 10), at(10, 1, 40), "maintenance", outage_id=3),
        # Across the start: 31 Oct 23:00 to 1 Nov 01:00, drawn from 0 to 60 min = 1.39.
        _window(at(31, 23, month=10), at(1, 1), outage_id=4, impact=Fraction(1, 2)),
        # Wholly in October: not drawn.
        _window(at(15, month=10), at(15, 1, month=10), outage_id=5),
    ]
    counted = [(at(1), at(1, 1), Fraction(1, 2)), (at(3, 14), at(3, 15, 10), Fraction(1))]
    picture = timeline(UTC_NOV, windows, counted, NOW)

    drawn = {bar.outage_id: bar for bar in picture.windows}
    assert set(drawn) == {1, 2, 3, 4}
    assert (drawn[1].x_text, drawn[1].width_text) == ("86.11", "1.39")
    assert (drawn[2].x_text, drawn[2].width_text) == ("86.81", "0.92")
    assert (drawn[3].x_text, drawn[3].width_text) == ("301.62", "0.69")
    assert (drawn[4].x_text, drawn[4].width_text) == ("0", "1.39")
    # The drawn part of a window that began in October starts with November.
    assert drawn[4].start == "2026-11-01T00:00:00+00:00"
    assert drawn[4].impact_text == "0.5" and drawn[4].opacity == "0.63"
    assert drawn[1].y != drawn[2].y  # overlapping: separate rows
    assert drawn[3].kind == "maintenance"
    assert "EX1" in drawn[1].title and "impact 100 %" in drawn[1].title

    strip = picture.counted
    assert [(bar.x_text, bar.width_text, bar.impact_text) for bar in strip] == [
        ("0", "1.39", "0.5"),
        # 14:00 → 86.11; 15:10 → 87.73
        ("86.11", "1.62", "1"),
    ]
    assert strip[1].start == "2026-11-03T14:00:00+00:00"
    assert strip[1].end == "2026-11-03T15:10:00+00:00"
    assert [lane.name for lane in picture.lanes] == ["Maintenance", "Outages", "Counted"]
    assert picture.now_x is None  # the month is over


def test_an_ongoing_window_is_drawn_to_now_and_now_is_marked() -> None:
    now = pendulum.datetime(2026, 11, 16, tz="UTC")
    picture = timeline(
        UTC_NOV,
        [
            _window(at(15, 12), None, outage_id=1),
            # Starts after "now": nothing of it to draw yet.
            _window(at(20), None, outage_id=2),
        ],
        [(at(15, 12), at(16), Fraction(1))],
        now,
    )
    (bar,) = picture.windows
    # 15 Nov 12:00 → 483.33; now (16 Nov 00:00) → 500.
    assert (bar.x_text, bar.width_text, bar.ongoing) == ("483.33", "16.67", True)
    assert picture.now_x == "500"


def test_an_empty_month_has_its_lanes_and_no_bars() -> None:
    picture = timeline(UTC_NOV, [], [], NOW)
    assert picture.bars == []
    assert len(picture.ticks) == 30
    assert [lane.name for lane in picture.lanes] == ["Maintenance", "Outages", "Counted"]


def test_sparkline_scale_and_target() -> None:
    points = [MonthPoint(f"2026-{m:02d}", D(100), True) for m in range(1, 12)]
    points.append(MonthPoint("2026-12", D("99.7"), False))
    line = sparkline(points, D("99.9"))
    # Lowest of 99.7 and 99.9 − 0.1 = 99.8 is 99.7; the floor a sixth of 0.3 below: 99.65.
    assert line.floor_percent == "99.65"
    # 44 × (100 − 99.9) / 0.35 = 12.571… ; 44 × 0.3 / 0.35 = 37.714…
    assert line.target_y == "12.57"
    assert [bar.x for bar in line.bars[:2]] == ["0", "20"]  # 240 / 12 = 20 each
    assert line.bars[0].width == "16"  # less the 4-unit gap
    assert (line.bars[0].y, line.bars[0].height) == ("0", "44")
    assert (line.bars[-1].y, line.bars[-1].height) == ("37.71", "6.29")
    assert line.bars[-1].title == "2026-12: 99.7 % (missed the 99.9 % target)"


def test_sparkline_months_without_a_line_are_empty() -> None:
    points = [MonthPoint("2026-10", None, None), MonthPoint("2026-11", D(100), True)]
    line = sparkline(points, D("99.9"))
    assert line.bars[0].availability is None and line.bars[0].height == "0"
    assert line.bars[0].title == "2026-10: no line"


def test_a_window_title_reads_as_a_sentence() -> None:
    picture = timeline(
        UTC_NOV,
        [_window(at(3, 14), at(3, 15), label="EX1 Mailbox", counted_minutes="60")],
        [],
        datetime(2026, 12, 5, tzinfo=pendulum.UTC),
    )
    assert picture.windows[0].title == (
        "Outage EX1 Mailbox: Tue 3 Nov 14:00 UTC to Tue 3 Nov 15:00 UTC, "
        "impact 100 %, counted 60 min"
    )
