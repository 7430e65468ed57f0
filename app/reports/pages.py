"""The report as a page for a person (HTML) and for the claim file (PDF).

The figures are the `TenantReport` the JSON answer carries, rendered as they are; this
module adds only what a picture needs: the windows themselves (to draw them), the
stretches that counted (from the core's `counted_spans`) and the availability of the
eleven months before (from `tenant_report`, month by month). Geometry is in `svg.py`.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from fastapi import Response
from jinja2 import Environment, PackageLoader, select_autoescape
from sqlmodel import Session

from app.models import Outage
from app.policies.service import find_policy
from app.reports.build import LineTenant, tenant_report, window_of, windows_near
from app.reports.schemas import ServiceLine, TenantReport
from app.reports.svg import (
    GUTTER,
    PLOT_WIDTH,
    VIEW_WIDTH,
    DrawnWindow,
    MonthPoint,
    Sparkline,
    Timeline,
    local_text,
    sparkline,
    timeline,
)
from app.sla.assessment import Window
from app.sla.periods import (
    FIRST_YEAR,
    Period,
    month_period,
    parse_month,
    to_micros,
)
from app.sla.policies import Policy
from app.sla.terms import terms_in_force
from app.sla.timeline import counted_spans
from app.subscriptions.service import terms_of_tenant

PageFormat = Literal["html", "pdf"]
HISTORY_MONTHS = 12

# No script, no outside resource: the page is styles and inline SVG only.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)

_templates = Environment(
    loader=PackageLoader("app.reports", "templates"), autoescape=select_autoescape()
)


@dataclass(frozen=True, slots=True)
class IncidentRow:
    label: str
    title: str | None
    start: str
    end: str
    counted_minutes: str


@dataclass(frozen=True, slots=True)
class ServicePage:
    line: ServiceLine
    policy: Policy
    timeline: Timeline
    sparkline: Sparkline
    incidents: list[IncidentRow]
    # Unique per page: several inline SVGs share one document's ids.
    pattern_id: str

    @property
    def credit_owed(self) -> bool:
        return Decimal(self.line.credit_amount) > 0


def previous_months(month: str, count: int) -> list[str]:
    """`count` months ending with `month`, oldest first; none before the calendar starts."""
    year, number = parse_month(month)
    months = []
    for back in range(count - 1, -1, -1):
        index = year * 12 + (number - 1) - back
        if index // 12 >= FIRST_YEAR:
            months.append(f"{index // 12:04d}-{index % 12 + 1:02d}")
    return months


def history(
    session: Session, tenant: LineTenant, report: TenantReport, now: datetime
) -> dict[str, list[MonthPoint]]:
    """Per service of the report: its availability in each of the last twelve months,
    read from `tenant_report` of that month (the month itself from `report`)."""
    reports = [
        report if month == report.month else tenant_report(session, tenant, month, now)
        for month in previous_months(report.month, HISTORY_MONTHS)
    ]
    points: dict[str, list[MonthPoint]] = {}
    for line in report.services:
        series = []
        for past in reports:
            found = [other for other in past.services if other.service_id == line.service_id]
            if found:
                series.append(
                    MonthPoint(
                        month=past.month,
                        availability_percent=Decimal(found[0].availability_percent),
                        met=found[0].met,
                        provisional=found[0].provisional,
                    )
                )
            else:
                series.append(MonthPoint(month=past.month, availability_percent=None, met=None))
        points[line.service_id] = series
    return points


def _windows_to_draw(
    session: Session,
    tenant: LineTenant,
    line: ServiceLine,
    policy: Policy,
    period: Period,
    month: str,
) -> list[tuple[Outage, Window]]:
    """The windows the report's line was computed from, read the way the report reads them
    (within the minimum run beyond the period's edges, seats of the month's terms)."""
    changes = terms_of_tenant(session, tenant.id).get(line.service_id, [])
    terms = terms_in_force(changes, month)
    rows = windows_near(session, tenant.id, line.service_id, period, policy)
    if terms is None:
        return []
    return [(row, window_of(row, terms)) for row in rows]


def _label(outage: Outage) -> str:
    return outage.external_id or f"#{outage.id}"


def service_page(
    session: Session,
    tenant: LineTenant,
    line: ServiceLine,
    month: str,
    now: datetime,
    points: Sequence[MonthPoint],
    index: int,
) -> ServicePage:
    policy = find_policy(session, line.policy_id)
    # A report line names a policy that exists: policies are never deleted.
    assert policy is not None, line.policy_id
    period = month_period(month, line.measurement_timezone)
    stored = _windows_to_draw(session, tenant, line, policy, period, month)
    counted = counted_spans([window for _, window in stored], policy=policy, period=period, now=now)
    minutes = {incident.outage_id: incident.counted_minutes for incident in line.incidents}
    drawn = [
        DrawnWindow(
            start_micros=window.start_micros,
            end_micros=window.end_micros,
            kind=window.kind,
            impact=window.impact,
            outage_id=row.id,
            label=" ".join(part for part in (_label(row), row.title or "") if part),
            counted_minutes=minutes.get(row.id) if row.id is not None else None,
        )
        for row, window in stored
    ]
    zone = line.measurement_timezone
    incidents = [
        IncidentRow(
            label=incident.external_id or f"#{incident.outage_id}",
            title=incident.title,
            start=_local(incident.start, zone),
            end="ongoing" if incident.end is None else _local(incident.end, zone),
            counted_minutes=incident.counted_minutes,
        )
        for incident in line.incidents
    ]
    return ServicePage(
        line=line,
        policy=policy,
        timeline=timeline(period, drawn, counted, now),
        sparkline=sparkline(points, Decimal(line.target_percent)),
        incidents=incidents,
        pattern_id=f"hatch-{index}",
    )


def _local(instant: str, zone: str) -> str:
    return local_text(to_micros(datetime.fromisoformat(instant)), zone)


def _day(text: str) -> str:
    """`2026-12-31` as `31 Dec 2026`."""
    day = date.fromisoformat(text)
    return f"{day.day} {day.strftime('%b %Y')}"


def _month_name(month: str) -> str:
    year, number = parse_month(month)
    return date(year, number, 1).strftime("%B %Y")


def report_page(session: Session, tenant: LineTenant, report: TenantReport, now: datetime) -> str:
    """The report as one HTML page: per service the month drawn to scale, the figures,
    the incidents and a twelve-month sparkline."""
    points = history(session, tenant, report, now)
    services = [
        service_page(session, tenant, line, report.month, now, points[line.service_id], index)
        for index, line in enumerate(report.services)
    ]
    return _templates.get_template("report.html").render(
        report=report,
        tenant_name=tenant.name,
        month_name=_month_name(report.month),
        services=services,
        generated=now.isoformat(timespec="seconds"),
        day=_day,
        local=_local,
        gutter=GUTTER,
        plot_width=PLOT_WIDTH,
        view_width=VIEW_WIDTH,
    )


def report_pdf(html: str) -> bytes:
    """The page as PDF, laid out by WeasyPrint with the page's print styles."""
    # Imported here: WeasyPrint loads Pango when imported, which only PDFs need.
    from weasyprint import HTML  # type: ignore[import-untyped]
    from weasyprint.urls import URLFetcher  # type: ignore[import-untyped]

    # The page loads nothing; should a URL ever slip into it, it is not fetched
    # (no server-side request to wherever it points).
    nothing = URLFetcher(allowed_protocols=["data"])
    pdf: bytes = HTML(string=html, url_fetcher=nothing).write_pdf()
    return pdf


def page_response(
    session: Session, tenant: LineTenant, report: TenantReport, now: datetime, format: PageFormat
) -> Response:
    html = report_page(session, tenant, report, now)
    if format == "pdf":
        filename = f"{tenant.id}-{report.month}.pdf"
        return Response(
            report_pdf(html),
            media_type="application/pdf",
            headers={"Content-Disposition": f'inline; filename="{filename}"'},
        )
    return Response(
        html,
        media_type="text/html; charset=utf-8",
        headers={"Content-Security-Policy": CONTENT_SECURITY_POLICY},
    )
