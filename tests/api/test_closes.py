"""Closing a month: the figures are frozen; what changes later shows as adjustments with
the credit's difference, exact in the currency's minor unit.

November 2026 in UTC is 30 × 1440 = 43200 minutes; microsoft-365 credits 25 % below
99.9 and 50 % below 99. The clock reads 2026-12-05T12:00Z unless a test moves it.
"""

import csv
import io

import pytest
from fastapi.testclient import TestClient

from tests.api.scenario import (
    Json,
    as_key,
    assert_problem,
    create_tenant,
    make_key,
    report,
    store_outages,
    subscribe,
    utc,
    window,
)
from tests.conftest import Clock

EXO = "exchange-online"


def _close(client: TestClient, tenant_id: str, key: str | None = None) -> Json:
    headers = None if key is None else as_key(key)
    response = client.post(f"/v1/tenants/{tenant_id}/reports/2026-11/close", headers=headers)
    assert response.status_code == 201, response.text
    body: Json = response.json()
    return body


def _line(body: Json, service_id: str = EXO) -> Json:
    (line,) = [line for line in body["services"] if line["service_id"] == service_id]
    assert isinstance(line, dict)
    return line


def _tenant_with_an_hour_down(client: TestClient, tenant_id: str, currency: str, fee: str) -> str:
    """One 60-minute November outage; returns its outage id."""
    create_tenant(client, tenant_id, currency=currency)
    subscribe(client, tenant_id, EXO, "microsoft-365", fee)
    stored = store_outages(
        client, tenant_id, window(EXO, "2026-11-10T10:00:00Z", "2026-11-10T11:00:00Z")
    )
    return str(stored["outages"][0]["id"])


# A late outage after the close: frozen figures, an adjustment and an exact delta


@pytest.mark.parametrize(
    ("currency", "fee", "closed_credit", "recomputed_credit", "delta"),
    [
        # 25 % of 1234.56 = 308.64; 50 % = 617.28; 617.28 − 308.64 = 308.64
        pytest.param("USD", "1234.56", "308.64", "617.28", "308.64", id="usd"),
        # 25 % of 10002 = 2500.5 → half-up 2501 yen; 50 % = 5001; 5001 − 2501 = 2500
        pytest.param("JPY", "10002", "2501", "5001", "2500", id="jpy"),
    ],
)
def test_a_late_outage_shows_as_an_adjustment_of_the_frozen_month(
    client: TestClient,
    currency: str,
    fee: str,
    closed_credit: str,
    recomputed_credit: str,
    delta: str,
) -> None:
    _tenant_with_an_hour_down(client, "contoso", currency, fee)
    finance_id, finance = make_key(client, "finance")

    closed = _close(client, "contoso", finance)

    # 60 min: 100 − 6000/43200 = 99.861111… → 99.8611, the 25 % tier
    assert (closed["closed"], closed["closed_by"]) == (True, finance_id)
    assert closed["closed_at"] == "2026-12-05T12:00:00+00:00"
    line = _line(closed)
    assert (line["downtime_minutes"], line["availability_percent"]) == ("60", "99.8611")
    assert (line["credit_percent"], line["credit_amount"]) == ("25", closed_credit)
    assert (line["closed"], line["adjustment"]) == (True, None)
    # No adjustment yet: nothing to add, in the currency's minor unit.
    assert closed["total_credit_delta"] == {"USD": "0.00", "JPY": "0"}[currency]
    assert report(client, "contoso") == closed

    # A late import: 400 more minutes on 20 Nov, 08:00Z–14:40Z.
    store_outages(client, "contoso", window(EXO, "2026-11-20T08:00:00Z", "2026-11-20T14:40:00Z"))
    after = report(client, "contoso")

    # The figures as closed stay, incidents included.
    frozen = _line(after)
    assert {k: v for k, v in frozen.items() if k != "adjustment"} == {
        k: v for k, v in line.items() if k != "adjustment"
    }
    assert len(frozen["incidents"]) == 1
    assert after["total_credit_amount"] == closed_credit
    # Recomputed: 60 + 400 = 460 min; 100 − 46000/43200 = 100 − 1.064814… = 98.935185…
    # → 98.9351, below 99: the 50 % tier.
    assert frozen["adjustment"] == {
        "downtime_minutes": "460",
        "excluded_minutes": "0",
        "availability_percent": "98.9351",
        "met": False,
        "credit_percent": "50",
        "credit_days": None,
        "credit_amount": recomputed_credit,
        "credit_delta": delta,
        "provisional": False,
    }
    assert after["total_credit_delta"] == delta
    assert (after["closed"], after["closed_by"]) == (True, finance_id)


