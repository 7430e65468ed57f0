"""Interval arithmetic on the exact microsecond timeline.

A span is `(start, end, impact)`: integer microseconds since the epoch, half-open
`[start, end)`, and the fraction of the service that was down. Plain tuples keep the
hot loops fast; every function returns spans sorted by start and pairwise disjoint.
"""

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from fractions import Fraction
from itertools import pairwise, repeat
from math import lcm
from operator import countOf, is_, itemgetter

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
    if all_shared_full(spans):
        return _merge_full(spans)
    return _merge_clusters(spans)[0]


def all_full(spans: Sequence[Span]) -> bool:
    """Whether every span is a full outage.

    Most windows are, and carry the shared `FULL`: counting it in C compares by
    identity first, so Fraction's comparison (Python code) runs only for the others.
    """
    return countOf(map(span_impact, spans), FULL) == len(spans)


def all_shared_full(spans: Sequence[Span]) -> bool:
    """Whether every span carries the shared `FULL`: by identity, all in C, stopping at
    the first other impact, so a mix costs no Fraction comparison at all. A span whose
    impact merely equals 1 takes the general path, which gives the same result."""
    return all(map(is_, map(span_impact, spans), repeat(FULL)))


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


def merge_cut_and_keep(
    spans: Iterable[Span], holes: Sequence[Span], min_length: int
) -> tuple[list[Span], list[Span]]:
    """`cut_and_keep(merge_windows(spans), holes, min_length)`, in the merge's own sweep.

    Before anything is cut out, a cluster of overlapping or touching windows is one run
    of downtime. So a cluster that no hole reaches (most of them) is kept or dropped
    whole on its length, and only a cluster that a hole reaches is cut, on its own.
    """
    return _merge_clusters(list(spans), holes, min_length)


def _merge_clusters(
    spans: list[Span], holes: Sequence[Span] = (), min_length: int = 0
) -> tuple[list[Span], list[Span]]:
    """One sort and one sweep into clusters of overlapping or touching windows.

    Most clusters are one window, or windows sharing one impact object (impacts read
    from stored rows are shared, see `assessment.impact_of`): their union is the
    cluster's span, with no Fraction arithmetic. Only a cluster mixing impacts goes
    through the boundary sweep of `_merge_mixed`. Returns the timeline kept and the
    parts of it that `holes` cover (see `cut_and_keep`).
    """
    ordered = sorted(spans, key=span_start)
    merged: list[Span] = []
    removed: list[Span] = []
    keep = merged.append
    hole_index, hole_count = 0, len(holes)
    first = run_start = run_end = 0
    run_impact: Fraction | None = None  # None while no cluster is open
    uniform = True
    # A window after all the others closes the last cluster inside the loop.
    after = max(map(span_end, ordered), default=0) + 1
    for index, (start, end, impact) in enumerate([*ordered, (after, after + 1, FULL)]):
        # Empty spans and spans with no impact (no user affected) are no downtime at
        # all, and must not join the runs around them.
        if end <= start or (impact is not FULL and impact.numerator <= 0):
            continue
        if run_impact is not None:
            if start <= run_end:
                if end > run_end:
                    run_end = end
                if impact is not run_impact:
                    uniform = False
                continue
            # The cluster [run_start, run_end) is complete.
            while hole_index < hole_count and holes[hole_index][1] <= run_start:
                hole_index += 1
            if hole_index < hole_count and holes[hole_index][0] < run_end:
                pieces = (
                    [(run_start, run_end, _at_most_full(run_impact))]
                    if uniform
                    else _merge_mixed(ordered[first:index])
                )
                kept, cut = cut_and_keep(pieces, holes, min_length, first_hole=hole_index)
                merged += kept
                removed += cut
            elif run_end - run_start >= min_length:
                if not uniform:
                    merged += _merge_mixed(ordered[first:index])
                elif run_impact is FULL or run_impact.numerator <= run_impact.denominator:
                    keep((run_start, run_end, run_impact))
                else:
                    keep((run_start, run_end, FULL))
        first, run_start, run_end, run_impact, uniform = index, start, end, impact, True
    return merged, removed


