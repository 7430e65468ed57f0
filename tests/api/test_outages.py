"""Outage windows over HTTP: batches stored all or none, re-sent windows, the list's
filters and pages, PATCH and DELETE, and tenant isolation.

Tenant `contoso` is in America/New_York. In 2026 New York springs forward on 8 March
(02:00–03:00 local does not exist) and falls back on 1 November (01:00–02:00 local
happens twice); from 1 November on it is UTC−5.
"""

import json

import pytest
from fastapi.testclient import TestClient

from tests.api.scenario import (
    Json,
    assert_invalid,
    assert_problem,
    create_tenant,
    error_at,
    instant,
    list_outages,
    post_outages,
    quotes,
    store_outages,
    subscribe,
    utc,
    window,
)

EXO = "exchange-online"
TEAMS = "teams"


@pytest.fixture
def contoso(client: TestClient) -> str:
    create_tenant(client, "contoso", timezone="America/New_York")
    subscribe(client, "contoso", EXO, "microsoft-365", "1200.00")
    subscribe(client, "contoso", TEAMS, "microsoft-365", "800.00", users=200)
    return "contoso"


# Batch create


def test_batch_create_counts_and_echoes_each_row_in_order(client: TestClient, contoso: str) -> None:
    response = post_outages(
        client,
        contoso,
        window(EXO, "2026-11-03T14:00:00Z", "2026-11-03T15:00:00Z", external_id="EX1"),
        window(TEAMS, "2026-11-04T10:00:00+00:00", "2026-11-04T10:30:00+00:00", impact="0.5"),
        window(EXO, "2026-11-05T02:00:00Z", "2026-11-05T03:00:00Z", kind="maintenance"),
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["created"], body["updated"], body["duplicates"]) == (3, 0, 0)
    first, second, third = body["outages"]
    assert (first["service_id"], first["external_id"], first["kind"]) == (EXO, "EX1", "outage")
    assert instant(first["start"]) == utc(2026, 11, 3, 14)
    assert instant(first["end"]) == utc(2026, 11, 3, 15)
    assert (second["service_id"], second["impact"]) == (TEAMS, "0.5")
    assert third["kind"] == "maintenance"
    assert {row["tenant_id"] for row in body["outages"]} == {"contoso"}
    assert len({row["id"] for row in body["outages"]}) == 3

    stored = list_outages(client, contoso)
    assert sorted(row["id"] for row in stored) == sorted(row["id"] for row in body["outages"])


def test_impact_defaults_to_one_and_kind_to_outage(client: TestClient, contoso: str) -> None:
    body = store_outages(client, contoso, window(EXO, "2026-11-03T14:00:00Z"))

    (row,) = body["outages"]
    assert row["impact"] == "1"
    assert row["kind"] == "outage"
    # No end: still ongoing.
    assert row["end"] is None


def test_a_maintenance_window_is_stored_as_maintenance(client: TestClient, contoso: str) -> None:
    store_outages(
        client,
        contoso,
        window(EXO, "2026-11-07T02:00:00Z", "2026-11-07T04:00:00Z", kind="maintenance"),
    )

    (row,) = list_outages(client, contoso)
    assert row["kind"] == "maintenance"


def test_a_naive_timestamp_is_read_in_the_tenants_timezone(
    client: TestClient, contoso: str
) -> None:
    # 3 November 2026 is after the fall-back: New York is UTC−5, so 09:00 local = 14:00Z.
    body = store_outages(client, contoso, window(EXO, "2026-11-03T09:00:00", "2026-11-03T10:30"))

    (row,) = body["outages"]
    assert instant(row["start"]) == utc(2026, 11, 3, 14)
    assert instant(row["end"]) == utc(2026, 11, 3, 15, 30)


def test_users_affected_is_kept_for_a_service_with_seats(client: TestClient, contoso: str) -> None:
    body = store_outages(
        client,
        contoso,
        window(TEAMS, "2026-11-03T14:00:00Z", "2026-11-03T15:00Z", users_affected=50),
    )

    (row,) = body["outages"]
    assert row["users_affected"] == 50
    assert row["impact"] is None


# Rows refused


