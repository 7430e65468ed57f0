"""The tenant report as CSV (for spreadsheets) and HTML (for a person).

Both are renderings of the same `TenantReport` the JSON answer carries, so the
three can never disagree.
"""

import csv
import io

from jinja2 import Environment, PackageLoader, select_autoescape

from app.reports.schemas import TenantReport

CSV_COLUMNS = (
    "tenant_id",
    "tenant_name",
    "month",
    "service_id",
    "policy_id",
    "period_minutes",
    "downtime_minutes",
    "availability_percent",
    "target_percent",
    "met",
    "credit_percent",
    "credit_days",
    "credit_amount",
    "currency",
    "claim_deadline",
    "claim_open",
    "provisional",
    "incident_ids",
)

# A cell starting with one of these is a formula to a spreadsheet.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

_templates = Environment(
    loader=PackageLoader("app.reports", "templates"), autoescape=select_autoescape()
)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _text_cell(value: str | None) -> str:
    """Free text (names, provider ids) is defused so that a spreadsheet shows it as text."""
    text = _cell(value)
    return f"'{text}" if text.startswith(_FORMULA_START) else text


def report_csv(report: TenantReport, tenant_name: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for line in report.services:
        incident_ids = " ".join(
            incident.external_id for incident in line.incidents if incident.external_id
        )
        writer.writerow(
            [
                report.tenant_id,
                _text_cell(tenant_name),
                report.month,
                line.service_id,
                line.policy_id,
                line.period_minutes,
                line.downtime_minutes,
                line.availability_percent,
                line.target_percent,
                _cell(line.met),
                _cell(line.credit_percent),
                _cell(line.credit_days),
                line.credit_amount,
                report.currency,
                line.claim_deadline,
                _cell(line.claim_open),
                _cell(line.provisional),
                _text_cell(incident_ids),
            ]
        )
    return out.getvalue()


def report_html(report: TenantReport, tenant_name: str) -> str:
    return _templates.get_template("report.html").render(report=report, tenant_name=tenant_name)
