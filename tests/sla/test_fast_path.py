"""The fast path of the core against a plain reference, exactly.

`measure_downtime` merges, cuts out maintenance and drops short runs in one sweep,
with shortcuts for shared impacts, clusters of one window and clusters no maintenance
reaches; `split_rows` reads stored rows straight into spans. The reference below does
none of that: it cuts the timeline at every boundary, works out each elementary
stretch's impact from every window, and adds up Fractions. Random mixes of full,
partial (including equal impacts held by different objects, zero and above one) and
maintenance windows, with and without exclusion and minimum runs, near both edges
of the period, and clusters large enough for the ranked sweep.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from app.sla.assessment import (
    Downtime,
    OutageRow,
    SplitWindows,
    measure_downtime,
    split_rows,
    split_windows,
    window_from_row,
)
from app.sla.periods import MICROS_PER_MINUTE, month_period
from app.sla.windows import FULL, Span, merge_windows, weighted_length

PERIOD = month_period("2026-11", "UTC")
UNIT = 30_000_000  # 30 s: window boundaries fall on whole units
UNITS = 60
MINIMUM_RUNS = (Decimal(0), Decimal("0.5"), Decimal(1), Decimal("2.5"), Decimal(5))
ZERO = Fraction(0)

# Impacts as the core meets them: the shared FULL, a 1 of its own, shared and unshared
# partial values, nothing at all, and more than everyone.
impacts = st.one_of(
    st.just(FULL),
    st.just(FULL),
    st.just(Fraction(1)),
    st.sampled_from((Fraction(1, 2), Fraction(1, 4), Fraction(3, 4))),
    st.builds(Fraction, st.integers(1, 5), st.integers(1, 6)),
    st.just(ZERO),
)


@st.composite
def spans_near_an_edge(draw: st.DrawFn, base: int, max_size: int) -> list[Span]:
    """Spans on whole units of a stretch starting at `base`; some empty or inverted."""
    spans = []
    for _ in range(draw(st.integers(0, max_size))):
        start = draw(st.integers(0, UNITS))
        end = draw(st.integers(max(0, start - 2), min(UNITS, start + 30)))
        spans.append((base + start * UNIT, base + end * UNIT, draw(impacts)))
    return spans


@dataclass(frozen=True)
class Case:
    outages: list[Span]
    maintenance: list[Span]
    exclude: bool
    min_downtime_minutes: Decimal


@st.composite
def cases(draw: st.DrawFn, max_size: int = 12) -> Case:
    # The stretch straddles the period's start or its end, so clipping happens.
    edge = draw(st.sampled_from((PERIOD.start_micros, PERIOD.end_micros)))
    base = edge - draw(st.integers(0, UNITS)) * UNIT
    return Case(
        outages=draw(spans_near_an_edge(base, max_size)),
        maintenance=draw(spans_near_an_edge(base, 4)),
        exclude=draw(st.booleans()),
        min_downtime_minutes=draw(st.sampled_from(MINIMUM_RUNS)),
    )


# --------------------------------------------------------------------------------------
# The reference: every elementary stretch, every window.
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reference:
    counted: list[Span]
    downtime_micros: Fraction
    excluded_micros: Fraction


def covers(span: Span, here: int, there: int) -> bool:
    return span[0] <= here and there <= span[1]


def reference(case: Case) -> Reference:
    start, end = PERIOD.start_micros, PERIOD.end_micros
    min_length = Fraction(case.min_downtime_minutes) * MICROS_PER_MINUTE
    points = {start, end}
    for span in [*case.outages, *case.maintenance]:
        points.update(span[:2])
    stretches = []  # (here, there, impact, held by maintenance)
    for here, there in pairwise(sorted(points)):
        impact = max(
            (min(span[2], FULL) for span in case.outages if covers(span, here, there)),
            default=ZERO,
        )
        held = case.exclude and any(covers(span, here, there) for span in case.maintenance)
        stretches.append((here, there, impact, held))

    # Runs of consecutive stretches that are down once maintenance is cut out.
    kept = [False] * len(stretches)
    index = 0
    while index < len(stretches):
        if stretches[index][2] == 0 or stretches[index][3]:
            index += 1
            continue
        first = index
        while index < len(stretches) and stretches[index][2] > 0 and not stretches[index][3]:
            index += 1
        if stretches[index - 1][1] - stretches[first][0] >= min_length:
            kept[first:index] = [True] * (index - first)

    counted: list[Span] = []
    downtime = excluded = ZERO
    for (here, there, impact, held), keep in zip(stretches, kept, strict=True):
        if not start <= here < end:
            continue
        if held:
            excluded += (there - here) * impact
        if keep:
            downtime += (there - here) * impact
            if counted and counted[-1][1] == here and counted[-1][2] == impact:
                counted[-1] = (counted[-1][0], there, impact)
            else:
                counted.append((here, there, impact))
    return Reference(counted, downtime, excluded)


def reference_merge(spans: Sequence[Span]) -> list[Span]:
    """The timeline of `spans` alone: the largest impact at every stretch, touching
    stretches of equal impact joined."""
    points = sorted({point for span in spans for point in span[:2]})
    merged: list[Span] = []
    for here, there in pairwise(points):
        impact = max(
            (min(span[2], FULL) for span in spans if covers(span, here, there)), default=ZERO
        )
        if impact <= 0:
            continue
        if merged and merged[-1][1] == here and merged[-1][2] == impact:
            merged[-1] = (merged[-1][0], there, impact)
        else:
            merged.append((here, there, impact))
    return merged


# --------------------------------------------------------------------------------------
# The properties.
# --------------------------------------------------------------------------------------


@settings(max_examples=500, deadline=None)
@given(cases())
def test_measure_downtime_equals_the_reference(case: Case) -> None:
    """Downtime, excluded time and the counted timeline, exactly as the reference has
    them, whatever mix of windows and rules."""
    expected = reference(case)
    got = measure_downtime(
        case.outages,
        case.maintenance,
        PERIOD,
        exclude_maintenance=case.exclude,
        min_downtime_minutes=case.min_downtime_minutes,
    )
    assert got.minutes * MICROS_PER_MINUTE == expected.downtime_micros
    assert got.excluded_minutes * MICROS_PER_MINUTE == expected.excluded_micros
    assert got.counted == expected.counted


@settings(max_examples=150, deadline=None)
@given(cases(max_size=48))
def test_crowded_timelines_equal_the_reference(case: Case) -> None:
    """Up to 48 windows in 30 minutes: clusters of more than 16 windows with mixed
    impacts take the ranked sweep."""
    expected = reference(case)
    got = measure_downtime(
        case.outages,
        case.maintenance,
        PERIOD,
        exclude_maintenance=case.exclude,
        min_downtime_minutes=case.min_downtime_minutes,
    )
    assert got.minutes * MICROS_PER_MINUTE == expected.downtime_micros
    assert got.excluded_minutes * MICROS_PER_MINUTE == expected.excluded_micros
    assert got.counted == expected.counted


@settings(max_examples=300, deadline=None)
@given(spans_near_an_edge(PERIOD.start_micros, 48))
def test_merge_windows_equals_the_reference(spans: list[Span]) -> None:
    assert merge_windows(spans) == reference_merge(spans)


def test_a_crowded_cluster_takes_the_ranked_sweep() -> None:
    """20 nested windows: window k (k = 0 … 19) from minute k to minute 40 − k, impact
    (k + 1)/20. Over minute j < 19 the innermost window is k = j, so the timeline climbs
    1/20, 2/20, … 19/20 a minute at a time, is full over minutes 19 and 20, and comes
    back down: 19 + 1 + 19 = 39 spans, and 2 × (1 + … + 19)/20 + 2 = 19 + 2 = 21
    weighted minutes."""
    minute = MICROS_PER_MINUTE
    nested = [(k * minute, (40 - k) * minute, Fraction(k + 1, 20)) for k in range(20)]
    merged = merge_windows(nested)
    assert merged == reference_merge(nested)
    assert len(merged) == 39
    assert merged[19] == (19 * minute, 21 * minute, FULL)
    assert weighted_length(merged) == 21 * minute


# Rows as a report reads them: (start, end or None, kind, impact text, users affected).
rows = st.lists(
    st.tuples(
        st.integers(0, UNITS).map(lambda unit: PERIOD.end_micros - 30 * UNIT + unit * UNIT),
        st.one_of(
            st.none(),
            st.integers(-2, 30).map(lambda unit: PERIOD.end_micros - 20 * UNIT + unit * UNIT),
        ),
        st.sampled_from(("outage", "outage", "maintenance")),
        st.sampled_from((None, "1", "1.0", "0.5", "0.25", "0.333", "0")),
        st.one_of(st.none(), st.integers(0, 1_500)),
    ),
    max_size=10,
)


@settings(max_examples=300, deadline=None)
@given(
    rows,
    st.sampled_from((None, 0, 1_000, 7)),
    st.integers(PERIOD.end_micros - 40 * UNIT, PERIOD.end_micros + 40 * UNIT),
)
def test_split_rows_reads_rows_as_windows_are_read(
    stored: list[OutageRow], seats: int | None, now_micros: int
) -> None:
    """Straight from the rows, the same outage spans (values and order), the same
    maintenance times, the same `ongoing`, and so the same downtime under every rule,
    as through one `Window` per row. (An inverted span counts as no time either way;
    through windows it is sometimes clamped first, so times are compared clamped.)"""
    windows = [window_from_row(*row, seats) for row in stored]
    fast = split_rows(stored, seats, PERIOD, now_micros)
    plain = split_windows(windows, PERIOD, now_micros)
    assert fast.ongoing == plain.ongoing
    assert clamped(fast.outages) == clamped(plain.outages)
    assert [span[:2] for span in clamped(fast.maintenance)] == [
        span[:2] for span in clamped(plain.maintenance)
    ]
    for exclude in (False, True):
        for minimum in (Decimal(0), Decimal(5)):
            assert downtime(fast, exclude, minimum) == downtime(plain, exclude, minimum)


def downtime(split: SplitWindows, exclude: bool, minimum: Decimal) -> Downtime:
    return measure_downtime(
        split.outages,
        split.maintenance,
        PERIOD,
        exclude_maintenance=exclude,
        min_downtime_minutes=minimum,
    )


def clamped(spans: Sequence[Span]) -> list[Span]:
    return [(start, max(start, end), impact) for start, end, impact in spans]
