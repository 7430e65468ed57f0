"""Monthly availability for many tenant-services: the pure core against a NumPy sweep.

Generates outage windows deterministically, computes every service's November 2026 (UTC)
downtime and availability twice — with `app.sla.assessment` and with a vectorized
sort-and-sweep written here — checks that both agree to the microsecond, then prints
the timings. Exits non-zero if any service disagrees.

    .venv/bin/python -m bench.availability [--windows N] [--services M] [--repeats R]
"""

import argparse
import gc
import platform
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction
from typing import TypeVar

import numpy as np
import numpy.typing as npt

from app.sla.assessment import Window, availability_percent, measure_downtime, split_windows
from app.sla.periods import MICROS_PER_MINUTE, Period, month_period, to_micros

MONTH = "2026-11"
TIMEZONE = "UTC"
# After the month: every window in the data has ended.
NOW_MICROS = to_micros(datetime(2026, 12, 15, tzinfo=UTC))
SEED = 20261101
MICROS_PER_SECOND = 1_000_000
MIN_DURATION = 1 * MICROS_PER_SECOND
MAX_DURATION = 4 * 3_600 * MICROS_PER_SECOND
TOUCHING_SHARE = 0.05
DUPLICATE_SHARE = 0.01
TARGET_RATIO = 2.0

Int64Array = npt.NDArray[np.int64]
Float64Array = npt.NDArray[np.float64]
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Outages:
    """Full-impact outage windows as parallel arrays, in no particular order."""

    group: Int64Array  # the tenant-service, 0 .. services - 1
    start: Int64Array  # microseconds since the epoch, half-open [start, end)
    end: Int64Array
    services: int


@dataclass(frozen=True, slots=True)
class CoreResult:
    downtime_minutes: list[Fraction]
    availability: list[Fraction]


@dataclass(frozen=True, slots=True)
class NumpyResult:
    downtime_micros: Int64Array
    availability: Float64Array


def generate(windows: int, services: int, period: Period, seed: int = SEED) -> Outages:
    """Random starts across the month, log-uniform durations from 1 s to 4 h.

    Overlaps arise by chance; on top of that about 5 % of windows are made to start
    exactly where the service's previous window ends (touching) and about 1 % repeat
    the previous window exactly. A window may run past the month's end (and a touching
    one may start after it), so clipping is exercised too.
    """
    if windows < 0 or services <= 0:
        raise ValueError("need windows >= 0 and services > 0")
    rng = np.random.default_rng(seed)
    first, last = period.start_micros, period.end_micros
    group = rng.integers(0, services, size=windows, dtype=np.int64)
    start = first + rng.integers(0, last - first, size=windows, dtype=np.int64)
    log_duration = rng.uniform(np.log(MIN_DURATION), np.log(MAX_DURATION), size=windows)
    duration = np.exp(log_duration).astype(np.int64)
    end = start + duration

    order = np.lexsort((start, group))
    group, start, end, duration = group[order], start[order], end[order], duration[order]
    has_previous = np.zeros(windows, dtype=bool)
    has_previous[1:] = group[1:] == group[:-1]
    draw = rng.random(windows)
    touching = has_previous & (draw < TOUCHING_SHARE)
    duplicate = has_previous & (draw >= TOUCHING_SHARE) & (draw < TOUCHING_SHARE + DUPLICATE_SHARE)
    # Never chain two edits, so each edited window sees its predecessor unchanged.
    edited = touching | duplicate
    chained = np.zeros(windows, dtype=bool)
    chained[1:] = edited[:-1]
    touching &= ~chained
    duplicate &= ~chained
    at = np.flatnonzero(touching)
    start[at] = end[at - 1]
    end[at] = start[at] + duration[at]
    at = np.flatnonzero(duplicate)
    start[at] = start[at - 1]
    end[at] = end[at - 1]

    shuffle = rng.permutation(windows)
    return Outages(group[shuffle], start[shuffle], end[shuffle], services)


def build_windows(outages: Outages) -> list[list[Window]]:
    """The core's input: each service's outage `Window`s, in generation order.

    The report path builds these from stored rows, whose times are already integer
    microseconds, one service's rows at a time; so here too they are built service by
    service and sit together in memory. (Built in the shuffled order instead, each
    service's windows end up scattered over the whole heap, and the core then
    measures cache misses rather than arithmetic.)
    """
    by_service: list[list[Window]] = [[] for _ in range(outages.services)]
    grouped = np.argsort(outages.group, kind="stable")
    for service, start, end in zip(
        outages.group[grouped].tolist(),
        outages.start[grouped].tolist(),
        outages.end[grouped].tolist(),
        strict=True,
    ):
        by_service[service].append(Window(start, end))
    return by_service


def core_availability(by_service: Sequence[Sequence[Window]], period: Period) -> CoreResult:
    """What a report computes per service, from its windows to its availability."""
    downtime_minutes: list[Fraction] = []
    availability: list[Fraction] = []
    for windows in by_service:
        split = split_windows(windows, period, NOW_MICROS)
        downtime = measure_downtime(
            split.outages,
            split.maintenance,
            period,
            exclude_maintenance=False,
            min_downtime_minutes=Decimal(0),
        )
        downtime_minutes.append(downtime.minutes)
        availability.append(availability_percent(period.minutes, downtime.minutes))
    return CoreResult(downtime_minutes, availability)


def split_only(by_service: Sequence[Sequence[Window]], period: Period) -> int:
    """`split_windows` alone, to show its share of the core's time."""
    return sum(len(split_windows(w, period, NOW_MICROS).outages) for w in by_service)


