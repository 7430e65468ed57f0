"""Reports over HTTP: every figure of a tenant's month worked out by hand.

November 2026 in UTC is 30 × 1440 = 43200 minutes. A 99.9 % target allows
43200 × 0.001 = 43.2 minutes; a 99.99 % target 4.32. The clock fixture reads
2026-12-05T12:00Z unless a test moves it: November is over, a P1M claim still open.
"""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.scenario import (
    Json,
    assert_invalid,
    create_tenant,
    instant,
    report,
    store_outages,
    subscribe,
    utc,
    window,
)
from tests.conftest import Clock

EXO = "exchange-online"


def _line(body: Json, service_id: str) -> Json:
    (line,) = [line for line in body["services"] if line["service_id"] == service_id]
    assert isinstance(line, dict)
    return line


def _one_outage_month(
    client: TestClient,
    start: str,
    end: str | None,
    *,
    tenant_id: str = "contoso",
    policy_id: str = "microsoft-365",
    fee: str = "1200.00",
    **tenant: Any,
) -> Json:
    create_tenant(client, tenant_id, **tenant)
    subscribe(client, tenant_id, EXO, policy_id, fee)
    store_outages(client, tenant_id, window(EXO, start, end))
    return _line(report(client, tenant_id), EXO)


# The Microsoft 365 scenario


@pytest.fixture
def contoso_november(client: TestClient) -> dict[str, Json]:
    """Contoso (New York, USD), Exchange Online on microsoft-365 at 1200.00 a month."""
    create_tenant(client, "contoso", timezone="America/New_York", currency="USD")
    subscribe(client, "contoso", EXO, "microsoft-365", "1200.00")
    stored = store_outages(
        client,
        "contoso",
        # October: wholly outside the period, counts nothing and is not listed.
        window(EXO, "2026-10-15T10:00:00Z", "2026-10-15T11:00:00Z", external_id="EX-OCT"),
        # A: 09:00 New York (UTC−5 after 1 November) = 14:00Z, to 15:00Z: 60 min.
        window(EXO, "2026-11-03T09:00:00", "2026-11-03T15:00:00Z", external_id="EX1"),
        # B: 14:30Z–15:10Z, 40 min, overlapping A for 30; A ∪ B = 14:00–15:10 = 70 min.
        window(EXO, "2026-11-03T14:30:00Z", "2026-11-03T15:10:00Z", external_id="EX2"),
        # C: 01:00Z–01:45Z, 45 min, with maintenance 01:10–01:40 (30 min) inside it:
        # 45 − 30 = 15 min count, 30 min excluded.
        window(EXO, "2026-11-10T01:00:00Z", "2026-11-10T01:45:00Z", external_id="EX3"),
        window(EXO, "2026-11-10T01:10:00Z", "2026-11-10T01:40:00Z", kind="maintenance"),
        # D: 18:49:30 at −05:00 = 23:49:30Z on 30 Nov, to 00:30Z on 1 Dec: 10.5 min in
        # November (the other 30 belong to December).
        window(EXO, "2026-11-30T18:49:30-05:00", "2026-12-01T00:30:00Z", external_id="EX4"),
    )
    return {row["external_id"] or "maintenance": row for row in stored["outages"]}


