"""Pull-sync fetches against pytest-httpx: Statuspage, Microsoft Graph, retries, errors.

Every test states how many requests were made; the sleep and the clock are
injected through `RetryPolicy`, so nothing waits.
"""

import json
import logging
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from pytest_httpx import HTTPXMock

from app.imports.sources import (
    RetryPolicy,
    SourceError,
    SourceMalformed,
    SourceMisconfigured,
    SourceRefused,
    SourceUnavailable,
    fetch_graph,
    fetch_statuspage,
    parse_retry_after,
    statuspage_api_urls,
)

PAGE = "https://status.example.com"
INCIDENTS = f"{PAGE}/api/v2/incidents.json"
MAINTENANCES = f"{PAGE}/api/v2/scheduled-maintenances.json"
ISSUES = "https://graph.microsoft.com/v1.0/admin/serviceAnnouncement/issues"
# Shaped like a real one (a JWT) so it passes the bearer-token check.
TOKEN = "eyJ0eXAiOiJKV1QifQ.c2VjcmV0LXBheWxvYWQtZm9yLXRlc3Rz.c2lnbmF0dXJlLXNlY3JldA"
NOW = datetime(2026, 12, 5, 12, 0, 0, tzinfo=UTC)
TIMEOUT = {"connect": 10.0, "read": 10.0, "write": 10.0, "pool": 10.0}

INCIDENT_A = {"id": "inc-a", "name": "Störung der API", "status": "resolved"}
INCIDENT_B = {"id": "inc-b", "name": "Slow dashboard", "status": "monitoring"}
MAINTENANCE = {"id": "mnt-1", "name": "Database upgrade", "status": "completed"}


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client() as client:
        yield client


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def policy(sleeps: list[float]) -> RetryPolicy:
    return RetryPolicy(sleep=sleeps.append, clock=lambda: NOW)


def add_statuspage(httpx_mock: HTTPXMock) -> None:
    page = {"id": "p1", "name": "Example", "url": PAGE}
    httpx_mock.add_response(url=INCIDENTS, json={"page": page, "incidents": [INCIDENT_A]})
    httpx_mock.add_response(
        url=MAINTENANCES, json={"page": page, "scheduled_maintenances": [MAINTENANCE]}
    )


def statuspage_document() -> dict[str, Any]:
    return {"incidents": [INCIDENT_A], "scheduled_maintenances": [MAINTENANCE]}


def issue(number: int) -> dict[str, Any]:
    return {"id": f"EX{number}", "title": f"Issue {number}", "classification": "incident"}


def urls(httpx_mock: HTTPXMock) -> list[str]:
    return [str(request.url) for request in httpx_mock.get_requests()]


# --- Statuspage ---------------------------------------------------------------


def test_statuspage_combines_both_endpoints(httpx_mock, client, policy, sleeps):
    add_statuspage(httpx_mock)

    body = fetch_statuspage(client, PAGE, policy=policy)

    assert json.loads(body.decode("utf-8")) == statuspage_document()
    assert "Störung".encode() in body  # UTF-8, not \\u escapes
    assert urls(httpx_mock) == [INCIDENTS, MAINTENANCES]
    assert [r.extensions["timeout"] for r in httpx_mock.get_requests()] == [TIMEOUT, TIMEOUT]
    assert sleeps == []


@pytest.mark.parametrize(
    "page_url",
    [
        "https://status.example.com/",
        "  https://status.example.com  ",
        "https://status.example.com/api/v2",
        "https://status.example.com/api/v2/",
        "https://status.example.com/api/v2/summary.json",
        "https://status.example.com/api/v2/incidents.json",
        "https://STATUS.example.com/API/V2/",
    ],
)
def test_statuspage_address_forms_name_the_same_page(httpx_mock, client, policy, page_url):
    assert statuspage_api_urls(page_url) == (INCIDENTS, MAINTENANCES)
    add_statuspage(httpx_mock)

    assert json.loads(fetch_statuspage(client, page_url, policy=policy)) == statuspage_document()
    assert urls(httpx_mock) == [INCIDENTS, MAINTENANCES]


