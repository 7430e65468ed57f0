"""Pull sync over HTTP: the app fetches a Statuspage page or Microsoft Graph with its own
httpx client, faked here by pytest-httpx, and imports the answer exactly as an upload.

pytest-httpx patches `httpx.HTTPTransport`, which the app's outbound client
(`app.state.http`) uses. The test client is Starlette's, built on `httpx2` with its own
in-process transport, so its requests never reach the mock: `httpx_mock` needs no
`should_mock` here, and its teardown would fail the test if they did (an unexpected
request).

`sync_client` is the app with a Graph token, private addresses allowed (the fake page
is `https://status.example.com`, never resolved) and no backoff between retries, so
only a `Retry-After` the provider sends makes a test wait. `client` (conftest) is the
app with the default settings: private addresses refused and no Graph token.
"""

import json
import sqlite3
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from pydantic import SecretStr
from pytest_httpx import HTTPXMock
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from app.config import Settings
from tests.api.scenario import (
    Json,
    as_key,
    assert_invalid,
    assert_problem,
    create_tenant,
    error_at,
    list_outages,
    make_key,
    subscribe,
    utc,
)
from tests.api.test_imports import (
    STATUSPAGE_SKIPPED,
    STATUSPAGE_TITLES,
    STATUSPAGE_WINDOWS,
    counts,
    imported,
    sample,
    stored,
    windows,
)
from tests.conftest import ADMIN_KEY, Clock, app_client

TOKEN = "test-token"
PAGE = "https://status.example.com"
INCIDENTS = f"{PAGE}/api/v2/incidents.json"
MAINTENANCES = f"{PAGE}/api/v2/scheduled-maintenances.json"
ISSUES = "https://graph.microsoft.com/v1.0/admin/serviceAnnouncement/issues"
STATUSPAGE = json.loads(sample("statuspage.json"))
GRAPH_ISSUES = {issue["id"]: issue for issue in json.loads(sample("graph-issues.json"))["value"]}


@pytest.fixture
def sync_client(database_url: str, clock: Clock) -> Iterator[TestClient]:
    settings = Settings(
        database_url=database_url,
        admin_key=SecretStr(ADMIN_KEY),
        graph_token=SecretStr(TOKEN),
        sync_allow_private=True,
        sync_attempts=3,
        sync_backoff_seconds=0,
    )
    with app_client(settings, clock) as test_client:
        yield test_client


def northwind(client: TestClient) -> str:
    """Chicago; the components of the Statuspage sample."""
    create_tenant(client, "northwind", timezone="America/Chicago")
    for service in ("api", "web-dashboard", "email-delivery"):
        subscribe(client, "northwind", service, "aws-ec2", "500.00")
    return "northwind"


def contoso(client: TestClient) -> str:
    """New York; the services of the Graph issues these tests send."""
    create_tenant(client, "contoso", timezone="America/New_York")
    for service in ("exchange-online", "sharepoint-online"):
        subscribe(client, "contoso", service, "microsoft-365", "1200.00")
    return "contoso"


def sync(client: TestClient, tenant_id: str, **body: Any) -> Response:
    return client.post(f"/v1/tenants/{tenant_id}/sync", json=body)


def statuspage_sync(client: TestClient, tenant_id: str, **body: Any) -> Response:
    return sync(client, tenant_id, source="statuspage", url=PAGE, **body)


def page_answers(httpx_mock: HTTPXMock, *, incidents: bool = True) -> None:
    """The page's two endpoints answering with the Statuspage sample's lists."""
    page = STATUSPAGE["page"]
    if incidents:
        httpx_mock.add_response(
            url=INCIDENTS, json={"page": page, "incidents": STATUSPAGE["incidents"]}
        )
    httpx_mock.add_response(
        url=MAINTENANCES,
        json={"page": page, "scheduled_maintenances": STATUSPAGE["scheduled_maintenances"]},
    )


def requested(httpx_mock: HTTPXMock) -> list[str]:
    return [str(request.url) for request in httpx_mock.get_requests()]


# Statuspage


