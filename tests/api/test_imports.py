"""Importing timeline files over HTTP: every sample format stored, every bad file refused
with nothing stored, re-imports that close, keep or remove windows, dry runs, the admin
upload for several tenants, keys, service maps and a large file.

The samples are the parser tests' own files in tests/imports/samples. Zones used here,
in November 2026 (after both autumn changes):
- `contoso`, America/New_York: UTC−5, so 09:00 local is 14:00Z.
- `fabrikam`, Europe/Berlin: UTC+1, so 09:00 local is 08:00Z. Berlin springs forward on
  Sunday 29 March 2026 (the last Sunday of March): 02:00–03:00 local does not exist.
- `northwind`, America/Chicago: its Statuspage writes -06:00, so 08:58:12-06:00 is
  14:58:12Z.
- `tailspin`, UTC.
The clock fixture reads 2026-12-05T12:00Z; every upload here is sent by the admin key
(`bootstrap`) unless a test says otherwise.
"""

import hashlib
import json
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response

from tests.api.scenario import (
    Json,
    as_key,
    assert_invalid,
    assert_problem,
    create_tenant,
    instant,
    list_outages,
    make_key,
    report,
    subscribe,
    utc,
)
from tests.imports.helpers import SAMPLES

EXO = "exchange-online"
TEAMS = "microsoft-teams"
SPO = "sharepoint-online"
SUITE = "microsoft-365-suite"
# What the bootstrap admin key (SLA_ADMIN_KEY) acts as.
ADMIN_KEY_ID = "bootstrap"
# The clock fixture's instant: when every import here happens.
NOW = utc(2026, 12, 5, 12)


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def upload(
    client: TestClient,
    tenant_id: str,
    data: bytes,
    format: str = "csv",
    *,
    filename: str = "timeline.csv",
    headers: dict[str, str] | None = None,
    **form: str,
) -> Response:
    return client.post(
        f"/v1/tenants/{tenant_id}/imports",
        files={"file": (filename, data, "application/octet-stream")},
        data={"format": format, **form},
        headers=headers,
    )


def imported(
    client: TestClient, tenant_id: str, data: bytes, format: str = "csv", **options: Any
) -> Json:
    response = upload(client, tenant_id, data, format, **options)
    assert response.status_code == 201, response.text
    body: Json = response.json()
    return body


def upload_for_tenants(
    client: TestClient,
    data: bytes,
    format: str = "csv",
    *,
    headers: dict[str, str] | None = None,
    **form: str,
) -> Response:
    return client.post(
        "/v1/imports",
        files={"file": ("portfolio.csv", data, "text/csv")},
        data={"format": format, **form},
        headers=headers,
    )


def imports_of(client: TestClient, tenant_id: str, **params: str | int) -> list[Json]:
    response = client.get(f"/v1/tenants/{tenant_id}/imports", params=params)
    assert response.status_code == 200, response.text
    items: list[Json] = response.json()["items"]
    return items


def audit_of(client: TestClient, tenant_id: str) -> list[Json]:
    response = client.get("/v1/audit", params={"tenant_id": tenant_id, "limit": 500})
    assert response.status_code == 200, response.text
    items: list[Json] = response.json()["items"]
    return items


def stored(client: TestClient, *tenant_ids: str) -> list[tuple[list[Json], ...]]:
    """Each tenant's outages, imports and audit trail: what a refused upload must leave
    as it was."""
    return [
        (list_outages(client, t), imports_of(client, t), audit_of(client, t)) for t in tenant_ids
    ]


Window = tuple[str, str, datetime, datetime | None, str | None, str | None]


def windows(rows: list[Json]) -> list[Window]:
    """(service, kind, start, end, impact, external_id) of each outage, sorted."""
    seen = [
        (
            row["service_id"],
            row["kind"],
            instant(row["start"]),
            None if row["end"] is None else instant(row["end"]),
            row["impact"],
            row["external_id"],
        )
        for row in rows
    ]
    return sorted(seen, key=lambda w: (w[2], w[0], w[1]))


def counts(body: Json) -> tuple[int, int, int, int, int]:
    return body["rows"], body["created"], body["updated"], body["removed"], body["duplicates"]


def errors(response: Response) -> list[Json]:
    body = assert_problem(response, 422)
    found: list[Json] = body["errors"]
    return found


@pytest.fixture
def contoso(client: TestClient) -> str:
    """New York; the Microsoft 365 services the Graph sample and the CSV samples name."""
    create_tenant(client, "contoso", timezone="America/New_York")
    for service in (EXO, TEAMS, SPO, SUITE):
        subscribe(client, "contoso", service, "microsoft-365", "1200.00")
    return "contoso"


@pytest.fixture
def fabrikam(client: TestClient) -> str:
    """Berlin, Exchange Online only."""
    create_tenant(client, "fabrikam", timezone="Europe/Berlin", currency="EUR")
    subscribe(client, "fabrikam", EXO, "microsoft-365", "900.00")
    return "fabrikam"


@pytest.fixture
def northwind(client: TestClient) -> str:
    """Chicago; the components of the Statuspage sample."""
    create_tenant(client, "northwind", timezone="America/Chicago")
    for service in ("api", "web-dashboard", "email-delivery"):
        subscribe(client, "northwind", service, "aws-ec2", "500.00")
    return "northwind"


@pytest.fixture
def tailspin(client: TestClient) -> str:
    """UTC; the services of the PagerDuty sample."""
    create_tenant(client, "tailspin")
    for service in ("checkout-api", "payments-gateway", "search"):
        subscribe(client, "tailspin", service, "aws-ec2", "500.00")
    return "tailspin"


# Each kind of sample, stored


