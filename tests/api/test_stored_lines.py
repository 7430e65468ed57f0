"""Portfolio lines are stored once computed, served from the table while their tenant's
data and the clock leave them unchanged, and computed again as soon as either moves.

To show that a pull was served from the table, a test marks the stored text by hand
(`_mark`, SQL behind the API's back): a line served from the table carries the mark, a
line computed again does not.

November 2026 in UTC is 30 × 1440 = 43200 minutes; microsoft-365 (99.9 %) allows
43.2 minutes, and below 99.9 % credits 25 % of the fee. The clock reads 2026-12-05
12:00Z: November is over, its claim (deadline 31 December) still open.
"""

import csv
import io
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, cast

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from app.config import Settings
from app.db import write_transaction
from tests.api.scenario import (
    Json,
    app_engine,
    create_tenant,
    sent_statements,
    store_outages,
    subscribe,
    utc,
    window,
)
from tests.conftest import ADMIN_KEY, Clock, app_client, fresh_database_url, start_live_server

EXO = "exchange-online"
MONTH = "2026-11"
# A stored JSON line, marked, parses as the line with one more field; a marked CSV row
# has its tenant id prefixed.
_MARKS = {
    "json": ("SUBSTR(text, 2)", '{"stale":true,'),
    "csv": ("text", "STALE-"),
}


@pytest.fixture
def tenants(client: TestClient) -> None:
    """contoso down 60 minutes on exchange-online, fabrikam never down."""
    for tenant_id in ("contoso", "fabrikam"):
        create_tenant(client, tenant_id)
        subscribe(client, tenant_id, EXO, "microsoft-365", "1200.00")
    store_outages(client, "contoso", window(EXO, "2026-11-10T08:00:00Z", "2026-11-10T09:00:00Z"))


def _page(client: TestClient, month: str = MONTH, **params: Any) -> bytes:
    response = client.get(f"/v1/reports/{month}", params={"limit": 100, **params})
    assert response.status_code == 200, response.text
    return response.content


def _csv(client: TestClient, month: str = MONTH, **params: Any) -> bytes:
    response = client.get(f"/v1/reports/{month}", params={"format": "csv", **params})
    assert response.status_code == 200, response.text
    return response.content


def _lines(page: bytes) -> dict[str, Json]:
    """The page's lines by tenant (one service each here)."""
    items = cast(Json, json.loads(page))["items"]
    return {line["tenant_id"]: line for line in items}


def _rows(body: bytes) -> dict[str, dict[str, str]]:
    return {row["tenant_id"]: row for row in csv.DictReader(io.StringIO(body.decode()))}


def _stored(client: TestClient, month: str = MONTH) -> list[tuple[str, str]]:
    """(form, tenant) of each stored line of the month."""
    with app_engine(client).connect() as connection:
        rows = connection.execute(
            text("SELECT form, tenant_id FROM stored_line WHERE month = :m ORDER BY 1, 2"),
            {"m": month},
        )
        return [(form, tenant) for form, tenant in rows]


def _mark(client: TestClient) -> None:
    """Mark every stored line (both forms) not marked yet, behind the API's back."""
    with app_engine(client).begin() as connection:
        for form, (rest, mark) in _MARKS.items():
            connection.execute(
                text(
                    f"UPDATE stored_line SET text = :mark || {rest} "
                    "WHERE form = :form AND SUBSTR(text, 1, :length) <> :mark"
                ),
                {"mark": mark, "form": form, "length": len(mark)},
            )


def _served_stored(client: TestClient) -> list[str]:
    """The tenants whose lines the next JSON page and CSV serve from the table (each
    form must agree)."""
    page, rows = _lines(_page(client)), _rows(_csv(client))
    from_json = {tenant for tenant, line in page.items() if line.get("stale")}
    from_csv = {tenant.removeprefix("STALE-") for tenant in rows if tenant.startswith("STALE-")}
    assert from_json == from_csv
    return sorted(from_json)


