"""The report page (`?format=html`) and its PDF (`?format=pdf`), over HTTP.

November 2026 in UTC is 43200 minutes and the plot 1000 units wide, so an instant t
minutes into the month sits at x = t / 43200 × 1000, rounded half up to 2 decimals
(app/reports/svg.py). The clock reads 2026-12-05T12:00Z: November is over.
"""

import io
import re

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader

from tests.api.page_parts import bars, elements, months, placed, visible_text
from tests.api.scenario import create_tenant, store_outages, subscribe, window

EXO = "exchange-online"


@pytest.fixture
def contoso(client: TestClient) -> None:
    """The README's month: two overlapping outages, one with maintenance inside it, one
    across the month's end, and one in October (for the sparkline)."""
    create_tenant(client, "contoso", timezone="America/New_York", name="Contoso Ltd")
    subscribe(client, "contoso", EXO, "microsoft-365", "1200.00")
    store_outages(
        client,
        "contoso",
        window(EXO, "2026-10-15T10:00:00Z", "2026-10-15T11:00:00Z", external_id="EX-OCT"),
        window(EXO, "2026-11-03T14:00:00Z", "2026-11-03T15:00:00Z", external_id="EX1"),
        window(EXO, "2026-11-03T14:30:00Z", "2026-11-03T15:10:00Z", external_id="EX2"),
        window(EXO, "2026-11-10T01:00:00Z", "2026-11-10T01:45:00Z", external_id="EX3"),
        window(EXO, "2026-11-10T01:10:00Z", "2026-11-10T01:40:00Z", kind="maintenance"),
        window(EXO, "2026-11-30T23:49:30Z", "2026-12-01T00:30:00Z", external_id="EX4"),
    )


