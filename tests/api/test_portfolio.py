"""The month's portfolio: JSON pages and the streamed CSV carry the same lines and
figures; filters apply to both; a page costs the same few queries whatever its size
and however many tenants there are; the CSV starts before the month is computed.

November 2026 is 30 × 1440 = 43200 minutes (also in Berlin, whose clocks went back in
October). The clock reads 2026-12-05T12:00Z unless a test moves it.
"""

import asyncio
import csv
import io
from typing import Any, cast

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import event

from app.reports import portfolio
from app.reports.ahead import PagesAhead
from tests.api.scenario import (
    Json,
    app_engine,
    create_tenant,
    sent_statements,
    store_outages,
    subscribe,
    utc,
    window,
)
from tests.conftest import ADMIN_KEY, Clock

MONTH = "2026-11"
LOCAL_POLICY = {
    "id": "local-5",
    "name": "Berlin time, runs of 5 minutes",
    "target_percent": "99.5",
    "tiers": [{"below_percent": "99.5", "credit_percent": "10"}],
    "measurement_timezone": "tenant",
    "min_downtime_minutes": "5",
}


@pytest.fixture
def month(client: TestClient) -> None:
    """Three tenants, five lines: a closed month with a late outage and a claim, partial
    impacts (a fraction and users of seats), maintenance, a policy in the tenant's zone
    with a minimum run, and a line without outages in a currency without decimals."""
    assert client.post("/v1/policies", json=LOCAL_POLICY).status_code == 201
    create_tenant(client, "alpha", name="Alpha Inc")
    subscribe(client, "alpha", "mail", "microsoft-365", "1200.00", users=100)
    subscribe(client, "alpha", "vm", "aws-ec2", "500.00")
    store_outages(
        client,
        "alpha",
        window("mail", "2026-11-10T10:00:00Z", "2026-11-10T11:00:00Z", external_id="A-1"),
        window("mail", "2026-11-10T10:30:00Z", "2026-11-10T11:00:00Z", kind="maintenance"),
        window(
            "mail",
            "2026-11-12T08:00:00Z",
            "2026-11-12T09:00:00Z",
            users_affected=50,
            external_id="A-2",
        ),
        window(
            "vm", "2026-11-20T00:00:00Z", "2026-11-20T02:00:00Z", impact="0.5", external_id="A-3"
        ),
    )
    closed = client.post(f"/v1/tenants/alpha/reports/{MONTH}/close")
    assert closed.status_code == 201, closed.text
    claim = client.post("/v1/tenants/alpha/claims", json={"service_id": "mail", "month": MONTH})
    assert claim.status_code == 201, claim.text
    # After the close: 600 more minutes on mail, shown as an adjustment.
    store_outages(
        client,
        "alpha",
        window("mail", "2026-11-25T00:00:00Z", "2026-11-25T10:00:00Z", external_id="A-4"),
    )
    create_tenant(client, "beta", timezone="Europe/Berlin", currency="EUR", name="=Beta GmbH")
    subscribe(client, "beta", "docs", "google-workspace", "300.00")
    subscribe(client, "beta", "local", "local-5", "100.00")
    store_outages(
        client,
        "beta",
        window("docs", "2026-11-03T10:00:00Z", "2026-11-03T11:30:00Z", external_id="B-1"),
        # Berlin's November starts at 2026-10-31T23:00Z: all 60 minutes are in it.
        window("local", "2026-10-31T23:30:00Z", "2026-11-01T00:30:00Z", external_id="B-2"),
        # 3 minutes: shorter than the policy's 5-minute run, so not counted.
        window("local", "2026-11-15T12:00:00Z", "2026-11-15T12:03:00Z", external_id="B-3"),
    )
    create_tenant(client, "gamma", currency="JPY")
    subscribe(client, "gamma", "vm", "aws-ec2", "50000")


def _pages(client: TestClient, limit: int, **params: str) -> list[Json]:
    """Every line, page by page."""
    lines: list[Json] = []
    query: dict[str, str | int] = {"limit": limit, **params}
    for _ in range(20):
        response = client.get(f"/v1/reports/{MONTH}", params=query)
        assert response.status_code == 200, response.text
        page = response.json()
        assert len(page["items"]) <= limit
        lines.extend(page["items"])
        if page["next_cursor"] is None:
            return lines
        query["cursor"] = page["next_cursor"]
    raise AssertionError("the pages did not end")


