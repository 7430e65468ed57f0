"""The month's portfolio through the API, as JSON pages and as CSV, against a raw read of
the rows it is computed from.

For each size (1,000 and 10,000 tenants by default, five services each, ten windows per
service line, so 50,000 and 500,000 windows) a fresh SQLite file (or, with
`--database-url`, a PostgreSQL database whose schema is dropped first) is migrated by a
uvicorn server (what `make run` serves), and then seeded directly with `executemany`:
tenants, subscriptions, terms and windows. A few tenants' months are then closed and a
few claims made through the API; PostgreSQL then gathers its planner statistics
(`ANALYZE`, as autovacuum does within a minute of such a load). Seeding is not timed
and is done once per size.

Timed, each run on the same data, median of `--repeats`; each run first empties the
stored lines (docs/reports.md, "Stored portfolio lines"), as a start-up does, then:

- **JSON computed**: `GET /v1/reports/{month}?limit=500`, page after page by
  `next_cursor`, from the first request sent to the last page's body read; every line
  is computed (and stored);
- **JSON stored**: the same pages again: every line is read from the stored ones, and
  each page after the first is read ahead while the client parses the one before
  (docs/reports.md, "Pages read ahead");
- **CSV computed** and **CSV stored**: `GET /v1/reports/{month}?format=csv` twice, the
  whole body read as it streams (a CSV row is its own stored form, so the first
  computes every line again);
- **raw**: in the same run, a plain `sqlite3` (or `psycopg`) `SELECT` of the rows the
  report is computed from: the terms in force joined with their tenants, and every
  window of the month (with the margin a minimum-run rule needs), fetched in full.

The target (3×) is judged on the stored pulls: a settled month as finance pulls it
again and again. The computed pulls are what the first pull after a start-up costs (a
change to one tenant computes only its own lines again).

Printed: the medians, the ratio of each pull to the raw read, the same
ratios in CPU seconds (the server process's against the raw read's, steadier than the
wall clock on a shared machine), and the server's peak resident memory (VmHWM) after
the JSON pages and after the CSV, for each size: flat memory means the numbers barely
move from one size to the next.

    .venv/bin/python -m bench.portfolio [--tenants 1000 10000] [--repeats 3]
        [--database-url postgresql+psycopg://…]
"""

import argparse
import csv
import io
import random
import sqlite3
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, create_engine, insert, text

from app.db import make_engine
from app.models import Outage, Subscription, SubscriptionTerm, Tenant
from app.reports.portfolio import forget_stored_lines
from app.sla.periods import month_period
from bench.imports import KEY, server

SEED = 20261127
TARGET_RATIO = 3.0
MONTH = "2026-10"
PAGE_SIZE = 500
WINDOWS_PER_LINE = 10
# (service id, policy id, seats): the built-in policies, and a custom one measured in
# the tenant's zone with a minimum run, so that the margin around the month is read.
SERVICES = (
    ("exchange-online", "microsoft-365", 1000),
    ("ec2", "aws-ec2", None),
    ("workspace", "google-workspace", None),
    ("vm", "azure-vm-zones", None),
    ("crm", "bench-local", 250),
)
CUSTOM_POLICY = {
    "id": "bench-local",
    "name": "Measured in the tenant's zone, runs of 5 minutes or more",
    "target_percent": "99.5",
    "tiers": [
        {"below_percent": "99.5", "credit_percent": "10"},
        {"below_percent": "98", "credit_days": "3"},
    ],
    "measurement_timezone": "tenant",
    "min_downtime_minutes": "5",
    "exclude_maintenance": True,
}
ZONES = ("UTC", "Europe/Berlin", "America/New_York", "Asia/Tokyo")
CURRENCIES = ("USD", "EUR", "JPY", "GBP")
# One tenant in this many has its month closed (through the API), and one closed
# line in this many gets a claim.
CLOSED_EVERY = 200
MINUTE = 60_000_000
CREATED_MICROS = 1_790_000_000_000_000


