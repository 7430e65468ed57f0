"""Headless Chromium opens share links served by a real uvicorn, as a person would.

Debian's `chromium` (found with shutil.which; `.ci/run` installs it when missing),
driven by Playwright pointed at that executable. Each test checks the SVG as the
browser lays it out: one bar per window and per counted stretch, each at the x its
instant gives, x = (t − period start) / period length × 1000 plot units, rounded half
up to 2 decimals (worked out by hand below), and on screen at that fraction of the
plot's rendered width.
"""

import os
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page

from tests.conftest import LiveServer, fresh_database_url, start_live_server
from tools.chromium import chromium, chromium_path

if chromium_path() is None:
    if os.environ.get("CI"):
        raise RuntimeError("chromium is missing in CI: .ci/run installs it (tools/system-packages)")
    pytest.skip(
        "chromium is not installed (tools/system-packages browser)", allow_module_level=True
    )

EXO = "exchange-online"
# One pixel either way: the browser's layout rounds, and maintenance has a 0.5-unit stroke.
PIXEL = 1.0


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """`make run`'s server, shared by this module's tests (each uses its own tenant), on
    a fresh database: SQLite, or PostgreSQL in CI. Started once: it takes seconds."""
    workdir = tmp_path_factory.mktemp("browser")
    yield from start_live_server(
        workdir, {"SLA_DATABASE_URL": fresh_database_url(workdir), "SLA_WEBHOOK_WORKER": "false"}
    )


def _api(server: LiveServer) -> httpx.Client:
    return httpx.Client(base_url=server.url, headers={"X-API-Key": server.key})


def _ok(response: httpx.Response) -> Any:
    assert response.status_code < 300, response.text
    return response.json()


def _tenant(
    api: httpx.Client,
    tenant_id: str,
    name: str,
    timezone: str,
    policy_id: str,
    rows: list[dict[str, str]],
) -> None:
    """A tenant subscribed to Exchange Online under `policy_id`, with these windows."""
    tenant = {"id": tenant_id, "name": name, "timezone": timezone, "currency": "USD"}
    _ok(api.post("/v1/tenants", json=tenant))
    terms = {"policy_id": policy_id, "monthly_fee": "1200.00"}
    _ok(api.put(f"/v1/tenants/{tenant_id}/services/{EXO}", json=terms))
    if rows:
        _ok(api.post(f"/v1/tenants/{tenant_id}/outages", json={"outages": rows}))


def _row(start: str, end: str, external_id: str | None = None, **extra: str) -> dict[str, str]:
    row = {"service_id": EXO, "start": start, "end": end, **extra}
    if external_id is not None:
        row["external_id"] = external_id
    return row


def _share(api: httpx.Client, tenant_id: str, month: str = "2026-11") -> str:
    created = _ok(
        api.post(f"/v1/tenants/{tenant_id}/reports/{month}/links", json={"format": "html"})
    )
    url: str = created["url"]
    assert url.startswith(str(api.base_url)), url  # served by this server
    return url


def _open(browser: Browser, url: str) -> Page:
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    # No JavaScript on the page: it must read fine without.
    response = page.goto(url)
    assert response is not None and response.status == 200
    return page


def _bars(page: Page, kind: str, section: int = 0) -> list[dict[str, Any]]:
    """Each bar of that kind in the section's timeline: its attributes and where the
    browser drew it, in plot units from the layout (left edge and width)."""
    found: list[dict[str, Any]] = page.evaluate(
        """([kind, section]) => {
            const svg = document.querySelectorAll("svg.timeline")[section];
            const plot = svg.querySelector("rect.plot-area").getBoundingClientRect();
            const scale = plot.width / 1000;
            return [...svg.querySelectorAll(`rect.bar[data-kind="${kind}"]`)].map(bar => {
                const box = bar.getBoundingClientRect();
                return {
                    x: bar.getAttribute("x"), width: bar.getAttribute("width"),
                    start: bar.dataset.start, end: bar.dataset.end, impact: bar.dataset.impact,
                    title: bar.querySelector("title").textContent,
                    left: (box.left - plot.left) / scale, drawn: box.width / scale,
                    scale: scale,
                };
            });
        }""",
        [kind, section],
    )
    return found


