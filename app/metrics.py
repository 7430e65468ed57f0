"""Prometheus metrics, served at `/metrics` (docs/operations.md).

Labels hold route templates (`/v1/tenants/{tenant_id}`), never raw paths, so a
series exists per route and not per tenant. With several uvicorn workers each
process writes its figures under `PROMETHEUS_MULTIPROC_DIR` (`app.serve` makes that
directory) and a scrape adds up every worker's.
"""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

from fastapi import APIRouter, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

HTTP_REQUESTS = Counter(
    "sla_http_requests",
    "HTTP requests answered, by method, route template and status",
    ["method", "route", "status"],
)
HTTP_REQUEST_SECONDS = Histogram(
    "sla_http_request_duration_seconds",
    "Time from a request's arrival to the end of its answer",
    ["method", "route", "status"],
)
REPORT_BUILD_SECONDS = Histogram(
    "sla_report_build_seconds",
    "Time to compute a report's figures (tenant: one tenant's month; portfolio: "
    "one page or the whole CSV of every tenant's month), before rendering",
    ["report"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
PORTFOLIO_PAGES_READ_AHEAD = Counter(
    "sla_portfolio_pages_read_ahead",
    "Portfolio JSON pages asked for by cursor without a filter, by whether the page "
    "read ahead was served (served), read again as something had changed (stale), or "
    "not there (missing: another process read it ahead, or read-ahead is off)",
    ["outcome"],
)
WEBHOOK_DELIVERIES = Counter(
    "sla_webhook_deliveries",
    "Webhook delivery attempts, by what became of them",
    ["outcome"],
)

# Any other method is counted as "other": a label value per made-up method would
# let a client create series without end.
_KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    labels = (method if method in _KNOWN_METHODS else "other", route, str(status))
    HTTP_REQUESTS.labels(*labels).inc()
    HTTP_REQUEST_SECONDS.labels(*labels).observe(seconds)


@contextmanager
def timed_report_build(report: Literal["tenant", "portfolio"]) -> Iterator[None]:
    with REPORT_BUILD_SECONDS.labels(report).time():
        yield


def exposition() -> bytes:
    """The text a scrape reads: this process's figures, or every worker's."""
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
    return generate_latest(REGISTRY)


router = APIRouter()


@router.get("/metrics", include_in_schema=False)
def get_metrics() -> Response:
    """Prometheus' text format; no key, like the probes (docs/operations.md)."""
    return Response(exposition(), media_type=CONTENT_TYPE_LATEST)
