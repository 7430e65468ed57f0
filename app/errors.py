"""Problem details (RFC 9457): the one shape every error takes."""

import json
import reprlib
from collections.abc import Sequence
from typing import Any, ClassVar, Literal

from pydantic import BaseModel

PROBLEM_JSON = "application/problem+json"
Loc = list[str | int]
PROBLEM_TYPE_PREFIX = "urn:sla-ledger:problem:"
# Every problem type the API can answer, `PROBLEM_TYPE_PREFIX` + one of these: `problem`
# takes no other, so mypy finds one made up in passing. Each is in docs/errors.md
# (tests/test_error_catalogue.py checks).
ProblemSlug = Literal[
    "invalid-input",
    "unauthorized",
    "forbidden",
    "not-found",
    "method-not-allowed",
    "conflict",
    "gone",
    "content-too-large",
    "too-many-requests",
    "upstream-failed",
    "service-unavailable",
    "http-error",
    "internal",
]


class ProblemItem(BaseModel):
    loc: Loc
    msg: str


class Problem(BaseModel):
    type: str
    title: str
    status: int
    detail: str
    errors: list[ProblemItem] | None = None


class ProblemError(Exception):
    """A domain error that knows its status; one handler renders it."""

    status = 500
    title = "Internal error"
    slug: ClassVar[ProblemSlug] = "internal"
    headers: dict[str, str] | None = None

    def __init__(self, detail: str, errors: list[ProblemItem] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors

    def problem(self) -> Problem:
        return problem(self.status, self.title, self.detail, self.slug, self.errors)


class Unauthorized(ProblemError):
    status, title, slug = 401, "Unauthorized", "unauthorized"


class Forbidden(ProblemError):
    status, title, slug = 403, "Forbidden", "forbidden"


class NotFound(ProblemError):
    status, title, slug = 404, "Not found", "not-found"


class Conflict(ProblemError):
    status, title, slug = 409, "Conflict", "conflict"


class Gone(ProblemError):
    status, title, slug = 410, "Gone", "gone"


class ContentTooLarge(ProblemError):
    status, title, slug = 413, "Content too large", "content-too-large"


class InvalidInput(ProblemError):
    status, title, slug = 422, "Invalid input", "invalid-input"

    def __init__(self, errors: list[ProblemItem]) -> None:
        count = len(errors)
        first = f"{'.'.join(str(part) for part in errors[0].loc)}: {errors[0].msg}"
        more = f" (and {count - 1} more)" if count > 1 else ""
        super().__init__(f"{first}{more}", errors)


class TooManyRequests(ProblemError):
    status, title, slug = 429, "Too many requests", "too-many-requests"


class ServiceUnavailable(ProblemError):
    status, title, slug = 503, "Service unavailable", "service-unavailable"


def invalid(loc: Loc, msg: str) -> InvalidInput:
    return InvalidInput([ProblemItem(loc=loc, msg=msg)])


def validation_problems(details: Sequence[Any], prefix: Loc | None = None) -> list[ProblemItem]:
    """Pydantic's errors, each with its location and the offending value quoted."""
    items = []
    for detail in details:
        loc = [*(prefix or []), *detail["loc"]]
        message = detail["msg"]
        if detail["type"] == "json_invalid":
            # FastAPI's loc ends with the character offset and its input is a made-up {}.
            *loc, position = loc
            reason = detail.get("ctx", {}).get("error", "not JSON")
            message = f"the body is not JSON: {reason} at character {position}"
        elif detail["type"] == "value_error":
            # Our own validators already quote the value.
            message = message.removeprefix("Value error, ")
        elif detail["type"] != "missing":
            message = f"{message}; got {_quoted(detail.get('input'))}"
        items.append(ProblemItem(loc=loc, msg=message))
    return items


_SHORT = reprlib.Repr()
_SHORT.maxlevel, _SHORT.maxstring, _SHORT.maxother = 4, 200, 200


def _quoted(value: Any) -> str:
    try:
        text = json.dumps(value, default=str)
    except (ValueError, RecursionError):
        # Nested too deep for JSON text: a shortened Python rendering says enough.
        text = _SHORT.repr(value)
    return text if len(text) <= 200 else f"{text[:200]}…"


def problem(
    status: int,
    title: str,
    detail: str,
    slug: ProblemSlug,
    errors: list[ProblemItem] | None = None,
) -> Problem:
    return Problem(
        type=f"{PROBLEM_TYPE_PREFIX}{slug}",
        title=title,
        status=status,
        detail=detail,
        errors=errors,
    )


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI declarations of the problem responses a route can give."""
    return {
        status: {
            "model": Problem,
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
            "description": _DESCRIPTIONS[status],
        }
        for status in statuses
    }


_DESCRIPTIONS = {
    401: "No API key, or an unknown one",
    403: "The key's role may not do this",
    404: "Not found, or not visible to this key",
    409: "Conflicts with what is stored",
    410: "Gone for good: an expired share link",
    413: "The request body is larger than the server accepts",
    422: "Invalid input; `errors` names each field and value",
    429: "Too many requests for this key; `Retry-After` says when to try again",
    502: "The provider refused the request or answered something unusable",
    503: "The provider or the database's write lock is busy, or the database cannot be "
    "reached; `Retry-After` says when to try again",
    504: "The provider did not answer in time",
}
