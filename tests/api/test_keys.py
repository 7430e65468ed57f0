"""API keys: minted by admins, shown once, kept as a hash, revoked at once, and roles."""

import hashlib
from datetime import timedelta
from pathlib import Path

import pendulum
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, inspect, text

from tests.api.scenario import (
    as_key,
    assert_invalid,
    assert_problem,
    create_tenant,
    error_at,
    make_key,
    store_outages,
    subscribe,
    window,
)
from tests.conftest import Clock


def _every_stored_text(database_url: str) -> str:
    """Every value of every row of every table, as one text to search."""
    engine = create_engine(database_url)
    with engine.connect() as connection:
        names = inspect(connection).get_table_names()
        rows = [
            repr(tuple(row))
            for name in names
            for row in connection.execute(text(f'SELECT * FROM "{name}"'))
        ]
    engine.dispose()
    return "\n".join(rows)


def test_the_key_is_shown_once_and_stored_only_as_its_hash(
    client: TestClient, database_url: str
) -> None:
    create_tenant(client, "acme")
    response = client.post("/v1/api-keys", json={"role": "tenant", "tenant_id": "acme"})
    assert response.status_code == 201
    created = response.json()
    secret = created["key"]
    assert secret.startswith("sla_") and len(secret) >= 40
    assert created["role"] == "tenant" and created["tenant_id"] == "acme"
    listed = client.get("/v1/api-keys")
    assert listed.status_code == 200
    assert secret not in listed.text
    (item,) = listed.json()["items"]
    assert item["id"] == created["id"] and item["revoked_at"] is None
    stored = _every_stored_text(database_url)
    assert secret not in stored
    assert hashlib.sha256(secret.encode()).hexdigest() in stored
    if database_url.startswith("sqlite:///"):
        path = Path(database_url.removeprefix("sqlite:///"))
        for file in (path, path.with_name(path.name + "-wal")):
            if file.exists():
                assert secret.encode() not in file.read_bytes()


def test_a_minted_key_works_in_either_header(client: TestClient) -> None:
    create_tenant(client, "acme")
    _, secret = make_key(client, "finance")
    assert client.get("/v1/tenants/acme", headers=as_key(secret)).status_code == 200
    bearer = {"X-API-Key": "", "Authorization": f"Bearer {secret}"}
    assert client.get("/v1/tenants/acme", headers=bearer).status_code == 200


def test_no_key_an_unknown_key_and_a_revoked_key_are_401(client: TestClient) -> None:
    key_id, secret = make_key(client, "finance")
    assert client.get("/v1/tenants", headers=as_key(secret)).status_code == 200
    assert client.delete(f"/v1/api-keys/{key_id}").status_code == 204
    for headers in ({"X-API-Key": ""}, as_key("sla_not-a-key"), as_key(secret)):
        response = client.get("/v1/tenants", headers=headers)
        assert_problem(response, 401)
        assert response.headers["WWW-Authenticate"]
    (item,) = client.get("/v1/api-keys").json()["items"]
    assert item["revoked_at"] == "2026-12-05T12:00:00+00:00"


def test_revoking_twice_is_harmless_and_an_unknown_key_id_is_404(client: TestClient) -> None:
    key_id, _ = make_key(client, "finance")
    assert client.delete(f"/v1/api-keys/{key_id}").status_code == 204
    assert client.delete(f"/v1/api-keys/{key_id}").status_code == 204
    assert_problem(client.delete("/v1/api-keys/key_0000"), 404)


def test_last_used_at_moves_at_most_once_a_minute(client: TestClient, clock: Clock) -> None:
    key_id, secret = make_key(client, "finance")
    assert client.get("/v1/api-keys").json()["items"][0]["last_used_at"] is None
    client.get("/v1/tenants", headers=as_key(secret))
    first = clock.now
    clock.now = first + timedelta(seconds=30)
    client.get("/v1/tenants", headers=as_key(secret))
    # 30 s later is within the minute's resolution: still the first use.
    assert client.get("/v1/api-keys").json()["items"][0]["last_used_at"] == first.isoformat()
    clock.now = first + timedelta(minutes=2)
    client.get("/v1/tenants", headers=as_key(secret))
    moved = client.get("/v1/api-keys").json()["items"][0]["last_used_at"]
    assert moved == pendulum.datetime(2026, 12, 5, 12, 2, tz="UTC").isoformat()
    assert key_id


def test_a_tenant_key_needs_an_existing_tenant_and_others_take_none(client: TestClient) -> None:
    create_tenant(client, "acme")
    missing = client.post("/v1/api-keys", json={"role": "tenant"})
    assert "needs the tenant_id" in error_at(missing, ["body", "tenant_id"])
    unknown = client.post("/v1/api-keys", json={"role": "tenant", "tenant_id": "nobody"})
    assert_invalid(unknown, ["body", "tenant_id"], "nobody")
    finance = client.post("/v1/api-keys", json={"role": "finance", "tenant_id": "acme"})
    assert_invalid(finance, ["body", "tenant_id"], "acme")
    bad_role = client.post("/v1/api-keys", json={"role": "root"})
    assert_invalid(bad_role, ["body", "role"], "root")
    assert client.get("/v1/api-keys").json()["items"] == []