def test_microsoft_365_november_every_figure(
    client: TestClient, contoso_november: dict[str, Json]
) -> None:
    body = report(client, "contoso")

    assert body["tenant_id"] == "contoso"
    assert body["month"] == "2026-11"
    assert body["currency"] == "USD"
    # microsoft-365 measures in UTC, whatever the tenant's zone.
    assert body["period_start"] == "2026-11-01T00:00:00+00:00"
    assert body["period_end"] == "2026-12-01T00:00:00+00:00"
    assert body["measurement_timezone"] == "UTC"
    # The clock (5 Dec) is past the month and no counted window is ongoing.
    assert body["provisional"] is False

    (line,) = body["services"]
    assert line["service_id"] == EXO
    assert line["policy_id"] == "microsoft-365"
    assert line["period_start"] == "2026-11-01T00:00:00+00:00"
    assert line["period_end"] == "2026-12-01T00:00:00+00:00"
    assert line["measurement_timezone"] == "UTC"
    assert line["period_minutes"] == "43200"
    # 70 (A ∪ B) + 15 (C less maintenance) + 10.5 (D's November part) = 95.5
    assert line["downtime_minutes"] == "95.5"
    # The 30 maintenance minutes inside C.
    assert line["excluded_minutes"] == "30"
    # (43200 − 95.5)/43200 × 100 = 100 − 95.5/432 = 100 − 0.221064… = 99.778935… → "99.7789"
    assert line["availability_percent"] == "99.7789"
    assert line["target_percent"] == "99.9"
    assert line["met"] is False
    # 99.7789 < 99.9 but not < 99: the 25 % tier; 1200.00 × 25 % = 300.00
    assert line["credit_percent"] == "25"
    assert line["credit_days"] is None
    assert line["credit_amount"] == "300.00"
    assert line["error_budget"] == {
        "allowed_minutes": "43.2",  # 43200 × (1 − 99.9/100)
        "used_minutes": "95.5",
        "remaining_minutes": "-52.3",  # 43.2 − 95.5
        "used_percent": "221.06",  # 95.5/43.2 × 100 = 221.0648… → 2 places
    }
    # 1 Dec + P1M = 1 Jan; the last day before it is 31 Dec. Now (5 Dec) is before.
    assert line["claim_deadline"] == "2026-12-31"
    assert line["claim_open"] is True
    assert line["provisional"] is False

    # Outage windows reaching into November, by start; not the October one nor the
    # maintenance window. A and B each show the 30 shared minutes.
    windows = contoso_november
    expected = [("EX1", "60"), ("EX2", "40"), ("EX3", "15"), ("EX4", "10.5")]
    incidents = line["incidents"]
    assert [(i["external_id"], i["counted_minutes"]) for i in incidents] == expected
    for incident in incidents:
        stored = windows[incident["external_id"]]
        assert incident["outage_id"] == stored["id"]
        assert instant(incident["start"]) == instant(stored["start"])
        assert instant(incident["end"]) == instant(stored["end"])
    assert instant(incidents[0]["start"]) == utc(2026, 11, 3, 14)
    # D is shown whole, from 23:49:30Z on 30 Nov to 00:30Z on 1 Dec.
    assert instant(incidents[3]["start"]) == utc(2026, 11, 30, 23, 49, 30)
    assert instant(incidents[3]["end"]) == utc(2026, 12, 1, 0, 30)

    assert body["total_credit_amount"] == "300.00"


def test_a_report_asked_twice_is_the_same(
    client: TestClient, contoso_november: dict[str, Json]
) -> None:
    first = client.get("/v1/tenants/contoso/reports/2026-11")
    second = client.get("/v1/tenants/contoso/reports/2026-11")

    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert first.content == second.content


def test_the_crossing_window_counts_its_rest_in_december(
    client: TestClient, contoso_november: dict[str, Json]
) -> None:
    line = _line(report(client, "contoso", "2026-12"), EXO)

    # D from 00:00Z to 00:30Z on 1 Dec: 30 min of December's 31 × 1440 = 44640.
    assert line["period_minutes"] == "44640"
    assert line["downtime_minutes"] == "30"
    assert [(i["external_id"], i["counted_minutes"]) for i in line["incidents"]] == [("EX4", "30")]
    # (44640 − 30)/44640 × 100 = 100 − 3000/44640 = 100 − 0.067204… = 99.932795… → met
    assert line["availability_percent"] == "99.9327"
    assert line["met"] is True
    assert line["credit_amount"] == "0.00"


# Exactly at the target, and one second past it


