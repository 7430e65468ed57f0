"""Interval arithmetic on the microsecond timeline: merge_windows, subtract_windows,
drop_short_runs, clip_windows, weighted_length and covered_length.

Spans are written in minutes through `m` (1 min = 60_000_000 µs) to keep tables readable.
"""

from collections.abc import Sequence
from fractions import Fraction

import pytest

from app.sla.windows import (
    Span,
    all_full,
    clip_windows,
    covered_length,
    drop_short_runs,
    merge_windows,
    subtract_windows,
    weighted_length,
)

MIN = 60_000_000  # µs per minute
F = Fraction
HALF, QUARTER, FULL = F(1, 2), F(1, 4), F(1)


def m(start: int, end: int, impact: Fraction = FULL) -> Span:
    """A span from minute `start` to minute `end`."""
    return (start * MIN, end * MIN, impact)


@pytest.mark.parametrize(
    ("spans", "merged"),
    [
        pytest.param([], [], id="empty"),
        pytest.param([m(0, 10)], [m(0, 10)], id="single"),
        pytest.param([m(20, 30), m(0, 10)], [m(0, 10), m(20, 30)], id="disjoint-sorted"),
        pytest.param([m(0, 10), m(5, 15)], [m(0, 15)], id="overlap"),
        pytest.param([m(0, 10), m(10, 20)], [m(0, 20)], id="touching"),
        pytest.param([m(0, 30), m(10, 20)], [m(0, 30)], id="contained"),
        pytest.param([m(0, 10), m(0, 10)], [m(0, 10)], id="duplicate"),
        pytest.param([m(0, 10), m(5, 15), m(15, 20)], [m(0, 20)], id="chain"),
        # an empty or inverted span is no time at all
        pytest.param([m(5, 5), m(9, 3)], [], id="empty-spans-dropped"),
        # ... and never bridges the gap between two runs, nor opens a run of its own
        pytest.param(
            [m(20, 30), m(15, 15), m(0, 10), m(12, 11), m(40, 35)],
            [m(0, 10), m(20, 30)],
            id="empty-spans-between-runs",
        ),
        # an impact of 1 that is not the shared FULL object is still a full outage
        pytest.param([(0, 10 * MIN, F(2, 2)), m(5, 15)], [m(0, 15)], id="full-by-value"),
        # 1/2 over [0,10), 1/4 over [5,15): max is 1/2 on [0,10), 1/4 on [10,15)
        pytest.param(
            [m(0, 10, HALF), m(5, 15, QUARTER)],
            [m(0, 10, HALF), m(10, 15, QUARTER)],
            id="partial-overlap-max",
        ),
        # the larger impact inside a smaller one: 1/4, then 1/2, then 1/4 again
        pytest.param(
            [m(0, 30, QUARTER), m(10, 20, HALF)],
            [m(0, 10, QUARTER), m(10, 20, HALF), m(20, 30, QUARTER)],
            id="partial-contained-peak",
        ),
        # a full outage over a partial one: full wins where they overlap
        pytest.param(
            [m(0, 20, HALF), m(10, 30)],
            [m(0, 10, HALF), m(10, 30)],
            id="partial-under-full",
        ),
        # equal impacts overlapping: one span at 1/2, not 1/2 + 1/2
        pytest.param([m(0, 10, HALF), m(5, 15, HALF)], [m(0, 15, HALF)], id="equal-partial"),
        # equal impacts: one ends where the other is still going, no split at the end of the first
        pytest.param(
            [m(0, 20, HALF), m(5, 10, HALF), m(15, 25, HALF)], [m(0, 25, HALF)], id="equal-three"
        ),
        # equal partials touching become one span
        pytest.param([m(0, 10, HALF), m(10, 20, HALF)], [m(0, 20, HALF)], id="equal-touching"),
        # impacts above 1 count as 1
        pytest.param([m(0, 10, F(3, 2)), m(5, 15, HALF)], [m(0, 10), m(10, 15, HALF)], id="cap"),
        # disjoint partials stay apart
        pytest.param(
            [m(0, 10, HALF), m(20, 30, HALF)], [m(0, 10, HALF), m(20, 30, HALF)], id="gap-partial"
        ),
    ],
)
def test_merge_windows(spans: list[Span], merged: list[Span]) -> None:
    assert merge_windows(spans) == merged


@pytest.mark.parametrize(
    ("spans", "holes", "result"),
    [
        pytest.param([m(0, 60)], [], [m(0, 60)], id="no-holes"),
        pytest.param([m(0, 60)], [m(20, 30)], [m(0, 20), m(30, 60)], id="inside"),
        pytest.param([m(10, 20)], [m(0, 60)], [], id="around"),
        pytest.param([m(10, 20)], [m(10, 20)], [], id="exactly-same"),
        pytest.param([m(10, 60)], [m(0, 25)], [m(25, 60)], id="straddles-start"),
        pytest.param([m(10, 60)], [m(45, 90)], [m(10, 45)], id="straddles-end"),
        pytest.param([m(10, 20)], [m(0, 10), m(20, 30)], [m(10, 20)], id="touching-holes"),
        pytest.param(
            [m(0, 100)],
            [m(10, 20), m(40, 50), m(70, 80)],
            [m(0, 10), m(20, 40), m(50, 70), m(80, 100)],
            id="several-holes",
        ),
        # one hole spanning the end of one span and the start of the next
        pytest.param(
            [m(0, 30), m(40, 70)], [m(20, 50)], [m(0, 20), m(50, 70)], id="hole-across-two-spans"
        ),
        pytest.param(
            [m(0, 30, HALF)], [m(10, 20)], [m(0, 10, HALF), m(20, 30, HALF)], id="keeps-impact"
        ),
        pytest.param(
            [m(0, 10), m(50, 60)], [m(20, 30)], [m(0, 10), m(50, 60)], id="hole-between-spans"
        ),
    ],
)
def test_subtract_windows(spans: list[Span], holes: list[Span], result: list[Span]) -> None:
    assert subtract_windows(spans, holes) == result