def test_a_statuspage_sync_imports_the_page_like_an_upload(
    sync_client: TestClient, httpx_mock: HTTPXMock
) -> None:
    tenant = northwind(sync_client)
    page_answers(httpx_mock)

    response = statuspage_sync(sync_client, tenant)

    assert response.status_code == 201, response.text
    body = response.json()
    # The sample's six windows and one skipped incident (worked out in test_imports).
    assert counts(body) == (6, 6, 0, 0, 0)
    assert body["skipped"] == STATUSPAGE_SKIPPED
    assert (body["format"], body["filename"], body["dry_run"]) == ("statuspage", PAGE, False)
    assert len(body["sha256"]) == 64
    assert requested(httpx_mock) == [INCIDENTS, MAINTENANCES]
    rows = list_outages(sync_client, tenant)
    assert windows(rows) == STATUSPAGE_WINDOWS
    assert {row["external_id"]: row["title"] for row in rows} == STATUSPAGE_TITLES
    assert {(row["source"], row["import_id"]) for row in rows} == {("statuspage", body["id"])}
    listed = sync_client.get(f"/v1/tenants/{tenant}/imports").json()["items"]
    assert listed == [body]


def test_a_sync_and_an_upload_of_the_same_page_are_the_same_incidents(
    sync_client: TestClient, httpx_mock: HTTPXMock
) -> None:
    tenant = northwind(sync_client)
    page_answers(httpx_mock)
    assert statuspage_sync(sync_client, tenant).status_code == 201
    outages = list_outages(sync_client, tenant)

    # The same six windows uploaded as a file: all duplicates, nothing changes.
    again = imported(sync_client, tenant, sample("statuspage.json"), "statuspage")

    assert counts(again) == (6, 0, 0, 0, 6)
    assert list_outages(sync_client, tenant) == outages


def test_a_statuspage_sync_takes_a_service_map(
    sync_client: TestClient, httpx_mock: HTTPXMock
) -> None:
    create_tenant(sync_client, "mapped")
    for service in ("public-api", "web-dashboard", "email-delivery"):
        subscribe(sync_client, "mapped", service, "aws-ec2", "500.00")
    page_answers(httpx_mock)

    response = statuspage_sync(sync_client, "mapped", service_map={"API": "public-api"})

    assert response.status_code == 201, response.text
    # The API's three windows (two outage stretches, one maintenance) go to public-api.
    services = [row["service_id"] for row in list_outages(sync_client, "mapped")]
    assert services.count("public-api") == 3
    assert "api" not in services


def test_a_dry_run_sync_answers_200_and_stores_nothing(
    sync_client: TestClient, httpx_mock: HTTPXMock
) -> None:
    tenant = northwind(sync_client)
    page_answers(httpx_mock)
    before = stored(sync_client, tenant)

    response = statuspage_sync(sync_client, tenant, dry_run=True)

    assert response.status_code == 200, response.text
    body = response.json()
    assert counts(body) == (6, 6, 0, 0, 0)
    assert (body["id"], body["created_at"], body["dry_run"]) == (None, None, True)
    assert stored(sync_client, tenant) == before
    assert before[0][:2] == ([], [])  # no outages, no imports


def test_a_429_with_retry_after_is_waited_for_and_then_imported(
    sync_client: TestClient, httpx_mock: HTTPXMock
) -> None:
    tenant = northwind(sync_client)
    httpx_mock.add_response(url=INCIDENTS, status_code=429, headers={"Retry-After": "1"})
    page_answers(httpx_mock)
    started = time.monotonic()

    response = statuspage_sync(sync_client, tenant)

    assert response.status_code == 201, response.text
    assert counts(response.json()) == (6, 6, 0, 0, 0)
    # incidents.json twice (429, then 200), then scheduled-maintenances.json once.
    assert requested(httpx_mock) == [INCIDENTS, INCIDENTS, MAINTENANCES]
    # The backoff is 0 here: only the asked-for second explains a wait this long.
    assert time.monotonic() - started >= 1.0


def test_a_page_answering_503_three_times_is_503_and_stores_nothing(
    sync_client: TestClient, httpx_mock: HTTPXMock
) -> None:
    tenant = northwind(sync_client)
    before = stored(sync_client, tenant)
    for _ in range(3):
        httpx_mock.add_response(url=INCIDENTS, status_code=503)

    response = statuspage_sync(sync_client, tenant)

    body = assert_problem(response, 503)
    assert body["detail"] == (
        "status.example.com answered 503 Service Unavailable for incidents.json; "
        "gave up after 3 attempts"
    )
    # The page asked for no particular wait, so the answer names none either.
    assert "retry-after" not in response.headers
    assert requested(httpx_mock) == [INCIDENTS] * 3
    assert stored(sync_client, tenant) == before