def _assert_drawn_where_placed(bars: list[dict[str, Any]]) -> None:
    for bar in bars:
        tolerance = PIXEL / bar["scale"]
        assert abs(bar["left"] - float(bar["x"])) <= tolerance, bar
        assert abs(bar["drawn"] - float(bar["width"])) <= 2 * tolerance, bar


def test_an_empty_month_and_an_escaped_name(browser: Browser, server: LiveServer) -> None:
    name = '<script>document.title="owned"</script> Quiet & Co'
    with _api(server) as api:
        _tenant(api, "quiet", name, "UTC", "microsoft-365", [])
        url = _share(api, "quiet")
    page = _open(browser, url)
    try:
        assert page.locator("svg.timeline").count() == 1
        assert page.locator("svg.timeline rect.bar").count() == 0
        assert page.locator("svg.timeline text.day").count() == 30
        assert page.locator("svg.sparkline rect.month").count() == 12
        # The name is text, not markup: nothing ran, nothing was injected.
        assert page.locator("h1").inner_text() == name
        assert page.locator("script").count() == 0
        assert page.title().startswith("SLA report: <script>")
        assert page.locator("[data-figure=availability]").inner_text() == "100 %"
    finally:
        page.close()


def test_overlapping_outages_with_maintenance(browser: Browser, server: LiveServer) -> None:
    with _api(server) as api:
        rows = [
            _row("2026-11-06T00:00:00Z", "2026-11-07T00:00:00Z", "A"),
            _row("2026-11-06T12:00:00Z", "2026-11-08T12:00:00Z", "B", impact="0.5"),
            _row("2026-11-07T06:00:00Z", "2026-11-07T18:00:00Z", kind="maintenance"),
            _row("2026-11-21T00:00:00Z", "2026-11-21T06:00:00Z", "C"),
        ]
        _tenant(api, "contoso", "Contoso Ltd", "UTC", "microsoft-365", rows)
        url = _share(api, "contoso")
    page = _open(browser, url)
    try:
        # November in UTC: 43200 minutes; a day is 1440 / 43200 × 1000 = 33.333… units.
        # A: 6 Nov 00:00 (5 days in) → 166.67; 7 Nov 00:00 → 200; width 33.33.
        # B: 6 Nov 12:00 (5.5 days) → 183.33; 8 Nov 12:00 (7.5 days) → 250; width 66.67.
        # C: 21 Nov 00:00 (20 days) → 666.67; 06:00 (20.25 days) → 675; width 8.33.
        outages = _bars(page, "outage")
        assert [(b["x"], b["width"], b["impact"]) for b in outages] == [
            ("166.67", "33.33", "1"),
            ("183.33", "66.67", "0.5"),
            ("666.67", "8.33", "1"),
        ]
        assert [b["start"] for b in outages] == [
            "2026-11-06T00:00:00+00:00",
            "2026-11-06T12:00:00+00:00",
            "2026-11-21T00:00:00+00:00",
        ]
        # Maintenance 7 Nov 06:00 (6.25 days) → 208.33, 18:00 (6.75 days) → 225.
        (maintenance,) = _bars(page, "maintenance")
        assert (maintenance["x"], maintenance["width"]) == ("208.33", "16.67")
        # What counted: A at full impact 6 Nov 00:00-7 Nov 00:00; B's half impact after
        # A ends, 7 Nov 00:00-06:00, then the maintenance is cut out, then B again
        # 7 Nov 18:00-8 Nov 12:00; and C. Four stretches:
        #   166.67-200 (1), 200-208.33 (0.5), 225-250 (0.5), 666.67-675 (1).
        counted = _bars(page, "counted")
        assert [(b["x"], b["width"], b["impact"]) for b in counted] == [
            ("166.67", "33.33", "1"),
            ("200", "8.33", "0.5"),
            ("225", "25", "0.5"),
            ("666.67", "8.33", "1"),
        ]
        assert [(b["start"], b["end"]) for b in counted[1:3]] == [
            ("2026-11-07T00:00:00+00:00", "2026-11-07T06:00:00+00:00"),
            ("2026-11-07T18:00:00+00:00", "2026-11-08T12:00:00+00:00"),
        ]
        for bars in (outages, [maintenance], counted):
            _assert_drawn_where_placed(bars)
        # Downtime: 1440 + 0.5 × 360 + 0.5 × 1080 + 360 = 2520 minutes.
        assert page.locator("[data-figure=downtime]").inner_text() == "2520 min"
        assert counted[1]["title"].startswith("Counted: Sat 7 Nov 00:00 UTC to Sat 7 Nov 06:00")
    finally:
        page.close()


