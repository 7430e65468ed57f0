"""The ledger's events reach finance: a close, a late outage's adjustment, a claim's
moves and a near deadline are each written to the outbox by the change that caused
them, and a real receiver gets them signed."""

import json
from datetime import datetime, timedelta
from typing import Any

import httpx
import pendulum
import standardwebhooks
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from app.config import Settings
from app.ledger.events import unclaimed_credits
from app.models import WebhookEvent
from app.webhooks.deadlines import check_deadlines
from app.webhooks.delivery import deliver_due
from tests.api.receiver import Receiver
from tests.api.scenario import store_outages, subscribe, window
from tests.api.test_webhooks import register
from tests.conftest import Clock

ALL = ["month.closed", "adjustment.appeared", "claim.changed", "claim.deadline_near"]


def events(engine: Engine) -> list[tuple[str, dict[str, Any]]]:
    """Every event in the outbox, oldest first, as (type, data)."""
    with Session(engine) as session:
        rows = session.exec(select(WebhookEvent).order_by(col(WebhookEvent.created_micros)))
        return [(row.type, json.loads(row.body)["data"]) for row in rows]


def _contoso_with_a_missed_november(client: TestClient) -> None:
    subscribe(client, "contoso", "exchange-online", "microsoft-365", "1200.00")
    store_outages(
        client,
        "contoso",
        window("exchange-online", "2026-11-10T14:00:00Z", "2026-11-10T16:05:30Z", external_id="A"),
    )


def test_a_close_sends_a_signed_month_closed_with_the_figures(
    insecure_client: TestClient, engine: Engine, insecure_settings: Settings, clock: Clock
) -> None:
    # The receiver checks the signature's timestamp against the real clock, so the app
    # runs on it too, and closes October, which is over by now.
    clock.now = pendulum.now("UTC")
    subscribe(insecure_client, "contoso", "exchange-online", "microsoft-365", "1200.00")
    store_outages(
        insecure_client,
        "contoso",
        window("exchange-online", "2026-10-10T14:00:00Z", "2026-10-10T16:05:30Z"),
    )
    with Receiver() as receiver, httpx.Client() as http:
        secret = register(insecure_client, receiver.url, ALL)["secret"]
        closed = insecure_client.post("/v1/tenants/contoso/reports/2026-10/close")
        assert closed.status_code == 201, closed.text
        assert deliver_due(engine, pendulum.now("UTC"), http, insecure_settings) == 1
        (got,) = receiver.wait_for(1)
    event = standardwebhooks.Webhook(secret).verify(got.body, got.headers)
    assert event["type"] == "month.closed" and event["tenant_id"] == "contoso"
    # 125.5 minutes down in October's 31 × 1440 = 44,640 (UTC): (44640 − 125.5) / 44640
    # = 99.71886…%, shown truncated as 99.7188; below 99.9 → 25 % of 1200.00 = 300.00,
    # to be claimed by 30 November (the last day before 1 November + P1M).
    assert event["data"] == {
        "month": "2026-10",
        "lines": [
            {
                "service_id": "exchange-online",
                "availability_percent": "99.7188",
                "credit_amount": "300.00",
                "currency": "USD",
                "claim_deadline": "2026-11-30",
            }
        ],
    }


def test_a_late_outage_in_a_closed_month_announces_its_adjustment_once(
    insecure_client: TestClient, engine: Engine
) -> None:
    _contoso_with_a_missed_november(insecure_client)
    assert insecure_client.post("/v1/tenants/contoso/reports/2026-11/close").status_code == 201
    late = window("exchange-online", "2026-11-20T08:00:00Z", "2026-11-20T18:00:00Z")
    store_outages(insecure_client, "contoso", late)
    store_outages(insecure_client, "contoso", late)  # the same again: a duplicate
    # 125.5 + 600 = 725.5 minutes: (43200 − 725.5) / 43200 = 98.32060…% → 98.3206, below 99
    # → 50 % = 600.00; 600.00 − 300.00 closed = +300.00. The duplicate moves nothing.
    assert [kind for kind, _ in events(engine)] == ["month.closed", "adjustment.appeared"]
    _, adjustment = events(engine)[1]
    assert adjustment == {
        "service_id": "exchange-online",
        "month": "2026-11",
        "credit_delta": "300.00",
        "downtime_minutes": "725.5",
        "availability_percent": "98.3206",
        "credit_amount": "600.00",
        "currency": "USD",
    }


