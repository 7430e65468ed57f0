"""What one request may cost: the body limit (413), the rate limit per key (429), and a
write that cannot get the database's lock in time (503, never 500)."""

import hashlib
import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import make_url
from sqlalchemy.exc import OperationalError

from app.config import Settings
from app.db import is_busy
from app.limits import RateLimit, caller_identity
from app.main import create_app
from tests.conftest import ADMIN_KEY

PROBLEM_JSON = "application/problem+json"
TENANT = {"id": "contoso", "name": "Contoso"}


@contextmanager
def serving(database_url: str, **settings: Any) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=database_url, admin_key=ADMIN_KEY, **settings))
    with TestClient(app, headers={"X-API-Key": ADMIN_KEY}) as client:
        yield client


def _assert_problem(response: Any, status: int, slug: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    body: dict[str, Any] = response.json()
    assert body["type"] == f"urn:sla-ledger:problem:{slug}"
    assert body["status"] == status
    return body


# --- body limit ---------------------------------------------------------------------


def _json_of_size(size: int) -> bytes:
    """TENANT as JSON, padded with spaces to exactly `size` bytes."""
    text = json.dumps(TENANT).encode()
    return text + b" " * (size - len(text))


def test_a_body_declared_over_the_limit_is_refused_before_it_is_read(database_url: str) -> None:
    with serving(database_url, max_body_bytes=1000) as client:
        response = client.post(
            "/v1/tenants",
            content=_json_of_size(1001),
            headers={"Content-Type": "application/json"},
        )
        assert response.request.headers["content-length"] == "1001"
        body = _assert_problem(response, 413, "content-too-large")
        assert body["detail"] == "the request body is larger than 1000 bytes"
        assert response.headers["connection"] == "close"
        assert client.get("/v1/tenants").json()["items"] == []


def test_a_body_of_exactly_the_limit_is_accepted(database_url: str) -> None:
    with serving(database_url, max_body_bytes=1000) as client:
        response = client.post(
            "/v1/tenants",
            content=_json_of_size(1000),
            headers={"Content-Type": "application/json"},
        )
        assert response.status_code == 201, response.text


def test_a_chunked_body_is_refused_once_it_passes_the_limit(database_url: str) -> None:
    def chunks() -> Iterator[bytes]:
        body = _json_of_size(1500)
        yield body[:700]
        yield body[700:]

    with serving(database_url, max_body_bytes=1000) as client:
        response = client.post(
            "/v1/tenants", content=chunks(), headers={"Content-Type": "application/json"}
        )
        # No Content-Length to trust: only counting the bytes finds the body too large.
        assert "content-length" not in response.request.headers
        assert response.request.headers["transfer-encoding"] == "chunked"
        _assert_problem(response, 413, "content-too-large")
        assert client.get("/v1/tenants").json()["items"] == []


# --- rate limit ---------------------------------------------------------------------


def test_the_fourth_request_in_a_minute_is_refused_with_retry_after(database_url: str) -> None:
    with serving(database_url, rate_limit="3/minute") as client:
        for _ in range(3):
            assert client.get("/v1/tenants").status_code == 200
        refused = client.get("/v1/tenants")
        body = _assert_problem(refused, 429, "too-many-requests")
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert body["detail"].startswith("more than 3/minute requests")
        # The same key sent as a bearer token is the same caller.
        bearer = client.get("/v1/tenants", headers={"Authorization": f"Bearer {ADMIN_KEY}"})
        assert bearer.status_code == 429
        # Another key has its own count (it is unknown, so 401, but not limited).
        other = client.get("/v1/tenants", headers={"X-API-Key": "another-key"})
        assert other.status_code == 401
        # Probes and metrics are never limited.
        for path in ("/healthz", "/readyz", "/metrics"):
            assert client.get(path).status_code == 200


def test_requests_without_a_key_are_limited_by_client_address(database_url: str) -> None:
    with serving(database_url, rate_limit="3/minute") as client:
        no_key = {"X-API-Key": ""}
        for _ in range(3):
            assert client.get("/v1/tenants", headers=no_key).status_code == 401
        _assert_problem(client.get("/v1/tenants", headers=no_key), 429, "too-many-requests")
        # The admin key is a different caller from the same address.
        assert client.get("/v1/tenants").status_code == 200


def test_the_limiter_holds_hashes_of_keys_never_the_keys(database_url: str) -> None:
    with serving(database_url, rate_limit="3/minute") as client:
        client.get("/v1/tenants")
        limiter = client.app.middleware_stack  # type: ignore[attr-defined]
        while not isinstance(limiter, RateLimit):
            limiter = limiter.app
        assert limiter.limiter is not None
        stored = " ".join(limiter.limiter.storage.events)  # type: ignore[attr-defined]
        assert hashlib.sha256(ADMIN_KEY.encode()).hexdigest() in stored
        assert ADMIN_KEY not in stored


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ([(b"x-api-key", b"k1")], "key:" + hashlib.sha256(b"k1").hexdigest()),
        ([(b"authorization", b"Bearer k1")], "key:" + hashlib.sha256(b"k1").hexdigest()),
        ([(b"authorization", b"bearer  k1 ")], "key:" + hashlib.sha256(b"k1").hexdigest()),
        ([(b"authorization", b"Basic azE6")], "address:10.0.0.7"),
        ([(b"x-api-key", b"")], "address:10.0.0.7"),
        ([], "address:10.0.0.7"),
    ],
)
def test_callers_are_told_apart_by_hashed_key_else_address(
    headers: list[tuple[bytes, bytes]], expected: str
) -> None:
    scope = {"type": "http", "headers": headers, "client": ("10.0.0.7", 5123)}
    assert caller_identity(scope) == expected