def _at_most_full(impact: Fraction) -> Fraction:
    """More than everyone down is everyone down."""
    if impact is FULL or impact.numerator <= impact.denominator:
        return impact
    return FULL


# Up to this many windows, a cluster is merged by looking at every window for every
# stretch between boundaries (quadratic, but nothing to rank or count first).
_SMALL_CLUSTER = 16


def _merge_mixed(cluster: list[Span]) -> list[Span]:
    """The timeline of one cluster of windows with different impacts: between two
    consecutive boundaries the impact is the largest of the windows covering that
    stretch, and touching stretches of equal impact are one span.

    Impacts are compared by their integer parts (Fractions are kept in lowest terms),
    read once per window: Fraction's own comparisons are Python code checking types.
    """
    spans = [
        (start, end, impact, impact.numerator, impact.denominator)
        for start, end, impact in cluster
        if end > start and impact.numerator > 0
    ]
    if len(spans) == 2:
        return _merge_pair(*spans)
    if len(spans) > _SMALL_CLUSTER:
        return _merge_ranked([span[:3] for span in spans])
    merged: list[Span] = []
    last = (0, 0)  # the integer parts of the last span's impact
    boundaries = sorted({*map(span_start, spans), *map(span_end, spans)})
    for here, there in pairwise(boundaries):
        top: Fraction | None = None
        top_over = top_under = 0
        for start, end, impact, over, under in spans:
            if (
                start <= here
                and end >= there
                and (top is None or over * top_under > top_over * under)
            ):
                top, top_over, top_under = impact, over, under
        if top is None:
            continue
        if top_over > top_under:  # more than everyone down is everyone down
            top, top_over, top_under = FULL, 1, 1
        if merged and merged[-1][1] == here and last == (top_over, top_under):
            merged[-1] = (merged[-1][0], there, merged[-1][2])
        else:
            merged.append((here, there, top))
            last = (top_over, top_under)
    return merged


# A span with its impact's integer parts: (start, end, impact, numerator, denominator).
_Weighed = tuple[int, int, Fraction, int, int]


def _merge_pair(first: _Weighed, second: _Weighed) -> list[Span]:
    """`_merge_mixed` for two windows, the usual mixed cluster (one overlap, or one
    window touching the next): at most three stretches, worked out directly."""
    start, end, impact, over, under = first
    second_start, second_end, second_impact, second_over, second_under = second
    stretches: list[_Weighed] = []
    if second_start > start:  # the first window alone
        stretches.append((start, second_start, impact, over, under))
    both_end = min(end, second_end)
    if both_end > second_start:  # both: the larger impact
        if second_over * under > over * second_under:
            stretches.append((second_start, both_end, second_impact, second_over, second_under))
        else:
            stretches.append((second_start, both_end, impact, over, under))
    if end > both_end:  # the first window outlasts the second
        stretches.append((both_end, end, impact, over, under))
    elif second_end > both_end:
        stretches.append((both_end, second_end, second_impact, second_over, second_under))
    merged: list[Span] = []
    last = (0, 0)
    for here, there, value, value_over, value_under in stretches:
        if value_over > value_under:  # more than everyone down is everyone down
            value, value_over, value_under = FULL, 1, 1
        if merged and last == (value_over, value_under):
            merged[-1] = (merged[-1][0], there, merged[-1][2])
        else:
            merged.append((here, there, value))
            last = (value_over, value_under)
    return merged


