"""Pure parsers of outage files: one module per format, one output shape.

    parse("csv", stream, ImportOptions()) -> Iterator[ImportedRow | Skipped | RowError]

No web framework, database or network here: a parser reads bytes and says what it
found. The caller validates each ImportedRow's fields with OutageIn and validate_rows.
See docs/imports.md for each format's rules.
"""

from collections.abc import Callable, Iterator
from typing import BinaryIO

from app.imports.formats import csv_format, graph, json_format, pagerduty, statuspage
from app.imports.formats.common import (
    FIELDS,
    Event,
    ImportedRow,
    ImportOptions,
    Loc,
    RowError,
    Skipped,
    service_id,
    slug,
)

Parser = Callable[[BinaryIO, ImportOptions], Iterator[Event]]

PARSERS: dict[str, Parser] = {
    "csv": csv_format.parse,
    "json": json_format.parse,
    "graph": graph.parse,
    "statuspage": statuspage.parse,
    "pagerduty": pagerduty.parse,
}
FORMATS = tuple(PARSERS)


def parse(format: str, stream: BinaryIO, options: ImportOptions | None = None) -> Iterator[Event]:
    """The events of one file, in file order. An unknown format is the caller's
    mistake (it checks the name against FORMATS first) and raises ValueError."""
    parser = PARSERS.get(format)
    if parser is None:
        raise ValueError(f"'{format}' is not an import format ({', '.join(FORMATS)})")
    return parser(stream, options if options is not None else ImportOptions())


__all__ = [
    "FIELDS",
    "FORMATS",
    "PARSERS",
    "Event",
    "ImportOptions",
    "ImportedRow",
    "Loc",
    "RowError",
    "Skipped",
    "parse",
    "service_id",
    "slug",
]
