"""Breaking changes from one OpenAPI document to the next.

    python -m tools.breaking [BASELINE] [SPEC]   (default openapi/baseline.json and
                                                  openapi/openapi.json; `make contract`)

prints each change that would break a client written against BASELINE and exits 1 if
there is any: a path gone, an operation gone, a success response (or one of its media
types) gone, a field gone from a success response body (at any depth, through $refs,
arrays and anyOf/oneOf/allOf), a request body or parameter that becomes required, or a
request body field that becomes required. Additions of any kind pass.

Moving the baseline on purpose: `make baseline`, committed with the change and the reason.
"""

import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "openapi" / "baseline.json"
SPEC = ROOT / "openapi" / "openapi.json"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


@dataclass(frozen=True)
class Document:
    """An OpenAPI document and its `#/...` references."""

    data: dict[str, Any]

    def resolve(self, node: Any) -> Any:
        """Follow `$ref`s (local ones, the only kind FastAPI writes) to what they name."""
        seen: set[str] = set()
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            if ref in seen or not ref.startswith("#/"):
                raise ValueError(f"cannot follow $ref {ref!r}")
            seen.add(ref)
            node = self.data
            for part in ref[2:].split("/"):
                node = node[part.replace("~1", "/").replace("~0", "~")]
        return node

    def operations(self) -> dict[tuple[str, str], dict[str, Any]]:
        return {
            (path, method): operation
            for path, item in self.data.get("paths", {}).items()
            for method, operation in item.items()
            if method in METHODS
        }


def fields(document: Document, schema: Any) -> set[str]:
    """Every property a schema can hold, by dotted path (`[]` for array items).

    anyOf/oneOf/allOf branches are merged: a field any branch names is a field.
    """
    return set(_walk(document, schema, "", frozenset(), only_required=False))


def required_fields(document: Document, schema: Any) -> set[str]:
    """The dotted paths of request body fields a client must send.

    A field counts when every object on its way to it is itself required (an optional
    object's required fields bind only a client that sends the object). The branches of
    anyOf/oneOf are merged like allOf's: a field one branch requires counts.
    """
    return set(_walk(document, schema, "", frozenset(), only_required=True))


def _walk(
    document: Document, schema: Any, prefix: str, walking: frozenset[str], *, only_required: bool
) -> Iterator[str]:
    """The property paths below `schema`; a $ref met again below itself (a recursive
    type) is not walked twice."""
    ref = schema.get("$ref") if isinstance(schema, dict) else None
    if ref in walking:
        return
    if ref is not None:
        walking = walking | {ref}
    schema = document.resolve(schema)
    if not isinstance(schema, dict):
        return
    for keyword in ("anyOf", "oneOf", "allOf"):
        for branch in schema.get(keyword, []):
            yield from _walk(document, branch, prefix, walking, only_required=only_required)
    required = set(schema.get("required", []))
    for name, child in schema.get("properties", {}).items():
        if only_required and name not in required:
            continue
        path = f"{prefix}.{name}" if prefix else name
        yield path
        yield from _walk(document, child, path, walking, only_required=only_required)
    if "items" in schema:
        items = schema["items"]
        yield from _walk(document, items, f"{prefix}[]", walking, only_required=only_required)


def _success(operation: dict[str, Any]) -> dict[str, Any]:
    return {
        status: response
        for status, response in operation.get("responses", {}).items()
        if status.startswith("2")
    }


def _content(document: Document, holder: Any) -> dict[str, Any]:
    resolved = document.resolve(holder)
    content: dict[str, Any] = resolved.get("content") or {}
    return content


def response_breaks(
    old: Document, new: Document, name: str, before: dict[str, Any], after: dict[str, Any]
) -> Iterator[str]:
    new_responses = _success(after)
    for status, response in _success(before).items():
        if status not in new_responses:
            yield f"{name}: success response {status} removed"
            continue
        new_content = _content(new, new_responses[status])
        for media_type, media in _content(old, response).items():
            if media_type not in new_content:
                yield f"{name}: response {status} no longer answers {media_type}"
                continue
            kept = fields(new, new_content[media_type].get("schema", {}))
            for path in sorted(fields(old, media.get("schema", {})) - kept):
                yield f"{name}: response {status} {media_type} field '{path}' removed"


def request_breaks(
    old: Document, new: Document, name: str, before: dict[str, Any], after: dict[str, Any]
) -> Iterator[str]:
    def parameters(operation: dict[str, Any], document: Document) -> dict[tuple[str, str], bool]:
        resolved = (document.resolve(p) for p in operation.get("parameters", []))
        return {(p["in"], p["name"]): bool(p.get("required")) for p in resolved}

    old_parameters = parameters(before, old)
    for (where, parameter), required in parameters(after, new).items():
        if required and not old_parameters.get((where, parameter), False):
            yield f"{name}: {where} parameter '{parameter}' is now required"

    new_body = new.resolve(after.get("requestBody", {}))
    if not new_body:
        return
    old_body = old.resolve(before.get("requestBody", {}))
    if new_body.get("required") and not old_body.get("required"):
        yield f"{name}: the request body is now required"
    old_content = _content(old, old_body) if old_body else {}
    for media_type, media in _content(new, new_body).items():
        old_media = old_content.get(media_type)
        if old_media is None:
            # A media type no client sent before binds none (a body newly required is above).
            continue
        was_required = required_fields(old, old_media.get("schema", {}))
        for path in sorted(required_fields(new, media.get("schema", {})) - was_required):
            yield f"{name}: request {media_type} field '{path}' is now required"


def breaking_changes(baseline: dict[str, Any], spec: dict[str, Any]) -> list[str]:
    """What in `spec` breaks a client of `baseline`, one line each; empty when nothing."""
    old, new = Document(baseline), Document(spec)
    old_operations, new_operations = old.operations(), new.operations()
    new_paths = set(new.data.get("paths", {}))
    problems: list[str] = []
    for path in old.data.get("paths", {}):
        if path not in new_paths:
            problems.append(f"path {path} removed")
    for (path, method), before in old_operations.items():
        name = f"{method.upper()} {path}"
        after = new_operations.get((path, method))
        if after is None:
            if path in new_paths:
                problems.append(f"operation {name} removed")
            continue
        problems.extend(response_breaks(old, new, name, before, after))
        problems.extend(request_breaks(old, new, name, before, after))
    return problems


def main() -> None:
    args = sys.argv[1:]
    baseline = Path(args[0]) if args else BASELINE
    spec = Path(args[1]) if len(args) > 1 else SPEC
    problems = breaking_changes(json.loads(baseline.read_text()), json.loads(spec.read_text()))
    for problem in problems:
        print(problem)
    if problems:
        print(
            f"\n{len(problems)} breaking change(s) from {baseline.name} to {spec.name}. "
            "If they are meant, run `make baseline` and commit it with the reason.",
            file=sys.stderr,
        )
        sys.exit(1)
    print(f"no breaking change from {baseline.name} to {spec.name}")


if __name__ == "__main__":
    main()