def test_a_correction_that_lowers_the_credit_gives_a_negative_delta(client: TestClient) -> None:
    create_tenant(client, "contoso")
    subscribe(client, "contoso", EXO, "microsoft-365", "1234.56")
    stored = store_outages(
        client,
        "contoso",
        window(EXO, "2026-11-10T10:00:00Z", "2026-11-10T11:00:00Z"),
        window(EXO, "2026-11-20T08:00:00Z", "2026-11-20T14:40:00Z"),
    )
    long_id = stored["outages"][1]["id"]
    # Closed at 460 min: 98.9351, 50 % of 1234.56 = 617.28
    assert _line(_close(client, "contoso"))["credit_amount"] == "617.28"

    # The provider corrects the long outage to 100 min (08:00Z–09:40Z).
    corrected = client.patch(
        f"/v1/tenants/contoso/outages/{long_id}", json={"end": "2026-11-20T09:40:00Z"}
    )
    assert corrected.status_code == 200, corrected.text

    after = report(client, "contoso")
    line = _line(after)
    assert line["credit_amount"] == "617.28"
    # 60 + 100 = 160 min: 100 − 16000/43200 = 100 − 0.370370… = 99.629629… → 99.6296,
    # the 25 % tier: 308.64; 308.64 − 617.28 = −308.64
    assert line["adjustment"]["downtime_minutes"] == "160"
    assert line["adjustment"]["availability_percent"] == "99.6296"
    assert line["adjustment"]["credit_amount"] == "308.64"
    assert line["adjustment"]["credit_delta"] == "-308.64"
    assert after["total_credit_delta"] == "-308.64"


def test_a_withdrawn_window_in_yen_gives_a_negative_delta(client: TestClient) -> None:
    outage_id = _tenant_with_an_hour_down(client, "tokyo", "JPY", "10001")
    # 25 % of 10001 = 2500.25 → 2500 yen
    assert _line(_close(client, "tokyo"))["credit_amount"] == "2500"

    assert client.delete(f"/v1/tenants/tokyo/outages/{outage_id}").status_code == 204

    line = _line(report(client, "tokyo"))
    # No downtime left: 100 %, met, no credit: 0 − 2500 = −2500
    assert line["adjustment"]["availability_percent"] == "100"
    assert line["adjustment"]["met"] is True
    assert line["adjustment"]["credit_amount"] == "0"
    assert line["adjustment"]["credit_delta"] == "-2500"


def test_a_change_that_keeps_the_credit_still_shows_with_a_zero_delta(
    client: TestClient,
) -> None:
    _tenant_with_an_hour_down(client, "contoso", "USD", "1200.00")
    _close(client, "contoso")
    # 10 more minutes: 70 min, 100 − 7000/43200 = 99.837962… → 99.8379, still 25 %
    store_outages(client, "contoso", window(EXO, "2026-11-11T10:00:00Z", "2026-11-11T10:10:00Z"))

    adjustment = _line(report(client, "contoso"))["adjustment"]

    assert (adjustment["downtime_minutes"], adjustment["availability_percent"]) == (
        "70",
        "99.8379",
    )
    assert (adjustment["credit_amount"], adjustment["credit_delta"]) == ("300.00", "0.00")


# When a month cannot be closed


def test_close_is_refused_while_the_month_is_not_over(client: TestClient, clock: Clock) -> None:
    _tenant_with_an_hour_down(client, "contoso", "USD", "1200.00")
    clock.now = utc(2026, 11, 20, 12)

    refused = client.post("/v1/tenants/contoso/reports/2026-11/close")

    assert "not over" in assert_problem(refused, 409)["detail"]
    assert report(client, "contoso")["closed"] is False


def test_close_is_refused_while_a_window_is_ongoing(client: TestClient) -> None:
    create_tenant(client, "contoso")
    subscribe(client, "contoso", EXO, "microsoft-365", "1200.00")
    store_outages(client, "contoso", window(EXO, "2026-11-30T23:00:00Z", external_id="INC-9"))

    refused = client.post("/v1/tenants/contoso/reports/2026-11/close")

    assert "INC-9" in assert_problem(refused, 409)["detail"]


def test_close_is_refused_while_a_tenant_zone_month_is_not_over(
    client: TestClient, clock: Clock
) -> None:
    create_tenant(client, "honolulu", timezone="Pacific/Honolulu")
    created = client.post(
        "/v1/policies",
        json={
            "id": "local",
            "name": "Local",
            "target_percent": "99.9",
            "tiers": [{"below_percent": "99.9", "credit_percent": "10"}],
            "measurement_timezone": "tenant",
        },
    )
    assert created.status_code == 201
    subscribe(client, "honolulu", "erp", "local", "100.00")
    # The UTC month is over, Honolulu's (−10:00) runs to 1 Dec 10:00Z.
    clock.now = utc(2026, 12, 1, 9, 59)

    assert_problem(client.post("/v1/tenants/honolulu/reports/2026-11/close"), 409)
    clock.now = utc(2026, 12, 1, 10)
    assert client.post("/v1/tenants/honolulu/reports/2026-11/close").status_code == 201


