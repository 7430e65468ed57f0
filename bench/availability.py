"""Monthly availability for many tenant-services: the pure core against a NumPy sweep.

Both start from the outage rows as the report's query returns them (start and end in
stored microseconds, kind, impact text, users affected; one service's rows ordered by
start) and compute every service's November 2026 (UTC) downtime, excluded minutes and
availability: the core through `app.sla.assessment`, NumPy with a vectorized sweep over
integer microseconds written here. Two workloads: full outages only, and a realistic mix
(30 % partial impacts, 10 % maintenance excluded by the policy, a 5-minute minimum run).
Each fresh run checks that both agree exactly, then times them; the parent prints the
median of the runs and the ratios. Exits non-zero if any service disagrees.

    .venv/bin/python -m bench.availability [--windows N] [--services M] [--runs R]
"""

import argparse
import gc
import json
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction
from itertools import chain

import numpy as np
import numpy.typing as npt

from app.sla.assessment import (
    availability_percent,
    measure_downtime,
    split_rows,
)
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
# The seats of every service's terms, against which `users_affected` is weighed.
SEATS = 1_000
# Impacts as stored: plain decimal text, at most 4 places.
PARTIAL_IMPACTS = ("0.5", "0.25", "0.1", "0.75", "0.05", "0.333")
# Users affected are reported in round numbers: multiples of this, below SEATS.
USERS_STEP = 50
# Every impact in the data is a whole number of these (1/10,000): 4 places, and
# users_affected out of 1,000 seats.
IMPACT_SCALE = 10_000
TARGET_CORE_VS_NUMPY = 2.0
TARGET_MIX_VS_FULL = 2.0

