"""The log of a real server (`python -m app.serve`): one JSON object a line on
stderr, the request id on each line written for a request and in the answer's
X-Request-ID header, and no key or share-link token anywhere in it."""

import re
import time
from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from tests.conftest import ADMIN_KEY, LiveServer

GENERATED_ID = re.compile(r"[0-9a-f]{32}")  # uuid4().hex


def access_lines(server: LiveServer, request_id: str) -> list[dict[str, Any]]:
    """The access lines for one request id; the line is written as the answer ends, so
    wait a moment for it."""
    deadline = time.monotonic() + 5
    while True:
        lines = [
            record
            for record in server.log_records()
            if record["logger"] == "app.access" and record.get("request_id") == request_id
        ]
        if lines or time.monotonic() > deadline:
            return lines
        time.sleep(0.05)


def test_a_supplied_request_id_is_echoed_and_logged(live_server: LiveServer) -> None:
    headers = {"X-API-Key": live_server.key, "X-Request-ID": "order-4711.retry_2"}
    created = httpx.post(
        f"{live_server.url}/v1/tenants", json={"id": "contoso", "name": "C"}, headers=headers
    )
    assert created.status_code == 201
    assert created.headers["X-Request-ID"] == "order-4711.retry_2"
    (line,) = access_lines(live_server, "order-4711.retry_2")
    assert line["level"] == "INFO"
    assert line["method"] == "POST"
    assert line["path"] == "/v1/tenants"
    assert line["route"] == "/v1/tenants"
    assert line["status"] == 201
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] > 0
    assert line["time"].endswith("+00:00")


def test_a_missing_or_unsafe_request_id_is_replaced_by_a_generated_one(
    live_server: LiveServer,
) -> None:
    plain = httpx.get(f"{live_server.url}/healthz")
    generated = plain.headers["X-Request-ID"]
    assert GENERATED_ID.fullmatch(generated)
    (line,) = access_lines(live_server, generated)
    assert line["path"] == "/healthz" and line["status"] == 200
    # A space and a quote are not kept; nor are 129 characters (the limit is 128).
    for unsafe in ('evil" id', "a" * 129):
        answer = httpx.get(f"{live_server.url}/healthz", headers={"X-Request-ID": unsafe})
        assert GENERATED_ID.fullmatch(answer.headers["X-Request-ID"])
        assert unsafe not in live_server.log_path.read_text()
    kept = httpx.get(f"{live_server.url}/healthz", headers={"X-Request-ID": "b" * 128})
    assert kept.headers["X-Request-ID"] == "b" * 128


def test_every_line_is_json_and_the_id_reaches_our_own_loggers(live_server: LiveServer) -> None:
    # An invalid X-Request-ID makes asgi-correlation-id log a warning; a report page
    # without SLA_LINK_SECRET logs nothing more, but start-up did (uvicorn, alembic, us).
    httpx.get(f"{live_server.url}/healthz", headers={"X-Request-ID": "no spaces please"})
    records = live_server.log_records()  # json.loads of every line, or it fails
    loggers = {record["logger"] for record in records}
    assert {"uvicorn.error", "alembic.runtime.migration", "app.serve", "app.access"} <= loggers
    for record in records:
        assert {"time", "level", "logger", "message"} <= set(record), record
    started = [r for r in records if r["message"].startswith("Application startup complete")]
    assert started and started[0]["request_id"] is None


def test_keys_and_share_tokens_never_reach_the_log(live_server: LiveServer) -> None:
    base, key = live_server.url, live_server.key
    headers = {"X-API-Key": key}
    assert httpx.post(
        f"{base}/v1/tenants", json={"id": "t", "name": "T"}, headers=headers
    ).is_success
    made = httpx.post(f"{base}/v1/api-keys", json={"role": "finance"}, headers=headers)
    assert made.status_code == 201, made.text
    viewer_key = made.json()["key"]
    bearer = httpx.get(f"{base}/v1/tenants", headers={"Authorization": f"Bearer {viewer_key}"})
    assert bearer.status_code == 200
    link = httpx.post(
        f"{base}/v1/tenants/t/reports/2026-11/links", json={"format": "html"}, headers=headers
    )
    assert link.status_code == 201, link.text
    token = link.json()["url"].rsplit("/", 1)[1]
    shared = httpx.get(f"{base}/v1/shared/reports/{token}")
    assert shared.status_code == 200
    (line,) = access_lines(live_server, shared.headers["X-Request-ID"])
    assert line["path"] == "/v1/shared/reports/[redacted]"
    assert line["route"] == "/v1/shared/reports/{token}"
    log = live_server.log_path.read_text()
    for secret in (key, viewer_key, token):
        assert secret not in log


def test_answers_from_the_middleware_carry_the_request_id(tmp_path: Path) -> None:
    """429, 413, 404, 405, 401 and 422 (the guard), each problem+json with the id."""
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'ledger.db'}",
        admin_key=ADMIN_KEY,
        webhook_worker=False,
        rate_limit="3/minute",
        max_body_bytes=10,
    )
    with TestClient(create_app(settings), headers={"X-API-Key": ADMIN_KEY}) as client:
        answers = [
            client.post("/v1/tenants", content=b"x" * 11),  # 413: 11 bytes > 10
            client.get("/nowhere"),  # 404
            client.delete("/v1/tenants"),  # 405
        ]
        answers.append(client.get("/v1/tenants", headers={"X-API-Key": "wrong"}))  # 401
        answers.append(client.get("/v1/tenants"))  # 429: the 4th of this key's 3 a minute
        answers.append(client.get("/healthz?x=%00"))  # 422: the guard, a control character
    assert [answer.status_code for answer in answers] == [413, 404, 405, 401, 429, 422]
    ids = [answer.headers["X-Request-ID"] for answer in answers]
    assert all(GENERATED_ID.fullmatch(request_id) for request_id in ids)
    assert len(set(ids)) == len(ids)
    for answer in answers:
        assert answer.headers["content-type"] == "application/problem+json"
