"""Fetching a tenant's incident timeline from a provider, for pull sync.

Two providers: a public Statuspage page (API v2) and Microsoft Graph's service
health issues. Each fetch returns one JSON document as UTF-8 bytes, so the
caller can import it exactly as it would import an uploaded file.

Every request has a timeout (connect, read, write and pool alike). A request is
tried again, with exponential backoff, after a 429, a 5xx, a timeout or a broken
connection; a `Retry-After` header (seconds or HTTP-date) sets the wait instead.
A 4xx other than 429, a body that is not JSON, or JSON of the wrong shape is
final at once. `RetryPolicy` holds the numbers and the sleep function.

Every failure is a `SourceError` whose message says what happened and where;
`status` is the answer the pull-sync endpoint should give. The Graph token is
only ever put in the request header: no message, log line or repr carries it.
"""

import json
import logging
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, NoReturn

import httpx
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    retry_if_result,
    stop_after_attempt,
)

logger = logging.getLogger(__name__)

GRAPH_BASE_URL = "https://graph.microsoft.com/v1.0"
GRAPH_ISSUES_PATH = "/admin/serviceAnnouncement/issues"
GRAPH_MAX_PAGES = 100
STATUSPAGE_INCIDENTS = "incidents.json"
STATUSPAGE_MAINTENANCES = "scheduled-maintenances.json"

# Kept small: what the messages quote from an error body is a Graph error code only.
_ERROR_BODY_BYTES = 64 * 1024
# RFC 6750 `b64token`; a JWT fits. Anything else could end up in an httpx error text.
_BEARER_TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*")
_GRAPH_ERROR_CODE = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}")
_DELTA_SECONDS = re.compile(r"[0-9]{1,10}")
# Tried again: the server may answer next time. Other transport errors
# (an unsupported protocol, a local protocol error) would fail the same way.
_RETRIED_ERRORS = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class RetryPolicy:
    """Timeouts and retries for every request of one fetch.

    `attempts` counts the first try. The wait before try n+1 is
    `backoff_seconds × 2^(n-1)`, at most `max_wait_seconds`, unless the answer
    carried `Retry-After`: then that wait, and when it is longer than
    `max_wait_seconds` no further try is made. `sleep` and `clock` are there
    for tests.
    """

    timeout_seconds: float = 10.0
    attempts: int = 3
    max_wait_seconds: float = 30.0
    backoff_seconds: float = 1.0
    max_body_bytes: int = 10 * 1024 * 1024
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], datetime] = _utc_now

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("attempts must be at least 1")
        if self.timeout_seconds <= 0:
            raise ValueError("timeout_seconds must be positive")
        if self.max_wait_seconds < 0 or self.backoff_seconds < 0:
            raise ValueError("waits cannot be negative")
        if self.max_body_bytes < 1:
            raise ValueError("max_body_bytes must be positive")


DEFAULT_POLICY = RetryPolicy()