def test_statuspage_keeps_a_path_prefix_and_a_port():
    assert statuspage_api_urls("https://example.com:8443/status/api/v2/") == (
        "https://example.com:8443/status/api/v2/incidents.json",
        "https://example.com:8443/status/api/v2/scheduled-maintenances.json",
    )


@pytest.mark.parametrize(
    ("page_url", "says"),
    [
        pytest.param("http://status.example.com", "https://", id="http"),
        pytest.param("ftp://status.example.com", "https://", id="ftp"),
        pytest.param("status.example.com", "https://", id="no-scheme"),
        pytest.param("", "https://", id="empty"),
        pytest.param("https://", "no host", id="no-host"),
        pytest.param("https://status.example.com/?page=2", "query", id="query"),
        pytest.param("https://status.example.com/#top", "fragment", id="fragment"),
        pytest.param("https://status.example.com/history.json", "JSON file", id="other-json"),
        pytest.param("https://me:hunter2@status.example.com", "password", id="userinfo"),
    ],
)
def test_statuspage_refuses_an_unusable_address_without_a_request(
    httpx_mock, client, policy, page_url, says
):
    with pytest.raises(SourceMisconfigured) as raised:
        fetch_statuspage(client, page_url, policy=policy)

    assert says in str(raised.value)
    assert "hunter2" not in str(raised.value)
    assert raised.value.status == 422
    assert len(httpx_mock.get_requests()) == 0


def test_statuspage_over_http_only_with_allow_insecure(httpx_mock, client, policy):
    httpx_mock.add_response(
        url="http://status.example.com/api/v2/incidents.json", json={"incidents": []}
    )
    httpx_mock.add_response(
        url="http://status.example.com/api/v2/scheduled-maintenances.json",
        json={"scheduled_maintenances": []},
    )

    body = fetch_statuspage(client, "http://status.example.com", allow_insecure=True, policy=policy)

    assert json.loads(body) == {"incidents": [], "scheduled_maintenances": []}
    assert len(httpx_mock.get_requests()) == 2


# --- Retries ------------------------------------------------------------------


def test_429_with_retry_after_then_success(httpx_mock, client, policy, sleeps):
    httpx_mock.add_response(url=INCIDENTS, status_code=429, headers={"Retry-After": "2"})
    add_statuspage(httpx_mock)

    body = fetch_statuspage(client, PAGE, policy=policy)

    assert sleeps == [2.0]
    assert json.loads(body) == statuspage_document()
    assert urls(httpx_mock) == [INCIDENTS, INCIDENTS, MAINTENANCES]


def test_retry_after_as_an_http_date(httpx_mock, client, policy, sleeps):
    httpx_mock.add_response(
        url=INCIDENTS, status_code=503, headers={"Retry-After": "Sat, 05 Dec 2026 12:00:07 GMT"}
    )
    add_statuspage(httpx_mock)

    fetch_statuspage(client, PAGE, policy=policy)

    assert sleeps == [7.0]
    assert len(httpx_mock.get_requests()) == 3


def test_429_without_retry_after_backs_off(httpx_mock, client, policy, sleeps):
    httpx_mock.add_response(url=INCIDENTS, status_code=429)
    add_statuspage(httpx_mock)

    fetch_statuspage(client, PAGE, policy=policy)

    assert sleeps == [1.0]
    assert len(httpx_mock.get_requests()) == 3


def test_retry_after_longer_than_the_cap_gives_up_at_once(httpx_mock, client, policy, sleeps):
    httpx_mock.add_response(url=INCIDENTS, status_code=429, headers={"Retry-After": "120"})

    with pytest.raises(SourceUnavailable) as raised:
        fetch_statuspage(client, PAGE, policy=policy)

    error = raised.value
    assert str(error) == (
        "status.example.com answered 429 Too Many Requests for incidents.json and asked to "
        "wait 120 s, longer than the 30 s we wait; try again later (1 attempt)"
    )
    assert (error.status, error.upstream_status, error.retry_after) == (503, 429, 120.0)
    assert sleeps == []
    assert len(httpx_mock.get_requests()) == 1