def _merge_ranked(spans: list[Span]) -> list[Span]:
    """`_merge_mixed` for a large cluster: sweep the boundaries, counting the windows of
    each impact that cover the stretch. Impacts are ranked once (equal values share a
    rank), so the sweep counts and compares small ints, not Fractions."""
    levels: list[Fraction] = []
    rank_of: dict[int, int] = {}
    for impact in sorted({id(span[2]): span[2] for span in spans}.values()):
        if not levels or impact != levels[-1]:
            levels.append(impact)
        rank_of[id(impact)] = len(levels) - 1
    capped = [min(level, FULL) for level in levels]
    starting: dict[int, list[int]] = {}
    ending: dict[int, list[int]] = {}
    for start, end, impact in spans:
        starting.setdefault(start, []).append(rank_of[id(impact)])
        ending.setdefault(end, []).append(rank_of[id(impact)])
    covering = [0] * len(levels)  # how many windows of each rank cover the stretch
    merged: list[Span] = []
    last_value: Fraction | None = None
    for here, there in pairwise(sorted(starting.keys() | ending.keys())):
        for rank in ending.get(here, ()):
            covering[rank] -= 1
        for rank in starting.get(here, ()):
            covering[rank] += 1
        top = len(levels) - 1
        while top >= 0 and not covering[top]:
            top -= 1
        if top < 0:
            continue
        impact = capped[top]
        if merged and merged[-1][1] == here and last_value == impact:
            merged[-1] = (merged[-1][0], there, merged[-1][2])
        else:
            merged.append((here, there, impact))
            last_value = impact
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


def cut_and_keep(
    spans: Sequence[Span], holes: Sequence[Span], min_length: int, *, first_hole: int = 0
) -> tuple[list[Span], list[Span]]:
    """`drop_short_runs(subtract_windows(spans, holes), min_length)` and the parts of
    `spans` that `holes` cover, in one pass (both inputs sorted and disjoint).

    Pieces go straight into the result; a run found too short when it ends is cut off
    the end of the result again, so no run is collected on the side.
    """
    kept: list[Span] = []
    removed: list[Span] = []
    keep = kept.append
    run_first = 0  # where the current run begins in `kept`
    run_start = run_end = 0
    hole_index, hole_count = first_hole, len(holes)
    for start, end, impact in spans:
        while hole_index < hole_count and holes[hole_index][1] <= start:
            hole_index += 1
        cursor = start
        probe = hole_index
        while cursor < end:
            if probe < hole_count and holes[probe][0] < end:
                hole_start, hole_end, _ = holes[probe]
                piece_end = hole_start if hole_start > cursor else cursor
                cut_end = hole_end if hole_end < end else end
                probe += 1
            else:
                piece_end = end
                hole_start = cut_end = end
            if piece_end > cursor:
                if cursor != run_end or run_first == len(kept):
                    if run_end - run_start < min_length:
                        del kept[run_first:]
                    run_first, run_start = len(kept), cursor
                keep((cursor, piece_end, impact))
                run_end = piece_end
            if cut_end > piece_end:
                removed.append((piece_end, cut_end, impact))
            cursor = cut_end
    if run_end - run_start < min_length:
        del kept[run_first:]
    return kept, removed


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
    # Two sums of plain ints rather than one of differences: no int made per span.
    wall_clock = sum(map(span_end, spans)) - sum(map(span_start, spans))
    if all_shared_full(spans):
        return Fraction(wall_clock)
    # Lengths are summed per impact object, keyed by `id` (hashing a Fraction is Python
    # code); then what the partial impacts take off the wall-clock length is summed over
    # one common denominator in plain ints, and one Fraction is made at the end.
    lengths: dict[int, int] = {}
    impacts: dict[int, Fraction] = {}
    for start, end, impact in [span for span in spans if span[2] is not FULL]:
        key = id(impact)
        if key in lengths:
            lengths[key] += end - start
        else:
            lengths[key] = end - start
            impacts[key] = impact
    denominator = lcm(*(impact.denominator for impact in impacts.values()))
    numerator = wall_clock * denominator
    for key, length in lengths.items():
        impact = impacts[key]
        share = denominator // impact.denominator
        numerator -= length * (impact.denominator - impact.numerator) * share
    return Fraction(numerator, denominator)


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