def test_exactly_43_2_minutes_down_is_exactly_the_target(client: TestClient) -> None:
    # 43m12s = 43.2 min: (43200 − 43.2)/43200 × 100 = 99.9 exactly.
    line = _one_outage_month(client, "2026-11-10T12:00:00Z", "2026-11-10T12:43:12Z")

    assert line["downtime_minutes"] == "43.2"
    assert line["availability_percent"] == "99.9"
    assert line["met"] is True
    assert line["credit_percent"] is None
    assert line["credit_amount"] == "0.00"
    assert line["error_budget"] == {
        "allowed_minutes": "43.2",
        "used_minutes": "43.2",
        "remaining_minutes": "0",
        "used_percent": "100",
    }


def test_one_second_more_misses_the_target(client: TestClient) -> None:
    # 43m13s = 43 + 13/60 = 43.216666… min → "43.2167"
    line = _one_outage_month(client, "2026-11-10T12:00:00Z", "2026-11-10T12:43:13Z")

    assert line["downtime_minutes"] == "43.2167"
    # 100 − 43.216666…/432 = 100 − 0.1000385… = 99.8999614… → truncated "99.8999"
    # (rounding would show 99.9, a missed target displayed as met)
    assert line["availability_percent"] == "99.8999"
    assert line["met"] is False
    # 25 % of 1200.00
    assert line["credit_percent"] == "25"
    assert line["credit_amount"] == "300.00"
    assert line["error_budget"] == {
        "allowed_minutes": "43.2",
        "used_minutes": "43.2167",
        "remaining_minutes": "-0.0167",  # 43.2 − 43.216666… = −0.016666… half away from 0
        "used_percent": "100.04",  # 43.216666…/43.2 × 100 = 100.03858…
    }


def test_a_month_with_no_downtime_shows_100(client: TestClient) -> None:
    create_tenant(client, "contoso")
    subscribe(client, "contoso", EXO, "microsoft-365", "1200.00")

    line = _line(report(client, "contoso"), EXO)

    assert line["downtime_minutes"] == "0"
    assert line["availability_percent"] == "100"
    assert line["met"] is True
    assert line["credit_amount"] == "0.00"
    assert line["incidents"] == []


# Tiers: microsoft-365 below 99 → 50 %, below 95 → 100 %


@pytest.mark.parametrize(
    ("end", "downtime", "availability", "percent", "amount"),
    [
        # 1 Nov 00:00Z + 7h12m = 432 min: 100 − 432/432 = 99 exactly: not below 99 → 25 %
        pytest.param("2026-11-01T07:12:00Z", "432", "99", "25", "300.00", id="exactly-99"),
        # 433 min: 100 − 433/432 = 98.99768… → 50 % of 1200 = 600.00
        pytest.param("2026-11-01T07:13:00Z", "433", "98.9976", "50", "600.00", id="below-99"),
        # 2161 min (36h01m): 100 − 2161/432 = 94.99768… → 100 % = 1200.00
        pytest.param("2026-11-02T12:01:00Z", "2161", "94.9976", "100", "1200.00", id="below-95"),
    ],
)
def test_microsoft_365_tiers(
    client: TestClient, end: str, downtime: str, availability: str, percent: str, amount: str
) -> None:
    line = _one_outage_month(client, "2026-11-01T00:00:00Z", end)

    assert line["downtime_minutes"] == downtime
    assert line["availability_percent"] == availability
    assert line["credit_percent"] == percent
    assert line["credit_amount"] == amount


# Measured in the tenant's zone


@pytest.fixture
def new_york_local_policy(client: TestClient) -> None:
    response = client.post(
        "/v1/policies",
        json={
            "id": "ny-local",
            "name": "Measured in the tenant's zone",
            "target_percent": "99.9",
            "tiers": [{"below_percent": "99.9", "credit_percent": "10"}],
            "measurement_timezone": "tenant",
        },
    )
    assert response.status_code == 201, response.text