def _csv(client: TestClient, **params: str) -> list[dict[str, str]]:
    response = client.get(f"/v1/reports/{MONTH}", params={"format": "csv", **params})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.text)))


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _as_csv(line: Json) -> dict[str, str]:
    """The CSV row a JSON line must have, column by column."""
    adjusted = line["adjustment"] or {}
    name = line["tenant_name"]
    return {
        "tenant_id": line["tenant_id"],
        # A name that starts a formula is shown as text in the CSV.
        "tenant_name": f"'{name}" if name.startswith("=") else name,
        "month": line["month"],
        "service_id": line["service_id"],
        "policy_id": line["policy_id"],
        "period_minutes": line["period_minutes"],
        "downtime_minutes": line["downtime_minutes"],
        "availability_percent": line["availability_percent"],
        "target_percent": line["target_percent"],
        "met": _cell(line["met"]),
        "credit_percent": _cell(line["credit_percent"]),
        "credit_days": _cell(line["credit_days"]),
        "credit_amount": line["credit_amount"],
        "currency": line["currency"],
        "claim_deadline": line["claim_deadline"],
        "claim_open": _cell(line["claim_open"]),
        "provisional": _cell(line["provisional"]),
        "incident_ids": " ".join(i["external_id"] for i in line["incidents"] if i["external_id"]),
        "monthly_fee": line["monthly_fee"],
        "closed": _cell(line["closed"]),
        "adjusted_downtime_minutes": _cell(adjusted.get("downtime_minutes")),
        "adjusted_availability_percent": _cell(adjusted.get("availability_percent")),
        "adjusted_credit_amount": _cell(adjusted.get("credit_amount")),
        "credit_delta": _cell(adjusted.get("credit_delta")),
        "claim_status": _cell(line["claim_status"]),
    }


def _keys(lines: list[Json] | list[dict[str, str]]) -> list[str]:
    return [f"{line['tenant_id']}/{line['service_id']}" for line in lines]


def test_the_csv_carries_the_json_pages_line_for_line(client: TestClient, month: None) -> None:
    lines = _pages(client, limit=2)
    rows = _csv(client)

    assert _keys(lines) == ["alpha/mail", "alpha/vm", "beta/docs", "beta/local", "gamma/vm"]
    assert rows == [_as_csv(line) for line in lines]
    mail, vm, docs, local, gamma = lines
    # Frozen at the close: 10:00–11:00 less the maintenance 10:30–11:00 (excluded, as
    # microsoft-365 says) = 30 min, plus 60 min × 50/100 users = 30 min → 60 min;
    # 100 − 60/432 = 99.8611… < 99.9 → 25 % of 1200.00 = 300.00.
    assert (mail["closed"], mail["closed_by"]) == (True, "bootstrap")
    assert (mail["downtime_minutes"], mail["excluded_minutes"]) == ("60", "30")
    assert (mail["availability_percent"], mail["credit_amount"]) == ("99.8611", "300.00")
    assert [(i["external_id"], i["counted_minutes"]) for i in mail["incidents"]] == [
        ("A-1", "30"),
        ("A-2", "30"),
    ]
    # Recomputed with the late 600 minutes: 660; 100 − 660/432 = 98.4722… < 99 → 50 %
    # = 600.00, 300.00 more than closed.
    assert mail["adjustment"]["downtime_minutes"] == "660"
    assert mail["adjustment"]["availability_percent"] == "98.4722"
    assert (mail["adjustment"]["credit_amount"], mail["adjustment"]["credit_delta"]) == (
        "600.00",
        "300.00",
    )
    assert (mail["claim_status"], rows[0]["claim_status"]) == ("draft", "draft")
    assert rows[0]["incident_ids"] == "A-1 A-2"
    # 120 min at impact 0.5 = 60 min: 99.8611 < 99.99, not < 99.0 → 10 % of 500.00.
    assert (vm["downtime_minutes"], vm["credit_amount"], vm["adjustment"]) == (
        "60",
        "50.00",
        None,
    )
    # 90 min: 100 − 90/432 = 99.7916… < 99.9 → 3 days of 300.00 / 30 days = 30.00 EUR.
    assert (docs["closed"], docs["availability_percent"], docs["credit_days"]) == (
        False,
        "99.7916",
        "3",
    )
    assert (docs["credit_amount"], docs["currency"]) == ("30.00", "EUR")
    # Measured in Berlin: the month starts at 00:00+01:00, so B-2 counts all 60 min;
    # B-3 (3 min) is shorter than the 5-minute run. 99.8611 ≥ 99.5: met, no credit.
    assert local["period_start"] == "2026-11-01T00:00:00+01:00"
    assert [(i["external_id"], i["counted_minutes"]) for i in local["incidents"]] == [
        ("B-2", "60"),
        ("B-3", "0"),
    ]
    assert (local["downtime_minutes"], local["met"], local["credit_amount"]) == (
        "60",
        True,
        "0.00",
    )
    # No outage; yen have no minor unit.
    assert (gamma["availability_percent"], gamma["credit_amount"]) == ("100", "0")