def test_a_page_asking_to_wait_longer_than_we_do_is_503_with_retry_after(
    sync_client: TestClient, httpx_mock: HTTPXMock
) -> None:
    tenant = northwind(sync_client)
    before = stored(sync_client, tenant)
    httpx_mock.add_response(url=INCIDENTS, status_code=503, headers={"Retry-After": "120"})

    response = statuspage_sync(sync_client, tenant)

    body = assert_problem(response, 503)
    # 120 s is over the 30 s a sync waits: no second try, the wait is passed on.
    assert response.headers["retry-after"] == "120"
    assert body["detail"] == (
        "status.example.com answered 503 Service Unavailable for incidents.json and asked "
        "to wait 120 s, longer than the 30 s we wait; try again later (1 attempt)"
    )
    assert requested(httpx_mock) == [INCIDENTS]
    assert stored(sync_client, tenant) == before


def test_a_page_that_never_answers_is_504(sync_client: TestClient, httpx_mock: HTTPXMock) -> None:
    tenant = northwind(sync_client)
    before = stored(sync_client, tenant)
    for _ in range(3):
        httpx_mock.add_exception(httpx.ReadTimeout("timed out"), url=INCIDENTS)

    response = statuspage_sync(sync_client, tenant)

    body = assert_problem(response, 504)
    # sync_timeout_seconds is the default 10.
    assert body["detail"] == (
        "status.example.com did not answer within 10 s for incidents.json (3 attempts)"
    )
    assert requested(httpx_mock) == [INCIDENTS] * 3
    assert stored(sync_client, tenant) == before


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        pytest.param(
            {"text": "<html>We'll be back soon</html>"},
            "is not JSON (Expecting value at line 1, column 1)",
            id="not-json",
        ),
        pytest.param({"json": {"incidents": "none"}}, "has no 'incidents' list", id="wrong-shape"),
    ],
)
def test_a_malformed_page_is_502_and_not_tried_again(
    sync_client: TestClient, httpx_mock: HTTPXMock, answer: dict[str, Any], problem: str
) -> None:
    tenant = northwind(sync_client)
    before = stored(sync_client, tenant)
    httpx_mock.add_response(url=INCIDENTS, **answer)

    response = statuspage_sync(sync_client, tenant)

    body = assert_problem(response, 502)
    assert body["detail"] == f"the body from status.example.com (incidents.json) {problem}"
    assert requested(httpx_mock) == [INCIDENTS]
    assert stored(sync_client, tenant) == before


def test_a_page_whose_second_endpoint_fails_stores_nothing(
    sync_client: TestClient, httpx_mock: HTTPXMock
) -> None:
    tenant = northwind(sync_client)
    before = stored(sync_client, tenant)
    httpx_mock.add_response(url=INCIDENTS, json={"incidents": STATUSPAGE["incidents"]})
    httpx_mock.add_response(url=MAINTENANCES, status_code=404)

    response = statuspage_sync(sync_client, tenant)

    body = assert_problem(response, 502)
    assert body["detail"] == (
        "status.example.com answered 404 Not Found for scheduled-maintenances.json: "
        "check the page address"
    )
    # The incidents were fetched, and are not imported without the maintenances.
    assert stored(sync_client, tenant) == before


# Microsoft Graph


def test_a_graph_sync_follows_next_links_with_the_token(
    sync_client: TestClient, httpx_mock: HTTPXMock
) -> None:
    tenant = contoso(sync_client)
    second_page = f"{ISSUES}?$skiptoken=page-2"
    httpx_mock.add_response(
        url=ISSUES,
        json={
            "value": [GRAPH_ISSUES["EX123456"], GRAPH_ISSUES["TM234567"]],
            "@odata.nextLink": second_page,
        },
    )
    httpx_mock.add_response(url=second_page, json={"value": [GRAPH_ISSUES["SP345678"]]})

    response = sync(sync_client, tenant, source="graph")

    assert response.status_code == 201, response.text
    body = response.json()
    # Page 1: EX123456 (resolved incident) and TM234567 (advisory, skipped); page 2:
    # SP345678 (incident, not resolved: ongoing).
    assert counts(body) == (2, 2, 0, 0, 0)
    assert body["skipped"] == [
        {"ref": "graph issue TM234567", "reason": "classification 'advisory' is not an incident"}
    ]
    assert (body["format"], body["filename"]) == ("graph", "Microsoft Graph service issues")
    sent = httpx_mock.get_requests()
    assert [str(request.url) for request in sent] == [ISSUES, second_page]
    assert {request.headers["authorization"] for request in sent} == {f"Bearer {TOKEN}"}
    assert windows(list_outages(sync_client, tenant)) == [
        (
            "exchange-online",
            "outage",
            utc(2026, 11, 10, 14),
            utc(2026, 11, 10, 16, 5, 30),
            "1",
            "EX123456",
        ),
        ("sharepoint-online", "outage", utc(2026, 11, 12, 8, 30), None, "1", "SP345678"),
    ]


