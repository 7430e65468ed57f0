"""Tenants over HTTP: create, conflicts, field validation, read, list pages, and auth."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.scenario import assert_invalid, assert_problem, create_tenant, instant
from tests.conftest import Clock

CONTOSO = {
    "id": "contoso",
    "name": "Contoso Ltd",
    "timezone": "America/New_York",
    "currency": "USD",
}


def test_create_tenant_answers_201_with_the_stored_tenant(client: TestClient, clock: Clock) -> None:
    response = client.post("/v1/tenants", json=CONTOSO)

    assert response.status_code == 201, response.text
    body = response.json()
    assert {key: body[key] for key in CONTOSO} == CONTOSO
    # Created at the clock's now, 2026-12-05T12:00Z.
    assert instant(body["created_at"]) == clock.now
    assert set(body) == {"id", "name", "timezone", "currency", "created_at"}


def test_create_tenant_with_an_existing_id_is_409_and_keeps_the_first(client: TestClient) -> None:
    create_tenant(client, "contoso", timezone="America/New_York")

    response = client.post(
        "/v1/tenants",
        json={"id": "contoso", "name": "Impostor", "timezone": "UTC", "currency": "EUR"},
    )

    body = assert_problem(response, 409)
    assert "contoso" in body["detail"]
    stored = client.get("/v1/tenants/contoso").json()
    assert stored["name"] == "Contoso"
    assert stored["timezone"] == "America/New_York"
    assert stored["currency"] == "USD"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        pytest.param("id", "Contoso_Ltd", id="slug-with-capitals-and-underscore"),
        pytest.param("id", "-contoso", id="slug-starting-with-dash"),
        pytest.param("timezone", "Mars/Olympus_Mons", id="unknown-timezone"),
        pytest.param("currency", "XYZ", id="unknown-currency"),
    ],
)
def test_create_tenant_refuses_a_bad_field_naming_it_and_its_value(
    client: TestClient, field: str, value: str
) -> None:
    response = client.post("/v1/tenants", json={**CONTOSO, field: value})

    assert_invalid(response, ["body", field], value)
    assert client.get("/v1/tenants").json()["items"] == []


def test_create_tenant_refuses_an_unknown_field(client: TestClient) -> None:
    response = client.post("/v1/tenants", json={**CONTOSO, "colour": "mauve"})

    assert_invalid(response, ["body", "colour"], "mauve")
    assert client.get("/v1/tenants").json()["items"] == []


def test_get_tenant_reads_it_back(client: TestClient) -> None:
    created = client.post("/v1/tenants", json=CONTOSO).json()

    response = client.get("/v1/tenants/contoso")

    assert response.status_code == 200
    assert response.json() == created


def test_get_unknown_tenant_is_404_problem(client: TestClient) -> None:
    create_tenant(client, "contoso")

    body = assert_problem(client.get("/v1/tenants/fabrikam"), 404)

    assert "fabrikam" in body["detail"]


def _page(client: TestClient, **params: Any) -> tuple[list[str], str | None]:
    response = client.get("/v1/tenants", params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    return [item["id"] for item in body["items"]], body["next_cursor"]


@pytest.fixture
def five_tenants(client: TestClient) -> list[str]:
    # Created out of order: the list is by id.
    for tenant_id in ("echo", "alpha", "delta", "bravo", "charlie"):
        create_tenant(client, tenant_id)
    return ["alpha", "bravo", "charlie", "delta", "echo"]


def test_list_tenants_by_id_in_one_page(client: TestClient, five_tenants: list[str]) -> None:
    assert _page(client) == (five_tenants, None)
    # A limit equal to the count leaves nothing for a next page.
    assert _page(client, limit=5) == (five_tenants, None)


def test_list_tenants_walks_every_page_with_next_cursor(
    client: TestClient, five_tenants: list[str]
) -> None:
    first, cursor = _page(client, limit=2)
    assert first == ["alpha", "bravo"]
    assert cursor is not None

    second, cursor = _page(client, limit=2, cursor=cursor)
    assert second == ["charlie", "delta"]
    assert cursor is not None

    third, cursor = _page(client, limit=2, cursor=cursor)
    assert third == ["echo"]
    assert cursor is None


def test_list_tenants_refuses_a_cursor_it_did_not_give_out(client: TestClient) -> None:
    create_tenant(client, "alpha")

    response = client.get("/v1/tenants", params={"cursor": "not-a-cursor"})

    assert_invalid(response, ["query", "cursor"], "not-a-cursor")


@pytest.mark.parametrize("limit", ["0", "501"])
def test_list_tenants_refuses_a_limit_outside_1_to_500(client: TestClient, limit: str) -> None:
    response = client.get("/v1/tenants", params={"limit": limit})

    assert_invalid(response, ["query", "limit"], limit)


@pytest.mark.parametrize("limit", ["1", "500"])
def test_list_tenants_accepts_the_limits_1_and_500(client: TestClient, limit: str) -> None:
    create_tenant(client, "alpha")

    response = client.get("/v1/tenants", params={"limit": limit})

    assert response.status_code == 200
    assert [item["id"] for item in response.json()["items"]] == ["alpha"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/tenants"),
        ("GET", "/v1/tenants/contoso"),
        ("POST", "/v1/tenants"),
    ],
)
def test_no_api_key_is_401_with_www_authenticate(
    client: TestClient, method: str, path: str
) -> None:
    create_tenant(client, "contoso")
    del client.headers["X-API-Key"]

    response = client.request(method, path, json=CONTOSO if method == "POST" else None)

    assert_problem(response, 401)
    assert "www-authenticate" in response.headers
    assert "X-API-Key" in response.headers["www-authenticate"]


def test_a_wrong_api_key_is_401_with_www_authenticate(client: TestClient) -> None:
    create_tenant(client, "contoso")

    response = client.get("/v1/tenants/contoso", headers={"X-API-Key": "not-the-admin-key"})

    assert_problem(response, 401)
    assert "X-API-Key" in response.headers["www-authenticate"]


def test_a_wrong_api_key_cannot_create_a_tenant(client: TestClient) -> None:
    response = client.post("/v1/tenants", json=CONTOSO, headers={"X-API-Key": "guess"})

    assert_problem(response, 401)
    assert "www-authenticate" in response.headers
    assert client.get("/v1/tenants").json()["items"] == []