def test_a_tenant_zone_policy_measures_the_new_york_month(
    client: TestClient, new_york_local_policy: None
) -> None:
    create_tenant(client, "nyc", timezone="America/New_York")
    subscribe(client, "nyc", "crm", "ny-local", "1000.00")
    # 43m15.6s = 43.26 min, exactly the budget of the longer New York month.
    store_outages(client, "nyc", window("crm", "2026-11-10T12:00:00Z", "2026-11-10T12:43:15.6Z"))

    body = report(client, "nyc")

    line = _line(body, "crm")
    # 1 Nov 00:00 EDT (−04:00) to 1 Dec 00:00 EST (−05:00): 30 days plus the repeated
    # hour = 43200 + 60 = 43260 minutes.
    assert line["period_start"] == "2026-11-01T00:00:00-04:00"
    assert line["period_end"] == "2026-12-01T00:00:00-05:00"
    assert line["period_minutes"] == "43260"
    assert line["downtime_minutes"] == "43.26"
    # (43260 − 43.26)/43260 × 100 = 100 × (1 − 0.001) = 99.9 exactly: met. (Over 43200
    # minutes the same outage would be 99.89986…, missed.)
    assert line["availability_percent"] == "99.9"
    assert line["met"] is True
    assert line["credit_amount"] == "0.00"
    assert line["error_budget"]["allowed_minutes"] == "43.26"  # 43260 × 0.001
    assert line["error_budget"]["remaining_minutes"] == "0"
    # 1 Dec 00:00 EST + P1M = 1 Jan 00:00 EST; the day before is 31 Dec.
    assert line["claim_deadline"] == "2026-12-31"
    # The only line's period is the report's.
    assert body["period_start"] == "2026-11-01T00:00:00-04:00"
    assert body["period_end"] == "2026-12-01T00:00:00-05:00"


def test_lines_measured_in_different_zones_each_clip_to_their_own_month(
    client: TestClient, new_york_local_policy: None
) -> None:
    create_tenant(client, "nyc", timezone="America/New_York")
    subscribe(client, "nyc", "crm", "ny-local", "1000.00")
    subscribe(client, "nyc", EXO, "microsoft-365", "1200.00")
    for service_id in ("crm", EXO):
        store_outages(
            client,
            "nyc",
            # 03:50Z–04:10Z on 1 Nov: New York's month starts at 04:00Z (00:00 EDT).
            window(service_id, "2026-11-01T03:50:00Z", "2026-11-01T04:10:00Z"),
            # 04:55Z–05:05Z on 1 Dec: New York's month ends at 05:00Z (00:00 EST).
            window(service_id, "2026-12-01T04:55:00Z", "2026-12-01T05:05:00Z"),
        )

    body = report(client, "nyc")

    crm = _line(body, "crm")
    # New York month: 10 min (04:00–04:10Z) + 5 min (04:55–05:00Z) = 15
    assert crm["downtime_minutes"] == "15"
    assert [i["counted_minutes"] for i in crm["incidents"]] == ["10", "5"]
    # (43260 − 15)/43260 × 100 = 100 − 1500/43260 = 100 − 0.034674… = 99.965325… → "99.9653"
    assert crm["availability_percent"] == "99.9653"
    exo = _line(body, EXO)
    # UTC month: all 20 min of 1 Nov 03:50–04:10Z; 1 Dec is December.
    assert exo["downtime_minutes"] == "20"
    assert [i["counted_minutes"] for i in exo["incidents"]] == ["20"]
    # (43200 − 20)/43200 × 100 = 100 − 2000/43200 = 100 − 0.046296… = 99.953703… → "99.9537"
    assert exo["availability_percent"] == "99.9537"
    # The lines' periods differ, so the report's period is the UTC month.
    assert body["period_start"] == "2026-11-01T00:00:00+00:00"
    assert body["period_end"] == "2026-12-01T00:00:00+00:00"
    assert body["measurement_timezone"] == "UTC"


# Days of service: google-workspace


