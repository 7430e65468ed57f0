"""`/readyz` against a real server: 200 while the database answers, 503 problem+json
once it cannot be reached, while `/healthz` (liveness) stays 200 throughout."""

import os
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import make_url

from tests.conftest import LiveServer, fresh_database_url, start_live_server


def assert_ready(server: LiveServer) -> None:
    answer = httpx.get(f"{server.url}/readyz")
    assert answer.status_code == 200
    assert answer.json() == {"status": "ready"}


def assert_unready(server: LiveServer) -> None:
    answer = httpx.get(f"{server.url}/readyz", timeout=30)
    assert answer.status_code == 503
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.headers["X-Request-ID"]
    body = answer.json()
    assert body["type"] == "urn:sla-ledger:problem:service-unavailable"
    assert body["detail"] == "the database cannot be reached"
    # Liveness does not depend on the database: the process itself is fine.
    assert httpx.get(f"{server.url}/healthz").status_code == 200


@pytest.fixture
def test_database_server(tmp_path: Path) -> Iterator[LiveServer]:
    """The server on SLA_TEST_DATABASE_URL when set (PostgreSQL), else a SQLite file."""
    yield from start_live_server(tmp_path, test_database=True)


def test_ready_when_the_database_answers(test_database_server: LiveServer) -> None:
    assert_ready(test_database_server)


def test_sqlite_unready_once_the_file_is_gone(live_server: LiveServer) -> None:
    assert_ready(live_server)
    # The database file (and its WAL files) replaced by a directory: a new
    # connection cannot open it, though the pool's open connections still read the
    # old file, which is why the probe does not use them.
    database = live_server.workdir / "sla-ledger.db"
    for path in live_server.workdir.glob("sla-ledger.db*"):
        path.unlink()
    database.mkdir()
    assert_unready(live_server)
    database.rmdir()
    # A missing file is not created anew by the probe, so it stays unready.
    assert_unready(live_server)
    assert not database.exists()


class Relay:
    """A TCP relay from a local port to the database server, which the test can cut:
    to the app the database has become unreachable."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self.listener.getsockname()[1]
        self.sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return  # cut
            upstream = socket.create_connection(self.target)
            self.sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=_pump, args=(source, sink), daemon=True).start()

    def cut(self) -> None:
        # shutdown, not only close: it wakes the accepting thread and stops listening.
        self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()
        for open_socket in self.sockets:
            open_socket.close()


def _pump(source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    for end in (source, sink):
        end.close()


@pytest.mark.skipif(
    not os.environ.get("SLA_TEST_DATABASE_URL"), reason="needs SLA_TEST_DATABASE_URL (PostgreSQL)"
)
def test_postgresql_unready_once_the_server_cannot_be_reached(tmp_path: Path) -> None:
    # The schema dropped, as for every test; the server migrates it through the relay.
    database = make_url(fresh_database_url(tmp_path))
    relay = Relay((database.host or "127.0.0.1", database.port or 5432))
    via_relay = database.set(host="127.0.0.1", port=relay.port)
    servers = start_live_server(
        tmp_path, {"SLA_DATABASE_URL": via_relay.render_as_string(hide_password=False)}
    )
    server = next(servers)
    try:
        assert_ready(server)
        relay.cut()
        assert_unready(server)
        # A request meanwhile: the connection it was using is lost, then none can be
        # opened; both are a 503 to send again later, not a 500.
        for _ in range(2):
            lost = httpx.get(f"{server.url}/v1/tenants", headers={"X-API-Key": server.key})
            assert lost.status_code == 503, lost.text
            assert lost.headers["Retry-After"] == "5"
            assert "database cannot be reached" in lost.json()["detail"]
    finally:
        servers.close()