def test_a_second_pull_is_the_first_byte_for_byte_and_read_from_the_table(
    client: TestClient, tenants: None
) -> None:
    first_page, first_csv = _page(client), _csv(client)
    assert _stored(client) == [
        ("csv", "contoso"),
        ("csv", "fabrikam"),
        ("json", "contoso"),
        ("json", "fabrikam"),
    ]

    assert (_page(client), _csv(client)) == (first_page, first_csv)
    # 60 min: (43200 − 60) / 43200 = 99.8611 % < 99.9 → 25 % of 1200.00 = 300.00
    contoso = _lines(first_page)["contoso"]
    assert (contoso["downtime_minutes"], contoso["met"], contoso["credit_amount"]) == (
        "60",
        False,
        "300.00",
    )
    assert _rows(first_csv)["contoso"]["credit_amount"] == "300.00"

    _mark(client)
    assert _served_stored(client) == ["contoso", "fabrikam"]


def test_the_month_summary_sums_the_csv_rows_and_stores_them(
    client: TestClient, tenants: None
) -> None:
    summary = client.get(f"/v1/reports/{MONTH}/summary")
    assert summary.status_code == 200, summary.text
    # contoso: 60 min → 25 % of 1200.00 = 300.00; fabrikam: 0.00
    assert summary.json()["credit_totals"] == [
        {"currency": "USD", "lines": 2, "credit_amount": "300.00", "credit_delta": "0.00"}
    ]
    assert (summary.json()["met"], summary.json()["unclaimed_lines"]) == (1, 1)
    # The summary computed each line's CSV row, and stored it for the CSV's next pull.
    assert _stored(client) == [("csv", "contoso"), ("csv", "fabrikam")]
    _mark(client)
    assert set(_rows(_csv(client))) == {"STALE-contoso", "STALE-fabrikam"}

    # A stored row changed behind the API's back: the next summary reads the table's
    # text (0.50 + 0.00), not a computed line.
    with app_engine(client).begin() as connection:
        connection.execute(
            text("UPDATE stored_line SET text = REPLACE(text, ',300.00,USD,', ',0.50,USD,')")
        )
    again = client.get(f"/v1/reports/{MONTH}/summary").json()
    assert again["credit_totals"][0]["credit_amount"] == "0.50"
    # A stored line with a credit, an open deadline and no claim is still unclaimed.
    assert again["unclaimed_lines"] == 1


def test_every_write_to_a_tenant_shows_in_its_next_pull_and_not_in_the_others(
    client: TestClient, tenants: None
) -> None:
    def after(write: Any) -> Json:
        """contoso's line after `write`, with fabrikam's stored line still served."""
        _page(client), _csv(client)
        _mark(client)
        answer = write()
        assert not isinstance(answer, httpx.Response) or answer.is_success, answer.text
        assert _served_stored(client) == ["fabrikam"]
        return _lines(_page(client))["contoso"]

    added: list[Json] = []
    late = window(EXO, "2026-11-20T00:00:00Z", "2026-11-20T00:30:00Z")
    # 60 + 30 = 90 min: 99.7916 % → 300.00
    assert (
        after(lambda: added.extend(store_outages(client, "contoso", late)["outages"]))[
            "downtime_minutes"
        ]
        == "90"
    )
    stored = added[0]

    patched = after(
        lambda: client.patch(
            f"/v1/tenants/contoso/outages/{stored['id']}", json={"end": "2026-11-20T01:00:00Z"}
        )
    )
    # 60 + 60 = 120 min
    assert patched["downtime_minutes"] == "120"

    deleted = after(lambda: client.delete(f"/v1/tenants/contoso/outages/{stored['id']}"))
    assert deleted["downtime_minutes"] == "60"

    csv_file = b"service_id,start,end,external_id\n"
    csv_file += b"exchange-online,2026-11-12T00:00:00Z,2026-11-12T02:00:00Z,INC-9\n"
    imported = after(
        lambda: client.post(
            "/v1/tenants/contoso/imports",
            data={"format": "csv"},
            files={"file": ("november.csv", csv_file, "text/csv")},
        )
    )
    # 60 + 120 = 180 min
    assert imported["downtime_minutes"] == "180"

    closed = after(lambda: client.post(f"/v1/tenants/contoso/reports/{MONTH}/close"))
    assert closed["closed"] is True

    claims: list[Json] = []
    claimed = after(
        lambda: claims.append(
            client.post("/v1/tenants/contoso/claims", json={"service_id": EXO, "month": MONTH})
            .raise_for_status()
            .json()
        )
    )
    assert (claimed["claim_id"], claimed["claim_status"]) == (claims[0]["id"], "draft")

    withdrawn = after(
        lambda: client.patch(
            f"/v1/tenants/contoso/claims/{claims[0]['id']}", json={"status": "withdrawn"}
        )
    )
    assert withdrawn["claim_status"] == "withdrawn"

    reopened = after(lambda: client.delete(f"/v1/tenants/contoso/reports/{MONTH}/close"))
    assert reopened["closed"] is False

    changed = after(
        lambda: client.put(
            f"/v1/tenants/contoso/services/{EXO}",
            json={"policy_id": "microsoft-365", "monthly_fee": "2400.00", "effective_from": MONTH},
        )
    )
    # The fee changed from November on: 25 % of 2400.00 = 600.00
    assert changed["credit_amount"] == "600.00"


