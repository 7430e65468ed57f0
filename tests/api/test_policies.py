"""Policies over HTTP: the built-ins with the providers' numbers, custom policies with
their defaults, conflicts, and validation of tiers, claim windows and decimal strings."""

from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.sla.policies import BUILTIN_POLICIES
from tests.api.scenario import assert_invalid, assert_problem, error_at, quotes

ACME_GOLD: dict[str, Any] = {
    "id": "acme-gold",
    "name": "Acme Gold",
    "target_percent": "99.9",
    "tiers": [
        {"below_percent": "99.9", "credit_percent": "10"},
        {"below_percent": "99", "credit_days": "7"},
    ],
}


def _tiers(*rows: tuple[str, str], days: bool = False) -> list[dict[str, str | None]]:
    credit, other = ("credit_days", "credit_percent") if days else ("credit_percent", "credit_days")
    return [{"below_percent": below, credit: value, other: None} for below, value in rows]


# SLA-RULES "Built-in policies": the providers' published numbers.
BUILTINS: dict[str, dict[str, Any]] = {
    "microsoft-365": {
        "target_percent": "99.9",
        "tiers": _tiers(("99.9", "25"), ("99", "50"), ("95", "100")),
        "claim_window": "P1M",
        "exclude_maintenance": True,
        "credit_cap_percent": "100",
        "credit_cap_days": None,
        "measurement_timezone": "UTC",
    },
    "aws-ec2": {
        "target_percent": "99.99",
        "tiers": _tiers(("99.99", "10"), ("99", "30"), ("95", "100")),
        "claim_window": "P2M",
        "exclude_maintenance": False,
        "measurement_timezone": "UTC",
    },
    "google-workspace": {
        "target_percent": "99.9",
        "tiers": _tiers(("99.9", "3"), ("99", "7"), ("95", "15"), days=True),
        "claim_window": "P30D",
        "credit_cap_days": "15",
        "min_downtime_minutes": "0",
        "exclude_maintenance": False,
        "measurement_timezone": "UTC",
    },
    "azure-vm-zones": {
        "target_percent": "99.99",
        "tiers": _tiers(("99.99", "10"), ("99", "25"), ("95", "100")),
        "claim_window": "P2M",
        "exclude_maintenance": False,
        "measurement_timezone": "UTC",
    },
}


def _same_decimal(left: str | None, right: str | None) -> bool:
    """ "99.0" and "99" are the same threshold; only the value is the contract."""
    if left is None or right is None:
        return left is right
    return Decimal(left) == Decimal(right)


def _assert_policy(body: dict[str, Any], expected: dict[str, Any]) -> None:
    for key, value in expected.items():
        if key == "tiers":
            assert len(body["tiers"]) == len(value), body["tiers"]
            # Order of tiers is not the contract; compare by threshold.
            got = sorted(body["tiers"], key=lambda tier: float(tier["below_percent"]))
            want = sorted(value, key=lambda tier: float(tier["below_percent"]))
            for got_tier, want_tier in zip(got, want, strict=True):
                for field in ("below_percent", "credit_percent", "credit_days"):
                    assert _same_decimal(got_tier[field], want_tier[field]), (got_tier, want_tier)
        elif isinstance(value, str) and key.endswith(("_percent", "_days", "_minutes")):
            assert _same_decimal(body[key], value), (key, body[key], value)
        else:
            assert body[key] == value, (key, body[key], value)


def test_list_policies_holds_the_four_builtins_with_their_numbers(client: TestClient) -> None:
    response = client.get("/v1/policies")

    assert response.status_code == 200
    by_id = {policy["id"]: policy for policy in response.json()["items"]}
    assert set(BUILTINS) <= set(by_id)
    for policy_id, expected in BUILTINS.items():
        _assert_policy(by_id[policy_id], expected)


@pytest.mark.parametrize("policy_id", sorted(BUILTINS))
def test_get_builtin_policy_by_id(client: TestClient, policy_id: str) -> None:
    response = client.get(f"/v1/policies/{policy_id}")

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == policy_id
    _assert_policy(body, BUILTINS[policy_id])


def test_get_unknown_policy_is_404(client: TestClient) -> None:
    body = assert_problem(client.get("/v1/policies/no-such-policy"), 404)

    assert "no-such-policy" in body["detail"]


def test_create_custom_policy_fills_the_defaults(client: TestClient) -> None:
    response = client.post("/v1/policies", json=ACME_GOLD)

    assert response.status_code == 201, response.text
    body = response.json()
    # API.md "A policy": only id, name, target_percent and tiers are required.
    assert body["id"] == "acme-gold"
    assert body["name"] == "Acme Gold"
    assert body["target_percent"] == "99.9"
    assert body["tiers"] == [
        {"below_percent": "99.9", "credit_percent": "10", "credit_days": None},
        {"below_percent": "99", "credit_percent": None, "credit_days": "7"},
    ]
    assert body["measurement_timezone"] == "UTC"
    assert body["min_downtime_minutes"] == "0"
    assert body["exclude_maintenance"] is True
    assert body["claim_window"] == "P1M"
    assert body["credit_cap_percent"] == "100"
    assert body["credit_cap_days"] is None

    assert client.get("/v1/policies/acme-gold").json() == body
    listed = {policy["id"]: policy for policy in client.get("/v1/policies").json()["items"]}
    assert listed["acme-gold"] == body


