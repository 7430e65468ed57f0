"""The tenant report over HTTP under load, against `/healthz` on the same server.

Each database gets a fresh server: a new SQLite file, and, when
`SLA_BENCH_DATABASE_URL` names a PostgreSQL database, that database with its
`public` schema dropped and created again (everything in it is lost). The server is
`python -m app.serve`, what `make run` runs: migrations, then one uvicorn worker with
uvicorn's default loop and HTTP parser, the webhook worker on. Only the rate limit
is off (`SLA_RATE_LIMIT=off`): 600 requests a minute per key would answer most of
the load with 429.

Through the API it seeds a tenant with five services (the built-in microsoft-365
policy) and ten full outage windows on each in October 2026, and mints a tenant key,
which the report requests send (so each one looks its key up as a client's would).
Then, in each round, `wrk --latency` loads `GET /healthz` and
`GET /v1/tenants/{tenant}/reports/2026-10` (JSON) in turn, each for the same time
with the same connections; the ratio is report req/s / healthz req/s of the round.
Prints the median of the rounds: req/s, p99 latency, and the ratio. wrk and the
server share the machine's cores, so the same-run `/healthz` is the baseline.

Each database is measured twice, each time on a fresh server and database: as served
(`kept`: the report is computed once and then kept, docs/reports.md, since its
tenant's data does not change during the run), and with `SLA_REPORT_CACHE_SIZE=0`
(`computed`: every request computes the report from its rows). The target applies to
the first; the second shows what a request costs when the tenant's data has just
changed.

    .venv/bin/python -m bench.http [--seconds 10] [--rounds 5] [--connections 16]

wrk is a Debian package (`tools/system-packages wrk`, which `make bench` runs).
"""

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

ADMIN_KEY = "bench-admin-key"
TENANT = "acme"
SERVICES = ("exchange-online", "teams", "sharepoint", "onedrive", "intune")
WINDOWS_PER_SERVICE = 10
MONTH = "2026-10"
TARGET_RATIO = 0.5
TARGET_P99_MS = 50.0
DATABASE_URL_VARIABLE = "SLA_BENCH_DATABASE_URL"


@dataclass(frozen=True)
class WrkResult:
    requests_per_second: float
    p99_ms: float
    # Answers other than 2xx/3xx, and socket errors (connect, read, write, timeout).
    failures: int


_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}
_P99 = re.compile(r"^\s*99(?:\.0+)?%\s+([0-9.]+)(us|ms|s|m)\s*$", re.MULTILINE)
_RATE = re.compile(r"^Requests/sec:\s+([0-9.]+)\s*$", re.MULTILINE)
_NON_2XX = re.compile(r"^\s*Non-2xx or 3xx responses:\s+([0-9]+)\s*$", re.MULTILINE)
_SOCKET_ERRORS = re.compile(
    r"Socket errors: connect ([0-9]+), read ([0-9]+), write ([0-9]+), timeout ([0-9]+)"
)


def parse_wrk(output: str) -> WrkResult:
    """The figures of one `wrk --latency` run, from what it prints."""
    rate = _RATE.search(output)
    p99 = _P99.search(output)
    if rate is None or p99 is None:
        raise ValueError(f"no Requests/sec or 99% line in wrk's output:\n{output}")
    non_2xx = _NON_2XX.search(output)
    failures = int(non_2xx.group(1)) if non_2xx else 0
    errors = _SOCKET_ERRORS.search(output)
    if errors:
        failures += sum(int(count) for count in errors.groups())
    return WrkResult(
        requests_per_second=float(rate.group(1)),
        p99_ms=float(p99.group(1)) * _UNIT_MS[p99.group(2)],
        failures=failures,
    )


def run_wrk(
    url: str, seconds: int, connections: int, threads: int, headers: dict[str, str]
) -> WrkResult:
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    done = subprocess.run([*command, url], capture_output=True, text=True, check=True)
    result = parse_wrk(done.stdout)
    if result.failures:
        raise RuntimeError(f"{result.failures} failed requests to {url}:\n{done.stdout}")
    return result


