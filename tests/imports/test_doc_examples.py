"""Each format's worked example in docs/imports.md gives what the page says it gives:
the first fenced block of each format's section, parsed as that format."""

import io
import re
from pathlib import Path

import pytest

from app.imports.formats import FORMATS, ImportedRow, Skipped, parse

PAGE = (Path(__file__).parent.parent.parent / "docs" / "imports.md").read_text()

# (service_id, start, end or None, impact or None), as the page states each result.
EXPECTED = {
    "csv": [
        ("exchange-online", "2026-11-10 09:00", "2026-11-10 10:30", "0.5"),
        ("microsoft-teams", "2026-11-12T09:00:00Z", None, None),
    ],
    "json": [("exchange-online", "2026-11-10T14:00:00Z", None, "0.25")],
    "graph": [
        ("exchange-online", "2026-11-10T14:00:00Z", "2026-11-10T16:05:30Z", None),
        ("sharepoint-online", "2026-11-12T08:30:00Z", None, None),
    ],
    "statuspage": [
        # The table: api major then partial, web-dashboard major; then the maintenance.
        ("api", "2026-11-10T08:58:12-06:00", "2026-11-10T09:40:00-06:00", "1"),
        ("api", "2026-11-10T09:40:00-06:00", "2026-11-10T11:15:00-06:00", "0.3"),
        ("web-dashboard", "2026-11-10T08:58:12-06:00", "2026-11-10T09:40:00-06:00", "1"),
        ("api", "2026-11-14T22:00:00-06:00", "2026-11-15T01:12:40-06:00", None),
        ("web-dashboard", "2026-11-14T22:00:00-06:00", "2026-11-15T01:12:40-06:00", None),
    ],
    "pagerduty": [
        ("payments-gateway", "2026-11-09T22:40:00Z", "2026-11-09T23:25:10Z", None),
        ("checkout-api", "2026-11-11T03:12:45Z", None, None),
    ],
}


def example(format: str) -> str:
    section = re.search(r"^## [^\n]*\(`" + format + r"`\)\n(.*?)(?=^## |\Z)", PAGE, re.S | re.M)
    assert section is not None, f"no section for {format}"
    block = re.search(r"```[a-z]*\n(.*?)```", section.group(1), re.S)
    assert block is not None, f"no example block in the {format} section"
    return block.group(1)


def test_every_format_has_an_example() -> None:
    assert set(EXPECTED) == set(FORMATS)


@pytest.mark.parametrize("format", FORMATS)
def test_the_example_gives_what_the_page_says(format: str) -> None:
    events = list(parse(format, io.BytesIO(example(format).encode())))
    rows = [event for event in events if isinstance(event, ImportedRow)]
    assert [
        (
            row.fields["service_id"],
            row.fields["start"],
            row.fields.get("end"),
            row.fields.get("impact"),
        )
        for row in rows
    ] == EXPECTED[format]
    assert len(rows) + sum(isinstance(event, Skipped) for event in events) == len(events)
    if format == "graph":
        # The advisory is skipped, with the reason the page quotes.
        (skipped,) = [event for event in events if isinstance(event, Skipped)]
        assert skipped.reason == "classification 'advisory' is not an incident"
