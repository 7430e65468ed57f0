"""Terms over time over HTTP: each month's report uses the terms in force in it, earlier
months keep theirs, services start and end mid-year, and exact periods where local
midnight happens twice (Havana).

Month lengths in UTC: 31 days = 44640 min, 30 days = 43200, February 2026 = 40320. The
clock reads 2026-12-05T12:00Z unless a test moves it, so "this month" is 2026-12.
"""

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
    window,
)

EXO = "exchange-online"
SERVICE = f"/v1/tenants/contoso/services/{EXO}"


def _put(client: TestClient, path: str, **body: object) -> Json:
    response = client.put(path, json=body)
    assert response.status_code in (200, 201), response.text
    result: Json = response.json()
    return result


def _lines(body: Json) -> dict[str, Json]:
    return {line["service_id"]: line for line in body["services"]}


def _hour_on_the_10th(client: TestClient, service_id: str, months: range) -> None:
    """A 60-minute outage at 10:00Z on the 10th of each 2026 month in `months`."""
    store_outages(
        client,
        "contoso",
        *(
            window(service_id, f"2026-{m:02d}-10T10:00:00Z", f"2026-{m:02d}-10T11:00:00Z")
            for m in months
        ),
    )


# A change of fee and policy in the middle of the year


def test_a_fee_and_policy_change_from_july_leaves_the_months_before_alone(
    client: TestClient,
) -> None:
    create_tenant(client, "contoso")
    # The first terms, without effective_from: in force for every month.
    subscribe(client, "contoso", EXO, "microsoft-365", "1000.00")
    _hour_on_the_10th(client, EXO, range(1, 12))
    march_before = report(client, "contoso", "2026-03")
    june_before = report(client, "contoso", "2026-06")

    changed = _put(
        client, SERVICE, policy_id="aws-ec2", monthly_fee="2000.00", effective_from="2026-07"
    )

    assert changed["terms"] == [
        {
            "effective_from": None,  # every month before July
            "effective_to": "2026-06",
            "policy_id": "microsoft-365",
            "monthly_fee": "1000.00",
            "users": None,
        },
        {
            "effective_from": "2026-07",
            "effective_to": None,
            "policy_id": "aws-ec2",
            "monthly_fee": "2000.00",
            "users": None,
        },
    ]
    # The months before July read exactly as they did.
    assert report(client, "contoso", "2026-03") == march_before
    assert report(client, "contoso", "2026-06") == june_before
    # Every month has 60 minutes down. Per month, by hand:
    expected = {
        # 31 days: (44640 − 60)/44640 × 100 = 100 − 6000/44640 = 99.865591… → 99.8655;
        # microsoft-365: below 99.9, not below 99 → 25 % of 1000.00 = 250.00
        "2026-03": ("microsoft-365", "1000.00", "99.8655", "99.9", "25", "250.00"),
        # 30 days: 100 − 6000/43200 = 99.861111… → 25 % of 1000.00
        "2026-06": ("microsoft-365", "1000.00", "99.8611", "99.9", "25", "250.00"),
        # July, 31 days, now aws-ec2: 99.8655 is below 99.99 but not below 99.0 →
        # 10 % of 2000.00 = 200.00
        "2026-07": ("aws-ec2", "2000.00", "99.8655", "99.99", "10", "200.00"),
        # November, 30 days: 99.8611 → 10 % of 2000.00
        "2026-11": ("aws-ec2", "2000.00", "99.8611", "99.99", "10", "200.00"),
    }
    for month, (policy, fee, availability, target, percent, credit) in expected.items():
        line = _lines(report(client, "contoso", month))[EXO]
        assert (
            line["policy_id"],
            line["monthly_fee"],
            line["availability_percent"],
            line["target_percent"],
            line["credit_percent"],
            line["credit_amount"],
        ) == (policy, fee, availability, target, percent, credit), month
    # February 2026 (28 days): 100 − 6000/40320 = 100 − 0.148809… = 99.851190… → 25 %
    february = _lines(report(client, "contoso", "2026-02"))[EXO]
    assert (february["availability_percent"], february["credit_amount"]) == (
        "99.8511",
        "250.00",
    )