@pytest.mark.parametrize(("upstream", "status"), [(503, 503), (500, 502), (502, 502), (504, 502)])
def test_5xx_three_times_is_unavailable_after_exactly_three_requests(
    httpx_mock, client, policy, sleeps, upstream, status
):
    for _ in range(3):
        httpx_mock.add_response(url=INCIDENTS, status_code=upstream)

    with pytest.raises(SourceUnavailable) as raised:
        fetch_statuspage(client, PAGE, policy=policy)

    error = raised.value
    phrase = httpx.codes.get_reason_phrase(upstream)
    assert str(error) == (
        f"status.example.com answered {upstream} {phrase} for incidents.json; "
        "gave up after 3 attempts"
    )
    assert (error.status, error.upstream_status, error.attempts) == (status, upstream, 3)
    assert sleeps == [1.0, 2.0]
    assert len(httpx_mock.get_requests()) == 3


def test_backoff_is_capped_and_attempts_are_a_setting(httpx_mock, client, sleeps):
    policy = RetryPolicy(
        attempts=5, backoff_seconds=10, max_wait_seconds=30, sleep=sleeps.append, clock=lambda: NOW
    )
    httpx_mock.add_response(url=INCIDENTS, status_code=500, is_reusable=True)

    with pytest.raises(SourceUnavailable):
        fetch_statuspage(client, PAGE, policy=policy)

    assert sleeps == [10.0, 20.0, 30.0, 30.0]
    assert len(httpx_mock.get_requests()) == 5


def test_timeout_three_times_is_unavailable(httpx_mock, client, policy, sleeps):
    for _ in range(3):
        httpx_mock.add_exception(httpx.ReadTimeout("timed out"), url=INCIDENTS)

    with pytest.raises(SourceUnavailable) as raised:
        fetch_statuspage(client, PAGE, policy=policy)

    error = raised.value
    assert str(error) == (
        "status.example.com did not answer within 10 s for incidents.json (3 attempts)"
    )
    assert (error.status, error.upstream_status, error.attempts) == (504, None, 3)
    assert sleeps == [1.0, 2.0]
    assert len(httpx_mock.get_requests()) == 3


def test_timeout_is_a_setting(httpx_mock, client, sleeps):
    policy = RetryPolicy(timeout_seconds=2.5, attempts=1, sleep=sleeps.append)
    httpx_mock.add_exception(httpx.ConnectTimeout("timed out"), url=INCIDENTS)

    with pytest.raises(SourceUnavailable, match=r"could not be reached within 2\.5 s .*1 attempt"):
        fetch_statuspage(client, PAGE, policy=policy)

    (request,) = httpx_mock.get_requests()
    assert request.extensions["timeout"] == dict.fromkeys(TIMEOUT, 2.5)
    assert sleeps == []


def test_a_timeout_then_an_answer_succeeds(httpx_mock, client, policy, sleeps):
    httpx_mock.add_exception(httpx.ReadTimeout("timed out"), url=INCIDENTS)
    add_statuspage(httpx_mock)

    assert json.loads(fetch_statuspage(client, PAGE, policy=policy)) == statuspage_document()
    assert sleeps == [1.0]
    assert len(httpx_mock.get_requests()) == 3


def test_a_refused_connection_is_retried_then_unavailable(httpx_mock, client, policy, sleeps):
    httpx_mock.add_exception(httpx.ConnectError("refused"), url=INCIDENTS, is_reusable=True)

    with pytest.raises(SourceUnavailable) as raised:
        fetch_statuspage(client, PAGE, policy=policy)

    assert str(raised.value) == (
        "status.example.com could not be reached for incidents.json: the connection failed "
        "(ConnectError, 3 attempts)"
    )
    assert raised.value.status == 502
    assert len(httpx_mock.get_requests()) == 3