@dataclass(frozen=True)
class Database:
    """Where the server and the raw read find the data."""

    url: str
    sqlite_path: Path | None

    def raw_read(self) -> tuple[float, float, int]:
        """Seconds (wall clock, and this process's CPU) to fetch the rows the month's
        portfolio is computed from, and how many."""
        period = month_period(MONTH, "UTC")
        # A day either side covers every zone's month and the minimum-run margin.
        first, last = period.start_micros - 86_400_000_000, period.end_micros + 86_400_000_000
        terms = (
            "SELECT t.tenant_id, t.service_id, t.effective_from, t.policy_id, t.monthly_fee, "
            "t.users, n.name, n.timezone, n.currency FROM subscription_term t "
            "JOIN tenant n ON n.id = t.tenant_id WHERE t.effective_from <= {p} "
            "ORDER BY t.tenant_id, t.service_id, t.effective_from"
        )
        windows = (
            "SELECT id, tenant_id, service_id, kind, start_micros, end_micros, impact, "
            "users_affected, external_id, title FROM outage "
            "WHERE start_micros < {p} AND (end_micros IS NULL OR end_micros > {p}) "
            "ORDER BY tenant_id, service_id, start_micros, id"
        )
        if self.sqlite_path is not None:
            connection: Any = sqlite3.connect(self.sqlite_path)
            mark = "?"
        else:
            import psycopg

            connection = psycopg.connect(self.url.replace("postgresql+psycopg", "postgresql"))
            mark = "%s"
        try:
            began, cpu = time.perf_counter(), time.process_time()
            cursor = connection.cursor()
            cursor.execute(terms.format(p=mark), (MONTH,))
            rows = len(cursor.fetchall())
            cursor.execute(windows.format(p=mark), (last, first))
            rows += len(cursor.fetchall())
            return time.perf_counter() - began, time.process_time() - cpu, rows
        finally:
            connection.close()


def seed_rows(engine: Engine, tenants: int, seed: int = SEED) -> int:
    """Tenants, their five subscriptions and terms, and ten windows per line around the
    month, inserted with executemany; returns the number of windows."""
    generator = random.Random(seed)
    period = month_period(MONTH, "UTC")
    tenant_rows, subscription_rows, term_rows, outage_rows = [], [], [], []
    for number in range(tenants):
        tenant_id = f"t{number:06d}"
        tenant_rows.append(
            {
                "id": tenant_id,
                "name": f"Tenant {number}",
                "timezone": ZONES[number % len(ZONES)],
                "currency": CURRENCIES[number % len(CURRENCIES)],
                "created_micros": CREATED_MICROS,
            }
        )
        for service_id, policy_id, seats in SERVICES:
            subscription_rows.append(
                {
                    "tenant_id": tenant_id,
                    "service_id": service_id,
                    "created_micros": CREATED_MICROS,
                    "updated_micros": CREATED_MICROS,
                }
            )
            term_rows.append(_term(tenant_id, service_id, "1970-01", policy_id, "1200.00", seats))
            if generator.random() < 0.1:
                # A change of fee: the month's terms are the later row.
                term_rows.append(
                    _term(tenant_id, service_id, "2026-06", policy_id, "950.50", seats)
                )
            for _ in range(WINDOWS_PER_LINE):
                outage_rows.append(
                    _window(generator, tenant_id, service_id, seats, period.start_micros)
                )
    with engine.begin() as connection:
        connection.execute(insert(Tenant), tenant_rows)
        connection.execute(insert(Subscription), subscription_rows)
        connection.execute(insert(SubscriptionTerm), term_rows)
        for first in range(0, len(outage_rows), 50_000):
            connection.execute(insert(Outage), outage_rows[first : first + 50_000])
    return len(outage_rows)


def _term(
    tenant_id: str, service_id: str, month: str, policy_id: str, fee: str, seats: int | None
) -> dict[str, Any]:
    return {
        "tenant_id": tenant_id,
        "service_id": service_id,
        "effective_from": month,
        "policy_id": policy_id,
        "monthly_fee": fee,
        "users": seats,
        "created_micros": CREATED_MICROS,
    }


