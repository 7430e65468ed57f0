"""The spec as a TypeScript caller sees it: Spectral's lint, and request bodies that
send only the required fields type-checked under `tsc --strict` against the types
openapi-typescript generates (tools/contract/ts/outage.ts)."""

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from subprocess import CompletedProcess
from typing import Any

from tests.contract.conftest import npm

SPEC = Path(__file__).resolve().parent.parent.parent / "openapi" / "openapi.json"


def edited_spec(path: Path, edit: Callable[[dict[str, Any]], None]) -> Path:
    """A copy of the committed spec at `path`, changed by `edit`."""
    spec = json.loads(SPEC.read_text())
    edit(spec)
    path.write_text(json.dumps(spec))
    return path


def run_tool(node_tools: Path, name: str, *args: str, cwd: Path) -> CompletedProcess[str]:
    """One of tools/contract's installed commands, run in `cwd`."""
    return npm("exec", "--", str(node_tools / "node_modules" / ".bin" / name), *args, cwd=cwd)


def test_spectral_finds_no_error_in_the_spec(node_tools: Path) -> None:
    lint = npm("run", "--silent", "lint")
    assert lint.returncode == 0, lint.stdout + lint.stderr
    # Warnings are listed but do not fail; errors would.
    assert re.search(r"\(0 errors|No results with a severity of 'error'", lint.stdout), lint.stdout


def test_spectral_fails_on_an_error(node_tools: Path, tmp_path: Path) -> None:
    # Two operations with one id: generated clients would get one method for both.
    def same_id(spec: dict[str, Any]) -> None:
        spec["paths"]["/v1/tenants"]["post"]["operationId"] = "list_tenants"

    broken = edited_spec(tmp_path / "openapi.json", same_id)
    ruleset = str(node_tools / ".spectral.yaml")
    lint = run_tool(
        node_tools,
        "spectral",
        *("lint", "--ruleset", ruleset, "--fail-severity", "error", str(broken)),
        cwd=tmp_path,
    )
    assert lint.returncode != 0
    assert "operation-operationId-unique" in lint.stdout, lint.stdout


def test_bodies_with_only_required_fields_type_check(node_tools: Path) -> None:
    generated = npm("run", "--silent", "types")
    assert generated.returncode == 0, generated.stdout + generated.stderr
    assert (node_tools / "build" / "api.d.ts").exists()
    checked = npm("run", "--silent", "typecheck")
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_check_fails_when_a_defaulted_field_becomes_required(
    node_tools: Path, tmp_path: Path
) -> None:
    # The same script against a spec where TenantCreate requires `timezone` (it has a
    # default, so the API says it must stay optional): tsc must refuse the tenant body.
    def timezone_required(spec: dict[str, Any]) -> None:
        spec["components"]["schemas"]["TenantCreate"]["required"].append("timezone")

    edited_spec(tmp_path / "openapi.json", timezone_required)
    shutil.copytree(node_tools / "ts", tmp_path / "ts")
    shutil.copy(node_tools / "tsconfig.json", tmp_path / "tsconfig.json")
    # The options of package.json's "types" script, on the edited copy.
    generated = run_tool(
        node_tools,
        "openapi-typescript",
        *("openapi.json", "--default-non-nullable", "false", "--output", "build/api.d.ts"),
        cwd=tmp_path,
    )
    assert generated.returncode == 0, generated.stdout + generated.stderr
    checked = run_tool(node_tools, "tsc", "--project", "tsconfig.json", cwd=tmp_path)
    assert checked.returncode != 0
    assert "ts/outage.ts" in checked.stdout and "'timezone'" in checked.stdout, checked.stdout