def numpy_availability(outages: Outages, first: int, last: int) -> NumpyResult:
    """Union length per service by sorting and a running maximum, in int64 microseconds.

    Each service gets its own stretch of a shared timeline (offset by its id times the
    period's length plus one), so one `np.maximum.accumulate` covers every service and
    no service's running maximum reaches into the next. After sorting by start, window
    i adds `end - max(start, largest earlier end)` when positive: every earlier window
    starts no later, so the one ending last covers everything up to that end.
    Clipping each window to the period before the sweep clips the union.
    """
    length = last - first
    stride = length + 1
    if outages.services * stride >= 2**62:
        raise OverflowError("too many services to lay out on one int64 timeline")
    order = np.lexsort((outages.start, outages.group))
    group = outages.group[order]
    offset = group * stride - first
    start = np.clip(outages.start[order], first, last) + offset
    end = np.clip(outages.end[order], first, last) + offset

    reach = np.empty_like(end)
    if end.size:
        reach[0] = np.iinfo(np.int64).min
        np.maximum.accumulate(end[:-1], out=reach[1:])
    added = end - np.maximum(start, reach)
    np.maximum(added, 0, out=added)

    downtime = np.zeros(outages.services, dtype=np.int64)
    if group.size:
        heads = np.flatnonzero(np.concatenate(([True], group[1:] != group[:-1])))
        downtime[group[heads]] = np.add.reduceat(added, heads)
    availability = (length - downtime) / length * 100.0
    return NumpyResult(downtime, availability)


def disagreements(
    core: CoreResult, fast: NumpyResult, first: int, last: int, limit: int = 10
) -> list[str]:
    """Services whose downtime differs by even a microsecond, or whose availability
    differs from the exact value implied by the NumPy downtime (at most `limit`)."""
    problems: list[str] = []
    length = last - first
    if len(core.downtime_minutes) != len(fast.downtime_micros):
        return [
            f"core gave {len(core.downtime_minutes)} services, numpy {len(fast.downtime_micros)}"
        ]
    fast_micros: list[int] = fast.downtime_micros.tolist()
    for service, (minutes, micros, percent) in enumerate(
        zip(core.downtime_minutes, fast_micros, core.availability, strict=True)
    ):
        core_micros = minutes * MICROS_PER_MINUTE
        expected = Fraction(length - micros, length) * 100
        if core_micros != micros:
            problems.append(f"service {service}: core {core_micros} us, numpy {micros} us")
        elif percent != expected or abs(float(expected) - fast.availability[service]) > 1e-9:
            problems.append(
                f"service {service}: availability core {float(percent)!r}, "
                f"numpy {fast.availability[service]!r}, exact {float(expected)!r}"
            )
        if len(problems) >= limit:
            break
    return problems


def check(windows: int, services: int, seed: int = SEED) -> list[str]:
    """The benchmark's correctness check alone, untimed: an empty list when both agree."""
    period = month_period(MONTH, TIMEZONE)
    outages = generate(windows, services, period, seed)
    first, last = period.start_micros, period.end_micros
    core = core_availability(build_windows(outages), period)
    return disagreements(core, numpy_availability(outages, first, last), first, last)


def best_of(repeats: int, work: Callable[[], T]) -> tuple[float, T]:
    best = float("inf")
    result: T | None = None
    for _ in range(repeats):
        gc.collect()
        began = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - began)
    assert result is not None
    return best, result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--windows", type=int, default=1_000_000)
    parser.add_argument("--services", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=5, help="best of this many runs")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    windows: int = args.windows
    services: int = args.services
    repeats: int = max(args.repeats, 1)

    period = month_period(MONTH, TIMEZONE)
    first, last = period.start_micros, period.end_micros
    began = time.perf_counter()
    outages = generate(windows, services, period, args.seed)
    generated = time.perf_counter() - began
    began = time.perf_counter()
    by_service = build_windows(outages)
    built = time.perf_counter() - began
    # The 1M windows live for the whole run; keep the collector from rescanning them.
    gc.collect()
    gc.freeze()

    core_time, core = best_of(repeats, lambda: core_availability(by_service, period))
    numpy_time, fast = best_of(repeats, lambda: numpy_availability(outages, first, last))
    split_time, _ = best_of(repeats, lambda: split_only(by_service, period))

    print(f"SLA Ledger availability benchmark: {MONTH} {TIMEZONE}, seed {args.seed}")
    print(f"Python {platform.python_version()}, NumPy {np.__version__}, {platform.machine()}")
    print(f"{windows:,} windows over {services:,} services; best of {repeats}")
    print(f"untimed: generate {generated:.2f} s, build Window objects {built:.2f} s")
    print()
    print(f"{'':<8}{'time (s)':>10}{'windows/s':>16}")
    print(f"{'core':<8}{core_time:>10.3f}{windows / core_time:>16,.0f}")
    print(f"{'numpy':<8}{numpy_time:>10.3f}{windows / numpy_time:>16,.0f}")
    print(f"(of the core's time, split_windows alone: {split_time:.3f} s)")
    ratio = core_time / numpy_time
    print(f"ratio core/numpy: {ratio:.1f}x")

    problems = disagreements(core, fast, first, last)
    if problems:
        print("FAIL: core and numpy disagree:", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    total = int(fast.downtime_micros.sum())
    print(f"check: all {services:,} services agree to the microsecond ({total:,} us in total)")
    verdict = "within" if ratio <= TARGET_RATIO else "NOT within"
    print(f"target: core {verdict} {TARGET_RATIO:g}x numpy ({ratio:.1f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