def test_a_service_the_tenant_does_not_subscribe_to_is_refused(
    client: TestClient, contoso: str
) -> None:
    response = post_outages(client, contoso, window("sharepoint", "2026-11-03T14:00:00Z"))

    assert_invalid(response, ["body", "outages", 0, "service_id"], "sharepoint")
    assert list_outages(client, contoso) == []


@pytest.mark.parametrize(
    "end",
    [
        pytest.param("2026-11-03T14:00:00Z", id="end-equals-start"),
        pytest.param("2026-11-03T13:59:59Z", id="end-before-start"),
        # 09:00 local is 14:00Z: the same instant spelt another way.
        pytest.param("2026-11-03T09:00:00-05:00", id="same-instant-other-offset"),
    ],
)
def test_an_end_not_after_start_is_refused(client: TestClient, contoso: str, end: str) -> None:
    response = post_outages(client, contoso, window(EXO, "2026-11-03T14:00:00Z", end))

    assert_invalid(response, ["body", "outages", 0, "end"], end)
    assert list_outages(client, contoso) == []


@pytest.mark.parametrize("impact", ["0", "-0.5", "1.01", "2"])
def test_an_impact_outside_zero_to_one_is_refused(
    client: TestClient, contoso: str, impact: str
) -> None:
    response = post_outages(
        client, contoso, window(EXO, "2026-11-03T14:00:00Z", "2026-11-03T15:00Z", impact=impact)
    )

    assert_invalid(response, ["body", "outages", 0, "impact"], impact)
    assert list_outages(client, contoso) == []


def test_an_impact_of_exactly_one_is_accepted(client: TestClient, contoso: str) -> None:
    body = store_outages(
        client, contoso, window(EXO, "2026-11-03T14:00:00Z", "2026-11-03T15:00Z", impact="1")
    )

    assert body["outages"][0]["impact"] == "1"


def test_impact_as_a_json_number_is_refused(client: TestClient, contoso: str) -> None:
    response = post_outages(
        client, contoso, window(EXO, "2026-11-03T14:00:00Z", "2026-11-03T15:00Z", impact=0.5)
    )

    assert_invalid(response, ["body", "outages", 0, "impact"], 0.5)
    assert list_outages(client, contoso) == []


def test_impact_and_users_affected_together_are_refused(client: TestClient, contoso: str) -> None:
    response = post_outages(
        client,
        contoso,
        window(TEAMS, "2026-11-03T14:00:00Z", "2026-11-03T15:00Z", impact="0.5", users_affected=40),
    )

    body = assert_problem(response, 422)
    msgs = [e["msg"] for e in body["errors"] if e["loc"][:3] == ["body", "outages", 0]]
    assert msgs, body["errors"]
    assert any(e["loc"][3] in ("impact", "users_affected") for e in body["errors"])
    # API.md: msg quotes the offending value; here the two values given.
    assert any(quotes(msg, "0.5") or quotes(msg, 40) for msg in msgs), msgs
    assert list_outages(client, contoso) == []


def test_users_affected_without_seats_is_refused(client: TestClient, contoso: str) -> None:
    # exchange-online was subscribed without `users`.
    response = post_outages(
        client,
        contoso,
        window(EXO, "2026-11-03T14:00:00Z", "2026-11-03T15:00Z", users_affected=40),
    )

    assert_invalid(response, ["body", "outages", 0, "users_affected"], 40)
    assert list_outages(client, contoso) == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        # 8 March 2026: New York clocks jump from 02:00 to 03:00; 02:30 never happens.
        pytest.param("start", "2026-03-08T02:30:00", id="start-in-spring-gap"),
        # 1 November 2026: 01:00–02:00 happens twice (EDT, then EST); 01:30 is ambiguous.
        pytest.param("start", "2026-11-01T01:30:00", id="start-in-autumn-overlap"),
        pytest.param("end", "2026-11-01T01:15:00", id="end-in-autumn-overlap"),
    ],
)
def test_a_naive_time_in_a_dst_gap_or_overlap_is_refused(
    client: TestClient, contoso: str, field: str, value: str
) -> None:
    valid = window(EXO, "2026-10-31T23:00:00Z", "2026-10-31T23:30:00Z")
    times = {"start": "2026-03-08T00:00:00Z", "end": "2026-11-02T00:00:00Z"}
    times[field] = value
    bad = window(EXO, times["start"], times["end"])

    response = post_outages(client, contoso, valid, bad)

    assert_invalid(response, ["body", "outages", 1, field], value)
    # The valid row 0 is not stored either: all rows or none.
    assert list_outages(client, contoso) == []


