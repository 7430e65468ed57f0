"""A tenant's report is kept once computed, and computed again as soon as anything it
reads changes: every kind of write, the clock passing a claim deadline, or a month that
is not over yet. Each read below is made twice: the second must come from the cache (the
report-build metric does not move) and still be right.

November 2026 in UTC is 30 × 1440 = 43200 minutes; microsoft-365 (99.9 %) allows
43.2 minutes, and below 99.9 % credits 25 % of the fee. The clock reads 2026-12-05
12:00Z: November is over, its claim (deadline 31 December) still open.
"""

import re

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from tests.api.scenario import (
    Json,
    as_key,
    assert_problem,
    create_tenant,
    make_key,
    report,
    store_outages,
    subscribe,
    utc,
    window,
)
from tests.conftest import ADMIN_KEY, Clock, app_client

EXO = "exchange-online"
_BUILDS = re.compile(r'^sla_report_build_seconds_count\{report="tenant"\} ([0-9.e+]+)$', re.M)


def _builds(client: TestClient) -> int:
    """How many tenant reports the process has computed so far."""
    found = _BUILDS.search(client.get("/metrics").text)
    return 0 if found is None else int(float(found.group(1)))


def _read_twice(client: TestClient, tenant_id: str = "contoso", month: str = "2026-11") -> Json:
    """The report, read twice: computed at most once, and the same both times."""
    before = _builds(client)
    first = report(client, tenant_id, month)
    second = report(client, tenant_id, month)
    assert second == first
    assert _builds(client) - before <= 1
    return first


def _exo(body: Json) -> Json:
    (line,) = [line for line in body["services"] if line["service_id"] == EXO]
    assert isinstance(line, dict)
    return line


def _figures(body: Json) -> tuple[str, bool, str]:
    line = _exo(body)
    return line["downtime_minutes"], line["met"], line["credit_amount"]


@pytest.fixture
def contoso(client: TestClient) -> None:
    create_tenant(client, "contoso")
    subscribe(client, "contoso", EXO, "microsoft-365", "1200.00")


def test_a_kept_report_is_not_computed_again(client: TestClient, contoso: None) -> None:
    first = report(client, "contoso")
    builds = _builds(client)

    for _ in range(3):
        assert report(client, "contoso") == first

    assert _builds(client) == builds


def test_every_write_shows_in_the_next_read(client: TestClient, contoso: None) -> None:
    # Nothing down: 100 %, no credit.
    assert _figures(_read_twice(client)) == ("0", True, "0.00")

    stored = store_outages(
        client, "contoso", window(EXO, "2026-11-10T08:00:00Z", "2026-11-10T09:00:00Z")
    )
    outage_id = stored["outages"][0]["id"]
    # 60 min: (43200 − 60) / 43200 = 99.8611 % < 99.9 → 25 % of 1200.00 = 300.00
    assert _figures(_read_twice(client)) == ("60", False, "300.00")

    patched = client.patch(
        f"/v1/tenants/contoso/outages/{outage_id}", json={"end": "2026-11-10T08:30:00Z"}
    )
    assert patched.status_code == 200, patched.text
    # 30 min: 99.9305 % ≥ 99.9: met, no credit.
    assert _figures(_read_twice(client)) == ("30", True, "0.00")

    assert client.delete(f"/v1/tenants/contoso/outages/{outage_id}").status_code == 204
    assert _figures(_read_twice(client)) == ("0", True, "0.00")

    csv = b"service_id,start,end,external_id\n"
    csv += b"exchange-online,2026-11-12T00:00:00Z,2026-11-12T02:00:00Z,INC-9\n"
    imported = client.post(
        "/v1/tenants/contoso/imports",
        data={"format": "csv"},
        files={"file": ("november.csv", csv, "text/csv")},
    )
    assert imported.status_code == 201, imported.text
    # 120 min: 99.7222 % → 25 % of 1200.00 = 300.00
    assert _figures(_read_twice(client)) == ("120", False, "300.00")

    subscribe(client, "contoso", "teams", "microsoft-365", "600.00")
    # A second line, nothing down on it; the total is still exchange-online's 300.00.
    body = _read_twice(client)
    assert sorted(line["service_id"] for line in body["services"]) == [EXO, "teams"]
    assert body["total_credit_amount"] == "300.00"

    assert client.post("/v1/tenants/contoso/reports/2026-11/close").status_code == 201
    assert _read_twice(client)["closed"] is True

    claim = client.post("/v1/tenants/contoso/claims", json={"service_id": EXO, "month": "2026-11"})
    assert claim.status_code == 201, claim.text
    claimed = _exo(_read_twice(client))
    assert (claimed["claim_id"], claimed["claim_status"]) == (claim.json()["id"], "draft")

    store_outages(client, "contoso", window(EXO, "2026-11-20T00:00:00Z", "2026-11-20T01:00:00Z"))
    # Closed at 120 min; 180 min now: 99.5833 %, still 25 %: an adjustment of 0.00.
    adjustment = _exo(_read_twice(client))["adjustment"]
    assert (adjustment["downtime_minutes"], adjustment["credit_delta"]) == ("180", "0.00")

    withdrawn = client.patch(
        f"/v1/tenants/contoso/claims/{claim.json()['id']}", json={"status": "withdrawn"}
    )
    assert withdrawn.status_code == 200, withdrawn.text
    assert _exo(_read_twice(client))["claim_status"] == "withdrawn"

    reopening = client.delete("/v1/tenants/contoso/reports/2026-11/close")
    assert reopening.status_code == 204, reopening.text
    reopened = _read_twice(client)
    assert (reopened["closed"], _figures(reopened)) == (False, ("180", False, "300.00"))