def test_a_stored_line_turns_when_its_claim_deadline_passes_or_the_clock_goes_back(
    client: TestClient, tenants: None, clock: Clock
) -> None:
    assert _lines(_page(client))["contoso"]["claim_open"] is True
    _csv(client)
    _mark(client)

    # microsoft-365: November's claim deadline is 31 December; its day ends at
    # 2027-01-01T00:00Z. Until then the stored line is served.
    clock.now = utc(2026, 12, 31, 23, 59, 59)
    assert _served_stored(client) == ["contoso", "fabrikam"]

    clock.now = utc(2027, 1, 1)
    assert _served_stored(client) == []
    assert _lines(_page(client))["contoso"]["claim_open"] is False

    # A clock set back reads the past again, not what was computed later.
    _mark(client)
    clock.now = utc(2026, 12, 5, 12)
    assert _served_stored(client) == []
    assert _lines(_page(client))["contoso"]["claim_open"] is True


def test_a_month_not_over_is_never_stored(client: TestClient, tenants: None) -> None:
    store_outages(client, "contoso", window(EXO, "2026-12-05T10:00:00Z"))

    # Ongoing since 10:00: 120 minutes at 12:00.
    december = _lines(_page(client, "2026-12"))["contoso"]
    assert (december["downtime_minutes"], december["provisional"]) == ("120", True)
    _csv(client, "2026-12")

    assert _stored(client, "2026-12") == []


def test_filters_read_the_stored_lines_as_the_computed_ones(
    client: TestClient, tenants: None
) -> None:
    missed = _page(client, met="false")
    assert list(_lines(missed)) == ["contoso"]
    met_rows = _csv(client, met="true")
    assert list(_rows(met_rows)) == ["fabrikam"]

    assert (_page(client, met="false"), _csv(client, met="true")) == (missed, met_rows)


def test_start_up_empties_the_table(database_url: str, clock: Clock) -> None:
    settings = Settings(database_url=database_url, admin_key=ADMIN_KEY)
    with app_client(settings, clock) as client:
        create_tenant(client, "contoso")
        subscribe(client, "contoso", EXO, "microsoft-365", "1200.00")
        _page(client)
        assert _stored(client) == [("json", "contoso")]

    with app_client(settings, clock) as client:
        assert _stored(client) == []


def test_a_busy_database_leaves_the_lines_unstored_and_still_answers(
    database_url: str, clock: Clock
) -> None:
    settings = Settings(database_url=database_url, admin_key=ADMIN_KEY, db_busy_timeout_seconds=0.2)
    with app_client(settings, clock) as client:
        create_tenant(client, "contoso")
        subscribe(client, "contoso", EXO, "microsoft-365", "1200.00")
        expected = _page(client)
        with app_engine(client).begin() as connection:
            connection.execute(text("DELETE FROM stored_line"))

        # Another writer holds the lock the store needs, for longer than it waits.
        with write_transaction(app_engine(client)) as holder:
            # SQLite's write transaction holds the lock from its BEGIN.
            if holder.dialect.name == "postgresql":
                holder.exec_driver_sql("LOCK TABLE stored_line IN EXCLUSIVE MODE")
            assert _page(client) == expected

        assert _stored(client) == []


