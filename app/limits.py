"""What one request may cost: a body larger than the limit is refused with 413, a key
sending more than its rate with 429, and a write that cannot get the database's lock
in time is answered 503; each says when to try again where that is known.

The two middlewares are pure ASGI, outside FastAPI's exception handlers, so they
render their problem+json themselves.
"""

import hashlib
import math
import time
from collections.abc import Mapping

from limits import parse_many
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy.exc import OperationalError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.config import Settings
from app.db import is_busy
from app.errors import (
    PROBLEM_JSON,
    ContentTooLarge,
    ProblemError,
    ServiceUnavailable,
    TooManyRequests,
)

# Probes must see a live process whatever its callers do.
UNLIMITED_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})


def problem_response(error: ProblemError, headers: Mapping[str, str] | None = None) -> Response:
    return JSONResponse(
        error.problem().model_dump(exclude_none=True),
        status_code=error.status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


async def database_unavailable(request: Request, error: Exception) -> Response:
    """503 when a write gave up waiting for the database's lock, or when the database
    dropped the connection a request was using (a restart: the pool has replaced its
    connections, so the request sent again is served); any other operational error
    goes on to the catch-all handler (500, and logged)."""
    if not isinstance(error, OperationalError):
        raise error
    if is_busy(error):
        detail = "the database is busy with other writes; send the request again"
    elif error.connection_invalidated:
        detail = "the database cannot be reached; send the request again"
    else:
        raise error
    settings: Settings = request.app.state.settings
    return problem_response(
        ServiceUnavailable(detail), {"Retry-After": str(settings.busy_retry_after_seconds)}
    )


class _TooLarge(Exception):
    """Raised into the app by `receive` once the body has passed the limit."""


class BodyLimit:
    """Refuses a body over `max_bytes` with 413: at once when Content-Length says so,
    otherwise as soon as the bytes received pass the limit (a chunked body)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        received = 0
        exceeded = False
        started = False

        async def counting_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    exceeded = True
                    raise _TooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if exceeded and not started:
                return  # whatever the app made of _TooLarge; the 413 goes instead
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except Exception:
            if not exceeded or started:
                raise
        if exceeded and not started:
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        error = ContentTooLarge(f"the request body is larger than {self.max_bytes} bytes")
        # The rest of the body is never read, so the connection cannot be reused.
        await problem_response(error, {"Connection": "close"})(scope, receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class RateLimit:
    """At most `limit` requests per API key (per client address for requests without
    one) in a moving window, counted in this process's memory. `None`: no limit.

    The key is hashed before it is used as the limiter's identifier, so the limiter
    holds no secret.
    """

    def __init__(self, app: ASGIApp, limit: str | None) -> None:
        self.app = app
        self.limit = limit
        self.items = parse_many(limit) if limit else []
        self.limiter = MovingWindowRateLimiter(MemoryStorage()) if limit else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        limiter = self.limiter
        if scope["type"] != "http" or limiter is None or scope["path"] in UNLIMITED_PATHS:
            await self.app(scope, receive, send)
            return
        caller = caller_identity(scope)
        # Nothing awaits between the test and the hits, so no other request slips in.
        refused = [item for item in self.items if not limiter.test(item, caller)]
        if not refused:
            for item in self.items:
                limiter.hit(item, caller)
            await self.app(scope, receive, send)
            return
        now = time.time()
        retry_after = max(
            max(1, math.ceil(limiter.get_window_stats(item, caller).reset_time - now))
            for item in refused
        )
        error = TooManyRequests(f"more than {self.limit} requests; send again in {retry_after} s")
        await problem_response(error, {"Retry-After": str(retry_after)})(scope, receive, send)


def caller_identity(scope: Scope) -> str:
    """The sha256 of the API key sent (X-API-Key, or Authorization: Bearer), or the
    client's address when there is none."""
    headers = dict(scope["headers"])
    key = headers.get(b"x-api-key", b"").strip()
    if not key:
        scheme, _, credentials = headers.get(b"authorization", b"").partition(b" ")
        if scheme.lower() == b"bearer":
            key = credentials.strip()
    if key:
        return "key:" + hashlib.sha256(key).hexdigest()
    client = scope.get("client")
    return "address:" + (client[0] if client else "unknown")