def test_new_terms_without_effective_from_start_this_month(client: TestClient) -> None:
    create_tenant(client, "contoso")
    subscribe(client, "contoso", EXO, "microsoft-365", "1000.00")
    _hour_on_the_10th(client, EXO, range(11, 12))

    changed = _put(client, SERVICE, policy_id="microsoft-365", monthly_fee="1200.00")

    # From December (the clock's month): November keeps 25 % of 1000.00.
    assert [(t["effective_from"], t["effective_to"]) for t in changed["terms"]] == [
        (None, "2026-11"),
        ("2026-12", None),
    ]
    assert _lines(report(client, "contoso", "2026-11"))[EXO]["credit_amount"] == "250.00"
    # The service's own fields show this month's terms.
    assert (changed["monthly_fee"], changed["in_force"]) == ("1200.00", True)
    assert client.get(SERVICE).json() == changed


def test_the_same_terms_again_from_a_later_month_change_nothing(client: TestClient) -> None:
    create_tenant(client, "contoso")
    first = subscribe(client, "contoso", EXO, "microsoft-365", "1000.00")

    again = client.put(
        SERVICE,
        json={"policy_id": "microsoft-365", "monthly_fee": "1000", "effective_from": "2026-05"},
    )

    assert again.status_code == 200
    assert again.json() == first
    events = client.get("/v1/audit", params={"entity": "subscription"}).json()["items"]
    assert [e["action"] for e in events] == ["create"]


def test_terms_in_a_month_between_two_changes_hold_until_the_next(client: TestClient) -> None:
    create_tenant(client, "contoso")
    subscribe(client, "contoso", EXO, "microsoft-365", "1000.00")
    _put(
        client, SERVICE, policy_id="microsoft-365", monthly_fee="3000.00", effective_from="2026-09"
    )

    body = _put(
        client, SERVICE, policy_id="microsoft-365", monthly_fee="2000.00", effective_from="2026-05"
    )

    assert [(t["effective_from"], t["effective_to"], t["monthly_fee"]) for t in body["terms"]] == [
        (None, "2026-04", "1000.00"),
        ("2026-05", "2026-08", "2000.00"),
        ("2026-09", None, "3000.00"),
    ]


def test_seats_of_the_month_weigh_users_affected(client: TestClient) -> None:
    create_tenant(client, "contoso")
    subscribe(client, "contoso", "teams", "microsoft-365", "800.00", users=100)
    _put(
        client,
        "/v1/tenants/contoso/services/teams",
        policy_id="microsoft-365",
        monthly_fee="800.00",
        users=200,
        effective_from="2026-07",
    )
    store_outages(
        client,
        "contoso",
        window("teams", "2026-06-10T10:00:00Z", "2026-06-10T11:00:00Z", users_affected=50),
        window("teams", "2026-07-10T10:00:00Z", "2026-07-10T11:00:00Z", users_affected=50),
    )

    # June: 60 min × 50/100 seats = 30 min; July: 60 min × 50/200 = 15 min
    assert _lines(report(client, "contoso", "2026-06"))["teams"]["downtime_minutes"] == "30"
    assert _lines(report(client, "contoso", "2026-07"))["teams"]["downtime_minutes"] == "15"


def test_users_affected_needs_seats_in_every_terms_of_the_service(client: TestClient) -> None:
    create_tenant(client, "contoso")
    subscribe(client, "contoso", "teams", "microsoft-365", "800.00")
    _put(
        client,
        "/v1/tenants/contoso/services/teams",
        policy_id="microsoft-365",
        monthly_fee="800.00",
        users=200,
        effective_from="2026-07",
    )

    refused = client.post(
        "/v1/tenants/contoso/outages",
        json={
            "outages": [
                window("teams", "2026-07-10T10:00:00Z", "2026-07-10T11:00:00Z", users_affected=50)
            ]
        },
    )

    # The terms before July set no seats to weigh them by.
    assert_invalid(refused, ["body", "outages", 0, "users_affected"], 50)


# A service that starts and ends in the middle of the year