def test_a_graph_export_stores_incidents_and_skips_the_advisory_and_the_false_positive(
    client: TestClient, contoso: str
) -> None:
    data = sample("graph-issues.json")

    body = imported(client, contoso, data, "graph", filename="graph-issues.json")

    # Five issues: EX123456 (incident, resolved), TM234567 (advisory: skipped), SP345678
    # (incident, not resolved: ongoing), EX456789 (falsePositive: skipped), MO567890
    # (INCIDENT, resolved). Three windows, all new.
    assert counts(body) == (3, 3, 0, 0, 0)
    assert body["skipped"] == [
        {"ref": "graph issue TM234567", "reason": "classification 'advisory' is not an incident"},
        {
            "ref": "graph issue EX456789",
            "reason": "status 'falsePositive': Microsoft found the issue was a false positive",
        },
    ]
    assert isinstance(body["id"], int)
    assert (body["tenant_id"], body["format"], body["filename"]) == (
        contoso,
        "graph",
        "graph-issues.json",
    )
    assert body["sha256"] == sha256(data)
    assert body["dry_run"] is False
    assert instant(body["created_at"]) == NOW
    assert body["actor_key_id"] == ADMIN_KEY_ID

    rows = list_outages(client, contoso)
    assert windows(rows) == [
        (EXO, "outage", utc(2026, 11, 10, 14), utc(2026, 11, 10, 16, 5, 30), "1", "EX123456"),
        # Not resolved: no end, although Graph sent an estimated endDateTime of 18:00Z.
        (SPO, "outage", utc(2026, 11, 12, 8, 30), None, "1", "SP345678"),
        # "Microsoft 365 suite" → microsoft-365-suite.
        (SUITE, "outage", utc(2026, 11, 14, 12), utc(2026, 11, 14, 12, 50), "1", "MO567890"),
    ]
    assert {row["title"] for row in rows} == {
        "Users can't access their mailboxes",
        "Users can't open sites",
        "Users can't sign in to Microsoft 365 apps",
    }
    # Every window points to the import that brought it.
    assert {(row["source"], row["import_id"]) for row in rows} == {("graph", body["id"])}

    # The record is listed and can be read back as it was answered.
    assert imports_of(client, contoso) == [body]
    response = client.get(f"/v1/tenants/{contoso}/imports/{body['id']}")
    assert response.status_code == 200, response.text
    assert response.json() == body


# What statuspage.json holds. Incident p0wq8sm1n7rt (all times -06:00 = UTC−6, on
# 10 Nov), resolved at 11:15:
#   08:58:12 API and Web Dashboard operational → major_outage
#   09:40:00 (display_at; typed in at 09:44:30) API → partial_outage,
#            Web Dashboard → degraded_performance
#   10:30:00 Web Dashboard → operational
# gives api 08:58:12–09:40 at 1, api 09:40–11:15 at 0.3 (ended by resolved_at) and
# web-dashboard 08:58:12–09:40 at 1. started_at (08:50) is not used: the first change
# starts from operational. In UTC (+6 h): 14:58:12Z, 15:40Z, 17:15Z.
# Incident m1n0r5l0wq2e: impact minor, no component changes: skipped.
# Incident x7m4j0r0p3n1: impact major, no changes, unresolved, no started_at: Email
# Delivery from created_at 07:05-06:00 on 12 Nov = 13:05Z, ongoing, at 1.
# Maintenance s9d8b7u6p5g4 for API and Web Dashboard: scheduled_for 22:00-06:00 on
# 14 Nov = 04:00Z on 15 Nov, to resolved_at 01:12:40-06:00 on 15 Nov = 07:12:40Z (not
# to scheduled_until 02:00), impact defaulting to 1.
# 3 + 1 + 2 = 6 windows.
SP_INCIDENT, SP_EMAIL, SP_MAINTENANCE = "p0wq8sm1n7rt", "x7m4j0r0p3n1", "s9d8b7u6p5g4"
STATUSPAGE_WINDOWS: list[Window] = [
    ("api", "outage", utc(2026, 11, 10, 14, 58, 12), utc(2026, 11, 10, 15, 40), "1", SP_INCIDENT),
    (
        "web-dashboard",
        "outage",
        utc(2026, 11, 10, 14, 58, 12),
        utc(2026, 11, 10, 15, 40),
        "1",
        SP_INCIDENT,
    ),
    ("api", "outage", utc(2026, 11, 10, 15, 40), utc(2026, 11, 10, 17, 15), "0.3", SP_INCIDENT),
    ("email-delivery", "outage", utc(2026, 11, 12, 13, 5), None, "1", SP_EMAIL),
    ("api", "maintenance", utc(2026, 11, 15, 4), utc(2026, 11, 15, 7, 12, 40), "1", SP_MAINTENANCE),
    (
        "web-dashboard",
        "maintenance",
        utc(2026, 11, 15, 4),
        utc(2026, 11, 15, 7, 12, 40),
        "1",
        SP_MAINTENANCE,
    ),
]
STATUSPAGE_SKIPPED = [
    {
        "ref": "statuspage incident m1n0r5l0wq2e",
        "reason": "impact 'minor' and no component status changes: not an outage",
    }
]
STATUSPAGE_TITLES = {
    SP_INCIDENT: "API and dashboard unavailable",
    SP_EMAIL: "Email delivery delayed",
    SP_MAINTENANCE: "Database upgrade",
}


def test_a_statuspage_export_cuts_windows_from_component_changes_and_keeps_offsets(
    client: TestClient, northwind: str
) -> None:
    body = imported(client, northwind, sample("statuspage.json"), "statuspage")

    assert counts(body) == (6, 6, 0, 0, 0)
    assert body["skipped"] == STATUSPAGE_SKIPPED
    rows = list_outages(client, northwind)
    assert windows(rows) == STATUSPAGE_WINDOWS
    assert {row["external_id"]: row["title"] for row in rows} == STATUSPAGE_TITLES
    assert {(row["source"], row["import_id"]) for row in rows} == {("statuspage", body["id"])}


def test_a_pagerduty_page_stores_triggered_and_resolved_incidents(
    client: TestClient, tailspin: str
) -> None:
    body = imported(client, tailspin, sample("pagerduty-incidents.json"), "pagerduty")

    # Q2F7XK9 triggered: ongoing. P8M3ZR1 resolved at resolved_at. P5J2WQ4 "Resolved"
    # (any case) without resolved_at: ends at last_status_change_at 06:30Z. P7AKN03
    # acknowledged: ongoing. Four windows, each at full impact.
    assert counts(body) == (4, 4, 0, 0, 0)
    assert body["skipped"] == []
    rows = list_outages(client, tailspin)
    assert windows(rows) == [
        (
            "checkout-api",
            "outage",
            utc(2026, 11, 8, 5, 55),
            utc(2026, 11, 8, 6, 30),
            "1",
            "P5J2WQ4",
        ),
        (
            "payments-gateway",
            "outage",
            utc(2026, 11, 9, 22, 40),
            utc(2026, 11, 9, 23, 25, 10),
            "1",
            "P8M3ZR1",
        ),
        ("checkout-api", "outage", utc(2026, 11, 11, 3, 12, 45), None, "1", "Q2F7XK9"),
        ("search", "outage", utc(2026, 11, 11, 4), None, "1", "P7AKN03"),
    ]
    assert {(row["source"], row["import_id"]) for row in rows} == {("pagerduty", body["id"])}