def test_retries_are_logged(httpx_mock, client, policy, caplog):
    caplog.set_level(logging.WARNING, logger="app.imports.sources")
    httpx_mock.add_response(url=INCIDENTS, status_code=503)
    add_statuspage(httpx_mock)

    fetch_statuspage(client, PAGE, policy=policy)

    assert caplog.messages == [
        "status.example.com (incidents.json) gave 503 Service Unavailable on attempt 1 of 3; "
        "trying again in 1 s"
    ]
    assert len(httpx_mock.get_requests()) == 3


# --- Answers that are final at once -----------------------------------------------


@pytest.mark.parametrize(
    ("response", "says"),
    [
        pytest.param(
            {"text": "<html>Maintenance</html>"},
            "is not JSON (Expecting value at line 1, column 1)",
            id="html",
        ),
        pytest.param(
            {"content": b"\xff\xfe\x00"},
            "is not JSON (not UTF-8, UTF-16 or UTF-32 text)",
            id="binary",
        ),
        pytest.param(
            {"text": '{"incidents": [NaN]}'}, "is not JSON (NaN is not a JSON value)", id="nan"
        ),
        pytest.param(
            {"text": '{"incidents": [1e999]}'},
            "is not JSON (1e999 is not a finite number)",
            id="inf",
        ),
        pytest.param({"text": "[" * 100_000}, "is not JSON (nested too deeply", id="deep"),
        pytest.param({"json": [INCIDENT_A]}, "is not a JSON object", id="list"),
        pytest.param({"json": {"page": {}}}, "has no 'incidents' list", id="missing"),
        pytest.param({"json": {"incidents": {"a": 1}}}, "has no 'incidents' list", id="not-list"),
        pytest.param({"json": {"incidents": ["a"]}}, "not a JSON object", id="entry"),
    ],
)
def test_malformed_body_is_not_retried(httpx_mock, client, policy, sleeps, response, says):
    httpx_mock.add_response(url=INCIDENTS, **response)

    with pytest.raises(SourceMalformed) as raised:
        fetch_statuspage(client, PAGE, policy=policy)

    assert str(raised.value).startswith("the body from status.example.com (incidents.json) ")
    assert says in str(raised.value)
    assert raised.value.status == 502
    assert sleeps == []
    assert len(httpx_mock.get_requests()) == 1


def test_a_body_over_the_size_limit_is_malformed(httpx_mock, client, sleeps):
    policy = RetryPolicy(max_body_bytes=100, sleep=sleeps.append)
    httpx_mock.add_response(url=INCIDENTS, json={"incidents": [INCIDENT_A] * 10})

    with pytest.raises(SourceMalformed, match="is larger than 100 bytes"):
        fetch_statuspage(client, PAGE, policy=policy)

    assert len(httpx_mock.get_requests()) == 1


@pytest.mark.parametrize(
    ("status", "says"),
    [
        (401, "401 Unauthorized for incidents.json: the page is not public"),
        (403, "403 Forbidden for incidents.json: the page is not public"),
        (404, "404 Not Found for incidents.json: check the page address"),
        (410, "410 Gone for incidents.json: the request was refused"),
    ],
)
def test_statuspage_4xx_is_refused_without_retry(httpx_mock, client, policy, status, says):
    httpx_mock.add_response(url=INCIDENTS, status_code=status)

    with pytest.raises(SourceRefused) as raised:
        fetch_statuspage(client, PAGE, policy=policy)

    assert str(raised.value) == f"status.example.com answered {says}"
    assert (raised.value.status, raised.value.upstream_status) == (502, status)
    assert len(httpx_mock.get_requests()) == 1


def test_statuspage_redirect_names_the_new_address(httpx_mock, client, policy):
    httpx_mock.add_response(
        url=INCIDENTS, status_code=301, headers={"Location": "https://example.statuspage.io/"}
    )

    with pytest.raises(SourceRefused, match=r"moved to 'https://example.statuspage.io/'"):
        fetch_statuspage(client, PAGE, policy=policy)

    assert len(httpx_mock.get_requests()) == 1