def test_one_page_of_all_lines_equals_pages_of_one(client: TestClient, month: None) -> None:
    assert _pages(client, limit=500) == _pages(client, limit=1)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        # met as shown: alpha's lines as frozen
        ({"met": "false"}, ["alpha/mail", "alpha/vm", "beta/docs"]),
        ({"met": "true"}, ["beta/local", "gamma/vm"]),
        ({"closed": "true"}, ["alpha/mail", "alpha/vm"]),
        ({"closed": "false"}, ["beta/docs", "beta/local", "gamma/vm"]),
        ({"met": "false", "closed": "false"}, ["beta/docs"]),
        ({"claim_open": "false"}, []),
    ],
)
def test_filters_apply_to_pages_and_csv_alike(
    client: TestClient, month: None, params: dict[str, str], expected: list[str]
) -> None:
    lines = _pages(client, limit=1, **params)
    rows = _csv(client, **params)

    assert _keys(lines) == expected
    assert rows == [_as_csv(line) for line in lines]


def test_claim_open_filters_by_the_clock(client: TestClient, month: None, clock: Clock) -> None:
    # 1 Jan 2027 00:00Z: microsoft-365's deadline (31 Dec, UTC) has ended; Google's
    # P30D from 1 Dec is 31 Dec, so its deadline is 30 Dec; local-5's P1M deadline is
    # 31 Dec in Berlin, ended at 23:00Z. aws-ec2's P2M runs to 31 Jan.
    clock.now = utc(2027, 1, 1)

    closed = _pages(client, limit=2, claim_open="false")
    still_open = _csv(client, claim_open="true")

    assert _keys(closed) == ["alpha/mail", "beta/docs", "beta/local"]
    assert _keys(still_open) == ["alpha/vm", "gamma/vm"]


# What a page costs


def _tenants(client: TestClient, first: int, count: int) -> None:
    """`count` tenants, each with a built-in and a custom policy's line and an outage."""
    for number in range(first, first + count):
        tenant_id = f"t{number:03d}"
        create_tenant(client, tenant_id)
        subscribe(client, tenant_id, "mail", "microsoft-365", "1200.00")
        subscribe(client, tenant_id, "local", "local-5", "100.00")
        store_outages(
            client, tenant_id, window("mail", "2026-11-10T10:00:00Z", "2026-11-10T11:00:00Z")
        )


def _page_statements(client: TestClient, limit: int, cursor: str | None = None) -> list[str]:
    params: dict[str, str | int] = {"limit": limit}
    if cursor is not None:
        params["cursor"] = cursor
    with sent_statements(app_engine(client)) as sent:
        response = client.get(f"/v1/reports/{MONTH}", params=params)
    assert response.status_code == 200, response.text
    assert len(response.json()["items"]) == limit
    return sent


def test_a_page_costs_the_same_queries_whatever_its_size_and_the_tenants(
    client: TestClient, month: None
) -> None:
    # Each page read by its own request: the pages read ahead have their own tests
    # (tests/api/test_pages_ahead.py).
    cast(FastAPI, client.app).state.pages_ahead = PagesAhead(0)
    # 5 lines so far; 3 tenants more make 11, then 10 more make 31.
    _tenants(client, 0, 3)
    small = _page_statements(client, limit=2)
    first_page = client.get(f"/v1/reports/{MONTH}", params={"limit": 4}).json()
    later = _page_statements(client, limit=4, cursor=first_page["next_cursor"])
    _tenants(client, 3, 10)
    large = _page_statements(client, limit=25)

    # One read each of the page's lines (with their tenants' revisions), the lines
    # stored for those tenants, their custom policies, their windows, closes and claims (beside the
    # transactions' own statements and the one write storing the lines computed),
    # however long the page and however many tenants. The first page (alpha/mail,
    # alpha/vm) has built-in policies only, so it needs no policy read; the others have
    # local-5 lines. Every page here has lines not stored yet (`large` has 4 stored by
    # `first_page`).
    assert _reads(later) == _reads(large) == sorted(_TABLES)
    assert _reads(small) == sorted(set(_TABLES) - {"CUSTOM_POLICY"})
    assert len(later) == len(large) == len(small) + 1


