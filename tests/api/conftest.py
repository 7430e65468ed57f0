"""Fixtures for the webhook tests: an app that may send to loopback, and its database."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.config import Settings
from app.db import make_engine
from tests.api.scenario import create_tenant
from tests.conftest import ADMIN_KEY, Clock, app_client


@pytest.fixture
def insecure_settings(database_url: str) -> Settings:
    """As in development: http and loopback targets allowed; no worker thread."""
    return Settings(
        database_url=database_url,
        admin_key=ADMIN_KEY,
        webhook_worker=False,
        webhook_allow_insecure=True,
    )


@pytest.fixture
def insecure_client(insecure_settings: Settings, clock: Clock) -> Iterator[TestClient]:
    """The app with `insecure_settings`, and a tenant `contoso` for events to name."""
    with app_client(insecure_settings, clock) as test_client:
        create_tenant(test_client, "contoso")
        yield test_client


@pytest.fixture
def engine(insecure_client: TestClient, database_url: str) -> Iterator[Engine]:
    """The database the app migrated, as the ledger and the worker reach it."""
    engine = make_engine(database_url)
    yield engine
    engine.dispose()
