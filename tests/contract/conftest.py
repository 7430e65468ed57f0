"""The npm tools of tools/contract (Spectral, openapi-typescript, tsc), installed once.

`npm ci` runs when tools/contract/node_modules is missing or older than the lockfile
(the same rule as the Makefile's); otherwise the installed copy is used. npm must be
on PATH: `.ci/run` installs Node.js where it is missing (tools/system-packages node).
"""

import shutil
import subprocess
from pathlib import Path

import pytest

CONTRACT = Path(__file__).resolve().parent.parent.parent / "tools" / "contract"
LOCKFILE = CONTRACT / "package-lock.json"
INSTALLED = CONTRACT / "node_modules" / ".package-lock.json"


def npm(*args: str, cwd: Path = CONTRACT, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    executable = shutil.which("npm")
    assert executable is not None, "npm is not on PATH: run `tools/system-packages node`"
    return subprocess.run(
        [executable, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )


@pytest.fixture(scope="session")
def node_tools() -> Path:
    """tools/contract, with its node_modules matching package-lock.json."""
    if not INSTALLED.exists() or INSTALLED.stat().st_mtime < LOCKFILE.stat().st_mtime:
        installed = npm("ci", "--ignore-scripts", "--no-audit", "--no-fund")
        assert installed.returncode == 0, installed.stdout + installed.stderr
    return CONTRACT