def test_a_csv_with_a_byte_order_mark_and_crlf_lines(client: TestClient, contoso: str) -> None:
    data = sample("bom-crlf.csv")

    body = imported(client, contoso, data, filename="bom-crlf.csv")

    # Two rows; the BOM does not stick to the first column's name, and CR does not stick
    # to the last cell (the titles would differ).
    assert counts(body) == (2, 2, 0, 0, 0)
    assert body["sha256"] == sha256(data)  # the bytes as sent, BOM included
    rows = list_outages(client, contoso)
    assert windows(rows) == [
        (EXO, "outage", utc(2026, 11, 10, 14), utc(2026, 11, 10, 16, 5, 30), "1", "EX123456"),
        (TEAMS, "outage", utc(2026, 11, 12, 9), None, "1", "TM234567"),
    ]
    assert [row["title"] for row in rows] == ["Mailbox access", "Calls drop"]
    assert {(row["source"], row["import_id"]) for row in rows} == {("csv", body["id"])}


def test_a_semicolon_csv_with_naive_local_times(client: TestClient, fabrikam: str) -> None:
    data = (
        b"service_id;start;end;impact;title\n"
        b"exchange-online;2026-11-10 09:00;2026-11-10 10:30;0.5;Mail, calendar slow\n"
    )

    body = imported(client, fabrikam, data)

    assert counts(body) == (1, 1, 0, 0, 0)
    (row,) = list_outages(client, fabrikam)
    # Berlin in November is UTC+1: 09:00 → 08:00Z, 10:30 → 09:30Z. The comma stays in
    # the title: `;` was the delimiter.
    assert windows([row]) == [
        (EXO, "outage", utc(2026, 11, 10, 8), utc(2026, 11, 10, 9, 30), "0.5", None)
    ]
    assert row["title"] == "Mail, calendar slow"


@pytest.mark.parametrize(
    ("zone", "start", "end"),
    [
        # UTC+1 in November: 09:00 → 08:00Z, 10:30 → 09:30Z.
        pytest.param("Europe/Berlin", utc(2026, 11, 10, 8), utc(2026, 11, 10, 9, 30), id="berlin"),
        # UTC−5 in November: 09:00 → 14:00Z, 10:30 → 15:30Z.
        pytest.param(
            "America/New_York", utc(2026, 11, 10, 14), utc(2026, 11, 10, 15, 30), id="new-york"
        ),
    ],
)
def test_a_naive_local_time_is_read_in_the_tenants_timezone(
    client: TestClient, zone: str, start: datetime, end: datetime
) -> None:
    create_tenant(client, "local", timezone=zone)
    subscribe(client, "local", EXO, "microsoft-365", "100.00")

    # naive-local.csv: exchange-online, "2026-11-10 09:00" to "2026-11-10T10:30:00".
    body = imported(client, "local", sample("naive-local.csv"))

    assert counts(body) == (1, 1, 0, 0, 0)
    (row,) = list_outages(client, "local")
    assert instant(row["start"]) == start
    assert instant(row["end"]) == end


# Bad files: every bad row named, nothing stored


def test_a_naive_time_in_the_dst_gap_is_refused(client: TestClient, fabrikam: str) -> None:
    before = stored(client, fabrikam)
    data = (
        b"service_id,start,end\n"
        b"exchange-online,2026-03-20 09:00,2026-03-20 10:00\n"
        # 29 March 2026, Berlin: 02:00 jumps to 03:00; 02:30 never happens.
        b"exchange-online,2026-03-29 02:30,2026-03-29 04:00\n"
    )

    response = upload(client, fabrikam, data)

    assert errors(response) == [
        {
            "loc": ["file", "line", 3, "start"],
            "msg": "'2026-03-29 02:30' does not exist in Europe/Berlin (skipped by a DST "
            "change); give an offset",
        }
    ]
    # Line 2 was fine, and is not stored either.
    assert stored(client, fabrikam) == before


def test_an_end_before_its_start_is_refused(client: TestClient, contoso: str) -> None:
    before = stored(client, contoso)

    # end-before-start.csv line 2: start 16:00Z, end 14:00Z.
    response = upload(client, contoso, sample("end-before-start.csv"))

    msg = assert_invalid(response, ["file", "line", 2, "end"], "2026-11-10T14:00:00Z")
    assert "'2026-11-10T16:00:00Z'" in msg  # the start it is not after
    assert len(errors(response)) == 1
    assert stored(client, contoso) == before


def test_a_service_the_tenant_does_not_subscribe_to_is_refused(
    client: TestClient, fabrikam: str
) -> None:
    before = stored(client, fabrikam)

    # bom-crlf.csv line 3 is microsoft-teams; fabrikam has only exchange-online (line 2).
    response = upload(client, fabrikam, sample("bom-crlf.csv"))

    assert errors(response) == [
        {
            "loc": ["file", "line", 3, "service_id"],
            "msg": "'microsoft-teams' is not a service tenant 'fabrikam' subscribes to",
        }
    ]
    assert stored(client, fabrikam) == before


def test_one_external_id_twice_with_overlapping_different_values_is_refused(
    client: TestClient, contoso: str
) -> None:
    before = stored(client, contoso)

    # duplicate-id.csv: EX5 14:00–15:00Z on line 2, EX5 14:00–15:30Z on line 3.
    response = upload(client, contoso, sample("duplicate-id.csv"))

    assert errors(response) == [
        {
            "loc": ["file", "line", 3, "external_id"],
            "msg": "'EX5' appears earlier in this upload (file.line.2) with different values "
            "over the same time",
        }
    ]
    assert stored(client, contoso) == before


