"""The webhook subscriptions API, and what `emit` writes to the outbox."""

import base64
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from app.models import WebhookDelivery, WebhookEvent
from app.sla.periods import to_micros
from app.webhooks.events import EVENT_TYPES
from app.webhooks.service import emit
from tests.api.receiver import MONTH_CLOSED, emit_committed
from tests.api.scenario import (
    as_key,
    assert_invalid,
    assert_problem,
    create_tenant,
    error_at,
    make_key,
    utc,
)

LINE = MONTH_CLOSED["lines"][0]
SPEC = Path(__file__).parent.parent.parent / "openapi" / "openapi.json"
NOW_MICROS = to_micros(utc(2026, 12, 12, 12))


def register(client: TestClient, url: str, events: list[str] | None = None) -> dict[str, Any]:
    response = client.post("/v1/webhooks", json={"url": url, "events": events or ["month.closed"]})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def deliveries(client: TestClient, webhook_id: str, **params: str) -> list[dict[str, Any]]:
    response = client.get(f"/v1/webhooks/{webhook_id}/deliveries", params=params)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


# --- Registering ----------------------------------------------------------------


def test_the_secret_is_standard_webhooks_form_and_shown_once(insecure_client: TestClient) -> None:
    created = register(insecure_client, "http://127.0.0.1:9/hooks", ["month.closed"])
    assert set(created) == {"id", "url", "events", "created_at", "secret"}
    assert created["url"] == "http://127.0.0.1:9/hooks"
    assert created["events"] == ["month.closed"]
    assert created["created_at"] == "2026-12-05T12:00:00+00:00"
    secret = created["secret"]
    assert secret.startswith("whsec_")
    assert 24 <= len(base64.b64decode(secret.removeprefix("whsec_"), validate=True)) <= 64
    # Nowhere else: not in the list, not in one webhook, not in the audit trail.
    listed = insecure_client.get("/v1/webhooks").json()
    one = insecure_client.get(f"/v1/webhooks/{created['id']}").json()
    audit = insecure_client.get("/v1/audit", params={"entity": "webhook"}).json()
    for answer in (listed, one, audit):
        assert secret not in json.dumps(answer)
    assert listed["items"] == [one]
    assert one == {k: v for k, v in created.items() if k != "secret"} | {"created_by": "bootstrap"}
    assert [(item["action"], item["entity_id"]) for item in audit["items"]] == [
        ("create", created["id"])
    ]


def test_two_webhooks_get_different_secrets(insecure_client: TestClient) -> None:
    first = register(insecure_client, "http://127.0.0.1:9/a")
    second = register(insecure_client, "http://127.0.0.1:9/b")
    assert first["secret"] != second["secret"]
    assert first["id"] != second["id"]


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://hooks.example.com/sla", "only https URLs"),
        ("https://127.0.0.1/sla", "not a public address"),
        ("https://localhost:8443/sla", "not a public address"),
        ("https://10.1.2.3/sla", "not a public address"),
        ("https://192.168.0.10/sla", "not a public address"),
        ("https://169.254.169.254/latest", "not a public address"),
        ("https://[::1]/sla", "not a public address"),
        ("ftp://files.example.com/sla", "only https URLs"),
        ("hooks.example.com/sla", "only https URLs"),
        ("https://user:pw@hooks.example.com/sla", "carries credentials"),
    ],
)
def test_only_https_to_public_addresses_by_default(client: TestClient, url: str, says: str) -> None:
    response = client.post("/v1/webhooks", json={"url": url, "events": ["month.closed"]})
    msg = assert_invalid(response, ["body", "url"], url)
    assert says in msg
    assert client.get("/v1/webhooks").json()["items"] == []


def test_insecure_configuration_allows_http_and_loopback(insecure_client: TestClient) -> None:
    for url in ("http://127.0.0.1:8080/sla", "https://localhost/sla", "http://10.1.2.3/sla"):
        register(insecure_client, url)
    response = insecure_client.post(
        "/v1/webhooks", json={"url": "ftp://127.0.0.1/sla", "events": ["month.closed"]}
    )
    assert "only https or http URLs" in assert_invalid(
        response, ["body", "url"], "ftp://127.0.0.1/sla"
    )


