"""The committed contract is the app's own: regenerate with `make openapi`."""

import json
import re
from pathlib import Path
from typing import Any

import jsonschema_rs

from app.openapi_export import openapi_text
from app.schemas import MONTH_PATTERN

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


def _spec() -> dict[str, Any]:
    spec: dict[str, Any] = json.loads(COMMITTED.read_text())
    return spec


def _validator(schema: dict[str, Any]) -> jsonschema_rs.Validator:
    """A validator for a schema of the spec, its `$ref`s resolved within the spec, formats
    (date-time, date) checked."""
    root = {**schema, "components": _spec()["components"]}
    return jsonschema_rs.validator_for(root, validate_formats=True)


def _component(name: str) -> jsonschema_rs.Validator:
    return _validator({"$ref": f"#/components/schemas/{name}"})


def _referenced(schema: Any, schemas: dict[str, Any], seen: set[str]) -> set[str]:
    """The names of the component schemas `schema` refers to, however deep."""
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if isinstance(ref, str):
            name = ref.rsplit("/", 1)[-1]
            if name not in seen:
                seen.add(name)
                _referenced(schemas[name], schemas, seen)
        for value in schema.values():
            _referenced(value, schemas, seen)
    elif isinstance(schema, list):
        for value in schema:
            _referenced(value, schemas, seen)
    return seen


def _json_answer(operation: dict[str, Any]) -> dict[str, Any] | None:
    for status, response in operation["responses"].items():
        if status.startswith("2") and "application/json" in response.get("content", {}):
            schema: dict[str, Any] = response["content"]["application/json"]["schema"]
            return schema
    return None


def test_every_operation_has_a_summary_a_description_and_a_named_answer() -> None:
    for method, path, operation in _operations():
        assert operation.get("summary"), (method, path)
        assert operation.get("description"), (method, path)
        answer = _json_answer(operation)
        # A JSON answer is a named schema, so generated clients get a named type.
        assert answer is None or "$ref" in answer, (method, path, answer)


def test_every_list_is_a_page_with_limit_and_cursor() -> None:
    schemas = _spec()["components"]["schemas"]
    pages = 0
    for method, path, operation in _operations():
        answer = _json_answer(operation)
        assert answer is None or answer.get("type") != "array", (method, path)
        if answer is None:
            continue
        schema = schemas[answer["$ref"].rsplit("/", 1)[-1]]
        properties = schema.get("properties", {})
        if not any(field.get("type") == "array" for field in properties.values()):
            continue
        if set(properties) == {"items", "next_cursor"}:
            pages += 1
            parameters = {parameter["name"] for parameter in operation.get("parameters", [])}
            assert {"limit", "cursor"} <= parameters, (method, path)
    # Tenants, services, policies, outages, outage history, audit, imports, claims,
    # a service's months, the portfolio, keys, webhooks and their deliveries: 13 lists.
    assert pages == 13


_INSTANTS = {"at", "start", "end", "period_start", "period_end", "timestamp"}
_MONTHS = {"month", "effective_from", "effective_to"}


def _string_branch(definition: dict[str, Any]) -> dict[str, Any]:
    """The string schema of a field that may also be null."""
    for branch in definition.get("anyOf", []):
        if branch.get("type") == "string":
            return dict(branch)
    return definition


def test_every_timestamp_date_and_month_field_declares_its_format() -> None:
    spec = _spec()
    checked = 0
    for name, schema in spec["components"]["schemas"].items():
        for field, definition in schema.get("properties", {}).items():
            text = _string_branch(definition)
            if field.endswith("_at") or field in _INSTANTS:
                assert text.get("format") == "date-time", (name, field)
            elif field.endswith(("_deadline", "_date")):
                assert text.get("format") == "date", (name, field)
            elif field in _MONTHS:
                assert text.get("pattern") == MONTH_PATTERN, (name, field)
            else:
                continue
            checked += 1
    assert checked > 50
    for method, path, operation in _operations():
        for parameter in operation.get("parameters", []):
            text = _string_branch(parameter["schema"])
            if parameter["name"] in ("month", "effective_from") or (
                parameter["name"] in ("from", "to") and "history" in path
            ):
                assert text.get("pattern") == MONTH_PATTERN, (method, path, parameter["name"])
            elif parameter["name"] in ("from", "to"):
                assert text.get("format") == "date-time", (method, path, parameter["name"])


