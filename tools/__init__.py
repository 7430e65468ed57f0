"""Developer tools: `make screenshot`, and the Chromium launcher the browser tests share."""