class SourceError(Exception):
    """A fetch failed. `status` is the HTTP status the pull-sync endpoint should answer.

    `source` names the provider ("status.example.com", "Microsoft Graph"),
    `upstream_status` is the provider's last HTTP status if it answered,
    `attempts` how many requests the failing step made, and `retry_after` the
    wait the provider asked for, in seconds, when it asked for one.
    """

    default_status = 502

    def __init__(
        self,
        message: str,
        *,
        source: str,
        status: int | None = None,
        upstream_status: int | None = None,
        attempts: int = 0,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.source = source
        self.status = self.default_status if status is None else status
        self.upstream_status = upstream_status
        self.attempts = attempts
        self.retry_after = retry_after


class SourceUnavailable(SourceError):
    """No usable answer after the retries: 502 (5xx, connection), 503 (429, 503), 504 (timeout)."""

    default_status = 503


class SourceRefused(SourceError):
    """The provider refused the request: 401, 403, 404 or another 4xx, or a redirect."""

    default_status = 502


class SourceMalformed(SourceError):
    """The provider answered 2xx with a body that is not JSON of the expected shape."""

    default_status = 502


class SourceMisconfigured(SourceError, ValueError):
    """Nothing was requested: the page address or the token cannot be used as given."""

    default_status = 422


# --- Retry-After -------------------------------------------------------------


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a `Retry-After` value; None when absent or unreadable.

    Delay-seconds ("120") or an HTTP-date; a date in the past means no wait.
    """
    if value is None:
        return None
    value = value.strip()
    if _DELTA_SECONDS.fullmatch(value):
        return float(int(value))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # "-0000": an HTTP-date is GMT
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


# --- One GET with timeout and retries ----------------------------------------


@dataclass(frozen=True)
class _Request:
    where: str  # the provider, for messages: "status.example.com", "Microsoft Graph"
    what: str  # what was asked for, for messages: "incidents.json", "service issues page 2"
    url: str
    headers: dict[str, str] = field(default_factory=dict, repr=False)  # may hold the token


@dataclass(frozen=True)
class _Answer:
    status: int
    body: bytes
    retry_after: str | None
    location: str | None
    tries: int = 1  # requests made for this answer, the retries included

    @property
    def is_ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def retryable(self) -> bool:
        return self.status == 429 or self.status >= 500


def _seconds(value: float) -> str:
    return f"{value:g} s"


def _attempts(count: int) -> str:
    return f"{count} attempt" if count == 1 else f"{count} attempts"


def _status_text(status: int) -> str:
    # The standard phrase, never the one the server sent.
    phrase = httpx.codes.get_reason_phrase(status)
    return f"{status} {phrase}" if phrase else str(status)


def _read_body(response: httpx.Response, request: _Request, limit: int, attempts: int) -> bytes:
    def too_large() -> SourceMalformed:
        return SourceMalformed(
            f"the body from {request.where} ({request.what}) is larger than {limit} bytes",
            source=request.where,
            upstream_status=response.status_code,
            attempts=attempts,
        )

    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large()
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > limit:
            raise too_large()
        chunks.append(chunk)
    return b"".join(chunks)


def _describe_outcome(state: RetryCallState) -> str:
    outcome = state.outcome
    if outcome is None:
        return "no answer"
    if outcome.failed:
        error = outcome.exception()
        if isinstance(error, httpx.TimeoutException):
            return "no answer in time"
        return f"a broken connection ({type(error).__name__})"
    answer = outcome.result()
    return _status_text(answer.status) if isinstance(answer, _Answer) else "an answer"


def _get(client: httpx.Client, request: _Request, policy: RetryPolicy) -> _Answer:
    """GET `request.url` with the policy's retries; the final answer, 2xx or not.

    Raises `SourceUnavailable` when the last try failed without an answer, and
    `SourceMalformed` when a body is over the size limit or cannot be decoded.
    """
    tries = 0
    timeout = httpx.Timeout(policy.timeout_seconds)

    def attempt() -> _Answer:
        nonlocal tries
        tries += 1
        with client.stream("GET", request.url, headers=request.headers, timeout=timeout) as r:
            retry_after = r.headers.get("retry-after")
            location = r.headers.get("location")
            if r.is_success:
                body = _read_body(r, request, policy.max_body_bytes, tries)
            elif r.status_code == 429 or r.is_server_error:
                body = b""
            else:
                body = _read_body(r, request, _ERROR_BODY_BYTES, tries)
            return _Answer(r.status_code, body, retry_after, location, tries)

    def wait(state: RetryCallState) -> float:
        outcome = state.outcome
        if outcome is not None and not outcome.failed:
            answer = outcome.result()
            if isinstance(answer, _Answer):
                asked = parse_retry_after(answer.retry_after, policy.clock())
                if asked is not None:
                    return asked
        backoff = policy.backoff_seconds * 2 ** (state.attempt_number - 1)
        return float(min(policy.max_wait_seconds, backoff))

    enough_tries = stop_after_attempt(policy.attempts)

    def stop(state: RetryCallState) -> bool:
        # tenacity computes the wait before asking whether to stop.
        return enough_tries(state) or state.upcoming_sleep > policy.max_wait_seconds

    def log_retry(state: RetryCallState) -> None:
        logger.warning(
            "%s (%s) gave %s on attempt %d of %d; trying again in %s",
            request.where,
            request.what,
            _describe_outcome(state),
            state.attempt_number,
            policy.attempts,
            _seconds(state.upcoming_sleep),
        )

    def last_outcome(state: RetryCallState) -> _Answer:
        assert state.outcome is not None
        answer: _Answer = state.outcome.result()  # raises the last error, if it was one
        return answer

    retrying = Retrying(
        sleep=lambda seconds: policy.sleep(float(seconds)),
        stop=stop,
        wait=wait,
        retry=(
            retry_if_exception_type(_RETRIED_ERRORS)
            | retry_if_result(lambda answer: isinstance(answer, _Answer) and answer.retryable)
        ),
        before_sleep=log_retry,
        retry_error_callback=last_outcome,
    )
    try:
        answer = retrying(attempt)
    except httpx.TimeoutException as exc:
        verb = "could not be reached" if isinstance(exc, httpx.ConnectTimeout) else "did not answer"
        raise SourceUnavailable(
            f"{request.where} {verb} within {_seconds(policy.timeout_seconds)} "
            f"for {request.what} ({_attempts(tries)})",
            source=request.where,
            status=504,
            attempts=tries,
        ) from exc
    except httpx.DecodingError as exc:
        raise SourceMalformed(
            f"the body from {request.where} ({request.what}) could not be decoded "
            f"({type(exc).__name__})",
            source=request.where,
            attempts=tries,
        ) from exc
    except httpx.HTTPError as exc:
        raise SourceUnavailable(
            f"{request.where} could not be reached for {request.what}: the connection failed "
            f"({type(exc).__name__}, {_attempts(tries)})",
            source=request.where,
            status=502,
            attempts=tries,
        ) from exc
    if answer.retryable:
        _give_up(request, answer, policy, tries)
    return answer


def _give_up(request: _Request, answer: _Answer, policy: RetryPolicy, tries: int) -> NoReturn:
    """The last answer was a 429 or a 5xx: out of tries, or asked to wait too long."""
    asked = parse_retry_after(answer.retry_after, policy.clock())
    status = 503 if answer.status in (429, 503) else 502
    if asked is not None and asked > policy.max_wait_seconds and tries < policy.attempts:
        message = (
            f"{request.where} answered {_status_text(answer.status)} for {request.what} and "
            f"asked to wait {_seconds(asked)}, longer than the {_seconds(policy.max_wait_seconds)} "
            f"we wait; try again later ({_attempts(tries)})"
        )
    else:
        message = (
            f"{request.where} answered {_status_text(answer.status)} for {request.what}; "
            f"gave up after {_attempts(tries)}"
        )
    raise SourceUnavailable(
        message,
        source=request.where,
        status=status,
        upstream_status=answer.status,
        attempts=tries,
        retry_after=asked,
    )


def _refused(request: _Request, answer: _Answer, hint: str) -> SourceRefused:
    return SourceRefused(
        f"{request.where} answered {_status_text(answer.status)} for {request.what}: {hint}",
        source=request.where,
        upstream_status=answer.status,
        attempts=answer.tries,
    )


class _NotJsonConstant(ValueError):
    pass


def _reject_constant(name: str) -> NoReturn:
    raise _NotJsonConstant(f"{name} is not a JSON value")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _NotJsonConstant(f"{text} is not a finite number")
    return value


def _json(request: _Request, answer: _Answer) -> Any:
    """The decoded body, or `SourceMalformed` with nothing of the body attached.

    The decoder's error holds the whole body; it is not chained to what we raise.
    """
    try:
        return json.loads(answer.body, parse_constant=_reject_constant, parse_float=_finite_float)
    except json.JSONDecodeError as exc:
        detail = f"{exc.msg} at line {exc.lineno}, column {exc.colno}"
    except UnicodeDecodeError:
        detail = "not UTF-8, UTF-16 or UTF-32 text"
    except _NotJsonConstant as exc:
        detail = str(exc)
    except (ValueError, RecursionError):
        detail = "nested too deeply or out of range"
    raise _malformed(request, answer, f"is not JSON ({detail})")


def _malformed(request: _Request, answer: _Answer, problem: str) -> SourceMalformed:
    return SourceMalformed(
        f"the body from {request.where} ({request.what}) {problem}",
        source=request.where,
        upstream_status=answer.status,
        attempts=answer.tries,
    )


def _objects(request: _Request, answer: _Answer, document: Any, key: str) -> list[Any]:
    """`document[key]`, which must be a list of JSON objects."""
    if not isinstance(document, dict):
        raise _malformed(request, answer, f"is not a JSON object with a {key!r} list")
    items = document.get(key)
    if not isinstance(items, list):
        raise _malformed(request, answer, f"has no {key!r} list")
    if not all(isinstance(item, dict) for item in items):
        raise _malformed(request, answer, f"has an entry in {key!r} that is not a JSON object")
    return items


def _encode(document: dict[str, Any]) -> bytes:
    return json.dumps(document, ensure_ascii=False).encode("utf-8")


def _parse_url(text: str, what: str, where: str, schemes: tuple[str, ...]) -> httpx.URL:
    try:
        url = httpx.URL(text.strip())
    except (httpx.InvalidURL, TypeError) as exc:
        raise SourceMisconfigured(f"{what} is not a URL", source=where) from exc
    if url.userinfo:
        # Not quoted: the password is in it.
        raise SourceMisconfigured(f"{what} must not carry a user name or password", source=where)
    if url.scheme not in schemes:
        raise SourceMisconfigured(f"{what} ({text!r}) must start with https://", source=where)
    if not url.host:
        raise SourceMisconfigured(f"{what} ({text!r}) has no host", source=where)
    if url.query or url.fragment:
        raise SourceMisconfigured(
            f"{what} ({text!r}) must not have a query or a fragment", source=where
        )
    return url


def _host(url: httpx.URL) -> str:
    return url.host if url.port is None else f"{url.host}:{url.port}"


# --- Statuspage ----------------------------------------------------------------


def statuspage_api_urls(page_url: str, *, allow_insecure: bool = False) -> tuple[str, str]:
    """The incidents and scheduled-maintenances URLs for a Statuspage page.

    `page_url` is the page's address ("https://status.example.com", a path
    prefix allowed). A trailing "/", "/api/v2" or "/api/v2/<any>.json" is taken
    off first, so the API root or any v2 endpoint of the page names it too; any
    other ".json" path is refused, as are a query, a fragment, a user name or
    password, and a scheme other than https (http too with `allow_insecure`).
    Raises `SourceMisconfigured`.
    """
    what = "the Statuspage address"
    schemes = ("https", "http") if allow_insecure else ("https",)
    url = _parse_url(page_url, what, "Statuspage", schemes)
    path = url.path.rstrip("/")
    if path.lower().endswith(".json"):
        path = path.rsplit("/", 1)[0]
        if not path.lower().endswith("/api/v2"):
            raise SourceMisconfigured(
                f"{what} ({page_url!r}) names a JSON file that is not a Statuspage v2 endpoint; "
                "give the page's address",
                source=_host(url),
            )
    if path.lower().endswith("/api/v2"):
        path = path[: -len("/api/v2")]
    root = str(url.copy_with(path=path or "/")).rstrip("/")
    return (
        f"{root}/api/v2/{STATUSPAGE_INCIDENTS}",
        f"{root}/api/v2/{STATUSPAGE_MAINTENANCES}",
    )


def _statuspage_list(
    client: httpx.Client, request: _Request, key: str, policy: RetryPolicy
) -> list[Any]:
    answer = _get(client, request, policy)
    if not answer.is_ok:
        if answer.status in (401, 403):
            hint = "the page is not public"
        elif answer.status == 404:
            hint = "check the page address"
        elif 300 <= answer.status < 400:
            hint = f"it moved to {answer.location!r}; use that address"
        else:
            hint = "the request was refused"
        raise _refused(request, answer, hint)
    return _objects(request, answer, _json(request, answer), key)


def fetch_statuspage(
    client: httpx.Client,
    page_url: str,
    *,
    allow_insecure: bool = False,
    policy: RetryPolicy = DEFAULT_POLICY,
) -> bytes:
    """A public Statuspage page's incidents and scheduled maintenances.

    Returns `{"incidents": [...], "scheduled_maintenances": [...]}` as UTF-8
    JSON, the two lists as the page gave them (Statuspage returns the most
    recent ones only). See `statuspage_api_urls` for which addresses are taken.
    """
    incidents_url, maintenances_url = statuspage_api_urls(page_url, allow_insecure=allow_insecure)
    where = _host(httpx.URL(incidents_url))
    incidents = _statuspage_list(
        client, _Request(where, STATUSPAGE_INCIDENTS, incidents_url), "incidents", policy
    )
    maintenances = _statuspage_list(
        client,
        _Request(where, STATUSPAGE_MAINTENANCES, maintenances_url),
        "scheduled_maintenances",
        policy,
    )
    return _encode({"incidents": incidents, "scheduled_maintenances": maintenances})


# --- Microsoft Graph -------------------------------------------------------------


def _graph_error_code(answer: _Answer, token: str) -> str | None:
    """Graph's error code ("InvalidAuthenticationToken") when it looks like one, not the token."""
    try:
        document = json.loads(answer.body)
    except (ValueError, RecursionError):
        return None
    error = document.get("error") if isinstance(document, dict) else None
    code = error.get("code") if isinstance(error, dict) else None
    if not isinstance(code, str) or not _GRAPH_ERROR_CODE.fullmatch(code) or code in token:
        return None
    return code


