"""Portfolio JSON pages read ahead: once a page with a `next_cursor` is answered, the
next is read in the background and served to the request for it, but only while it is
still that page: a write, a line coming into force or the clock passing a deadline in
between shows in the very next page.

Through the test client a page's background task has run by the time its answer is
returned, so each page after the first is read ahead before it is asked for; the live
server below reads ahead while the client reads.

November 2026 in UTC is 30 × 1440 = 43200 minutes; microsoft-365 (99.9 %) allows
43.2 minutes, and below 99.9 % credits 25 % of the fee. The clock reads 2026-12-05
12:00Z: November is over, its claim (deadline 31 December) still open.
"""

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any, cast

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

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
from tests.conftest import Clock, fresh_database_url, start_live_server

EXO = "exchange-online"
MONTH = "2026-11"
_OUTCOME = re.compile(
    r'^sla_portfolio_pages_read_ahead_total\{outcome="(\w+)"\} ([0-9.e+]+)$', re.M
)


@pytest.fixture
def tenants(client: TestClient) -> None:
    """Three lines, a page each at `limit=1`: contoso down 60 minutes, fabrikam and
    northwind never down."""
    for tenant_id in ("contoso", "fabrikam", "northwind"):
        create_tenant(client, tenant_id)
        subscribe(client, tenant_id, EXO, "microsoft-365", "1200.00")
    store_outages(client, "contoso", window(EXO, "2026-11-10T08:00:00Z", "2026-11-10T09:00:00Z"))


def _outcomes(client: TestClient | httpx.Client) -> Counter[str]:
    """Pages asked for by cursor so far, by what became of the page read ahead."""
    return Counter(
        {
            outcome: int(float(count))
            for outcome, count in _OUTCOME.findall(client.get("/metrics").text)
        }
    )


def _page(
    client: TestClient | httpx.Client,
    cursor: str | None = None,
    limit: int = 1,
    month: str = MONTH,
    **params: Any,
) -> Json:
    if cursor is not None:
        params["cursor"] = cursor
    response = client.get(f"/v1/reports/{month}", params={"limit": limit, **params})
    assert response.status_code == 200, response.text
    return cast(Json, response.json())


def _pull(
    client: TestClient | httpx.Client, limit: int = 1, month: str = MONTH, **params: Any
) -> list[bytes]:
    """Every page of the month, as sent."""
    bodies, cursor = [], None
    while True:
        if cursor is not None:
            params["cursor"] = cursor
        response = client.get(f"/v1/reports/{month}", params={"limit": limit, **params})
        assert response.status_code == 200, response.text
        bodies.append(response.content)
        cursor = response.json()["next_cursor"]
        if cursor is None:
            return bodies


def _line(page: Json) -> Json:
    (line,) = page["items"]
    return cast(Json, line)


def _read_ahead_off(client: TestClient) -> None:
    cast(FastAPI, client.app).state.pages_ahead = PagesAhead(0)


def test_each_page_after_the_first_is_served_as_read_ahead_and_as_if_computed(
    client: TestClient, tenants: None
) -> None:
    before = _outcomes(client)
    ahead = _pull(client)
    # Pages 2 and 3 were asked for by cursor, and each had been read ahead.
    assert _outcomes(client) - before == Counter(served=2)

    _read_ahead_off(client)
    before = _outcomes(client)
    assert _pull(client) == ahead
    assert _outcomes(client) - before == Counter(missing=2)

    lines = [_line(json.loads(body)) for body in ahead]
    assert [line["tenant_id"] for line in lines] == ["contoso", "fabrikam", "northwind"]
    # 60 min: (43200 − 60) / 43200 = 99.8611 % < 99.9 → 25 % of 1200.00 = 300.00;
    # never down: 100 %, nothing owed.
    assert [(line["downtime_minutes"], line["credit_amount"]) for line in lines] == [
        ("60", "300.00"),
        ("0", "0.00"),
        ("0", "0.00"),
    ]


def test_a_write_to_the_next_pages_tenant_shows_in_that_page(
    client: TestClient, tenants: None
) -> None:
    first = _page(client)
    before = _outcomes(client)
    # fabrikam's page has been read ahead (never down); now it is down 30 minutes.
    store_outages(client, "fabrikam", window(EXO, "2026-11-20T08:00:00Z", "2026-11-20T08:30:00Z"))

    fabrikam = _line(_page(client, first["next_cursor"]))

    assert _outcomes(client) - before == Counter(stale=1)
    # (43200 − 30) / 43200 = 99.930555… % ≥ 99.9: met, nothing owed; shown cut (never
    # rounded) to 4 decimals.
    assert (fabrikam["tenant_id"], fabrikam["downtime_minutes"]) == ("fabrikam", "30")
    assert (fabrikam["availability_percent"], fabrikam["credit_amount"]) == ("99.9305", "0.00")


def test_a_line_coming_into_force_between_two_pages_shows_in_the_next(
    client: TestClient, tenants: None
) -> None:
    first = _page(client)
    before = _outcomes(client)
    # Read ahead: fabrikam's page. A tenant sorting between contoso and fabrikam now
    # has a line, so the page after contoso is its.
    create_tenant(client, "dunder")
    subscribe(client, "dunder", EXO, "microsoft-365", "500.00")

    second = _page(client, first["next_cursor"])
    third = _page(client, second["next_cursor"])

    assert (_line(second)["tenant_id"], _line(third)["tenant_id"]) == ("dunder", "fabrikam")
    # dunder's page was the stale one; fabrikam's was read ahead after it, and served.
    assert _outcomes(client) - before == Counter(stale=1, served=1)


