"""Statuspage exports: component timelines cut into windows, maintenances, offsets kept.

The sample's first incident, p0wq8sm1n7rt (all times -06:00, 10 November 2026):

    update                  display_at  API                          Web Dashboard
    3 investigating         08:58:12    operational → major_outage   operational → major_outage
    2 identified (posted    09:40:00    major_outage → partial       major_outage → degraded
      09:44:30, shown 09:40)
    1 monitoring            10:30:00    -                            degraded → operational
    0 resolved              11:15:00    - (no component changes)     -
    resolved_at 11:15:00

    API:           major   08:58:12 → 09:40:00  impact "1"    (41 min 48 s)
                   partial 09:40:00 → 11:15:00  impact "0.3"  (95 min, the last stretch, ended
                                                               by resolved_at)
    Web Dashboard: major   08:58:12 → 09:40:00  impact "1"; degraded and operational: no window

The windows start at the update that opened them (display_at, not created_at: the
partial stretch starts at 09:40:00, not 09:44:30), and the incident's started_at
(08:50) plays no part since the transitions say when each component went down.
"""

import pytest

from app.imports.formats import Event, ImportedRow, ImportOptions, RowError, Skipped
from tests.imports.helpers import events

TITLE = "API and dashboard unavailable"


def incident(index: int, *rest: str | int) -> list[str | int]:
    return ["file", "incidents", index, *rest]


def change(update: int, entry: int) -> list[str | int]:
    return incident(0, "incident_updates", update, "affected_components", entry)


def window(
    loc: list[str | int], service: str, start: str, end: str | None, impact: str
) -> ImportedRow:
    fields: dict[str, object] = {"service_id": service, "start": start}
    if end is not None:
        fields["end"] = end
    fields.update(impact=impact, external_id="p0wq8sm1n7rt", title=TITLE)
    return ImportedRow(loc, fields)


def expected_sample(partial: str = "0.3", major: str = "1", api: str = "api") -> list[Event]:
    return [
        window(
            change(3, 0),
            api,
            "2026-11-10T08:58:12.000-06:00",
            "2026-11-10T09:40:00.000-06:00",
            major,
        ),
        window(
            change(2, 0),
            api,
            "2026-11-10T09:40:00.000-06:00",
            "2026-11-10T11:15:00.000-06:00",
            partial,
        ),
        window(
            change(3, 1),
            "web-dashboard",
            "2026-11-10T08:58:12.000-06:00",
            "2026-11-10T09:40:00.000-06:00",
            major,
        ),
        # Impact minor with no component changes: not an outage.
        Skipped(
            "statuspage incident m1n0r5l0wq2e",
            "impact 'minor' and no component status changes: not an outage",
        ),
        # Impact major, no component changes: one full window per component, from
        # created_at (started_at is null), open while the incident is unresolved.
        ImportedRow(
            incident(2, "components", "e5m4l3d2c1b0"),
            {
                "service_id": "email-delivery",
                "start": "2026-11-12T07:05:00.000-06:00",
                "impact": "1",
                "external_id": "x7m4j0r0p3n1",
                "title": "Email delivery delayed",
            },
        ),
        # The maintenance: scheduled_for 22:00 (started_at is its creation on 1 November)
        # to resolved_at 01:12:40, when it completed, rather than scheduled_until 02:00.
        *(
            ImportedRow(
                ["file", "scheduled_maintenances", 0, "components", component],
                {
                    "service_id": service,
                    "start": "2026-11-14T22:00:00.000-06:00",
                    "end": "2026-11-15T01:12:40.000-06:00",
                    "kind": "maintenance",
                    "external_id": "s9d8b7u6p5g4",
                    "title": "Database upgrade",
                },
            )
            for component, service in (("k2h4v7x9q1zc", api), ("w8d3n5m2r6tb", "web-dashboard"))
        ),
    ]


def test_statuspage_sample() -> None:
    assert events("statuspage", "statuspage.json") == expected_sample()


def test_impacts_and_service_map_from_the_options() -> None:
    options = ImportOptions(
        partial_impact="0.5", major_impact="0.9", service_map={"API": "public-api"}
    )
    assert events("statuspage", "statuspage.json", options) == expected_sample(
        partial="0.5", major="0.9", api="public-api"
    )


def updates(*entries: str) -> bytes:
    return b'"incident_updates": [' + ", ".join(entries).encode() + b"]"


def update(at: str, *changes: tuple[str, str, str]) -> str:
    """An update shown at `at` (-06:00 on 10 November) changing (component, old, new)."""
    affected = ", ".join(
        f'{{"code": "{code}", "name": "{code.upper()}", '
        f'"old_status": "{old}", "new_status": "{new}"}}'
        for code, old, new in changes
    )
    return f'{{"display_at": "2026-11-10T{at}-06:00", "affected_components": [{affected}]}}'


def t(clock: str) -> str:
    return f"2026-11-10T{clock}-06:00"


HEAD = (
    b'"id": "INC1", "name": "Outage", "impact": "major", "status": "investigating", '
    b'"created_at": "2026-11-10T08:00:00-06:00", "resolved_at": null'
)


def one(*fields: bytes) -> bytes:
    return b'{"incidents": [{' + b", ".join([HEAD, *fields]) + b"}]}"


def row(
    loc: list[str | int], service: str, start: str, end: str | None, impact: str
) -> ImportedRow:
    fields: dict[str, object] = {"service_id": service, "start": start}
    if end is not None:
        fields["end"] = end
    fields.update(impact=impact, external_id="INC1", title="Outage")
    return ImportedRow(loc, fields)


