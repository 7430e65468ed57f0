"""CSV import through the API against a raw sqlite3 executemany of the same rows.

For each size (10,000 and 100,000 rows by default) a CSV of full outage windows is
generated from a fixed seed. Each run starts a fresh uvicorn server on a fresh
SQLite file (what `make run` serves), creates a tenant with five services, imports
two rows to another tenant (not timed: a process's first import also imports modules
and compiles statements, once), and then times one
`POST /v1/tenants/{tenant}/imports` upload of the file, from the first byte sent to
the answer. In the same run the baseline reads the same file with the
stdlib `csv` module, turns the timestamps into epoch microseconds and inserts the
rows with one `executemany` into a table of the `outage` table's shape, in a fresh
SQLite file, and commits. The server's peak resident memory (VmHWM) is read after
each upload. Prints medians of the runs and the ratio API / raw, in wall seconds and
in CPU seconds (the server process's for the upload, this process's for the raw
path): on a shared machine the CPU figures move less from run to run.

    .venv/bin/python -m bench.imports [--rows 10000 100000] [--repeats 3]
"""

import argparse
import csv
import os
import random
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

SEED = 20261127
SERVICES = ("exchange-online", "teams", "sharepoint", "onedrive", "intune")
KEY = "bench-admin-key"
TARGET_RATIO = 3.0
MONTH_START = datetime(2026, 11, 1, tzinfo=UTC)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

OUTAGE_TABLE = """CREATE TABLE outage (
    id INTEGER PRIMARY KEY, tenant_id VARCHAR(64) NOT NULL, source VARCHAR(16) NOT NULL,
    import_id INTEGER, service_id VARCHAR(64) NOT NULL, kind VARCHAR(16) NOT NULL,
    start_micros BIGINT NOT NULL, end_micros BIGINT, impact VARCHAR, users_affected INTEGER,
    external_id VARCHAR(200), title VARCHAR(500), created_micros BIGINT NOT NULL,
    updated_micros BIGINT NOT NULL)"""


def write_csv(path: Path, rows: int, seed: int = SEED) -> None:
    """`rows` windows across November 2026, each its own incident, written to `path`."""
    generator = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["service_id", "start", "end", "external_id", "title"])
        for number in range(rows):
            start = MONTH_START + timedelta(seconds=generator.randrange(29 * 86_400))
            end = start + timedelta(seconds=generator.randrange(60, 4 * 3_600))
            writer.writerow(
                [
                    SERVICES[number % len(SERVICES)],
                    start.isoformat().replace("+00:00", "Z"),
                    end.isoformat().replace("+00:00", "Z"),
                    f"INC{number:07d}",
                    f"Incident {number}",
                ]
            )


def _micros(text: str) -> int:
    instant = datetime.fromisoformat(text)
    return (instant - EPOCH) // timedelta(microseconds=1)


