"""`Idempotency-Key`: the same key and body replay the first answer; another body is 409."""

import threading

from fastapi.testclient import TestClient

BATCH = {
    "outages": [
        {"service_id": "mail", "start": "2026-11-03T10:00:00Z", "end": "2026-11-03T11:00:00Z"}
    ]
}


def _tenant_with_mail(client: TestClient) -> None:
    assert client.post("/v1/tenants", json={"id": "acme", "name": "Acme"}).status_code == 201
    subscribed = client.put(
        "/v1/tenants/acme/services/mail",
        json={"policy_id": "microsoft-365", "monthly_fee": "10.00"},
    )
    assert subscribed.status_code == 201


def test_same_key_and_body_replays_the_first_answer(client: TestClient) -> None:
    _tenant_with_mail(client)
    headers = {"Idempotency-Key": "upload-1"}
    first = client.post("/v1/tenants/acme/outages", json=BATCH, headers=headers)
    # The same JSON with its keys in another order is the same request.
    reordered = {"outages": [dict(reversed(list(BATCH["outages"][0].items())))]}
    second = client.post("/v1/tenants/acme/outages", json=reordered, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json()["created"] == 1
    assert second.json() == first.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    listed = client.get("/v1/tenants/acme/outages").json()["items"]
    assert len(listed) == 1


def test_same_key_with_another_body_is_a_conflict_and_stores_nothing(client: TestClient) -> None:
    _tenant_with_mail(client)
    headers = {"Idempotency-Key": "upload-2"}
    assert client.post("/v1/tenants/acme/outages", json=BATCH, headers=headers).status_code == 201
    other = {"outages": [{**BATCH["outages"][0], "end": "2026-11-03T12:00:00Z"}]}
    response = client.post("/v1/tenants/acme/outages", json=other, headers=headers)
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert "upload-2" in response.json()["detail"]
    listed = client.get("/v1/tenants/acme/outages").json()["items"]
    assert [item["end"] for item in listed] == ["2026-11-03T11:00:00+00:00"]


def test_a_key_used_on_another_endpoint_is_a_conflict(client: TestClient) -> None:
    headers = {"Idempotency-Key": "k"}
    assert client.post("/v1/tenants", json={"id": "a", "name": "A"}, headers=headers).is_success
    policy = {
        "id": "gold",
        "name": "Gold",
        "target_percent": "99.9",
        "tiers": [{"below_percent": "99.9", "credit_percent": "10"}],
    }
    assert client.post("/v1/policies", json=policy, headers=headers).status_code == 409


def test_a_failed_request_records_nothing_under_its_key(client: TestClient) -> None:
    headers = {"Idempotency-Key": "retry-me"}
    bad = client.post("/v1/tenants", json={"id": "Bad Id", "name": "X"}, headers=headers)
    assert bad.status_code == 422
    # Corrected, under the same key, the request now goes through.
    good = client.post("/v1/tenants", json={"id": "good", "name": "X"}, headers=headers)
    assert good.status_code == 201
    assert client.post("/v1/tenants", json={"id": "good", "name": "X"}, headers=headers).json() == (
        good.json()
    )


def test_concurrent_requests_with_one_key_all_get_the_first_answer(client: TestClient) -> None:
    """Sent at once, eight identical requests store one tenant and all answer 201 alike:
    the first one's answer, replayed to the seven that queued behind it (never 409)."""
    barrier = threading.Barrier(8)
    answers: list[tuple[int, str, dict[str, object]]] = []

    def send() -> None:
        barrier.wait()
        response = client.post(
            "/v1/tenants",
            json={"id": "acme", "name": "Acme"},
            headers={"Idempotency-Key": "create-acme"},
        )
        answers.append(
            (response.status_code, response.headers.get("Idempotent-Replayed", ""), response.json())
        )

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [status for status, _, _ in answers] == [201] * 8
    assert sorted(replayed for _, replayed, _ in answers) == [""] + ["true"] * 7
    assert len({str(body) for _, _, body in answers}) == 1
    assert [t["id"] for t in client.get("/v1/tenants").json()["items"]] == ["acme"]
