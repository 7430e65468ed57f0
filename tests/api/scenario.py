"""Shared setup and assertions for the API tests: tenants, subscriptions, outage rows,
and the problem+json checks every error test makes."""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, cast

from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import Engine, event

PROBLEM_JSON = "application/problem+json"
Json = dict[str, Any]


def create_tenant(
    client: TestClient,
    tenant_id: str,
    *,
    timezone: str = "UTC",
    currency: str = "USD",
    name: str | None = None,
) -> Json:
    response = client.post(
        "/v1/tenants",
        json={
            "id": tenant_id,
            "name": name or tenant_id.title(),
            "timezone": timezone,
            "currency": currency,
        },
    )
    assert response.status_code == 201, response.text
    body: Json = response.json()
    return body


def subscribe(
    client: TestClient,
    tenant_id: str,
    service_id: str,
    policy_id: str,
    monthly_fee: str,
    users: int | None = None,
) -> Json:
    body: Json = {"policy_id": policy_id, "monthly_fee": monthly_fee}
    if users is not None:
        body["users"] = users
    response = client.put(f"/v1/tenants/{tenant_id}/services/{service_id}", json=body)
    assert response.status_code in (200, 201), response.text
    result: Json = response.json()
    return result


def window(service_id: str, start: str, end: str | None = None, **extra: Any) -> Json:
    """One outage row as the batch body takes it."""
    row: Json = {"service_id": service_id, "start": start, **extra}
    if end is not None:
        row["end"] = end
    return row


def post_outages(client: TestClient, tenant_id: str, *rows: Json) -> Response:
    return client.post(f"/v1/tenants/{tenant_id}/outages", json={"outages": list(rows)})


def store_outages(client: TestClient, tenant_id: str, *rows: Json) -> Json:
    response = post_outages(client, tenant_id, *rows)
    assert response.status_code == 201, response.text
    body: Json = response.json()
    return body


def list_outages(client: TestClient, tenant_id: str, **params: str | int) -> list[Json]:
    """One page (the default limit of 100 is plenty for these tests)."""
    response = client.get(f"/v1/tenants/{tenant_id}/outages", params=params)
    assert response.status_code == 200, response.text
    items: list[Json] = response.json()["items"]
    return items


def report(client: TestClient, tenant_id: str, month: str = "2026-11") -> Json:
    response = client.get(f"/v1/tenants/{tenant_id}/reports/{month}")
    assert response.status_code == 200, response.text
    body: Json = response.json()
    return body


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def instant(text: str) -> datetime:
    """An RFC 3339 timestamp from a response, for comparing instants, not spellings."""
    parsed = datetime.fromisoformat(text)
    assert parsed.tzinfo is not None, f"{text} carries no offset"
    return parsed


def assert_problem(response: Response, status: int) -> Json:
    """The status and an RFC 9457 body of the application/problem+json type."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].split(";")[0].strip() == PROBLEM_JSON
    body: Json = response.json()
    assert body["status"] == status
    assert isinstance(body["type"], str) and body["type"]
    assert isinstance(body["title"], str) and body["title"]
    assert isinstance(body["detail"], str) and body["detail"]
    return body


def quotes(msg: str, value: object) -> bool:
    """Whether `msg` quotes `value`: a string in quotes, a number as written."""
    if isinstance(value, str):
        return f"'{value}'" in msg or f'"{value}"' in msg
    return re.search(rf"(?<![\w.]){re.escape(str(value))}(?![\w.])", msg) is not None


def error_at(response: Response, loc: list[str | int]) -> str:
    """The msg of the 422 error at exactly `loc` (the body must name it)."""
    body = assert_problem(response, 422)
    errors = body["errors"]
    messages = [error["msg"] for error in errors if error["loc"] == loc]
    assert messages, f"no error at {loc}: {errors}"
    return str(messages[0])


def assert_invalid(response: Response, loc: list[str | int], value: object) -> str:
    """A 422 problem with an error at `loc` whose msg quotes `value`."""
    msg = error_at(response, loc)
    assert quotes(msg, value), f"msg at {loc} does not quote {value!r}: {msg}"
    return msg


def make_key(client: TestClient, role: str, tenant_id: str | None = None) -> tuple[str, str]:
    """A new API key as (id, secret), minted with the admin key."""
    body: Json = {"role": role}
    if tenant_id is not None:
        body["tenant_id"] = tenant_id
    response = client.post("/v1/api-keys", json=body)
    assert response.status_code == 201, response.text
    created: Json = response.json()
    return str(created["id"]), str(created["key"])


def as_key(secret: str) -> dict[str, str]:
    """Headers that send `secret` instead of the test client's admin key."""
    return {"X-API-Key": secret}


def app_engine(client: TestClient) -> Engine:
    """The engine of the app under test."""
    engine: Engine = cast(FastAPI, client.app).state.engine
    return engine


@contextmanager
def sent_statements(engine: Engine) -> Iterator[list[str]]:
    """The SQL statements sent on `engine` meanwhile."""
    sent: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        sent.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", note)
