"""CSV: delimiters, BOM, streaming UTF-8, header rules, cell rules, line numbers.

Every expected event is written out by hand from the sample next to it; line numbers
are physical lines of the file, the header being line 1.
"""

import io

import pytest

from app.imports.formats import Event, ImportedRow, ImportOptions, RowError, parse
from app.imports.formats.csv_format import MAX_LINE_BYTES
from tests.imports.helpers import events

COLUMNS = "service_id, start, end, kind, impact, users_affected, external_id, title"
ADMIN = ImportOptions(allow_tenant_id=True)


def row(line: int, **fields: object) -> ImportedRow:
    return ImportedRow(["file", "line", line], dict(fields))


SAMPLES: list[tuple[str, ImportOptions, list[Event]]] = [
    (
        # UTF-8 BOM and CRLF line ends, as Excel writes "CSV UTF-8"; the empty end cell
        # of line 3 is "not given" (an ongoing window).
        "bom-crlf.csv",
        ImportOptions(),
        [
            row(
                2,
                service_id="exchange-online",
                start="2026-11-10T14:00:00Z",
                end="2026-11-10T16:05:30Z",
                external_id="EX123456",
                title="Mailbox access",
            ),
            row(
                3,
                service_id="microsoft-teams",
                start="2026-11-12T09:00:00Z",
                external_id="TM234567",
                title="Calls drop",
            ),
        ],
    ),
    (
        # ';' found by the sniffer although the titles hold commas; "0,5" is passed
        # through as written (the caller refuses it, not the parser).
        "semicolon.csv",
        ImportOptions(),
        [
            row(
                2,
                service_id="exchange-online",
                start="2026-11-10T14:00:00+01:00",
                end="2026-11-10T15:00:00+01:00",
                impact="0.5",
                title="Mail, calendar slow",
            ),
            row(
                3,
                service_id="exchange-online",
                start="2026-11-11T14:00:00+01:00",
                end="2026-11-11T14:30:00+01:00",
                impact="0,5",
                title="Comma decimal",
            ),
        ],
    ),
    (
        # Tabs; users_affected becomes an int, an empty one is left out.
        "tabs.tsv",
        ImportOptions(),
        [
            row(
                2,
                service_id="sharepoint-online",
                start="2026-11-14T22:00:00Z",
                end="2026-11-15T02:00:00Z",
                kind="maintenance",
                external_id="MNT-1",
            ),
            row(
                3,
                service_id="exchange-online",
                start="2026-11-16T08:00:00Z",
                end="2026-11-16T08:45:00Z",
                kind="outage",
                users_affected=250,
                external_id="EX777",
            ),
        ],
    ),
    (
        # Naive local times are passed through; the caller reads them in the tenant's zone.
        "naive-local.csv",
        ImportOptions(),
        [
            row(
                2,
                service_id="exchange-online",
                start="2026-11-10 09:00",
                end="2026-11-10T10:30:00",
            )
        ],
    ),
    (
        # end before start: passed through; validate_rows refuses it.
        "end-before-start.csv",
        ImportOptions(),
        [
            row(
                2,
                service_id="exchange-online",
                start="2026-11-10T16:00:00Z",
                end="2026-11-10T14:00:00Z",
                external_id="EX9",
            )
        ],
    ),
    (
        # The same external_id twice: both passed through; validate_rows names the clash.
        "duplicate-id.csv",
        ImportOptions(),
        [
            row(
                2,
                service_id="exchange-online",
                start="2026-11-10T14:00:00Z",
                end="2026-11-10T15:00:00Z",
                external_id="EX5",
            ),
            row(
                3,
                service_id="exchange-online",
                start="2026-11-10T14:00:00Z",
                end="2026-11-10T15:30:00Z",
                external_id="EX5",
            ),
        ],
    ),
    (
        # Line 3 holds "Caf\xe9", Latin-1 for "Café". Line 1 is 27 bytes and line 2 73,
        # so line 3 starts at byte 100; "microsoft-teams,<20>,<20>,Caf" is 61 bytes, so
        # the 0xE9 is at byte offset 161. Nothing after it is read.
        "latin1.csv",
        ImportOptions(),
        [
            row(
                2,
                service_id="exchange-online",
                start="2026-11-10T14:00:00Z",
                end="2026-11-10T16:05:30Z",
                title="Mailbox access",
            ),
            RowError(
                ["file", "line", 3],
                "the file is not UTF-8: byte 0xE9 on line 3 (byte offset 161) is not valid "
                "UTF-8; save the file as UTF-8 and upload it again",
            ),
        ],
    ),
    ("empty.csv", ImportOptions(), [RowError(["file"], "the file is empty")]),
    # A header and no rows: nothing, and no error (the caller decides).
    ("header-only.csv", ImportOptions(), []),
    (
        "unknown-column.csv",
        ImportOptions(),
        [
            RowError(
                ["file", "line", 1, "severity"],
                f"'severity' is not a column; the columns are {COLUMNS}",
            )
        ],
    ),
    (
        "missing-column.csv",
        ImportOptions(),
        [RowError(["file", "line", 1], "the required column 'start' is missing")],
    ),
    (
        # The bad row is reported and the next one still read.
        "too-many-cells.csv",
        ImportOptions(),
        [
            RowError(["file", "line", 2], "the row has 4 cells but the header names 3 columns"),
            row(
                3,
                service_id="exchange-online",
                start="2026-11-11T14:00:00Z",
                end="2026-11-11T15:00:00Z",
            ),
        ],
    ),
    (
        # The first row spans lines 2-3 (a quoted newline), so the next row is line 4.
        "quoted-newline.csv",
        ImportOptions(),
        [
            row(
                2,
                service_id="exchange-online",
                start="2026-11-10T14:00:00Z",
                end="2026-11-10T16:05:30Z",
                title="Mailbox access\nslow, then down",
            ),
            row(4, service_id="microsoft-teams", start="2026-11-12T09:00:00Z", title="Calls drop"),
            row(
                5,
                service_id="sharepoint-online",
                start="2026-11-13T10:00:00Z",
                end="2026-11-13T10:20:00Z",
                title='Sites "read-only"',
            ),
        ],
    ),
]