def fresh_postgres(url: str) -> str:
    """`url` with its public schema dropped and created again: a fresh database."""
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def make_run_server(
    workdir: Path, database_url: str, settings: dict[str, str] | None = None
) -> Iterator[str]:
    """`python -m app.serve` on a free port, serving `database_url` with `settings` (more
    `SLA_*` variables); yields its URL."""
    port = _free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("SLA_")}
    env |= {
        "PORT": str(port),
        "SLA_DATABASE_URL": database_url,
        "SLA_ADMIN_KEY": ADMIN_KEY,
        "SLA_RATE_LIMIT": "off",
        "PYTHONPATH": str(Path(__file__).resolve().parent.parent),
    }
    env |= settings or {}
    log_path = workdir / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "app.serve"],
            cwd=workdir,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while not _answers(url):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the server did not start:\n{log_path.read_text()}")
                time.sleep(0.1)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _answers(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz").status_code == 200
    except httpx.TransportError:
        return False


def seed(url: str) -> str:
    """The tenant, its services and windows, through the API; returns a tenant key."""
    with httpx.Client(base_url=url, headers={"X-API-Key": ADMIN_KEY}, timeout=60) as client:
        client.post(
            "/v1/tenants", json={"id": TENANT, "name": "Acme", "currency": "USD"}
        ).raise_for_status()
        for service in SERVICES:
            client.put(
                f"/v1/tenants/{TENANT}/services/{service}",
                json={"policy_id": "microsoft-365", "monthly_fee": "1200.00"},
            ).raise_for_status()
        client.post(f"/v1/tenants/{TENANT}/outages", json={"outages": windows()}).raise_for_status()
        key = client.post("/v1/api-keys", json={"role": "tenant", "tenant_id": TENANT})
        key.raise_for_status()
        token: str = key.json()["key"]
        return token


def windows() -> list[dict[str, str]]:
    """Ten windows a service, on days 1, 4, …, 28, 10 to 55 minutes long."""
    rows = []
    for number, service in enumerate(SERVICES):
        for index in range(WINDOWS_PER_SERVICE):
            day, minutes = 1 + 3 * index, 10 + 5 * index
            rows.append(
                {
                    "service_id": service,
                    "start": f"{MONTH}-{day:02d}T{number + 1:02d}:00:00Z",
                    "end": f"{MONTH}-{day:02d}T{number + 1:02d}:{minutes:02d}:00Z",
                    "external_id": f"INC-{number}-{index}",
                    "title": f"{service} incident {index}",
                }
            )
    return rows


def report_path() -> str:
    return f"/v1/tenants/{TENANT}/reports/{MONTH}"


def check_report(url: str, key: str) -> None:
    """The report answers with every service and every window before it is loaded."""
    answer = httpx.get(url + report_path(), headers={"X-API-Key": key}, timeout=60)
    answer.raise_for_status()
    lines = answer.json()["services"]
    incidents = [len(line["incidents"]) for line in lines]
    if incidents != [WINDOWS_PER_SERVICE] * len(SERVICES):
        raise RuntimeError(f"the report has {incidents} incidents per service")


@dataclass(frozen=True)
class Round:
    healthz: WrkResult
    report: WrkResult

    @property
    def ratio(self) -> float:
        return self.report.requests_per_second / self.healthz.requests_per_second


@dataclass(frozen=True)
class Options:
    seconds: int
    rounds: int
    connections: int
    threads: int
    # A second of each first, not counted: first requests fill caches and the pool.
    warm_up: bool = True
    # False: the server computes every report afresh (SLA_REPORT_CACHE_SIZE=0).
    kept_reports: bool = True


def measure(database_url: str, options: Options) -> list[Round]:
    with (
        tempfile.TemporaryDirectory(prefix="sla-bench-http-") as folder,
        make_run_server(
            Path(folder),
            database_url,
            {} if options.kept_reports else {"SLA_REPORT_CACHE_SIZE": "0"},
        ) as url,
    ):
        key = seed(url)
        check_report(url, key)
        load = (options.seconds, options.connections, options.threads)
        if options.warm_up:
            run_wrk(url + "/healthz", 1, options.connections, options.threads, {})
            run_wrk(
                url + report_path(), 1, options.connections, options.threads, {"X-API-Key": key}
            )
        return [
            Round(
                healthz=run_wrk(url + "/healthz", *load, {}),
                report=run_wrk(url + report_path(), *load, {"X-API-Key": key}),
            )
            for _ in range(options.rounds)
        ]


@dataclass(frozen=True)
class Summary:
    healthz_rps: float
    healthz_p99_ms: float
    report_rps: float
    report_p99_ms: float
    ratio: float

    @property
    def met(self) -> bool:
        return self.ratio >= TARGET_RATIO and self.report_p99_ms < TARGET_P99_MS


def summarize(rounds: list[Round]) -> Summary:
    def median(values: Iterator[float]) -> float:
        return statistics.median(list(values))

    return Summary(
        healthz_rps=median(r.healthz.requests_per_second for r in rounds),
        healthz_p99_ms=median(r.healthz.p99_ms for r in rounds),
        report_rps=median(r.report.requests_per_second for r in rounds),
        report_p99_ms=median(r.report.p99_ms for r in rounds),
        ratio=median(r.ratio for r in rounds),
    )


def databases(workdir: Path) -> list[tuple[str, str]]:
    """(name, URL) of each database to measure: SQLite, and PostgreSQL if one is named."""
    found = [("SQLite", f"sqlite:///{workdir / 'ledger.db'}")]
    postgres = os.environ.get(DATABASE_URL_VARIABLE)
    if postgres:
        found.append(("PostgreSQL", postgres))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10, help="each wrk run's length")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=1, help="wrk's threads")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: tools/system-packages wrk (or apt-get install wrk)")
    options = Options(args.seconds, args.rounds, args.connections, args.threads)
    print(
        f"GET {report_path()} (JSON; {len(SERVICES)} services × {WINDOWS_PER_SERVICE} windows) "
        f"vs GET /healthz: wrk, {options.connections} connections, {options.threads} thread(s), "
        f"{options.seconds:g} s each, median of {options.rounds} rounds"
    )
    header = ("database", "reports", "healthz req/s", "p99", "report req/s", "p99", "ratio")
    print("{:<11} {:<9} {:>13} {:>8} {:>12} {:>8} {}".format(*header))
    verdicts = []
    with tempfile.TemporaryDirectory(prefix="sla-bench-http-db-") as folder:
        for name, url in databases(Path(folder)):
            for kept in (True, False):
                fresh = fresh_postgres(url) if not url.startswith("sqlite") else f"{url}-{kept}"
                summary = summarize(measure(fresh, replace(options, kept_reports=kept)))
                if kept:
                    verdicts.append(summary.met)
                print(
                    f"{name:<11} {'kept' if kept else 'computed':<9} "
                    f"{summary.healthz_rps:>13,.0f} {summary.healthz_p99_ms:>6.1f}ms "
                    f"{summary.report_rps:>12,.0f} {summary.report_p99_ms:>6.1f}ms "
                    f"{summary.ratio:.2f}"
                )
    verdict = "met" if all(verdicts) else "not met"
    print(
        f"target: report ≥ {TARGET_RATIO} × healthz req/s with p99 < {TARGET_P99_MS:.0f} ms, "
        f"as served (kept reports) — {verdict}; 'computed': SLA_REPORT_CACHE_SIZE=0, every "
        "request computes the report"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
