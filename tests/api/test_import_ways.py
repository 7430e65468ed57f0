"""A tenant's upload stores its windows as they stream in (app/imports/direct.py); the
admin upload for several tenants stages them first and stores whole incidents. Both
must come to the same answer: sent the same rows in the same order, two tenants end
with the same windows, the same counts and the same audit rows, or the same refusal.

Hypothesis draws short sequences of small CSV files from a small universe of values, so
re-sent incidents, windows repeated in one file, identical windows without an
external_id, contradicting windows (where the streaming way hands over to the staged
one) and bad rows all come up.
"""

from collections.abc import Iterator
from itertools import count
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.config import Settings
from app.imports.direct import MAX_INCIDENT_WINDOWS
from tests.api.scenario import create_tenant, list_outages, subscribe
from tests.conftest import ADMIN_KEY, Clock, app_client

COLUMNS = ("service_id", "start", "end", "impact", "users_affected", "external_id", "title")
_tenants = count()


@pytest.fixture
def client(database_url: str, clock: Clock) -> Iterator[TestClient]:
    """The app without its rate limit: each example makes a dozen requests."""
    settings = Settings(
        database_url=database_url, admin_key=ADMIN_KEY, webhook_worker=False, rate_limit="off"
    )
    with app_client(settings, clock) as test_client:
        yield test_client


def _minute(number: int) -> str:
    return f"2026-11-03T10:{number:02d}:00Z"


@st.composite
def rows(draw: st.DrawFn) -> dict[str, str]:
    """A row, now and then a bad one (an unknown service, an end not after the start,
    users on a service without seats)."""
    service_id = draw(st.sampled_from(["teams", "mail"]))
    start = draw(st.integers(0, 6))
    end = draw(st.one_of(st.none(), st.integers(start + 1, start + 4)))
    weight = draw(st.sampled_from([("", ""), ("", ""), ("0.5", ""), ("", "10")]))
    if weight[1] and service_id == "teams":
        weight = ("", "")
    row = {
        "service_id": service_id,
        "start": _minute(start),
        "end": "" if end is None else _minute(end),
        "impact": weight[0],
        "users_affected": weight[1],
        "external_id": draw(st.sampled_from(["", "INC1", "INC2", "INC3"])),
        "title": draw(st.sampled_from(["", "Calls drop", "Slow"])),
    }
    defect = draw(
        st.sampled_from(
            [{}] * 12 + [{"service_id": "fax"}, {"end": _minute(start)}, {"users_affected": "10"}]
        )
    )
    return row | defect


def _csv(tenant_id: str | None, file_rows: list[dict[str, str]]) -> bytes:
    columns = COLUMNS if tenant_id is None else ("tenant_id", *COLUMNS)
    lines = [",".join(columns)]
    for row in file_rows:
        cells = [row[name] for name in COLUMNS]
        lines.append(",".join(cells if tenant_id is None else [tenant_id, *cells]))
    return ("\n".join(lines) + "\n").encode()


def _tenant(client: TestClient) -> str:
    tenant_id = f"ways-{next(_tenants)}"
    create_tenant(client, tenant_id)
    subscribe(client, tenant_id, "teams", "microsoft-365", "100.00")
    subscribe(client, tenant_id, "mail", "microsoft-365", "100.00", users=100)
    return tenant_id


def _streamed(client: TestClient, tenant_id: str, file_rows: list[dict[str, str]]) -> Any:
    """The tenant's own upload: the streaming way."""
    response = client.post(
        f"/v1/tenants/{tenant_id}/imports",
        files={"file": ("t.csv", _csv(None, file_rows))},
        data={"format": "csv"},
    )
    body = response.json()
    if response.status_code != 201:
        return response.status_code, body["errors"]
    return response.status_code, _counts(body), body["id"]


def _staged(client: TestClient, tenant_id: str, file_rows: list[dict[str, str]]) -> Any:
    """The admin upload for several tenants, naming one: the staged way."""
    response = client.post(
        "/v1/imports",
        files={"file": ("t.csv", _csv(tenant_id, file_rows))},
        data={"format": "csv"},
    )
    body = response.json()
    if response.status_code != 201:
        # The same rows a column further right: the same lines, and the messages name
        # the tenant.
        return response.status_code, body["errors"]
    (result,) = body["imports"]
    return response.status_code, _counts(result), result["id"]


