"""Atlassian Statuspage (public API v2): `{"incidents": [...]}` and/or
`{"scheduled_maintenances": [...]}` in one file; other keys (page, ...) are ignored.

Incidents. external_id is the incident id and title its name, for every window it
gives; each affected component is a service (service_map on its name, else the slug).
- Where the incident's updates carry component transitions (`affected_components`
  with `old_status` → `new_status`), each component's timeline is cut into windows:
  a major_outage stretch is a window of impact `major_impact`, a partial_outage
  stretch one of `partial_impact`; degraded_performance, under_maintenance and
  operational are no window. A stretch ends at the next transition that changes it;
  the last one still open ends at `resolved_at`, or stays open while the incident is
  unresolved. A component already down in its first transition (`old_status`
  partial_outage or major_outage) is down from the incident's start. Components that
  no transition mentions get no window; a component that never got worse than
  degraded_performance is Skipped.
- The time of a transition is its update's `display_at` (else `created_at`):
  display_at is the time the page shows for the update, and the one Statuspage lets
  the author set when an update is posted after the fact, whereas created_at is only
  when it was typed in. Updates are ordered by that time (ties: the update listed
  later, i.e. posted earlier, first, since Statuspage lists the newest first).
- Without any transition: one window per component in `components`, from
  `started_at` (else `created_at`) to `resolved_at`, at full impact ("1"), when the
  incident's impact is critical or major; impact minor or none is Skipped.
- An incident whose status is resolved or postmortem but has no `resolved_at` is an
  error (it would otherwise become a window that never ends).

Maintenances (the `scheduled_maintenances` list, and any entry of `incidents` with
impact "maintenance" or a `scheduled_for`): one `kind: maintenance` window per
component, from `scheduled_for` to `resolved_at` when it has completed, else to
`scheduled_until`; external_id the maintenance id. `started_at` is used only when
there is no `scheduled_for`: Statuspage fills it in with the creation time of a
maintenance scheduled ahead, which is not when the work starts.

Timestamps are passed through unchanged, offsets (`-06:00`) and all; they are parsed
here only to order the updates.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import pendulum
from pendulum.parsing.exceptions import ParserError

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
    quoted,
    service_id,
)

COMPONENT_STATUSES = (
    "operational",
    "degraded_performance",
    "partial_outage",
    "major_outage",
    "under_maintenance",
)
IMPACTS = ("none", "minor", "major", "critical")


@json_file
def parse(document: object, options: ImportOptions) -> Iterator[Event]:
    keys = ("incidents", "scheduled_maintenances")
    if not isinstance(document, JsonObject) or not any(key in document for key in keys):
        yield RowError(
            ["file"],
            'expected a Statuspage export: {"incidents": [...]} and/or '
            '{"scheduled_maintenances": [...]}',
        )
        return
    for key in keys:
        if key not in document:
            continue
        for found in items_of(document[key], ["file", key], key.rstrip("s")):
            if isinstance(found, RowError):
                yield found
                continue
            loc, item = found
            maintenance = key == "scheduled_maintenances" or (
                item.get("impact") == "maintenance" or item.get("scheduled_for") is not None
            )
            if maintenance:
                yield from _maintenance(loc, item, options)
            else:
                yield from _incident(loc, item, options)


@dataclass(frozen=True, slots=True)
class _Transition:
    loc: Loc  # the affected_components entry
    component: str  # its code (the component id), else its name
    name: str
    old: str | None
    new: str
    at: str  # the update's display_at (else created_at), as written
    instant: datetime
    update: int  # the update's index in incident_updates


@dataclass(frozen=True, slots=True)
class _Component:
    loc: Loc
    key: str
    name: str


def _incident(loc: Loc, item: JsonObject, options: ImportOptions) -> Iterator[Event]:
    read = Fields(item, loc)
    incident_id = read.text("id", required=True)
    name = read.text("name")
    status = read.text("status")
    impact = read.text("impact")
    created = read.text("created_at")
    started = read.text("started_at")
    resolved = read.text("resolved_at")
    components = _components(read)
    transitions = _transitions(read)
    if status is not None and status.lower() in ("resolved", "postmortem") and resolved is None:
        read.errors.append(
            RowError(
                [*loc, "resolved_at"], f"the incident is {status} but resolved_at is not given"
            )
        )
    if read.errors:
        yield from read.errors
        return
    assert incident_id is not None
    ref = f"statuspage incident {incident_id}"
    shared: dict[str, object] = {"external_id": incident_id}
    if name is not None:
        shared["title"] = name
    begin = started if started is not None else created
    if transitions:
        yield from _from_transitions(
            ref, transitions, components, begin, resolved, shared, loc, options
        )
        return
    if impact is None or impact.lower() not in IMPACTS:
        yield RowError(
            [*loc, "impact"],
            f"{quoted(impact)} is not a Statuspage impact ({', '.join(IMPACTS)})"
            if impact is not None
            else "impact is required when no update records component statuses",
        )
        return
    if impact.lower() in ("minor", "none"):
        yield Skipped(ref, f"impact '{impact}' and no component status changes: not an outage")
        return
    if not components:
        yield Skipped(ref, "no affected components")
        return
    if begin is None:
        yield RowError([*loc, "created_at"], "created_at is required (there is no started_at)")
        return
    for component in components:
        found = service_id(component.name, options, [*component.loc, "name"])
        if isinstance(found, RowError):
            yield found
            continue
        fields: dict[str, object] = {"service_id": found, "start": begin}
        if resolved is not None:
            fields["end"] = resolved
        fields["impact"] = "1"
        yield ImportedRow(component.loc, {**fields, **shared})


def _components(read: Fields) -> list[_Component]:
    found: list[_Component] = []
    for loc, item in read.objects("components"):
        fields = Fields(item, loc)
        component_id = fields.text("id")
        name = fields.text("name", required=True)
        read.errors.extend(fields.errors)
        if name is not None:
            key = component_id if component_id is not None else name
            found.append(_Component([*loc[:-1], key], key, name))
    return found


def _transitions(read: Fields) -> list[_Transition]:
    found: list[_Transition] = []
    for index, (loc, update) in enumerate(read.objects("incident_updates")):
        fields = Fields(update, loc)
        changes = fields.objects("affected_components")
        display = fields.text("display_at")
        created = fields.text("created_at")
        at = display if display is not None else created
        at_key = "display_at" if display is not None else "created_at"
        instant = None
        if changes and at is None:
            fields.errors.append(
                RowError([*loc, "created_at"], "created_at is required (there is no display_at)")
            )
        elif changes and at is not None:
            instant = _instant(at, [*loc, at_key], fields.errors)
        for change_loc, change in changes:
            change_fields = Fields(change, change_loc)
            code = change_fields.text("code")
            name = change_fields.text("name", required=True)
            old = _status(change_fields, "old_status", required=False)
            new = _status(change_fields, "new_status", required=True)
            fields.errors.extend(change_fields.errors)
            if name is None or new is None or at is None or instant is None:
                continue
            key = code if code is not None else name
            found.append(_Transition(change_loc, key, name, old, new, at, instant, index))
        read.errors.extend(fields.errors)
    return found


def _status(fields: Fields, key: str, required: bool) -> str | None:
    value = fields.text(key, required=required)
    if value is None:
        return None
    if value.lower() not in COMPONENT_STATUSES:
        fields.errors.append(
            RowError(
                [*fields.loc, key],
                f"'{value}' is not a Statuspage component status ({', '.join(COMPONENT_STATUSES)})",
            )
        )
        return None
    return value.lower()


def _instant(text: str, loc: Loc, errors: list[RowError]) -> datetime | None:
    try:
        parsed = pendulum.parse(text, tz=None, exact=True)
    except (ParserError, ValueError):
        parsed = None
    if not isinstance(parsed, datetime) or parsed.tzinfo is None:
        errors.append(
            RowError(
                loc,
                f"'{text}' is not an RFC 3339 timestamp with an offset, which is needed "
                "to put the updates in order",
            )
        )
        return None
    return parsed


def _impact(status: str | None, options: ImportOptions) -> str | None:
    if status == "major_outage":
        return options.major_impact
    if status == "partial_outage":
        return options.partial_impact
    return None


def _from_transitions(
    ref: str,
    transitions: list[_Transition],
    components: list[_Component],
    begin: str | None,
    resolved: str | None,
    shared: dict[str, object],
    loc: Loc,
    options: ImportOptions,
) -> Iterator[Event]:
    names = {component.key: component.name for component in components}
    timelines: dict[str, list[_Transition]] = {}
    for transition in transitions:
        timelines.setdefault(transition.component, []).append(transition)
    # Components in the order the incident lists them, then any only the updates name.
    order = {component.key: index for index, component in enumerate(components)}
    for key in sorted(timelines, key=lambda key: order.get(key, len(order))):
        timeline = timelines[key]
        timeline.sort(key=lambda transition: (transition.instant, -transition.update))
        name = names.get(key, timeline[0].name)
        service = service_id(name, options, [*timeline[0].loc, "name"])
        if isinstance(service, RowError):
            yield service
            continue
        windows: list[tuple[Loc, str | None, str | None, str]] = []  # loc, start, end, impact
        impact = _impact(timeline[0].old, options)
        # A component already down at its earliest change was down from the start.
        opened: tuple[Loc, str | None, datetime | None] = (timeline[0].loc, begin, None)
        for transition in timeline:
            now = _impact(transition.new, options)
            if now == impact:
                continue
            # Two changes at the same instant leave no time to the stretch between them.
            if impact is not None and opened[2] != transition.instant:
                windows.append((opened[0], opened[1], transition.at, impact))
            impact = now
            opened = (transition.loc, transition.at, transition.instant)
        if impact is not None:
            windows.append((opened[0], opened[1], resolved, impact))
        if not windows:
            yield Skipped(
                f"{ref} component '{name}'",
                "its status never reached partial_outage or major_outage",
            )
        for window_loc, start, end, weight in windows:
            if start is None:
                yield RowError(
                    [*loc, "created_at"], "created_at is required (there is no started_at)"
                )
                continue
            fields: dict[str, object] = {"service_id": service, "start": start}
            if end is not None:
                fields["end"] = end
            fields["impact"] = weight
            yield ImportedRow(window_loc, {**fields, **shared})


def _maintenance(loc: Loc, item: JsonObject, options: ImportOptions) -> Iterator[Event]:
    read = Fields(item, loc)
    maintenance_id = read.text("id", required=True)
    name = read.text("name")
    scheduled_for = read.text("scheduled_for")
    scheduled_until = read.text("scheduled_until")
    started = read.text("started_at")
    resolved = read.text("resolved_at")
    components = _components(read)
    start = scheduled_for if scheduled_for is not None else started
    if start is None and not read.errors:
        read.errors.append(RowError([*loc, "scheduled_for"], "scheduled_for is required"))
    if read.errors:
        yield from read.errors
        return
    assert maintenance_id is not None and start is not None
    if not components:
        yield Skipped(f"statuspage maintenance {maintenance_id}", "no affected components")
        return
    end = resolved if resolved is not None else scheduled_until
    for component in components:
        found = service_id(component.name, options, [*component.loc, "name"])
        if isinstance(found, RowError):
            yield found
            continue
        fields: dict[str, object] = {"service_id": found, "start": start}
        if end is not None:
            fields["end"] = end
        fields["kind"] = "maintenance"
        fields["external_id"] = maintenance_id
        if name is not None:
            fields["title"] = name
        yield ImportedRow(component.loc, fields)