def raw_insert(csv_path: Path, database: Path) -> tuple[float, float]:
    """Wall and CPU seconds to parse the file and insert its rows with one
    executemany, committed."""
    connection = sqlite3.connect(database)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute(OUTAGE_TABLE)
    connection.commit()
    began, cpu = time.perf_counter(), time.process_time()
    with csv_path.open(newline="", encoding="utf-8") as file:
        reader = csv.DictReader(file)
        now = _micros("2026-11-27T00:00:00+00:00")
        values = [
            (
                "acme",
                "csv",
                row["service_id"],
                "outage",
                _micros(row["start"]),
                _micros(row["end"]),
                "1",
                row["external_id"],
                row["title"],
                now,
                now,
            )
            for row in reader
        ]
    connection.executemany(
        "INSERT INTO outage (tenant_id, source, service_id, kind, start_micros, end_micros, "
        "impact, external_id, title, created_micros, updated_micros) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        values,
    )
    connection.commit()
    elapsed, cpu = time.perf_counter() - began, time.process_time() - cpu
    connection.close()
    return elapsed, cpu


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]

    def peak_rss_mib(self) -> float:
        """The server process's peak resident memory so far (VmHWM), in MiB."""
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("no VmHWM in /proc status")

    def cpu_seconds(self) -> float:
        """CPU time the server process has used so far (user + system): unlike the wall
        clock, barely moved by other processes sharing the machine."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        # utime and stime, fields 14 and 15 of proc(5), in clock ticks.
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def server(workdir: Path, settings: dict[str, str] | None = None) -> Iterator[Server]:
    """uvicorn serving the app on a free port, by default on a SQLite file in `workdir`;
    `settings` (SLA_ variables) add to or override the defaults."""
    port = _free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("SLA_")}
    env |= {
        "SLA_DATABASE_URL": f"sqlite:///{workdir / 'ledger.db'}",
        "SLA_ADMIN_KEY": KEY,
        "SLA_RATE_LIMIT": "off",
        "SLA_MAX_BODY_BYTES": str(200 * 1024 * 1024),
    }
    env |= settings or {}
    log = (workdir / "server.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "app.main:app", "--port", str(port), "--no-access-log"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        # Migrating a large PostgreSQL database may take a while.
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start; see {workdir / 'server.log'}")
            time.sleep(0.1)
        yield Server(url, process)
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


# Imported to another tenant before the timed upload: what a process does once, on its
# first import (modules imported on first use, statements compiled), is not the import.
_WARM_UP_CSV = (
    b"service_id,start,end,external_id\n"
    + b"teams,2026-10-01T00:00:00Z,2026-10-01T00:10:00Z,W-1\n"
    + b"teams,2026-10-02T00:00:00Z,2026-10-02T00:10:00Z,W-2\n"
)


@dataclass
class Upload:
    seconds: float
    cpu_seconds: float  # the server's
    rss_before: float  # the server's peak resident memory, MiB
    rss_after: float


def api_import(csv_path: Path, workdir: Path) -> Upload:
    """The upload's wall seconds and the server's CPU seconds and peak memory."""
    with (
        server(workdir) as running,
        httpx.Client(base_url=running.url, headers={"X-API-Key": KEY}, timeout=600) as client,
    ):
        for tenant in ("acme", "warm-up"):
            client.post("/v1/tenants", json={"id": tenant, "name": tenant}).raise_for_status()
            for service in SERVICES:
                client.put(
                    f"/v1/tenants/{tenant}/services/{service}",
                    json={"policy_id": "microsoft-365", "monthly_fee": "100.00"},
                ).raise_for_status()
        client.post(
            "/v1/tenants/warm-up/imports",
            files={"file": ("warm-up.csv", _WARM_UP_CSV, "text/csv")},
            data={"format": "csv"},
        ).raise_for_status()
        before = running.peak_rss_mib()
        with csv_path.open("rb") as file:
            began, cpu = time.perf_counter(), running.cpu_seconds()
            response = client.post(
                "/v1/tenants/acme/imports",
                files={"file": (csv_path.name, file, "text/csv")},
                data={"format": "csv"},
            )
            elapsed, cpu = time.perf_counter() - began, running.cpu_seconds() - cpu
        if response.status_code != 201:
            raise RuntimeError(f"the import answered {response.status_code}: {response.text[:500]}")
        with csv_path.open() as lines:
            rows = sum(1 for _ in lines) - 1  # the header is not a row
        if response.json()["created"] != rows:
            raise RuntimeError(f"created {response.json()['created']} of {rows} rows")
        return Upload(elapsed, cpu, before, running.peak_rss_mib())


@dataclass
class Measured:
    rows: int
    api_seconds: float
    raw_seconds: float
    ratio: float
    api_cpu: float
    raw_cpu: float
    cpu_ratio: float
    rss_before: float
    rss_after: float


def measure(rows: int, repeats: int) -> Measured:
    uploads: list[Upload] = []
    raw: list[tuple[float, float]] = []
    with tempfile.TemporaryDirectory(prefix="sla-bench-") as folder:
        csv_path = Path(folder) / f"outages-{rows}.csv"
        write_csv(csv_path, rows)
        for run in range(repeats):
            workdir = Path(folder) / f"run-{run}"
            workdir.mkdir()
            uploads.append(api_import(csv_path, workdir))
            raw.append(raw_insert(csv_path, workdir / "raw.db"))
    median = statistics.median
    return Measured(
        rows,
        median(upload.seconds for upload in uploads),
        median(seconds for seconds, _ in raw),
        median(upload.seconds / seconds for upload, (seconds, _) in zip(uploads, raw, strict=True)),
        median(upload.cpu_seconds for upload in uploads),
        median(cpu for _, cpu in raw),
        median(upload.cpu_seconds / cpu for upload, (_, cpu) in zip(uploads, raw, strict=True)),
        median(upload.rss_before for upload in uploads),
        median(upload.rss_after for upload in uploads),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    print(f"CSV import through the API vs raw sqlite3 executemany, median of {args.repeats}")
    print(
        f"{'rows':>8} {'API s':>8} {'raw s':>8} {'ratio':>7} {'API CPU':>8} {'raw CPU':>8} "
        f"{'ratio':>7} {'RSS before':>11} {'RSS peak':>9}"
    )
    results = [measure(rows, args.repeats) for rows in args.rows]
    for result in results:
        print(
            f"{result.rows:>8,} {result.api_seconds:>8.2f} {result.raw_seconds:>8.2f} "
            f"{result.ratio:>6.1f}x {result.api_cpu:>8.2f} {result.raw_cpu:>8.2f} "
            f"{result.cpu_ratio:>6.1f}x "
            f"{result.rss_before:>8.0f} MiB {result.rss_after:>5.0f} MiB"
        )
    worst = max(result.ratio for result in results)
    verdict = "met" if worst <= TARGET_RATIO else "not met"
    worst_cpu = max(result.cpu_ratio for result in results)
    print(
        f"target: API within {TARGET_RATIO:.0f}x raw — {verdict} "
        f"(worst {worst:.1f}x wall, {worst_cpu:.1f}x CPU)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