def _page(client: TestClient, tenant_id: str = "contoso", **params: str) -> str:
    response = client.get(
        f"/v1/tenants/{tenant_id}/reports/2026-11", params={"format": "html", **params}
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    return response.text


@pytest.mark.usefixtures("contoso")
def test_every_window_is_drawn_to_scale(client: TestClient) -> None:
    html = _page(client)
    # Minutes into November: EX1 3 Nov 14:00 = 2 × 1440 + 840 = 3720 → 86.11, 15:00 =
    # 3780 → 87.5; EX2 14:30 = 3750 → 86.81, 15:10 = 3790 → 87.73; EX3 10 Nov 01:00 =
    # 9 × 1440 + 60 = 13020 → 301.39, 01:45 = 13065 → 302.43; EX4 30 Nov 23:49:30 =
    # 29 × 1440 + 1429.5 = 43189.5 → 999.76, drawn to the month's end (1000).
    assert placed(html, "outage") == [
        ("86.11", "1.39", "2026-11-03T14:00:00+00:00", "2026-11-03T15:00:00+00:00"),
        ("86.81", "0.92", "2026-11-03T14:30:00+00:00", "2026-11-03T15:10:00+00:00"),
        ("301.39", "1.04", "2026-11-10T01:00:00+00:00", "2026-11-10T01:45:00+00:00"),
        ("999.76", "0.24", "2026-11-30T23:49:30+00:00", "2026-12-01T00:00:00+00:00"),
    ]
    # Maintenance 01:10 = 13030 → 301.62, 01:40 = 13060 → 302.31.
    assert placed(html, "maintenance") == [
        ("301.62", "0.69", "2026-11-10T01:10:00+00:00", "2026-11-10T01:40:00+00:00")
    ]
    # What counted: EX1 ∪ EX2 = 14:00-15:10 (70 min); EX3 less the maintenance,
    # 01:00-01:10 and 01:40-01:45 (15 min); EX4's 10.5 November minutes: 95.5 in all.
    assert placed(html, "counted") == [
        ("86.11", "1.62", "2026-11-03T14:00:00+00:00", "2026-11-03T15:10:00+00:00"),
        ("301.39", "0.23", "2026-11-10T01:00:00+00:00", "2026-11-10T01:10:00+00:00"),
        ("302.31", "0.12", "2026-11-10T01:40:00+00:00", "2026-11-10T01:45:00+00:00"),
        ("999.76", "0.24", "2026-11-30T23:49:30+00:00", "2026-12-01T00:00:00+00:00"),
    ]
    outages = bars(html, "outage")
    # Overlapping EX1 and EX2 are on separate rows; every bar says what it is.
    assert outages[0].attrs["y"] != outages[1].attrs["y"]
    assert [bar.attrs["data-impact"] for bar in bars(html)] == ["1"] * 9
    assert outages[0].title == (
        "Outage EX1: Tue 3 Nov 14:00 UTC to Tue 3 Nov 15:00 UTC, impact 100 %, counted 60 min"
    )
    assert bars(html, "maintenance")[0].attrs["fill"].startswith("url(#hatch-")
    # The maintenance's hatching is a pattern defined in the same SVG.
    assert any(e.tag == "pattern" and e.attrs["id"] == "hatch-0" for e in elements(html))


@pytest.mark.usefixtures("contoso")
def test_the_page_states_the_figures_the_report_has(client: TestClient) -> None:
    html = _page(client)
    text = visible_text(html)
    assert "Contoso Ltd" in text and "November 2026" in text
    for figure in ("99.7789 %", "99.9 % target", "missed", "95.5 min", "30 min excluded"):
        assert figure in text, figure
    assert "300.00 USD" in text and "25 % of the monthly fee" in text
    assert "31 Dec 2026" in text and "the claim window is open" in text
    # The incident list, with the minutes each counted (EX2 shows the 30 it shares).
    rows = re.findall(r"<tr><td>(EX\d)</td>.*?<td class=\"num\">([\d.]+)</td></tr>", html)
    assert rows == [("EX1", "60"), ("EX2", "40"), ("EX3", "15"), ("EX4", "10.5")]


@pytest.mark.usefixtures("contoso")
def test_the_sparkline_has_the_last_twelve_months(client: TestClient) -> None:
    spark = months(_page(client))
    assert [bar.attrs["data-month"] for bar in spark] == [
        "2025-12",
        *(f"2026-{number:02d}" for number in range(1, 12)),
    ]
    # October: 60 minutes of 44640 → (44640 − 60) / 44640 = 99.8655…, cut to 99.8655.
    october = spark[10]
    assert october.attrs["data-availability"] == "99.8655"
    assert october.attrs["data-met"] == "false"
    assert spark[11].attrs["data-availability"] == "99.7789"
    assert all(bar.attrs["data-availability"] == "100" for bar in spark[:10])


def test_an_empty_month_draws_no_bars(client: TestClient) -> None:
    create_tenant(client, "quiet")
    subscribe(client, "quiet", EXO, "microsoft-365", "10.00")
    html = _page(client, "quiet")
    assert bars(html) == []
    assert "No incidents this month." in visible_text(html)
    assert len(months(html)) == 12


def test_a_tenant_without_services_gets_a_page_saying_so(client: TestClient) -> None:
    create_tenant(client, "bare")
    assert "subscribes to no service" in _page(client, "bare")


def test_names_and_titles_are_escaped(client: TestClient) -> None:
    create_tenant(client, "evil", name='<script>alert("x")</script> & Co')
    subscribe(client, "evil", EXO, "microsoft-365", "10.00")
    store_outages(
        client,
        "evil",
        window(
            EXO,
            "2026-11-03T14:00:00Z",
            "2026-11-03T15:00:00Z",
            external_id="<b>EX</b>",
            title='<img src=x onerror="alert(1)">',
        ),
    )
    html = _page(client, "evil")
    assert "<script" not in html and "<img" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Co" in html
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in html
    # In the SVG too: the bar's <title> reads the text, and is not markup.
    assert bars(html, "outage")[0].title.startswith('Outage <b>EX</b> <img src=x onerror="')


def test_the_page_runs_no_script_and_loads_nothing(client: TestClient) -> None:
    create_tenant(client, "quiet")
    subscribe(client, "quiet", EXO, "microsoft-365", "10.00")
    response = client.get("/v1/tenants/quiet/reports/2026-11", headers={"Accept": "text/html"})
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    policy = response.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src" not in policy
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", response.text)


@pytest.mark.usefixtures("contoso")
def test_the_pdf_holds_the_tenant_month_and_credit(client: TestClient) -> None:
    response = client.get("/v1/tenants/contoso/reports/2026-11", params={"format": "pdf"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == 'inline; filename="contoso-2026-11.pdf"'
    assert response.content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) >= 1
    text = " ".join((page.extract_text() or "") for page in reader.pages)
    text = " ".join(text.split())
    assert "Contoso Ltd" in text
    assert "November 2026" in text
    assert "300.00 USD" in text
    assert "31 Dec 2026" in text


@pytest.mark.usefixtures("contoso")
def test_accept_application_pdf_gets_the_pdf(client: TestClient) -> None:
    response = client.get(
        "/v1/tenants/contoso/reports/2026-11", headers={"Accept": "application/pdf"}
    )
    assert response.headers["content-type"] == "application/pdf"
    # JSON stays the default, and ?format= wins over Accept.
    assert client.get("/v1/tenants/contoso/reports/2026-11").headers["content-type"] == (
        "application/json"
    )
    chosen = client.get(
        "/v1/tenants/contoso/reports/2026-11?format=html", headers={"Accept": "application/pdf"}
    )
    assert chosen.headers["content-type"].startswith("text/html")