def test_a_latin1_byte_is_refused_as_not_utf8(client: TestClient, contoso: str) -> None:
    before = stored(client, contoso)

    response = upload(client, contoso, sample("latin1.csv"))

    # Line 1 "service_id,start,end,title\n" is 27 bytes; line 2 is 15 + 1 + 20 + 1 + 20 +
    # 1 + 14 + 1 = 73 bytes; so line 3 starts at offset 100, and its "é" (0xE9) comes
    # after "microsoft-teams," (16), two timestamps with commas (2 × 21) and "Caf" (3):
    # 100 + 16 + 42 + 3 = 161.
    assert errors(response) == [
        {
            "loc": ["file", "line", 3],
            "msg": "the file is not UTF-8: byte 0xE9 on line 3 (byte offset 161) is not valid "
            "UTF-8; save the file as UTF-8 and upload it again",
        }
    ]
    # Line 2, read before the bad byte, is not stored.
    assert stored(client, contoso) == before


def test_a_comma_decimal_in_a_semicolon_csv_is_refused(client: TestClient, contoso: str) -> None:
    before = stored(client, contoso)

    # semicolon.csv: line 2 has impact 0.5, line 3 has "0,5".
    response = upload(client, contoso, sample("semicolon.csv"))

    assert errors(response) == [
        {
            "loc": ["file", "line", 3, "impact"],
            "msg": "'0,5' is not a plain decimal such as \"99.9\"",
        }
    ]
    assert stored(client, contoso) == before


def test_every_bad_row_is_reported_in_one_answer(client: TestClient, fabrikam: str) -> None:
    before = stored(client, fabrikam)
    data = (
        b"service_id,start,end,users_affected\n"
        b"exchange-online,2026-11-10T10:00:00Z,2026-11-10T09:00:00Z,\n"
        b"exchange-online,2026-11-11T10:00:00Z,2026-11-11T11:00:00Z,\n"
        b"teams,2026-11-12T10:00:00Z,,\n"
        b"exchange-online,2026-11-13T10:00:00Z,,many\n"
        b"exchange-online,soon,,\n"
    )

    response = upload(client, fabrikam, data)

    # Lines 2, 4, 5 and 6 are bad; line 3 is fine.
    found = errors(response)
    # In file order, the parser's own error (line 5) among the others.
    assert [error["loc"] for error in found] == [
        ["file", "line", 2, "end"],
        ["file", "line", 4, "service_id"],
        ["file", "line", 5, "users_affected"],
        ["file", "line", 6, "start"],
    ]
    assert "'2026-11-10T09:00:00Z'" in found[0]["msg"]
    assert "'teams'" in found[1]["msg"]
    assert "'many'" in found[2]["msg"]
    assert "'soon'" in found[3]["msg"]
    assert stored(client, fabrikam) == before


@pytest.mark.parametrize("format", ["csv", "json", "graph", "statuspage", "pagerduty"])
def test_an_empty_file_is_refused_in_every_format(
    client: TestClient, contoso: str, format: str
) -> None:
    before = stored(client, contoso)

    response = upload(client, contoso, sample("empty.csv"), format)

    assert errors(response) == [{"loc": ["file"], "msg": "the file is empty"}]
    assert stored(client, contoso) == before


def test_a_header_only_csv_is_refused(client: TestClient, contoso: str) -> None:
    before = stored(client, contoso)

    response = upload(client, contoso, sample("header-only.csv"))

    assert errors(response) == [{"loc": ["file"], "msg": "the file holds no outage windows"}]
    assert stored(client, contoso) == before


def test_a_file_of_nothing_but_skipped_entries_is_recorded(
    client: TestClient, contoso: str
) -> None:
    # Not "no windows and nothing skipped": the record says what was skipped, and why.
    data = json.dumps({"value": [{"id": "TM1", "classification": "advisory"}]}).encode()

    body = imported(client, contoso, data, "graph")

    assert counts(body) == (0, 0, 0, 0, 0)
    assert body["skipped"] == [
        {"ref": "graph issue TM1", "reason": "classification 'advisory' is not an incident"}
    ]
    assert list_outages(client, contoso) == []
    assert [item["id"] for item in imports_of(client, contoso)] == [body["id"]]


def test_a_tenant_id_column_is_refused_outside_the_admin_upload(
    client: TestClient, contoso: str
) -> None:
    before = stored(client, contoso)
    data = b"tenant_id,service_id,start\ncontoso,exchange-online,2026-11-10T10:00:00Z\n"

    response = upload(client, contoso, data)

    assert errors(response) == [
        {
            "loc": ["file", "line", 1, "tenant_id"],
            "msg": "a tenant_id column is only accepted in the admin upload for several tenants",
        }
    ]
    assert stored(client, contoso) == before


# Re-imports


def test_a_reimport_after_the_incident_resolves_closes_its_window(
    client: TestClient, contoso: str
) -> None:
    first = imported(client, contoso, sample("graph-issues.json"), "graph")
    ongoing = {row["external_id"]: row for row in list_outages(client, contoso)}
    assert ongoing["SP345678"]["end"] is None
    resolved = json.loads(sample("graph-issues.json"))
    (issue,) = [item for item in resolved["value"] if item["id"] == "SP345678"]
    issue["isResolved"] = True
    issue["status"] = "serviceRestored"  # endDateTime was already 18:00Z

    second = imported(client, contoso, json.dumps(resolved).encode(), "graph")

    # The same three windows: SP345678 gains its end (updated), the other two are as
    # stored (duplicates); nothing new, nothing gone.
    assert counts(second) == (3, 0, 1, 0, 2)
    after = {row["external_id"]: row for row in list_outages(client, contoso)}
    closed = after["SP345678"]
    assert closed["id"] == ongoing["SP345678"]["id"]
    assert instant(closed["start"]) == utc(2026, 11, 12, 8, 30)
    assert instant(closed["end"]) == utc(2026, 11, 12, 18)
    # The updated window now points to the import that closed it; the others still
    # point to the one that brought them.
    assert closed["import_id"] == second["id"]
    assert after["EX123456"] == ongoing["EX123456"]
    assert after["MO567890"]["import_id"] == first["id"]
    assert [item["id"] for item in imports_of(client, contoso)] == [second["id"], first["id"]]


