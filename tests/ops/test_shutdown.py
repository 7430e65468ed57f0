"""SIGTERM to a real server: it stops taking connections, lets the request in flight
finish, stops the webhook worker, logs that shutdown completed, and exits 0."""

import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import LiveServer, start_live_server


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    yield from start_live_server(tmp_path, {"SLA_SHUTDOWN_GRACE_SECONDS": "20"})


def test_sigterm_finishes_the_request_in_flight_and_exits_0(server: LiveServer) -> None:
    first_part_sent, go_on = threading.Event(), threading.Event()

    def slow_body() -> Iterator[bytes]:
        # The body arrives in two parts with the SIGTERM in between: the request is
        # in flight (its handler has not even run) when the server is asked to stop.
        yield b'{"id": "contoso", '
        first_part_sent.set()
        go_on.wait(10)
        yield b'"name": "Contoso"}'

    answers: list[httpx.Response] = []

    def post() -> None:
        answers.append(
            httpx.post(
                f"{server.url}/v1/tenants",
                content=slow_body(),
                headers={"X-API-Key": server.key, "content-type": "application/json"},
                timeout=30,
            )
        )

    sender = threading.Thread(target=post)
    sender.start()
    assert first_part_sent.wait(10)
    time.sleep(0.3)  # the first part reaches the server
    stopped_at = time.monotonic()
    server.process.send_signal(signal.SIGTERM)
    time.sleep(0.5)  # uvicorn closes its listening socket at once
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{server.url}/healthz", timeout=5)
    go_on.set()
    sender.join(30)
    (answer,) = answers
    assert answer.status_code == 201, answer.text
    assert answer.json()["id"] == "contoso"
    assert server.process.wait(timeout=30) == 0
    assert time.monotonic() - stopped_at < 15
    messages = [record["message"] for record in server.log_records()]
    shutdown = messages[messages.index("Shutting down") :]
    # In this order: the worker stops inside the app's shutdown, which then completes.
    assert [m for m in shutdown if m in EXPECTED_ORDER] == EXPECTED_ORDER
    access = [m for m in shutdown if m.startswith("POST /v1/tenants")]
    assert access == ["POST /v1/tenants 201"]


EXPECTED_ORDER = [
    "Shutting down",
    "webhook worker stopped",
    "Application shutdown complete.",
]
