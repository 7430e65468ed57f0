"""Fixtures for tests that go through the real app over HTTP.

Each test gets a fresh database: a new SQLite file, or, when
`SLA_TEST_DATABASE_URL` names a PostgreSQL server (as `.ci/run` does), that
database with its schema dropped and migrated again.
"""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import httpx
import pendulum
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from app.config import Settings
from app.deps import now
from app.main import create_app

ADMIN_KEY = "test-admin-key"


@dataclass
class Clock:
    """The instant the app reads as `now`; tests move it."""

    now: datetime


@pytest.fixture
def clock() -> Clock:
    return Clock(pendulum.datetime(2026, 12, 5, 12, tz="UTC"))


def fresh_database(directory: Path) -> str:
    """A new SQLite file in `directory`, or the PostgreSQL test database emptied."""
    server = os.environ.get("SLA_TEST_DATABASE_URL")
    if not server:
        return f"sqlite:///{directory / 'ledger.db'}"
    engine = create_engine(server)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return server


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return fresh_database(tmp_path)


@pytest.fixture
def client(database_url: str, clock: Clock) -> Iterator[TestClient]:
    """The app, migrated at start-up, with the admin key sent by default.

    The webhook worker stays off: webhook tests call `deliver_due` with their own `now`.
    """
    app = create_app(Settings(database_url=database_url, admin_key=ADMIN_KEY, webhook_worker=False))
    app.dependency_overrides[now] = lambda: clock.now
    with TestClient(app, headers={"X-API-Key": ADMIN_KEY}) as test_client:
        yield test_client


@dataclass
class LiveServer:
    url: str
    key: str
    workdir: Path
    process: subprocess.Popen[bytes]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start_live_server(
    workdir: Path, settings: dict[str, str] | None = None
) -> Generator[LiveServer]:
    """`python -m app.serve` (what `make run` runs) in `workdir`, on a free port.

    The environment's `SLA_` variables are dropped; `settings` gives the server its own.
    """
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLA_")}
    env |= {"PORT": str(port), "PYTHONPATH": str(Path(__file__).parent.parent)}
    # The fuzzer sends more than 600 requests a minute with one key; the rate limit
    # has its own tests (tests/api/test_limits.py).
    env["SLA_RATE_LIMIT"] = "off"
    env |= settings or {}
    # The log goes to a file: a pipe nobody reads would fill up and stall the server.
    log_path = workdir / "server.log"
    log = log_path.open("w")
    process = subprocess.Popen(
        [sys.executable, "-u", "-m", "app.serve"],
        cwd=workdir,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, "the server exited at start-up"
            assert time.monotonic() < deadline, "the server did not come up in 30 s"
            time.sleep(0.1)
        key = (workdir / ".admin-key").read_text().strip()
        yield LiveServer(url=url, key=key, workdir=workdir, process=process)
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()
    output = log_path.read_text()
    # The generated key is printed (only the time it is generated) so a newcomer can copy it.
    assert f"Admin key (X-API-Key): {key}  (generated" in output


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    yield from start_live_server(tmp_path)
