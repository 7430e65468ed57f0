"""Every route of the app × every kind of caller that must be kept out.

Generated from the app's own route table, so a route added later is covered without
editing this file: it only needs a row in the tables below if some role may use it.
Each case also checks that the refused request changed nothing stored.
"""

import re
from typing import Any

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, inspect, text
from sqlmodel import Session

from app.audit.service import Change
from app.config import Settings
from app.db import make_engine
from app.main import create_app
from app.webhooks.service import create_webhook
from tests.api.scenario import (
    as_key,
    assert_problem,
    create_tenant,
    make_key,
    store_outages,
    subscribe,
    window,
)

ROUTES = sorted(
    (method, str(route.path))
    for route in iter_route_contexts(create_app(Settings(database_url="sqlite://")).routes)
    if isinstance(route.original_route, APIRoute)
    for method in route.methods or ()
)
# What needs no key at all: the probes and metrics (docs/operations.md), and a share
# link (its token is the credential; tests/api/test_report_links.py checks that nothing
# but a signed token opens it).
PUBLIC = {
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/metrics"),
    ("GET", "/v1/shared/reports/{token}"),
}
# Routes outside any tenant that a tenant key may read (their data is not a tenant's).
TENANT_KEY_MAY = {
    ("GET", "/v1/policies"),
    ("GET", "/v1/policies/{policy_id}"),
    ("GET", "/v1/tenants"),
}
# Writes that a finance key may make.
FINANCE_MAY_WRITE: set[tuple[str, str]] = {
    ("POST", "/v1/tenants/{tenant_id}/reports/{month}/close"),
    ("POST", "/v1/tenants/{tenant_id}/claims"),
    ("PATCH", "/v1/tenants/{tenant_id}/claims/{claim_id}"),
    ("POST", "/v1/tenants/{tenant_id}/reports/{month}/links"),
}
# A valid body for each write, so that only the caller decides the answer.
BODIES: dict[tuple[str, str], Any] = {
    ("POST", "/v1/tenants"): {"id": "intruder", "name": "Intruder"},
    ("POST", "/v1/policies"): {
        "id": "intruder",
        "name": "Intruder",
        "target_percent": "99",
        "tiers": [{"below_percent": "99", "credit_percent": "10"}],
    },
    ("PUT", "/v1/tenants/{tenant_id}/services/{service_id}"): {
        "policy_id": "aws-ec2",
        "monthly_fee": "1.00",
    },
    ("POST", "/v1/tenants/{tenant_id}/outages"): {
        "outages": [window("mail", "2026-11-20T10:00:00Z", "2026-11-20T11:00:00Z")]
    },
    ("PATCH", "/v1/tenants/{tenant_id}/outages/{outage_id}"): {"end": "2026-11-03T10:05:00Z"},
    ("POST", "/v1/api-keys"): {"role": "admin"},
    ("POST", "/v1/webhooks"): {"url": "https://hooks.example.com/sla", "events": ["month.closed"]},
    ("POST", "/v1/tenants/{tenant_id}/claims"): {"service_id": "chat", "month": "2026-11"},
    ("PATCH", "/v1/tenants/{tenant_id}/claims/{claim_id}"): {"status": "withdrawn"},
    ("POST", "/v1/tenants/{tenant_id}/reports/{month}/links"): {"format": "html"},
}


def _stored_state(database_url: str) -> list[tuple[str, list[str]]]:
    """Every row of every table, but when a key was last used (a read moves that)."""
    engine = create_engine(database_url)
    state = []
    with engine.connect() as connection:
        for name in sorted(inspect(connection).get_table_names()):
            rows = connection.execute(text(f'SELECT * FROM "{name}"')).mappings()
            kept = [
                repr(sorted((k, v) for k, v in row.items() if k != "last_used_micros"))
                for row in rows
            ]
            state.append((name, sorted(kept)))
    engine.dispose()
    return state


def _stored_webhook(database_url: str) -> str:
    """A webhook written as the service writes it (registering one would resolve its host)."""
    engine = make_engine(database_url)
    with Session(engine) as session:
        row = create_webhook(
            session, "https://hooks.example.com/sla", ["month.closed"], Change("bootstrap", 1)
        )
        session.commit()
        webhook_id = row.id
    engine.dispose()
    return webhook_id