_TABLES = (
    "SUBSCRIPTION_TERM",
    "STORED_LINE",
    "CUSTOM_POLICY",
    "OUTAGE",
    "CLOSED_MONTH",
    "CLAIM",
)


def _reads(statements: list[str]) -> list[str]:
    """The table each SELECT reads first, sorted."""
    reads = [s.upper() for s in statements if s.lstrip().upper().startswith("SELECT")]
    return sorted(next(t for t in _TABLES if f"FROM {t}" in s) for s in reads)


# Streaming


def test_the_csv_is_sent_while_the_month_is_still_being_read(
    client: TestClient, month: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two lines per batch: the five lines are three batches, each with its windows query.
    monkeypatch.setattr(portfolio, "PORTFOLIO_BATCH", 2)
    app = cast(FastAPI, client.app)
    happened: list[str] = []
    messages: list[dict[str, Any]] = []

    requested: list[bool] = []

    async def receive() -> dict[str, Any]:
        # The request once; then the client stays connected until the body is sent.
        if not requested:
            requested.append(True)
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.Event().wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)
        if message["type"] == "http.response.body" and message.get("body"):
            happened.append("sent")

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "FROM outage" in statement:
            happened.append("windows read")

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": f"/v1/reports/{MONTH}",
        "raw_path": f"/v1/reports/{MONTH}".encode(),
        "query_string": b"format=csv",
        "root_path": "",
        "headers": [(b"host", b"testserver"), (b"x-api-key", ADMIN_KEY.encode())],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    event.listen(app_engine(client), "before_cursor_execute", note)
    try:
        asyncio.run(app(scope, receive, send))  # type: ignore[arg-type]
    finally:
        event.remove(app_engine(client), "before_cursor_execute", note)

    assert messages[0]["status"] == 200
    body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
    assert _keys(list(csv.DictReader(io.StringIO(body.decode())))) == [
        "alpha/mail",
        "alpha/vm",
        "beta/docs",
        "beta/local",
        "gamma/vm",
    ]
    # The header and the first two rows went out before the last batch was read.
    assert happened == ["windows read", "sent", "windows read", "sent", "windows read", "sent"]


def test_pages_of_one_line_show_each_line_once_with_the_terms_in_force(
    client: TestClient,
) -> None:
    # Two tenants, each with two services; alpha's mail changed its fee from October
    # and again from December, so November's terms are October's; beta's vm changed
    # from October (a line after the first page's, whose earlier terms must not show).
    for tenant_id in ("alpha", "beta"):
        create_tenant(client, tenant_id)
        for service_id in ("mail", "vm"):
            subscribe(client, tenant_id, service_id, "microsoft-365", "100.00")
    changes = (
        ("alpha", "mail", "2026-10", "200.00"),
        ("alpha", "mail", "2026-12", "300.00"),
        ("beta", "vm", "2026-10", "150.00"),
    )
    for tenant_id, service_id, month, fee in changes:
        changed = client.put(
            f"/v1/tenants/{tenant_id}/services/{service_id}",
            json={"policy_id": "microsoft-365", "monthly_fee": fee, "effective_from": month},
        )
        assert changed.status_code in (200, 201), changed.text

    seen: list[tuple[str, str, str]] = []
    params: dict[str, str | int] = {"limit": 1}
    while True:
        page = client.get(f"/v1/reports/{MONTH}", params=params).json()
        seen += [(i["tenant_id"], i["service_id"], i["monthly_fee"]) for i in page["items"]]
        if page["next_cursor"] is None:
            break
        params["cursor"] = page["next_cursor"]

    assert seen == [
        ("alpha", "mail", "200.00"),
        ("alpha", "vm", "100.00"),
        ("beta", "mail", "100.00"),
        ("beta", "vm", "150.00"),
    ]