@pytest.mark.parametrize(
    ("body", "loc", "value"),
    [
        ({"url": "https://127.0.0.1/x", "events": ["month.opened"]}, ["body", "events", 0], None),
        ({"url": "https://127.0.0.1/x", "events": []}, ["body", "events"], None),
        (
            {"url": "https://127.0.0.1/x", "events": ["claim.changed", "claim.changed"]},
            ["body", "events"],
            "claim.changed",
        ),
        ({"url": "https://127.0.0.1/x"}, ["body", "events"], None),
        ({"events": ["month.closed"]}, ["body", "url"], None),
        ({"url": "https://127.0.0.1/\x07", "events": ["month.closed"]}, ["body", "url"], None),
        (
            {"url": "https://127.0.0.1/x", "events": ["month.closed"], "secret": "mine"},
            ["body", "secret"],
            None,
        ),
    ],
)
def test_a_malformed_subscription_is_refused(
    insecure_client: TestClient, body: dict[str, Any], loc: list[str | int], value: str | None
) -> None:
    response = insecure_client.post("/v1/webhooks", json=body)
    if value is None:
        error_at(response, loc)
    else:
        assert_invalid(response, loc, value)


def test_only_admin_keys_manage_or_read_webhooks(insecure_client: TestClient) -> None:
    created = register(insecure_client, "http://127.0.0.1:9/hooks")
    _, finance = make_key(insecure_client, "finance")
    _, tenant = make_key(insecure_client, "tenant", "contoso")
    for key in (finance, tenant):
        for method, path in (
            ("GET", "/v1/webhooks"),
            ("GET", f"/v1/webhooks/{created['id']}"),
            ("GET", f"/v1/webhooks/{created['id']}/deliveries"),
            ("DELETE", f"/v1/webhooks/{created['id']}"),
        ):
            assert_problem(insecure_client.request(method, path, headers=as_key(key)), 403)
    assert insecure_client.get(f"/v1/webhooks/{created['id']}").status_code == 200


def test_an_idempotency_key_replays_the_first_answer(insecure_client: TestClient) -> None:
    body = {"url": "http://127.0.0.1:9/hooks", "events": ["claim.changed"]}
    headers = {"Idempotency-Key": "hook-1"}
    first = insecure_client.post("/v1/webhooks", json=body, headers=headers)
    again = insecure_client.post("/v1/webhooks", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert len(insecure_client.get("/v1/webhooks").json()["items"]) == 1


def test_pages_of_webhooks(insecure_client: TestClient) -> None:
    ids = sorted(register(insecure_client, f"http://127.0.0.1:9/{n}")["id"] for n in range(5))
    first = insecure_client.get("/v1/webhooks", params={"limit": 2}).json()
    second = insecure_client.get(
        "/v1/webhooks", params={"limit": 2, "cursor": first["next_cursor"]}
    ).json()
    third = insecure_client.get(
        "/v1/webhooks", params={"limit": 2, "cursor": second["next_cursor"]}
    ).json()
    assert [item["id"] for item in first["items"] + second["items"] + third["items"]] == ids
    assert third["next_cursor"] is None


# --- emit -------------------------------------------------------------------------


def test_emit_queues_one_delivery_per_webhook_subscribed_to_the_type(
    insecure_client: TestClient, engine: Engine
) -> None:
    closes = register(insecure_client, "http://127.0.0.1:9/a", ["month.closed"])
    both = register(insecure_client, "http://127.0.0.1:9/b", ["claim.changed", "month.closed"])
    claims = register(insecure_client, "http://127.0.0.1:9/c", ["claim.changed"])
    emit_committed(engine, "month.closed", "contoso", MONTH_CLOSED, NOW_MICROS)
    with Session(engine) as session:
        (event,) = session.exec(select(WebhookEvent)).all()
        rows = session.exec(select(WebhookDelivery)).all()
    assert sorted(row.webhook_id for row in rows) == sorted([closes["id"], both["id"]])
    assert {(row.event_id, row.attempt, row.status, row.due_micros) for row in rows} == {
        (event.id, 1, "pending", NOW_MICROS)
    }
    assert deliveries(insecure_client, claims["id"]) == []
    (pending,) = deliveries(insecure_client, closes["id"])
    assert pending == {
        "id": pending["id"],
        "event_id": event.id,
        "event_type": "month.closed",
        "attempt": 1,
        "status": "pending",
        "response_code": None,
        "error": None,
        "scheduled_at": "2026-12-12T12:00:00+00:00",
        "attempted_at": None,
    }
    assert json.loads(event.body) == {
        "type": "month.closed",
        "id": event.id,
        "timestamp": "2026-12-12T12:00:00+00:00",
        "tenant_id": "contoso",
        "data": MONTH_CLOSED,
    }


def test_emit_writes_nothing_unless_the_caller_commits(
    insecure_client: TestClient, engine: Engine
) -> None:
    register(insecure_client, "http://127.0.0.1:9/a")
    with Session(engine) as session:
        emit(session, "month.closed", "contoso", MONTH_CLOSED, NOW_MICROS)
        session.rollback()
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(WebhookEvent)).one() == 0
        assert session.exec(select(func.count()).select_from(WebhookDelivery)).one() == 0


