"""The core stays pure: importing every module of app.sla in a fresh interpreter loads no
web framework, ORM, HTTP client, settings or database module.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = ("fastapi", "starlette", "sqlmodel", "sqlalchemy", "httpx", "app.config", "app.db")
CORE_MODULES = sorted(path.stem for path in (ROOT / "app" / "sla").glob("*.py"))

PROBE = """
import importlib, json, pkgutil, sys
import app.sla
names = sorted(m.name for m in pkgutil.iter_modules(app.sla.__path__, "app.sla."))
for name in names:
    importlib.import_module(name)
print(json.dumps({"imported": names, "modules": sorted(sys.modules)}))
"""


@pytest.fixture(scope="module")
def loaded() -> dict[str, list[str]]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, check=True
    )
    result: dict[str, list[str]] = json.loads(done.stdout)
    return result


def test_every_core_module_is_imported(loaded: dict[str, list[str]]) -> None:
    expected = [f"app.sla.{stem}" for stem in CORE_MODULES if stem != "__init__"]
    assert "app.sla.assessment" in expected
    assert loaded["imported"] == expected


def is_within(module: str, package: str) -> bool:
    """`app.db` and `app.db.session` are within `app.db`; `app.dbx` is not."""
    return module == package or module.startswith(package + ".")


@pytest.mark.parametrize("forbidden", FORBIDDEN)
def test_core_does_not_load(loaded: dict[str, list[str]], forbidden: str) -> None:
    assert [name for name in loaded["modules"] if is_within(name, forbidden)] == []


def test_is_within() -> None:
    assert is_within("app.db", "app.db")
    assert is_within("sqlalchemy.orm", "sqlalchemy")
    assert not is_within("app.dbx", "app.db")
