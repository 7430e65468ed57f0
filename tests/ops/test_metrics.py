"""`/metrics` scraped from a real server: requests counted by route template, report
builds timed, and, with several workers, every worker's requests in one scrape."""

import os
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from app.config import Settings
from app.main import create_app
from tests.conftest import ADMIN_KEY, LiveServer, start_live_server

Labels = frozenset[tuple[str, str]]


def scrape(url: str) -> dict[tuple[str, Labels], float]:
    """Every sample of a scrape, by name and labels."""
    answer = httpx.get(f"{url}/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain; version=")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(answer.text)
        for sample in family.samples
    }


def requests_total(
    samples: dict[tuple[str, Labels], float], method: str, route: str, status: str
) -> float:
    labels = frozenset({("method", method), ("route", route), ("status", status)})
    return samples.get(("sla_http_requests_total", labels), 0.0)


def test_requests_are_counted_by_route_template_and_reports_timed(
    live_server: LiveServer,
) -> None:
    base, headers = live_server.url, {"X-API-Key": live_server.key}
    for tenant in ("contoso", "fabrikam"):
        created = httpx.post(
            f"{base}/v1/tenants", json={"id": tenant, "name": tenant}, headers=headers
        )
        assert created.status_code == 201
    for tenant in ("contoso", "fabrikam", "contoso"):
        assert httpx.get(f"{base}/v1/tenants/{tenant}", headers=headers).status_code == 200
    assert httpx.get(f"{base}/v1/tenants/nobody", headers=headers).status_code == 404
    assert httpx.get(f"{base}/v1/tenants/contoso/reports/2026-11", headers=headers).is_success
    assert httpx.get(f"{base}/v1/reports/2026-11", headers=headers).is_success
    samples = scrape(base)
    # Three GETs of two tenants: one series for the template, 3; the unknown one, 404.
    assert requests_total(samples, "GET", "/v1/tenants/{tenant_id}", "200") == 3
    assert requests_total(samples, "GET", "/v1/tenants/{tenant_id}", "404") == 1
    assert requests_total(samples, "POST", "/v1/tenants", "201") == 2
    routes = {dict(labels).get("route") for _name, labels in samples}
    assert not any(route and "contoso" in route for route in routes)
    latency = frozenset(
        {("method", "GET"), ("route", "/v1/tenants/{tenant_id}"), ("status", "200")}
    )
    assert samples[("sla_http_request_duration_seconds_count", latency)] == 3
    tenant_builds = samples[("sla_report_build_seconds_count", frozenset({("report", "tenant")}))]
    portfolio = samples[("sla_report_build_seconds_count", frozenset({("report", "portfolio")}))]
    assert (tenant_builds, portfolio) == (1, 1)
    assert samples[("sla_report_build_seconds_sum", frozenset({("report", "tenant")}))] > 0


def test_metrics_need_no_key_are_not_in_the_schema_and_can_be_turned_off(tmp_path: Path) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'ledger.db'}",
        admin_key=ADMIN_KEY,
        webhook_worker=False,
    )
    with TestClient(create_app(settings)) as client:
        assert client.get("/metrics").status_code == 200  # no X-API-Key sent
        assert "/metrics" not in client.get("/openapi.json").json()["paths"]
    off = settings.model_copy(update={"metrics_enabled": False})
    with TestClient(create_app(off)) as client:
        assert client.get("/metrics").status_code == 404


@pytest.fixture
def two_workers(tmp_path: Path) -> Iterator[LiveServer]:
    """Two workers sharing a metrics directory the operator chose, holding a file left
    by an earlier run (not even readable: a scrape would fail on it if it were kept)."""
    os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)
    metrics = tmp_path / "metrics"
    metrics.mkdir()
    (metrics / "counter_1.db").write_bytes(b"left over")
    settings = {"WEB_CONCURRENCY": "2", "PROMETHEUS_MULTIPROC_DIR": str(metrics)}
    yield from start_live_server(tmp_path, settings)


def test_with_two_workers_a_scrape_counts_every_workers_requests(two_workers: LiveServer) -> None:
    # The server answers once one worker is up; wait for the second.
    deadline = time.monotonic() + 30
    while sum(record["message"] == STARTED for record in two_workers.log_records()) < 2:
        assert time.monotonic() < deadline, "the second worker did not start in 30 s"
        time.sleep(0.1)
    # Each request on a new connection, so the two workers share them; whichever
    # worker answers the scrape, it reports all 20 (/readyz: start-up polls /healthz).
    for _ in range(20):
        assert httpx.get(f"{two_workers.url}/readyz").status_code == 200
    for _ in range(3):
        assert requests_total(scrape(two_workers.url), "GET", "/readyz", "200") == 20
    # One file per worker that counted something, named by its process id.
    assert not (two_workers.workdir / "metrics" / "counter_1.db").exists()
    assert list((two_workers.workdir / "metrics").glob("counter_*.db"))


STARTED = "Application startup complete."
