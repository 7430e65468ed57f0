"""The outages body read from a file: strict JSON types, every bad row reported."""

import pytest

from app.imports.formats import Event, ImportedRow, ImportOptions, RowError
from tests.imports.helpers import events

FIELD_LIST = "service_id, start, end, kind, impact, users_affected, external_id, title"


def at(index: int, *rest: str | int) -> list[str | int]:
    return ["file", "outages", index, *rest]


def test_outages_sample() -> None:
    assert events("json", "outages.json") == [
        ImportedRow(
            at(0),
            {
                "service_id": "exchange-online",
                "external_id": "EX123456",
                "title": "Mailbox access",
                "start": "2026-11-10T14:00:00Z",
                "end": "2026-11-10T16:05:30Z",
            },
        ),
        ImportedRow(
            at(1),
            {
                "service_id": "exchange-online",
                "kind": "maintenance",
                "start": "2026-11-10T14:30:00Z",
                "end": "2026-11-10T15:00:00Z",
            },
        ),
        # null end and title are "not given"; the naive start is passed through.
        ImportedRow(
            at(2), {"service_id": "microsoft-teams", "start": "2026-11-12 09:00", "impact": "0.25"}
        ),
        ImportedRow(
            at(3),
            {
                "service_id": "sharepoint-online",
                "start": "2026-11-13T10:00:00Z",
                "users_affected": 40,
            },
        ),
    ]


def test_wrong_types_each_reported_and_the_good_row_still_read() -> None:
    assert events("json", "outages-wrong-types.json") == [
        RowError(at(0, "start"), "must be a string; got 1794405600"),
        RowError(at(1, "impact"), 'must be a decimal in a JSON string, such as "0.3"; got 0.3'),
        RowError(at(2, "users_affected"), "must be a whole number; got true"),
        RowError(at(3, "users_affected"), 'must be a whole number; got "12"'),
        RowError(
            at(4, "severity"),
            f"'severity' is not a field of an outage; the fields are {FIELD_LIST}",
        ),
        RowError(at(4, "service_id"), "service_id is required"),
        RowError(at(5, "start"), "'start' is given more than once in this row"),
        RowError(at(6), "must be an object (outages); got a list"),
        ImportedRow(
            at(7),
            {
                "service_id": "exchange-online",
                "start": "2026-11-11T14:00:00Z",
                "end": "2026-11-11T15:00:00Z",
            },
        ),
    ]


ROW = b'"service_id": "exchange-online", "start": "2026-11-10T14:00:00Z"'