def _window(
    generator: random.Random, tenant_id: str, service_id: str, seats: int | None, month_start: int
) -> dict[str, Any]:
    """A window starting anywhere from a day before the month to its last day, of a
    minute to two hours; 3 % maintenance, 3 % at half impact, 2 % weighed by users
    (where the terms have seats)."""
    start = month_start + generator.randrange(-1440, 31 * 1440) * MINUTE
    start += generator.randrange(60) * 1_000_000
    end = start + generator.randrange(1, 120) * MINUTE
    draw = generator.random()
    kind = "maintenance" if draw < 0.03 else "outage"
    impact = "0.5" if 0.03 <= draw < 0.06 else None
    users = generator.randrange(1, 2 * seats) if seats and 0.06 <= draw < 0.08 else None
    external = f"INC{generator.randrange(10**7):07d}" if generator.random() < 0.5 else None
    return {
        "tenant_id": tenant_id,
        "source": "api",
        "service_id": service_id,
        "kind": kind,
        "start_micros": start,
        "end_micros": end,
        "impact": impact,
        "users_affected": users,
        "external_id": external,
        "title": None if external is None else f"Incident {external}",
        "created_micros": CREATED_MICROS,
        "updated_micros": CREATED_MICROS,
    }


def close_some(client: httpx.Client, tenants: int) -> None:
    """Close one tenant's month in CLOSED_EVERY and claim the first line with a credit."""
    for number in range(0, tenants, CLOSED_EVERY):
        tenant_id = f"t{number:06d}"
        response = client.post(f"/v1/tenants/{tenant_id}/reports/{MONTH}/close")
        if response.status_code != 201:
            raise RuntimeError(f"closing {tenant_id}: {response.status_code} {response.text}")
        credited = [
            line["service_id"]
            for line in response.json()["services"]
            if line["credit_amount"].strip("0.") != ""
        ]
        if credited:
            client.post(
                f"/v1/tenants/{tenant_id}/claims",
                json={"service_id": credited[0], "month": MONTH},
            ).raise_for_status()


def json_pages(client: httpx.Client) -> int:
    """Every line of the month, page by page; returns how many."""
    lines = 0
    params: dict[str, str | int] = {"limit": PAGE_SIZE}
    while True:
        response = client.get(f"/v1/reports/{MONTH}", params=params)
        response.raise_for_status()
        page = response.json()
        lines += len(page["items"])
        if page["next_cursor"] is None:
            return lines
        params["cursor"] = page["next_cursor"]


def csv_lines(client: httpx.Client) -> int:
    """The month as CSV, read as it streams; returns how many data rows."""
    with client.stream("GET", f"/v1/reports/{MONTH}", params={"format": "csv"}) as response:
        response.raise_for_status()
        body = b"".join(response.iter_bytes())
    return sum(1 for _ in csv.reader(io.StringIO(body.decode()))) - 1


@dataclass
class Pull:
    """One way of reading the month, timed in each repeat."""

    seconds: list[float] = field(default_factory=list)
    # The server process's CPU seconds.
    cpu: list[float] = field(default_factory=list)

    def ratio(self, raw: "Pull") -> float:
        """The median over repeats of this pull's time over the same repeat's raw read."""
        return statistics.median(s / r for s, r in zip(self.seconds, raw.seconds, strict=True))

    def cpu_ratio(self, raw: "Pull") -> float:
        return statistics.median(c / r for c, r in zip(self.cpu, raw.cpu, strict=True))


# The four ways the month is pulled in each repeat, in order: each form computed (the
# stored lines emptied first) and then read again from the lines stored.
PULLS = ("JSON computed", "JSON stored", "CSV computed", "CSV stored")


@dataclass
class Measured:
    tenants: int
    windows: int
    lines: int
    raw_rows: int
    raw: Pull
    pulls: dict[str, Pull]
    rss_start: float
    rss_json: float
    rss_csv: float

    def ratio(self, name: str) -> float:
        return self.pulls[name].ratio(self.raw)

    def cpu_ratio(self, name: str) -> float:
        return self.pulls[name].cpu_ratio(self.raw)


def empty_stored_lines(database_url: str) -> None:
    """Empty the stored lines as a start-up does: the next pull computes every line."""
    engine = make_engine(database_url)
    forget_stored_lines(engine)
    engine.dispose()


