"""A service month by month, and a month across every tenant in one summary.

Month lengths in UTC: 31 days = 44640 min, 30 days = 43200, February 2026 = 40320.
microsoft-365: target 99.9, 25 % below it, 50 % below 99. The clock reads
2026-12-05T12:00Z unless a test moves it.
"""

from fastapi.testclient import TestClient

from tests.api.scenario import (
    Json,
    as_key,
    assert_invalid,
    assert_problem,
    create_tenant,
    make_key,
    store_outages,
    subscribe,
    utc,
    window,
)
from tests.conftest import Clock

EXO = "exchange-online"
HISTORY = f"/v1/tenants/contoso/services/{EXO}/history"


def _history(
    client: TestClient, params: dict[str, str | int] | None = None, path: str = HISTORY
) -> list[Json]:
    """Every page, walked with the cursor."""
    items: list[Json] = []
    cursor: str | None = None
    for _ in range(50):
        query = dict(params or {})
        if cursor is not None:
            query["cursor"] = cursor
        response = client.get(path, params=query)
        assert response.status_code == 200, response.text
        page = response.json()
        items.extend(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            return items
    raise AssertionError("the pages never ended")


def test_twelve_months_with_a_fee_change_a_closed_month_and_a_claim(
    client: TestClient, clock: Clock
) -> None:
    create_tenant(client, "contoso")
    subscribe(client, "contoso", EXO, "microsoft-365", "1000.00")
    changed = client.put(
        f"/v1/tenants/contoso/services/{EXO}",
        json={"policy_id": "microsoft-365", "monthly_fee": "2000.00", "effective_from": "2026-07"},
    )
    assert changed.status_code == 200, changed.text
    store_outages(
        client,
        "contoso",
        # January: 60 min
        window(EXO, "2026-01-10T10:00:00Z", "2026-01-10T11:00:00Z"),
        # February: 30 min
        window(EXO, "2026-02-10T10:00:00Z", "2026-02-10T10:30:00Z"),
        # March: 500 min (08:00Z–16:20Z)
        window(EXO, "2026-03-10T08:00:00Z", "2026-03-10T16:20:00Z"),
        # June: 43 min 12 s = 43.2 min
        window(EXO, "2026-06-10T10:00:00Z", "2026-06-10T10:43:12Z"),
        # July, October, November: 60 min each
        window(EXO, "2026-07-10T10:00:00Z", "2026-07-10T11:00:00Z"),
        window(EXO, "2026-10-10T10:00:00Z", "2026-10-10T11:00:00Z"),
        window(EXO, "2026-11-10T10:00:00Z", "2026-11-10T11:00:00Z"),
    )
    # October closed and claimed in November: its deadline (1 Nov + P1M = 1 Dec → 30 Nov)
    # has passed by the clock's 5 December.
    today = clock.now
    clock.now = utc(2026, 11, 20)
    assert client.post("/v1/tenants/contoso/reports/2026-10/close").status_code == 201
    claimed = client.post(
        "/v1/tenants/contoso/claims", json={"service_id": EXO, "month": "2026-10"}
    )
    assert claimed.status_code == 201, claimed.text
    claim = claimed.json()
    clock.now = today
    # October after its close: 400 more minutes.
    store_outages(client, "contoso", window(EXO, "2026-10-20T08:00:00Z", "2026-10-20T14:40:00Z"))

    months = _history(client, {"from": "2025-12", "to": "2026-11", "limit": 5})

    assert [m["month"] for m in months] == [
        "2025-12",
        *(f"2026-{n:02d}" for n in range(1, 12)),
    ]
    columns = (
        "month",
        "monthly_fee",
        "downtime_minutes",
        "availability_percent",
        "met",
        "credit_amount",
        "closed",
        "claim_status",
    )
    rows = [tuple(m[column] for column in columns) for m in months]
    assert rows == [
        # no outage: 100 %, met
        ("2025-12", "1000.00", "0", "100", True, "0.00", False, None),
        # 100 − 6000/44640 = 99.865591… → 25 % of 1000.00
        ("2026-01", "1000.00", "60", "99.8655", False, "250.00", False, None),
        # 100 − 3000/40320 = 100 − 0.074404… = 99.925595… → met
        ("2026-02", "1000.00", "30", "99.9255", True, "0.00", False, None),
        # 100 − 50000/44640 = 100 − 1.120071… = 98.879928… → below 99: 50 %
        ("2026-03", "1000.00", "500", "98.8799", False, "500.00", False, None),
        ("2026-04", "1000.00", "0", "100", True, "0.00", False, None),
        ("2026-05", "1000.00", "0", "100", True, "0.00", False, None),
        # 43.2 of 43200 minutes: exactly 99.9, met
        ("2026-06", "1000.00", "43.2", "99.9", True, "0.00", False, None),
        # the new fee from July: 25 % of 2000.00
        ("2026-07", "2000.00", "60", "99.8655", False, "500.00", False, None),
        ("2026-08", "2000.00", "0", "100", True, "0.00", False, None),
        ("2026-09", "2000.00", "0", "100", True, "0.00", False, None),
        # closed with 60 min (frozen), claimed
        ("2026-10", "2000.00", "60", "99.8655", False, "500.00", True, "draft"),
        # 100 − 6000/43200 = 99.861111… → 25 % of 2000.00
        ("2026-11", "2000.00", "60", "99.8611", False, "500.00", False, None),
    ]
    october = months[10]
    assert october["claim_id"] == claim["id"]
    assert (october["claim_deadline"], october["claim_open"]) == ("2026-11-30", False)
    # Recomputed: 460 min, 100 − 46000/44640 = 100 − 1.030465… = 98.969534… → 50 % of
    # 2000.00 = 1000.00; 1000.00 − 500.00 = 500.00 more
    assert october["adjustment"] == {
        "downtime_minutes": "460",
        "excluded_minutes": "0",
        "availability_percent": "98.9695",
        "met": False,
        "credit_percent": "50",
        "credit_days": None,
        "credit_amount": "1000.00",
        "credit_delta": "500.00",
        "provisional": False,
    }
    assert all(m["adjustment"] is None for m in months if m["month"] != "2026-10")
    assert {(m["policy_id"], m["currency"], m["target_percent"]) for m in months} == {
        ("microsoft-365", "USD", "99.9")
    }
    # Five a page: 5 + 5 + 2.
    first = client.get(HISTORY, params={"from": "2025-12", "to": "2026-11", "limit": 5}).json()
    assert [m["month"] for m in first["items"]] == [
        "2025-12",
        "2026-01",
        "2026-02",
        "2026-03",
        "2026-04",
    ]


def test_by_default_the_twelve_months_to_this_one(client: TestClient) -> None:
    create_tenant(client, "contoso")
    subscribe(client, "contoso", EXO, "microsoft-365", "1000.00")

    months = _history(client)

    # 2026-01 to 2026-12 (the clock's month, not over: provisional)
    assert [m["month"] for m in months] == [f"2026-{n:02d}" for n in range(1, 13)]
    assert [m["provisional"] for m in months] == [False] * 11 + [True]
    # `to` alone: the twelve months up to it
    assert _history(client, {"to": "2026-03"})[0]["month"] == "2025-04"


def test_months_without_terms_are_left_out(client: TestClient) -> None:
    create_tenant(client, "contoso")
    started = client.put(
        "/v1/tenants/contoso/services/teams",
        json={"policy_id": "microsoft-365", "monthly_fee": "800.00", "effective_from": "2026-03"},
    )
    assert started.status_code == 201
    client.delete("/v1/tenants/contoso/services/teams", params={"effective_from": "2026-09"})

    months = _history(
        client, {"from": "2026-01", "to": "2026-12"}, "/v1/tenants/contoso/services/teams/history"
    )

    assert [m["month"] for m in months] == [f"2026-{n:02d}" for n in range(3, 9)]


def test_history_refuses_bad_ranges_and_unknown_services(client: TestClient) -> None:
    create_tenant(client, "contoso")
    subscribe(client, "contoso", EXO, "microsoft-365", "1000.00")

    assert_invalid(
        client.get(HISTORY, params={"from": "2026-05", "to": "2026-04"}),
        ["query", "from"],
        "2026-05",
    )
    assert_invalid(client.get(HISTORY, params={"to": "2026-13"}), ["query", "to"], "2026-13")
    assert_invalid(client.get(HISTORY, params={"cursor": "nope"}), ["query", "cursor"], "nope")
    assert_problem(client.get("/v1/tenants/contoso/services/teams/history"), 404)
    # The tenant's own key reads it; another tenant's is kept out.
    _, own = make_key(client, "tenant", "contoso")
    assert client.get(HISTORY, headers=as_key(own)).status_code == 200
    create_tenant(client, "fabrikam")
    _, other = make_key(client, "tenant", "fabrikam")
    assert_problem(client.get(HISTORY, headers=as_key(other)), 404)


# The summary


def test_the_month_in_one_summary(client: TestClient) -> None:
    create_tenant(client, "alpha")
    subscribe(client, "alpha", "mail", "microsoft-365", "1200.00")
    subscribe(client, "alpha", "vm", "aws-ec2", "500.00")
    create_tenant(client, "beta", currency="EUR")
    subscribe(client, "beta", "docs", "google-workspace", "300.00")
    subscribe(client, "beta", "crm", "microsoft-365", "1000.00")
    create_tenant(client, "gamma", currency="JPY")
    subscribe(client, "gamma", "mail", "microsoft-365", "10002")
    hour = ("2026-11-10T10:00:00Z", "2026-11-10T11:00:00Z")
    # 60 min: 100 − 6000/43200 = 99.8611
    store_outages(client, "alpha", window("mail", *hour))  # 25 % of 1200.00 = 300.00
    store_outages(client, "beta", window("docs", *hour))  # 3 days: 300.00 × 3/30 = 30.00
    store_outages(client, "gamma", window("mail", *hour))  # 25 % of 10002 = 2500.5 → 2501
    assert client.post("/v1/tenants/alpha/reports/2026-11/close").status_code == 201
    claimed = client.post(
        "/v1/tenants/alpha/claims", json={"service_id": "mail", "month": "2026-11"}
    )
    assert claimed.status_code == 201
    # After alpha's close, its vm: 60 min → below 99.99: 10 % of 500.00 = 50.00 more
    store_outages(client, "alpha", window("vm", *hour))
    _, finance = make_key(client, "finance")

    summary = client.get("/v1/reports/2026-11/summary", headers=as_key(finance))

    assert summary.status_code == 200, summary.text
    assert summary.json() == {
        "month": "2026-11",
        # alpha mail, alpha vm, beta crm, beta docs, gamma mail
        "lines": 5,
        # alpha vm (as closed) and beta crm
        "met": 2,
        "missed": 3,
        "provisional": 0,
        "closed": 2,
        "credit_totals": [
            {"currency": "EUR", "lines": 2, "credit_amount": "30.00", "credit_delta": "0.00"},
            {"currency": "JPY", "lines": 1, "credit_amount": "2501", "credit_delta": "0"},
            # 300.00 + 0.00 as closed; the vm's adjustment adds 50.00
            {"currency": "USD", "lines": 2, "credit_amount": "300.00", "credit_delta": "50.00"},
        ],
        "claims": {"draft": 1, "filed": 0, "granted": 0, "denied": 0, "withdrawn": 0},
        "open_claims": 1,
        # beta docs and gamma mail have a credit, an open deadline and no claim
        "unclaimed_lines": 2,
    }
    _, tenant = make_key(client, "tenant", "alpha")
    assert_problem(client.get("/v1/reports/2026-11/summary", headers=as_key(tenant)), 403)
    assert_invalid(client.get("/v1/reports/2026-13/summary"), ["path", "month"], "2026-13")


def test_an_empty_month_sums_to_nothing(client: TestClient) -> None:
    body = client.get("/v1/reports/2026-11/summary").json()

    assert (body["lines"], body["credit_totals"], body["open_claims"]) == (0, [], 0)
