"""The access line and the request metrics, one of each per HTTP request.

Pure ASGI and outside the rate and body limits, so their 429 and 413 answers are
logged and counted like any other; inside asgi-correlation-id's middleware, so the
request id is set by the time the line is written.
"""

import logging
import time

from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.metrics import observe_request

log = logging.getLogger("app.access")

# Path parameters that are secrets: a share-link token opens a report without a key.
SECRET_PATH_PARAMETERS = frozenset({"token"})
MASK = "[redacted]"
UNMATCHED = "unmatched"


def matched_route(scope: Scope) -> BaseRoute | None:
    """The route that answered, or would have: the router records it in the scope; a
    request the limits or the guard refused never got that far, so match it here."""
    route: BaseRoute | None = scope.get("route")
    if route is not None:
        return route
    routes: list[BaseRoute] = getattr(getattr(scope.get("app"), "router", None), "routes", [])
    for candidate in routes:
        match, _ = candidate.matches(scope)
        if match is not Match.NONE:
            return candidate
    return None


def route_template(route: BaseRoute | None) -> str:
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else UNMATCHED


def logged_path(scope: Scope, route: BaseRoute | None) -> str:
    """The request's path with every secret path parameter masked."""
    path: str = scope.get("path", "")
    regex = getattr(route, "path_regex", None)
    found = regex.match(path) if regex is not None else None
    if found is None:
        return path
    # Right to left, so the earlier spans stay where they are.
    secrets = sorted(
        (name for name in found.groupdict() if name in SECRET_PATH_PARAMETERS),
        key=found.start,
        reverse=True,
    )
    for name in secrets:
        path = path[: found.start(name)] + MASK + path[found.end(name) :]
    return path


class RequestTelemetry:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the server answers when the app ends without a response

        async def status_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, status_send)
        finally:
            seconds = time.perf_counter() - started
            route = matched_route(scope)
            method: str = scope["method"]
            template, path = route_template(route), logged_path(scope, route)
            observe_request(method, template, status, seconds)
            log.info(
                "%s %s %d",
                method,
                path,
                status,
                extra={
                    "method": method,
                    "path": path,
                    "route": template,
                    "status": status,
                    "duration_ms": round(seconds * 1000, 3),
                },
            )