@pytest.mark.parametrize(
    ("sample", "options", "expected"), SAMPLES, ids=[sample for sample, _, _ in SAMPLES]
)
def test_sample(sample: str, options: ImportOptions, expected: list[Event]) -> None:
    assert events("csv", sample, options) == expected


START = "2026-11-10T14:00:00Z"

INLINE: list[tuple[str, bytes, ImportOptions, list[Event]]] = [
    (
        "one column: the sniffer cannot decide, ',' is used",
        b"service_id\nexchange-online\n",
        ImportOptions(),
        [RowError(["file", "line", 1], "the required column 'start' is missing")],
    ),
    (
        "header names: spaces around them and case do not matter",
        b"Service_ID , START\nexchange-online," + START.encode() + b"\n",
        ImportOptions(),
        [row(2, service_id="exchange-online", start=START)],
    ),
    (
        "a cell's spaces are kept: values pass through unchanged",
        b"service_id,start,title\nexchange-online," + START.encode() + b",  padded \n",
        ImportOptions(),
        [row(2, service_id="exchange-online", start=START, title="  padded ")],
    ),
    (
        "duplicate column",
        b"service_id,start,end,start\n",
        ImportOptions(),
        [RowError(["file", "line", 1, "start"], "column 'start' appears twice (columns 2 and 4)")],
    ),
    (
        "a header cell without a name",
        b"service_id,start,\n",
        ImportOptions(),
        [RowError(["file", "line", 1], "column 3 has no name")],
    ),
    (
        "every header problem at once",
        b"service_id,Severity,service_id\n",
        ImportOptions(),
        [
            RowError(
                ["file", "line", 1, "Severity"],
                f"'Severity' is not a column; the columns are {COLUMNS}",
            ),
            RowError(
                ["file", "line", 1, "service_id"],
                "column 'service_id' appears twice (columns 1 and 3)",
            ),
            RowError(["file", "line", 1], "the required column 'start' is missing"),
        ],
    ),
    (
        "an empty header row",
        b"\nexchange-online," + START.encode() + b"\n",
        ImportOptions(),
        [
            RowError(
                ["file", "line", 1],
                "the header row is empty; it must name the columns, such as service_id,start",
            )
        ],
    ),
    (
        "tenant_id outside the admin upload",
        b"tenant_id,service_id,start\n",
        ImportOptions(),
        [
            RowError(
                ["file", "line", 1, "tenant_id"],
                "a tenant_id column is only accepted in the admin upload for several tenants",
            )
        ],
    ),
    (
        "the admin upload requires a tenant_id column",
        b"service_id,start\n",
        ADMIN,
        [RowError(["file", "line", 1], "the required column 'tenant_id' is missing")],
    ),
    (
        "the admin upload: tenant_id per row, and required in every row",
        b"service_id,tenant_id,start\nexchange-online,contoso," + START.encode() + b"\n"
        b"exchange-online,," + START.encode() + b"\n",
        ADMIN,
        [
            row(2, service_id="exchange-online", tenant_id="contoso", start=START),
            RowError(["file", "line", 3, "tenant_id"], "tenant_id is required; the cell is empty"),
        ],
    ),
    (
        "required cells left empty, each named",
        b"service_id,start,end\n,,2026-11-10T15:00:00Z\n",
        ImportOptions(),
        [
            RowError(
                ["file", "line", 2, "service_id"], "service_id is required; the cell is empty"
            ),
            RowError(["file", "line", 2, "start"], "start is required; the cell is empty"),
        ],
    ),
    (
        "users_affected that is not a whole number",
        b"service_id,start,users_affected\nexchange-online," + START.encode() + b",12.5\n"
        b"exchange-online," + START.encode() + b", 12\n",
        ImportOptions(),
        [
            RowError(
                ["file", "line", 2, "users_affected"], "'12.5' is not a whole number of users"
            ),
            RowError(["file", "line", 3, "users_affected"], "' 12' is not a whole number of users"),
        ],
    ),
    (
        "too few cells",
        b"service_id,start,end\nexchange-online," + START.encode() + b"\n",
        ImportOptions(),
        [RowError(["file", "line", 2], "the row has 2 cells but the header names 3 columns")],
    ),
    (
        "blank lines and rows of bare delimiters carry nothing and are passed over",
        b"service_id,start\n\n,\nexchange-online," + START.encode() + b"\n",
        ImportOptions(),
        [row(4, service_id="exchange-online", start=START)],
    ),
    (
        "a quote never closed",
        b"service_id,start,title\nexchange-online," + START.encode() + b',"Mailbox\n',
        ImportOptions(),
        [
            RowError(
                ["file", "line", 2],
                "the row cannot be read as CSV: a quoted cell is never closed",
            )
        ],
    ),
    (
        "text after a closing quote",
        b"service_id,start,title\nexchange-online," + START.encode() + b',"Mail"box\n'
        b"exchange-online," + START.encode() + b",ok\n",
        ImportOptions(),
        [
            RowError(["file", "line", 2], "the row cannot be read as CSV: ',' expected after '\"'"),
            row(3, service_id="exchange-online", start=START, title="ok"),
        ],
    ),
    (
        "old Mac line ends (CR alone)",
        b"service_id,start\rexchange-online," + START.encode() + b"\r",
        ImportOptions(),
        [
            RowError(
                ["file", "line", 1],
                "the row cannot be read as CSV: a carriage return (CR) outside quotes; "
                "lines must end in LF or CRLF",
            )
        ],
    ),
    (
        "UTF-16 (Excel's 'Unicode text') is named as such",
        "service_id\tstart\n".encode("utf-16"),
        ImportOptions(),
        [
            RowError(
                ["file", "line", 1],
                "the file is UTF-16, not UTF-8; save it as UTF-8 and upload it again",
            )
        ],
    ),
    (
        "a bad byte in the header, after the BOM: the offset counts the BOM",
        b"\xef\xbb\xbfservice_id,st\xffart\n",
        ImportOptions(),
        [
            RowError(
                ["file", "line", 1],
                "the file is not UTF-8: byte 0xFF on line 1 (byte offset 16) is not valid "
                "UTF-8; save the file as UTF-8 and upload it again",
            )
        ],
    ),
    (
        # Line 1 is 23 bytes; in line 2 "exchange-online,<20>,Caf" is 40 bytes: 23 + 40.
        "a multi-byte character cut short at the end of the file",
        b"service_id,start,title\nexchange-online," + START.encode() + b",Caf\xc3",
        ImportOptions(),
        [
            RowError(
                ["file", "line", 2],
                "the file is not UTF-8: byte 0xC3 on line 2 (byte offset 63) is not valid "
                "UTF-8; save the file as UTF-8 and upload it again",
            )
        ],
    ),
    (
        "UTF-8 text beyond ASCII is read as it is",
        "service_id,start,title\nexchange-online,2026-11-10T14:00:00Z,Café – 東京\n".encode(),
        ImportOptions(),
        [row(2, service_id="exchange-online", start=START, title="Café – 東京")],
    ),
]