CASES: list[tuple[str, bytes, ImportOptions, list[Event]]] = [
    ("empty file", b"", ImportOptions(), [RowError(["file"], "the file is empty")]),
    (
        "not JSON",
        b'{"outages": [}',
        ImportOptions(),
        [RowError(["file"], "the file is not JSON: Expecting value at line 1 column 14")],
    ),
    (
        "NaN is not JSON",
        b'{"outages": [{"users_affected": NaN}]}',
        ImportOptions(),
        [RowError(["file"], "the file is not JSON: NaN is not a JSON number")],
    ),
    (
        "not UTF-8: the line and byte offset of the Latin-1 byte",
        b'{"outages": [\n{"service_id": "exchange-online", "title": "Caf\xe9"}]}',
        ImportOptions(),
        [
            RowError(
                ["file", "line", 2],
                # line 2 starts at byte 14; '{"service_id": "exchange-online", "title": "Caf'
                # is 47 bytes.
                "the file is not UTF-8: byte 0xE9 on line 2 (byte offset 61) is not valid "
                "UTF-8; save the file as UTF-8 and upload it again",
            )
        ],
    ),
    (
        "a lone surrogate escaped in a string is refused, naming where",
        b'{"outages": [{' + ROW + b', "title": "Mail \\ud800 down"}]}',
        ImportOptions(),
        [
            RowError(
                at(0, "title"),
                "'Mail \\ud800 down' holds the lone surrogate U+D800 at position 5, "
                "which is not Unicode text",
            )
        ],
    ),
    (
        "a lone surrogate in a key is reported at its object",
        b'{"outages": [{' + ROW + b', "\\udc00": 1}]}',
        ImportOptions(),
        [
            RowError(
                at(0),
                "'\\udc00' holds the lone surrogate U+DC00 at position 0, which is not "
                "Unicode text",
            )
        ],
    ),
    (
        "an escaped surrogate pair is one character, and fine",
        b'{"outages": [{' + ROW + b', "title": "\\ud83d\\ude00"}]}',
        ImportOptions(),
        [
            ImportedRow(
                at(0),
                {
                    "service_id": "exchange-online",
                    "start": "2026-11-10T14:00:00Z",
                    "title": "\U0001f600",
                },
            )
        ],
    ),
    (
        "a BOM is allowed",
        b'\xef\xbb\xbf{"outages": [{' + ROW + b"}]}",
        ImportOptions(),
        [ImportedRow(at(0), {"service_id": "exchange-online", "start": "2026-11-10T14:00:00Z"})],
    ),
    (
        "a list instead of the body",
        b"[{" + ROW + b"}]",
        ImportOptions(),
        [RowError(["file"], 'expected an object {"outages": [...]}; got a list')],
    ),
    (
        "another object",
        b'{"value": []}',
        ImportOptions(),
        [
            RowError(
                ["file"],
                "expected an object {\"outages\": [...]}; got an object with the keys 'value'",
            )
        ],
    ),
    (
        "outages not a list",
        b'{"outages": {}}',
        ImportOptions(),
        [RowError(["file", "outages"], "must be a list of outages; got an object")],
    ),
    (
        "a key beside outages",
        b'{"outages": [], "tenant": "contoso"}',
        ImportOptions(),
        [RowError(["file", "tenant"], "'tenant' is not a key of the outages body")],
    ),
    ("no rows: nothing, and no error", b'{"outages": []}', ImportOptions(), []),
    (
        "null where a string is required",
        b'{"outages": [{"service_id": null, "start": "2026-11-10T14:00:00Z", "kind": null}]}',
        ImportOptions(),
        [
            RowError(at(0, "service_id"), "service_id is required; got null"),
            RowError(at(0, "kind"), "must be 'outage' or 'maintenance'; got null"),
        ],
    ),
    (
        "a big exact number is quoted as written, not through a float",
        b'{"outages": [{' + ROW + b', "impact": 0.30000000000000000001}]}',
        ImportOptions(),
        [
            RowError(
                at(0, "impact"),
                'must be a decimal in a JSON string, such as "0.3"; got 0.30000000000000000001',
            )
        ],
    ),
    (
        "tenant_id outside the admin upload",
        b'{"outages": [{' + ROW + b', "tenant_id": "contoso"}]}',
        ImportOptions(),
        [
            RowError(
                at(0, "tenant_id"),
                "tenant_id is only accepted in the admin upload for several tenants",
            )
        ],
    ),
    (
        "tenant_id in the admin upload",
        b'{"outages": [{' + ROW + b', "tenant_id": "contoso"}, {' + ROW + b"}]}",
        ImportOptions(allow_tenant_id=True),
        [
            ImportedRow(
                at(0),
                {
                    "service_id": "exchange-online",
                    "start": "2026-11-10T14:00:00Z",
                    "tenant_id": "contoso",
                },
            ),
            ImportedRow(at(1), {"service_id": "exchange-online", "start": "2026-11-10T14:00:00Z"}),
        ],
    ),
]


@pytest.mark.parametrize(
    ("data", "options", "expected"), [case[1:] for case in CASES], ids=[case[0] for case in CASES]
)
def test_cases(data: bytes, options: ImportOptions, expected: list[Event]) -> None:
    assert events("json", data, options) == expected