def test_an_explicit_offset_resolves_the_dst_overlap(client: TestClient, contoso: str) -> None:
    # 01:30 on 1 November happens twice; −04:00 is the first (05:30Z), −05:00 the second
    # (06:30Z).
    body = store_outages(
        client,
        contoso,
        window(EXO, "2026-11-01T01:30:00-04:00", "2026-11-01T01:30:00-05:00"),
    )

    (row,) = body["outages"]
    assert instant(row["start"]) == utc(2026, 11, 1, 5, 30)
    assert instant(row["end"]) == utc(2026, 11, 1, 6, 30)


@pytest.mark.parametrize("field", ["title", "external_id", "start", "impact", "kind"])
def test_a_lone_surrogate_in_a_row_is_refused_naming_the_field(
    client: TestClient, contoso: str, field: str
) -> None:
    # JSON may escape half a UTF-16 pair; such a string cannot be stored or quoted as
    # UTF-8, and used to answer 500.
    row = {"service_id": EXO, "start": "2026-11-03T14:00:00Z", field: "HALF"}
    content = json.dumps({"outages": [row]}).replace('"HALF"', '"\\ud800"')

    response = client.post(
        f"/v1/tenants/{contoso}/outages",
        content=content.encode(),
        headers={"Content-Type": "application/json"},
    )

    msg = error_at(response, ["body", "outages", 0, field])
    assert "'\\ud800' holds the lone surrogate U+D800" in msg
    assert list_outages(client, contoso) == []


def test_an_escaped_surrogate_pair_is_one_character_and_stored(
    client: TestClient, contoso: str
) -> None:
    content = b'{"outages": [{"service_id": "exchange-online", "start": "2026-11-03T14:00:00Z", '
    content += b'"title": "\\ud83d\\ude00"}]}'

    response = client.post(
        f"/v1/tenants/{contoso}/outages",
        content=content,
        headers={"Content-Type": "application/json"},
    )

    assert response.status_code == 201, response.text
    assert list_outages(client, contoso)[0]["title"] == "\U0001f600"


def test_one_bad_row_stores_nothing(client: TestClient, contoso: str) -> None:
    response = post_outages(
        client,
        contoso,
        window(EXO, "2026-11-03T14:00:00Z", "2026-11-03T15:00:00Z", external_id="EX1"),
        window(EXO, "2026-11-04T14:00:00Z", "2026-11-04T15:00:00Z", external_id="EX2"),
        window(EXO, "2026-11-05T14:00:00Z", "yesterday", external_id="EX3"),
    )

    assert_invalid(response, ["body", "outages", 2, "end"], "yesterday")
    assert list_outages(client, contoso) == []


def test_several_bad_rows_are_reported_at_once(client: TestClient, contoso: str) -> None:
    response = post_outages(
        client,
        contoso,
        window("sharepoint", "2026-11-03T14:00:00Z", "2026-11-03T15:00:00Z"),
        window(EXO, "2026-11-04T14:00:00Z", "2026-11-04T15:00:00Z"),
        window(EXO, "2026-11-05T14:00:00Z", "2026-11-05T13:00:00Z"),
        window(EXO, "2026-11-06T14:00:00Z", "2026-11-06T15:00:00Z", impact="1.5"),
    )

    assert_invalid(response, ["body", "outages", 0, "service_id"], "sharepoint")
    assert_invalid(response, ["body", "outages", 2, "end"], "2026-11-05T13:00:00Z")
    assert_invalid(response, ["body", "outages", 3, "impact"], "1.5")
    rows = {tuple(e["loc"][:3]) for e in response.json()["errors"]}
    assert ("body", "outages", 1) not in rows
    assert list_outages(client, contoso) == []


