"""CSV: a header row naming the outage fields, then one window per row.

The file is read as a stream, one physical line at a time, so memory stays flat
however long the file is: each line is read as bytes (at most MAX_LINE_BYTES) and
decoded strictly as UTF-8 on its own. That is exact, not a shortcut: the newline byte
never occurs inside a UTF-8 multi-byte sequence, so cutting at newlines never splits a
character, and a bad byte is reported with its line and byte offset in the file.
Only the first SNIFF_BYTES (and the line that crosses it) are held at once, for the
delimiter sniffer.
"""

import codecs
import csv
import re
from collections.abc import Iterator
from itertools import chain
from typing import BinaryIO

from app.imports.formats.common import (
    FIELDS,
    Event,
    ImportedRow,
    ImportOptions,
    Loc,
    Refused,
    RowError,
    not_utf8,
)

DELIMITERS = ",;\t"
SNIFF_BYTES = 8192
MAX_LINE_BYTES = 1 << 20
_WHOLE = re.compile(r"-?[0-9]{1,18}")


class _Lines:
    """The file's physical lines as text, counted; raises Refused on a byte that is
    not UTF-8 or a line longer than MAX_LINE_BYTES."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self.number = 0
        self.offset = 0

    def __iter__(self) -> "_Lines":
        return self

    def __next__(self) -> str:
        raw = self._stream.readline(MAX_LINE_BYTES + 1)
        if not raw:
            raise StopIteration
        self.number += 1
        start = self.offset
        self.offset += len(raw)
        if len(raw) > MAX_LINE_BYTES:
            raise Refused(
                RowError(
                    ["file", "line", self.number],
                    f"line {self.number} is longer than {MAX_LINE_BYTES // (1 << 20)} MiB; "
                    "is this a CSV file?",
                )
            )
        skip = len(codecs.BOM_UTF8) if self.number == 1 and raw.startswith(codecs.BOM_UTF8) else 0
        try:
            return raw[skip:].decode("utf-8")
        except UnicodeDecodeError as error:
            position = skip + error.start
            raise Refused(not_utf8(raw, position, self.number, start + position)) from error


def _rest(lines: _Lines, pending: Refused | None) -> Iterator[str]:
    if pending is not None:
        raise pending
    yield from lines


def _delimiter(sample: str) -> str:
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        return ","


def parse(stream: BinaryIO, options: ImportOptions) -> Iterator[Event]:
    lines = _Lines(stream)
    head: list[str] = []
    pending: Refused | None = None
    try:
        for line in lines:
            head.append(line)
            if lines.offset >= SNIFF_BYTES:
                break
    except Refused as refused:
        pending = refused
    if lines.offset == 0:
        yield RowError(["file"], "the file is empty")
        return
    # Only the delimiter is taken from the sniffer; quoting stays the standard one.
    delimiter = _delimiter("".join(head))
    reader = csv.reader(chain(head, _rest(lines, pending)), delimiter=delimiter, strict=True)
    del head
    columns: list[str] | None = None
    required = _required(options)
    previous = 0  # the last physical line the reader has consumed
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except Refused as refused:
            yield refused.error
            return
        except csv.Error as error:
            yield RowError(["file", "line", previous + 1], _csv_message(error))
            previous = reader.line_num
            if columns is None:
                return
            continue
        line_number = previous + 1  # a row with quoted newlines starts here
        previous = reader.line_num
        if columns is None:
            columns, errors = _header(cells, line_number, options)
            if errors:
                yield from errors
                return
            continue
        if not any(cells):
            continue  # a blank line, or only delimiters: no data
        found = _row(cells, line_number, columns, required)
        if isinstance(found, ImportedRow):
            yield found
        else:
            yield from found


def _csv_message(error: csv.Error) -> str:
    text = str(error)
    if text.startswith("new-line character seen in unquoted field"):
        return (
            "the row cannot be read as CSV: a carriage return (CR) outside quotes; "
            "lines must end in LF or CRLF"
        )
    if text == "unexpected end of data":
        return "the row cannot be read as CSV: a quoted cell is never closed"
    return f"the row cannot be read as CSV: {text}"


def _allowed(options: ImportOptions) -> tuple[str, ...]:
    return FIELDS if options.allow_tenant_id else FIELDS[1:]


def _required(options: ImportOptions) -> tuple[str, ...]:
    return (
        ("tenant_id", "service_id", "start") if options.allow_tenant_id else ("service_id", "start")
    )


def _header(
    cells: list[str], line: int, options: ImportOptions
) -> tuple[list[str], list[RowError]]:
    """Column names, matched without surrounding spaces and without regard to case."""
    loc: Loc = ["file", "line", line]
    if not any(cell.strip() for cell in cells):
        return [], [
            RowError(
                loc, "the header row is empty; it must name the columns, such as service_id,start"
            )
        ]
    allowed = _allowed(options)
    names: list[str] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for position, cell in enumerate(cells, 1):
        name = cell.strip().lower()
        names.append(name)
        if not name:
            errors.append(RowError(loc, f"column {position} has no name"))
        elif name == "tenant_id" and name not in allowed:
            errors.append(
                RowError(
                    [*loc, cell],
                    "a tenant_id column is only accepted in the admin upload for several tenants",
                )
            )
        elif name not in allowed:
            errors.append(
                RowError(
                    [*loc, cell], f"'{cell}' is not a column; the columns are {', '.join(allowed)}"
                )
            )
        elif name in seen:
            errors.append(
                RowError(
                    [*loc, name],
                    f"column '{name}' appears twice (columns {seen[name]} and {position})",
                )
            )
        else:
            seen[name] = position
    for name in _required(options):
        if name not in seen:
            errors.append(RowError(loc, f"the required column '{name}' is missing"))
    return names, errors


def _row(
    cells: list[str], line: int, columns: list[str], required: tuple[str, ...]
) -> ImportedRow | list[RowError]:
    """The row's fields, or what is wrong with them. A function rather than a generator
    of events: it runs once a row, and nearly every row is one ImportedRow."""
    loc: Loc = ["file", "line", line]
    if len(cells) != len(columns):
        return [
            RowError(
                loc, f"the row has {len(cells)} cells but the header names {len(columns)} columns"
            )
        ]
    # An empty cell is "not given".
    fields: dict[str, object] = (
        {name: cell for name, cell in zip(columns, cells, strict=True) if cell}
        if "" in cells
        else dict(zip(columns, cells, strict=True))
    )
    errors: list[RowError] = []
    users = fields.get("users_affected")
    if users is not None:
        if _WHOLE.fullmatch(str(users)):
            fields["users_affected"] = int(str(users))
        else:
            errors.append(
                RowError([*loc, "users_affected"], f"'{users}' is not a whole number of users")
            )
            del fields["users_affected"]
    for name in required:
        if name not in fields:
            errors.append(RowError([*loc, name], f"{name} is required; the cell is empty"))
    return errors if errors else ImportedRow(loc, fields)