def test_a_dst_month_in_new_york(browser: Browser, server: LiveServer) -> None:
    with _api(server) as api:
        policy = {
            "id": "ny-local",
            "name": "Measured in New York",
            "target_percent": "99.9",
            "tiers": [{"below_percent": "99.9", "credit_percent": "10"}],
            "measurement_timezone": "tenant",
        }
        _ok(api.post("/v1/policies", json=policy))
        rows = [
            # The repeated hour: 01:30 EDT (05:30Z) to 01:30 EST (06:30Z), 60 minutes.
            _row("2026-11-01T01:30:00-04:00", "2026-11-01T01:30:00-05:00", "FALLBACK"),
            # The last evening, 23:00 EST (1 Dec 04:00Z) into December; 60 minutes inside.
            _row("2026-11-30T23:00:00-05:00", "2026-12-01T01:00:00-05:00", "LAST"),
        ]
        _tenant(api, "nyc", "NYC Ltd", "America/New_York", "ny-local", rows)
        url = _share(api, "nyc")
    page = _open(browser, url)
    try:
        # 1 Nov 00:00 EDT (04:00Z) to 1 Dec 00:00 EST (05:00Z): 30 days and the hour
        # given back, 43260 minutes.
        assert "43260 minutes" in page.locator("p.period").inner_text()
        # FALLBACK: 90 min in → 90 / 43260 × 1000 = 2.080… → 2.08; 150 min → 3.467… →
        # 3.47. LAST: 43200 min in → 998.613… → 998.61, to the end, 1000.
        outages = _bars(page, "outage")
        assert [(b["x"], b["width"], b["start"], b["end"]) for b in outages] == [
            ("2.08", "1.39", "2026-11-01T05:30:00+00:00", "2026-11-01T06:30:00+00:00"),
            ("998.61", "1.39", "2026-12-01T04:00:00+00:00", "2026-12-01T05:00:00+00:00"),
        ]
        counted = _bars(page, "counted")
        assert [(b["x"], b["width"]) for b in counted] == [("2.08", "1.39"), ("998.61", "1.39")]
        _assert_drawn_where_placed(outages + counted)
        assert outages[0]["title"].startswith(
            "Outage FALLBACK: Sun 1 Nov 01:30 EDT to Sun 1 Nov 01:30 EST"
        )
        # The first day is 25 hours: 1500 / 43260 × 1000 = 34.67 units, the others 33.29.
        widths = page.evaluate(
            """() => [...document.querySelectorAll("svg.timeline line.day")]
                .slice(0, 3).map(line => line.getAttribute("x1"))"""
        )
        assert widths == ["0", "34.67", "67.96"]
    finally:
        page.close()


def test_docs_render_with_nothing_from_outside(browser: Browser, server: LiveServer) -> None:
    page = browser.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    try:
        page.goto(f"{server.url}/docs")
        # Swagger UI drew the operations from the spec it fetched from this server.
        page.wait_for_selector(".opblock", timeout=15_000)
        assert page.locator(".opblock").count() > 20
        assert requested and all(url.startswith(server.url) for url in requested), requested
    finally:
        page.close()
