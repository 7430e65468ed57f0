"""JSON: the API's outages body, `{"outages": [{row}, ...]}`, read from a file.

JSON types are strict, as the API's are: timestamps, kind, impact, ids and titles are
strings (impact a decimal in a string, such as "0.3"), users_affected a whole number
(not a boolean). null is "not given" for the optional fields.
"""

from collections.abc import Iterator

from app.imports.formats.common import (
    FIELDS,
    Event,
    ImportedRow,
    ImportOptions,
    JsonObject,
    Loc,
    RowError,
    items_of,
    json_file,
    quoted,
)

_REQUIRED = ("service_id", "start")


@json_file
def parse(document: object, options: ImportOptions) -> Iterator[Event]:
    if not isinstance(document, JsonObject) or "outages" not in document:
        yield RowError(["file"], f'expected an object {{"outages": [...]}}; got {_shape(document)}')
        return
    for key in document:
        if key != "outages":
            yield RowError(["file", key], f"'{key}' is not a key of the outages body")
    for found in items_of(document["outages"], ["file", "outages"], "outages"):
        if isinstance(found, RowError):
            yield found
        else:
            yield from _row(*found, options)


def _shape(document: object) -> str:
    if isinstance(document, JsonObject):
        keys = ", ".join(f"'{key}'" for key in list(document)[:5])
        return f"an object with the keys {keys}" if keys else "an empty object"
    return quoted(document)


def _row(loc: Loc, item: JsonObject, options: ImportOptions) -> Iterator[Event]:
    allowed = FIELDS if options.allow_tenant_id else FIELDS[1:]
    fields: dict[str, object] = {}
    errors: list[RowError] = [
        RowError([*loc, key], f"'{key}' is given more than once in this row")
        for key in item.duplicates
    ]
    for key, value in item.items():
        where: Loc = [*loc, key]
        if key not in allowed:
            if key == "tenant_id":
                msg = "tenant_id is only accepted in the admin upload for several tenants"
            else:
                msg = f"'{key}' is not a field of an outage; the fields are {', '.join(allowed)}"
            errors.append(RowError(where, msg))
        elif value is None:
            if key in _REQUIRED:
                errors.append(RowError(where, f"{key} is required; got null"))
            elif key == "kind":
                errors.append(RowError(where, "must be 'outage' or 'maintenance'; got null"))
        elif key == "users_affected":
            if isinstance(value, int) and not isinstance(value, bool):
                fields[key] = value
            else:
                errors.append(RowError(where, f"must be a whole number; got {quoted(value)}"))
        elif isinstance(value, str):
            fields[key] = value
        elif key == "impact":
            errors.append(
                RowError(
                    where, f'must be a decimal in a JSON string, such as "0.3"; got {quoted(value)}'
                )
            )
        else:
            errors.append(RowError(where, f"must be a string; got {quoted(value)}"))
    for key in _REQUIRED:
        if key not in item:
            errors.append(RowError([*loc, key], f"{key} is required"))
    if errors:
        yield from errors
    else:
        yield ImportedRow(loc, fields)
