"""Subscriptions over HTTP: PUT creates (201) then changes terms (200), the list, and the
checks on policy and fee (the currency's minor unit, never negative)."""

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from tests.api.scenario import assert_invalid, assert_problem, create_tenant, instant
from tests.conftest import Clock


def test_subscribe_is_201_then_changing_terms_is_200(client: TestClient, clock: Clock) -> None:
    create_tenant(client, "contoso", timezone="America/New_York")
    subscribed_at = clock.now

    first = client.put(
        "/v1/tenants/contoso/services/exchange-online",
        json={"policy_id": "microsoft-365", "monthly_fee": "1200"},
    )

    assert first.status_code == 201, first.text
    body = first.json()
    assert body["tenant_id"] == "contoso"
    assert body["service_id"] == "exchange-online"
    assert body["policy_id"] == "microsoft-365"
    # Money shows the currency's minor unit: 1200 USD → "1200.00".
    assert body["monthly_fee"] == "1200.00"
    assert body["users"] is None
    assert instant(body["created_at"]) == subscribed_at
    assert instant(body["updated_at"]) == subscribed_at

    clock.now = subscribed_at + timedelta(days=1)
    second = client.put(
        "/v1/tenants/contoso/services/exchange-online",
        json={"policy_id": "aws-ec2", "monthly_fee": "99.5", "users": 250},
    )

    assert second.status_code == 200, second.text
    changed = second.json()
    assert changed["policy_id"] == "aws-ec2"
    assert changed["monthly_fee"] == "99.50"
    assert changed["users"] == 250
    assert instant(changed["created_at"]) == subscribed_at
    assert instant(changed["updated_at"]) == subscribed_at + timedelta(days=1)

    listed = client.get("/v1/tenants/contoso/services").json()
    assert listed == {"items": [changed], "next_cursor": None}


def test_list_services_by_id(client: TestClient) -> None:
    create_tenant(client, "contoso")
    create_tenant(client, "fabrikam")
    for service_id, policy_id, fee in (
        ("teams", "microsoft-365", "800.00"),
        ("exchange-online", "microsoft-365", "1200.00"),
        ("gmail", "google-workspace", "60.00"),
    ):
        response = client.put(
            f"/v1/tenants/contoso/services/{service_id}",
            json={"policy_id": policy_id, "monthly_fee": fee},
        )
        assert response.status_code == 201, response.text
    client.put(
        "/v1/tenants/fabrikam/services/ec2",
        json={"policy_id": "aws-ec2", "monthly_fee": "10.00"},
    )

    response = client.get("/v1/tenants/contoso/services")

    assert response.status_code == 200
    assert [
        (s["service_id"], s["policy_id"], s["monthly_fee"]) for s in response.json()["items"]
    ] == [
        ("exchange-online", "microsoft-365", "1200.00"),
        ("gmail", "google-workspace", "60.00"),
        ("teams", "microsoft-365", "800.00"),
    ]
    assert {s["tenant_id"] for s in response.json()["items"]} == {"contoso"}
    assert client.get("/v1/tenants/fabrikam/services").json()["items"][0]["service_id"] == "ec2"


def test_list_services_of_a_tenant_with_none_is_empty(client: TestClient) -> None:
    create_tenant(client, "contoso")

    response = client.get("/v1/tenants/contoso/services")

    assert response.status_code == 200
    assert response.json() == {"items": [], "next_cursor": None}


def test_subscribe_to_an_unknown_policy_is_refused(client: TestClient) -> None:
    create_tenant(client, "contoso")

    response = client.put(
        "/v1/tenants/contoso/services/exchange-online",
        json={"policy_id": "microsoft-356", "monthly_fee": "1200.00"},
    )

    assert_invalid(response, ["body", "policy_id"], "microsoft-356")
    assert client.get("/v1/tenants/contoso/services").json()["items"] == []


def test_subscribe_to_a_custom_policy(client: TestClient) -> None:
    create_tenant(client, "contoso")
    created = client.post(
        "/v1/policies",
        json={
            "id": "acme-gold",
            "name": "Acme Gold",
            "target_percent": "99.5",
            "tiers": [{"below_percent": "99.5", "credit_percent": "10"}],
        },
    )
    assert created.status_code == 201, created.text

    response = client.put(
        "/v1/tenants/contoso/services/crm",
        json={"policy_id": "acme-gold", "monthly_fee": "10.00"},
    )

    assert response.status_code == 201, response.text
    assert response.json()["policy_id"] == "acme-gold"