@pytest.fixture
def world(client: TestClient, database_url: str) -> dict[str, str]:
    """Two tenants with a service and a window each, and the keys the cases use."""
    for tenant in ("alpha", "beta"):
        create_tenant(client, tenant)
        subscribe(client, tenant, "mail", "microsoft-365", "100.00")
    store_outages(client, "alpha", window("mail", "2026-11-03T10:00:00Z", "2026-11-03T11:00:00Z"))
    beta = store_outages(
        client, "beta", window("mail", "2026-11-03T10:00:00Z", "2026-11-03T11:00:00Z")
    )
    imported = client.post(
        "/v1/tenants/beta/imports",
        files={
            "file": (
                "t.csv",
                b"service_id,start,end\nmail,2026-11-04T10:00:00Z,2026-11-04T11:00:00Z\n",
            )
        },
        data={"format": "csv"},
    )
    assert imported.status_code == 201, imported.text
    # Beta's November closed, with a claim on its mail credit (2 h down: 25 % of 100.00);
    # its chat line (1 h down: 25 % of 50.00) is not claimed yet, so a claim body for it
    # would succeed for a caller allowed to send it.
    subscribe(client, "beta", "chat", "microsoft-365", "50.00")
    store_outages(client, "beta", window("chat", "2026-11-05T10:00:00Z", "2026-11-05T11:00:00Z"))
    assert client.post("/v1/tenants/beta/reports/2026-11/close").status_code == 201
    claim = client.post("/v1/tenants/beta/claims", json={"service_id": "mail", "month": "2026-11"})
    assert claim.status_code == 201, claim.text
    shared = client.post("/v1/tenants/beta/reports/2026-11/links", json={"format": "html"})
    assert shared.status_code == 201, shared.text
    _, alpha_key = make_key(client, "tenant", "alpha")
    finance_id, finance_key = make_key(client, "finance")
    revoked_id, revoked_key = make_key(client, "admin")
    assert client.delete(f"/v1/api-keys/{revoked_id}").status_code == 204
    return {
        "tenant_id": "beta",
        "outage_id": str(beta["outages"][0]["id"]),
        "import_id": str(imported.json()["id"]),
        "claim_id": str(claim.json()["id"]),
        "service_id": "mail",
        "month": "2026-11",
        "policy_id": "microsoft-365",
        "key_id": finance_id,
        "alpha_key": alpha_key,
        "finance_key": finance_key,
        "revoked_key": revoked_key,
        "webhook_id": _stored_webhook(database_url),
        "token": shared.json()["url"].rsplit("/", 1)[1],
    }


def _call(
    client: TestClient, method: str, path: str, world: dict[str, str], headers: dict[str, str]
) -> Any:
    url = re.sub(r"\{(\w+)\}", lambda match: world[match.group(1)], path)
    body = BODIES.get((method, path), {})
    return client.request(
        method, url, json=None if method in ("GET", "DELETE") else body, headers=headers
    )


def _expected(case: str, method: str, path: str) -> int | None:
    if (method, path) in PUBLIC:
        return None
    if case in ("no key", "revoked key"):
        return 401
    if case == "tenant key of another tenant":
        if "{tenant_id}" in path:
            return 404
        return None if (method, path) in TENANT_KEY_MAY else 403
    # A finance key on a write.
    if method == "GET" or (method, path) in FINANCE_MAY_WRITE:
        return None
    return 403


CASES = ("no key", "revoked key", "tenant key of another tenant", "finance key")


# Where the caller may use the route, the role tests cover what it then sees.
REFUSALS = [
    (case, method, path, expected)
    for method, path in ROUTES
    for case in CASES
    if (expected := _expected(case, method, path)) is not None
]


@pytest.mark.parametrize(("case", "method", "path", "expected"), REFUSALS)
def test_every_route_keeps_out_whom_it_must(
    client: TestClient,
    database_url: str,
    world: dict[str, str],
    case: str,
    method: str,
    path: str,
    expected: int,
) -> None:
    headers = {
        "no key": {"X-API-Key": ""},
        "revoked key": as_key(world["revoked_key"]),
        "tenant key of another tenant": as_key(world["alpha_key"]),
        "finance key": as_key(world["finance_key"]),
    }[case]
    before = _stored_state(database_url)
    response = _call(client, method, path, world, headers)
    assert_problem(response, expected)
    assert _stored_state(database_url) == before


def test_the_route_table_is_not_empty_and_every_route_but_health_needs_a_key() -> None:
    # Guards the generation itself: an empty table would make the test above vacuous.
    assert len(ROUTES) >= 15
    assert {path for _, path in ROUTES} >= {"/v1/tenants", "/v1/api-keys", "/v1/audit"}


def test_the_tenant_key_reads_only_its_own_tenant_where_it_may_list(
    client: TestClient, world: dict[str, str]
) -> None:
    listed = client.get("/v1/tenants", headers=as_key(world["alpha_key"])).json()["items"]
    assert [item["id"] for item in listed] == ["alpha"]
