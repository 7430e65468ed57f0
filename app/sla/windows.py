"""Interval arithmetic on the exact microsecond timeline.

A span is `(start, end, impact)`: integer microseconds since the epoch, half-open
`[start, end)`, and the fraction of the service that was down. Plain tuples keep the
hot loops fast; every function returns spans sorted by start and pairwise disjoint.
"""

from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable, Sequence
from fractions import Fraction
from itertools import pairwise
from operator import countOf, itemgetter

Span = tuple[int, int, Fraction]

FULL = Fraction(1)

# Fields of a span, as C-level getters for map() over many spans.
span_start = itemgetter(0)
span_end = itemgetter(1)
span_impact = itemgetter(2)


def merge_windows(spans: Iterable[Span]) -> list[Span]:
    """One timeline from overlapping windows: time is counted once, at the largest impact.

    Touching or overlapping pieces of equal impact become one span, so runs of
    downtime are maximal.
    """
    spans = spans if isinstance(spans, list) else list(spans)
    if all_full(spans):
        return _merge_full(spans)
    # Empty spans and spans with no impact (no user affected) are no downtime at all,
    # and must not join the runs around them.
    return _merge_weighted([span for span in spans if span[1] > span[0] and span[2] > 0])


def all_full(spans: Sequence[Span]) -> bool:
    """Whether every span is a full outage.

    Most windows are, and carry the shared `FULL`: counting it in C compares by
    identity first, so Fraction's comparison (Python code) runs only for the others.
    """
    return countOf(map(span_impact, spans), FULL) == len(spans)


def _merge_full(spans: list[Span]) -> list[Span]:
    merged: list[Span] = []
    if not spans:
        return merged
    spans = sorted(spans)
    # Runs open empty and are kept only once they hold time, so empty or inverted
    # spans never bridge a gap or become a run of their own.
    run_start = run_end = spans[0][0]
    keep = merged.append
    for start, end, _ in spans:
        if start > run_end:
            if run_end > run_start:
                keep((run_start, run_end, FULL))
            run_start = start
            run_end = end if end > start else start  # an inverted span opens an empty run
        elif end > run_end:
            run_end = end
    if run_end > run_start:
        keep((run_start, run_end, FULL))
    return merged


def _merge_weighted(spans: list[Span]) -> list[Span]:
    # Sweep the boundaries; between two boundaries the impact is the largest of the
    # windows covering that stretch (a counter, since equal impacts may overlap).
    starting: dict[int, list[Fraction]] = {}
    ending: dict[int, list[Fraction]] = {}
    for start, end, impact in spans:
        starting.setdefault(start, []).append(impact)
        ending.setdefault(end, []).append(impact)
    active: Counter[Fraction] = Counter()
    merged: list[Span] = []
    boundaries = sorted(starting.keys() | ending.keys())
    for here, there in pairwise(boundaries):
        for impact in ending.get(here, ()):
            active[impact] -= 1
            if not active[impact]:
                del active[impact]
        active.update(starting.get(here, ()))
        if not active:
            continue
        impact = min(max(active), FULL)
        if merged and merged[-1][1] == here and merged[-1][2] == impact:
            merged[-1] = (merged[-1][0], there, impact)
        else:
            merged.append((here, there, impact))
    return merged


def subtract_windows(spans: Sequence[Span], holes: Sequence[Span]) -> list[Span]:
    """`spans` with the time covered by `holes` removed; both sorted and disjoint."""
    result: list[Span] = []
    hole_index = 0
    for start, end, impact in spans:
        while hole_index < len(holes) and holes[hole_index][1] <= start:
            hole_index += 1
        cursor = start
        probe = hole_index
        while probe < len(holes) and holes[probe][0] < end:
            hole_start, hole_end, _ = holes[probe]
            if hole_start > cursor:
                result.append((cursor, hole_start, impact))
            cursor = max(cursor, hole_end)
            if cursor >= end:
                break
            probe += 1
        if cursor < end:
            result.append((cursor, end, impact))
    return result


def drop_short_runs(spans: Sequence[Span], min_length: int) -> list[Span]:
    """Keep only runs of contiguous downtime lasting at least `min_length` microseconds.

    A run is judged by its wall-clock length, whatever its impact, and counts in full
    once long enough (the Gmail partner SLA's "10 consecutive minutes").
    """
    if min_length <= 0:
        return list(spans)
    kept: list[Span] = []
    run: list[Span] = []
    for span in spans:
        if run and span[0] != run[-1][1]:
            if run[-1][1] - run[0][0] >= min_length:
                kept.extend(run)
            run = []
        run.append(span)
    if run and run[-1][1] - run[0][0] >= min_length:
        kept.extend(run)
    return kept


def clip_windows(spans: Sequence[Span], start: int, end: int) -> list[Span]:
    """The parts of `spans` inside `[start, end)`; `spans` must be sorted and disjoint
    (what merge_windows, subtract_windows and drop_short_runs return).

    Only the first and last span kept can reach past the edges, so bisect for them
    instead of clipping every span.
    """
    first = bisect_right(spans, start, key=span_end)
    last = bisect_left(spans, end, lo=first, key=span_start)
    clipped = list(spans[first:last])
    if clipped:
        head_start, head_end, head_impact = clipped[0]
        if head_start < start:
            clipped[0] = (start, head_end, head_impact)
        tail_start, tail_end, tail_impact = clipped[-1]
        if tail_end > end:
            clipped[-1] = (tail_start, end, tail_impact)
    return clipped


def weighted_length(spans: Sequence[Span]) -> Fraction:
    """The integral of impact over time, in microseconds, exactly."""
    if all_full(spans):
        # Two sums of plain ints rather than one of differences: no int made per span.
        return Fraction(sum(map(span_end, spans)) - sum(map(span_start, spans)))
    full = 0
    partial = Fraction(0)
    for start, end, impact in spans:
        if impact == FULL:
            full += end - start
        else:
            partial += (end - start) * impact
    return full + partial


def covered_length(start: int, end: int, timeline: Sequence[Span], starts: Sequence[int]) -> int:
    """How many microseconds of `[start, end)` the disjoint sorted `timeline` covers.

    `starts` is the list of the timeline's start points, for bisection.
    """
    total = 0
    index = max(bisect_right(starts, start) - 1, 0)
    while index < len(timeline) and timeline[index][0] < end:
        overlap = min(end, timeline[index][1]) - max(start, timeline[index][0])
        if overlap > 0:
            total += overlap
        index += 1
    return total