@pytest.mark.parametrize(
    ("end", "downtime", "availability", "days", "amount"),
    [
        # 60 min: 100 − 60/432 = 99.861111… → 3 days; 123.45 × 3/30 = 12.345 → "12.35"
        pytest.param("2026-11-12T09:00:00Z", "60", "99.8611", "3", "12.35", id="3-days"),
        # 600 min: 100 − 600/432 = 98.611111… → 7 days; 123.45 × 7/30 = 28.805 → "28.81"
        pytest.param("2026-11-12T18:00:00Z", "600", "98.6111", "7", "28.81", id="7-days"),
        # 2880 min: 100 − 2880/432 = 93.333… → 15 days; 123.45 × 15/30 = 61.725 → "61.73"
        # (and the 15-day cap is the same 61.73)
        pytest.param("2026-11-14T08:00:00Z", "2880", "93.3333", "15", "61.73", id="15-days"),
    ],
)
def test_google_workspace_credits_days_of_service(
    client: TestClient, end: str, downtime: str, availability: str, days: str, amount: str
) -> None:
    create_tenant(client, "initech")
    subscribe(client, "initech", "gmail", "google-workspace", "123.45")
    store_outages(
        client,
        "initech",
        window("gmail", "2026-11-12T08:00:00Z", end),
        # Google does not exclude maintenance: the outage counts in full beneath it.
        window("gmail", "2026-11-12T08:00:00Z", "2026-11-12T08:30:00Z", kind="maintenance"),
    )

    line = _line(report(client, "initech"), "gmail")

    assert line["downtime_minutes"] == downtime
    assert line["excluded_minutes"] == "0"
    assert line["availability_percent"] == availability
    assert line["met"] is False
    assert line["credit_days"] == days
    assert line["credit_percent"] is None
    assert line["credit_amount"] == amount
    # 1 Dec + P30D = 31 Dec; the last day before it is 30 Dec.
    assert line["claim_deadline"] == "2026-12-30"


# Currency with no minor unit


@pytest.mark.parametrize(
    ("fee", "amount"),
    [
        # 25 % of 10002 = 2500.5 → half-up to whole yen: 2501
        pytest.param("10002", "2501", id="half-up"),
        # 25 % of 10001 = 2500.25 → 2500
        pytest.param("10001", "2500", id="down"),
    ],
)
def test_a_yen_tenant_is_credited_in_whole_yen(client: TestClient, fee: str, amount: str) -> None:
    create_tenant(client, "tokyo", timezone="Asia/Tokyo", currency="JPY")
    subscribe(client, "tokyo", EXO, "microsoft-365", fee)
    # 60 min: 99.8611 → 25 %
    store_outages(client, "tokyo", window(EXO, "2026-11-12T08:00:00Z", "2026-11-12T09:00:00Z"))

    body = report(client, "tokyo")

    assert body["currency"] == "JPY"
    line = _line(body, EXO)
    assert line["availability_percent"] == "99.8611"
    assert line["credit_amount"] == amount
    assert body["total_credit_amount"] == amount


# Ongoing windows and provisional reports


def test_an_ongoing_outage_counts_up_to_now_inside_the_month(
    client: TestClient, clock: Clock
) -> None:
    clock.now = utc(2026, 11, 20, 12)
    line = _one_outage_month(client, "2026-11-20T10:00:00Z", None)

    # 10:00Z to now (12:00Z) = 120 min
    assert line["downtime_minutes"] == "120"
    # 100 − 120/432 = 100 − 0.277… = 99.7222… → "99.7222"
    assert line["availability_percent"] == "99.7222"
    assert line["provisional"] is True
    (incident,) = line["incidents"]
    assert incident["end"] is None
    assert incident["ongoing"] is True
    assert incident["counted_minutes"] == "120"

    clock.now = utc(2026, 11, 20, 13)
    later = _line(report(client, "contoso"), EXO)
    # An hour later: 180 min; 100 − 180/432 = 99.58333… → "99.5833"
    assert later["downtime_minutes"] == "180"
    assert later["availability_percent"] == "99.5833"
    assert report(client, "contoso")["provisional"] is True


