"""docs/api.md works as written: its examples, run in order against a real server,
all succeed (the ones that show an error answer one), and it has a section for every
group of endpoints in the contract."""

import json
import re
import subprocess
from pathlib import Path

from tests.conftest import LiveServer, start_live_server

ROOT = Path(__file__).parent.parent
GUIDE = (ROOT / "docs" / "api.md").read_text()
BLOCK = re.compile(r"(?:<!-- (?P<note>[^>]*) -->\n)?```sh\n(?P<code>.*?)```", re.S)


def runnable_script() -> str:
    """Every sh block, in order; curl fails on a 4xx or 5xx except in blocks marked as
    showing errors; blocks marked "not run" (they need the internet) are left out."""
    parts = []
    for block in BLOCK.finditer(GUIDE):
        note, code = block.group("note") or "", block.group("code")
        if note.startswith("not run"):
            continue
        if not note.startswith("errors"):
            code = re.sub(r"\bcurl -s\b", "curl -s --fail-with-body", code)
        parts.append(code)
    return "\n".join(parts)


def test_every_example_runs_against_a_live_server(tmp_path: Path) -> None:
    servers = start_live_server(tmp_path, {"SLA_WEBHOOK_ALLOW_INSECURE": "true"})
    server: LiveServer = next(servers)
    try:
        script = runnable_script().replace("http://127.0.0.1:8000", server.url)
        assert script.count("curl ") >= 40
        run = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script],
            cwd=server.workdir,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
        # The errors block printed its two problems.
        assert '"type":"urn:sla-ledger:problem:not-found"' in run.stdout
        assert '"loc":["body","id"]' in run.stdout
        # The claim was filed: the last-but-one answer lists it.
        assert '"provider_reference":"MS-CASE-4711"' in run.stdout
    finally:
        servers.close()


def test_there_is_a_section_for_every_group_of_endpoints() -> None:
    spec = json.loads((ROOT / "openapi" / "openapi.json").read_text())
    tags = {operation["tags"][0] for path in spec["paths"].values() for operation in path.values()}
    headings = " ".join(re.findall(r"^## (.*)$", GUIDE, re.M)).lower()
    assert tags and all(tag.replace("-", " ") in headings.replace("-", " ") for tag in tags), tags