# --- Microsoft Graph ------------------------------------------------------------


def test_graph_follows_next_links_with_the_token_on_each_page(httpx_mock, client, policy):
    page_2 = f"{ISSUES}?$skiptoken=two"
    page_3 = f"{ISSUES}?$skiptoken=three"
    httpx_mock.add_response(
        url=ISSUES, json={"value": [issue(1), issue(2)], "@odata.nextLink": page_2}
    )
    httpx_mock.add_response(url=page_2, json={"value": [issue(3)], "@odata.nextLink": page_3})
    httpx_mock.add_response(url=page_3, json={"value": [issue(4), issue(5)]})

    body = fetch_graph(client, TOKEN, policy=policy)

    assert json.loads(body) == {"value": [issue(n) for n in range(1, 6)]}
    requests = httpx_mock.get_requests()
    assert [str(r.url) for r in requests] == [ISSUES, page_2, page_3]
    assert [r.headers["Authorization"] for r in requests] == [f"Bearer {TOKEN}"] * 3
    assert [r.extensions["timeout"] for r in requests] == [TIMEOUT] * 3


def test_graph_base_url_is_a_parameter(httpx_mock, client, policy):
    base = "https://graph.example.test/beta/"
    httpx_mock.add_response(
        url="https://graph.example.test/beta/admin/serviceAnnouncement/issues", json={"value": []}
    )

    assert json.loads(fetch_graph(client, TOKEN, base, policy=policy)) == {"value": []}
    assert len(httpx_mock.get_requests()) == 1


def test_graph_retries_a_page_in_the_middle(httpx_mock, client, policy, sleeps):
    page_2 = f"{ISSUES}?$skiptoken=two"
    httpx_mock.add_response(url=ISSUES, json={"value": [issue(1)], "@odata.nextLink": page_2})
    httpx_mock.add_response(url=page_2, status_code=429, headers={"Retry-After": "3"})
    httpx_mock.add_response(url=page_2, json={"value": [issue(2)]})

    assert json.loads(fetch_graph(client, TOKEN, policy=policy)) == {"value": [issue(1), issue(2)]}
    assert sleeps == [3.0]
    assert len(httpx_mock.get_requests()) == 3


@pytest.mark.parametrize(
    ("status", "code", "says"),
    [
        pytest.param(
            401,
            "InvalidAuthenticationToken",
            "Microsoft Graph answered 401 Unauthorized for service issues page 1: "
            "check the configured token (Graph error InvalidAuthenticationToken)",
            id="401",
        ),
        pytest.param(
            401,
            None,
            "Microsoft Graph answered 401 Unauthorized for service issues page 1: "
            "check the configured token",
            id="401-no-body",
        ),
        pytest.param(
            403,
            "Authorization_RequestDenied",
            "Microsoft Graph answered 403 Forbidden for service issues page 1: the token lacks "
            "the ServiceHealth.Read.All permission (Graph error Authorization_RequestDenied)",
            id="403",
        ),
    ],
)
def test_graph_401_and_403_are_refused_without_retry(
    httpx_mock, client, policy, sleeps, status, code, says
):
    body = {"error": {"code": code, "message": "Access token is empty."}} if code else None
    httpx_mock.add_response(url=ISSUES, status_code=status, json=body)

    with pytest.raises(SourceRefused) as raised:
        fetch_graph(client, TOKEN, policy=policy)

    assert str(raised.value) == says
    assert (raised.value.status, raised.value.upstream_status) == (502, status)
    assert raised.value.source == "Microsoft Graph"
    assert sleeps == []
    assert len(httpx_mock.get_requests()) == 1


