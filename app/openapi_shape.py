"""The last touches to the OpenAPI document FastAPI renders, for the generators that
finance teams run on it (openapi-typescript, openapi-python-client)."""

from typing import Any

from app.schemas import with_examples


def shaped(spec: dict[str, Any]) -> dict[str, Any]:
    return _request_defaults_in_words(with_examples(spec))


def _request_defaults_in_words(spec: dict[str, Any]) -> dict[str, Any]:
    """A request field's default said in its description rather than as `default`.

    openapi-typescript types a property with a `default` as always present (right for
    an answer, which always has it), unless the schema sits inline in a request body;
    ours are named components, so a client would have to send `kind`, `timezone` or
    `currency` that the server fills in itself. Such a field is not `required` either.
    """
    schemas = spec.get("components", {}).get("schemas", {})
    requests: set[str] = set()
    answers: set[str] = set()
    for methods in spec.get("paths", {}).values():
        for operation in methods.values():
            _refer(operation.get("requestBody", {}), schemas, requests)
            _refer(operation.get("responses", {}), schemas, answers)
    for name in sorted(requests - answers):
        for definition in schemas[name].get("properties", {}).values():
            if "default" in definition:
                default = definition.pop("default")
                said = f"Default: `{_json_text(default)}`."
                described = definition.get("description")
                definition["description"] = (
                    f"{described.rstrip('.')}. {said}" if described else said
                )
    return spec


def _json_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _refer(schema: Any, schemas: dict[str, Any], found: set[str]) -> None:
    """Adds the names of the component schemas `schema` refers to, however deep."""
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            name = ref.rsplit("/", 1)[-1]
            if name not in found:
                found.add(name)
                _refer(schemas[name], schemas, found)
        for value in schema.values():
            _refer(value, schemas, found)
    elif isinstance(schema, list):
        for value in schema:
            _refer(value, schemas, found)
