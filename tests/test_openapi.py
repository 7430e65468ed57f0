"""The committed contract is the app's own: regenerate with `make openapi`."""

import json
import re
from pathlib import Path
from typing import Any

from app.openapi_export import openapi_text

COMMITTED = Path(__file__).parent.parent / "openapi" / "openapi.json"


def _operations() -> list[tuple[str, str, dict[str, Any]]]:
    spec = json.loads(COMMITTED.read_text())
    return [
        (method, path, operation)
        for path, methods in spec["paths"].items()
        for method, operation in methods.items()
    ]


def test_committed_spec_matches_the_app() -> None:
    assert COMMITTED.read_text() == openapi_text(), "run `make openapi` and commit the result"


def test_every_operation_has_a_snake_case_id_and_one_tag() -> None:
    ids = [operation["operationId"] for _, _, operation in _operations()]
    assert len(ids) == len(set(ids))
    for method, path, operation in _operations():
        assert re.fullmatch(r"[a-z]+(_[a-z]+)*", operation["operationId"]), (method, path)
        assert len(operation["tags"]) == 1, (method, path)


# Opened without a key: the probes, and a share link (its token is the credential).
PUBLIC = {"/healthz", "/readyz", "/v1/shared/reports/{token}"}


def test_authenticated_operations_declare_401_and_problem_bodies() -> None:
    for method, path, operation in _operations():
        if path in PUBLIC:
            assert "security" not in operation
            assert "401" not in operation["responses"], (method, path)
            continue
        assert operation["security"] == [{"ApiKey": []}, {"Bearer": []}], (method, path)
        assert "401" in operation["responses"], (method, path)
        for status, response in operation["responses"].items():
            if status.startswith("4"):
                assert "application/problem+json" in response["content"], (method, path, status)


def test_every_operation_declares_422() -> None:
    # The request guard refuses a control character in any path or query string, before
    # any route; so every operation, even one that takes no input, can answer 422.
    for method, path, operation in _operations():
        assert "422" in operation["responses"], (method, path)


def test_the_report_declares_its_page_and_pdf_and_a_share_link_its_own_answers() -> None:
    spec = json.loads(COMMITTED.read_text())["paths"]
    report = spec["/v1/tenants/{tenant_id}/reports/{month}"]["get"]["responses"]["200"]
    assert {"application/json", "text/csv", "text/html", "application/pdf"} <= set(
        report["content"]
    )
    shared = spec["/v1/shared/reports/{token}"]["get"]["responses"]
    assert set(shared["200"]["content"]) == {"text/html", "application/pdf"}
    assert {"404", "410"} <= set(shared)
    created = spec["/v1/tenants/{tenant_id}/reports/{month}/links"]["post"]["responses"]
    assert "201" in created


def test_no_float_in_any_money_or_percent_field() -> None:
    schemas = json.loads(COMMITTED.read_text())["components"]["schemas"]
    for name, schema in schemas.items():
        for field, definition in schema.get("properties", {}).items():
            assert definition.get("type") != "number", (name, field)
