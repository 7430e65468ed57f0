"""Claims: draft → filed → granted or denied (or withdrawn), only for a closed line with a
credit, filed until the deadline's day ends in the measurement zone, every move audited.

November 2026 (43200 UTC minutes), one hour down on each service with an outage:
100 − 6000/43200 = 99.8611 %. The clock reads 2026-12-05T12:00Z unless moved.
"""

import pytest
from fastapi.testclient import TestClient

from tests.api.scenario import (
    Json,
    as_key,
    assert_invalid,
    assert_problem,
    create_tenant,
    make_key,
    report,
    store_outages,
    subscribe,
    utc,
    window,
)
from tests.conftest import Clock

EXO = "exchange-online"
CLAIMS = "/v1/tenants/contoso/claims"


@pytest.fixture
def closed_november(client: TestClient) -> None:
    create_tenant(client, "contoso")
    # 99.8611: microsoft-365 25 % of 1234.56 = 308.64; aws-ec2 10 % of 500.00 = 50.00;
    # docs had no outage: 100 %, no credit.
    subscribe(client, "contoso", EXO, "microsoft-365", "1234.56")
    subscribe(client, "contoso", "vm", "aws-ec2", "500.00")
    subscribe(client, "contoso", "docs", "google-workspace", "300.00")
    for service_id in (EXO, "vm"):
        store_outages(
            client, "contoso", window(service_id, "2026-11-10T10:00:00Z", "2026-11-10T11:00:00Z")
        )
    closed = client.post("/v1/tenants/contoso/reports/2026-11/close")
    assert closed.status_code == 201, closed.text


def _claim(client: TestClient, service_id: str = EXO, month: str = "2026-11") -> Json:
    response = client.post(CLAIMS, json={"service_id": service_id, "month": month})
    assert response.status_code == 201, response.text
    body: Json = response.json()
    return body


def _move(client: TestClient, claim_id: int, **body: object) -> Json:
    response = client.patch(f"{CLAIMS}/{claim_id}", json=body)
    assert response.status_code == 200, response.text
    result: Json = response.json()
    return result


def _status_in_report(client: TestClient, service_id: str) -> tuple[int | None, str | None]:
    (line,) = [
        line for line in report(client, "contoso")["services"] if line["service_id"] == service_id
    ]
    return line["claim_id"], line["claim_status"]


def test_a_claim_through_filed_to_granted(
    client: TestClient, closed_november: None, clock: Clock
) -> None:
    _, finance = make_key(client, "finance")
    created = client.post(
        CLAIMS, json={"service_id": EXO, "month": "2026-11"}, headers=as_key(finance)
    )
    assert created.status_code == 201, created.text
    draft = created.json()
    assert draft["status"] == "draft"
    # The closed line's credit, deadline (1 Dec + P1M = 1 Jan → 31 Dec) and zone.
    assert (draft["credit_amount"], draft["currency"]) == ("308.64", "USD")
    assert (draft["claim_deadline"], draft["measurement_timezone"]) == ("2026-12-31", "UTC")
    assert _status_in_report(client, EXO) == (draft["id"], "draft")

    clock.now = utc(2026, 12, 10)
    filed = client.patch(
        f"{CLAIMS}/{draft['id']}",
        json={"status": "filed", "provider_reference": "MS-CASE-123"},
        headers=as_key(finance),
    )
    assert filed.status_code == 200, filed.text
    assert filed.json()["status"] == "filed"
    assert filed.json()["provider_reference"] == "MS-CASE-123"
    assert filed.json()["filed_at"] == "2026-12-10T00:00:00+00:00"

    clock.now = utc(2027, 2, 3)
    # Decided after the deadline is fine: only filing is bound by it. The amount is
    # shown in the currency's minor unit.
    granted = _move(client, draft["id"], status="granted", credited_amount="308.6")
    assert (granted["status"], granted["credited_amount"]) == ("granted", "308.60")
    assert granted["decided_at"] == "2027-02-03T00:00:00+00:00"
    assert _status_in_report(client, EXO) == (draft["id"], "granted")

    events = client.get("/v1/audit", params={"entity": "claim", "tenant_id": "contoso"}).json()[
        "items"
    ]
    assert [e["action"] for e in events] == ["create", "file", "grant"]
    assert [e["after"]["status"] for e in events] == ["draft", "filed", "granted"]
    assert events[2]["before"]["status"] == "filed"
    assert events[0]["actor_key_id"] != "bootstrap"


