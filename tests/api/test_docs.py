"""`/docs` and `/redoc` need no internet access: every script, style and icon they load
is served by the app itself (tests/api/test_report_browser.py opens /docs in Chromium
and checks that it renders with nothing fetched from elsewhere)."""

import re

import pytest
from fastapi.testclient import TestClient

from tests.api.page_parts import elements

NO_KEY = {"X-API-Key": ""}


def _references(html: str) -> list[str]:
    found = [
        value
        for element in elements(html)
        for name, value in element.attrs.items()
        if name in ("src", "href")
    ]
    # And the document the page's script is told to load.
    found += re.findall(r"""\burl:\s*['"]([^'"]+)['"]""", html)
    found += re.findall(r"""\bspec-url=['"]([^'"]+)['"]""", html)
    return found


@pytest.mark.parametrize(
    ("page", "assets"),
    [
        ("/docs", {"swagger-ui-bundle.js", "swagger-ui.css", "favicon.png"}),
        ("/redoc", {"redoc.standalone.js", "favicon.png"}),
    ],
)
def test_docs_reference_only_local_urls_that_answer(
    client: TestClient, page: str, assets: set[str]
) -> None:
    response = client.get(page, headers=NO_KEY)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    references = _references(response.text)
    assert "/openapi.json" in references
    assert {reference.rsplit("/", 1)[1] for reference in references} >= assets
    for reference in references:
        assert reference.startswith("/") and not reference.startswith("//"), reference
        assert client.get(reference, headers=NO_KEY).status_code == 200, reference
    assert not re.search(r"https?://", response.text)


def test_the_assets_are_served_with_their_types(client: TestClient) -> None:
    script = client.get("/docs-assets/swagger-ui-bundle.js", headers=NO_KEY)
    assert script.headers["content-type"].startswith(("text/javascript", "application/javascript"))
    # Swagger UI 5 (reads OpenAPI 3.1, which the spec is).
    assert "SwaggerUIBundle" in script.text
    assert client.get("/openapi.json").json()["openapi"].startswith("3.1")
    style = client.get("/docs-assets/swagger-ui.css", headers=NO_KEY)
    assert style.headers["content-type"].startswith("text/css")
    assert client.get("/docs-assets/nothing.js", headers=NO_KEY).status_code == 404
