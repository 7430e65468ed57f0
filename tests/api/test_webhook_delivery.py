"""Delivering webhooks: signed, retried with backoff, refused to private addresses,
each outbox row sent once however many workers claim.

A real receiver on loopback where the bytes on the wire matter; pytest-httpx where
the answer matters (timeouts, 4xx). `now` is injected into `deliver_due`; where a
receiver verifies a signature, `now` is the real time, since the library checks the
timestamp against its own clock.
"""

import itertools
import json
import socket
import threading
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import httpx
import pendulum
import pytest
import standardwebhooks
from fastapi.testclient import TestClient
from pytest_httpx import HTTPXMock
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from app.config import Settings
from app.models import WebhookDelivery
from app.sla.periods import to_micros
from app.webhooks.delivery import claim_due, deliver_due
from app.webhooks.worker import WebhookWorker
from tests.api.receiver import MONTH_CLOSED, Receiver, emit_committed
from tests.api.test_webhooks import deliveries, register

HOOK = "https://hooks.example.com/sla"


def real_now() -> datetime:
    return pendulum.now("UTC")


def public(_host: str) -> None:
    """An address check that finds every host public (pytest-httpx answers for it)."""


@pytest.fixture
def http() -> Any:
    with httpx.Client() as client:
        yield client


@pytest.fixture
def secure_settings(insecure_settings: Settings) -> Settings:
    """Production defaults: https only, public addresses only."""
    return insecure_settings.model_copy(update={"webhook_allow_insecure": False})


def attempts(engine: Engine) -> list[WebhookDelivery]:
    with Session(engine) as session:
        return list(session.exec(select(WebhookDelivery).order_by(col(WebhookDelivery.id))))


# --- Signed, to a real receiver --------------------------------------------------


def test_a_receiver_gets_a_signed_month_closed_and_verifies_it(
    insecure_client: TestClient, engine: Engine, insecure_settings: Settings, http: httpx.Client
) -> None:
    with Receiver() as receiver:
        created = register(insecure_client, receiver.url, ["month.closed"])
        now = real_now()
        emit_committed(engine, "month.closed", "contoso", MONTH_CLOSED, to_micros(now))
        assert deliver_due(engine, now, http, insecure_settings) == 1
        (got,) = receiver.wait_for(1)
    event = standardwebhooks.Webhook(created["secret"]).verify(got.body, got.headers)
    assert event["type"] == "month.closed"
    assert event["tenant_id"] == "contoso"
    assert event["data"] == MONTH_CLOSED
    assert got.headers["webhook-id"] == event["id"]
    assert got.headers["webhook-timestamp"] == str(int(now.timestamp()))
    assert got.headers["content-type"] == "application/json"
    assert got.path == "/hooks/sla"
    # Another secret does not verify it.
    with pytest.raises(standardwebhooks.webhooks.WebhookVerificationError):
        other = register(insecure_client, receiver.url)["secret"]
        standardwebhooks.Webhook(other).verify(got.body, got.headers)
    (attempt,) = deliveries(insecure_client, created["id"])
    assert attempt["status"] == "delivered"
    assert attempt["response_code"] == 200
    assert attempt["attempt"] == 1
    assert attempt["event_id"] == event["id"]
    assert attempt["attempted_at"] is not None
    # Delivered is delivered: nothing is sent again.
    assert deliver_due(engine, now + timedelta(hours=2), http, insecure_settings) == 0


def test_a_503_is_retried_with_the_same_webhook_id(
    insecure_client: TestClient, engine: Engine, insecure_settings: Settings, http: httpx.Client
) -> None:
    with Receiver(answers=[503]) as receiver:
        created = register(insecure_client, receiver.url)
        now = real_now()
        emit_committed(engine, "month.closed", "contoso", MONTH_CLOSED, to_micros(now))
        assert deliver_due(engine, now, http, insecure_settings) == 1
        # The first retry waits a second, no less.
        assert deliver_due(engine, now + timedelta(milliseconds=900), http, insecure_settings) == 0
        assert deliver_due(engine, now + timedelta(seconds=1), http, insecure_settings) == 1
        first, second = receiver.wait_for(2)
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert first.body == second.body
    assert int(second.headers["webhook-timestamp"]) == int(first.headers["webhook-timestamp"]) + 1
    for got in (first, second):
        standardwebhooks.Webhook(created["secret"]).verify(got.body, got.headers)
    listed = deliveries(insecure_client, created["id"])
    assert [(item["attempt"], item["status"], item["response_code"]) for item in listed] == [
        (2, "delivered", 200),
        (1, "retrying", 503),
    ]
    assert listed[1]["error"] == "the receiver answered 503"