def test_a_window_still_ongoing_after_the_month_keeps_it_provisional(client: TestClient) -> None:
    # Now is 5 Dec: November is over, but the window from 23:00Z on 30 Nov has not ended.
    line = _one_outage_month(client, "2026-11-30T23:00:00Z", None)

    # Clipped at the month's end: 23:00Z–24:00Z = 60 min; 100 − 60/432 = 99.8611…
    assert line["downtime_minutes"] == "60"
    assert line["availability_percent"] == "99.8611"
    assert line["provisional"] is True
    assert line["incidents"][0]["ongoing"] is True
    assert report(client, "contoso")["provisional"] is True


def test_a_month_not_yet_over_is_provisional(client: TestClient) -> None:
    create_tenant(client, "contoso")
    subscribe(client, "contoso", EXO, "microsoft-365", "1200.00")

    # Now is 5 Dec: December runs to 1 Jan.
    body = report(client, "contoso", "2026-12")

    assert body["provisional"] is True
    assert _line(body, EXO)["provisional"] is True
    assert _line(body, EXO)["availability_percent"] == "100"


# Affected users


def test_users_affected_weigh_downtime_by_the_share_of_seats(client: TestClient) -> None:
    create_tenant(client, "contoso")
    subscribe(client, "contoso", "teams", "microsoft-365", "800.00", users=200)
    store_outages(
        client,
        "contoso",
        # 60 min × 50/200 = 15 min
        window("teams", "2026-11-05T10:00:00Z", "2026-11-05T11:00:00Z", users_affected=50),
        # 10 min × min(400/200, 1) = 10 min
        window("teams", "2026-11-06T10:00:00Z", "2026-11-06T10:10:00Z", users_affected=400),
        # 40 min × 0.5 = 20 min
        window("teams", "2026-11-07T10:00:00Z", "2026-11-07T10:40:00Z", impact="0.5"),
    )

    line = _line(report(client, "contoso"), "teams")

    # 15 + 10 + 20 = 45 (unweighted it would be 110)
    assert line["downtime_minutes"] == "45"
    assert [i["counted_minutes"] for i in line["incidents"]] == ["15", "10", "20"]
    # 100 − 45/432 = 100 − 0.1041666… = 99.8958333… → "99.8958": below 99.9
    assert line["availability_percent"] == "99.8958"
    assert line["met"] is False
    # 25 % of 800.00
    assert line["credit_amount"] == "200.00"


# Claims


def test_the_claim_closes_after_its_deadline(client: TestClient, clock: Clock) -> None:
    create_tenant(client, "contoso")
    subscribe(client, "contoso", EXO, "microsoft-365", "1200.00")
    subscribe(client, "contoso", "ec2", "aws-ec2", "500.00")

    clock.now = utc(2026, 12, 31, 23, 59, 59)
    body = report(client, "contoso")
    # microsoft-365, P1M: 1 Dec + 1 month = 1 Jan → deadline 31 Dec, still open.
    assert _line(body, EXO)["claim_deadline"] == "2026-12-31"
    assert _line(body, EXO)["claim_open"] is True

    clock.now = utc(2027, 1, 1)
    body = report(client, "contoso")
    assert _line(body, EXO)["claim_deadline"] == "2026-12-31"
    assert _line(body, EXO)["claim_open"] is False
    # aws-ec2, P2M: 1 Dec + 2 months = 1 Feb → deadline 31 Jan, still open on 1 Jan.
    assert _line(body, "ec2")["claim_deadline"] == "2027-01-31"
    assert _line(body, "ec2")["claim_open"] is True


# Bad months and unknown tenants


@pytest.mark.parametrize("month", ["2026-13", "nov", "2026-00", "2026-1"])
def test_a_bad_month_is_refused(client: TestClient, month: str) -> None:
    create_tenant(client, "contoso")

    response = client.get(f"/v1/tenants/contoso/reports/{month}")

    assert_invalid(response, ["path", "month"], month)