def test_a_claim_filed_then_denied(client: TestClient, closed_november: None) -> None:
    claim = _claim(client, "vm")
    assert claim["credit_amount"] == "50.00"
    _move(client, claim["id"], status="filed", provider_reference="AWS-77")

    denied = _move(client, claim["id"], status="denied", reason="outside the region")

    assert (denied["status"], denied["reason"]) == ("denied", "outside the region")
    assert _status_in_report(client, "vm") == (claim["id"], "denied")


def test_withdrawn_claims_make_room_for_a_new_one(
    client: TestClient, closed_november: None
) -> None:
    first = _claim(client)
    assert_problem(client.post(CLAIMS, json={"service_id": EXO, "month": "2026-11"}), 409)

    _move(client, first["id"], status="withdrawn")
    second = _claim(client)
    _move(client, second["id"], status="filed", provider_reference="X-1")
    withdrawn = _move(client, second["id"], status="withdrawn", reason="settled directly")

    assert withdrawn["reason"] == "settled directly"
    third = _claim(client)
    assert third["id"] not in (first["id"], second["id"])
    assert _status_in_report(client, EXO) == (third["id"], "draft")


@pytest.mark.parametrize(
    ("path", "body"),
    [
        # draft: only filed or withdrawn
        pytest.param([], {"status": "granted", "credited_amount": "1.00"}, id="draft-granted"),
        pytest.param([], {"status": "denied", "reason": "no"}, id="draft-denied"),
        # filed: not filed again
        pytest.param(
            [{"status": "filed", "provider_reference": "A"}],
            {"status": "filed", "provider_reference": "B"},
            id="filed-filed",
        ),
        # decisions are final
        pytest.param(
            [
                {"status": "filed", "provider_reference": "A"},
                {"status": "granted", "credited_amount": "1.00"},
            ],
            {"status": "withdrawn"},
            id="granted-withdrawn",
        ),
        pytest.param(
            [{"status": "filed", "provider_reference": "A"}, {"status": "denied", "reason": "n"}],
            {"status": "filed", "provider_reference": "B"},
            id="denied-filed",
        ),
        pytest.param([{"status": "withdrawn"}], {"status": "withdrawn"}, id="withdrawn-withdrawn"),
    ],
)
def test_illegal_moves_are_refused(
    client: TestClient, closed_november: None, path: list[Json], body: Json
) -> None:
    claim = _claim(client)
    for step in path:
        _move(client, claim["id"], **step)
    before = client.get("/v1/claims").json()["items"]

    refused = client.patch(f"{CLAIMS}/{claim['id']}", json=body)

    assert_problem(refused, 409)
    assert client.get("/v1/claims").json()["items"] == before


@pytest.mark.parametrize(
    ("body", "loc", "value"),
    [
        pytest.param({"status": "filed"}, "provider_reference", None, id="filed-without-reference"),
        pytest.param(
            {"status": "filed", "provider_reference": "A", "reason": "r"},
            "reason",
            None,
            id="filed-with-reason",
        ),
        pytest.param(
            {"status": "granted", "credited_amount": "308.641"},
            "credited_amount",
            "308.641",
            id="more-decimals-than-cents",
        ),
        pytest.param(
            {"status": "granted", "credited_amount": "0"}, "credited_amount", "0", id="zero"
        ),
        pytest.param({"status": "denied"}, "reason", None, id="denied-without-reason"),
        pytest.param(
            {"status": "withdrawn", "provider_reference": "A"},
            "provider_reference",
            None,
            id="withdrawn-with-reference",
        ),
    ],
)
def test_each_move_takes_its_own_fields(
    client: TestClient, closed_november: None, body: Json, loc: str, value: str | None
) -> None:
    claim = _claim(client)
    if body["status"] in ("granted", "denied"):
        _move(client, claim["id"], status="filed", provider_reference="A")

    refused = client.patch(f"{CLAIMS}/{claim['id']}", json=body)

    if value is None:
        assert_problem(refused, 422)
        assert any(e["loc"] == ["body", loc] for e in refused.json()["errors"])
    else:
        assert_invalid(refused, ["body", loc], value)


# Refusals


def test_a_claim_needs_a_credit(client: TestClient, closed_november: None) -> None:
    refused = client.post(CLAIMS, json={"service_id": "docs", "month": "2026-11"})

    assert "no credit" in assert_problem(refused, 409)["detail"]
    assert client.get("/v1/claims").json()["items"] == []