def test_the_same_file_imported_again_changes_nothing(client: TestClient, northwind: str) -> None:
    data = sample("statuspage.json")
    first = imported(client, northwind, data, "statuspage")
    outages = list_outages(client, northwind)

    again = imported(client, northwind, data, "statuspage")

    # All six windows are as stored.
    assert counts(again) == (6, 0, 0, 0, 6)
    assert again["sha256"] == first["sha256"] == sha256(data)
    assert again["skipped"] == first["skipped"]
    assert list_outages(client, northwind) == outages
    # The second import is recorded all the same, newest first.
    assert [item["id"] for item in imports_of(client, northwind)] == [again["id"], first["id"]]


def test_an_incident_that_loses_a_window_when_resent_has_it_removed(
    client: TestClient, northwind: str
) -> None:
    imported(client, northwind, sample("statuspage.json"), "statuspage")
    before = list_outages(client, northwind)
    document = json.loads(sample("statuspage.json"))
    (incident,) = [item for item in document["incidents"] if item["id"] == "p0wq8sm1n7rt"]
    (update,) = [item for item in incident["incident_updates"] if item["id"] == "i6f2h9j4l8na"]
    (change,) = [item for item in update["affected_components"] if item["name"] == "API"]
    # The page now says the API recovered fully at 09:40 instead of partly.
    change["new_status"] = "operational"

    again = imported(client, northwind, json.dumps(document).encode(), "statuspage")

    # The API's 09:40–11:15 partial window is gone (removed 1); the five other windows
    # are as stored (duplicates 5).
    assert counts(again) == (5, 0, 0, 1, 5)
    (partial,) = [row for row in before if row["impact"] == "0.3"]
    after = list_outages(client, northwind)
    assert after == [row for row in before if row["id"] != partial["id"]]


# A report reflects an import


def test_a_report_counts_the_windows_an_import_stored(client: TestClient, contoso: str) -> None:
    data = (
        b"service_id,kind,start,end,external_id\n"
        # New York, UTC−5: 14:00Z to 15:56:24Z, 1 h 56 min 24 s = 116.4 min.
        b"exchange-online,outage,2026-11-10 09:00,2026-11-10 10:56:24,EX900\n"
        # 30 min of maintenance inside it, which microsoft-365 excludes.
        b"exchange-online,maintenance,2026-11-10T14:30:00Z,2026-11-10T15:00:00Z,MNT-1\n"
    )
    body = imported(client, contoso, data)
    assert counts(body) == (2, 2, 0, 0, 0)

    line = next(line for line in report(client, contoso)["services"] if line["service_id"] == EXO)

    # microsoft-365 measures November in UTC: 30 × 1440 = 43200 minutes.
    assert line["period_minutes"] == "43200"
    # 116.4 − 30 = 86.4 minutes down.
    assert line["downtime_minutes"] == "86.4"
    assert line["excluded_minutes"] == "30"
    # (43200 − 86.4)/43200 × 100 = 100 − 86.4/432 = 100 − 0.2 = 99.8
    assert line["availability_percent"] == "99.8"
    assert line["met"] is False
    # 99 ≤ 99.8 < 99.9: the 25 % tier; 1200.00 × 25 % = 300.00
    assert line["credit_percent"] == "25"
    assert line["credit_amount"] == "300.00"
    assert line["error_budget"] == {
        "allowed_minutes": "43.2",  # 43200 × 0.001
        "used_minutes": "86.4",
        "remaining_minutes": "-43.2",  # 43.2 − 86.4
        "used_percent": "200",  # 86.4 / 43.2 × 100
    }
    (incident,) = line["incidents"]
    (outage,) = [row for row in list_outages(client, contoso) if row["kind"] == "outage"]
    assert (incident["external_id"], incident["counted_minutes"]) == ("EX900", "86.4")
    assert incident["outage_id"] == outage["id"]
    assert outage["import_id"] == body["id"]


# The audit trail of an import

TWO_WINDOWS = (
    b"service_id,start,end,external_id\n"
    b"exchange-online,2026-11-03T10:00:00Z,2026-11-03T11:00:00Z,EX1\n"
    b"exchange-online,2026-11-03T12:00:00Z,2026-11-03T13:00:00Z,EX1\n"
)


def trail(events: list[Json]) -> list[tuple[str, str, str]]:
    """(entity, entity id, action) of each window and import row, oldest first."""
    return [
        (event["entity"], event["entity_id"], event["action"])
        for event in events
        if event["entity"] in ("outage", "import")
    ]


def test_an_import_is_audited_in_one_row_that_shows_the_import(
    client: TestClient, contoso: str
) -> None:
    body = imported(client, contoso, TWO_WINDOWS)

    # One row for the import, none per window it created: both windows carry its id.
    events = audit_of(client, contoso)
    assert trail(events) == [("import", str(body["id"]), "create")]
    (event,) = [event for event in events if event["entity"] == "import"]
    assert (event["actor_key_id"], event["at"]) == (ADMIN_KEY_ID, NOW.isoformat())
    assert event["before"] is None
    # The row shows the import as the API does: counts 2 rows, 2 created.
    shown = client.get(f"/v1/tenants/{contoso}/imports/{body['id']}").json()
    assert event["after"] == shown
    assert (event["after"]["rows"], event["after"]["created"]) == (2, 2)
    assert {row["import_id"] for row in list_outages(client, contoso)} == {body["id"]}


def test_a_reimport_audits_each_window_it_updates_or_removes(
    client: TestClient, contoso: str
) -> None:
    first = imported(client, contoso, TWO_WINDOWS)
    early, late = list_outages(client, contoso)
    # EX1 again, now one window 10:00-11:30: it updates the 10:00 window (same service
    # and kind, first in time) and the 12:00 window is removed.
    again = imported(
        client,
        contoso,
        b"service_id,start,end,external_id\n"
        b"exchange-online,2026-11-03T10:00:00Z,2026-11-03T11:30:00Z,EX1\n",
    )

    assert counts(again) == (1, 0, 1, 1, 0)
    events = audit_of(client, contoso)
    assert trail(events) == [
        ("import", str(first["id"]), "create"),
        ("outage", str(late["id"]), "delete"),
        ("outage", str(early["id"]), "update"),
        ("import", str(again["id"]), "create"),
    ]
    removed, updated = events[-3], events[-2]
    assert removed["before"] == late and removed["after"] is None
    assert updated["before"] == early
    assert updated["after"]["end"] == "2026-11-03T11:30:00+00:00"
    assert updated["after"]["import_id"] == again["id"]