def test_a_correction_back_to_the_closed_figures_is_announced_as_a_zero_delta(
    insecure_client: TestClient, engine: Engine
) -> None:
    _contoso_with_a_missed_november(insecure_client)
    assert insecure_client.post("/v1/tenants/contoso/reports/2026-11/close").status_code == 201
    late = store_outages(
        insecure_client,
        "contoso",
        window("exchange-online", "2026-11-20T08:00:00Z", "2026-11-20T18:00:00Z"),
    )
    outage_id = late["outages"][0]["id"]
    assert insecure_client.delete(f"/v1/tenants/contoso/outages/{outage_id}").status_code == 204
    # Withdrawn, the month computes as closed again: no adjustment, nothing new to say.
    assert [kind for kind, _ in events(engine)] == ["month.closed", "adjustment.appeared"]


def test_each_claim_move_sends_claim_changed(insecure_client: TestClient, engine: Engine) -> None:
    _contoso_with_a_missed_november(insecure_client)
    assert insecure_client.post("/v1/tenants/contoso/reports/2026-11/close").status_code == 201
    created = insecure_client.post(
        "/v1/tenants/contoso/claims", json={"service_id": "exchange-online", "month": "2026-11"}
    )
    assert created.status_code == 201, created.text
    claim_id = created.json()["id"]
    filed = insecure_client.patch(
        f"/v1/tenants/contoso/claims/{claim_id}",
        json={"status": "filed", "provider_reference": "MS-CASE-42"},
    )
    assert filed.status_code == 200, filed.text
    claims = [data for kind, data in events(engine) if kind == "claim.changed"]
    assert claims == [
        {
            "claim_id": str(claim_id),
            "service_id": "exchange-online",
            "month": "2026-11",
            "status": "draft",
            "provider_reference": None,
            "credited_amount": None,
            "currency": "USD",
        },
        {
            "claim_id": str(claim_id),
            "service_id": "exchange-online",
            "month": "2026-11",
            "status": "filed",
            "provider_reference": "MS-CASE-42",
            "credited_amount": None,
            "currency": "USD",
        },
    ]


def test_a_deadline_a_week_away_is_announced_once_and_not_once_filed(
    insecure_client: TestClient, engine: Engine, clock: Clock
) -> None:
    _contoso_with_a_missed_november(insecure_client)
    assert insecure_client.post("/v1/tenants/contoso/reports/2026-11/close").status_code == 201
    # The deadline is 31 December: on 23 December it is 8 days away, on 24 December 7.
    check_deadlines(engine, _at(2026, 12, 23), unclaimed_credits)
    assert [kind for kind, _ in events(engine)] == ["month.closed"]
    check_deadlines(engine, _at(2026, 12, 24), unclaimed_credits)
    check_deadlines(engine, _at(2026, 12, 25), unclaimed_credits)
    near = [data for kind, data in events(engine) if kind == "claim.deadline_near"]
    assert near == [
        {
            "service_id": "exchange-online",
            "month": "2026-11",
            "claim_deadline": "2026-12-31",
            "credit_amount": "300.00",
            "currency": "USD",
        }
    ]


def test_a_filed_claim_leaves_nothing_to_warn_about(
    insecure_client: TestClient, engine: Engine
) -> None:
    _contoso_with_a_missed_november(insecure_client)
    assert insecure_client.post("/v1/tenants/contoso/reports/2026-11/close").status_code == 201
    claim = insecure_client.post(
        "/v1/tenants/contoso/claims", json={"service_id": "exchange-online", "month": "2026-11"}
    ).json()
    insecure_client.patch(
        f"/v1/tenants/contoso/claims/{claim['id']}",
        json={"status": "filed", "provider_reference": "MS-CASE-42"},
    )
    with Session(engine) as session:
        first = _at(2026, 12, 24).date()
        assert unclaimed_credits(session, first, first + timedelta(days=7)) == []


def _at(year: int, month: int, day: int) -> datetime:
    return pendulum.datetime(year, month, day, 12, tz="UTC")


