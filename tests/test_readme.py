"""The README's walkthrough works as written, against a real server."""

import json
import re
import subprocess
from pathlib import Path
from typing import Any

from tests.conftest import LiveServer

README = (Path(__file__).parent.parent / "README.md").read_text()


def _block_after(marker: str, language: str) -> str:
    match = re.search(re.escape(marker) + r".*?```" + language + r"\n(.*?)```", README, re.S)
    assert match is not None, f"no {language} block after {marker!r} in README.md"
    return match.group(1)


def _json_values(text: str) -> list[Any]:
    decoder = json.JSONDecoder()
    values, position = [], 0
    while position < len(text.strip()):
        value, position = decoder.raw_decode(text, position)
        values.append(value)
        while position < len(text) and text[position].isspace():
            position += 1
    return values


def _contains(actual: Any, expected: Any) -> bool:
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            key in actual and _contains(actual[key], value) for key, value in expected.items()
        )
    if isinstance(expected, list):
        return isinstance(actual, list) and all(
            any(_contains(item, wanted) for item in actual) for wanted in expected
        )
    return bool(actual == expected)


def test_walkthrough_gives_the_report_the_readme_shows(live_server: LiveServer) -> None:
    script = _block_after("<!-- walkthrough", "sh").replace(
        "http://127.0.0.1:8000", live_server.url
    )
    run = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=live_server.workdir,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    tenant, service, services, outages, report = _json_values(run.stdout)
    assert tenant["id"] == "contoso"
    assert service["policy_id"] == "microsoft-365"
    assert services == {"items": [service], "next_cursor": None}
    assert outages["created"] == 2
    shown = json.loads(_block_after("The report says", "json"))
    assert _contains(report, shown), report


def test_keys_and_imports_section_works_as_written(live_server: LiveServer) -> None:
    walkthrough = _block_after("<!-- walkthrough", "sh")
    keys = _block_after("<!-- keys and imports", "sh")
    script = (walkthrough + "\n" + keys).replace("http://127.0.0.1:8000", live_server.url)
    run = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=live_server.workdir,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    *_, imported, windows, imports = _json_values(run.stdout)
    assert imported["created"] == 1 and imported["format"] == "csv"
    assert len(imported["sha256"]) == 64
    # The two windows the walkthrough sent, by the admin key; the import, by the tenant key.
    assert [event["actor_key_id"] for event in windows["items"]] == ["bootstrap", "bootstrap"]
    (event,) = imports["items"]
    assert event["actor_key_id"].startswith("key_")
    assert event["after"]["id"] == imported["id"] and event["after"]["created"] == 1