def test_an_unknown_field_in_a_row_is_refused(client: TestClient, contoso: str) -> None:
    response = post_outages(client, contoso, window(EXO, "2026-11-03T14:00:00Z", severity="sev1"))

    assert_invalid(response, ["body", "outages", 0, "severity"], "sev1")
    assert list_outages(client, contoso) == []


def test_outages_for_an_unknown_tenant_is_404(client: TestClient, contoso: str) -> None:
    response = post_outages(client, "fabrikam", window(EXO, "2026-11-03T14:00:00Z"))

    body = assert_problem(response, 404)
    assert "fabrikam" in body["detail"]


# Re-sent windows


def test_an_identical_window_resent_with_its_external_id_is_a_duplicate(
    client: TestClient, contoso: str
) -> None:
    row = window(
        EXO, "2026-11-03T14:00:00Z", "2026-11-03T15:00:00Z", external_id="EX1", title="Mail down"
    )
    first = store_outages(client, contoso, row)

    again = store_outages(client, contoso, row)

    assert (again["created"], again["updated"], again["duplicates"]) == (0, 0, 1)
    assert again["outages"][0]["id"] == first["outages"][0]["id"]
    (stored,) = list_outages(client, contoso)
    assert stored["id"] == first["outages"][0]["id"]


def test_a_resent_window_with_its_end_now_known_is_updated(
    client: TestClient, contoso: str
) -> None:
    first = store_outages(client, contoso, window(EXO, "2026-11-03T14:00:00Z", external_id="EX1"))
    assert first["outages"][0]["end"] is None

    again = store_outages(
        client,
        contoso,
        window(EXO, "2026-11-03T14:00:00Z", "2026-11-03T16:45:00Z", external_id="EX1"),
    )

    assert (again["created"], again["updated"], again["duplicates"]) == (0, 1, 0)
    (stored,) = list_outages(client, contoso)
    assert stored["id"] == first["outages"][0]["id"]
    assert instant(stored["end"]) == utc(2026, 11, 3, 16, 45)


def test_a_resent_window_with_corrected_start_is_updated(client: TestClient, contoso: str) -> None:
    store_outages(
        client, contoso, window(EXO, "2026-11-03T14:00:00Z", "2026-11-03T15:00Z", external_id="EX1")
    )

    again = store_outages(
        client, contoso, window(EXO, "2026-11-03T13:40:00Z", "2026-11-03T15:00Z", external_id="EX1")
    )

    assert (again["created"], again["updated"], again["duplicates"]) == (0, 1, 0)
    (stored,) = list_outages(client, contoso)
    assert instant(stored["start"]) == utc(2026, 11, 3, 13, 40)


def test_a_batch_mixing_new_duplicate_and_updated_windows_counts_each(
    client: TestClient, contoso: str
) -> None:
    store_outages(
        client,
        contoso,
        window(EXO, "2026-11-03T14:00:00Z", "2026-11-03T15:00Z", external_id="EX1"),
        window(EXO, "2026-11-04T14:00:00Z", external_id="EX2"),
    )

    again = store_outages(
        client,
        contoso,
        window(EXO, "2026-11-03T14:00:00Z", "2026-11-03T15:00Z", external_id="EX1"),
        window(EXO, "2026-11-04T14:00:00Z", "2026-11-04T14:20:00Z", external_id="EX2"),
        window(EXO, "2026-11-05T14:00:00Z", "2026-11-05T14:20:00Z", external_id="EX3"),
    )

    assert (again["created"], again["updated"], again["duplicates"]) == (1, 1, 1)
    assert len(list_outages(client, contoso)) == 3


def test_the_same_external_id_twice_in_a_batch_with_different_values_is_refused(
    client: TestClient, contoso: str
) -> None:
    response = post_outages(
        client,
        contoso,
        window(EXO, "2026-11-03T14:00:00Z", "2026-11-03T15:00:00Z", external_id="EX1"),
        window(EXO, "2026-11-03T14:00:00Z", "2026-11-03T15:30:00Z", external_id="EX1"),
    )

    assert_invalid(response, ["body", "outages", 1, "external_id"], "EX1")
    assert list_outages(client, contoso) == []


