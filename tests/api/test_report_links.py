"""Share links over HTTP: made with a key, opened without one, refused when altered (404)
or expired (410). The clock reads 2026-12-05T12:00Z unless a test moves it."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pendulum
import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from tests.api.page_parts import bars, visible_text
from tests.api.scenario import (
    Json,
    as_key,
    assert_invalid,
    assert_problem,
    create_tenant,
    make_key,
    store_outages,
    subscribe,
    window,
)
from tests.conftest import ADMIN_KEY, Clock, app_client

EXO = "exchange-online"
LINKS = "/v1/tenants/contoso/reports/2026-11/links"
NO_KEY = {"X-API-Key": ""}


@pytest.fixture
def contoso(client: TestClient) -> None:
    create_tenant(client, "contoso", name="Contoso Ltd")
    subscribe(client, "contoso", EXO, "microsoft-365", "1200.00")
    store_outages(client, "contoso", window(EXO, "2026-11-03T14:00:00Z", "2026-11-03T16:00:00Z"))


def _link(client: TestClient, headers: dict[str, str] | None = None, **body: Any) -> Json:
    response = client.post(LINKS, json={"format": "html", **body}, headers=headers)
    assert response.status_code == 201, response.text
    created: Json = response.json()
    return created


def _path(url: str) -> str:
    return url.removeprefix("http://testserver")


@pytest.mark.usefixtures("contoso")
def test_a_link_opens_the_report_without_a_key(client: TestClient) -> None:
    created = _link(client)
    assert set(created) == {"url", "expires_at"}
    assert created["url"].startswith("http://testserver/v1/shared/reports/")
    # The default lifetime, P7D, from the clock's 2026-12-05T12:00Z.
    assert created["expires_at"] == "2026-12-12T12:00:00+00:00"

    opened = client.get(_path(created["url"]), headers=NO_KEY)
    assert opened.status_code == 200, opened.text
    assert opened.headers["content-type"] == "text/html; charset=utf-8"
    assert opened.headers["cache-control"] == "private, no-store"
    assert opened.headers["referrer-policy"] == "no-referrer"
    text = visible_text(opened.text)
    assert "Contoso Ltd" in text and "November 2026" in text
    # 120 minutes down: (43200 − 120) / 43200 = 99.7222…; 25 % of 1200.00.
    assert "99.7222 %" in text and "300.00 USD" in text
    assert len(bars(opened.text, "outage")) == 1


@pytest.mark.usefixtures("contoso")
def test_a_pdf_link_opens_the_pdf(client: TestClient) -> None:
    created = _link(client, format="pdf", expires_in="PT1H")
    assert created["expires_at"] == "2026-12-05T13:00:00+00:00"
    opened = client.get(_path(created["url"]), headers=NO_KEY)
    assert opened.status_code == 200
    assert opened.headers["content-type"] == "application/pdf"
    assert opened.headers["content-disposition"] == 'inline; filename="contoso-2026-11.pdf"'
    assert opened.content.startswith(b"%PDF-")


@pytest.mark.usefixtures("contoso")
def test_the_shared_page_is_the_live_report(client: TestClient) -> None:
    path = _path(_link(client)["url"])
    store_outages(client, "contoso", window(EXO, "2026-11-20T10:00:00Z", "2026-11-20T11:00:00Z"))
    assert len(bars(client.get(path, headers=NO_KEY).text, "outage")) == 2


@pytest.mark.usefixtures("contoso")
def test_one_changed_character_answers_404(client: TestClient) -> None:
    token = _path(_link(client)["url"]).rsplit("/", 1)[1]
    for position in range(len(token)):
        replacement = "B" if token[position] == "A" else "A"
        altered = token[:position] + replacement + token[position + 1 :]
        response = client.get(f"/v1/shared/reports/{altered}", headers=NO_KEY)
        body = assert_problem(response, 404)
        assert body["detail"] == "no report is shared under this link", position
    assert_problem(client.get("/v1/shared/reports/not-a-token", headers=NO_KEY), 404)


@pytest.mark.usefixtures("contoso")
def test_a_link_past_its_expiry_answers_410(client: TestClient, clock: Clock) -> None:
    created = _link(client, expires_in="P2D")
    path = _path(created["url"])
    clock.now = pendulum.datetime(2026, 12, 7, 11, 59, 59, tz="UTC")
    assert client.get(path, headers=NO_KEY).status_code == 200
    clock.now = pendulum.datetime(2026, 12, 7, 12, tz="UTC")
    body = assert_problem(client.get(path, headers=NO_KEY), 410)
    assert body["type"] == "urn:sla-ledger:problem:gone"
    assert "expired at 2026-12-07T12:00:00+00:00" in body["detail"]


@pytest.mark.usefixtures("contoso")
@pytest.mark.parametrize(
    ("expires_in", "message"),
    [
        ("P91D", "longer than P90D"),
        ("P1M", "years or months"),
        ("P0D", "longer than zero"),
        ("7 days", "not an ISO 8601 duration"),
    ],
)
def test_a_lifetime_past_90_days_or_unreadable_is_refused(
    client: TestClient, expires_in: str, message: str
) -> None:
    response = client.post(LINKS, json={"format": "html", "expires_in": expires_in})
    assert message in assert_invalid(response, ["body", "expires_in"], expires_in)


@pytest.mark.usefixtures("contoso")
def test_ninety_days_is_the_longest(client: TestClient) -> None:
    assert _link(client, expires_in="P90D")["expires_at"] == "2027-03-05T12:00:00+00:00"


@pytest.mark.usefixtures("contoso")
def test_a_link_names_a_format_and_a_real_month(client: TestClient) -> None:
    assert_invalid(client.post(LINKS, json={"format": "csv"}), ["body", "format"], "csv")
    response = client.post("/v1/tenants/contoso/reports/2026-13/links", json={"format": "html"})
    assert_invalid(response, ["path", "month"], "2026-13")
    assert_problem(
        client.post("/v1/tenants/nobody/reports/2026-11/links", json={"format": "html"}), 404
    )


@pytest.mark.usefixtures("contoso")
def test_who_may_make_a_link_and_the_audit_trail(client: TestClient) -> None:
    create_tenant(client, "fabrikam")
    finance_id, finance_key = make_key(client, "finance")
    own_id, own_key = make_key(client, "tenant", "contoso")
    _, other_key = make_key(client, "tenant", "fabrikam")
    _link(client, headers=as_key(finance_key))
    _link(client, headers=as_key(own_key), format="pdf")
    assert_problem(client.post(LINKS, json={"format": "html"}, headers=as_key(other_key)), 404)
    assert_problem(client.post(LINKS, json={"format": "html"}, headers=NO_KEY), 401)

    events = client.get("/v1/audit", params={"entity": "report_link"}).json()["items"]
    assert [(e["actor_key_id"], e["action"], e["entity_id"]) for e in events] == [
        (finance_id, "create", "contoso/2026-11"),
        (own_id, "create", "contoso/2026-11"),
    ]
    assert events[1]["tenant_id"] == "contoso"
    assert events[1]["after"] == {
        "month": "2026-11",
        "format": "pdf",
        "expires_at": "2026-12-12T12:00:00+00:00",
    }
    # The token is a credential: the trail does not keep it.
    assert "url" not in str(events)


@contextmanager
def _app_client(database_url: str, clock: Clock, **settings: Any) -> Iterator[TestClient]:
    """Another app (a restart, or other settings) on the same database."""
    other = Settings(
        database_url=database_url, admin_key=ADMIN_KEY, webhook_worker=False, **settings
    )
    with app_client(other, clock) as test_client:
        yield test_client


@pytest.mark.usefixtures("contoso")
def test_links_outlive_a_restart_only_with_a_configured_secret(
    client: TestClient, database_url: str, clock: Clock
) -> None:
    for secret in ("one secret", None):
        with _app_client(database_url, clock, link_secret=secret) as first:
            path = _path(_link(first)["url"])
        with _app_client(database_url, clock, link_secret=secret) as second:
            status = second.get(path, headers=NO_KEY).status_code
        assert status == (200 if secret else 404), secret


@pytest.mark.usefixtures("contoso")
def test_the_public_url_setting_starts_every_link(
    client: TestClient, database_url: str, clock: Clock
) -> None:
    with _app_client(database_url, clock, public_url="https://sla.example.com/ledger/") as public:
        created = _link(public)
    assert created["url"].startswith("https://sla.example.com/ledger/v1/shared/reports/")


def test_an_unusable_public_url_is_refused_at_start_up() -> None:
    with pytest.raises(ValueError, match="public_url"):
        Settings(public_url="sla.example.com")


def test_expiry_is_cut_to_the_second(client: TestClient, clock: Clock) -> None:
    create_tenant(client, "contoso")
    clock.now = clock.now + timedelta(microseconds=750_000)
    assert _link(client, expires_in="PT30S")["expires_at"] == "2026-12-05T12:00:30+00:00"