def test_a_service_from_march_to_august(client: TestClient) -> None:
    create_tenant(client, "contoso")
    subscribe(client, "contoso", EXO, "microsoft-365", "1200.00")
    started = client.put(
        "/v1/tenants/contoso/services/teams",
        json={"policy_id": "microsoft-365", "monthly_fee": "800.00", "effective_from": "2026-03"},
    )
    assert started.status_code == 201, started.text
    assert started.json()["terms"] == [
        {
            "effective_from": "2026-03",
            "effective_to": None,
            "policy_id": "microsoft-365",
            "monthly_fee": "800.00",
            "users": None,
        }
    ]
    # Outages are accepted for any month: the service is the tenant's.
    _hour_on_the_10th(client, "teams", range(1, 12))

    ended = client.delete(
        "/v1/tenants/contoso/services/teams", params={"effective_from": "2026-09"}
    )

    assert ended.status_code == 200, ended.text
    # In force March to August; now (December) it is not, and its terms stay listed.
    assert [(t["effective_from"], t["effective_to"]) for t in ended.json()["terms"]] == [
        ("2026-03", "2026-08")
    ]
    assert ended.json()["in_force"] is False
    for month, present in (
        ("2026-02", False),
        ("2026-03", True),
        ("2026-08", True),
        ("2026-09", False),
        ("2026-11", False),
    ):
        lines = _lines(report(client, "contoso", month))
        assert ("teams" in lines) is present, month
        assert EXO in lines
        portfolio = client.get(f"/v1/reports/{month}").json()["items"]
        assert ("teams" in {line["service_id"] for line in portfolio}) is present, month
    # March: 60 min in 44640 → 99.8655 → 25 % of 800.00 = 200.00; the total is teams'
    # 200.00 plus exchange-online's 0.00 (no outage)
    march = report(client, "contoso", "2026-03")
    assert _lines(march)["teams"]["credit_amount"] == "200.00"
    assert march["total_credit_amount"] == "200.00"
    # February's report has no teams line, so its outage counts nowhere.
    assert report(client, "contoso", "2026-02")["total_credit_amount"] == "0.00"
    listed = client.get("/v1/tenants/contoso/services").json()["items"]
    assert [s["service_id"] for s in listed] == [EXO, "teams"]


def test_ending_before_the_first_month_removes_the_service(client: TestClient) -> None:
    create_tenant(client, "contoso")
    subscribe(client, "contoso", EXO, "microsoft-365", "1200.00")
    _put(
        client,
        "/v1/tenants/contoso/services/teams",
        policy_id="microsoft-365",
        monthly_fee="800.00",
        effective_from="2027-03",
    )

    cancelled = client.delete(
        "/v1/tenants/contoso/services/teams", params={"effective_from": "2027-03"}
    )

    assert cancelled.status_code == 204
    assert_problem(client.get("/v1/tenants/contoso/services/teams"), 404)
    assert [
        s["service_id"] for s in client.get("/v1/tenants/contoso/services").json()["items"]
    ] == [EXO]
    events = client.get("/v1/audit", params={"entity": "subscription"}).json()["items"]
    assert [(e["entity_id"], e["action"]) for e in events] == [
        ("contoso/exchange-online", "create"),
        ("contoso/teams", "create"),
        ("contoso/teams", "end"),
    ]
    assert events[-1]["after"] is None
    assert events[-1]["before"]["terms"][0]["effective_from"] == "2027-03"


def test_ending_drops_later_terms_and_defaults_to_this_month(client: TestClient) -> None:
    create_tenant(client, "contoso")
    subscribe(client, "contoso", EXO, "microsoft-365", "1000.00")
    _put(
        client, SERVICE, policy_id="microsoft-365", monthly_fee="2000.00", effective_from="2027-02"
    )

    ended = client.delete(SERVICE)

    # Ends from December (this month); February's terms go with it.
    assert ended.status_code == 200
    assert [(t["effective_from"], t["effective_to"]) for t in ended.json()["terms"]] == [
        (None, "2026-11")
    ]
    # Ending again changes nothing and writes nothing.
    assert client.delete(SERVICE).json() == ended.json()
    actions = [
        e["action"]
        for e in client.get("/v1/audit", params={"entity": "subscription"}).json()["items"]
    ]
    assert actions == ["create", "update", "end"]


