"""Slugs, service_map, the dispatcher, and the package's purity."""

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from app.imports.formats import (
    FORMATS,
    ImportedRow,
    ImportOptions,
    RowError,
    parse,
    service_id,
    slug,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Microsoft Teams", "microsoft-teams"),
        ("Exchange Online", "exchange-online"),
        ("Microsoft 365 suite", "microsoft-365-suite"),
        ("  API  ", "api"),
        ("Web Dashboard (EU)", "web-dashboard-eu"),
        ("Mail & Calendar -- Beta!", "mail-calendar-beta"),
        ("already-a-slug", "already-a-slug"),
        ("under_score.dot/slash", "under-score-dot-slash"),
        ("Zürich", "z-rich"),  # the rule is a-z and 0-9, nothing is transliterated
        ("***", ""),
    ],
)
def test_slug(name: str, expected: str) -> None:
    assert slug(name) == expected


def test_service_map_wins_over_the_slug_and_is_exact() -> None:
    options = ImportOptions(service_map={"Exchange Online": "exo"})
    assert service_id("Exchange Online", options, ["file"]) == "exo"
    assert service_id("exchange online", options, ["file"]) == "exchange-online"
    assert service_id("Microsoft Teams", options, ["file"]) == "microsoft-teams"


def test_service_map_can_name_what_has_no_slug() -> None:
    assert service_id("***", ImportOptions(service_map={"***": "stars"}), ["file"]) == "stars"
    assert service_id("***", ImportOptions(), ["file", "service"]) == RowError(
        ["file", "service"],
        "'***' has no letters or digits to make a service id of; map it in service_map",
    )


def test_parse_dispatches_by_format_name() -> None:
    assert FORMATS == ("csv", "json", "graph", "statuspage", "pagerduty")
    found = list(parse("csv", io.BytesIO(b"service_id,start\nmail,2026-11-10T14:00:00Z\n")))
    assert found == [
        ImportedRow(["file", "line", 2], {"service_id": "mail", "start": "2026-11-10T14:00:00Z"})
    ]


def test_an_unknown_format_is_the_callers_mistake() -> None:
    with pytest.raises(ValueError, match="'xlsx' is not an import format"):
        parse("xlsx", io.BytesIO(b""), ImportOptions())


@pytest.mark.parametrize("format", FORMATS)
def test_every_format_refuses_an_empty_file(format: str) -> None:
    assert list(parse(format, io.BytesIO(b""), ImportOptions())) == [
        RowError(["file"], "the file is empty")
    ]


def test_options_default_to_the_documented_weights() -> None:
    options = ImportOptions()
    assert (options.partial_impact, options.major_impact) == ("0.3", "1")
    assert dict(options.service_map) == {}
    assert options.allow_tenant_id is False


PROBE = """
import json, sys
import app.imports.formats
print(json.dumps(sorted(sys.modules)))
"""
FORBIDDEN = (
    "fastapi",
    "starlette",
    "sqlmodel",
    "sqlalchemy",
    "pydantic",
    "httpx",
    "ijson",
    "app.db",
    "app.config",
    "app.models",
    "app.errors",
    "app.schemas",
)


def test_the_parsers_are_pure() -> None:
    """Importing the package in a fresh interpreter loads no web, ORM or HTTP module."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, check=True
    )
    loaded = json.loads(done.stdout)
    assert [
        name
        for name in loaded
        if any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN)
    ] == []
