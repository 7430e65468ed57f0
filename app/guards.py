"""ASGI middleware that guards every request before and after the routers.

- A control character in the path or query string is refused with 422 before any
  router or database sees it, so PostgreSQL (which refuses NUL) and SQLite (which
  stores it) cannot answer differently.
- An unexpected exception answers problem+json 500 here, inside Starlette's own
  error middleware, which would re-raise it and make the server drop the keep-alive
  connection after the answer.
"""

import logging
import unicodedata
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import PROBLEM_JSON, Loc, Problem, invalid, problem
from app.telemetry import logged_path, matched_route

log = logging.getLogger("app")


def _control_character_at(text: str) -> int | None:
    for position, character in enumerate(text):
        if unicodedata.category(character) == "Cc":
            return position
    return None


def _refusal(scope: Scope) -> tuple[Loc, str] | None:
    path: str = scope.get("path", "")
    position = _control_character_at(path)
    if position is not None:
        return ["path"], f"{path!r} holds a control character at position {position}"
    query = scope.get("query_string", b"").decode("latin-1")
    for name, value in parse_qsl(query, keep_blank_values=True, encoding="utf-8", errors="replace"):
        for part, loc in ((name, ["query", name]), (value, ["query", name])):
            position = _control_character_at(part)
            if position is not None:
                return loc, f"{part!r} holds a control character at position {position}"
    return None


async def _send_problem(send: Send, body: Problem) -> None:
    payload = body.model_dump_json(exclude_none=True).encode()
    await send(
        {
            "type": "http.response.start",
            "status": body.status,
            "headers": [
                (b"content-type", PROBLEM_JSON.encode()),
                (b"content-length", str(len(payload)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


class RequestGuard:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refusal = _refusal(scope)
        if refusal is not None:
            await _send_problem(send, invalid(*refusal).problem())
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            path = logged_path(scope, matched_route(scope))  # a share link's token masked
            log.exception("unexpected error on %s %s", scope.get("method"), path)
            if started:
                # Half an answer is already out; the server must end this connection.
                raise
            await _send_problem(
                send, problem(500, "Internal error", "an unexpected error occurred", "internal")
            )