@pytest.mark.parametrize(
    ("currency", "fee"),
    [
        pytest.param("USD", "12.345", id="usd-three-decimals"),
        pytest.param("JPY", "100.5", id="jpy-any-decimal"),
        pytest.param("USD", "-5.00", id="negative"),
        pytest.param("JPY", "-1", id="negative-yen"),
    ],
)
def test_a_fee_the_currency_cannot_hold_is_refused(
    client: TestClient, currency: str, fee: str
) -> None:
    create_tenant(client, "contoso", currency=currency)

    response = client.put(
        "/v1/tenants/contoso/services/exchange-online",
        json={"policy_id": "microsoft-365", "monthly_fee": fee},
    )

    assert_invalid(response, ["body", "monthly_fee"], fee)
    assert client.get("/v1/tenants/contoso/services").json()["items"] == []


@pytest.mark.parametrize(
    ("currency", "fee", "shown"),
    [
        pytest.param("USD", "12.34", "12.34", id="usd-cents"),
        pytest.param("USD", "0", "0.00", id="usd-free"),
        pytest.param("JPY", "10002", "10002", id="jpy-whole-yen"),
    ],
)
def test_a_fee_in_the_currencys_minor_unit_is_kept(
    client: TestClient, currency: str, fee: str, shown: str
) -> None:
    create_tenant(client, "contoso", currency=currency)

    response = client.put(
        "/v1/tenants/contoso/services/exchange-online",
        json={"policy_id": "microsoft-365", "monthly_fee": fee},
    )

    assert response.status_code == 201, response.text
    assert response.json()["monthly_fee"] == shown


def test_a_fee_as_a_json_number_is_refused(client: TestClient) -> None:
    create_tenant(client, "contoso")

    response = client.put(
        "/v1/tenants/contoso/services/exchange-online",
        json={"policy_id": "microsoft-365", "monthly_fee": 1200.5},
    )

    assert_invalid(response, ["body", "monthly_fee"], 1200.5)
    assert client.get("/v1/tenants/contoso/services").json()["items"] == []


def test_a_refused_change_keeps_the_old_terms(client: TestClient) -> None:
    create_tenant(client, "contoso")
    client.put(
        "/v1/tenants/contoso/services/exchange-online",
        json={"policy_id": "microsoft-365", "monthly_fee": "1200.00"},
    )

    response = client.put(
        "/v1/tenants/contoso/services/exchange-online",
        json={"policy_id": "aws-ec2", "monthly_fee": "0.001"},
    )

    assert_invalid(response, ["body", "monthly_fee"], "0.001")
    (stored,) = client.get("/v1/tenants/contoso/services").json()["items"]
    assert (stored["policy_id"], stored["monthly_fee"]) == ("microsoft-365", "1200.00")


def test_subscribe_for_an_unknown_tenant_is_404(client: TestClient) -> None:
    create_tenant(client, "contoso")

    response = client.put(
        "/v1/tenants/fabrikam/services/exchange-online",
        json={"policy_id": "microsoft-365", "monthly_fee": "1200.00"},
    )

    body = assert_problem(response, 404)
    assert "fabrikam" in body["detail"]


def test_list_services_of_an_unknown_tenant_is_404(client: TestClient) -> None:
    body = assert_problem(client.get("/v1/tenants/fabrikam/services"), 404)

    assert "fabrikam" in body["detail"]


def test_the_services_list_is_a_page_like_every_list(client: TestClient) -> None:
    create_tenant(client, "contoso")
    for service_id in ("teams", "exchange-online", "gmail"):
        subscribe = client.put(
            f"/v1/tenants/contoso/services/{service_id}",
            json={"policy_id": "microsoft-365", "monthly_fee": "10.00"},
        )
        assert subscribe.status_code == 201, subscribe.text

    first = client.get("/v1/tenants/contoso/services", params={"limit": 2}).json()
    rest = client.get(
        "/v1/tenants/contoso/services", params={"limit": 2, "cursor": first["next_cursor"]}
    ).json()

    # By id: exchange-online, gmail on the first page of two; teams alone on the last.
    assert [s["service_id"] for s in first["items"]] == ["exchange-online", "gmail"]
    assert first["next_cursor"] is not None
    assert ([s["service_id"] for s in rest["items"]], rest["next_cursor"]) == (["teams"], None)


def test_a_services_cursor_the_api_did_not_give_out_is_refused(client: TestClient) -> None:
    create_tenant(client, "contoso")

    response = client.get("/v1/tenants/contoso/services", params={"cursor": "bm90LWpzb24"})

    assert_invalid(response, ["query", "cursor"], "bm90LWpzb24")