def test_a_graph_401_is_502_and_the_token_is_never_shown(
    sync_client: TestClient, httpx_mock: HTTPXMock
) -> None:
    tenant = contoso(sync_client)
    before = stored(sync_client, tenant)
    httpx_mock.add_response(
        url=ISSUES,
        status_code=401,
        json={
            "error": {
                "code": "InvalidAuthenticationToken",
                # Graph may echo what it was sent; none of it reaches our answer.
                "message": f"Access token validation failure: {TOKEN}",
            }
        },
    )

    response = sync(sync_client, tenant, source="graph")

    body = assert_problem(response, 502)
    assert body["detail"] == (
        "Microsoft Graph answered 401 Unauthorized for service issues page 1: check the "
        "configured token (Graph error InvalidAuthenticationToken)"
    )
    assert TOKEN not in response.text
    assert all(TOKEN not in value for value in response.headers.values())
    # A 401 is not tried again.
    (request,) = httpx_mock.get_requests()
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert stored(sync_client, tenant) == before


def test_a_graph_sync_without_a_token_is_refused(client: TestClient, httpx_mock: HTTPXMock) -> None:
    tenant = contoso(client)
    before = stored(client, tenant)

    response = sync(client, tenant, source="graph")

    assert error_at(response, ["body", "source"]) == (
        "'graph' needs a Microsoft Graph token, and SLA_GRAPH_TOKEN is not set"
    )
    assert httpx_mock.get_requests() == []
    assert stored(client, tenant) == before


# Addresses the server must not fetch


@pytest.mark.parametrize(
    "host",
    [
        pytest.param("127.0.0.1", id="loopback"),
        pytest.param("10.0.0.1", id="private"),
        pytest.param("192.168.1.10", id="private-192"),
        pytest.param("169.254.169.254", id="link-local-metadata"),
    ],
)
def test_a_private_address_is_refused_by_default(
    client: TestClient, httpx_mock: HTTPXMock, host: str
) -> None:
    tenant = northwind(client)
    before = stored(client, tenant)

    response = sync(client, tenant, source="statuspage", url=f"https://{host}/")

    assert error_at(response, ["body", "url"]) == (
        f"'{host}' resolves to {host}, which is not a public address"
    )
    assert httpx_mock.get_requests() == []
    assert stored(client, tenant) == before


def test_plain_http_is_refused_by_default(client: TestClient, httpx_mock: HTTPXMock) -> None:
    tenant = northwind(client)
    before = stored(client, tenant)
    url = "http://status.example.com"

    response = sync(client, tenant, source="statuspage", url=url)

    msg = assert_invalid(response, ["body", "url"], url)
    assert msg.endswith("must start with https://")
    assert httpx_mock.get_requests() == []
    assert stored(client, tenant) == before


def test_a_url_over_255_characters_is_refused(
    sync_client: TestClient, httpx_mock: HTTPXMock
) -> None:
    # The import record keeps the address as its filename, in at most 255 characters.
    tenant = northwind(sync_client)
    before = stored(sync_client, tenant)
    url = f"{PAGE}/{'p' * (255 - len(PAGE))}"  # 256 characters

    response = sync(sync_client, tenant, source="statuspage", url=url)

    # One error, of the statuspage kind only (not also "source should be 'graph'").
    (error,) = assert_problem(response, 422)["errors"]
    assert error["loc"] == ["body", "statuspage", "url"]
    assert error["msg"].startswith("String should have at most 255 characters; got ")
    assert httpx_mock.get_requests() == []
    assert stored(sync_client, tenant) == before


