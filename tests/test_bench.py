"""The benchmark's correctness check on a tiny input: the core and the NumPy sweep agree."""

from pathlib import Path

from app.sla.periods import month_period
from bench import portfolio
from bench.availability import (
    MONTH,
    TIMEZONE,
    build_windows,
    check,
    core_availability,
    disagreements,
    generate,
    numpy_availability,
)


def test_core_and_numpy_agree_on_a_small_month() -> None:
    assert check(windows=2_000, services=20) == []


def test_the_check_catches_a_one_microsecond_difference() -> None:
    period = month_period(MONTH, TIMEZONE)
    first, last = period.start_micros, period.end_micros
    outages = generate(2_000, 20, period)
    core = core_availability(build_windows(outages), period)
    fast = numpy_availability(outages, first, last)
    fast.downtime_micros[3] += 1
    assert disagreements(core, fast, first, last) != []


def test_services_without_windows_have_no_downtime() -> None:
    assert check(windows=5, services=20) == []
    assert check(windows=0, services=3) == []


def test_the_portfolio_benchmark_reads_every_line_both_ways(tmp_path: Path) -> None:
    # 4 tenants × 5 services = 20 lines; the run itself checks that the CSV has as many
    # rows as the JSON pages have lines.
    result = portfolio.measure(4, repeats=1, database_url=None, folder=tmp_path)

    assert (result.tenants, result.windows, result.lines) == (4, 200, 20)
    # The raw read: 20 lines' terms (plus the later terms of some) and the 200 windows.
    assert result.raw_rows >= 220
