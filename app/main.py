"""The application: routers, the problem+json handlers, and migrations at start-up."""

import functools
import gc
import re
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import httpx
from asgi_correlation_id import CorrelationIdMiddleware
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute, iter_route_contexts
from sqlalchemy.exc import IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path

from app.config import Settings, get_settings
from app.db import make_engine, migrate
from app.docs import install_docs
from app.errors import (
    PROBLEM_JSON,
    Conflict,
    InvalidInput,
    Problem,
    ProblemError,
    ProblemSlug,
    invalid,
    problem,
    problem_responses,
    validation_problems,
)
from app.guards import RequestGuard
from app.idempotency import Replay
from app.ledger.events import unclaimed_credits
from app.limits import BodyLimit, RateLimit, database_unavailable
from app.logs import REQUEST_ID_HEADER, is_sane_request_id
from app.metrics import router as metrics_router
from app.openapi_shape import shaped
from app.reports.ahead import PagesAhead
from app.reports.cache import ReportCache
from app.reports.links import link_signer
from app.reports.portfolio import forget_stored_lines
from app.routes import router
from app.telemetry import RequestTelemetry
from app.webhooks.openapi import declare_webhooks
from app.webhooks.worker import WebhookWorker

DESCRIPTION = """SLA and service-credit calculator.

Authenticate with the `X-API-Key` header or `Authorization: Bearer <key>`. Money,
percents and minutes are decimal strings. Every list is a page (`limit`, `cursor`,
`next_cursor`). Errors are `application/problem+json` (RFC 9457); their types are
listed in the project's `docs/errors.md`.
"""

# One entry per tag an operation carries, in the order /docs shows them.
TAGS = [
    {"name": "health", "description": "Liveness and readiness probes (no key)."},
    {"name": "api-keys", "description": "Keys and their roles: admin, finance, tenant."},
    {"name": "tenants", "description": "Customer tenants, each with its zone and currency."},
    {"name": "policies", "description": "SLA policies: target, credit tiers, exclusions."},
    {"name": "services", "description": "A tenant's services and their terms over time."},
    {"name": "outages", "description": "Outage and maintenance windows, and incidents."},
    {"name": "imports", "description": "Incident timelines uploaded as files or pulled."},
    {"name": "reports", "description": "Credit-eligibility reports: JSON, CSV, page, PDF."},
    {"name": "ledger", "description": "Closed months, their history and summary."},
    {"name": "claims", "description": "Credit claims and their states."},
    {"name": "webhooks", "description": "Subscriptions to signed event deliveries."},
    {"name": "events", "description": "The events webhooks deliver."},
    {"name": "audit", "description": "Who changed what, and when."},
]