def test_a_month_closes_once(client: TestClient) -> None:
    _tenant_with_an_hour_down(client, "contoso", "USD", "1200.00")
    _close(client, "contoso")

    again = client.post("/v1/tenants/contoso/reports/2026-11/close")

    assert "bootstrap" in assert_problem(again, 409)["detail"]


def test_close_replays_with_the_same_idempotency_key(client: TestClient) -> None:
    _tenant_with_an_hour_down(client, "contoso", "USD", "1200.00")
    headers = {"Idempotency-Key": "close-nov"}

    first = client.post("/v1/tenants/contoso/reports/2026-11/close", headers=headers)
    second = client.post("/v1/tenants/contoso/reports/2026-11/close", headers=headers)

    assert first.status_code == second.status_code == 201
    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.json() == first.json()


def test_a_tenant_key_may_not_close_and_a_bad_month_is_refused(client: TestClient) -> None:
    _tenant_with_an_hour_down(client, "contoso", "USD", "1200.00")
    _, tenant = make_key(client, "tenant", "contoso")

    assert_problem(
        client.post("/v1/tenants/contoso/reports/2026-11/close", headers=as_key(tenant)), 403
    )
    assert_problem(client.post("/v1/tenants/contoso/reports/2026-13/close"), 422)
    assert_problem(client.post("/v1/tenants/nobody/reports/2026-11/close"), 404)


# Reopening


def test_an_admin_reopens_a_month_and_it_is_computed_again(client: TestClient) -> None:
    _tenant_with_an_hour_down(client, "contoso", "USD", "1200.00")
    _, finance = make_key(client, "finance")
    _close(client, "contoso", finance)
    store_outages(client, "contoso", window(EXO, "2026-11-20T08:00:00Z", "2026-11-20T14:40:00Z"))

    assert_problem(
        client.delete("/v1/tenants/contoso/reports/2026-11/close", headers=as_key(finance)), 403
    )
    reopened = client.delete("/v1/tenants/contoso/reports/2026-11/close")

    assert reopened.status_code == 204
    body = report(client, "contoso")
    assert (body["closed"], body["closed_at"], body["total_credit_delta"]) == (False, None, None)
    # 460 min now count as they are: 50 % of 1200.00
    assert (_line(body)["credit_amount"], _line(body)["closed"]) == ("600.00", False)
    assert_problem(client.delete("/v1/tenants/contoso/reports/2026-11/close"), 404)
    # Closed again, it freezes the figures as they are now.
    assert _line(_close(client, "contoso"))["credit_amount"] == "600.00"
    events = client.get("/v1/audit", params={"entity": "month"}).json()["items"]
    assert [(e["entity_id"], e["action"]) for e in events] == [
        ("contoso/2026-11", "close"),
        ("contoso/2026-11", "reopen"),
        ("contoso/2026-11", "close"),
    ]
    assert events[1]["before"]["total_credit_amount"] == "300.00"
    assert events[1]["actor_key_id"] == "bootstrap"
    assert events[2]["after"]["services"] == [{"service_id": EXO, "credit_amount": "600.00"}]


# The portfolio and CSV


@pytest.fixture
def portfolio(client: TestClient) -> None:
    """alpha (closed, then a late outage) and beta (open), each with mail and vm."""
    for tenant_id in ("alpha", "beta"):
        create_tenant(client, tenant_id)
        subscribe(client, tenant_id, "mail", "microsoft-365", "1200.00")
        subscribe(client, tenant_id, "vm", "aws-ec2", "500.00")
        # mail: 60 min → 99.8611, 25 %: 300.00; vm: none → 100 %, met
        store_outages(
            client, tenant_id, window("mail", "2026-11-10T10:00:00Z", "2026-11-10T11:00:00Z")
        )
    _close(client, "alpha")
    # alpha's vm after the close: 60 min → 99.8611 < 99.99 → 10 % of 500.00 = 50.00
    store_outages(client, "alpha", window("vm", "2026-11-10T10:00:00Z", "2026-11-10T11:00:00Z"))


def _portfolio(client: TestClient, **params: str | int) -> list[Json]:
    response = client.get("/v1/reports/2026-11", params=params)
    assert response.status_code == 200, response.text
    items: list[Json] = response.json()["items"]
    return items