def test_a_kept_report_turns_when_its_claim_deadline_passes(
    client: TestClient, contoso: None, clock: Clock
) -> None:
    assert _exo(_read_twice(client))["claim_open"] is True

    # microsoft-365: November's claim deadline is 31 December; its day ends at
    # 2027-01-01T00:00Z, with no write in between.
    clock.now = utc(2026, 12, 31, 23, 59, 59)
    assert _exo(_read_twice(client))["claim_open"] is True
    clock.now = utc(2027, 1, 1)
    assert _exo(_read_twice(client))["claim_open"] is False

    # A clock set back reads the past again, not what was computed later.
    clock.now = utc(2026, 12, 5, 12)
    assert _exo(_read_twice(client))["claim_open"] is True


def test_a_month_not_over_is_computed_at_every_read(
    client: TestClient, contoso: None, clock: Clock
) -> None:
    store_outages(client, "contoso", window(EXO, "2026-12-05T10:00:00Z"))
    builds = _builds(client)

    # Ongoing since 10:00: 120 minutes at 12:00, 150 at 12:30.
    assert _exo(report(client, "contoso", "2026-12"))["downtime_minutes"] == "120"
    clock.now = utc(2026, 12, 5, 12, 30)
    december = report(client, "contoso", "2026-12")
    assert (_exo(december)["downtime_minutes"], december["provisional"]) == ("150", True)

    assert _builds(client) - builds == 2


def test_a_kept_report_still_asks_for_a_key_that_may_see_it(
    client: TestClient, contoso: None
) -> None:
    create_tenant(client, "fabrikam")
    key_id, contoso_key = make_key(client, "tenant", "contoso")
    _, fabrikam_key = make_key(client, "tenant", "fabrikam")
    path = "/v1/tenants/contoso/reports/2026-11"
    assert client.get(path, headers=as_key(contoso_key)).status_code == 200

    assert_problem(client.get(path, headers=as_key(fabrikam_key)), 404)
    assert client.delete(f"/v1/api-keys/{key_id}").status_code == 204
    assert_problem(client.get(path, headers=as_key(contoso_key)), 401)
    assert_problem(client.get(path, headers={"X-API-Key": ""}), 401)


def test_with_no_cache_every_read_is_computed(database_url: str, clock: Clock) -> None:
    settings = Settings(
        database_url=database_url, admin_key=ADMIN_KEY, webhook_worker=False, report_cache_size=0
    )
    with app_client(settings, clock) as client:
        create_tenant(client, "contoso")
        subscribe(client, "contoso", EXO, "microsoft-365", "1200.00")
        builds = _builds(client)

        first, second = report(client, "contoso"), report(client, "contoso")

        assert first == second
        assert _builds(client) - builds == 2