@functools.cache
def _freeze_start_up() -> None:
    """Keep what start-up built (modules, the app, its routes and schemas: objects that
    live as long as the process) out of the cyclic garbage collector's sight, once per
    process (docs/operations.md). Every full collection walked them all: a 100,000-row
    import, whose rows pass through the young generations, spent an eighth of its time
    there. Garbage is collected first, so nothing unreachable is kept for good."""
    gc.collect()
    gc.freeze()


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(settings.database_url, settings.db_busy_timeout_seconds)
        migrate(engine)
        # Stored portfolio lines are a copy, not trusted across a start (reports/portfolio.py).
        forget_stored_lines(engine)
        app.state.engine = engine
        # Signs share links; a random secret (and a warning) without SLA_LINK_SECRET.
        app.state.link_signer = link_signer(settings)
        # Pull sync's outbound client; tests replace its transport with pytest-httpx.
        app.state.http = httpx.Client()
        # Webhook deliveries and the claim-deadline check (docs/webhooks.md).
        worker = (
            WebhookWorker(engine, settings, candidates=unclaimed_credits)
            if settings.webhook_worker
            else None
        )
        if worker is not None:
            worker.start()
        if settings.freeze_heap_on_start:
            _freeze_start_up()
        yield
        if worker is not None:
            worker.stop()
        app.state.http.close()
        engine.dispose()

    app = FastAPI(
        title="SLA Ledger",
        version="0.1.0",
        description=DESCRIPTION,
        openapi_tags=TAGS,
        contact={"name": "SLA Ledger maintainers"},
        lifespan=lifespan,
        generate_unique_id_function=_operation_id,
        # Served with local assets by install_docs: FastAPI's own load them from a CDN.
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.report_cache = ReportCache(settings.report_cache_size)
    app.state.pages_ahead = PagesAhead(settings.portfolio_read_ahead_bytes)
    app.include_router(router)
    if settings.metrics_enabled:
        app.include_router(metrics_router)
    install_docs(app)
    declare_webhooks(app)
    app.add_middleware(RequestGuard)
    app.add_exception_handler(ProblemError, _problem_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Replay, _replay)
    app.add_exception_handler(IntegrityError, _integrity_error)
    app.add_exception_handler(OperationalError, database_unavailable)
    app.add_exception_handler(Exception, _unexpected_error)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(RateLimit, limit=settings.rate_limit)  # the first limit checked
    # Outermost: every answer, the limits' included, is logged, counted and carries the id.
    app.add_middleware(RequestTelemetry)
    app.add_middleware(
        CorrelationIdMiddleware, header_name=REQUEST_ID_HEADER, validator=is_sane_request_id
    )
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document, with error bodies declared only as problem+json, and the
    events this server sends in its `webhooks` section."""
    if app.openapi_schema is None:
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
            webhooks=app.webhooks.routes,
            tags=app.openapi_tags,
            contact=app.contact,
        )
        for path, methods in schema["paths"].items():
            for operation in methods.values():
                responses = operation["responses"]
                for status, response in responses.items():
                    if status.startswith(("4", "5")):
                        response["content"].pop("application/json", None)
                responses.update(_answers_of_the_middleware(path, operation))
        for methods in schema.get("webhooks", {}).values():
            for operation in methods.values():
                # FastAPI's default "200" says nothing: "2XX" and "default" say it all.
                operation["responses"].pop("200", None)
        app.openapi_schema = shaped(schema)
    return app.openapi_schema


def _answers_of_the_middleware(path: str, operation: dict[str, Any]) -> dict[str, Any]:
    """What any route may answer before or beside its handler: the rate limit (429), the
    body limit (413), and the database unavailable (503: a write that cannot get its lock
    in time, or PostgreSQL unreachable)."""
    if not path.startswith("/v1/"):
        return {}
    statuses = [429, 503]
    if "requestBody" in operation:
        statuses.append(413)
    declared = problem_responses(*statuses)
    return {
        str(status): {
            "description": answer["description"],
            "content": answer["content"],
        }
        for status, answer in declared.items()
        if str(status) not in operation["responses"]
    }


def _operation_id(route: APIRoute) -> str:
    return route.name


def _render(body: Problem, headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse(
        body.model_dump(exclude_none=True),
        status_code=body.status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


async def _problem_error(_request: Request, error: Any) -> JSONResponse:
    assert isinstance(error, ProblemError)
    headers = dict(error.headers or {})
    if error.status == 401:
        headers["WWW-Authenticate"] = "X-API-Key"
    return _render(error.problem(), headers or None)


async def _validation_error(_request: Request, error: Any) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    return _render(InvalidInput(validation_problems(error.errors())).problem())


async def _http_error(request: Request, error: Any) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    if error.status_code == 400:
        # FastAPI's answer to a body it cannot even decode; to a client that is bad
        # input like any other, with the same shape.
        if isinstance(error.__cause__, RecursionError):
            why = "the body nests arrays or objects too deeply to be read"
        elif isinstance(error.__cause__, UnicodeDecodeError):
            why = "the body is not UTF-8 text"
        else:
            why = "the body is not JSON text in UTF-8"
        return _render(invalid(["body"], why).problem())
    slugs: dict[int, ProblemSlug] = {404: "not-found", 405: "method-not-allowed"}
    slug = slugs.get(error.status_code, "http-error")
    title = str(error.detail) if isinstance(error.detail, str) else "HTTP error"
    headers = error.headers
    allowed = _allowed_methods(request) if error.status_code == 405 else ""
    if allowed:
        headers = {**(headers or {}), "Allow": allowed}
    return _render(problem(error.status_code, title, title, slug), headers)


MethodsByPath = list[tuple[re.Pattern[str], set[str]]]


def _allowed_methods(request: Request) -> str:
    """Every method some route takes at this path.

    FastAPI keeps one route per method and function, and its 405 names only the
    methods of the first route whose path matched: `OPTIONS /v1/tenants` said
    `Allow: POST`, though GET is there too.
    """
    app = request.app
    table: MethodsByPath | None = getattr(app.state, "methods_by_path", None)
    if table is None:
        # Built at the first 405, when every route is in place.
        table = []
        for route in iter_route_contexts(app.routes):
            methods = getattr(route, "methods", None)
            if route.path is not None and methods:
                table.append((compile_path(route.path)[0], set(methods)))
        app.state.methods_by_path = table
    path = request.scope["path"]
    allowed = set().union(*(methods for regex, methods in table if regex.match(path)))
    return ", ".join(sorted(allowed))


async def _replay(_request: Request, replay: Any) -> Response:
    assert isinstance(replay, Replay)
    return Response(
        replay.body,
        status_code=replay.status_code,
        media_type="application/json",
        headers={"Idempotent-Replayed": "true"},
    )


async def _integrity_error(_request: Request, _error: Any) -> JSONResponse:
    # Only a write racing another for the same unique key gets here: the database
    # refused the second one, and sending it again gives the settled answer.
    return _render(
        Conflict("a concurrent request changed the same data; send the request again").problem()
    )


async def _unexpected_error(_request: Request, _error: Exception) -> JSONResponse:
    return _render(problem(500, "Internal error", "an unexpected error occurred", "internal"))


app = create_app()