def test_emit_takes_decimals_and_dates_and_sends_them_as_strings(
    insecure_client: TestClient, engine: Engine
) -> None:
    from datetime import date

    emit_committed(
        engine,
        "claim.deadline_near",
        "contoso",
        {
            "service_id": "mail",
            "month": "2026-11",
            "claim_deadline": date(2026, 12, 31),
            "credit_amount": Decimal("300.00"),
            "currency": "USD",
        },
        NOW_MICROS,
    )
    with Session(engine) as session:
        (event,) = session.exec(select(WebhookEvent)).all()
    assert json.loads(event.body)["data"] == {
        "service_id": "mail",
        "month": "2026-11",
        "claim_deadline": "2026-12-31",
        "credit_amount": "300.00",
        "currency": "USD",
    }


@pytest.mark.parametrize(
    ("event_type", "data"),
    [
        ("month.opened", MONTH_CLOSED),
        ("month.closed", {**MONTH_CLOSED, "lines": [{**LINE, "credit_amount": 300.0}]}),
        ("month.closed", {**MONTH_CLOSED, "month": "2026-13"}),
        ("month.closed", {**MONTH_CLOSED, "total": "300.00"}),
        ("claim.changed", {"claim_id": 7, "service_id": "mail", "month": "2026-11"}),
        (
            "adjustment.appeared",
            {
                "service_id": "mail",
                "month": "2026-11",
                "credit_delta": "1e2",
                "downtime_minutes": "1",
                "availability_percent": "99.9",
                "credit_amount": "100.00",
                "currency": "USD",
            },
        ),
    ],
)
def test_emit_refuses_an_event_that_does_not_fit_its_schema(
    insecure_client: TestClient, engine: Engine, event_type: str, data: dict[str, Any]
) -> None:
    with Session(engine) as session, pytest.raises(ValueError):
        emit(session, event_type, "contoso", data, NOW_MICROS)


def test_every_event_type_fits_its_schema(insecure_client: TestClient, engine: Engine) -> None:
    register(insecure_client, "http://127.0.0.1:9/all", list(EVENT_TYPES))
    samples: dict[str, dict[str, Any]] = {
        "month.closed": MONTH_CLOSED,
        "adjustment.appeared": {
            "service_id": "mail",
            "month": "2026-11",
            "credit_delta": "-25.50",
            "downtime_minutes": "12.5",
            "availability_percent": "99.9711",
            "credit_amount": "0.00",
            "currency": "USD",
        },
        "claim.changed": {
            "claim_id": 42,
            "service_id": "mail",
            "month": "2026-11",
            "status": "granted",
            "provider_reference": "MS-123",
            "credited_amount": Decimal("300.00"),
            "currency": "USD",
        },
        "claim.deadline_near": {
            "service_id": "mail",
            "month": "2026-11",
            "claim_deadline": "2026-12-31",
            "credit_amount": "300.00",
            "currency": "USD",
        },
    }
    for event_type in EVENT_TYPES:
        emit_committed(engine, event_type, "contoso", samples[event_type], NOW_MICROS)
    with Session(engine) as session:
        bodies = {e.type: json.loads(e.body) for e in session.exec(select(WebhookEvent))}
        assert session.exec(select(func.count()).select_from(WebhookDelivery)).one() == 4
    assert set(bodies) == set(EVENT_TYPES)
    assert bodies["claim.changed"]["data"]["claim_id"] == "42"
    assert bodies["claim.changed"]["data"]["credited_amount"] == "300.00"


