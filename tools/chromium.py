"""Debian's Chromium (`apt-get install chromium`; `tools/system-packages browser`), driven
headless by Playwright. Playwright's own browser downloads are never used: they need
the internet, and `playwright install` is not part of this project.
"""

import shutil
from collections.abc import Iterator
from contextlib import contextmanager

from playwright.sync_api import Browser, sync_playwright

# No background traffic (this machine has no internet, and Chromium would keep trying),
# no GPU; Playwright adds --headless and, as root, --no-sandbox itself.
CHROMIUM_ARGS = [
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_path() -> str | None:
    return shutil.which("chromium")


@contextmanager
def chromium() -> Iterator[Browser]:
    path = chromium_path()
    if path is None:
        raise RuntimeError("chromium is not installed: run tools/system-packages browser")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
