"""`SLA_FREEZE_HEAP_ON_START` (on by default): once started, the app's objects are frozen
out of the garbage collector's passes (docs/operations.md, "Garbage collection pauses").
Each case runs in a fresh interpreter, since a freeze lasts as long as its process."""

import subprocess
import sys
from pathlib import Path

import pytest

_STARTED_APP_FREEZE_COUNT = """
import gc, sys
from fastapi.testclient import TestClient
from app.config import Settings
from app.main import create_app

settings = Settings(
    database_url=sys.argv[1], admin_key="k", webhook_worker=False,
    freeze_heap_on_start=sys.argv[2] == "on",
)
with TestClient(create_app(settings)) as client:
    assert client.get("/healthz").status_code == 200
    print(gc.get_freeze_count())
"""


def _freeze_count(tmp_path: Path, setting: str) -> int:
    done = subprocess.run(
        [sys.executable, "-c", _STARTED_APP_FREEZE_COUNT, f"sqlite:///{tmp_path}/l.db", setting],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return int(done.stdout.strip())


@pytest.mark.parametrize(("setting", "frozen"), [("on", True), ("off", False)])
def test_the_started_app_is_frozen_only_when_asked(
    tmp_path: Path, setting: str, frozen: bool
) -> None:
    # The framework alone is tens of thousands of objects; nothing is frozen otherwise.
    count = _freeze_count(tmp_path, setting)
    assert (count > 10_000) is frozen, count