def history(client: TestClient, tenant_id: str, outage_id: int) -> list[tuple[str, str, str]]:
    response = client.get(f"/v1/tenants/{tenant_id}/outages/{outage_id}/history")
    assert response.status_code == 200, response.text
    return trail(response.json()["items"])


def test_an_imported_windows_history_starts_with_its_import(
    client: TestClient, contoso: str
) -> None:
    body = imported(client, contoso, TWO_WINDOWS)
    early, late = list_outages(client, contoso)
    creation = ("import", str(body["id"]), "create")

    # Untouched since the import: the import's row alone.
    assert history(client, contoso, early["id"]) == [creation]
    # Corrected, then withdrawn: the import's row, then the window's own.
    patched = client.patch(
        f"/v1/tenants/{contoso}/outages/{early['id']}", json={"title": "Mail down"}
    )
    assert patched.status_code == 200, patched.text
    assert client.delete(f"/v1/tenants/{contoso}/outages/{late['id']}").status_code == 204
    assert history(client, contoso, early["id"]) == [
        creation,
        ("outage", str(early["id"]), "update"),
    ]
    assert history(client, contoso, late["id"]) == [
        creation,
        ("outage", str(late["id"]), "delete"),
    ]
    # Another tenant's path still finds nothing.
    create_tenant(client, "beta")
    assert_problem(client.get(f"/v1/tenants/beta/outages/{early['id']}/history"), 404)


# Dry runs


def test_a_dry_run_answers_200_with_the_counts_and_stores_nothing(
    client: TestClient, contoso: str
) -> None:
    data = sample("graph-issues.json")
    before = stored(client, contoso)

    response = upload(client, contoso, data, "graph", dry_run="true")

    assert response.status_code == 200, response.text
    dry = response.json()
    # The same three windows and two skipped issues as the real import below.
    assert counts(dry) == (3, 3, 0, 0, 0)
    assert len(dry["skipped"]) == 2
    assert (dry["id"], dry["created_at"], dry["dry_run"]) == (None, None, True)
    assert dry["sha256"] == sha256(data)
    assert stored(client, contoso) == before
    assert before[0][:2] == ([], [])  # no outages, no imports

    real = imported(client, contoso, data, "graph")

    assert real["dry_run"] is False
    different = {"id", "created_at", "dry_run"}
    assert {k: v for k, v in dry.items() if k not in different} == {
        k: v for k, v in real.items() if k not in different
    }


def test_a_dry_run_of_a_reimport_counts_the_update_and_changes_nothing(
    client: TestClient, contoso: str
) -> None:
    imported(client, contoso, sample("graph-issues.json"), "graph")
    before = stored(client, contoso)
    resolved = json.loads(sample("graph-issues.json"))
    for item in resolved["value"]:
        if item["id"] == "SP345678":
            item["isResolved"] = True

    response = upload(client, contoso, json.dumps(resolved).encode(), "graph", dry_run="true")

    assert response.status_code == 200, response.text
    # SP345678 would gain its end; the other two are as stored.
    assert counts(response.json()) == (3, 0, 1, 0, 2)
    assert stored(client, contoso) == before


def test_a_dry_run_of_a_bad_file_is_refused_like_the_real_run(
    client: TestClient, contoso: str
) -> None:
    before = stored(client, contoso)

    response = upload(client, contoso, sample("end-before-start.csv"), dry_run="true")

    assert_invalid(response, ["file", "line", 2, "end"], "2026-11-10T14:00:00Z")
    assert stored(client, contoso) == before


# The admin upload for several tenants

PORTFOLIO = (
    b"tenant_id,service_id,start,end,external_id\n"
    # Each naive time is read in its own tenant's zone: New York 09:00 = 14:00Z ...
    b"contoso,exchange-online,2026-11-10 09:00,2026-11-10 10:00,EX1\n"
    # ... Berlin 09:00 = 08:00Z.
    b"fabrikam,exchange-online,2026-11-10 09:00,2026-11-10 10:00,EX1\n"
    b"contoso,microsoft-teams,2026-11-11T08:00:00Z,,TM1\n"
)


def test_the_admin_upload_stores_one_import_per_tenant(
    client: TestClient, contoso: str, fabrikam: str
) -> None:
    response = upload_for_tenants(client, PORTFOLIO)

    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["format"], body["filename"], body["dry_run"]) == ("csv", "portfolio.csv", False)
    assert body["sha256"] == sha256(PORTFOLIO)
    assert body["skipped"] == []
    # One import per tenant, by tenant id: contoso has lines 2 and 4, fabrikam line 3.
    first, second = body["imports"]
    assert (first["tenant_id"], counts(first)) == (contoso, (2, 2, 0, 0, 0))
    assert (second["tenant_id"], counts(second)) == (fabrikam, (1, 1, 0, 0, 0))
    assert first["id"] != second["id"]
    assert first["actor_key_id"] == second["actor_key_id"] == ADMIN_KEY_ID

    assert imports_of(client, contoso) == [first]
    assert imports_of(client, fabrikam) == [second]
    assert windows(list_outages(client, contoso)) == [
        (EXO, "outage", utc(2026, 11, 10, 14), utc(2026, 11, 10, 15), "1", "EX1"),
        (TEAMS, "outage", utc(2026, 11, 11, 8), None, "1", "TM1"),
    ]
    assert windows(list_outages(client, fabrikam)) == [
        (EXO, "outage", utc(2026, 11, 10, 8), utc(2026, 11, 10, 9), "1", "EX1"),
    ]
    assert {row["import_id"] for row in list_outages(client, contoso)} == {first["id"]}
    assert {row["import_id"] for row in list_outages(client, fabrikam)} == {second["id"]}


def test_the_admin_dry_run_stores_nothing_for_anyone(
    client: TestClient, contoso: str, fabrikam: str
) -> None:
    before = stored(client, contoso, fabrikam)

    response = upload_for_tenants(client, PORTFOLIO, dry_run="true")

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["dry_run"] is True
    assert [(item["tenant_id"], item["id"], counts(item)) for item in body["imports"]] == [
        (contoso, None, (2, 2, 0, 0, 0)),
        (fabrikam, None, (1, 1, 0, 0, 0)),
    ]
    assert stored(client, contoso, fabrikam) == before