def test_the_clock_passing_the_claim_deadline_between_two_pages_shows_in_the_next(
    client: TestClient, tenants: None, clock: Clock
) -> None:
    first = _page(client)
    assert _line(first)["claim_open"] is True
    before = _outcomes(client)

    # microsoft-365: November's claim deadline is 31 December; its day ends at
    # 2027-01-01T00:00Z. One second before, the page read ahead still holds.
    clock.now = utc(2026, 12, 31, 23, 59, 59)
    second = _page(client, first["next_cursor"])
    assert _line(second)["claim_open"] is True
    clock.now = utc(2027, 1, 1)
    third = _page(client, second["next_cursor"])

    assert _line(third)["claim_open"] is False
    assert _outcomes(client) - before == Counter(served=1, stale=1)


def test_a_clock_set_back_between_two_pages_is_not_served_what_was_read_later(
    client: TestClient, tenants: None, clock: Clock
) -> None:
    clock.now = utc(2027, 1, 1)
    first = _page(client)
    before = _outcomes(client)

    clock.now = utc(2026, 12, 5, 12)
    second = _page(client, first["next_cursor"])

    # Read ahead at 2027-01-01, after the deadline; asked for before it.
    assert _line(second)["claim_open"] is True
    assert _outcomes(client) - before == Counter(stale=1)


def test_a_month_not_over_is_never_read_ahead(client: TestClient, tenants: None) -> None:
    store_outages(client, "fabrikam", window(EXO, "2026-12-05T10:00:00Z"))
    before = _outcomes(client)

    pages = [json.loads(body) for body in _pull(client, month="2026-12")]

    # December's lines change minute by minute: nothing to keep, so each page after the
    # first is read by its own request. fabrikam, ongoing since 10:00, is 120 minutes
    # down at 12:00.
    assert _outcomes(client) - before == Counter(missing=2)
    assert [_line(page)["downtime_minutes"] for page in pages] == ["0", "120", "0"]


def test_filtered_pages_are_never_read_ahead(client: TestClient, tenants: None) -> None:
    before = _outcomes(client)

    pages = [json.loads(body) for body in _pull(client, met="true")]

    assert [_line(page)["tenant_id"] for page in pages] == ["fabrikam", "northwind"]
    assert _outcomes(client) - before == Counter()


def test_a_page_served_as_read_ahead_reads_only_the_lines_in_force(
    client: TestClient, tenants: None
) -> None:
    first = _page(client, limit=2)

    # The last page: nothing is read ahead after it.
    with sent_statements(app_engine(client)) as sent:
        last = _page(client, first["next_cursor"], limit=2)

    assert (_line(last)["tenant_id"], last["next_cursor"]) == ("northwind", None)
    # Beside the caller's key: the lines in force with their tenants' revisions, and
    # nothing else: no stored line, no window, nothing written.
    reads = [s for s in sent if s.lstrip().upper().startswith("SELECT")]
    assert [s for s in reads if "subscription_term" in s and "audit_event" in s] != []
    assert [s for s in reads if "stored_line" in s or "outage" in s] == []
    assert [s for s in sent if s.lstrip().upper().startswith(("INSERT", "UPDATE"))] == []


def test_a_live_server_reads_ahead_while_the_client_reads(tmp_path: Path) -> None:
    # A real server: the background read runs on its own thread while the answer is
    # sent, and a request that comes before it ends waits for it. The real clock, for
    # which October 2026 is over.
    url = fresh_database_url(tmp_path)
    for server in start_live_server(tmp_path, {"SLA_DATABASE_URL": url}):
        with httpx.Client(base_url=server.url, headers={"X-API-Key": server.key}) as admin:
            for tenant_id in ("contoso", "fabrikam", "northwind", "tailspin"):
                admin.post("/v1/tenants", json={"id": tenant_id, "name": tenant_id})
                admin.put(
                    f"/v1/tenants/{tenant_id}/services/{EXO}",
                    json={"policy_id": "microsoft-365", "monthly_fee": "1200.00"},
                ).raise_for_status()
            before = _outcomes(admin)
            pulls = [
                _pull(admin, month="2026-10"),
                _pull(admin, month="2026-10"),
            ]
            first = _page(admin, month="2026-10")
            admin.post(
                "/v1/tenants/fabrikam/outages",
                json={"outages": [window(EXO, "2026-10-10T08:00:00Z", "2026-10-10T09:00:00Z")]},
            ).raise_for_status()
            fabrikam = _line(_page(admin, first["next_cursor"], month="2026-10"))
            outcomes = _outcomes(admin) - before

    # Every page alike from one pull to the next; three pages by cursor in each.
    assert pulls[0] == pulls[1] and len(pulls[0]) == 4
    # Seven pages asked for by cursor. The page after the write was read ahead before
    # it (stale) unless its reading began only after the write; a page asked for
    # before its reading began is read by its request (missing). Pages are read ahead
    # as the client reads: some are served so.
    assert sum(outcomes.values()) == 7 and outcomes["stale"] <= 1
    assert outcomes["served"] >= 1
    # October 2026 in UTC is 31 × 1440 = 44640 minutes; 60 down: 99.8655 % < 99.9 → 25 %
    # of 1200.00 = 300.00.
    assert (fabrikam["downtime_minutes"], fabrikam["credit_amount"]) == ("60", "300.00")