def entry(update: int, index: int = 0) -> list[str | int]:
    return incident(0, "incident_updates", update, "affected_components", index)


CASES: list[tuple[str, bytes, list[Event]]] = [
    (
        # Listed newest first, as Statuspage does; unresolved, so the partial stretch
        # stays open: major 09:00-09:30, partial from 09:30 on.
        "unresolved: the last stretch has no end",
        one(
            updates(
                update("09:30:00", ("c1", "major_outage", "partial_outage")),
                update("09:00:00", ("c1", "operational", "major_outage")),
            )
        ),
        [
            row(entry(1), "c1", t("09:00:00"), t("09:30:00"), "1"),
            row(entry(0), "c1", t("09:30:00"), None, "0.3"),
        ],
    ),
    (
        # major → major (a repeated status) does not cut; partial → degraded ends it.
        "a repeated status continues the stretch",
        one(
            updates(
                update("09:20:00", ("c1", "major_outage", "major_outage")),
                update("09:00:00", ("c1", "operational", "major_outage")),
                update("09:45:00", ("c1", "major_outage", "degraded_performance")),
            )
        ),
        [row(entry(1), "c1", t("09:00:00"), t("09:45:00"), "1")],
    ),
    (
        # The first change already starts from partial_outage: down since created_at 08:00.
        "down before the first update",
        one(updates(update("09:10:00", ("c1", "partial_outage", "operational")))),
        [row(entry(0), "c1", "2026-11-10T08:00:00-06:00", t("09:10:00"), "0.3")],
    ),
    (
        # operational → major and major → partial shown at the same minute: the major
        # stretch lasts no time and is left out; the partial one runs 09:00-09:50.
        "two changes at one instant leave no window between them",
        one(
            updates(
                update("09:50:00", ("c1", "partial_outage", "operational")),
                update("09:00:00", ("c1", "major_outage", "partial_outage")),
                update("09:00:00", ("c1", "operational", "major_outage")),
            )
        ),
        [row(entry(1), "c1", t("09:00:00"), t("09:50:00"), "0.3")],
    ),
    (
        "a component never worse than degraded is skipped",
        one(
            updates(
                update("09:30:00", ("c1", "degraded_performance", "operational")),
                update("09:00:00", ("c1", "operational", "degraded_performance")),
            )
        ),
        [
            Skipped(
                "statuspage incident INC1 component 'C1'",
                "its status never reached partial_outage or major_outage",
            )
        ],
    ),
    (
        "an unknown component status",
        one(updates(update("09:00:00", ("c1", "operational", "down")))),
        [
            RowError(
                [*entry(0), "new_status"],
                "'down' is not a Statuspage component status (operational, "
                "degraded_performance, partial_outage, major_outage, under_maintenance)",
            )
        ],
    ),
    (
        "a time without an offset cannot be ordered",
        one(
            b'"incident_updates": [{"display_at": "2026-11-10T09:00:00", "affected_components": '
            b'[{"code": "c1", "name": "C1", "old_status": "operational", '
            b'"new_status": "major_outage"}]}]'
        ),
        [
            RowError(
                incident(0, "incident_updates", 0, "display_at"),
                "'2026-11-10T09:00:00' is not an RFC 3339 timestamp with an offset, which is "
                "needed to put the updates in order",
            )
        ],
    ),
    (
        "resolved without resolved_at",
        b'{"incidents": [{"id": "INC2", "status": "resolved", "impact": "major", '
        b'"created_at": "2026-11-10T08:00:00-06:00", "components": [{"id": "c1", "name": "C1"}]}]}',
        [
            RowError(
                incident(0, "resolved_at"), "the incident is resolved but resolved_at is not given"
            )
        ],
    ),
    (
        "an unknown impact without transitions",
        b'{"incidents": [{"id": "INC3", "impact": "severe", '
        b'"created_at": "2026-11-10T08:00:00-06:00"}]}',
        [
            RowError(
                incident(0, "impact"),
                '"severe" is not a Statuspage impact (none, minor, major, critical)',
            )
        ],
    ),
    (
        "critical without components",
        b'{"incidents": [{"id": "INC4", "impact": "critical", '
        b'"created_at": "2026-11-10T08:00:00-06:00", "components": []}]}',
        [Skipped("statuspage incident INC4", "no affected components")],
    ),
    (
        # In incidents.json a maintenance is an entry with impact "maintenance"; while in
        # progress, it runs to scheduled_until.
        "a maintenance among the incidents",
        b'{"incidents": [{"id": "MNT1", "name": "Patching", "impact": "maintenance", '
        b'"status": "in_progress", "scheduled_for": "2026-11-10T22:00:00-06:00", '
        b'"scheduled_until": "2026-11-10T23:00:00-06:00", "resolved_at": null, '
        b'"components": [{"id": "c1", "name": "Core API"}]}]}',
        [
            ImportedRow(
                incident(0, "components", "c1"),
                {
                    "service_id": "core-api",
                    "start": "2026-11-10T22:00:00-06:00",
                    "end": "2026-11-10T23:00:00-06:00",
                    "kind": "maintenance",
                    "external_id": "MNT1",
                    "title": "Patching",
                },
            )
        ],
    ),
    (
        "neither key",
        b'{"page": {}}',
        [
            RowError(
                ["file"],
                'expected a Statuspage export: {"incidents": [...]} and/or '
                '{"scheduled_maintenances": [...]}',
            )
        ],
    ),
]


@pytest.mark.parametrize(
    ("data", "expected"), [case[1:] for case in CASES], ids=[case[0] for case in CASES]
)
def test_cases(data: bytes, expected: list[Event]) -> None:
    assert events("statuspage", data) == expected