@pytest.mark.parametrize(
    ("body", "loc", "msg"),
    [
        pytest.param(
            {"source": "statuspage"},
            ["body", "statuspage", "url"],
            "Field required",
            id="statuspage-without-url",
        ),
        pytest.param(
            {"source": "graph", "url": PAGE},
            ["body", "graph", "url"],
            f'Extra inputs are not permitted; got "{PAGE}"',
            id="graph-with-url",
        ),
        pytest.param(
            {"source": "rss", "url": PAGE},
            ["body"],
            "'source' must be 'statuspage' or 'graph'; got "
            + json.dumps({"source": "rss", "url": PAGE}),
            id="unknown-source",
        ),
    ],
)
def test_a_bad_sync_body_gets_the_errors_of_its_own_source(
    sync_client: TestClient, httpx_mock: HTTPXMock, body: Json, loc: list[str], msg: str
) -> None:
    tenant = northwind(sync_client)
    before = stored(sync_client, tenant)

    response = sync_client.post(f"/v1/tenants/{tenant}/sync", json=body)

    assert assert_problem(response, 422)["errors"] == [{"loc": loc, "msg": msg}]
    assert httpx_mock.get_requests() == []
    assert stored(sync_client, tenant) == before


# Keys


def test_a_finance_key_may_not_sync_and_a_tenant_key_sees_only_its_tenant(
    sync_client: TestClient, httpx_mock: HTTPXMock
) -> None:
    tenant = northwind(sync_client)
    create_tenant(sync_client, "other")
    _, finance = make_key(sync_client, "finance")
    _, other = make_key(sync_client, "tenant", "other")
    before = stored(sync_client, tenant)
    body = {"source": "statuspage", "url": PAGE}

    as_finance = sync_client.post(f"/v1/tenants/{tenant}/sync", json=body, headers=as_key(finance))
    as_other = sync_client.post(f"/v1/tenants/{tenant}/sync", json=body, headers=as_key(other))

    assert_problem(as_finance, 403)
    assert_problem(as_other, 404)
    # Refused before anything was fetched.
    assert httpx_mock.get_requests() == []
    assert stored(sync_client, tenant) == before


def test_a_tenant_key_syncs_its_own_tenant(sync_client: TestClient, httpx_mock: HTTPXMock) -> None:
    tenant = northwind(sync_client)
    key_id, secret = make_key(sync_client, "tenant", tenant)
    page_answers(httpx_mock)

    response = sync_client.post(
        f"/v1/tenants/{tenant}/sync",
        json={"source": "statuspage", "url": PAGE},
        headers=as_key(secret),
    )

    assert response.status_code == 201, response.text
    result: Json = response.json()
    assert result["actor_key_id"] == key_id


# The fetch holds no lock


def write_lock_is_free(database_url: str, tenant_id: str) -> bool:
    """Whether another connection could start writing `tenant_id`'s data right now,
    without waiting: SQLite's one write lock, or PostgreSQL's lock on the tenant row."""
    if database_url.startswith("sqlite"):
        path = database_url.removeprefix("sqlite:///")
        probe = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
            return True
        except sqlite3.OperationalError:
            return False
        finally:
            probe.close()
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            connection.execute(
                text("SELECT id FROM tenant WHERE id = :id FOR UPDATE NOWAIT"), {"id": tenant_id}
            )
            connection.rollback()
            return True
    except OperationalError:
        return False
    finally:
        engine.dispose()


def test_the_database_is_not_locked_while_the_provider_is_fetched(
    sync_client: TestClient, httpx_mock: HTTPXMock, database_url: str
) -> None:
    # A provider may take a minute to answer (timeouts and retries); meanwhile every
    # other write, on SQLite to any tenant, would wait for the lock and then fail.
    tenant = northwind(sync_client)
    free_during_fetch: list[bool] = []

    def incidents(request: httpx.Request) -> httpx.Response:
        free_during_fetch.append(write_lock_is_free(database_url, tenant))
        return httpx.Response(200, json={"incidents": STATUSPAGE["incidents"]})

    httpx_mock.add_callback(incidents, url=INCIDENTS)
    page_answers(httpx_mock, incidents=False)
    assert write_lock_is_free(database_url, tenant)  # the probe itself

    response = statuspage_sync(sync_client, tenant)

    assert response.status_code == 201, response.text
    assert free_during_fetch == [True]