def test_a_late_import_into_a_closed_month_announces_its_adjustment(
    insecure_client: TestClient, engine: Engine
) -> None:
    _contoso_with_a_missed_november(insecure_client)
    assert insecure_client.post("/v1/tenants/contoso/reports/2026-11/close").status_code == 201
    data = b"service_id,start,end\nexchange-online,2026-11-20T08:00:00Z,2026-11-20T18:00:00Z\n"
    imported = insecure_client.post(
        "/v1/tenants/contoso/imports", files={"file": ("late.csv", data)}, data={"format": "csv"}
    )
    assert imported.status_code == 201, imported.text
    # The same 600 minutes as through the outages endpoint: 300.00 → 600.00, +300.00.
    (adjustment,) = [data for kind, data in events(engine) if kind == "adjustment.appeared"]
    assert (adjustment["credit_delta"], adjustment["credit_amount"]) == ("300.00", "600.00")


def test_a_late_import_of_several_chunks_announces_its_first_chunks_adjustment(
    insecure_client: TestClient, engine: Engine
) -> None:
    # As above, with the November window first and 2,000 December windows after it: the
    # import stores 2,000 windows a chunk, so the span it announces must reach back from
    # the second chunk's December to the first chunk's November.
    _contoso_with_a_missed_november(insecure_client)
    assert insecure_client.post("/v1/tenants/contoso/reports/2026-11/close").status_code == 201
    lines = ["service_id,start,end", "exchange-online,2026-11-20T08:00:00Z,2026-11-20T18:00:00Z"]
    for minute in range(2_000):
        start = f"2026-12-{11 + minute // 600:02d}T{minute % 600 // 60:02d}:{minute % 60:02d}:00Z"
        lines.append(f"exchange-online,{start},")
    data = ("\n".join(lines) + "\n").encode()
    imported = insecure_client.post(
        "/v1/tenants/contoso/imports", files={"file": ("late.csv", data)}, data={"format": "csv"}
    )
    assert imported.status_code == 201, imported.text
    assert imported.json()["created"] == 2_001
    (adjustment,) = [data for kind, data in events(engine) if kind == "adjustment.appeared"]
    assert (adjustment["credit_delta"], adjustment["credit_amount"]) == ("300.00", "600.00")


def test_an_incident_moved_out_of_a_closed_month_announces_the_credit_it_takes_back(
    insecure_client: TestClient, engine: Engine
) -> None:
    _contoso_with_a_missed_november(insecure_client)
    assert insecure_client.post("/v1/tenants/contoso/reports/2026-11/close").status_code == 201
    # Incident A re-sent with its one window on 10 December: the window it replaces
    # was November's only downtime, so November falls to 0 minutes, 100 %, no credit:
    # 0.00 − 300.00 closed = −300.00. Only the old window's span reaches November.
    moved = window("exchange-online", "2026-12-10T14:00:00Z", "2026-12-10T16:05:30Z")
    store_outages(insecure_client, "contoso", {**moved, "external_id": "A"})
    (adjustment,) = [data for kind, data in events(engine) if kind == "adjustment.appeared"]
    assert (adjustment["month"], adjustment["credit_delta"]) == ("2026-11", "-300.00")
    assert (adjustment["downtime_minutes"], adjustment["credit_amount"]) == ("0", "0.00")


def test_an_import_moving_an_incident_out_of_a_closed_month_announces_it(
    insecure_client: TestClient, engine: Engine
) -> None:
    subscribe(insecure_client, "contoso", "exchange-online", "microsoft-365", "1200.00")

    def upload(start: str, end: str) -> None:
        data = f"service_id,start,end,external_id\nexchange-online,{start},{end},INC-7\n"
        answer = insecure_client.post(
            "/v1/tenants/contoso/imports",
            files={"file": ("timeline.csv", data.encode())},
            data={"format": "csv"},
        )
        assert answer.status_code == 201, answer.text

    # 125.5 minutes in November: 300.00 credit (25 %, as above), then closed.
    upload("2026-11-10T14:00:00Z", "2026-11-10T16:05:30Z")
    assert insecure_client.post("/v1/tenants/contoso/reports/2026-11/close").status_code == 201
    # The provider's corrected timeline puts INC-7 in December: November owes nothing now.
    upload("2026-12-10T14:00:00Z", "2026-12-10T16:05:30Z")
    (adjustment,) = [data for kind, data in events(engine) if kind == "adjustment.appeared"]
    assert (adjustment["month"], adjustment["credit_delta"]) == ("2026-11", "-300.00")
