"""Microsoft Graph serviceHealthIssue exports."""

import pytest

from app.imports.formats import Event, ImportedRow, ImportOptions, RowError, Skipped
from tests.imports.helpers import events


def at(index: int, *rest: str | int) -> list[str | int]:
    return ["file", "value", index, *rest]


def test_graph_sample() -> None:
    assert events("graph", "graph-issues.json") == [
        # "Incident" (Graph's own capitalisation) is an incident; resolved: the end counts.
        ImportedRow(
            at(0),
            {
                "service_id": "exchange-online",
                "start": "2026-11-10T14:00:00Z",
                "end": "2026-11-10T16:05:30Z",
                "external_id": "EX123456",
                "title": "Users can't access their mailboxes",
            },
        ),
        Skipped("graph issue TM234567", "classification 'advisory' is not an incident"),
        # Not resolved: no end, although Graph sent an endDateTime (an estimate).
        ImportedRow(
            at(2),
            {
                "service_id": "sharepoint-online",
                "start": "2026-11-12T08:30:00Z",
                "external_id": "SP345678",
                "title": "Users can't open sites",
            },
        ),
        Skipped(
            "graph issue EX456789",
            "status 'falsePositive': Microsoft found the issue was a false positive",
        ),
        ImportedRow(
            at(4),
            {
                "service_id": "microsoft-365-suite",
                "start": "2026-11-14T12:00:00Z",
                "end": "2026-11-14T12:50:00Z",
                "external_id": "MO567890",
                "title": "Users can't sign in to Microsoft 365 apps",
            },
        ),
    ]


def test_service_map_wins_over_the_slug() -> None:
    options = ImportOptions(service_map={"Microsoft 365 suite": "m365", "Exchange": "unused"})
    rows = [event for event in events("graph", "graph-issues.json", options)]
    assert [row.fields["service_id"] for row in rows if isinstance(row, ImportedRow)] == [
        "exchange-online",
        "sharepoint-online",
        "m365",
    ]


ISSUE = (
    b'"id": "EX1", "service": "Exchange Online", "classification": "incident", '
    b'"startDateTime": "2026-11-10T14:00:00Z"'
)

CASES: list[tuple[str, bytes, list[Event]]] = [
    (
        "a bare list, as some exports give",
        b"[{" + ISSUE + b', "isResolved": false}]',
        [
            ImportedRow(
                ["file", 0],
                {
                    "service_id": "exchange-online",
                    "start": "2026-11-10T14:00:00Z",
                    "external_id": "EX1",
                },
            )
        ],
    ),
    (
        "resolved without an endDateTime",
        b'{"value": [{' + ISSUE + b', "isResolved": true, "endDateTime": null}]}',
        [RowError(at(0, "endDateTime"), "isResolved is true but endDateTime is not given")],
    ),
    (
        "isResolved missing or of the wrong type",
        b'{"value": [{' + ISSUE + b"}, {" + ISSUE + b', "isResolved": "true"}]}',
        [
            RowError(at(0, "isResolved"), "isResolved is required"),
            RowError(at(1, "isResolved"), 'must be true or false; got "true"'),
        ],
    ),
    (
        "unknownFutureValue is not an incident either",
        b'{"value": [{"id": "X1", "classification": "unknownFutureValue"}]}',
        [Skipped("graph issue X1", "classification 'unknownFutureValue' is not an incident")],
    ),
    (
        "no classification, no service",
        b'{"value": [{"id": "X2", "startDateTime": "2026-11-10T14:00:00Z", "isResolved": false}]}',
        [
            RowError(at(0, "classification"), "classification is required"),
            RowError(at(0, "service"), "service is required"),
        ],
    ),
    (
        "a service name with nothing to slug",
        b'{"value": [{' + ISSUE.replace(b"Exchange Online", b"***") + b', "isResolved": false}]}',
        [
            RowError(
                at(0, "service"),
                "'***' has no letters or digits to make a service id of; map it in service_map",
            )
        ],
    ),
    (
        "not an issue",
        b'{"value": ["EX1"]}',
        [RowError(at(0), 'must be an object (serviceHealthIssue); got "EX1"')],
    ),
    (
        "not Graph's shape",
        b'{"incidents": []}',
        [
            RowError(
                ["file"],
                'expected Microsoft Graph service health issues: {"value": [...]} or a list',
            )
        ],
    ),
]


@pytest.mark.parametrize(
    ("data", "expected"), [case[1:] for case in CASES], ids=[case[0] for case in CASES]
)
def test_cases(data: bytes, expected: list[Event]) -> None:
    assert events("graph", data) == expected
