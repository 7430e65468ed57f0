"""The PDF rendering fetches nothing: a URL in the page is not followed."""

import base64
import io
from pathlib import Path

from PIL import Image
from pypdf import PdfReader

from app.reports.pages import report_pdf


def _images(pdf: bytes) -> int:
    return sum(len(page.images) for page in PdfReader(io.BytesIO(pdf)).pages)


def test_a_url_in_the_page_is_not_fetched(tmp_path: Path) -> None:
    picture = tmp_path / "dot.png"
    Image.new("RGB", (4, 4), "red").save(picture)
    inline = base64.b64encode(picture.read_bytes()).decode()
    # A data: URL is part of the page itself, and is drawn ...
    assert _images(report_pdf(f'<p><img src="data:image/png;base64,{inline}"></p>')) == 1
    # ... a file or a server is somewhere else, and is not read.
    assert _images(report_pdf(f'<p><img src="{picture.as_uri()}"></p>')) == 0
    assert _images(report_pdf('<p><img src="http://127.0.0.1:9/dot.png"></p>')) == 0
