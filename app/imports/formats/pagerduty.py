"""PagerDuty incidents, as `GET /incidents` lists them: `{"incidents": [...]}` (the
paging members limit, offset, more, total are ignored).

- `id` → external_id, `title` → title, `service.summary` → service id (service_map,
  else its slug), `created_at` → start; every incident counts in full.
- `status` (matched without regard to case) resolved → end at `resolved_at`, or at
  `last_status_change_at` when `resolved_at` is not given (older API answers lack it);
  triggered, acknowledged, or no status → ongoing, no end. Any other status is an error.
"""

from collections.abc import Iterator

from app.imports.formats.common import (
    Event,
    Fields,
    ImportedRow,
    ImportOptions,
    JsonObject,
    Loc,
    RowError,
    items_of,
    json_file,
    quoted,
    service_id,
)

STATUSES = ("triggered", "acknowledged", "resolved")


@json_file
def parse(document: object, options: ImportOptions) -> Iterator[Event]:
    if not isinstance(document, JsonObject) or "incidents" not in document:
        yield RowError(["file"], 'expected PagerDuty incidents: {"incidents": [...]}')
        return
    for found in items_of(document["incidents"], ["file", "incidents"], "incident"):
        if isinstance(found, RowError):
            yield found
        else:
            yield from _incident(*found, options)


def _incident(loc: Loc, item: JsonObject, options: ImportOptions) -> Iterator[Event]:
    read = Fields(item, loc)
    incident_id = read.text("id", required=True)
    title = read.text("title")
    start = read.text("created_at", required=True)
    status = read.text("status")
    resolved_at = read.text("resolved_at")
    last_change = read.text("last_status_change_at")
    service = item.get("service")
    name: str | None = None
    if isinstance(service, JsonObject):
        reference = Fields(service, [*loc, "service"])
        name = reference.text("summary", required=True)
        read.errors.extend(reference.errors)
    else:
        read.errors.append(
            RowError(
                [*loc, "service"],
                "service is required"
                if service is None
                else f"must be an object (a service reference); got {quoted(service)}",
            )
        )
    if status is not None and status.lower() not in STATUSES:
        read.errors.append(
            RowError(
                [*loc, "status"],
                f"'{status}' is not a PagerDuty incident status ({', '.join(STATUSES)})",
            )
        )
    end = None
    if status is not None and status.lower() == "resolved":
        end = resolved_at if resolved_at is not None else last_change
        if end is None:
            read.errors.append(
                RowError(
                    [*loc, "resolved_at"],
                    "the incident is resolved but neither resolved_at nor "
                    "last_status_change_at is given",
                )
            )
    if read.errors:
        yield from read.errors
        return
    assert name is not None and start is not None
    found = service_id(name, options, [*loc, "service", "summary"])
    if isinstance(found, RowError):
        yield found
        return
    fields: dict[str, object] = {"service_id": found, "start": start}
    if end is not None:
        fields["end"] = end
    fields["external_id"] = incident_id
    if title is not None:
        fields["title"] = title
    yield ImportedRow(loc, fields)
