"""Fixtures for tests that go through the real app over HTTP.

Each test gets a fresh database: a new SQLite file, or, when
`SLA_TEST_DATABASE_URL` names a PostgreSQL server (as `.ci/run` does), that
database with its schema dropped and migrated again.
"""

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

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


def fresh_database_url(directory: Path) -> str:
    """A new SQLite file in `directory`, or the SLA_TEST_DATABASE_URL server's database
    with its schema dropped (the app migrates it again at start-up)."""
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
    return fresh_database_url(tmp_path)


@pytest.fixture
def client(database_url: str, clock: Clock) -> Iterator[TestClient]:
    """The app, migrated at start-up, with the admin key sent by default.

    The webhook worker stays off: webhook tests call `deliver_due` with their own `now`.
    """
    settings = Settings(database_url=database_url, admin_key=ADMIN_KEY, webhook_worker=False)
    with app_client(settings, clock) as test_client:
        yield test_client


@contextmanager
def app_client(settings: Settings, clock: Clock) -> Iterator[TestClient]:
    """The app with `settings`, started, reading `clock` as now, the admin key sent by
    default."""
    app = create_app(settings)
    app.dependency_overrides[now] = lambda: clock.now
    with TestClient(app, headers={"X-API-Key": ADMIN_KEY}) as test_client:
        yield test_client


@dataclass
class LiveServer:
    url: str
    key: str
    workdir: Path
    process: subprocess.Popen[bytes]

    @property
    def log_path(self) -> Path:
        """The server's stderr: its JSON log."""
        return self.workdir / "server.log"

    def log_records(self) -> list[dict[str, Any]]:
        """Every line of the log so far, each parsed as the JSON object it must be."""
        return [json.loads(line) for line in self.log_path.read_text().splitlines()]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start_live_server(
    workdir: Path, settings: dict[str, str] | None = None, *, test_database: bool = False
) -> Generator[LiveServer]:
    """`python -m app.serve` (what `make run` runs) in `workdir`, on a free port.

    The environment's `SLA_` variables are dropped; `settings` gives the server its own.
    It serves the default SQLite file in `workdir`; with `test_database`, when
    SLA_TEST_DATABASE_URL names a server (as `.ci/run` sets it), it serves that database
    instead, its schema dropped first.
    """
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLA_")}
    env |= {"PORT": str(port), "PYTHONPATH": str(Path(__file__).parent.parent)}
    # The fuzzer sends more than 600 requests a minute with one key; the rate limit
    # has its own tests (tests/api/test_limits.py).
    env["SLA_RATE_LIMIT"] = "off"
    env |= settings or {}
    if test_database and os.environ.get("SLA_TEST_DATABASE_URL"):
        env["SLA_DATABASE_URL"] = fresh_database_url(workdir)
    # Output goes to files: a pipe nobody reads would fill up and stall the server.
    # stderr is the JSON log; stdout has only the generated key's line.
    out_path = workdir / "server.out"
    out, log = out_path.open("w"), (workdir / "server.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-u", "-m", "app.serve"],
        cwd=workdir,
        env=env,
        stdout=out,
        stderr=log,
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
        out.close()
        log.close()
    output = out_path.read_text()
    # The generated key is printed (only the time it is generated) so a newcomer can copy it.
    assert f"Admin key (X-API-Key): {key}  (generated" in output


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    yield from start_live_server(tmp_path)
