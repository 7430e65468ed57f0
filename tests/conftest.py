"""Fixtures for tests that go through the real app over HTTP.

Each test gets a fresh database: a new SQLite file, or, when
`SLA_TEST_DATABASE_URL` names a PostgreSQL server (as `.ci/run` does), that
database with its schema dropped and migrated again.
"""

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pendulum
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from app.api.deps import now
from app.config import Settings
from app.main import create_app

ADMIN_KEY = "test-admin-key"


@dataclass
class Clock:
    """The instant the app reads as `now`; tests move it."""

    now: datetime


@pytest.fixture
def clock() -> Clock:
    return Clock(pendulum.datetime(2026, 12, 5, 12, tz="UTC"))


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    server = os.environ.get("SLA_TEST_DATABASE_URL")
    if not server:
        return f"sqlite:///{tmp_path / 'ledger.db'}"
    engine = create_engine(server)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return server


@pytest.fixture
def client(database_url: str, clock: Clock) -> Iterator[TestClient]:
    """The app, migrated at start-up, with the admin key sent by default."""
    app = create_app(Settings(database_url=database_url, admin_key=ADMIN_KEY))
    app.dependency_overrides[now] = lambda: clock.now
    with TestClient(app, headers={"X-API-Key": ADMIN_KEY}) as test_client:
        yield test_client