def test_the_same_external_id_on_two_services_is_two_incidents(
    client: TestClient, contoso: str
) -> None:
    body = store_outages(
        client,
        contoso,
        window(EXO, "2026-11-03T14:00:00Z", "2026-11-03T15:00:00Z", external_id="MO1"),
        window(TEAMS, "2026-11-03T14:00:00Z", "2026-11-03T15:30:00Z", external_id="MO1"),
    )

    assert body["created"] == 2
    assert len(list_outages(client, contoso)) == 2


def test_an_identical_window_without_external_id_resent_is_a_duplicate(
    client: TestClient, contoso: str
) -> None:
    row = window(EXO, "2026-11-03T14:00:00Z", "2026-11-03T15:00:00Z", title="Mail down")
    first = store_outages(client, contoso, row)

    again = store_outages(client, contoso, row)

    assert (again["created"], again["updated"], again["duplicates"]) == (0, 0, 1)
    (stored,) = list_outages(client, contoso)
    assert stored["id"] == first["outages"][0]["id"]


# The list: filters and pages


@pytest.fixture
def four_windows(client: TestClient, contoso: str) -> dict[str, int]:
    body = store_outages(
        client,
        contoso,
        window(EXO, "2026-11-01T10:00:00Z", "2026-11-01T11:00:00Z", external_id="o1"),
        window(EXO, "2026-11-05T10:00:00Z", "2026-11-05T11:00:00Z", external_id="o2"),
        window(TEAMS, "2026-11-03T10:00:00Z", "2026-11-03T12:00:00Z", external_id="o3"),
        window(EXO, "2026-11-10T10:00:00Z", external_id="o4"),  # ongoing
    )
    return {row["external_id"]: row["id"] for row in body["outages"]}


def _external_ids(rows: list[Json]) -> list[str]:
    return [row["external_id"] for row in rows]


def test_list_is_by_start(client: TestClient, contoso: str, four_windows: dict[str, int]) -> None:
    assert _external_ids(list_outages(client, contoso)) == ["o1", "o3", "o2", "o4"]


def test_list_filters_by_service(
    client: TestClient, contoso: str, four_windows: dict[str, int]
) -> None:
    assert _external_ids(list_outages(client, contoso, service_id=TEAMS)) == ["o3"]
    assert _external_ids(list_outages(client, contoso, service_id=EXO)) == ["o1", "o2", "o4"]
    assert list_outages(client, contoso, service_id="sharepoint") == []


def test_list_from_keeps_windows_ending_after_it(
    client: TestClient, contoso: str, four_windows: dict[str, int]
) -> None:
    # o2 ends exactly at 11:00 on 5 Nov: [start, end) does not reach past `from`.
    # o4 is ongoing, so it reaches past any `from`.
    rows = list_outages(client, contoso, **{"from": "2026-11-05T11:00:00Z"})
    assert _external_ids(rows) == ["o4"]

    rows = list_outages(client, contoso, **{"from": "2026-11-05T10:59:00Z"})
    assert _external_ids(rows) == ["o2", "o4"]


def test_list_to_keeps_windows_starting_before_it(
    client: TestClient, contoso: str, four_windows: dict[str, int]
) -> None:
    # o2 starts exactly at `to`: it does not overlap [.., to).
    rows = list_outages(client, contoso, to="2026-11-05T10:00:00Z")
    assert _external_ids(rows) == ["o1", "o3"]


def test_list_from_and_to_keep_the_overlapping_windows(
    client: TestClient, contoso: str, four_windows: dict[str, int]
) -> None:
    # [3 Nov 11:00, 5 Nov 10:30): o3 (3 Nov 10:00–12:00) and o2 (5 Nov 10:00–11:00) reach
    # into it; o1 ended on 1 Nov; o4 starts on 10 Nov.
    rows = list_outages(
        client, contoso, **{"from": "2026-11-03T11:00:00Z", "to": "2026-11-05T10:30:00Z"}
    )
    assert _external_ids(rows) == ["o3", "o2"]

    rows = list_outages(
        client,
        contoso,
        service_id=EXO,
        **{"from": "2026-11-03T11:00:00Z", "to": "2026-11-05T10:30:00Z"},
    )
    assert _external_ids(rows) == ["o2"]