@pytest.mark.parametrize("month", ["2026-13", "nov"])
def test_a_bad_month_is_refused_by_the_portfolio(client: TestClient, month: str) -> None:
    response = client.get(f"/v1/reports/{month}")

    assert_invalid(response, ["path", "month"], month)


# The portfolio


@pytest.fixture
def two_tenants(client: TestClient) -> None:
    create_tenant(client, "beta", timezone="Europe/Berlin", currency="EUR", name="Beta GmbH")
    subscribe(client, "beta", "docs", "google-workspace", "300.00")
    create_tenant(client, "alpha", name="Alpha Inc")
    subscribe(client, "alpha", "vm", "aws-ec2", "500.00")
    subscribe(client, "alpha", "mail", "microsoft-365", "1200.00")
    store_outages(
        client,
        "alpha",
        window("mail", "2026-11-12T08:00:00Z", "2026-11-12T09:00:00Z"),
        window("vm", "2026-11-12T08:00:00Z", "2026-11-12T09:00:00Z"),
    )


def test_the_portfolio_walks_every_tenant_service_line(
    client: TestClient, two_tenants: None
) -> None:
    lines: list[Json] = []
    cursor: str | None = None
    for _ in range(10):
        params: dict[str, str | int] = {"limit": 1}
        if cursor is not None:
            params["cursor"] = cursor
        response = client.get("/v1/reports/2026-11", params=params)
        assert response.status_code == 200, response.text
        page = response.json()
        assert len(page["items"]) == 1
        lines.extend(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert [(line["tenant_id"], line["service_id"]) for line in lines] == [
        ("alpha", "mail"),
        ("alpha", "vm"),
        ("beta", "docs"),
    ]
    mail, vm, docs = lines
    # 60 min: 100 − 60/432 = 99.8611… → microsoft-365 25 % of 1200.00
    assert mail["tenant_name"] == "Alpha Inc"
    assert mail["month"] == "2026-11"
    assert mail["currency"] == "USD"
    assert mail["monthly_fee"] == "1200.00"
    assert mail["availability_percent"] == "99.8611"
    assert mail["credit_amount"] == "300.00"
    # aws-ec2: 99.8611 < 99.99, not < 99 → 10 % of 500.00 = 50.00
    assert vm["policy_id"] == "aws-ec2"
    assert vm["target_percent"] == "99.99"
    assert vm["credit_percent"] == "10"
    assert vm["credit_amount"] == "50.00"
    assert vm["error_budget"] == {
        "allowed_minutes": "4.32",  # 43200 × 0.0001
        "used_minutes": "60",
        "remaining_minutes": "-55.68",  # 4.32 − 60
        "used_percent": "1388.89",  # 60/4.32 × 100 = 1388.888…
    }
    # Beta had no outage.
    assert docs["tenant_name"] == "Beta GmbH"
    assert docs["currency"] == "EUR"
    assert docs["monthly_fee"] == "300.00"
    assert docs["availability_percent"] == "100"
    assert docs["met"] is True
    assert docs["credit_amount"] == "0.00"


def test_the_portfolio_in_one_page_matches_the_tenant_reports(
    client: TestClient, two_tenants: None
) -> None:
    response = client.get("/v1/reports/2026-11")

    assert response.status_code == 200
    page = response.json()
    assert page["next_cursor"] is None
    assert len(page["items"]) == 3
    for line in page["items"]:
        own = _line(report(client, line["tenant_id"]), line["service_id"])
        assert {key: line[key] for key in own} == own


def test_the_portfolio_refuses_a_cursor_it_did_not_give_out(
    client: TestClient, two_tenants: None
) -> None:
    response = client.get("/v1/reports/2026-11", params={"cursor": "nope"})

    assert_invalid(response, ["query", "cursor"], "nope")