def _counts(result: dict[str, Any]) -> dict[str, Any]:
    return {name: result[name] for name in ("rows", "created", "updated", "removed", "duplicates")}


def _windows(client: TestClient, tenant_id: str, imports: list[int]) -> list[tuple[Any, ...]]:
    """The stored windows, each with the upload (by its place) that last wrote it."""
    windows = [
        (
            *(item[name] for name in ("service_id", "kind", "start", "end", "impact")),
            *(item[name] for name in ("users_affected", "external_id", "title")),
            imports.index(item["import_id"]),
        )
        for item in list_outages(client, tenant_id)
    ]
    return sorted(windows, key=repr)


def _audit(client: TestClient, tenant_id: str) -> list[tuple[str, str]]:
    response = client.get("/v1/audit", params={"tenant_id": tenant_id, "limit": 500})
    assert response.status_code == 200, response.text
    return sorted((item["entity"], item["action"]) for item in response.json()["items"])


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(st.lists(rows(), max_size=6), min_size=1, max_size=4))
def test_streaming_and_staging_come_to_the_same_answer(
    client: TestClient, uploads: list[list[dict[str, str]]]
) -> None:
    streamed, staged = _tenant(client), _tenant(client)
    streamed_imports: list[int] = []
    staged_imports: list[int] = []
    for file_rows in uploads:
        one = _streamed(client, streamed, file_rows)
        other = _staged(client, staged, file_rows)
        assert str(one[:2]).replace(streamed, "T") == str(other[:2]).replace(staged, "T")
        if one[0] == 201:
            streamed_imports.append(one[2])
            staged_imports.append(other[2])
    assert _windows(client, streamed, streamed_imports) == _windows(client, staged, staged_imports)
    assert _audit(client, streamed) == _audit(client, staged)


def test_contradicting_windows_are_named_by_their_lines(client: TestClient) -> None:
    # Lines 2 and 4 are one incident on one service over the same time with different
    # titles; line 3 is another incident. The streaming way stores lines 2 and 3 before
    # it meets line 4, then hands over to the staged way, which names both lines.
    tenant_id = _tenant(client)
    file_rows = [
        {**dict.fromkeys(COLUMNS, ""), "service_id": "teams", "start": _minute(1)},
        {**dict.fromkeys(COLUMNS, ""), "service_id": "teams", "start": _minute(2)},
        {**dict.fromkeys(COLUMNS, ""), "service_id": "teams", "start": _minute(1)},
    ]
    file_rows[0] |= {"end": _minute(5), "external_id": "INC1", "title": "Calls drop"}
    file_rows[1] |= {"external_id": "INC2"}
    file_rows[2] |= {"end": _minute(5), "external_id": "INC1", "title": "Slow"}

    status, errors = _streamed(client, tenant_id, file_rows)

    assert status == 422
    assert errors == [
        {
            "loc": ["file", "line", 4, "external_id"],
            "msg": "'INC1' appears earlier in this upload (file.line.2) "
            "with different values over the same time",
        }
    ]
    assert _staged(client, _tenant(client), file_rows) == (status, errors)
    assert list_outages(client, tenant_id) == []


def test_an_incident_of_more_windows_than_a_chunk_compares_is_stored_whole(
    client: TestClient,
) -> None:
    # One incident of MAX_INCIDENT_WINDOWS + 1 one-minute windows, a minute apart: the
    # streaming way gives up on it at the last window and the staged way stores all.
    tenant_id = _tenant(client)
    windows = MAX_INCIDENT_WINDOWS + 1
    lines = ["service_id,start,end,external_id"]
    for number in range(windows):
        start = 2 * number * 60_000_000
        lines.append(f"teams,{_at(start)},{_at(start + 60_000_000)},INC1")
    response = client.post(
        f"/v1/tenants/{tenant_id}/imports",
        files={"file": ("long.csv", ("\n".join(lines) + "\n").encode())},
        data={"format": "csv"},
    )

    assert response.status_code == 201, response.text
    assert _counts(response.json()) == {
        "rows": windows,
        "created": windows,
        "updated": 0,
        "removed": 0,
        "duplicates": 0,
    }


def _at(micros: int) -> str:
    """2026-11-01T00:00:00Z plus `micros`, as a `...Z` timestamp."""
    seconds = micros // 1_000_000
    day, rest = divmod(seconds, 86_400)
    return f"2026-11-{day + 1:02d}T{rest // 3600:02d}:{rest // 60 % 60:02d}:{rest % 60:02d}Z"
