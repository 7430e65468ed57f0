"""CSV cells that a spreadsheet would run as a formula are shown as text instead."""

import csv
import io

import pytest
from fastapi.testclient import TestClient

from app.reports.render import text_cell
from tests.api.scenario import create_tenant, subscribe


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Contoso", "Contoso"),
        ("=HYPERLINK(1)", "'=HYPERLINK(1)"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        # The trigger after what a spreadsheet passes over first.
        ("  =1+1", "'  =1+1"),
        ("\u00a0=1+1", "'\u00a0=1+1"),
        ("\u3000@x", "'\u3000@x"),
        ("\u200b+1", "'\u200b+1"),
        ("\ufeff=1", "'\ufeff=1"),
        ("\n=1", "'\n=1"),
        ("\r\n-1", "'\r\n-1"),
        ("\t=1", "'\t=1"),
        # A sign inside the text is no trigger.
        ("A-1", "A-1"),
        ("  spaced", "  spaced"),
        (None, ""),
    ],
)
def test_formula_triggers_are_defused_after_leading_blanks(
    value: str | None, expected: str
) -> None:
    assert text_cell(value) == expected


def test_the_report_csv_defuses_a_tenant_name_with_a_hidden_trigger(client: TestClient) -> None:
    create_tenant(client, "acme", name="\u00a0=HYPERLINK(1)")
    subscribe(client, "acme", "mail", "microsoft-365", "100.00")
    response = client.get("/v1/tenants/acme/reports/2026-11", params={"format": "csv"})
    assert response.status_code == 200
    (row,) = list(csv.DictReader(io.StringIO(response.text)))
    assert row["tenant_name"] == "'\u00a0=HYPERLINK(1)"