def test_pulls_at_once_answer_alike_and_leave_each_line_stored_once(tmp_path: Path) -> None:
    # A real server (its own threads, its own pool) on the test database; the clock is
    # the real one, for which October 2026 is over.
    url = fresh_database_url(tmp_path)
    for server in start_live_server(tmp_path, {"SLA_DATABASE_URL": url}):
        with httpx.Client(base_url=server.url, headers={"X-API-Key": server.key}) as admin:
            for tenant_id in ("contoso", "fabrikam", "northwind"):
                admin.post("/v1/tenants", json={"id": tenant_id, "name": tenant_id})
                admin.put(
                    f"/v1/tenants/{tenant_id}/services/{EXO}",
                    json={"policy_id": "microsoft-365", "monthly_fee": "1200.00"},
                ).raise_for_status()
                admin.post(
                    f"/v1/tenants/{tenant_id}/outages",
                    json={"outages": [window(EXO, "2026-10-10T08:00:00Z", "2026-10-10T09:00:00Z")]},
                ).raise_for_status()

            def pull(form: str) -> bytes:
                answer = admin.get("/v1/reports/2026-10", params={"format": form})
                assert answer.status_code == 200, answer.text
                return answer.content

            with ThreadPoolExecutor(max_workers=8) as pool:
                answers = list(pool.map(pull, ["json", "csv"] * 8))

        # Every JSON answer alike, every CSV alike; 3 lines, each of both forms.
        assert len(set(answers[0::2])) == len(set(answers[1::2])) == 1
        assert len(_lines(answers[0])) == len(_rows(answers[1])) == 3
        # October 2026 in UTC is 31 × 1440 = 44640 minutes; 60 down: 99.8655 % < 99.9
        # → 25 % of 1200.00 = 300.00 each.
        assert {line["credit_amount"] for line in _lines(answers[0]).values()} == {"300.00"}
        engine = create_engine(url)
        with engine.connect() as connection:
            stored = connection.execute(
                text("SELECT form, count(*) FROM stored_line GROUP BY form ORDER BY form")
            ).all()
        engine.dispose()
        assert [tuple(row) for row in stored] == [("csv", 3), ("json", 3)]


def test_a_line_stored_at_a_newer_revision_is_not_replaced_by_an_older_one(
    client: TestClient, tenants: None
) -> None:
    # As if a request reading a later snapshot had stored contoso's line meanwhile.
    _page(client)
    with app_engine(client).begin() as connection:
        connection.execute(
            text("UPDATE stored_line SET revision = revision + 1000 WHERE tenant_id = 'contoso'")
        )

    # This pull reads the older revision: it computes the line again (no mark served)
    # and leaves the newer one stored.
    _mark(client)
    assert _lines(_page(client))["contoso"]["downtime_minutes"] == "60"
    with app_engine(client).connect() as connection:
        texts = connection.execute(
            text("SELECT text FROM stored_line WHERE tenant_id = 'contoso' AND form = 'json'")
        ).all()
    assert [row[0].startswith('{"stale":true,') for row in texts] == [True]


def test_a_page_of_stored_lines_is_two_queries(client: TestClient, tenants: None) -> None:
    first = _page(client)
    with sent_statements(app_engine(client)) as sent:
        assert _page(client) == first

    # The lines in force, each with its tenant's revision, then the stored lines of
    # their tenants: nothing else read (beside the transaction's own statements), no
    # window, nothing written.
    reads = [s for s in sent if s.lstrip().upper().startswith("SELECT")]
    assert len(reads) == 2
    assert "FROM subscription_term" in reads[0] and "audit_event" in reads[0]
    assert "FROM stored_line" in reads[1]
    assert not [s for s in sent if s.lstrip().upper().startswith(("INSERT", "UPDATE"))]