def test_no_request_field_with_a_default_is_required_or_typed_as_always_present() -> None:
    spec = _spec()
    schemas = spec["components"]["schemas"]
    bodies: set[str] = set()
    for _, _, operation in _operations():
        _referenced(operation.get("requestBody", {}), schemas, bodies)
    assert {"TenantCreate", "SubscriptionPut", "OutageIn", "PolicyCreate", "TierIn"} <= bodies
    defaulted = 0
    for name in bodies:
        schema = schemas[name]
        for field, definition in schema.get("properties", {}).items():
            # openapi-typescript types a field with a `default` as always present, so a
            # request schema says its defaults in words.
            assert "default" not in definition, (name, field)
            if "Default: `" in definition.get("description", ""):
                assert field not in schema.get("required", []), (name, field)
                defaulted += 1
    # timezone, currency; kind; five of a policy; expires_in; dry_run of two uploads
    # and of two syncs.
    assert defaulted == 13
    assert schemas["TenantCreate"]["properties"]["timezone"]["description"] == "Default: `UTC`."
    assert set(schemas["TenantCreate"]["required"]) == {"id", "name"}
    assert set(schemas["PolicyCreate"]["required"]) == {"id", "name", "target_percent", "tiers"}
    assert set(schemas["OutageIn"]["required"]) == {"service_id", "start"}


def test_each_rendering_of_a_report_has_an_operation_of_its_own() -> None:
    paths = _spec()["paths"]
    renderings = {
        "/v1/tenants/{tenant_id}/reports/{month}/csv": {"text/csv"},
        "/v1/tenants/{tenant_id}/reports/{month}/html": {"text/html"},
        "/v1/tenants/{tenant_id}/reports/{month}/pdf": {
            "application/pdf",
            "application/octet-stream",
        },
        "/v1/reports/{month}/csv": {"text/csv"},
    }
    for path, media_types in renderings.items():
        content = paths[path]["get"]["responses"]["200"]["content"]
        # Only the rendering: a generated client reads the first media type declared.
        assert set(content) == media_types, path
        for media_type, declared in content.items():
            binary = not media_type.startswith("text/")
            assert declared["schema"] == (
                {"type": "string", "format": "binary"} if binary else {"type": "string"}
            ), path
    portfolio = paths["/v1/reports/{month}"]["get"]["responses"]["200"]["content"]
    assert set(portfolio) == {"application/json", "text/csv"}


def test_every_example_in_the_spec_is_valid_for_its_schema() -> None:
    schemas = _spec()["components"]["schemas"]
    shown = set()
    for name, schema in schemas.items():
        for example in schema.get("examples", []):
            errors = [error.message for error in _component(name).iter_errors(example)]
            assert not errors, (name, errors)
            shown.add(name)
    # The main operations' bodies and answers each show one.
    assert {
        "TenantCreate",
        "TenantPublic",
        "SubscriptionPut",
        "SubscriptionPublic",
        "OutageBatch",
        "OutageBatchResult",
        "ImportResult",
        "StatuspageSync",
        "TenantReport",
        "PortfolioPage",
        "ClaimCreate",
        "ClaimPatch",
        "ClaimPublic",
        "ApiKeyCreate",
        "ApiKeyCreated",
        "WebhookCreate",
        "WebhookCreated",
        "PolicyCreate",
        "LinkCreate",
    } <= shown


def test_the_spec_refuses_what_the_server_refuses() -> None:
    # Where a schema-valid request used to get 422: a month 00 or 13 or outside the years
    # the ledger takes, an empty service id, a tier with both credit kinds or neither.
    month = next(
        parameter["schema"]
        for parameter in _spec()["paths"]["/v1/tenants/{tenant_id}/reports/{month}"]["get"][
            "parameters"
        ]
        if parameter["name"] == "month"
    )
    accepts = _validator(month)
    assert [text for text in ("2026-11", "1970-01", "2999-12") if accepts.is_valid(text)] == [
        "2026-11",
        "1970-01",
        "2999-12",
    ]
    assert not any(
        accepts.is_valid(text) for text in ("0", "2026-00", "2026-13", "1969-12", "3000-01")
    )
    outage = _component("OutageIn")
    assert outage.is_valid({"service_id": "exchange-online", "start": "2026-11-03T14:00:00Z"})
    assert not outage.is_valid({"service_id": "", "start": "2026-11-03T14:00:00Z"})
    tier = _component("TierIn")
    assert tier.is_valid({"below_percent": "99.9", "credit_percent": "10"})
    assert tier.is_valid({"below_percent": "99", "credit_days": "7", "credit_percent": None})
    assert not tier.is_valid({"below_percent": "99", "credit_percent": "10", "credit_days": "7"})
    assert not tier.is_valid({"below_percent": "99"})
