"""The audit trail: every change with its key id, time, action, before and after."""

from datetime import timedelta

from fastapi.testclient import TestClient

from tests.api.scenario import (
    as_key,
    assert_problem,
    create_tenant,
    error_at,
    make_key,
    store_outages,
    subscribe,
    window,
)
from tests.conftest import Clock


def _acme_with_one_window(client: TestClient) -> int:
    create_tenant(client, "acme")
    subscribe(client, "acme", "mail", "microsoft-365", "100.00")
    body = store_outages(
        client, "acme", window("mail", "2026-11-03T10:00:00Z", "2026-11-03T11:00:00Z")
    )
    return int(body["outages"][0]["id"])


def _history(client: TestClient, outage_id: int) -> list[dict[str, object]]:
    response = client.get(f"/v1/tenants/acme/outages/{outage_id}/history")
    assert response.status_code == 200, response.text
    items: list[dict[str, object]] = response.json()["items"]
    return items


def test_a_windows_history_keeps_create_update_and_delete_after_it_is_gone(
    client: TestClient, clock: Clock
) -> None:
    outage_id = _acme_with_one_window(client)
    key_id, secret = make_key(client, "tenant", "acme")
    clock.now = clock.now + timedelta(hours=1)
    patched = client.patch(
        f"/v1/tenants/acme/outages/{outage_id}",
        json={"end": "2026-11-03T10:30:00Z"},
        headers=as_key(secret),
    )
    assert patched.status_code == 200
    clock.now = clock.now + timedelta(hours=1)
    assert client.delete(f"/v1/tenants/acme/outages/{outage_id}").status_code == 204
    history = _history(client, outage_id)
    assert [(e["action"], e["actor_key_id"], e["at"]) for e in history] == [
        ("create", "bootstrap", "2026-12-05T12:00:00+00:00"),
        ("update", key_id, "2026-12-05T13:00:00+00:00"),
        ("delete", "bootstrap", "2026-12-05T14:00:00+00:00"),
    ]
    create, update, delete = history
    assert create["before"] is None
    assert update["before"]["end"] == "2026-11-03T11:00:00+00:00"  # type: ignore[index]
    assert update["after"]["end"] == "2026-11-03T10:30:00+00:00"  # type: ignore[index]
    assert delete["before"]["end"] == "2026-11-03T10:30:00+00:00"  # type: ignore[index]
    assert delete["after"] is None


def test_an_empty_patch_is_refused_and_writes_no_audit_row(client: TestClient) -> None:
    outage_id = _acme_with_one_window(client)
    response = client.patch(f"/v1/tenants/acme/outages/{outage_id}", json={})
    assert "empty patch" in error_at(response, ["body"])
    assert len(_history(client, outage_id)) == 1


def test_a_patch_that_changes_nothing_writes_no_audit_row(client: TestClient) -> None:
    outage_id = _acme_with_one_window(client)
    before = client.get("/v1/tenants/acme/outages").json()["items"][0]
    same = client.patch(
        f"/v1/tenants/acme/outages/{outage_id}", json={"end": "2026-11-03T11:00:00Z"}
    )
    assert same.status_code == 200
    assert same.json()["updated_at"] == before["updated_at"]
    assert len(_history(client, outage_id)) == 1


def test_history_of_an_unknown_or_foreign_window_is_404(client: TestClient) -> None:
    outage_id = _acme_with_one_window(client)
    create_tenant(client, "beta")
    assert_problem(client.get("/v1/tenants/acme/outages/999/history"), 404)
    assert_problem(client.get(f"/v1/tenants/beta/outages/{outage_id}/history"), 404)
    _, beta = make_key(client, "tenant", "beta")
    hidden = client.get(f"/v1/tenants/acme/outages/{outage_id}/history", headers=as_key(beta))
    assert_problem(hidden, 404)


def test_subscription_policy_and_key_changes_are_audited(client: TestClient) -> None:
    create_tenant(client, "acme")
    subscribe(client, "acme", "mail", "microsoft-365", "100.00")
    subscribe(client, "acme", "mail", "microsoft-365", "100.00")  # the same terms: no row
    subscribe(client, "acme", "mail", "aws-ec2", "250.00")
    policy = {
        "id": "gold",
        "name": "Gold",
        "target_percent": "99.5",
        "tiers": [{"below_percent": "99.5", "credit_percent": "10"}],
    }
    assert client.post("/v1/policies", json=policy).status_code == 201
    key_id, _ = make_key(client, "finance")
    assert client.delete(f"/v1/api-keys/{key_id}").status_code == 204
    events = client.get("/v1/audit").json()["items"]
    assert [(e["entity"], e["entity_id"], e["action"]) for e in events] == [
        ("tenant", "acme", "create"),
        ("subscription", "acme/mail", "create"),
        ("subscription", "acme/mail", "update"),
        ("policy", "gold", "create"),
        ("api_key", key_id, "create"),
        ("api_key", key_id, "revoke"),
    ]
    update = events[2]
    assert (update["before"]["policy_id"], update["after"]["policy_id"]) == (
        "microsoft-365",
        "aws-ec2",
    )
    assert (update["before"]["monthly_fee"], update["after"]["monthly_fee"]) == ("100.00", "250.00")
    assert events[5]["after"]["revoked_at"] == "2026-12-05T12:00:00+00:00"
    # A key's audit rows never carry its secret or hash.
    assert "key_hash" not in str(events[4]) and "sla_" not in str(events[4])


def test_the_audit_list_filters_and_pages(client: TestClient, clock: Clock) -> None:
    create_tenant(client, "acme")
    clock.now = clock.now + timedelta(days=1)
    create_tenant(client, "beta")
    key_id, secret = make_key(client, "admin")
    clock.now = clock.now + timedelta(days=1)
    client.post("/v1/tenants", json={"id": "core", "name": "Core"}, headers=as_key(secret))
    by_tenant = client.get("/v1/audit", params={"tenant_id": "beta"}).json()["items"]
    assert [e["entity_id"] for e in by_tenant] == ["beta"]
    by_actor = client.get("/v1/audit", params={"actor_key_id": key_id}).json()["items"]
    assert [e["entity_id"] for e in by_actor] == ["core"]
    # 6 Dec 12:00 to 7 Dec 12:00 holds beta's creation and the key's, not core's (7 Dec 12:00).
    window_ = {"from": "2026-12-06T12:00:00Z", "to": "2026-12-07T12:00:00Z"}
    in_window = client.get("/v1/audit", params=window_).json()["items"]
    assert [e["entity_id"] for e in in_window] == ["beta", key_id]
    seen, cursor = [], None
    while True:
        params: dict[str, str | int] = {"limit": 2}
        if cursor is not None:
            params["cursor"] = cursor
        page = client.get("/v1/audit", params=params).json()
        seen += [e["entity_id"] for e in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ["acme", "beta", key_id, "core"]


def test_the_audit_list_is_for_admins(client: TestClient) -> None:
    create_tenant(client, "acme")
    _, finance = make_key(client, "finance")
    _, tenant = make_key(client, "tenant", "acme")
    assert_problem(client.get("/v1/audit", headers=as_key(finance)), 403)
    assert_problem(client.get("/v1/audit", headers=as_key(tenant)), 403)
