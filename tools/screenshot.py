"""`make screenshot`: a PNG of a sample report page, as a person opening a share link sees it.

Starts the app (`python -m app.serve`) on a free loopback port with a throw-away SQLite
file, creates a sample tenant through the API (two services; overlapping outages, a
partial one, maintenance inside and outside outages, a blip too short to count, and an
earlier month that missed its target), makes a share link for October 2026 and has
headless Chromium take a full-page screenshot of it.

Usage: python -m tools.screenshot [OUT.png]   (default docs/report-sample.png)
"""

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from tools.chromium import chromium

ROOT = Path(__file__).resolve().parent.parent
KEY = "screenshot-admin-key"
MONTH = "2026-10"
EXO, TEAMS = "exchange-online", "teams"

SAMPLE_OUTAGES: list[dict[str, Any]] = [
    # July: two hours down, below the 99.9 % target: a red bar in the sparkline.
    {"service_id": EXO, "external_id": "EX090", "title": "Directory sync failure",
     "start": "2026-07-14T09:00:00Z", "end": "2026-07-14T11:00:00Z"},
    # October, Exchange Online: two overlapping outages (counted once) ...
    {"service_id": EXO, "external_id": "EX101", "title": "Mailbox access",
     "start": "2026-10-06T13:00:00Z", "end": "2026-10-06T14:30:00Z"},
    {"service_id": EXO, "external_id": "EX102", "title": "Outlook on the web",
     "start": "2026-10-06T14:00:00Z", "end": "2026-10-06T15:10:00Z"},
    # ... a partial outage (40 % of users) with maintenance inside it (excluded) ...
    {"service_id": EXO, "external_id": "EX103", "title": "Slow mail delivery",
     "start": "2026-10-14T02:00:00Z", "end": "2026-10-14T09:00:00Z", "impact": "0.4"},
    {"service_id": EXO, "kind": "maintenance", "title": "Storage upgrade",
     "start": "2026-10-14T03:00:00Z", "end": "2026-10-14T06:00:00Z"},
    # ... and maintenance on its own, which counts for nothing.
    {"service_id": EXO, "kind": "maintenance", "title": "Patch night",
     "start": "2026-10-25T01:00:00Z", "end": "2026-10-25T05:00:00Z"},
    {"service_id": EXO, "external_id": "EX104", "title": "Calendar sharing",
     "start": "2026-10-22T16:00:00Z", "end": "2026-10-22T16:50:00Z"},
    # Teams, with 10-minute minimum runs: the 6-minute blip does not count.
    {"service_id": TEAMS, "external_id": "TM201", "title": "Meetings drop",
     "start": "2026-10-09T15:00:00Z", "end": "2026-10-09T15:06:00Z"},
    {"service_id": TEAMS, "external_id": "TM202", "title": "Chat unavailable",
     "start": "2026-10-19T12:00:00Z", "end": "2026-10-19T13:15:00Z"},
]  # fmt: skip

TEAMS_POLICY: dict[str, Any] = {
    "id": "teams-ten-minute-runs",
    "name": "Teams: runs of 10 minutes or more, measured in New York",
    "target_percent": "99.95",
    "tiers": [
        {"below_percent": "99.95", "credit_percent": "10"},
        {"below_percent": "99", "credit_percent": "25"},
    ],
    "measurement_timezone": "tenant",
    "min_downtime_minutes": "10",
}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def serving(workdir: Path) -> Iterator[str]:
    """The app on a free loopback port with its own SQLite file, until the block ends."""
    port = _free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("SLA_")}
    env |= {
        "PORT": str(port),
        "PYTHONPATH": str(ROOT),
        "SLA_DATABASE_URL": f"sqlite:///{workdir / 'sample.db'}",
        "SLA_ADMIN_KEY": KEY,
        "SLA_RATE_LIMIT": "off",
        "SLA_WEBHOOK_WORKER": "false",
    }
    log = (workdir / "server.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "app.serve"], cwd=workdir, env=env, stdout=log, stderr=log
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((workdir / "server.log").read_text())
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


def _ok(response: httpx.Response) -> dict[str, Any]:
    if response.status_code >= 300:
        raise RuntimeError(f"{response.request.method} {response.request.url}: {response.text}")
    body: dict[str, Any] = response.json()
    return body


def sample_link(url: str) -> str:
    """The sample tenant, and a share link to its October report."""
    with httpx.Client(base_url=url, headers={"X-API-Key": KEY}) as api:
        _ok(
            api.post(
                "/v1/tenants",
                json={
                    "id": "contoso",
                    "name": "Contoso Ltd",
                    "timezone": "America/New_York",
                    "currency": "USD",
                },
            )
        )
        _ok(api.post("/v1/policies", json=TEAMS_POLICY))
        terms = {"policy_id": "microsoft-365", "monthly_fee": "1200.00"}
        _ok(api.put(f"/v1/tenants/contoso/services/{EXO}", json=terms))
        terms = {"policy_id": TEAMS_POLICY["id"], "monthly_fee": "450.00"}
        _ok(api.put(f"/v1/tenants/contoso/services/{TEAMS}", json=terms))
        _ok(api.post("/v1/tenants/contoso/outages", json={"outages": SAMPLE_OUTAGES}))
        link = _ok(api.post(f"/v1/tenants/contoso/reports/{MONTH}/links", json={"format": "html"}))
    return str(link["url"])


def screenshot(out: Path) -> None:
    with (
        tempfile.TemporaryDirectory(prefix="sla-screenshot-") as workdir,
        serving(Path(workdir)) as url,
    ):
        link = sample_link(url)
        with chromium() as browser:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.goto(link)
            out.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(out), full_page=True)
    print(f"Wrote {out} ({out.stat().st_size} bytes): the {MONTH} report of a sample tenant")


if __name__ == "__main__":
    screenshot(Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "docs" / "report-sample.png"))