def test_list_from_naive_is_read_in_the_tenants_timezone(
    client: TestClient, contoso: str, four_windows: dict[str, int]
) -> None:
    # 5 Nov 05:59 in New York (UTC−5) is 10:59Z: o2 still runs then.
    rows = list_outages(client, contoso, **{"from": "2026-11-05T05:59:00"})
    assert _external_ids(rows) == ["o2", "o4"]


def test_list_refuses_a_from_that_is_not_a_timestamp(client: TestClient, contoso: str) -> None:
    response = client.get(f"/v1/tenants/{contoso}/outages", params={"from": "last tuesday"})

    assert_invalid(response, ["query", "from"], "last tuesday")


def test_list_walks_every_page_by_cursor(
    client: TestClient, contoso: str, four_windows: dict[str, int]
) -> None:
    # Another window at the same start as o1, so that the cursor must break a tie.
    store_outages(client, contoso, window(TEAMS, "2026-11-01T10:00:00Z", external_id="o5"))
    seen: list[str] = []
    pages = 0
    cursor: str | None = None
    while True:
        params: dict[str, str | int] = {"limit": 2}
        if cursor is not None:
            params["cursor"] = cursor
        response = client.get(f"/v1/tenants/{contoso}/outages", params=params)
        assert response.status_code == 200, response.text
        page = response.json()
        assert 1 <= len(page["items"]) <= 2
        seen.extend(_external_ids(page["items"]))
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break

    # Five windows at two a page: 2 + 2 + 1.
    assert pages == 3
    assert sorted(seen) == ["o1", "o2", "o3", "o4", "o5"]
    assert seen[:2] in (["o1", "o5"], ["o5", "o1"])
    assert seen[2:] == ["o3", "o2", "o4"]


def test_list_refuses_a_cursor_it_did_not_give_out(client: TestClient, contoso: str) -> None:
    response = client.get(f"/v1/tenants/{contoso}/outages", params={"cursor": "bogus"})

    assert_invalid(response, ["query", "cursor"], "bogus")


# PATCH and DELETE


def _only(client: TestClient, tenant_id: str) -> Json:
    (row,) = list_outages(client, tenant_id)
    return row


def test_patch_changes_only_the_fields_given(client: TestClient, contoso: str) -> None:
    created = store_outages(
        client,
        contoso,
        window(
            TEAMS,
            "2026-11-03T14:00:00Z",
            "2026-11-03T15:00:00Z",
            impact="0.25",
            external_id="EX1",
            title="Chat slow",
        ),
    )["outages"][0]

    response = client.patch(
        f"/v1/tenants/{contoso}/outages/{created['id']}", json={"end": "2026-11-03T15:40:00Z"}
    )

    assert response.status_code == 200, response.text
    patched = response.json()
    assert instant(patched["end"]) == utc(2026, 11, 3, 15, 40)
    for field in ("id", "service_id", "kind", "impact", "users_affected", "external_id", "title"):
        assert patched[field] == created[field], field
    assert instant(patched["start"]) == instant(created["start"])
    assert _only(client, contoso) == patched


def test_patch_end_null_reopens_the_window(client: TestClient, contoso: str) -> None:
    created = store_outages(
        client, contoso, window(EXO, "2026-11-03T14:00:00Z", "2026-11-03T15:00:00Z")
    )["outages"][0]

    response = client.patch(f"/v1/tenants/{contoso}/outages/{created['id']}", json={"end": None})

    assert response.status_code == 200, response.text
    assert response.json()["end"] is None
    stored = _only(client, contoso)
    assert stored["end"] is None
    assert instant(stored["start"]) == utc(2026, 11, 3, 14)


