"""The portfolio's exact bytes: a JSON page, the next page by its cursor, and the CSV of
the month of `test_portfolio.month`, pinned as they were written when the lines were
pydantic models, so that writing them another way cannot change a byte.

The figures in them are the ones `test_portfolio` works out by hand (mail: 60 minutes
frozen, 660 recomputed, 300.00 then 600.00; vm: 120 minutes at 0.5 = 60, 50.00; docs:
90 minutes, 3 days = 30.00 EUR; local: 60 minutes in Berlin's November, B-3 too short
to count; gamma: no outage, 0 JPY), and one tenant more, `zeta`, for what text can hold:
a name and a title with quotes, a backslash and letters beyond ASCII, windows starting
at a fraction of a second, one still going on, and a window wholly outside the month.
Re-record only after checking a change by hand:
`SLA_RECORD_PORTFOLIO=1 .venv/bin/python -m pytest tests/api/test_portfolio_bytes.py`.
"""

import os
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.reports.schemas import PortfolioPage
from tests.api.scenario import create_tenant, store_outages, subscribe, window
from tests.api.test_portfolio import MONTH, month

__all__ = ["month"]  # the fixture, used by name below

PINNED = Path(__file__).parent / "portfolio_bytes"


@pytest.fixture
def zeta(client: TestClient, month: None) -> None:
    """`month` and a sixth line: text to escape, fractions of a second, an ongoing
    outage (the clock reads 5 December, so it counts to the month's end), a window of
    October only (not an incident of November) and a weight of users.

    Z-1: 03:04:05.123456 to 04:00:00.5 is 55 min 55.376544 s = 55.9229 min; 3 of 7
    users for 60 min = 25.7143 min; Z-2 from 23:00 to the month's end = 60 min; in all
    141.6372 min, 100 − 141.6372/432 = 99.6721 % < 99.9 → 25 % of 99.99 = 25.00 EUR,
    provisional while Z-2 goes on."""
    create_tenant(client, "zeta", name='Zêta "Ünïcode" Ltd', currency="EUR")
    subscribe(client, "zeta", "mail", "microsoft-365", "99.99", users=7)
    store_outages(
        client,
        "zeta",
        window(
            "mail",
            "2026-11-02T03:04:05.123456Z",
            "2026-11-02T04:00:00.5Z",
            external_id="Z-1",
            title='Line \\ one, line "two" — ünïcode',
        ),
        window("mail", "2026-10-20T00:00:00Z", "2026-10-21T00:00:00Z", external_id="Z-0"),
        window("mail", "2026-11-03T00:00:00Z", "2026-11-03T01:00:00Z", users_affected=3),
        window("mail", "2026-11-30T23:00:00Z", external_id="Z-2"),
    )


def _pinned(name: str, body: bytes) -> bytes:
    path = PINNED / name
    if os.environ.get("SLA_RECORD_PORTFOLIO"):
        path.write_bytes(body)
    return path.read_bytes()


def _get(client: TestClient, **params: str | int) -> bytes:
    response = client.get(f"/v1/reports/{MONTH}", params=params)
    assert response.status_code == 200, response.text
    return response.content


@pytest.mark.usefixtures("zeta")
def test_a_page_and_the_next_are_the_bytes_pinned(client: TestClient) -> None:
    first = _get(client, limit=3)
    cursor = PortfolioPage.model_validate_json(first).next_cursor
    assert cursor is not None
    rest = _get(client, limit=3, cursor=cursor)

    assert first == _pinned("page-1.json", first)
    assert rest == _pinned("page-2.json", rest)


@pytest.mark.usefixtures("zeta")
def test_every_page_is_what_the_model_writes(client: TestClient) -> None:
    # Read into the response model and written back by it: the same bytes, so the page
    # has the model's fields, in its order, with its types.
    for params in ({"limit": 500}, {"limit": 500, "met": "false"}, {"limit": 1}):
        body = _get(client, **params)
        assert PortfolioPage.model_validate_json(body).model_dump_json().encode() == body


@pytest.mark.usefixtures("zeta")
def test_the_csv_is_the_bytes_pinned(client: TestClient) -> None:
    body = _get(client, format="csv")

    assert body == _pinned("month.csv", body)