def test_an_unknown_tenant_in_the_admin_upload_stores_nothing_for_anyone(
    client: TestClient, contoso: str, fabrikam: str
) -> None:
    before = stored(client, contoso, fabrikam)
    data = (
        b"tenant_id,service_id,start,end\n"
        b"contoso,exchange-online,2026-11-10T14:00:00Z,2026-11-10T15:00:00Z\n"
        b"nobody,exchange-online,2026-11-10T14:00:00Z,2026-11-10T15:00:00Z\n"
        b"fabrikam,microsoft-teams,2026-11-10T14:00:00Z,2026-11-10T15:00:00Z\n"
        b"fabrikam,exchange-online,2026-11-10T14:00:00Z,2026-11-10T15:00:00Z\n"
    )

    response = upload_for_tenants(client, data)

    # Line 3's tenant does not exist; line 4's service is not fabrikam's. Lines 2 and 5
    # are fine, and are not stored either.
    assert errors(response) == [
        {"loc": ["file", "line", 3, "tenant_id"], "msg": "tenant 'nobody' does not exist"},
        {
            "loc": ["file", "line", 4, "service_id"],
            "msg": "'microsoft-teams' is not a service tenant 'fabrikam' subscribes to",
        },
    ]
    assert stored(client, contoso, fabrikam) == before


def test_the_admin_upload_needs_the_tenant_id_column(client: TestClient, contoso: str) -> None:
    before = stored(client, contoso)

    response = upload_for_tenants(client, b"service_id,start\nexchange-online,2026-11-10T14:00Z\n")

    assert errors(response) == [
        {"loc": ["file", "line", 1], "msg": "the required column 'tenant_id' is missing"}
    ]
    assert stored(client, contoso) == before


@pytest.mark.parametrize("role", ["tenant", "finance"])
def test_only_an_admin_key_may_upload_for_several_tenants(
    client: TestClient, contoso: str, fabrikam: str, role: str
) -> None:
    _, secret = make_key(client, role, contoso if role == "tenant" else None)
    before = stored(client, contoso, fabrikam)

    response = upload_for_tenants(client, PORTFOLIO, headers=as_key(secret))

    body = assert_problem(response, 403)
    assert role in body["detail"]
    assert stored(client, contoso, fabrikam) == before


# Keys


def test_a_tenant_key_imports_into_its_own_tenant(client: TestClient, contoso: str) -> None:
    key_id, secret = make_key(client, "tenant", contoso)

    response = upload(client, contoso, sample("bom-crlf.csv"), headers=as_key(secret))

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["actor_key_id"] == key_id
    assert counts(body) == (2, 2, 0, 0, 0)
    mine = client.get(f"/v1/tenants/{contoso}/imports", headers=as_key(secret))
    assert mine.status_code == 200, mine.text
    assert mine.json()["items"] == [body]


def test_a_tenant_key_gets_404_for_another_tenants_imports(
    client: TestClient, contoso: str, fabrikam: str
) -> None:
    theirs = imported(client, fabrikam, sample("naive-local.csv"))
    _, secret = make_key(client, "tenant", contoso)
    before = stored(client, fabrikam)

    posted = upload(client, fabrikam, sample("naive-local.csv"), headers=as_key(secret))
    listed = client.get(f"/v1/tenants/{fabrikam}/imports", headers=as_key(secret))
    read = client.get(f"/v1/tenants/{fabrikam}/imports/{theirs['id']}", headers=as_key(secret))
    # Through its own tenant's path, another tenant's import does not exist either.
    via_own = client.get(f"/v1/tenants/{contoso}/imports/{theirs['id']}", headers=as_key(secret))

    for response in (posted, listed, read, via_own):
        assert_problem(response, 404)
    assert stored(client, fabrikam) == before


def test_a_finance_key_may_read_imports_but_not_import(client: TestClient, contoso: str) -> None:
    body = imported(client, contoso, sample("bom-crlf.csv"))
    _, secret = make_key(client, "finance")
    before = stored(client, contoso)

    response = upload(client, contoso, sample("naive-local.csv"), headers=as_key(secret))

    problem = assert_problem(response, 403)
    assert "finance" in problem["detail"]
    assert stored(client, contoso) == before
    listed = client.get(f"/v1/tenants/{contoso}/imports", headers=as_key(secret))
    assert listed.status_code == 200, listed.text
    assert listed.json()["items"] == [body]


# The import list


def test_imports_are_listed_newest_first_in_pages(client: TestClient, contoso: str) -> None:
    ids = [imported(client, contoso, sample("bom-crlf.csv"))["id"] for _ in range(3)]

    page = client.get(f"/v1/tenants/{contoso}/imports", params={"limit": 2}).json()
    rest = client.get(
        f"/v1/tenants/{contoso}/imports", params={"limit": 2, "cursor": page["next_cursor"]}
    ).json()

    assert [item["id"] for item in page["items"]] == [ids[2], ids[1]]
    assert [item["id"] for item in rest["items"]] == [ids[0]]
    assert rest["next_cursor"] is None


def test_an_unknown_import_is_404(client: TestClient, contoso: str) -> None:
    body = assert_problem(client.get(f"/v1/tenants/{contoso}/imports/999"), 404)
    assert "999" in body["detail"]


# service_map


def test_a_service_map_sends_a_provider_service_to_a_custom_service_id(
    client: TestClient,
) -> None:
    create_tenant(client, "mapped")
    for service in ("mail", "sites", SUITE):
        subscribe(client, "mapped", service, "microsoft-365", "100.00")
    service_map = json.dumps({"Exchange Online": "mail", "SharePoint Online": "sites"})

    body = imported(client, "mapped", sample("graph-issues.json"), "graph", service_map=service_map)

    assert counts(body) == (3, 3, 0, 0, 0)
    by_issue = {row["external_id"]: row["service_id"] for row in list_outages(client, "mapped")}
    # Mapped names go where the map says; the unmapped one keeps its slug.
    assert by_issue == {"EX123456": "mail", "SP345678": "sites", "MO567890": SUITE}