def test_every_terms_change_is_audited_with_the_terms_before_and_after(
    client: TestClient,
) -> None:
    create_tenant(client, "contoso")
    subscribe(client, "contoso", EXO, "microsoft-365", "1000.00")
    _put(client, SERVICE, policy_id="aws-ec2", monthly_fee="2000.00", effective_from="2026-07")
    client.delete(SERVICE, params={"effective_from": "2026-10"})

    events = client.get("/v1/audit", params={"entity": "subscription"}).json()["items"]

    assert [e["action"] for e in events] == ["create", "update", "end"]
    created, updated, ending = events
    assert created["before"] is None
    assert [t["effective_from"] for t in created["after"]["terms"]] == [None]
    assert updated["before"]["terms"] == created["after"]["terms"]
    assert [t["policy_id"] for t in updated["after"]["terms"]] == ["microsoft-365", "aws-ec2"]
    assert [t["effective_to"] for t in ending["after"]["terms"]] == ["2026-06", "2026-09"]
    assert {e["actor_key_id"] for e in events} == {"bootstrap"}


def test_a_bad_effective_from_is_refused(client: TestClient) -> None:
    create_tenant(client, "contoso")
    subscribe(client, "contoso", EXO, "microsoft-365", "1000.00")

    for bad in ("2026-13", "2026-1", "1969-12"):
        refused = client.put(
            SERVICE,
            json={"policy_id": "aws-ec2", "monthly_fee": "1.00", "effective_from": bad},
        )
        assert_invalid(refused, ["body", "effective_from"], bad)
        assert_invalid(
            client.delete(SERVICE, params={"effective_from": bad}),
            ["query", "effective_from"],
            bad,
        )
    assert client.get(SERVICE).json()["policy_id"] == "microsoft-365"


def test_reading_and_ending_an_unknown_service_is_404(client: TestClient) -> None:
    create_tenant(client, "contoso")

    assert (
        "teams" in assert_problem(client.get("/v1/tenants/contoso/services/teams"), 404)["detail"]
    )
    assert_problem(client.delete("/v1/tenants/contoso/services/teams"), 404)


def test_only_admins_change_terms(client: TestClient) -> None:
    create_tenant(client, "contoso")
    subscribe(client, "contoso", EXO, "microsoft-365", "1000.00")
    _, finance = make_key(client, "finance")
    _, tenant = make_key(client, "tenant", "contoso")

    for key in (finance, tenant):
        assert_problem(client.delete(SERVICE, headers=as_key(key)), 403)
        # Both may read the service and its terms.
        assert client.get(SERVICE, headers=as_key(key)).status_code == 200


# Closed months keep their terms


def _closed_november(client: TestClient) -> None:
    create_tenant(client, "contoso")
    subscribe(client, "contoso", EXO, "microsoft-365", "1000.00")
    closed = client.post("/v1/tenants/contoso/reports/2026-11/close")
    assert closed.status_code == 201, closed.text


def test_terms_cannot_start_in_a_closed_month(client: TestClient) -> None:
    _closed_november(client)

    refused = client.put(
        SERVICE,
        json={"policy_id": "aws-ec2", "monthly_fee": "1.00", "effective_from": "2026-11"},
    )
    # Not even the same terms again: the month is closed.
    same = client.put(
        SERVICE,
        json={"policy_id": "microsoft-365", "monthly_fee": "1000.00", "effective_from": "2026-11"},
    )
    ending = client.delete(SERVICE, params={"effective_from": "2026-11"})

    assert "2026-11" in assert_problem(refused, 409)["detail"]
    assert_problem(same, 409)
    assert "2026-11" in assert_problem(ending, 409)["detail"]
    assert client.get(SERVICE).json()["terms"][0]["monthly_fee"] == "1000.00"


def test_terms_from_before_a_closed_month_cannot_reach_into_it(client: TestClient) -> None:
    _closed_november(client)

    # From October on would change November's terms too.
    refused = client.put(
        SERVICE,
        json={"policy_id": "aws-ec2", "monthly_fee": "1.00", "effective_from": "2026-10"},
    )
    ending = client.delete(SERVICE, params={"effective_from": "2026-06"})
    # A new service without effective_from would be in force in November.
    new_service = client.put(
        "/v1/tenants/contoso/services/teams",
        json={"policy_id": "microsoft-365", "monthly_fee": "800.00"},
    )

    assert "2026-11" in assert_problem(refused, 409)["detail"]
    assert_problem(ending, 409)
    assert_problem(new_service, 409)