@pytest.mark.parametrize(
    ("page", "says"),
    [
        pytest.param({"issues": []}, "has no 'value' list", id="no-value"),
        pytest.param({"value": [1, 2]}, "not a JSON object", id="entries"),
        pytest.param({"value": [], "@odata.nextLink": 7}, "not a string", id="link-type"),
        pytest.param({"value": [], "@odata.nextLink": ISSUES}, "already read", id="link-loop"),
        pytest.param(
            {"value": [], "@odata.nextLink": "https://evil.example/v1.0/issues?page=2"},
            "'@odata.nextLink' to https://evil.example, not followed",
            id="link-elsewhere",
        ),
        pytest.param(
            {"value": [], "@odata.nextLink": "http://graph.microsoft.com/v1.0/x"},
            "'@odata.nextLink' to http://graph.microsoft.com, not followed",
            id="link-http",
        ),
    ],
)
def test_graph_malformed_page_is_not_retried(httpx_mock, client, policy, page, says):
    httpx_mock.add_response(url=ISSUES, json=page)

    with pytest.raises(SourceMalformed) as raised:
        fetch_graph(client, TOKEN, policy=policy)

    assert str(raised.value).startswith("the body from Microsoft Graph (service issues page 1) ")
    assert says in str(raised.value)
    assert len(httpx_mock.get_requests()) == 1


def test_graph_stops_after_max_pages(httpx_mock, client, policy):
    for n in range(1, 4):
        this = ISSUES if n == 1 else f"{ISSUES}?$skiptoken={n}"
        httpx_mock.add_response(
            url=this, json={"value": [issue(n)], "@odata.nextLink": f"{ISSUES}?$skiptoken={n + 1}"}
        )

    with pytest.raises(SourceMalformed) as raised:
        fetch_graph(client, TOKEN, policy=policy, max_pages=3)

    assert str(raised.value) == (
        "Microsoft Graph still had more service issues after 3 pages; stopped there"
    )
    assert len(httpx_mock.get_requests()) == 3


@pytest.mark.parametrize(
    ("base_url", "says"),
    [
        ("http://graph.microsoft.com/v1.0", "must start with https://"),
        ("https://graph.microsoft.com/v1.0?x=1", "query"),
    ],
)
def test_graph_refuses_an_unsafe_base_url(httpx_mock, client, policy, base_url, says):
    with pytest.raises(SourceMisconfigured, match=says) as raised:
        fetch_graph(client, TOKEN, base_url, policy=policy)

    assert raised.value.status == 500
    assert len(httpx_mock.get_requests()) == 0


# --- The token stays secret ---------------------------------------------------------


def _respond(status: int, **kwargs: Any) -> Callable[[HTTPXMock], None]:
    def register(httpx_mock: HTTPXMock) -> None:
        httpx_mock.add_response(url=ISSUES, status_code=status, **kwargs)

    return register


def _raise(error: Exception) -> Callable[[HTTPXMock], None]:
    def register(httpx_mock: HTTPXMock) -> None:
        httpx_mock.add_exception(error, url=ISSUES, is_reusable=True)

    return register


def _respond_always(status: int) -> Callable[[HTTPXMock], None]:
    def register(httpx_mock: HTTPXMock) -> None:
        httpx_mock.add_response(url=ISSUES, status_code=status, is_reusable=True)

    return register


# A hostile or careless server echoing the token must not get it into a message either.
ECHO = {"error": {"code": TOKEN.split(".")[0], "message": f"Bearer {TOKEN} expired"}}