def test_a_claim_needs_a_closed_month(client: TestClient, closed_november: None) -> None:
    store_outages(client, "contoso", window(EXO, "2026-10-10T10:00:00Z", "2026-10-10T11:00:00Z"))

    refused = client.post(CLAIMS, json={"service_id": EXO, "month": "2026-10"})

    assert "not closed" in assert_problem(refused, 409)["detail"]


def test_a_claim_needs_a_line_and_a_month(client: TestClient, closed_november: None) -> None:
    assert_invalid(
        client.post(CLAIMS, json={"service_id": "teams", "month": "2026-11"}),
        ["body", "service_id"],
        "teams",
    )
    assert_invalid(
        client.post(CLAIMS, json={"service_id": EXO, "month": "2026-13"}),
        ["body", "month"],
        "2026-13",
    )


def test_filing_ends_with_the_deadline_day(
    client: TestClient, closed_november: None, clock: Clock
) -> None:
    exo, vm = _claim(client), _claim(client, "vm")

    # microsoft-365, P1M: 1 Dec + 1 month = 1 Jan → deadline 31 Dec (UTC); its last
    # second is in time.
    clock.now = utc(2026, 12, 31, 23, 59, 59)
    assert _move(client, exo["id"], status="filed", provider_reference="MS-1")["status"] == (
        "filed"
    )
    # aws-ec2, P2M: 1 Dec + 2 months = 1 Feb → deadline 31 Jan, whose day ends at
    # 1 Feb 00:00Z: then filing, and a new draft, are too late.
    clock.now = utc(2027, 2, 1)
    refused = client.patch(
        f"{CLAIMS}/{vm['id']}", json={"status": "filed", "provider_reference": "AWS-1"}
    )
    assert "2027-01-31" in assert_problem(refused, 409)["detail"]
    # Withdrawing still works; claiming again does not.
    _move(client, vm["id"], status="withdrawn")
    assert_problem(client.post(CLAIMS, json={"service_id": "vm", "month": "2026-11"}), 409)
    (line,) = [line for line in report(client, "contoso")["services"] if line["service_id"] == "vm"]
    assert (line["claim_deadline"], line["claim_open"]) == ("2027-01-31", False)


def test_the_deadline_day_ends_in_the_measurement_zone(client: TestClient, clock: Clock) -> None:
    create_tenant(client, "nyc", timezone="America/New_York")
    created = client.post(
        "/v1/policies",
        json={
            "id": "ny-local",
            "name": "New York local",
            "target_percent": "99.9",
            "tiers": [{"below_percent": "99.9", "credit_percent": "10"}],
            "measurement_timezone": "tenant",
        },
    )
    assert created.status_code == 201
    subscribe(client, "nyc", "crm", "ny-local", "1000.00")
    store_outages(client, "nyc", window("crm", "2026-11-10T12:00:00Z", "2026-11-10T13:00:00Z"))
    assert client.post("/v1/tenants/nyc/reports/2026-11/close").status_code == 201
    path = "/v1/tenants/nyc/claims"
    first = client.post(path, json={"service_id": "crm", "month": "2026-11"}).json()
    # 1 Dec 00:00 EST + P1M = 1 Jan 00:00 EST → deadline 31 Dec in New York, whose day
    # ends at 1 Jan 00:00 EST = 05:00Z.
    assert (first["claim_deadline"], first["measurement_timezone"]) == (
        "2026-12-31",
        "America/New_York",
    )

    clock.now = utc(2027, 1, 1, 4, 59, 59)
    in_time = client.patch(
        f"{path}/{first['id']}", json={"status": "filed", "provider_reference": "NY-1"}
    )
    assert in_time.status_code == 200, in_time.text
    client.patch(f"{path}/{first['id']}", json={"status": "withdrawn"})
    second = client.post(path, json={"service_id": "crm", "month": "2026-11"}).json()
    clock.now = utc(2027, 1, 1, 5)
    assert_problem(
        client.patch(f"{path}/{second['id']}", json={"status": "filed", "provider_reference": "2"}),
        409,
    )
    # The report says so too.
    (line,) = report(client, "nyc")["services"]
    assert line["claim_open"] is False