def test_terms_after_a_closed_month_are_accepted(client: TestClient) -> None:
    _closed_november(client)

    changed = client.put(
        SERVICE,
        json={"policy_id": "aws-ec2", "monthly_fee": "1.00", "effective_from": "2026-12"},
    )
    new_service = client.put(
        "/v1/tenants/contoso/services/teams",
        json={"policy_id": "microsoft-365", "monthly_fee": "800.00", "effective_from": "2026-12"},
    )

    assert changed.status_code == 200, changed.text
    assert new_service.status_code == 201, new_service.text
    # Terms from October would now hold until December's: through closed November.
    through_november = client.put(
        SERVICE,
        json={"policy_id": "microsoft-365", "monthly_fee": "500.00", "effective_from": "2026-10"},
    )
    assert_problem(through_november, 409)


# Exact periods where local midnight happens twice


def test_havana_october_and_november_2020_split_at_the_first_midnight(
    client: TestClient,
) -> None:
    # 2020, not 2026: see tests/sla/test_periods.py (the tz databases disagree on 2026).
    # On 1 Nov 2020 Havana fell back from 01:00 CDT (−04:00) to 00:00 CST (−05:00), so
    # midnight happened twice: at 04:00Z and at 05:00Z. November starts at the first.
    create_tenant(client, "havana", timezone="America/Havana")
    created = client.post(
        "/v1/policies",
        json={
            "id": "local-999",
            "name": "Measured in Havana",
            "target_percent": "99.9",
            "tiers": [{"below_percent": "99.9", "credit_percent": "10"}],
            "measurement_timezone": "tenant",
        },
    )
    assert created.status_code == 201, created.text
    _put(client, "/v1/tenants/havana/services/erp", policy_id="local-999", monthly_fee="500.00")
    store_outages(
        client,
        "havana",
        # 03:00Z–04:00Z: 23:00–24:00 CDT on 31 Oct, the last hour of October.
        window("erp", "2020-11-01T03:00:00Z", "2020-11-01T04:00:00Z"),
        # 04:00Z–05:00Z: the first 00:00–01:00 of 1 Nov, before the clocks fell back.
        window("erp", "2020-11-01T04:00:00Z", "2020-11-01T05:00:00Z"),
        # 05:30Z–06:00Z: 00:30–01:00 CST, in the repeated hour: 30 minutes.
        window("erp", "2020-11-01T05:30:00Z", "2020-11-01T06:00:00Z"),
    )

    october = _lines(report(client, "havana", "2020-10"))["erp"]
    november = _lines(report(client, "havana", "2020-11"))["erp"]

    # October: 1 Oct 00:00 CDT (04:00Z) to the first 00:00 of 1 Nov (04:00Z): 31 × 1440
    assert (october["period_start"], october["period_end"]) == (
        "2020-10-01T00:00:00-04:00",
        "2020-11-01T00:00:00-04:00",
    )
    assert october["period_minutes"] == "44640"
    # only the 03:00Z–04:00Z hour: (44640 − 60)/44640 × 100 = 99.865591… → 99.8655
    assert october["downtime_minutes"] == "60"
    assert october["availability_percent"] == "99.8655"
    # below 99.9 → 10 % of 500.00 = 50.00
    assert october["credit_amount"] == "50.00"
    # November: 1 Nov 00:00 CDT (04:00Z) to 1 Dec 00:00 CST (05:00Z): 30 × 1440 + 60
    assert (november["period_start"], november["period_end"]) == (
        "2020-11-01T00:00:00-04:00",
        "2020-12-01T00:00:00-05:00",
    )
    assert november["period_minutes"] == "43260"
    # 60 + 30 = 90 min: (43260 − 90)/43260 × 100 = 100 − 9000/43260 = 100 − 0.208044…
    # = 99.791955… → 99.7919
    assert november["downtime_minutes"] == "90"
    assert november["availability_percent"] == "99.7919"
    assert november["credit_amount"] == "50.00"
    # budget: 43260 × 0.001 = 43.26 min; 90 − 43.26 = 46.74 over
    assert november["error_budget"]["allowed_minutes"] == "43.26"
    assert november["error_budget"]["remaining_minutes"] == "-46.74"
