"""Microsoft Graph service health issues (`serviceHealthIssue`), as
`GET /admin/serviceAnnouncement/issues` answers: `{"value": [...]}`, or a bare list.

- Only `classification` incident is a window; an advisory (or any other
  classification) is Skipped, and so is an incident whose `status` is falsePositive.
  Enum values are matched without regard to case (Graph documents `incident` and
  answers `Incident`).
- `service` (the display name) → service id: service_map, else its slug.
- `id` → external_id, `title` → title, `startDateTime` → start.
- `endDateTime` → end only when `isResolved` is true. While an issue is not resolved
  it has no end, whatever `endDateTime` says: Graph sometimes fills it in for an
  ongoing issue as an estimate, and an estimated end would stop the downtime clock
  early. Importing the issue again once resolved (same external_id) sets the end.
  A resolved issue without an `endDateTime` is an error, not an ongoing window.
- Other members (feature, featureGroup, impactDescription, posts, ...) are ignored.
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
    Skipped,
    items_of,
    json_file,
    service_id,
)


@json_file
def parse(document: object, options: ImportOptions) -> Iterator[Event]:
    issues: object
    loc: Loc
    if isinstance(document, list):
        issues, loc = document, ["file"]
    elif isinstance(document, JsonObject) and "value" in document:
        issues, loc = document["value"], ["file", "value"]
    else:
        yield RowError(
            ["file"],
            'expected Microsoft Graph service health issues: {"value": [...]} or a list',
        )
        return
    for found in items_of(issues, loc, "serviceHealthIssue"):
        if isinstance(found, RowError):
            yield found
        else:
            yield from _issue(*found, options)


def _issue(loc: Loc, item: JsonObject, options: ImportOptions) -> Iterator[Event]:
    read = Fields(item, loc)
    issue_id = read.text("id", required=True)
    classification = read.text("classification", required=True)
    status = read.text("status")
    ref = f"graph issue {issue_id}" if issue_id else ".".join(map(str, loc))
    if classification is not None and classification.lower() != "incident":
        yield Skipped(ref, f"classification '{classification}' is not an incident")
        return
    if status is not None and status.lower() == "falsepositive":
        yield Skipped(ref, f"status '{status}': Microsoft found the issue was a false positive")
        return
    service = read.text("service", required=True)
    start = read.text("startDateTime", required=True)
    end = read.text("endDateTime")
    resolved = read.boolean("isResolved", required=True)
    title = read.text("title")
    if resolved and end is None and not read.errors:
        read.errors.append(
            RowError([*loc, "endDateTime"], "isResolved is true but endDateTime is not given")
        )
    if read.errors:
        yield from read.errors
        return
    assert service is not None and start is not None
    service_or_error = service_id(service, options, [*loc, "service"])
    if isinstance(service_or_error, RowError):
        yield service_or_error
        return
    fields: dict[str, object] = {"service_id": service_or_error, "start": start}
    if resolved:
        fields["end"] = end
    fields["external_id"] = issue_id
    if title is not None:
        fields["title"] = title
    yield ImportedRow(loc, fields)