@pytest.mark.parametrize(
    ("change", "field", "value"),
    [
        pytest.param(
            {"end": "2026-11-03T13:00:00Z"}, "end", "2026-11-03T13:00:00Z", id="end-before-start"
        ),
        pytest.param({"impact": "1.5"}, "impact", "1.5", id="impact-above-one"),
        pytest.param({"impact": "0"}, "impact", "0", id="impact-zero"),
    ],
)
def test_a_refused_patch_names_the_field_and_changes_nothing(
    client: TestClient, contoso: str, change: dict[str, str], field: str, value: str
) -> None:
    created = store_outages(
        client, contoso, window(EXO, "2026-11-03T14:00:00Z", "2026-11-03T15:00:00Z")
    )["outages"][0]

    response = client.patch(f"/v1/tenants/{contoso}/outages/{created['id']}", json=change)

    assert_invalid(response, ["body", field], value)
    assert _only(client, contoso) == created


def test_delete_is_204_then_the_window_is_gone(client: TestClient, contoso: str) -> None:
    kept, gone = store_outages(
        client,
        contoso,
        window(EXO, "2026-11-03T14:00:00Z", "2026-11-03T15:00:00Z"),
        window(EXO, "2026-11-04T14:00:00Z", "2026-11-04T15:00:00Z"),
    )["outages"]

    response = client.delete(f"/v1/tenants/{contoso}/outages/{gone['id']}")

    assert response.status_code == 204
    assert response.content == b""
    assert [row["id"] for row in list_outages(client, contoso)] == [kept["id"]]
    body = assert_problem(
        client.patch(f"/v1/tenants/{contoso}/outages/{gone['id']}", json={"title": "x"}), 404
    )
    assert str(gone["id"]) in body["detail"]
    assert_problem(client.delete(f"/v1/tenants/{contoso}/outages/{gone['id']}"), 404)


@pytest.mark.parametrize("padded", ["01", "001", "0000000001"])
def test_an_outage_id_with_a_leading_zero_touches_nothing(
    client: TestClient, contoso: str, padded: str
) -> None:
    # One spelling per outage: "01" used to patch, delete and show outage 1.
    (created,) = store_outages(client, contoso, window(EXO, "2026-11-03T14:00:00Z"))["outages"]
    assert created["id"] == 1
    where = f"/v1/tenants/{contoso}/outages/{padded}"

    for response in (
        client.patch(where, json={"title": "x"}),
        client.delete(where),
        client.get(f"{where}/history"),
    ):
        assert_invalid(response, ["path", "outage_id"], padded)
    assert list_outages(client, contoso) == [created]


def test_patch_of_an_unknown_outage_is_404(client: TestClient, contoso: str) -> None:
    body = assert_problem(
        client.patch(f"/v1/tenants/{contoso}/outages/999", json={"title": "x"}), 404
    )
    assert "999" in body["detail"]


def test_another_tenants_outage_is_404_through_this_tenants_path(
    client: TestClient, contoso: str
) -> None:
    create_tenant(client, "fabrikam")
    subscribe(client, "fabrikam", EXO, "microsoft-365", "500.00")
    theirs = store_outages(
        client, "fabrikam", window(EXO, "2026-11-03T14:00:00Z", "2026-11-03T15:00:00Z")
    )["outages"][0]

    patch = client.patch(
        f"/v1/tenants/{contoso}/outages/{theirs['id']}", json={"end": "2026-11-03T18:00:00Z"}
    )
    delete = client.delete(f"/v1/tenants/{contoso}/outages/{theirs['id']}")

    assert_problem(patch, 404)
    assert_problem(delete, 404)
    assert list_outages(client, contoso) == []
    assert list_outages(client, "fabrikam") == [theirs]


def test_list_shows_only_this_tenants_windows(client: TestClient, contoso: str) -> None:
    create_tenant(client, "fabrikam")
    subscribe(client, "fabrikam", EXO, "microsoft-365", "500.00")
    store_outages(client, "fabrikam", window(EXO, "2026-11-03T14:00:00Z", "2026-11-03T15:00Z"))
    ours = store_outages(client, contoso, window(EXO, "2026-11-04T14:00:00Z", "2026-11-04T15:00Z"))

    assert list_outages(client, contoso) == ours["outages"]


def test_a_row_without_start_is_refused(client: TestClient, contoso: str) -> None:
    # A missing field is reported at its loc; there is no value to quote.
    response = post_outages(client, contoso, {"service_id": EXO})

    assert error_at(response, ["body", "outages", 0, "start"])
    assert list_outages(client, contoso) == []
