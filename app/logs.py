"""The log: one JSON object a line on stderr, each carrying the request's id.

`LOG_CONFIG` is a `logging.config.dictConfig` dictionary; `app.serve` hands it to
uvicorn, so uvicorn's own lines and ours share the format. python-json-logger writes
the objects; asgi-correlation-id keeps the request id in a context variable (its
middleware reads or makes the id, its filter copies it onto every record). Uvicorn's
access line is off: `app.telemetry` writes one with the route and duration instead.

Nothing here logs a header, a query string or a body, so keys never reach the log;
the access line masks share-link tokens in paths (`app.telemetry.logged_path`).
"""

import re
from typing import Any

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

REQUEST_ID_HEADER = "X-Request-ID"
# A caller's id is kept when it is short and plain enough to quote in a log search:
# letters, digits and . _ - (a UUID, nginx's $request_id, a trace id all qualify).
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")


def is_sane_request_id(value: str) -> bool:
    """True for an incoming X-Request-ID worth keeping; otherwise a new one is made."""
    return _SANE_REQUEST_ID.fullmatch(value) is not None


def json_formatter() -> JsonFormatter:
    return JsonFormatter(
        "%(levelname)s %(name)s %(message)s %(correlation_id)s",
        rename_fields={"levelname": "level", "name": "logger", "correlation_id": "request_id"},
        timestamp="time",
        # Uvicorn's copy of its message with terminal colours: the same words again.
        reserved_attrs=[*RESERVED_ATTRS, "color_message"],
    )


LOG_CONFIG: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "asgi_correlation_id.CorrelationIdFilter"}},
    "formatters": {"json": {"()": "app.logs.json_formatter"}},
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stderr",
            "formatter": "json",
            "filters": ["request_id"],
        }
    },
    "loggers": {
        # Every logger, ours and libraries', reaches the root's one handler.
        "uvicorn": {"handlers": [], "propagate": True},
        "uvicorn.error": {"handlers": [], "propagate": True},
        "uvicorn.access": {"handlers": [], "propagate": False},
    },
    "root": {"handlers": ["stderr"], "level": "INFO"},
}