def test_the_portfolio_shows_closed_lines_and_their_adjustments(
    client: TestClient, portfolio: None
) -> None:
    lines = {(line["tenant_id"], line["service_id"]): line for line in _portfolio(client)}

    alpha_vm = lines[("alpha", "vm")]
    assert (alpha_vm["closed"], alpha_vm["closed_by"]) == (True, "bootstrap")
    assert alpha_vm["closed_at"] == "2026-12-05T12:00:00+00:00"
    # frozen: met, no credit; recomputed: 10 % of 500.00, a 50.00 delta
    assert (alpha_vm["met"], alpha_vm["credit_amount"]) == (True, "0.00")
    assert alpha_vm["adjustment"]["credit_amount"] == "50.00"
    assert alpha_vm["adjustment"]["credit_delta"] == "50.00"
    assert (lines[("alpha", "mail")]["closed"], lines[("alpha", "mail")]["adjustment"]) == (
        True,
        None,
    )
    beta_vm = lines[("beta", "vm")]
    assert (beta_vm["closed"], beta_vm["closed_at"], beta_vm["adjustment"]) == (False, None, None)
    # The portfolio's closed lines are the tenant report's.
    for service_id in ("mail", "vm"):
        own = _line(report(client, "alpha"), service_id)
        assert {key: lines[("alpha", service_id)][key] for key in own} == own


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        pytest.param({"closed": "true"}, ["alpha/mail", "alpha/vm"], id="closed"),
        pytest.param({"closed": "false"}, ["beta/mail", "beta/vm"], id="open"),
        # met as shown: alpha's vm was met when closed
        pytest.param({"met": "false"}, ["alpha/mail", "beta/mail"], id="missed"),
        pytest.param({"met": "false", "closed": "false"}, ["beta/mail"], id="missed-and-open"),
        pytest.param({"claim_open": "true"}, ["alpha/mail", "alpha/vm", "beta/mail", "beta/vm"]),
    ],
)
def test_the_portfolio_filters(
    client: TestClient, portfolio: None, params: dict[str, str], expected: list[str]
) -> None:
    lines = _portfolio(client, **params)

    assert [f"{line['tenant_id']}/{line['service_id']}" for line in lines] == expected


def test_filtered_pages_are_full(client: TestClient, portfolio: None) -> None:
    seen: list[str] = []
    cursor: str | None = None
    for _ in range(5):
        params: dict[str, str | int] = {"limit": 1, "closed": "false"}
        if cursor is not None:
            params["cursor"] = cursor
        page = client.get("/v1/reports/2026-11", params=params).json()
        assert len(page["items"]) == 1
        seen.append(f"{page['items'][0]['tenant_id']}/{page['items'][0]['service_id']}")
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ["beta/mail", "beta/vm"]


def test_claim_open_follows_the_clock(client: TestClient, portfolio: None, clock: Clock) -> None:
    # 1 Jan 2027: microsoft-365's P1M deadline (31 Dec) has ended, aws-ec2's P2M not.
    clock.now = utc(2027, 1, 1)

    lines = _portfolio(client, claim_open="false")

    assert [f"{line['tenant_id']}/{line['service_id']}" for line in lines] == [
        "alpha/mail",
        "beta/mail",
    ]


def test_the_portfolio_csv_carries_closed_and_the_adjustment(
    client: TestClient, portfolio: None
) -> None:
    response = client.get("/v1/reports/2026-11", params={"format": "csv"})

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [(row["tenant_id"], row["service_id"]) for row in rows] == [
        ("alpha", "mail"),
        ("alpha", "vm"),
        ("beta", "mail"),
        ("beta", "vm"),
    ]
    alpha_vm = rows[1]
    assert alpha_vm["closed"] == "true"
    assert alpha_vm["credit_amount"] == "0.00"
    assert alpha_vm["adjusted_downtime_minutes"] == "60"
    assert alpha_vm["adjusted_availability_percent"] == "99.8611"
    assert alpha_vm["adjusted_credit_amount"] == "50.00"
    assert alpha_vm["credit_delta"] == "50.00"
    assert alpha_vm["monthly_fee"] == "500.00"
    beta_mail = rows[2]
    assert (beta_mail["closed"], beta_mail["credit_delta"], beta_mail["claim_status"]) == (
        "false",
        "",
        "",
    )
    # Filters apply to the CSV too, and Accept asks for it as ?format= does.
    closed_only = client.get(
        "/v1/reports/2026-11", params={"closed": "true"}, headers={"Accept": "text/csv"}
    )
    assert [row["tenant_id"] for row in csv.DictReader(io.StringIO(closed_only.text))] == [
        "alpha",
        "alpha",
    ]


def test_the_tenant_csv_and_html_show_the_close(client: TestClient, portfolio: None) -> None:
    rows = list(
        csv.DictReader(io.StringIO(client.get("/v1/tenants/alpha/reports/2026-11?format=csv").text))
    )
    html = client.get("/v1/tenants/alpha/reports/2026-11?format=html").text

    assert [(row["service_id"], row["closed"], row["credit_delta"]) for row in rows] == [
        ("mail", "true", ""),
        ("vm", "true", "50.00"),
    ]
    assert "Closed" in html and "50.00" in html
