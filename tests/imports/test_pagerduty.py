"""PagerDuty incident lists."""

import pytest

from app.imports.formats import Event, ImportedRow, ImportOptions, RowError
from tests.imports.helpers import events


def at(index: int, *rest: str | int) -> list[str | int]:
    return ["file", "incidents", index, *rest]


def test_pagerduty_sample() -> None:
    assert events("pagerduty", "pagerduty-incidents.json") == [
        # triggered: ongoing, no end.
        ImportedRow(
            at(0),
            {
                "service_id": "checkout-api",
                "start": "2026-11-11T03:12:45Z",
                "external_id": "Q2F7XK9",
                "title": "Checkout latency above 2 s",
            },
        ),
        # resolved: created_at to resolved_at.
        ImportedRow(
            at(1),
            {
                "service_id": "payments-gateway",
                "start": "2026-11-09T22:40:00Z",
                "end": "2026-11-09T23:25:10Z",
                "external_id": "P8M3ZR1",
                "title": "Payments gateway answering 502",
            },
        ),
        # "Resolved" without resolved_at: ends at last_status_change_at.
        ImportedRow(
            at(2),
            {
                "service_id": "checkout-api",
                "start": "2026-11-08T05:55:00Z",
                "end": "2026-11-08T06:30:00Z",
                "external_id": "P5J2WQ4",
                "title": "Checkout API health check failing",
            },
        ),
        # acknowledged: ongoing, whatever last_status_change_at says.
        ImportedRow(
            at(3),
            {
                "service_id": "search",
                "start": "2026-11-11T04:00:00Z",
                "external_id": "P7AKN03",
                "title": "Search index lagging",
            },
        ),
    ]


def test_service_map() -> None:
    options = ImportOptions(service_map={"Checkout API": "shop"})
    found = events("pagerduty", "pagerduty-incidents.json", options)
    assert [row.fields["service_id"] for row in found if isinstance(row, ImportedRow)] == [
        "shop",
        "payments-gateway",
        "shop",
        "search",
    ]


BASE = b'"id": "P1", "created_at": "2026-11-10T14:00:00Z", "service": {"summary": "Mail"}'

CASES: list[tuple[str, bytes, list[Event]]] = [
    (
        "no status: ongoing",
        b'{"incidents": [{' + BASE + b"}]}",
        [
            ImportedRow(
                at(0), {"service_id": "mail", "start": "2026-11-10T14:00:00Z", "external_id": "P1"}
            )
        ],
    ),
    (
        "resolved with no time to end at",
        b'{"incidents": [{' + BASE + b', "status": "resolved", "resolved_at": null}]}',
        [
            RowError(
                at(0, "resolved_at"),
                "the incident is resolved but neither resolved_at nor last_status_change_at "
                "is given",
            )
        ],
    ),
    (
        "an unknown status",
        b'{"incidents": [{' + BASE + b', "status": "snoozed"}]}',
        [
            RowError(
                at(0, "status"),
                "'snoozed' is not a PagerDuty incident status (triggered, acknowledged, resolved)",
            )
        ],
    ),
    (
        "service missing, or not a reference, or without a summary",
        b'{"incidents": [{"id": "P2", "created_at": "2026-11-10T14:00:00Z"},'
        b' {"id": "P3", "created_at": "2026-11-10T14:00:00Z", "service": "Mail"},'
        b' {"id": "P4", "created_at": "2026-11-10T14:00:00Z", "service": {"id": "PS1"}}]}',
        [
            RowError(at(0, "service"), "service is required"),
            RowError(at(1, "service"), 'must be an object (a service reference); got "Mail"'),
            RowError(at(2, "service", "summary"), "summary is required"),
        ],
    ),
    (
        "created_at of the wrong type",
        b'{"incidents": [{"id": "P5", "created_at": 1794405600, "service": {"summary": "Mail"}}]}',
        [RowError(at(0, "created_at"), "must be a string; got 1794405600")],
    ),
    (
        "not PagerDuty's shape",
        b'{"value": []}',
        [RowError(["file"], 'expected PagerDuty incidents: {"incidents": [...]}')],
    ),
]


@pytest.mark.parametrize(
    ("data", "expected"), [case[1:] for case in CASES], ids=[case[0] for case in CASES]
)
def test_cases(data: bytes, expected: list[Event]) -> None:
    assert events("pagerduty", data) == expected