def _graph_refused(request: _Request, answer: _Answer, token: str) -> SourceRefused:
    code = _graph_error_code(answer, token)
    if answer.status == 401:
        hint = "check the configured token"
    elif answer.status == 403:
        hint = "the token lacks the ServiceHealth.Read.All permission"
    elif 300 <= answer.status < 400:
        hint = "a redirect is not followed with the token"
    else:
        hint = "the request was refused"
    if code:
        hint = f"{hint} (Graph error {code})"
    return _refused(request, answer, hint)


def fetch_graph(
    client: httpx.Client,
    token: str,
    base_url: str = GRAPH_BASE_URL,
    *,
    policy: RetryPolicy = DEFAULT_POLICY,
    max_pages: int = GRAPH_MAX_PAGES,
) -> bytes:
    """Every Microsoft 365 service health issue the token can read.

    GETs `{base_url}/admin/serviceAnnouncement/issues` with the bearer token and
    follows `@odata.nextLink` while it stays on the same scheme, host and port
    as `base_url` (the token goes nowhere else), for at most `max_pages` pages.
    Returns `{"value": [...]}` as UTF-8 JSON, the issues in the order given.
    `base_url` must be https.
    """
    where = "Microsoft Graph"
    if not _BEARER_TOKEN.fullmatch(token):
        raise SourceMisconfigured(
            "the Microsoft Graph token is empty or has characters a bearer token cannot have",
            source=where,
            status=500,
        )
    try:
        # Never plain http: the token would travel in the clear.
        base = _parse_url(base_url, "the Microsoft Graph address", where, ("https",))
    except SourceMisconfigured as exc:
        exc.status = 500  # the address is the server's setting, not the caller's input
        raise
    if base.host != "graph.microsoft.com":
        where = f"Microsoft Graph at {_host(base)}"
    if max_pages < 1:
        raise ValueError("max_pages must be at least 1")
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    url: str | None = f"{str(base).rstrip('/')}{GRAPH_ISSUES_PATH}"
    seen: set[str] = set()
    issues: list[Any] = []
    page = 0
    while url is not None:
        page += 1
        if page > max_pages:
            raise SourceMalformed(
                f"{where} still had more service issues after {max_pages} pages; stopped there",
                source=where,
            )
        seen.add(url)
        request = _Request(where, f"service issues page {page}", url, headers)
        answer = _get(client, request, policy)
        if not answer.is_ok:
            raise _graph_refused(request, answer, token)
        document = _json(request, answer)
        issues.extend(_objects(request, answer, document, "value"))
        url = _next_link(request, answer, document, base, seen)
    return _encode({"value": issues})


def _next_link(
    request: _Request, answer: _Answer, document: dict[str, Any], base: httpx.URL, seen: set[str]
) -> str | None:
    link = document.get("@odata.nextLink")
    if link is None:
        return None
    if not isinstance(link, str):
        raise _malformed(request, answer, "has an '@odata.nextLink' that is not a string")
    try:
        target = httpx.URL(link)
    except httpx.InvalidURL as exc:
        raise _malformed(request, answer, "has an '@odata.nextLink' that is not a URL") from exc
    if (target.scheme, target.host, target.port) != (base.scheme, base.host, base.port):
        raise _malformed(
            request,
            answer,
            f"has an '@odata.nextLink' to {target.scheme}://{_host(target)}, "
            "not followed: the token is only sent to the configured address",
        )
    if link in seen:
        raise _malformed(request, answer, "has an '@odata.nextLink' to a page already read")
    return link
