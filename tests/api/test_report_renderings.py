"""The report's renderings as operations of their own (`…/csv`, `…/html`, `…/pdf`, and
the portfolio's `…/csv`): the same answers as `?format=`, each with its one media type,
so that a generated client reads them as text or bytes rather than JSON."""

import csv
import io

import pytest
from fastapi.testclient import TestClient

from tests.api.scenario import assert_invalid, create_tenant, store_outages, subscribe, window

EXO = "exchange-online"
REPORT = "/v1/tenants/contoso/reports/2026-11"


@pytest.fixture
def contoso(client: TestClient) -> None:
    create_tenant(client, "contoso", name="Contoso Ltd")
    subscribe(client, "contoso", EXO, "microsoft-365", "1200.00")
    store_outages(client, "contoso", window(EXO, "2026-11-10T14:00:00Z", "2026-11-10T15:35:30Z"))


@pytest.mark.usefixtures("contoso")
def test_the_csv_operation_answers_what_format_csv_does(client: TestClient) -> None:
    own = client.get(f"{REPORT}/csv")

    assert own.status_code == 200, own.text
    assert own.headers["content-type"] == "text/csv; charset=utf-8"
    assert own.text == client.get(REPORT, params={"format": "csv"}).text
    (row,) = csv.DictReader(io.StringIO(own.text))
    # 95.5 minutes down of November's 43,200: 99.7789 %, the 25 % tier of 1200.00.
    assert (row["service_id"], row["credit_amount"]) == (EXO, "300.00")


@pytest.mark.usefixtures("contoso")
def test_the_html_operation_answers_the_page(client: TestClient) -> None:
    own = client.get(f"{REPORT}/html")

    assert own.status_code == 200, own.text
    assert own.headers["content-type"] == "text/html; charset=utf-8"
    assert own.text == client.get(REPORT, params={"format": "html"}).text


@pytest.mark.usefixtures("contoso")
def test_the_pdf_operation_answers_the_pdf_or_a_download_of_it(client: TestClient) -> None:
    shown = client.get(f"{REPORT}/pdf")
    saved = client.get(f"{REPORT}/pdf", headers={"Accept": "application/octet-stream"})

    assert shown.status_code == 200, shown.text
    assert shown.headers["content-type"] == "application/pdf"
    assert shown.headers["content-disposition"] == 'inline; filename="contoso-2026-11.pdf"'
    assert shown.content.startswith(b"%PDF-")
    # Only when Accept names the octet stream alone: the same PDF, as an attachment.
    assert saved.headers["content-type"] == "application/octet-stream"
    assert saved.headers["content-disposition"] == ('attachment; filename="contoso-2026-11.pdf"')
    assert saved.content.startswith(b"%PDF-")


@pytest.mark.usefixtures("contoso")
def test_the_portfolio_csv_operation_answers_what_format_csv_does(client: TestClient) -> None:
    own = client.get("/v1/reports/2026-11/csv", params={"met": "false"})
    negotiated = client.get("/v1/reports/2026-11", params={"met": "false", "format": "csv"})

    assert own.status_code == 200, own.text
    assert own.headers["content-type"] == "text/csv; charset=utf-8"
    assert own.text == negotiated.text
    assert [row["tenant_id"] for row in csv.DictReader(io.StringIO(own.text))] == ["contoso"]
    # The filter applies: the one line missed its target, so none met it.
    met = client.get("/v1/reports/2026-11/csv", params={"met": "true"}).text
    assert list(csv.DictReader(io.StringIO(met))) == []


@pytest.mark.usefixtures("contoso")
def test_a_month_that_does_not_exist_is_refused_by_each_rendering(client: TestClient) -> None:
    for path in ("/v1/tenants/contoso/reports/2026-13/csv", "/v1/reports/2026-13/csv"):
        assert_invalid(client.get(path), ["path", "month"], "2026-13")