@pytest.mark.parametrize(
    ("data", "options", "expected"),
    [case[1:] for case in INLINE],
    ids=[case[0] for case in INLINE],
)
def test_inline(data: bytes, options: ImportOptions, expected: list[Event]) -> None:
    assert events("csv", data, options) == expected


def test_a_bad_byte_far_beyond_the_sniffed_head_names_its_line_and_offset() -> None:
    # A header line of 17 bytes, then 2000 rows of 15 + 1 + 20 + 1 = 37 bytes: line 2002
    # starts at 17 + 2000 × 37 = 74017, and "exchange-online," puts the 0xE9 16 bytes on.
    good = b"exchange-online,2026-11-10T14:00:00Z\n"
    assert len(good) == 37
    data = b"service_id,start\n" + good * 2000 + b"exchange-online,\xe9\n"
    found = events("csv", data)
    assert len(found) == 2001
    assert found[-1] == RowError(
        ["file", "line", 2002],
        "the file is not UTF-8: byte 0xE9 on line 2002 (byte offset 74033) is not valid "
        "UTF-8; save the file as UTF-8 and upload it again",
    )


def test_a_line_longer_than_the_limit_is_refused() -> None:
    data = b"service_id,start,title\nexchange-online,x," + b"a" * MAX_LINE_BYTES + b"\n"
    assert events("csv", data) == [
        RowError(["file", "line", 2], "line 2 is longer than 1 MiB; is this a CSV file?")
    ]


def test_a_row_is_yielded_before_the_rest_of_the_file_is_read() -> None:
    """The parser is lazy: the first row comes out having read only the sniffed head."""
    stream = io.BytesIO(b"service_id,start\n" + b"exchange-online,2026-11-10T14:00:00Z\n" * 10_000)
    rows = parse("csv", stream, ImportOptions())
    assert next(rows) == row(2, service_id="exchange-online", start=START)
    assert stream.tell() < 16_384