def test_a_worker_thread_started_like_the_app_delivers(
    insecure_client: TestClient, engine: Engine, insecure_settings: Settings
) -> None:
    settings = insecure_settings.model_copy(update={"webhook_poll_seconds": 0.05})
    with Receiver() as receiver:
        created = register(insecure_client, receiver.url)
        emit_committed(engine, "month.closed", "contoso", MONTH_CLOSED, to_micros(real_now()))
        worker = WebhookWorker(engine, settings, candidates=lambda *_: [])
        worker.start()
        try:
            (got,) = receiver.wait_for(1)
        finally:
            worker.stop()
    standardwebhooks.Webhook(created["secret"]).verify(got.body, got.headers)


# --- The schedule ---------------------------------------------------------------


def test_backoff_follows_the_schedule_then_gives_up(
    insecure_client: TestClient,
    engine: Engine,
    secure_settings: Settings,
    http: httpx.Client,
    httpx_mock: HTTPXMock,
) -> None:
    httpx_mock.add_response(url=HOOK, status_code=500, is_reusable=True)
    settings = secure_settings.model_copy(update={"webhook_retry_seconds": [1, 5, 30]})
    register(insecure_client, HOOK)
    start = pendulum.datetime(2026, 12, 5, 12, tz="UTC")
    emit_committed(engine, "month.closed", "contoso", MONTH_CLOSED, to_micros(start))
    now = start
    for wait in (0, 1, 5, 30):
        now = now + timedelta(seconds=wait)
        assert (
            deliver_due(
                engine, now - timedelta(microseconds=1), http, settings, check_address=public
            )
            == 0
        )
        assert deliver_due(engine, now, http, settings, check_address=public) == 1
    assert deliver_due(engine, now + timedelta(days=30), http, settings, check_address=public) == 0
    rows = attempts(engine)
    assert [(row.attempt, row.status) for row in rows] == [
        (1, "retrying"),
        (2, "retrying"),
        (3, "retrying"),
        (4, "failed"),
    ]
    offsets = [(row.due_micros - to_micros(start)) // 1_000_000 for row in rows]
    assert offsets == [0, 1, 6, 36]
    assert len(httpx_mock.get_requests()) == 4
    ids = {request.headers["webhook-id"] for request in httpx_mock.get_requests()}
    assert len(ids) == 1


def test_the_default_schedule_is_seconds_then_minutes_then_an_hour() -> None:
    settings = Settings(database_url="sqlite://")
    assert settings.webhook_retry_seconds == [1, 5, 30, 120, 600, 3600]


def test_a_timeout_is_retried(
    insecure_client: TestClient,
    engine: Engine,
    secure_settings: Settings,
    http: httpx.Client,
    httpx_mock: HTTPXMock,
) -> None:
    httpx_mock.add_exception(httpx.ReadTimeout("timed out"), url=HOOK)
    httpx_mock.add_response(url=HOOK, status_code=204)
    created = register(insecure_client, HOOK)
    now = pendulum.datetime(2026, 12, 5, 12, tz="UTC")
    emit_committed(engine, "month.closed", "contoso", MONTH_CLOSED, to_micros(now))
    assert deliver_due(engine, now, http, secure_settings, check_address=public) == 1
    later = now + timedelta(seconds=1)
    assert deliver_due(engine, later, http, secure_settings, check_address=public) == 1
    listed = deliveries(insecure_client, created["id"])
    assert [(item["status"], item["response_code"]) for item in listed] == [
        ("delivered", 204),
        ("retrying", None),
    ]
    assert listed[1]["error"] == "no answer within 10 s (ReadTimeout)"
    (first, second) = httpx_mock.get_requests()
    assert first.extensions["timeout"] == {
        "connect": 10.0,
        "read": 10.0,
        "write": 10.0,
        "pool": 10.0,
    }
    assert first.headers["webhook-id"] == second.headers["webhook-id"]


def test_a_connection_refused_is_retried(
    insecure_client: TestClient, engine: Engine, insecure_settings: Settings, http: httpx.Client
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    created = register(insecure_client, f"http://127.0.0.1:{closed_port}/hooks")
    now = real_now()
    emit_committed(engine, "month.closed", "contoso", MONTH_CLOSED, to_micros(now))
    assert deliver_due(engine, now, http, insecure_settings) == 1
    (attempt, pending) = sorted(
        deliveries(insecure_client, created["id"]), key=lambda item: item["attempt"]
    )
    assert attempt["status"] == "retrying"
    assert attempt["error"].startswith("could not send: ConnectError")
    assert pending["status"] == "pending"


@pytest.mark.parametrize(
    ("status", "final"),
    [(400, True), (401, True), (404, True), (410, True), (301, True), (408, False), (429, False)],
)
def test_a_4xx_is_final_but_408_and_429_are_retried(
    insecure_client: TestClient,
    engine: Engine,
    secure_settings: Settings,
    http: httpx.Client,
    httpx_mock: HTTPXMock,
    status: int,
    final: bool,
) -> None:
    httpx_mock.add_response(url=HOOK, status_code=status, headers={"location": HOOK + "/x"})
    created = register(insecure_client, HOOK)
    now = pendulum.datetime(2026, 12, 5, 12, tz="UTC")
    emit_committed(engine, "month.closed", "contoso", MONTH_CLOSED, to_micros(now))
    assert deliver_due(engine, now, http, secure_settings, check_address=public) == 1
    listed = deliveries(insecure_client, created["id"])
    if final:
        (attempt,) = listed
        assert attempt["status"] == "failed"
        assert attempt["error"].endswith("; final")
    else:
        assert [item["status"] for item in listed] == ["pending", "retrying"]
    assert listed[-1]["response_code"] == status
    # Redirects are not followed.
    assert len(httpx_mock.get_requests()) == 1


def test_retry_after_is_honoured_up_to_the_longest_wait(
    insecure_client: TestClient,
    engine: Engine,
    secure_settings: Settings,
    http: httpx.Client,
    httpx_mock: HTTPXMock,
) -> None:
    httpx_mock.add_response(url=HOOK, status_code=429, headers={"retry-after": "120"})
    httpx_mock.add_response(url=HOOK, status_code=503, headers={"retry-after": "999999"})
    register(insecure_client, HOOK)
    now = pendulum.datetime(2026, 12, 5, 12, tz="UTC")
    emit_committed(engine, "month.closed", "contoso", MONTH_CLOSED, to_micros(now))
    deliver_due(engine, now, http, secure_settings, check_address=public)
    assert deliver_due(engine, now + timedelta(seconds=119), http, secure_settings) == 0
    later = now + timedelta(seconds=120)
    assert deliver_due(engine, later, http, secure_settings, check_address=public) == 1
    rows = attempts(engine)
    waits = [
        (later.due_micros - (earlier.attempted_micros or 0)) // 1_000_000
        for earlier, later in itertools.pairwise(rows)
    ]
    assert waits == [120, 3600]


# --- Where it may go ----------------------------------------------------------------


def test_a_host_that_now_resolves_to_a_private_address_is_refused_at_send_time(
    insecure_client: TestClient,
    engine: Engine,
    secure_settings: Settings,
    http: httpx.Client,
    httpx_mock: HTTPXMock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Registered while allowed (as if its DNS was public then) ...
    created = register(insecure_client, HOOK)
    now = pendulum.datetime(2026, 12, 5, 12, tz="UTC")
    emit_committed(engine, "month.closed", "contoso", MONTH_CLOSED, to_micros(now))
    # ... and by the time of sending its name points inside the network.
    real_getaddrinfo = socket.getaddrinfo

    def rebound(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host == "hooks.example.com":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.7", 443))]
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebound)
    assert deliver_due(engine, now, http, secure_settings) == 1
    (attempt,) = deliveries(insecure_client, created["id"])
    assert attempt["status"] == "failed"
    assert attempt["response_code"] is None
    assert attempt["error"] == (
        "not sent: 'hooks.example.com' resolves to 10.0.0.7, which is not a public address"
    )
    assert httpx_mock.get_requests() == []


def test_loopback_is_refused_at_send_time_once_insecure_targets_are_off(
    insecure_client: TestClient, engine: Engine, secure_settings: Settings, http: httpx.Client
) -> None:
    with Receiver() as receiver:
        https_loopback = receiver.url.replace("http://", "https://")
        plain = register(insecure_client, receiver.url)
        secure = register(insecure_client, https_loopback)
        now = real_now()
        emit_committed(engine, "month.closed", "contoso", MONTH_CLOSED, to_micros(now))
        assert deliver_due(engine, now, http, secure_settings) == 2
        assert receiver.received == []
    (refused_http,) = deliveries(insecure_client, plain["id"])
    assert refused_http["error"] == "not sent: only https URLs receive webhooks"
    (refused_loopback,) = deliveries(insecure_client, secure["id"])
    assert refused_loopback["error"] == (
        "not sent: '127.0.0.1' resolves to 127.0.0.1, which is not a public address"
    )
    assert refused_http["status"] == refused_loopback["status"] == "failed"


def test_a_name_that_does_not_resolve_is_retried(
    insecure_client: TestClient,
    engine: Engine,
    secure_settings: Settings,
    http: httpx.Client,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def nowhere(*_args: Any, **_kwargs: Any) -> Any:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", nowhere)
    created = register(insecure_client, HOOK)
    now = pendulum.datetime(2026, 12, 5, 12, tz="UTC")
    emit_committed(engine, "month.closed", "contoso", MONTH_CLOSED, to_micros(now))
    assert deliver_due(engine, now, http, secure_settings) == 1
    statuses = [item["status"] for item in deliveries(insecure_client, created["id"])]
    assert statuses == ["pending", "retrying"]


# --- Workers ----------------------------------------------------------------------------


def test_two_workers_never_deliver_one_row_twice(
    insecure_client: TestClient, engine: Engine, insecure_settings: Settings
) -> None:
    settings = insecure_settings.model_copy(update={"webhook_batch_size": 3})
    events = 30
    with Receiver(delay_seconds=0.01) as receiver:
        register(insecure_client, receiver.url)
        now = real_now()
        for _ in range(events):
            emit_committed(engine, "month.closed", "contoso", MONTH_CLOSED, to_micros(now))
        counts: list[int] = []
        errors: list[BaseException] = []

        def work() -> None:
            made = 0
            try:
                with httpx.Client() as client:
                    while (step := deliver_due(engine, now, client, settings)) > 0:
                        made += step
            except BaseException as error:
                errors.append(error)
            counts.append(made)

        threads = [threading.Thread(target=work) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert errors == []
        received = receiver.wait_for(events)
    assert sum(counts) == events
    per_event = Counter(json.loads(got.body)["id"] for got in received)
    assert len(per_event) == events
    assert set(per_event.values()) == {1}
    assert {row.status for row in attempts(engine)} == {"delivered"}


def test_a_worker_that_died_mid_send_is_taken_over_after_its_lease(
    insecure_client: TestClient, engine: Engine, insecure_settings: Settings, http: httpx.Client
) -> None:
    with Receiver() as receiver:
        register(insecure_client, receiver.url)
        now = real_now()
        emit_committed(engine, "month.closed", "contoso", MONTH_CLOSED, to_micros(now))
        # A worker claims the row, then dies before recording anything.
        (lost,) = claim_due(engine, to_micros(now), insecure_settings)
        assert deliver_due(engine, now + timedelta(seconds=299), http, insecure_settings) == 0
        assert deliver_due(engine, now + timedelta(seconds=300), http, insecure_settings) == 1
        (got,) = receiver.wait_for(1)
    assert got.headers["webhook-id"] == lost.event_id
    (row,) = attempts(engine)
    assert (row.status, row.claim, row.lease_micros) == ("delivered", None, None)
