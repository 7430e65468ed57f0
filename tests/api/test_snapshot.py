"""One snapshot per report: an upload that lands while a report is being computed is in
it wholly or not at all, on SQLite and on PostgreSQL alike.

Threads send requests to the same app and database at once (the test client runs each
request's handler in a worker thread). The upload is 5,000 one-minute windows over five
services, 1,000 each, so a report that mixed the states before and after it would show
some services at 0 minutes and others at 1,000.
"""

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from tests.api.scenario import Json, create_tenant, subscribe, utc

SERVICES = [f"svc-{n}" for n in range(1, 6)]
REPORT = "/v1/tenants/big/reports/2026-11"


def _upload() -> Json:
    """1,000 windows a service: one minute every five from 1 Nov 00:00Z (5,000 minutes
    in all, well inside November's 43,200), so each service is down 1,000 minutes."""
    rows = []
    for service_id in SERVICES:
        for n in range(1000):
            start = utc(2026, 11, 1) + timedelta(minutes=5 * n)
            rows.append(
                {
                    "service_id": service_id,
                    "start": start.isoformat(),
                    "end": (start + timedelta(minutes=1)).isoformat(),
                }
            )
    return {"outages": rows}


@pytest.fixture
def big(client: TestClient) -> None:
    create_tenant(client, "big")
    for service_id in SERVICES:
        subscribe(client, "big", service_id, "microsoft-365", "100.00")


def _downtimes(body: Json) -> list[str]:
    return [line["downtime_minutes"] for line in body["services"]]


@pytest.fixture
def paused_report(client: TestClient) -> Iterator[tuple[threading.Event, threading.Event]]:
    """Holds the next report just before it reads the tenant's windows, after its first
    reads (the tenant, the terms) have begun its snapshot: `paused` is set once it waits
    there, and it goes on when `resume` is set."""
    engine = client.app.state.engine  # type: ignore[attr-defined]
    paused, resume = threading.Event(), threading.Event()
    seen = 0

    def hold(*args: Any) -> None:
        nonlocal seen
        statement: str = args[2]
        # The report's one read of the windows near the period, for all its services.
        if "FROM outage" in statement and "outage.start_micros <" in statement:
            seen += 1
            if seen == 1:
                paused.set()
                assert resume.wait(60), "the upload never finished"

    event.listen(engine, "before_cursor_execute", hold)
    yield paused, resume
    event.remove(engine, "before_cursor_execute", hold)


def test_an_upload_landing_mid_report_is_not_in_it(
    client: TestClient, big: None, paused_report: tuple[threading.Event, threading.Event]
) -> None:
    paused, resume = paused_report
    with ThreadPoolExecutor(max_workers=1) as pool:
        during = pool.submit(client.get, REPORT)
        assert paused.wait(30), "the report did not start"
        # The report has read the tenant and its terms and waits before reading the
        # windows; meanwhile the whole upload is stored and committed.
        try:
            uploaded = client.post("/v1/tenants/big/outages", json=_upload())
        finally:
            resume.set()
        assert uploaded.status_code == 201, uploaded.text[:500]
        assert uploaded.json()["created"] == 5000
        report = during.result(timeout=120)

    # It read every service in the state from before the upload.
    assert report.status_code == 200, report.text[:500]
    assert _downtimes(report.json()) == ["0"] * 5
    # A report begun after it sees all of it.
    after = client.get(REPORT)
    assert _downtimes(after.json()) == ["1000"] * 5


def test_reports_during_an_upload_see_all_of_it_or_none(client: TestClient, big: None) -> None:
    done = threading.Event()

    def keep_reporting() -> list[list[str]]:
        seen = []
        while not done.is_set():
            response = client.get(REPORT)
            assert response.status_code == 200, response.text[:500]
            seen.append(_downtimes(response.json()))
        return seen

    with ThreadPoolExecutor(max_workers=3) as pool:
        readers = [pool.submit(keep_reporting) for _ in range(2)]
        try:
            uploaded = pool.submit(client.post, "/v1/tenants/big/outages", json=_upload())
            assert uploaded.result(timeout=120).status_code == 201
        finally:
            done.set()
        seen = [downtimes for reader in readers for downtimes in reader.result(timeout=120)]

    assert seen, "no report ran during the upload"
    assert {tuple(downtimes) for downtimes in seen} <= {("0",) * 5, ("1000",) * 5}