@pytest.mark.parametrize(
    "service_map",
    [
        pytest.param("not json", id="not-json"),
        pytest.param('["Exchange Online"]', id="a-list"),
        pytest.param('{"Exchange Online": 1}', id="a-number-value"),
        pytest.param('{"Exchange Online": null}', id="a-null-value"),
    ],
)
def test_an_invalid_service_map_is_refused(
    client: TestClient, contoso: str, service_map: str
) -> None:
    before = stored(client, contoso)

    response = upload(
        client, contoso, sample("graph-issues.json"), "graph", service_map=service_map
    )

    msg = assert_invalid(response, ["body", "service_map"], service_map)
    assert msg.endswith("is not a JSON object of provider name to service id")
    assert stored(client, contoso) == before


# The form itself


def test_an_unknown_format_is_refused(client: TestClient, contoso: str) -> None:
    before = stored(client, contoso)

    response = upload(client, contoso, sample("bom-crlf.csv"), "xlsx")

    assert_invalid(response, ["body", "format"], "xlsx")
    assert stored(client, contoso) == before


def test_a_missing_file_is_refused(client: TestClient, contoso: str) -> None:
    before = stored(client, contoso)

    response = client.post(f"/v1/tenants/{contoso}/imports", data={"format": "csv"})

    assert errors(response) == [{"loc": ["body", "file"], "msg": "Field required"}]
    assert stored(client, contoso) == before


def test_a_missing_format_is_refused(client: TestClient, contoso: str) -> None:
    before = stored(client, contoso)

    response = client.post(
        f"/v1/tenants/{contoso}/imports", files={"file": ("a.csv", sample("bom-crlf.csv"))}
    )

    assert errors(response) == [{"loc": ["body", "format"], "msg": "Field required"}]
    assert stored(client, contoso) == before


def test_a_file_name_over_255_characters_is_refused(client: TestClient, contoso: str) -> None:
    # The record keeps 255 characters; PostgreSQL used to answer 500 for more.
    name = "a" * 252 + ".csv"  # 256 characters
    before = stored(client, contoso)

    response = upload(client, contoso, sample("bom-crlf.csv"), filename=name)

    assert errors(response) == [
        {
            "loc": ["body", "file", "filename"],
            "msg": f"the file name '{'a' * 100}…' is 256 characters long; at most 255 are kept",
        }
    ]
    assert stored(client, contoso) == before
    # 255 is fine.
    fits = imported(client, contoso, sample("bom-crlf.csv"), filename=name[1:])
    assert fits["filename"] == name[1:]


def test_a_file_name_with_a_control_character_is_refused(client: TestClient, contoso: str) -> None:
    # Sent raw: the test client would percent-encode it. PostgreSQL refuses NUL in text.
    body = (
        b'--b0undary\r\nContent-Disposition: form-data; name="format"\r\n\r\ncsv\r\n'
        b'--b0undary\r\nContent-Disposition: form-data; name="file"; filename="a\x00.csv"\r\n'
        b"Content-Type: text/csv\r\n\r\n" + sample("bom-crlf.csv") + b"\r\n--b0undary--\r\n"
    )
    before = stored(client, contoso)

    response = client.post(
        f"/v1/tenants/{contoso}/imports",
        content=body,
        headers={"Content-Type": "multipart/form-data; boundary=b0undary"},
    )

    assert errors(response) == [
        {
            "loc": ["body", "file", "filename"],
            "msg": "'a\\x00.csv' holds the control character U+0000 at position 1",
        }
    ]
    assert stored(client, contoso) == before


# A large file


def test_two_thousand_rows_import_in_one_request_and_again_as_duplicates(
    client: TestClient, contoso: str
) -> None:
    first_start = datetime(2026, 11, 1, tzinfo=UTC)
    lines = [b"service_id,start,end,external_id\n"]
    for number in range(2000):
        # Every 20 minutes a 10-minute outage: the last starts 1999 × 20 = 39980 min
        # (27 d 18 h 20 min) after 1 Nov 00:00Z, on 28 Nov at 18:20Z.
        start = first_start + timedelta(minutes=20 * number)
        end = start + timedelta(minutes=10)
        lines.append(
            f"{EXO},{start:%Y-%m-%dT%H:%M:%SZ},{end:%Y-%m-%dT%H:%M:%SZ},GEN-{number:04d}\n".encode()
        )
    data = b"".join(lines)

    first = imported(client, contoso, data)
    again = imported(client, contoso, data)

    assert counts(first) == (2000, 2000, 0, 0, 0)
    assert counts(again) == (2000, 0, 0, 0, 2000)
    rows: list[Json] = []
    cursor: str | None = None
    while True:
        params: dict[str, str | int] = {"limit": 500}
        if cursor is not None:
            params["cursor"] = cursor
        page = client.get(f"/v1/tenants/{contoso}/outages", params=params).json()
        rows.extend(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(rows) == 2000
    assert {row["import_id"] for row in rows} == {first["id"]}
    assert instant(rows[-1]["start"]) == utc(2026, 11, 28, 18, 20)
    assert rows[-1]["external_id"] == "GEN-1999"


def test_uploads_naming_the_same_tenants_in_opposite_orders_both_land(
    client: TestClient, contoso: str, fabrikam: str
) -> None:
    """Sent at once, a file that names contoso then fabrikam and one that names them the
    other way round lock both tenants in the same (id) order, so neither deadlocks:
    each stores its 2 windows (4 in all, 2 per tenant)."""
    forward = (
        b"tenant_id,service_id,start,end,external_id\n"
        b"contoso,exchange-online,2026-11-03T10:00:00Z,2026-11-03T11:00:00Z,F1\n"
        b"fabrikam,exchange-online,2026-11-03T10:00:00Z,2026-11-03T11:00:00Z,F1\n"
    )
    backward = (
        b"tenant_id,service_id,start,end,external_id\n"
        b"fabrikam,exchange-online,2026-11-04T10:00:00Z,2026-11-04T11:00:00Z,B1\n"
        b"contoso,exchange-online,2026-11-04T10:00:00Z,2026-11-04T11:00:00Z,B1\n"
    )
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def send(data: bytes) -> None:
        barrier.wait()
        statuses.append(upload_for_tenants(client, data).status_code)

    threads = [threading.Thread(target=send, args=(data,)) for data in (forward, backward)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [201, 201]
    for tenant in (contoso, fabrikam):
        outages = client.get(f"/v1/tenants/{tenant}/outages").json()["items"]
        assert sorted(outage["external_id"] for outage in outages) == ["B1", "F1"]
