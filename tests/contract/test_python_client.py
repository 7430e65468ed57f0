"""The Python client generated from the committed spec, driven against a live server.

`tools/client_tour.py` goes only through the generated `sla_ledger_client` (keys,
tenant, terms, outages, a CSV upload, the report in four formats, the portfolio, a
close and a claim) and checks each figure against its hand-worked value.
"""

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import LiveServer, start_live_server
from tools.python_client import PACKAGE, generate

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    workdir = tmp_path / "server"
    workdir.mkdir()
    yield from start_live_server(workdir)


def test_the_generated_client_tours_the_api(tmp_path: Path, server: LiveServer) -> None:
    client_dir = tmp_path / "client"
    package = generate(client_dir)
    assert (package / "api" / "reports" / "get_tenant_report.py").exists()
    env = os.environ | {"PYTHONPATH": os.pathsep.join([str(client_dir), str(ROOT)])}
    tour = subprocess.run(
        [sys.executable, "-m", "tools.client_tour", server.url, server.key],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert tour.returncode == 0, tour.stdout + tour.stderr
    assert "every answer as worked out by hand" in tour.stdout
    # The tour imported the client it was handed, not another copy.
    probe = subprocess.run(
        [sys.executable, "-c", f"import {PACKAGE}; print({PACKAGE}.__file__)"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert probe.stdout.strip() == str(package / "__init__.py")


def test_money_in_the_generated_models_is_text(tmp_path: Path) -> None:
    # Decimals travel as JSON strings; a generated `float` field would round credits.
    package = generate(tmp_path)
    service_line = (package / "models" / "service_line.py").read_text()
    for field in ("credit_amount: str", "monthly_fee: str", "availability_percent: str"):
        assert f"    {field}\n" in service_line, field
    models = "".join(path.read_text() for path in (package / "models").glob("*.py"))
    assert "float" not in models