def measure(tenants: int, repeats: int, database_url: str | None, folder: Path) -> Measured:
    workdir = folder / f"tenants-{tenants}"
    workdir.mkdir()
    if database_url is None:
        database = Database(f"sqlite:///{workdir / 'ledger.db'}", workdir / "ledger.db")
    else:
        database = Database(database_url, None)
        reset = create_engine(database_url)
        with reset.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        reset.dispose()
    # The claim-deadline check would read every closed month in the background.
    settings = {"SLA_DATABASE_URL": database.url, "SLA_WEBHOOK_WORKER": "false"}
    pulls = {name: Pull() for name in PULLS}
    raw = Pull()
    with (
        server(workdir, settings) as running,
        httpx.Client(base_url=running.url, headers={"X-API-Key": KEY}, timeout=600) as client,
    ):
        client.post("/v1/policies", json=CUSTOM_POLICY).raise_for_status()
        engine = create_engine(database.url)
        windows = seed_rows(engine, tenants)
        close_some(client, tenants)
        if engine.dialect.name == "postgresql":
            # Planner statistics, as autovacuum gathers within a minute of a bulk load:
            # without them PostgreSQL plans for the empty tables it last saw.
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as analyze:
                analyze.execute(text("ANALYZE"))
        engine.dispose()
        rss_start = running.peak_rss_mib()
        rss_json = rss_csv = 0.0
        lines = raw_rows = 0

        def pull(name: str, read: Any) -> int:
            cpu = running.cpu_seconds()
            began = time.perf_counter()
            count = read()
            seconds = time.perf_counter() - began
            pulls[name].seconds.append(seconds)
            pulls[name].cpu.append(running.cpu_seconds() - cpu)
            return int(count)

        for _ in range(repeats):
            empty_stored_lines(database.url)
            lines = pull("JSON computed", lambda: json_pages(client))
            if pull("JSON stored", lambda: json_pages(client)) != lines:
                raise RuntimeError("the stored JSON pages have another number of lines")
            rss_json = max(rss_json, running.peak_rss_mib())
            for name in ("CSV computed", "CSV stored"):
                csv_rows = pull(name, lambda: csv_lines(client))
                if csv_rows != lines:
                    raise RuntimeError(f"{name}: {csv_rows} rows, the JSON pages {lines}")
            rss_csv = max(rss_csv, running.peak_rss_mib())
            seconds, cpu, raw_rows = database.raw_read()
            raw.seconds.append(seconds)
            raw.cpu.append(cpu)
    return Measured(
        tenants=tenants,
        windows=windows,
        lines=lines,
        raw_rows=raw_rows,
        raw=raw,
        pulls=pulls,
        rss_start=rss_start,
        rss_json=rss_json,
        rss_csv=rss_csv,
    )


def _pull_cell(result: Measured, name: str) -> str:
    seconds = statistics.median(result.pulls[name].seconds)
    return f"{seconds:>9.2f} s {result.ratio(name):>5.1f}x"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, nargs="+", default=[1_000, 10_000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--database-url", help="a PostgreSQL database to use (its schema is dropped)"
    )
    args = parser.parse_args(argv)
    print(
        f"Portfolio of {MONTH} through the API (JSON pages of {PAGE_SIZE}, streamed CSV) "
        f"vs a raw SELECT of its rows, median of {args.repeats}"
    )
    with tempfile.TemporaryDirectory(prefix="sla-bench-") as folder:
        results = [
            measure(tenants, args.repeats, args.database_url, Path(folder))
            for tenants in args.tenants
        ]
    print(
        f"{'tenants':>8} {'windows':>8} {'lines':>7} {'raw s':>6} "
        + " ".join(f"{name:>19}" for name in PULLS)
        + f" {'RSS idle':>9} {'RSS JSON':>9} {'RSS CSV':>8}"
    )
    for result in results:
        print(
            f"{result.tenants:>8,} {result.windows:>8,} {result.lines:>7,} "
            f"{statistics.median(result.raw.seconds):>6.2f} "
            + " ".join(_pull_cell(result, name) for name in PULLS)
            + f" {result.rss_start:>5.0f} MiB {result.rss_json:>5.0f} MiB"
            + f" {result.rss_csv:>4.0f} MiB"
        )
    for result in results:
        ratios = ", ".join(f"{name} {result.cpu_ratio(name):.1f}x" for name in PULLS)
        print(f"{result.tenants:>8,} tenants, in CPU seconds (server vs raw read): {ratios}")
    # As served once a month has settled: each line computed once, then read stored.
    worst = max(max(result.ratio("JSON stored"), result.ratio("CSV stored")) for result in results)
    verdict = "met" if worst <= TARGET_RATIO else "not met"
    print(
        f"target: JSON and CSV (stored lines) within {TARGET_RATIO:.0f}x raw — {verdict} "
        f"(worst {worst:.1f}x)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
