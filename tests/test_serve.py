"""`make run`'s entry point, for real: uvicorn on a free port, the default SQLite file.

Also the place for concurrency, since only a real server runs requests in parallel
the way production does.
"""

from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.conftest import LiveServer


def test_run_generates_a_key_and_serves_on_the_sqlite_file(live_server: LiveServer) -> None:
    headers = {"X-API-Key": live_server.key}
    created = httpx.post(
        f"{live_server.url}/v1/tenants",
        json={"id": "contoso", "name": "Contoso"},
        headers=headers,
    )
    assert created.status_code == 201
    assert (live_server.workdir / "sla-ledger.db").exists()
    assert (
        httpx.get(f"{live_server.url}/v1/tenants", headers={"X-API-Key": "wrong"}).status_code
        == 401
    )


def test_concurrent_uploads_of_the_same_incidents_store_each_once(live_server: LiveServer) -> None:
    headers = {"X-API-Key": live_server.key}
    base = live_server.url
    assert httpx.post(
        f"{base}/v1/tenants", json={"id": "t", "name": "T"}, headers=headers
    ).is_success
    subscribe = httpx.put(
        f"{base}/v1/tenants/t/services/mail",
        json={"policy_id": "microsoft-365", "monthly_fee": "100.00"},
        headers=headers,
    )
    assert subscribe.status_code == 201
    batch = {
        "outages": [
            {
                "service_id": "mail",
                "start": f"2026-11-{day:02d}T10:00:00Z",
                "end": f"2026-11-{day:02d}T11:00:00Z",
                "external_id": f"INC-{day}",
            }
            for day in range(1, 11)
        ]
    }

    def upload(_: int) -> httpx.Response:
        return httpx.post(f"{base}/v1/tenants/t/outages", json=batch, headers=headers, timeout=60)

    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(upload, range(8)))
    assert all(response.status_code == 201 for response in responses)
    bodies = [response.json() for response in responses]
    # 8 uploads × 10 incidents: each incident is created by exactly one upload and
    # recognised as a duplicate by the other seven.
    assert sum(body["created"] for body in bodies) == 10
    assert sum(body["duplicates"] for body in bodies) == 70
    listed = httpx.get(f"{base}/v1/tenants/t/outages", headers=headers).json()
    assert sorted(item["external_id"] for item in listed["items"]) == sorted(
        f"INC-{day}" for day in range(1, 11)
    )
    # 10 one-hour outages = 600 minutes down.
    report = httpx.get(f"{base}/v1/tenants/t/reports/2026-11", headers=headers).json()
    assert report["services"][0]["downtime_minutes"] == "600"
