"""PostgreSQL: the app answers as before once the database has dropped every connection
it pooled (what a restart or a failover does), here by terminating the app's backends
from another connection.

A pooled connection idle for more than `app.db.IDLE_PING_SECONDS` is pinged when it is
taken from the pool, and replaced when the ping fails; one reused sooner is not, and the
tenant report, the one read that skips the ping's round trip on its busy path, is then
read once more on a fresh connection.
"""

import os
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

import app.db
from tests.api.scenario import assert_problem, create_tenant, report, subscribe

pytestmark = pytest.mark.skipif(
    not os.environ.get("SLA_TEST_DATABASE_URL"), reason="needs SLA_TEST_DATABASE_URL (PostgreSQL)"
)

# Every backend on the test database but the one asking: the app's pooled connections.
_TERMINATE_THE_APPS_BACKENDS = text(
    "SELECT count(*) FROM ("
    " SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
    ") AS terminated"
)


def _terminate_the_apps_backends() -> int:
    """How many backends were terminated, from a connection of the test's own."""
    engine = create_engine(os.environ["SLA_TEST_DATABASE_URL"])
    try:
        with engine.connect() as connection:
            terminated = connection.execute(_TERMINATE_THE_APPS_BACKENDS).scalar_one()
    finally:
        engine.dispose()
    return int(terminated)


@pytest.fixture
def contoso(client: TestClient) -> Iterator[TestClient]:
    create_tenant(client, "contoso")
    subscribe(client, "contoso", "exchange-online", "microsoft-365", "1200.00")
    yield client


def test_a_connection_idle_past_the_threshold_is_pinged_and_replaced(
    contoso: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app.db, "IDLE_PING_SECONDS", 0.05)
    tenant = contoso.get("/v1/tenants/contoso")
    assert tenant.status_code == 200
    # The app had pooled at least the connection that just answered.
    assert _terminate_the_apps_backends() >= 1
    time.sleep(0.2)  # idle past the threshold

    # Not the report (it would also read once more): a plain read through the pool.
    # Unpinged, its dead connection would fail the request with a 500.
    again = contoso.get("/v1/tenants/contoso")
    assert again.status_code == 200
    assert again.json() == tenant.json()


def test_a_report_on_a_connection_dropped_moments_ago_is_read_again(
    contoso: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No pooled connection counts as idle: none is pinged, so the report's first
    # statement meets the dropped connection.
    monkeypatch.setattr(app.db, "IDLE_PING_SECONDS", 3600.0)
    kept = report(contoso, "contoso")
    assert _terminate_the_apps_backends() >= 1

    assert report(contoso, "contoso") == kept
    # The pool replaced its other connections too: a read after it also answers.
    assert contoso.get("/v1/tenants/contoso").status_code == 200


def test_another_request_on_a_connection_dropped_moments_ago_answers_503_then_is_served(
    contoso: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # None is pinged; a read other than the report is not sent again by the app.
    monkeypatch.setattr(app.db, "IDLE_PING_SECONDS", 3600.0)
    tenant = contoso.get("/v1/tenants/contoso")
    assert _terminate_the_apps_backends() >= 1

    lost = contoso.get("/v1/tenants/contoso")
    problem = assert_problem(lost, 503)
    assert "database cannot be reached" in problem["detail"]
    assert lost.headers["Retry-After"] == "5"
    # The pool replaced its connections: the request sent again is served.
    assert contoso.get("/v1/tenants/contoso").json() == tenant.json()