def test_another_tenants_claim_is_not_found(client: TestClient, closed_november: None) -> None:
    claim = _claim(client)
    create_tenant(client, "fabrikam")
    subscribe(client, "fabrikam", "mail", "microsoft-365", "100.00")
    assert client.post("/v1/tenants/fabrikam/reports/2026-11/close").status_code == 201
    _, fabrikam_key = make_key(client, "tenant", "fabrikam")
    _, contoso_key = make_key(client, "tenant", "contoso")

    # The claim through another tenant's path, and a claim on contoso's line made with
    # fabrikam's key: both not found.
    elsewhere = client.patch(
        f"/v1/tenants/fabrikam/claims/{claim['id']}",
        json={"status": "filed", "provider_reference": "A"},
    )
    by_fabrikam = client.post(
        CLAIMS, json={"service_id": "vm", "month": "2026-11"}, headers=as_key(fabrikam_key)
    )
    # Fabrikam's own path with contoso's service: fabrikam has no such line.
    wrong_line = client.post(
        "/v1/tenants/fabrikam/claims", json={"service_id": "vm", "month": "2026-11"}
    )

    assert_problem(elsewhere, 404)
    assert_problem(by_fabrikam, 404)
    assert_invalid(wrong_line, ["body", "service_id"], "vm")
    # A tenant key sees its own tenant but may not move claims.
    assert_problem(
        client.post(
            CLAIMS, json={"service_id": "vm", "month": "2026-11"}, headers=as_key(contoso_key)
        ),
        403,
    )
    assert [c["id"] for c in client.get("/v1/claims").json()["items"]] == [claim["id"]]


def test_a_month_with_standing_claims_cannot_reopen(
    client: TestClient, closed_november: None
) -> None:
    claim = _claim(client)
    denied = _claim(client, "vm")
    _move(client, denied["id"], status="filed", provider_reference="A")
    _move(client, denied["id"], status="denied", reason="no")

    refused = client.delete("/v1/tenants/contoso/reports/2026-11/close")

    assert str(claim["id"]) in assert_problem(refused, 409)["detail"]
    _move(client, claim["id"], status="withdrawn")
    assert client.delete("/v1/tenants/contoso/reports/2026-11/close").status_code == 204


def test_creating_a_claim_replays_with_the_same_idempotency_key(
    client: TestClient, closed_november: None
) -> None:
    headers = {"Idempotency-Key": "claim-exo-nov"}
    body = {"service_id": EXO, "month": "2026-11"}

    first = client.post(CLAIMS, json=body, headers=headers)
    second = client.post(CLAIMS, json=body, headers=headers)

    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert len(client.get("/v1/claims").json()["items"]) == 1


# The list


def test_the_claims_list_filters_and_pages(client: TestClient, closed_november: None) -> None:
    exo = _claim(client)
    vm = _claim(client, "vm")
    _move(client, vm["id"], status="filed", provider_reference="AWS-1")
    create_tenant(client, "fabrikam", currency="EUR")
    subscribe(client, "fabrikam", "mail", "microsoft-365", "100.00")
    store_outages(
        client, "fabrikam", window("mail", "2026-11-10T10:00:00Z", "2026-11-10T11:00:00Z")
    )
    assert client.post("/v1/tenants/fabrikam/reports/2026-11/close").status_code == 201
    eur = client.post(
        "/v1/tenants/fabrikam/claims", json={"service_id": "mail", "month": "2026-11"}
    ).json()
    assert (eur["currency"], eur["credit_amount"]) == ("EUR", "25.00")

    def ids(**params: str | int) -> list[int]:
        response = client.get("/v1/claims", params=params)
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    assert ids() == [exo["id"], vm["id"], eur["id"]]
    assert ids(status="draft") == [exo["id"], eur["id"]]
    assert ids(tenant_id="contoso", status="filed") == [vm["id"]]
    assert ids(month="2026-11", tenant_id="fabrikam") == [eur["id"]]
    assert ids(month="2026-10") == []
    first = client.get("/v1/claims", params={"limit": 2}).json()
    assert len(first["items"]) == 2
    rest = client.get("/v1/claims", params={"limit": 2, "cursor": first["next_cursor"]}).json()
    assert ([item["id"] for item in rest["items"]], rest["next_cursor"]) == ([eur["id"]], None)
    assert_invalid(client.get("/v1/claims", params={"month": "nov"}), ["query", "month"], "nov")
    assert_problem(client.get("/v1/claims", params={"status": "open"}), 422)


def test_the_claims_list_is_for_admin_and_finance(
    client: TestClient, closed_november: None
) -> None:
    _claim(client)
    _, finance = make_key(client, "finance")
    _, tenant = make_key(client, "tenant", "contoso")

    assert len(client.get("/v1/claims", headers=as_key(finance)).json()["items"]) == 1
    assert_problem(client.get("/v1/claims", headers=as_key(tenant)), 403)
