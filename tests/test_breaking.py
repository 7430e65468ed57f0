"""The breaking-change guard (tools/breaking.py): the committed spec against its
baseline, and copies of the spec with one change each."""

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tools.breaking import SPEC, breaking_changes

ROOT = Path(__file__).resolve().parent.parent
REPORT = "GET /v1/tenants/{tenant_id}/reports/{month}"


@pytest.fixture
def spec() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SPEC.read_text())
    return loaded


def test_the_committed_spec_keeps_every_promise_of_the_baseline() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tools.breaking"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, (
        result.stdout
        + result.stderr
        + ("\nIf the change is meant: `make baseline`, committed with the reason.")
    )
    assert result.stdout == "no breaking change from baseline.json to openapi.json\n"


def test_a_removed_response_field_fails_and_is_named(spec: dict[str, Any], tmp_path: Path) -> None:
    changed = copy.deepcopy(spec)
    del changed["components"]["schemas"]["ServiceLine"]["properties"]["credit_amount"]
    problems = breaking_changes(spec, changed)
    assert f"{REPORT}: response 200 application/json field 'services[].credit_amount' removed" in (
        problems
    )
    # The same schema answers the month close: named there too, and nowhere else.
    close = "POST /v1/tenants/{tenant_id}/reports/{month}/close"
    assert f"{close}: response 201 application/json field 'services[].credit_amount' removed" in (
        problems
    )
    assert all("'services[].credit_amount' removed" in problem for problem in problems)

    # The command line says so and exits 1.
    baseline, edited = tmp_path / "baseline.json", tmp_path / "openapi.json"
    baseline.write_text(json.dumps(spec))
    edited.write_text(json.dumps(changed))
    result = subprocess.run(
        [sys.executable, "-m", "tools.breaking", str(baseline), str(edited)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "field 'services[].credit_amount' removed" in result.stdout
    assert "make baseline" in result.stderr


def test_a_field_removed_two_refs_deep_is_named(spec: dict[str, Any]) -> None:
    # TenantReport → ServiceLine → ErrorBudgetOut, each through a $ref.
    changed = copy.deepcopy(spec)
    del changed["components"]["schemas"]["ErrorBudgetOut"]["properties"]["used_percent"]
    problems = breaking_changes(spec, changed)
    assert (
        f"{REPORT}: response 200 application/json field 'services[].error_budget.used_percent' "
        "removed"
    ) in problems


def test_a_removed_path_fails(spec: dict[str, Any]) -> None:
    changed = copy.deepcopy(spec)
    del changed["paths"]["/v1/audit"]
    assert breaking_changes(spec, changed) == ["path /v1/audit removed"]


def test_a_removed_operation_fails(spec: dict[str, Any]) -> None:
    changed = copy.deepcopy(spec)
    del changed["paths"]["/v1/tenants/{tenant_id}/outages/{outage_id}"]["delete"]
    assert breaking_changes(spec, changed) == [
        "operation DELETE /v1/tenants/{tenant_id}/outages/{outage_id} removed"
    ]


def test_a_removed_success_media_type_fails(spec: dict[str, Any]) -> None:
    changed = copy.deepcopy(spec)
    path = "/v1/tenants/{tenant_id}/reports/{month}"
    del changed["paths"][path]["get"]["responses"]["200"]["content"]["text/csv"]
    assert breaking_changes(spec, changed) == [f"{REPORT}: response 200 no longer answers text/csv"]


def test_a_newly_required_body_field_fails(spec: dict[str, Any]) -> None:
    changed = copy.deepcopy(spec)
    changed["components"]["schemas"]["TenantCreate"]["required"].append("timezone")
    assert breaking_changes(spec, changed) == [
        "POST /v1/tenants: request application/json field 'timezone' is now required"
    ]


def test_a_newly_required_field_inside_a_list_of_the_body_fails(spec: dict[str, Any]) -> None:
    # {"outages": [OutageIn, ...]}: `kind` has a default; requiring it breaks every caller.
    changed = copy.deepcopy(spec)
    changed["components"]["schemas"]["OutageIn"]["required"].append("kind")
    assert breaking_changes(spec, changed) == [
        "POST /v1/tenants/{tenant_id}/outages: request application/json field "
        "'outages[].kind' is now required"
    ]


def test_a_newly_required_parameter_fails(spec: dict[str, Any]) -> None:
    changed = copy.deepcopy(spec)
    (limit,) = [
        parameter
        for parameter in changed["paths"]["/v1/tenants"]["get"]["parameters"]
        if parameter["name"] == "limit"
    ]
    limit["required"] = True
    assert breaking_changes(spec, changed) == [
        "GET /v1/tenants: query parameter 'limit' is now required"
    ]


def test_a_new_required_parameter_fails(spec: dict[str, Any]) -> None:
    changed = copy.deepcopy(spec)
    changed["paths"]["/v1/tenants"]["get"]["parameters"].append(
        {"name": "region", "in": "query", "required": True, "schema": {"type": "string"}}
    )
    assert breaking_changes(spec, changed) == [
        "GET /v1/tenants: query parameter 'region' is now required"
    ]


def test_additions_pass(spec: dict[str, Any]) -> None:
    changed = copy.deepcopy(spec)
    schemas = changed["components"]["schemas"]
    # An optional request field, a new response field, a new optional parameter...
    schemas["TenantCreate"]["properties"]["note"] = {"type": "string"}
    schemas["TenantPublic"]["properties"]["note"] = {"type": "string"}
    schemas["TenantPublic"]["required"].append("note")
    changed["paths"]["/v1/tenants"]["get"]["parameters"].append(
        {"name": "region", "in": "query", "required": False, "schema": {"type": "string"}}
    )
    # ...a new media type, a new operation and a new path, each with required fields.
    report = changed["paths"]["/v1/tenants/{tenant_id}/reports/{month}"]["get"]
    report["responses"]["200"]["content"]["application/xml"] = {"schema": {"type": "string"}}
    changed["paths"]["/v1/audit"]["post"] = changed["paths"]["/v1/tenants"]["post"]
    changed["paths"]["/v1/regions"] = {"post": changed["paths"]["/v1/tenants"]["post"]}
    assert breaking_changes(spec, changed) == []
    # Removing the same additions again is breaking: the check reads both ways.
    assert breaking_changes(changed, spec) != []