def test_create_custom_policy_keeps_the_optional_fields_given(client: TestClient) -> None:
    response = client.post(
        "/v1/policies",
        json={
            **ACME_GOLD,
            "id": "gmail-partner",
            "measurement_timezone": "tenant",
            "min_downtime_minutes": "10",
            "exclude_maintenance": False,
            "claim_window": "P30D",
            "credit_cap_percent": "50",
            "credit_cap_days": "15",
            "source": "https://example.com/sla",
        },
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["measurement_timezone"] == "tenant"
    assert body["min_downtime_minutes"] == "10"
    assert body["exclude_maintenance"] is False
    assert body["claim_window"] == "P30D"
    assert body["credit_cap_percent"] == "50"
    assert body["credit_cap_days"] == "15"
    assert body["source"] == "https://example.com/sla"
    assert client.get("/v1/policies/gmail-partner").json() == body


def test_a_builtin_policy_cannot_be_overwritten(client: TestClient) -> None:
    response = client.post(
        "/v1/policies",
        json={
            "id": "microsoft-365",
            "name": "Cheaper",
            "target_percent": "90",
            "tiers": [{"below_percent": "90", "credit_percent": "1"}],
        },
    )

    body = assert_problem(response, 409)
    assert "microsoft-365" in body["detail"]
    stored = client.get("/v1/policies/microsoft-365").json()
    _assert_policy(stored, BUILTINS["microsoft-365"])


def test_an_existing_custom_policy_cannot_be_overwritten(client: TestClient) -> None:
    assert client.post("/v1/policies", json=ACME_GOLD).status_code == 201

    response = client.post(
        "/v1/policies",
        json={
            **ACME_GOLD,
            "name": "Acme Gold, cheaper",
            "target_percent": "99",
            "tiers": [{"below_percent": "99", "credit_percent": "5"}],
        },
    )

    body = assert_problem(response, 409)
    assert "acme-gold" in body["detail"]
    stored = client.get("/v1/policies/acme-gold").json()
    assert stored["name"] == "Acme Gold"
    assert stored["target_percent"] == "99.9"


def _create(client: TestClient, **changes: Any) -> Any:
    return client.post("/v1/policies", json={**ACME_GOLD, **changes})


def _nothing_stored(client: TestClient) -> None:
    assert {policy["id"] for policy in client.get("/v1/policies").json()["items"]} == set(BUILTINS)


def test_a_tier_above_the_target_is_refused(client: TestClient) -> None:
    response = _create(
        client,
        tiers=[
            {"below_percent": "99.9", "credit_percent": "10"},
            {"below_percent": "99.95", "credit_percent": "5"},
        ],
    )

    assert_invalid(response, ["body", "tiers", 1, "below_percent"], "99.95")
    _nothing_stored(client)


def test_a_tier_with_both_credit_percent_and_credit_days_is_refused(client: TestClient) -> None:
    response = _create(
        client,
        tiers=[{"below_percent": "99.9", "credit_percent": "10", "credit_days": "3"}],
    )

    msg = error_at(response, ["body", "tiers", 0])
    assert "credit_percent" in msg and "credit_days" in msg
    # API.md: msg quotes the offending value; here the two credits given.
    assert quotes(msg, "10") or quotes(msg, "3"), msg
    _nothing_stored(client)


def test_a_tier_with_neither_credit_is_refused(client: TestClient) -> None:
    response = _create(client, tiers=[{"below_percent": "99.9"}])

    msg = error_at(response, ["body", "tiers", 0])
    assert "credit_percent" in msg and "credit_days" in msg
    _nothing_stored(client)


@pytest.mark.parametrize("claim_window", ["one month", "1M", "P0D"])
def test_a_bad_claim_window_is_refused(client: TestClient, claim_window: str) -> None:
    response = _create(client, claim_window=claim_window)

    assert_invalid(response, ["body", "claim_window"], claim_window)
    _nothing_stored(client)


def test_a_json_number_for_target_percent_is_refused(client: TestClient) -> None:
    # 99.9 as a JSON number has been through a binary float: refused, not rounded.
    response = _create(client, target_percent=99.9)

    assert_invalid(response, ["body", "target_percent"], 99.9)
    _nothing_stored(client)


def test_a_json_number_inside_a_tier_is_refused(client: TestClient) -> None:
    response = _create(client, tiers=[{"below_percent": "99.9", "credit_percent": 25}])

    assert_invalid(response, ["body", "tiers", 0, "credit_percent"], 25)
    _nothing_stored(client)


def test_a_non_decimal_string_is_refused(client: TestClient) -> None:
    response = _create(client, target_percent="99.9%")

    assert_invalid(response, ["body", "target_percent"], "99.9%")
    _nothing_stored(client)


def test_several_policy_errors_are_reported_at_once(client: TestClient) -> None:
    response = _create(
        client,
        claim_window="soon",
        tiers=[
            {"below_percent": "99.9", "credit_percent": "10"},
            {"below_percent": "100", "credit_percent": "20"},
        ],
    )

    assert_invalid(response, ["body", "claim_window"], "soon")
    assert_invalid(response, ["body", "tiers", 1, "below_percent"], "100")
    _nothing_stored(client)


def test_the_policies_list_is_a_page_built_ins_first_then_custom_by_id(
    client: TestClient,
) -> None:
    for policy_id in ("zeta-gold", "alpha-gold"):
        assert _create(client, id=policy_id).status_code == 201
    everything = client.get("/v1/policies").json()
    assert everything["next_cursor"] is None

    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, str | int] = {"limit": 2}
        if cursor is not None:
            params["cursor"] = cursor
        page = client.get("/v1/policies", params=params).json()
        assert len(page["items"]) <= 2
        seen += [policy["id"] for policy in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break

    # The built-ins in their own order, then alpha-gold before zeta-gold: the same order
    # page by page as in one answer, each policy once; 4 + 2 policies make 3 pages of 2.
    assert seen == [policy["id"] for policy in everything["items"]]
    assert seen[: len(BUILTINS)] == list(BUILTIN_POLICIES)
    assert seen[len(BUILTINS) :] == ["alpha-gold", "zeta-gold"]
    assert pages == 3