def test_the_key_list_pages_and_filters_by_tenant(client: TestClient) -> None:
    create_tenant(client, "acme")
    create_tenant(client, "beta")
    ids = {make_key(client, "tenant", tenant)[0] for tenant in ("acme", "beta", "acme")}
    first = client.get("/v1/api-keys", params={"limit": 2}).json()
    second = client.get("/v1/api-keys", params={"limit": 2, "cursor": first["next_cursor"]})
    seen = [item["id"] for item in first["items"] + second.json()["items"]]
    assert sorted(seen) == sorted(ids) and second.json()["next_cursor"] is None
    acme = client.get("/v1/api-keys", params={"tenant_id": "acme"}).json()["items"]
    assert len(acme) == 2 and {item["tenant_id"] for item in acme} == {"acme"}


def _two_tenants(client: TestClient) -> None:
    for tenant in ("acme", "beta", "core"):
        create_tenant(client, tenant)
        subscribe(client, tenant, "mail", "microsoft-365", "100.00")


def test_a_tenant_key_sees_only_its_tenant_in_full_pages(client: TestClient) -> None:
    _two_tenants(client)
    _, secret = make_key(client, "tenant", "beta")
    page = client.get("/v1/tenants", params={"limit": 1}, headers=as_key(secret)).json()
    # Scoped in the query: one item and no cursor, not an empty first page of acme.
    assert [item["id"] for item in page["items"]] == ["beta"]
    assert page["next_cursor"] is None
    assert client.get("/v1/tenants/beta/reports/2026-11", headers=as_key(secret)).is_success
    assert_problem(client.get("/v1/tenants/acme", headers=as_key(secret)), 404)
    assert_problem(client.get("/v1/reports/2026-11", headers=as_key(secret)), 403)


def test_a_tenant_key_writes_its_outages_but_not_its_terms(client: TestClient) -> None:
    _two_tenants(client)
    key_id, secret = make_key(client, "tenant", "beta")
    body = {"outages": [window("mail", "2026-11-03T10:00:00Z", "2026-11-03T11:00:00Z")]}
    created = client.post("/v1/tenants/beta/outages", json=body, headers=as_key(secret))
    assert created.status_code == 201
    events = client.get("/v1/audit", params={"entity": "outage"}).json()["items"]
    assert [event["actor_key_id"] for event in events] == [key_id]
    terms = {"policy_id": "aws-ec2", "monthly_fee": "1.00"}
    own = client.put("/v1/tenants/beta/services/mail", json=terms, headers=as_key(secret))
    assert_problem(own, 403)
    # Another tenant's route is 404 whatever the method: visibility before permission.
    other = client.put("/v1/tenants/acme/services/mail", json=terms, headers=as_key(secret))
    assert_problem(other, 404)
    assert (
        client.get("/v1/tenants/beta/services").json()["items"][0]["policy_id"] == "microsoft-365"
    )


def test_a_finance_key_reads_everything_and_writes_nothing(client: TestClient) -> None:
    _two_tenants(client)
    store_outages(client, "acme", window("mail", "2026-11-03T10:00:00Z", "2026-11-03T11:00:00Z"))
    _, secret = make_key(client, "finance")
    headers = as_key(secret)
    listed = client.get("/v1/tenants", headers=headers).json()["items"]
    assert [item["id"] for item in listed] == ["acme", "beta", "core"]
    assert client.get("/v1/reports/2026-11", headers=headers).status_code == 200
    assert len(client.get("/v1/tenants/acme/outages", headers=headers).json()["items"]) == 1
    body = {"outages": [window("mail", "2026-11-04T10:00:00Z", "2026-11-04T11:00:00Z")]}
    assert_problem(client.post("/v1/tenants/acme/outages", json=body, headers=headers), 403)
    assert_problem(client.post("/v1/tenants", json={"id": "x", "name": "X"}, headers=headers), 403)
    assert_problem(client.get("/v1/audit", headers=headers), 403)
    assert_problem(client.post("/v1/api-keys", json={"role": "admin"}, headers=headers), 403)


def test_idempotency_keys_belong_to_the_key_that_sent_them(client: TestClient) -> None:
    _two_tenants(client)
    _, beta = make_key(client, "tenant", "beta")
    _, core = make_key(client, "tenant", "core")
    row = window("mail", "2026-11-03T10:00:00Z", "2026-11-03T11:00:00Z")
    for tenant, secret in (("beta", beta), ("core", core)):
        response = client.post(
            f"/v1/tenants/{tenant}/outages",
            json={"outages": [row]},
            headers={**as_key(secret), "Idempotency-Key": "same"},
        )
        # The second key's request is its own: stored, not a replay of the first key's.
        assert response.status_code == 201 and "Idempotent-Replayed" not in response.headers
        assert response.json()["created"] == 1


def test_an_admin_key_minted_through_the_api_acts_as_admin(client: TestClient) -> None:
    key_id, secret = make_key(client, "admin")
    response = client.post("/v1/tenants", json={"id": "zeta", "name": "Z"}, headers=as_key(secret))
    assert response.status_code == 201
    events = client.get("/v1/audit", params={"entity": "tenant"}).json()["items"]
    assert [(event["entity_id"], event["actor_key_id"]) for event in events] == [("zeta", key_id)]