# --- Deleting ---------------------------------------------------------------------


def test_delete_stops_deliveries_pending_and_future(
    insecure_client: TestClient, engine: Engine
) -> None:
    created = register(insecure_client, "http://127.0.0.1:9/a")
    emit_committed(engine, "month.closed", "contoso", MONTH_CLOSED, NOW_MICROS)
    assert insecure_client.delete(f"/v1/webhooks/{created['id']}").status_code == 204
    assert_problem(insecure_client.get(f"/v1/webhooks/{created['id']}"), 404)
    assert_problem(insecure_client.get(f"/v1/webhooks/{created['id']}/deliveries"), 404)
    assert_problem(insecure_client.delete(f"/v1/webhooks/{created['id']}"), 404)
    assert insecure_client.get("/v1/webhooks").json()["items"] == []
    emit_committed(engine, "month.closed", "contoso", MONTH_CLOSED, NOW_MICROS)
    with Session(engine) as session:
        rows = session.exec(select(WebhookDelivery)).all()
    assert [(row.status, row.error) for row in rows] == [("failed", "the webhook was deleted")]
    audit = insecure_client.get("/v1/audit", params={"entity": "webhook"}).json()["items"]
    assert [item["action"] for item in audit] == ["create", "delete"]
    assert audit[1]["before"]["id"] == created["id"] and audit[1]["after"] is None


def test_an_unknown_webhook_is_404(insecure_client: TestClient) -> None:
    for method, path in (
        ("GET", "/v1/webhooks/wh_0000000000000000"),
        ("DELETE", "/v1/webhooks/wh_0000000000000000"),
        ("GET", "/v1/webhooks/wh_0000000000000000/deliveries"),
    ):
        assert_problem(insecure_client.request(method, path), 404)


def test_deliveries_page_newest_first_with_filters(
    insecure_client: TestClient, engine: Engine
) -> None:
    created = register(insecure_client, "http://127.0.0.1:9/a", ["month.closed", "claim.changed"])
    create_tenant(insecure_client, "fabrikam")
    for tenant in ("contoso", "fabrikam", "contoso"):
        emit_committed(engine, "month.closed", tenant, MONTH_CLOSED, NOW_MICROS)
    with Session(engine) as session:
        rows = list(session.exec(select(WebhookDelivery).order_by(col(WebhookDelivery.id))))
    ids = [row.id for row in rows]
    event_ids = [row.event_id for row in rows]
    first = insecure_client.get(
        f"/v1/webhooks/{created['id']}/deliveries", params={"limit": 2}
    ).json()
    rest = insecure_client.get(
        f"/v1/webhooks/{created['id']}/deliveries",
        params={"limit": 2, "cursor": first["next_cursor"]},
    ).json()
    assert [item["id"] for item in first["items"] + rest["items"]] == ids[::-1]
    assert rest["next_cursor"] is None
    by_event = deliveries(insecure_client, created["id"], event_id=event_ids[1])
    assert [item["id"] for item in by_event] == [ids[1]]
    assert deliveries(insecure_client, created["id"], status="delivered") == []
    assert len(deliveries(insecure_client, created["id"], status="pending")) == 3
    response = insecure_client.get(
        f"/v1/webhooks/{created['id']}/deliveries", params={"status": "lost"}
    )
    error_at(response, ["query", "status"])


# --- The contract ---------------------------------------------------------------------


def test_the_spec_documents_each_event_in_its_webhooks_section() -> None:
    spec = json.loads(SPEC.read_text())
    assert set(spec["webhooks"]) == set(EVENT_TYPES)
    schemas = spec["components"]["schemas"]
    for event_type, methods in spec["webhooks"].items():
        operation = methods["post"]
        ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        event = schemas[ref.rsplit("/", 1)[1]]
        assert event["properties"]["type"]["const"] == event_type
        assert set(event["required"]) == {"type", "id", "timestamp", "tenant_id", "data"}
        headers = {p["name"] for p in operation["parameters"] if p["in"] == "header"}
        assert headers == {"webhook-id", "webhook-timestamp", "webhook-signature"}
    line = schemas["ClosedLine"]["properties"]
    for field in ("availability_percent", "credit_amount"):
        assert line[field]["type"] == "string" and "pattern" in line[field]
    assert line["claim_deadline"]["format"] == "date"
