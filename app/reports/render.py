"""The tenant report as CSV (for spreadsheets); the page for a person (HTML, PDF) is
in `pages.py`.

Both are renderings of the same `TenantReport` the JSON answer carries, so the
representations can never disagree.
"""

import csv
import io
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

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
    # The ledger: appended, so the columns before keep their places.
    "monthly_fee",
    "closed",
    "adjusted_downtime_minutes",
    "adjusted_availability_percent",
    "adjusted_credit_amount",
    "credit_delta",
    "claim_status",
)

# A cell starting with one of these is a formula to a spreadsheet.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
# What a spreadsheet passes over before the trigger: white space of every kind,
# including no-break and zero-width spaces and the byte-order mark.
_IGNORED_BEFORE_FORMULA = (" ", "\u00a0", "\u2007", "\u202f", "\u200b", "\ufeff", "\u3000")


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def text_cell(value: str | None) -> str:
    """Free text (names, provider ids) is defused so that a spreadsheet shows it as text.

    Spreadsheets skip leading spaces, no-break spaces and line breaks before deciding
    that a cell is a formula, so the trigger is looked for after them too.
    """
    text = _cell(value)
    first = text.lstrip("".join(_IGNORED_BEFORE_FORMULA))
    return f"'{text}" if first.startswith(_FORMULA_START) else text


def report_csv(report: TenantReport, tenant_name: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for line in report.services:
        fields = line.model_dump()
        writer.writerow(_row(report.tenant_id, tenant_name, report.month, report.currency, fields))
    return out.getvalue()


def portfolio_csv(row_batches: Iterable[Iterable[str]]) -> Iterator[str]:
    """The month's CSV as chunks of text to stream: the header, then a batch of rows
    (`portfolio_row`'s texts) at a time, so only one batch is ever held, however many
    lines the month has."""
    # The header goes with the first rows: an error reading them is still an error
    # answer, not a 200 cut short.
    pending = _text_of_row(CSV_COLUMNS)
    for rows in row_batches:
        yield pending + "".join(rows)
        pending = ""
    if pending:
        yield pending


def portfolio_row(line: Mapping[str, Any]) -> str:
    """A portfolio line (`PortfolioLine`'s fields, as plain data) as one CSV row, with
    its line break."""
    return _text_of_row(
        _row(line["tenant_id"], line["tenant_name"], line["month"], line["currency"], line)
    )


def _text_of_row(cells: Iterable[str]) -> str:
    out = io.StringIO()
    csv.writer(out).writerow(cells)
    return out.getvalue()


def _row(
    tenant_id: str, tenant_name: str, month: str, currency: str, line: Mapping[str, Any]
) -> list[str]:
    """The CSV row of a line's fields (`ServiceLine`'s, as plain data)."""
    incident_ids = " ".join(
        incident["external_id"] for incident in line["incidents"] if incident["external_id"]
    )
    adjusted = line["adjustment"] or {}
    return [
        tenant_id,
        text_cell(tenant_name),
        month,
        line["service_id"],
        line["policy_id"],
        line["period_minutes"],
        line["downtime_minutes"],
        line["availability_percent"],
        line["target_percent"],
        _cell(line["met"]),
        _cell(line["credit_percent"]),
        _cell(line["credit_days"]),
        line["credit_amount"],
        currency,
        line["claim_deadline"],
        _cell(line["claim_open"]),
        _cell(line["provisional"]),
        text_cell(incident_ids),
        line["monthly_fee"],
        _cell(line["closed"]),
        _cell(adjusted.get("downtime_minutes")),
        _cell(adjusted.get("availability_percent")),
        _cell(adjusted.get("credit_amount")),
        _cell(adjusted.get("credit_delta")),
        _cell(line["claim_status"]),
    ]