@pytest.mark.parametrize(
    ("spans", "min_length", "kept"),
    [
        pytest.param([m(0, 10)], 10 * MIN, [m(0, 10)], id="exactly-minimum-counts"),
        # 10 min − 1 µs is shorter than 10 min: dropped
        pytest.param([(0, 10 * MIN - 1, FULL)], 10 * MIN, [], id="one-micro-short"),
        pytest.param([m(0, 12)], 10 * MIN, [m(0, 12)], id="longer-counts-in-full"),
        # 5 + 5 touching = one 10-minute run
        pytest.param([m(0, 5), m(5, 10, HALF)], 10 * MIN, [m(0, 5), m(5, 10, HALF)], id="touching"),
        # 5 and 5 one microsecond apart are two short runs
        pytest.param(
            [(0, 5 * MIN, FULL), (5 * MIN + 1, 10 * MIN + 1, FULL)], 10 * MIN, [], id="gap"
        ),
        pytest.param([m(0, 9), m(20, 30), m(40, 45)], 10 * MIN, [m(20, 30)], id="mixed-runs"),
        # judged by wall-clock length, whatever the impact
        pytest.param([m(0, 10, QUARTER)], 10 * MIN, [m(0, 10, QUARTER)], id="partial-run"),
        pytest.param([m(0, 1)], 0, [m(0, 1)], id="no-minimum"),
    ],
)
def test_drop_short_runs(spans: list[Span], min_length: int, kept: list[Span]) -> None:
    assert drop_short_runs(spans, min_length) == kept


@pytest.mark.parametrize(
    ("spans", "start", "end", "clipped"),
    [
        pytest.param([m(10, 20)], 0, 60, [m(10, 20)], id="inside"),
        pytest.param([m(-10, 20)], 0, 60, [m(0, 20)], id="across-start"),
        pytest.param([m(50, 70, HALF)], 0, 60, [m(50, 60, HALF)], id="across-end"),
        pytest.param([m(-10, 70)], 0, 60, [m(0, 60)], id="around"),
        pytest.param([m(-20, -10), m(70, 80)], 0, 60, [], id="outside"),
        # half-open: ending at the start or starting at the end is outside
        pytest.param([m(-10, 0), m(60, 70)], 0, 60, [], id="touching-edges"),
    ],
)
def test_clip_windows(spans: list[Span], start: int, end: int, clipped: list[Span]) -> None:
    assert clip_windows(spans, start * MIN, end * MIN) == clipped


@pytest.mark.parametrize(
    ("spans", "length"),
    [
        pytest.param([], F(0), id="empty"),
        # 10 + 20 = 30 min
        pytest.param([m(0, 10), m(20, 40)], F(30 * MIN), id="full"),
        # 10 × 1/2 = 5 min
        pytest.param([m(0, 10, HALF)], F(5 * MIN), id="half"),
        # 60 × 1/2 + 30 × 1/4 = 30 + 7.5 = 37.5 min
        pytest.param([m(0, 60, HALF), m(60, 90, QUARTER)], F(75, 2) * MIN, id="mixed"),
        # 1 µs × 1/3 stays exact: 1/3 µs
        pytest.param([(0, 1, F(1, 3))], F(1, 3), id="exact-third-of-a-micro"),
    ],
)
def test_weighted_length(spans: list[Span], length: Fraction) -> None:
    assert weighted_length(spans) == length


@pytest.mark.parametrize(
    "spans",
    [
        pytest.param([], id="empty"),
        pytest.param([m(0, 10)], id="full"),
        pytest.param([m(0, 10, HALF)], id="partial"),
    ],
)
def test_weighted_length_is_always_a_fraction(spans: list[Span]) -> None:
    # An int would turn `length / MICROS_PER_MINUTE` into a float downstream.
    assert type(weighted_length(spans)) is Fraction


@pytest.mark.parametrize(
    ("spans", "full"),
    [
        pytest.param([], True, id="empty"),
        pytest.param([m(0, 10), m(20, 30)], True, id="shared-full"),
        pytest.param([m(0, 10), (0, MIN, F(3, 3))], True, id="full-by-value"),
        pytest.param([m(0, 10), m(20, 30, HALF)], False, id="one-partial"),
        pytest.param([m(0, 10, F(3, 2))], False, id="above-one-is-not-full"),
    ],
)
def test_all_full(spans: list[Span], full: bool) -> None:
    assert all_full(spans) is full


TIMELINE = [m(0, 10), m(20, 30), m(40, 50)]


@pytest.mark.parametrize(
    ("start", "end", "covered", "timeline"),
    [
        pytest.param(0, 10, 10, TIMELINE, id="exactly-one"),
        pytest.param(5, 25, 5 + 5, TIMELINE, id="across-a-gap"),  # [5,10) + [20,25)
        pytest.param(-5, 60, 30, TIMELINE, id="everything"),  # 3 × 10
        pytest.param(10, 20, 0, TIMELINE, id="in-the-gap"),
        pytest.param(25, 45, 5 + 5, TIMELINE, id="starts-mid-span"),  # [25,30) + [40,45)
        pytest.param(45, 100, 5, TIMELINE, id="past-the-end"),  # [45,50)
        pytest.param(0, 10, 0, [], id="empty-timeline"),
    ],
)
def test_covered_length(start: int, end: int, covered: int, timeline: Sequence[Span]) -> None:
    starts = [span[0] for span in timeline]
    assert covered_length(start * MIN, end * MIN, timeline, starts) == covered * MIN