@pytest.mark.parametrize("disabled", ["", "off", "OFF", None])
def test_an_empty_or_off_rate_limit_disables_it(database_url: str, disabled: str | None) -> None:
    with serving(database_url, rate_limit=disabled) as client:
        for _ in range(20):
            assert client.get("/v1/tenants").status_code == 200


def test_a_rate_limit_that_cannot_be_read_is_refused_at_start_up() -> None:
    with pytest.raises(ValidationError, match="rate_limit"):
        Settings(rate_limit="lots")


def test_settings_hold_the_admin_key_as_a_secret() -> None:
    settings = Settings(admin_key="s3cret-key")
    assert settings.admin_key is not None
    assert settings.admin_key.get_secret_value() == "s3cret-key"
    assert "s3cret-key" not in repr(settings)


# --- the database's lock ------------------------------------------------------------


@contextmanager
def holding_the_write_lock(database_url: str, tenant_id: str) -> Iterator[None]:
    """Another connection holds the lock a write to `tenant_id` needs: SQLite's write
    lock, or on PostgreSQL the tenant's row lock."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        connection = sqlite3.connect(str(url.database), isolation_level=None)
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            connection.execute("ROLLBACK")
            connection.close()
        return
    conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo) as pg_connection:
        pg_connection.execute("SELECT 1 FROM tenant WHERE id = %s FOR UPDATE", (tenant_id,))
        try:
            yield
        finally:
            pg_connection.rollback()


def test_a_write_that_cannot_get_the_lock_in_time_answers_503(database_url: str) -> None:
    subscribe = {"policy_id": "microsoft-365", "monthly_fee": "100.00"}
    with serving(database_url, db_busy_timeout_seconds=0.2, busy_retry_after_seconds=7) as client:
        assert client.post("/v1/tenants", json=TENANT).status_code == 201
        with holding_the_write_lock(database_url, "contoso"):
            busy = client.put("/v1/tenants/contoso/services/mail", json=subscribe)
            body = _assert_problem(busy, 503, "service-unavailable")
            assert busy.headers["retry-after"] == "7"
            assert "send the request again" in body["detail"]
            # Reads do not wait for the writer.
            assert client.get("/v1/tenants/contoso").status_code == 200
        # The lock is free again: the same request goes through.
        assert client.put("/v1/tenants/contoso/services/mail", json=subscribe).status_code == 201


def test_other_database_errors_stay_500(database_url: str) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("breaks the schema through a raw SQLite connection")
    app = create_app(Settings(database_url=database_url, admin_key=ADMIN_KEY))
    with TestClient(app, headers={"X-API-Key": ADMIN_KEY}, raise_server_exceptions=False) as client:
        connection = sqlite3.connect(str(make_url(database_url).database))
        connection.execute("ALTER TABLE tenant RENAME TO tenant_gone")
        connection.close()
        _assert_problem(client.get("/v1/tenants"), 500, "internal")


def _wrapped(original: Exception) -> OperationalError:
    return OperationalError("SELECT 1", {}, original)


def _sqlite_error(sql: str, path: str) -> sqlite3.OperationalError:
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    waiter = sqlite3.connect(path, isolation_level=None, timeout=0)
    try:
        waiter.execute(sql)
    except sqlite3.OperationalError as error:
        return error
    finally:
        holder.close()
        waiter.close()
    raise AssertionError(f"{sql} did not fail")


def test_only_lock_errors_count_as_busy(tmp_path: Any) -> None:
    path = str(tmp_path / "busy.db")
    sqlite3.connect(path).close()
    assert is_busy(_wrapped(_sqlite_error("BEGIN IMMEDIATE", path)))
    assert not is_busy(_wrapped(_sqlite_error("SELECT * FROM missing", path)))
    assert is_busy(_wrapped(psycopg.errors.LockNotAvailable()))
    assert is_busy(_wrapped(psycopg.errors.SerializationFailure()))
    assert is_busy(_wrapped(psycopg.errors.DeadlockDetected()))
    assert not is_busy(_wrapped(psycopg.errors.AdminShutdown()))
