"""An unexpected error answers problem+json 500 and leaves the keep-alive connection
usable, under a real uvicorn and over one raw socket.

Starlette's error middleware re-raises the exception after sending its answer, and
uvicorn then closes the connection, so a client's next request on it would fail;
app/guards.py answers the 500 itself instead (see RequestGuard).
"""

import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from app.config import Settings
from app.main import create_app
from tests.conftest import ADMIN_KEY, _free_port


def _boom() -> None:
    raise RuntimeError("an unexpected failure")


@pytest.fixture
def port(tmp_path: Path) -> Iterator[int]:
    """The app with a /boom route, served by uvicorn in a thread on a free port."""
    app = create_app(
        Settings(database_url=f"sqlite:///{tmp_path / 'ledger.db'}", admin_key=ADMIN_KEY)
    )
    # Routes must be in place before the server starts.
    app.add_api_route("/boom", _boom, methods=["GET"])
    chosen = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=chosen, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive(), "uvicorn exited at start-up"
        assert time.monotonic() < deadline, "uvicorn did not start in 30 s"
        time.sleep(0.05)
    try:
        yield chosen
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        assert not thread.is_alive(), "uvicorn did not stop in 10 s"


def _read_response(connection: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """One HTTP/1.1 response, read to the end of its Content-Length body."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(65536)
        assert chunk, f"the server closed the connection; read so far: {data!r}"
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in header_lines:
        name, value = line.split(":", 1)
        headers[name.strip().lower()] = value.strip()
    length = int(headers["content-length"])
    while len(body) < length:
        chunk = connection.recv(65536)
        assert chunk, f"the server closed the connection inside the body: {body!r}"
        body += chunk
    assert len(body) == length, "more bytes than Content-Length: the answers are out of step"
    return int(status_line.split(" ")[1]), headers, body


def _get(path: str) -> bytes:
    return (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: {ADMIN_KEY}\r\n\r\n").encode()


def test_an_unexpected_error_answers_500_and_the_connection_stays_usable(port: int) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(_get("/boom"))
        status, headers, body = _read_response(connection)

        assert status == 500
        assert headers["content-type"] == "application/problem+json"
        problem = json.loads(body)
        assert problem["status"] == 500
        assert problem["type"] == "urn:sla-ledger:problem:internal"
        # Nothing of the exception leaks into the answer.
        assert "unexpected failure" not in body.decode()
        assert headers.get("connection", "").lower() != "close"

        # The same connection, the next request.
        connection.sendall(_get("/healthz"))
        status, headers, body = _read_response(connection)

        assert status == 200
        assert json.loads(body) == {"status": "ok"}