# A stored outage row's columns as the report reads them:
# (start_micros, end_micros, kind, impact, users_affected).
Row = tuple[int, int | None, str, str | None, int | None]
Int64Array = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Workload:
    """A share of rows with partial impact and of maintenance rows, and the policy's
    rules that shape downtime."""

    name: str
    partial_share: float
    maintenance_share: float
    exclude_maintenance: bool
    min_downtime_minutes: Decimal

    @property
    def min_length(self) -> int:
        """The minimum run in microseconds, as the core rounds it (up)."""
        micros = Fraction(self.min_downtime_minutes) * MICROS_PER_MINUTE
        return -(-micros.numerator // micros.denominator)


FULL_OUTAGES = Workload("full", 0.0, 0.0, False, Decimal(0))
MIX = Workload("mix", 0.3, 0.1, True, Decimal(5))
WORKLOADS = (FULL_OUTAGES, MIX)


@dataclass(frozen=True, slots=True)
class Figures:
    """Per service: downtime and excluded time in microseconds, exactly (impact-weighted,
    so a Fraction), and availability in percent, exactly."""

    downtime: list[Fraction]
    excluded: list[Fraction]
    availability: list[Fraction]


def generate(
    windows: int, services: int, period: Period, workload: Workload, seed: int = SEED
) -> list[list[Row]]:
    """Each service's rows, ordered by start as the report's query orders them.

    Random starts across the month, log-uniform durations from 1 s to 4 h. Overlaps
    arise by chance; on top of that about 5 % of windows are made to start exactly where
    the service's previous window ends (touching) and about 1 % repeat the previous
    window exactly. A window may run past the month's end, so clipping is exercised.
    Partial rows carry, half and half, an impact text or a number of users affected;
    full rows carry no impact at all or "1", as stored rows do.
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

    share = rng.random(windows)
    maintenance = share < workload.maintenance_share
    partial = ~maintenance & (share < workload.maintenance_share + workload.partial_share)
    by_users = rng.random(windows) < 0.5
    impact_choice = rng.integers(0, len(PARTIAL_IMPACTS), size=windows)
    users = USERS_STEP * rng.integers(1, SEATS // USERS_STEP, size=windows)
    full_text = rng.random(windows) < 0.5

    by_service: list[list[Row]] = [[] for _ in range(services)]
    for service, begin, finish, is_maintenance, is_partial, weigh_users, choice, count, text in zip(
        group.tolist(),
        start.tolist(),
        end.tolist(),
        maintenance.tolist(),
        partial.tolist(),
        by_users.tolist(),
        impact_choice.tolist(),
        users.tolist(),
        full_text.tolist(),
        strict=True,
    ):
        row: Row
        if is_maintenance:
            row = (begin, finish, "maintenance", None, None)
        elif is_partial and weigh_users:
            row = (begin, finish, "outage", None, count)
        elif is_partial:
            row = (begin, finish, "outage", PARTIAL_IMPACTS[choice], None)
        else:
            row = (begin, finish, "outage", "1" if text else None, None)
        by_service[service].append(row)
    return by_service


def core_figures(
    by_service: Sequence[Sequence[Row]], period: Period, workload: Workload
) -> Figures:
    """What a report computes per service, from its rows to its availability."""
    downtime: list[Fraction] = []
    excluded: list[Fraction] = []
    availability: list[Fraction] = []
    for rows in by_service:
        split = split_rows(rows, SEATS, period, NOW_MICROS)
        measured = measure_downtime(
            split.outages,
            split.maintenance,
            period,
            exclude_maintenance=workload.exclude_maintenance,
            min_downtime_minutes=workload.min_downtime_minutes,
        )
        downtime.append(measured.minutes * MICROS_PER_MINUTE)
        excluded.append(measured.excluded_minutes * MICROS_PER_MINUTE)
        availability.append(availability_percent(period.minutes, measured.minutes))
    return Figures(downtime, excluded, availability)


@dataclass(frozen=True, slots=True)
class NumpyFigures:
    """Per service, impact-weighted microseconds in units of 1/IMPACT_SCALE."""

    downtime: Int64Array
    excluded: Int64Array


def scaled_impact(impact: str | None, users_affected: int | None) -> int:
    """An impact in units of 1/IMPACT_SCALE, exactly; refuses one that is not whole."""
    if users_affected is not None:
        value = min(Fraction(users_affected, SEATS), Fraction(1))
    else:
        value = Fraction(Decimal(impact or "1"))
    scaled = value * IMPACT_SCALE
    if scaled.denominator != 1:
        raise ValueError(f"impact {value} is not a whole number of 1/{IMPACT_SCALE}")
    return scaled.numerator


def numpy_figures(
    by_service: Sequence[Sequence[Row]], first: int, last: int, workload: Workload
) -> NumpyFigures:
    """Downtime and excluded time per service, by one sweep over elementary segments.

    All boundaries of all services go on one int64 timeline, each service offset onto its
    own stretch. Between two consecutive distinct boundaries the coverage is constant:
    counting, for each distinct impact level, the outages at or above it, a segment's
    impact is the highest level still covered (the largest impact wins). A segment is down
    if some outage covers it and (when excluded) no maintenance does; consecutive down
    segments form a run, kept if at least the minimum long. Each segment is clipped to
    the period and weighted by its impact, then summed per service.
    """
    services = len(by_service)
    counts = np.fromiter(map(len, by_service), dtype=np.int64, count=services)
    rows = list(chain.from_iterable(by_service))
    empty = np.zeros(services, dtype=np.int64)
    if not rows:
        return NumpyFigures(empty, empty.copy())
    starts, ends, kinds, impacts, users = zip(*rows, strict=True)
    group = np.repeat(np.arange(services, dtype=np.int64), counts)
    start = np.array(starts, dtype=np.int64)
    end = np.array(ends, dtype=np.int64)
    maintenance = np.array(kinds) == "maintenance"
    levels_of = {key: scaled_impact(*key) for key in set(zip(impacts, users, strict=True))}
    weight = np.fromiter(
        map(levels_of.__getitem__, zip(impacts, users, strict=True)),
        dtype=np.int64,
        count=len(rows),
    )
    end = np.maximum(start, end)  # an inverted window is no time

    low = min(int(start.min()), first)
    stride = max(int(end.max()), last) - low + 1
    if services * stride >= 2**62:
        raise OverflowError("too many services to lay out on one int64 timeline")
    offset = group * stride - low
    start += offset
    end += offset

    if not maintenance.any() and (weight == IMPACT_SCALE).all() and workload.min_length <= 0:
        # Full outages only, nothing to cut or drop: the union's length is all it takes.
        downtime = full_union(group, start, end, offset, first, last, services)
        return NumpyFigures(downtime * IMPACT_SCALE, empty)
    outage = ~maintenance & (weight > 0) & (end > start)
    held = maintenance & (end > start)
    boundaries, where = np.unique(np.concatenate((start, end)), return_inverse=True)
    opens, closes = where[: len(start)], where[len(start) :]
    size = len(boundaries)

    def coverage(mask: npt.NDArray[np.bool_]) -> Int64Array:
        delta = np.bincount(opens[mask], minlength=size) - np.bincount(closes[mask], minlength=size)
        return np.cumsum(delta).astype(np.int64)

    levels = np.unique(weight[outage])
    level = np.zeros(size, dtype=np.int64)  # how many levels cover each segment
    for threshold in levels:
        level += coverage(outage & (weight >= threshold)) > 0
    impact = np.concatenate(([0], levels))[level][:-1]
    length = np.diff(boundaries)
    if not length.size:
        return NumpyFigures(empty, empty.copy())
    segment_start = boundaries[:-1]
    segment_group = segment_start // stride
    down_before = impact > 0
    down = down_before & (coverage(held)[:-1] == 0) if workload.exclude_maintenance else down_before

    # Runs of consecutive down segments, and whether each is long enough.
    kept = down.copy()
    if workload.min_length > 0 and down.any():
        index = np.flatnonzero(down)
        heads = np.flatnonzero(np.concatenate(([True], np.diff(index) != 1)))
        run_length = np.add.reduceat(length[index], heads)
        long_enough = np.repeat(
            run_length >= workload.min_length, np.diff(np.append(heads, len(index)))
        )
        kept[index] = long_enough

    period_start = segment_group * stride + (first - low)
    period_end = segment_group * stride + (last - low)
    clipped = np.minimum(segment_start + length, period_end) - np.maximum(
        segment_start, period_start
    )
    np.maximum(clipped, 0, out=clipped)
    weighted = clipped * impact

    # Segments are ordered by service: sum each service's stretch.
    heads = np.flatnonzero(np.concatenate(([True], np.diff(segment_group) != 0)))

    def per_service(mask: npt.NDArray[np.bool_]) -> Int64Array:
        total = np.zeros(services, dtype=np.int64)
        total[segment_group[heads]] = np.add.reduceat(np.where(mask, weighted, 0), heads)
        return total

    before = per_service(down_before)
    after = per_service(down)
    return NumpyFigures(per_service(kept), before - after)


def full_union(
    group: Int64Array,
    start: Int64Array,
    end: Int64Array,
    offset: Int64Array,
    first: int,
    last: int,
    services: int,
) -> Int64Array:
    """Each service's union of full outages inside the period, in microseconds: the
    sweep for the common case, as fast as NumPy does it.

    Windows are clipped to the period (on each service's stretch), put in start order
    (the rows come so already; sorted only if not), and window i adds
    `end - max(start, largest earlier end)` when positive: every earlier window starts no
    later, so the one ending last covers everything before that end.
    """
    start = np.clip(start, offset + first, offset + last)
    end = np.clip(end, offset + first, offset + last)
    if start.size > 1 and not (np.diff(start) >= 0).all():
        order = np.argsort(start, kind="stable")
        group, start, end = group[order], start[order], end[order]
    reach = np.empty_like(end)
    reach[0] = np.iinfo(np.int64).min
    np.maximum.accumulate(end[:-1], out=reach[1:])
    added = end - np.maximum(start, reach)
    np.maximum(added, 0, out=added)
    downtime = np.zeros(services, dtype=np.int64)
    heads = np.flatnonzero(np.concatenate(([True], group[1:] != group[:-1])))
    downtime[group[heads]] = np.add.reduceat(added, heads)
    return downtime


def disagreements(core: Figures, fast: NumpyFigures, period: Period, limit: int = 10) -> list[str]:
    """Services whose downtime or excluded time differs in the least, or whose availability
    is not the exact value implied by the NumPy downtime (at most `limit`)."""
    if len(core.downtime) != len(fast.downtime):
        return [f"core gave {len(core.downtime)} services, numpy {len(fast.downtime)}"]
    length = period.end_micros - period.start_micros
    problems: list[str] = []
    for service, (downtime, excluded, percent, fast_downtime, fast_excluded) in enumerate(
        zip(
            core.downtime,
            core.excluded,
            core.availability,
            fast.downtime.tolist(),
            fast.excluded.tolist(),
            strict=True,
        )
    ):
        numpy_downtime = Fraction(fast_downtime, IMPACT_SCALE)
        numpy_excluded = Fraction(fast_excluded, IMPACT_SCALE)
        expected = (length - numpy_downtime) / length * 100
        if downtime != numpy_downtime:
            problems.append(
                f"service {service}: downtime core {downtime} us, numpy {numpy_downtime}"
            )
        elif excluded != numpy_excluded:
            problems.append(
                f"service {service}: excluded core {excluded} us, numpy {numpy_excluded}"
            )
        elif percent != expected:
            problems.append(f"service {service}: availability core {percent}, exact {expected}")
        if len(problems) >= limit:
            break
    return problems


def check(windows: int, services: int, workload: Workload, seed: int = SEED) -> list[str]:
    """The benchmark's correctness check alone, untimed: an empty list when both agree."""
    period = month_period(MONTH, TIMEZONE)
    by_service = generate(windows, services, period, workload, seed)
    core = core_figures(by_service, period, workload)
    fast = numpy_figures(by_service, period.start_micros, period.end_micros, workload)
    return disagreements(core, fast, period)


def timed(work: Callable[..., object], *args: object) -> float:
    """CPU seconds one call of `work(*args)` takes, after a collection.

    CPU time of this process rather than wall time: on a shared machine, wall time also
    counts whatever else ran meanwhile. Both sides are single-threaded here.
    """
    gc.collect()
    began = time.process_time()
    work(*args)
    return time.process_time() - began


def one_run(windows: int, services: int, seed: int, rounds: int = 3) -> dict[str, float]:
    """One fresh process's figures: per workload, the core's and NumPy's seconds.

    Both workloads' rows are generated and checked first (untimed, which also warms
    the code), then timed in turn, full core, full NumPy, mix core, mix NumPy, for
    `rounds` rounds; each figure is its best round. Taking turns keeps the ratios from
    comparing a quiet moment of the machine with a busy one."""
    period = month_period(MONTH, TIMEZONE)
    first, last = period.start_micros, period.end_micros
    rows = {workload: generate(windows, services, period, workload, seed) for workload in WORKLOADS}
    # The rows live for the whole run; keep the collector from rescanning them.
    gc.collect()
    gc.freeze()
    for workload, by_service in rows.items():
        problems = disagreements(
            core_figures(by_service, period, workload),
            numpy_figures(by_service, first, last, workload),
            period,
        )
        if problems:
            raise SystemExit("core and numpy disagree:\n  " + "\n  ".join(problems))
    seconds: dict[str, float] = {}
    for _ in range(rounds):
        for workload, by_service in rows.items():
            for side, taken in (
                ("core", timed(core_figures, by_service, period, workload)),
                ("numpy", timed(numpy_figures, by_service, first, last, workload)),
            ):
                key = f"{workload.name} {side}"
                seconds[key] = min(seconds.get(key, taken), taken)
    return seconds


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--windows", type=int, default=1_000_000)
    parser.add_argument("--services", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5, help="fresh processes; medians quoted")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds in a run; best kept")
    parser.add_argument("--one-run", action="store_true", help="one run, figures as JSON")
    args = parser.parse_args(argv)
    if args.one_run:
        print(json.dumps(one_run(args.windows, args.services, args.seed, max(args.rounds, 1))))
        return 0

    command = [sys.executable, "-m", "bench.availability", "--one-run"]
    command += ["--windows", str(args.windows), "--services", str(args.services)]
    command += ["--seed", str(args.seed), "--rounds", str(args.rounds)]
    runs: list[dict[str, float]] = []
    for _ in range(max(args.runs, 1)):
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            print(f"FAIL: {done.stderr or done.stdout}", file=sys.stderr)
            return 1
        runs.append(json.loads(done.stdout))

    def median(key: str) -> float:
        return statistics.median(run[key] for run in runs)

    def median_ratio(top: str, bottom: str) -> float:
        # Each run's ratio against its own baseline, then the median of those.
        return statistics.median(run[top] / run[bottom] for run in runs)

    print(f"SLA Ledger availability benchmark: {MONTH} {TIMEZONE}, seed {args.seed}")
    print(f"Python {platform.python_version()}, NumPy {np.__version__}, {platform.machine()}")
    print(
        f"{args.windows:,} rows over {args.services:,} services; median of {len(runs)} fresh runs,"
        f" each the best of {args.rounds} rounds; CPU seconds"
    )
    print("full: full outages only; mix: 30 % partial, 10 % maintenance excluded, 5-min minimum")
    print()
    print(f"{'':<6}{'core (s)':>10}{'numpy (s)':>11}{'core/numpy':>12}{'windows/s (core)':>19}")
    for workload in WORKLOADS:
        core, fast = median(f"{workload.name} core"), median(f"{workload.name} numpy")
        ratio = median_ratio(f"{workload.name} core", f"{workload.name} numpy")
        print(
            f"{workload.name:<6}{core:>10.3f}{fast:>11.3f}{ratio:>11.2f}x"
            f"{args.windows / core:>19,.0f}"
        )
    mix_vs_full = median_ratio("mix core", "full core")
    full_ratio = median_ratio("full core", "full numpy")
    print(f"core mix/full: {mix_vs_full:.2f}x")
    print("check: every run, core and numpy agree exactly for every service")
    for label, ratio, target in (
        ("core vs numpy on full outages", full_ratio, TARGET_CORE_VS_NUMPY),
        ("core on the mix vs on full outages", mix_vs_full, TARGET_MIX_VS_FULL),
    ):
        verdict = "within" if ratio <= target else "NOT within"
        print(f"target: {label} {verdict} {target:g}x ({ratio:.2f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
