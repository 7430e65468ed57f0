"""The benchmark's correctness check on a tiny input: the core and the NumPy sweep agree,
from the same rows, on full outages and on the mix of partial, maintenance and short runs."""

import sqlite3
from pathlib import Path

import pytest

from app.sla.periods import month_period
from bench import imports, portfolio
from bench.availability import (
    FULL_OUTAGES,
    MIX,
    MONTH,
    TIMEZONE,
    WORKLOADS,
    Workload,
    check,
    core_figures,
    disagreements,
    generate,
    numpy_figures,
)


@pytest.mark.parametrize("workload", WORKLOADS, ids=lambda workload: workload.name)
def test_core_and_numpy_agree_on_a_small_month(workload: Workload) -> None:
    assert check(windows=2_000, services=20, workload=workload) == []


def test_the_mix_has_what_it_claims() -> None:
    """About 30 % partial rows (by impact text or users affected) and 10 % maintenance,
    in 2,000 rows; the full workload has neither."""
    period = month_period(MONTH, TIMEZONE)
    mix = [row for rows in generate(2_000, 20, period, MIX) for row in rows]
    maintenance = sum(kind == "maintenance" for _, _, kind, _, _ in mix)
    partial = sum(
        kind == "outage" and (users is not None or impact not in (None, "1"))
        for _, _, kind, impact, users in mix
    )
    assert 150 <= maintenance <= 250
    assert 500 <= partial <= 700
    full = [row for rows in generate(2_000, 20, period, FULL_OUTAGES) for row in rows]
    assert all(
        kind == "outage" and impact in (None, "1") and users is None
        for *_, kind, impact, users in full
    )


@pytest.mark.parametrize("workload", WORKLOADS, ids=lambda workload: workload.name)
def test_the_check_catches_a_difference_of_one_weighted_microsecond(workload: Workload) -> None:
    period = month_period(MONTH, TIMEZONE)
    by_service = generate(2_000, 20, period, workload)
    core = core_figures(by_service, period, workload)
    fast = numpy_figures(by_service, period.start_micros, period.end_micros, workload)
    assert disagreements(core, fast, period) == []
    fast.downtime[3] += 1  # 1/10,000 of a microsecond at full impact
    assert disagreements(core, fast, period) != []
    fast.downtime[3] -= 1
    fast.excluded[5] += 1
    assert disagreements(core, fast, period) != []


@pytest.mark.parametrize("workload", WORKLOADS, ids=lambda workload: workload.name)
def test_services_without_windows_have_no_downtime(workload: Workload) -> None:
    assert check(windows=5, services=20, workload=workload) == []
    assert check(windows=0, services=3, workload=workload) == []


def test_the_portfolio_benchmark_reads_every_line_both_ways(tmp_path: Path) -> None:
    # 4 tenants × 5 services = 20 lines; the run itself checks that the CSV has as many
    # rows as the JSON pages have lines.
    result = portfolio.measure(4, repeats=1, database_url=None, folder=tmp_path)

    assert (result.tenants, result.windows, result.lines) == (4, 200, 20)
    # The raw read: 20 lines' terms (plus the later terms of some) and the 200 windows.
    assert result.raw_rows >= 220


def test_the_import_benchmark_stores_every_row_both_ways(tmp_path: Path) -> None:
    # 200 rows: the run itself checks that the upload created all 200; the raw path
    # inserts them too.
    csv_path = tmp_path / "outages.csv"
    imports.write_csv(csv_path, 200)
    upload = imports.api_import(csv_path, tmp_path)
    wall, cpu = imports.raw_insert(csv_path, tmp_path / "raw.db")

    # The server's CPU time is read from /proc in 10 ms ticks: 200 rows may take less.
    assert upload.seconds > 0 and upload.cpu_seconds >= 0
    assert upload.rss_after >= upload.rss_before > 0
    assert wall > 0 and cpu > 0
    with sqlite3.connect(tmp_path / "raw.db") as raw:
        assert raw.execute("SELECT count(*) FROM outage").fetchone() == (200,)