@pytest.mark.parametrize(
    ("register", "error_class", "requests"),
    [
        pytest.param(_respond(401, json=ECHO), SourceRefused, 1, id="401"),
        pytest.param(_respond(403, json=ECHO), SourceRefused, 1, id="403"),
        pytest.param(_respond(400, json=ECHO), SourceRefused, 1, id="400"),
        pytest.param(_respond_always(503), SourceUnavailable, 3, id="503"),
        pytest.param(
            _respond(429, headers={"Retry-After": "600"}), SourceUnavailable, 1, id="429-long"
        ),
        pytest.param(_raise(httpx.ReadTimeout("timed out")), SourceUnavailable, 3, id="timeout"),
        pytest.param(_raise(httpx.ConnectError("refused")), SourceUnavailable, 3, id="connect"),
        pytest.param(_respond(200, text=f"token={TOKEN}"), SourceMalformed, 1, id="not-json"),
        pytest.param(_respond(200, json={"value": TOKEN}), SourceMalformed, 1, id="shape"),
        pytest.param(
            _respond(200, json={"value": [], "@odata.nextLink": f"https://evil.example/{TOKEN}"}),
            SourceMalformed,
            1,
            id="link-elsewhere",
        ),
    ],
)
def test_the_token_never_appears_in_errors_or_logs(
    httpx_mock, client, policy, caplog, register, error_class, requests
):
    caplog.set_level(logging.DEBUG)
    register(httpx_mock)

    with pytest.raises(error_class) as raised:
        fetch_graph(client, TOKEN, policy=policy)

    sent = httpx_mock.get_requests()
    assert len(sent) == requests
    assert all(r.headers["Authorization"] == f"Bearer {TOKEN}" for r in sent)
    assert_no_token(raised.value, caplog.text)


@pytest.mark.parametrize(
    "token", ["", f"{TOKEN} ", f"{TOKEN}\nX-Injected: 1", f"{TOKEN}é", f"Bearer {TOKEN}"]
)
def test_a_token_that_cannot_be_a_bearer_token_is_refused_unsent(
    httpx_mock, client, policy, caplog, token
):
    caplog.set_level(logging.DEBUG)

    with pytest.raises(SourceMisconfigured) as raised:
        fetch_graph(client, token, policy=policy)

    assert raised.value.status == 500
    assert len(httpx_mock.get_requests()) == 0
    assert_no_token(raised.value, caplog.text)


def test_retry_logs_do_not_carry_the_token(httpx_mock, client, policy, caplog):
    caplog.set_level(logging.DEBUG)
    httpx_mock.add_response(url=ISSUES, status_code=500)
    httpx_mock.add_response(url=ISSUES, json={"value": [issue(1)]})

    fetch_graph(client, TOKEN, policy=policy)

    assert "gave 500 Internal Server Error on attempt 1 of 3" in caplog.text
    assert TOKEN not in caplog.text
    assert len(httpx_mock.get_requests()) == 2


def assert_no_token(error: BaseException, log_text: str) -> None:
    texts = [log_text]
    seen: BaseException | None = error
    while seen is not None:  # the error and everything chained to it
        texts += [str(seen), repr(seen), repr(seen.args), repr(vars(seen))]
        seen = seen.__cause__ or seen.__context__
    for text in texts:
        assert TOKEN not in text
        assert TOKEN.split(".")[1] not in text  # nor the token's payload alone


# --- Pieces -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("2", 2.0),
        (" 120 ", 120.0),
        ("0", 0.0),
        ("Sat, 05 Dec 2026 12:01:30 GMT", 90.0),
        ("Sat, 05 Dec 2026 11:00:00 GMT", 0.0),  # in the past: no wait
        ("Sat, 05 Dec 2026 12:00:10 -0000", 10.0),
        (None, None),
        ("", None),
        ("-5", None),
        ("1.5", None),
        ("soon", None),
        ("²", None),
    ],
)
def test_parse_retry_after(value, seconds):
    assert parse_retry_after(value, NOW) == seconds


@pytest.mark.parametrize(
    "settings",
    [
        {"attempts": 0},
        {"timeout_seconds": 0},
        {"max_wait_seconds": -1},
        {"backoff_seconds": -1},
        {"max_body_bytes": 0},
    ],
)
def test_retry_policy_refuses_nonsense(settings):
    with pytest.raises(ValueError):
        RetryPolicy(**settings)


def test_every_error_is_a_source_error():
    for error_class in (SourceUnavailable, SourceRefused, SourceMalformed, SourceMisconfigured):
        assert issubclass(error_class, SourceError)
    assert issubclass(SourceMisconfigured, ValueError)
