"""The probes: `/healthz` says the process answers (liveness), `/readyz` that it can
reach its database (readiness). Neither needs a key nor counts against the rate limit."""

import logging
from typing import Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel
from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.pool import NullPool

from app.config import Settings
from app.errors import ServiceUnavailable, problem_responses
from app.schemas import Health

router = APIRouter(tags=["health"])
log = logging.getLogger(__name__)


class Readiness(BaseModel):
    status: Literal["ready"]


# 422: the request guard refuses a control character in any path or query string.
@router.get("/healthz", responses=problem_responses(422))
def get_health() -> Health:
    """Liveness; needs no key."""
    return Health(status="ok")


@router.get("/readyz", responses=problem_responses(422, 503))
def get_readiness(request: Request) -> Readiness:
    """Readiness: 200 once a new connection to the database answers `SELECT 1` within
    `SLA_READINESS_TIMEOUT_SECONDS`, else 503; needs no key."""
    app_state = request.app.state
    if getattr(app_state, "probe_engine", None) is None:
        app_state.probe_engine = probe_engine(app_state.settings)
    try:
        with app_state.probe_engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:
        log.warning("readiness check failed: %s", type(error).__name__)
        raise ServiceUnavailable("the database cannot be reached") from error
    return Readiness(status="ready")


def probe_engine(settings: Settings) -> Engine:
    """An engine that opens a new connection for every check: a pooled one could
    answer after the database has gone. On SQLite the file is opened read-write
    without being created, so a missing file fails the check rather than being
    replaced by an empty one."""
    url = make_url(settings.database_url)
    timeout = settings.readiness_timeout_seconds
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            url = url.set(database=f"file:{url.database}", query={"mode": "rw", "uri": "true"})
        return create_engine(url, poolclass=NullPool, connect_args={"timeout": timeout})
    milliseconds = max(1, round(timeout * 1000))
    return create_engine(
        url,
        poolclass=NullPool,
        connect_args={
            "connect_timeout": max(1, round(timeout)),
            "options": f"-c statement_timeout={milliseconds}",
        },
    )
