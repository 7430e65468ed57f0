"""Pull sync: fetch a tenant's timeline from its provider and import it as an upload.

The page address is a URL this server fetches on a caller's behalf, so unless the
configuration allows it, its host must resolve only to public addresses (no
loopback, private, link-local or reserved ones; see `app.net`), checked just
before the fetch.
"""

import io

import httpx

from app.errors import invalid
from app.imports.schemas import GraphSync, StatuspageSync, SyncRequest
from app.imports.service import Upload
from app.imports.sources import RetryPolicy, fetch_graph, fetch_statuspage, statuspage_api_urls
from app.net import public_address_problem


def fetch_for_sync(
    client: httpx.Client,
    body: SyncRequest,
    policy: RetryPolicy,
    graph_token: str | None,
    allow_private: bool,
) -> Upload:
    """The provider's timeline, as the upload it stands for."""
    if isinstance(body, StatuspageSync):
        try:
            incidents_url, _ = statuspage_api_urls(body.url, allow_insecure=allow_private)
        except ValueError as error:
            raise invalid(["body", "url"], f"'{body.url}': {error}") from error
        if not allow_private:
            problem = public_address_problem(httpx.URL(incidents_url).host)
            if problem is not None:
                raise invalid(["body", "url"], problem)
        data = fetch_statuspage(client, body.url, allow_insecure=allow_private, policy=policy)
        return Upload("statuspage", body.url, io.BytesIO(data), body.service_map)
    assert isinstance(body, GraphSync)
    if not graph_token:
        raise invalid(
            ["body", "source"],
            "'graph' needs a Microsoft Graph token, and SLA_GRAPH_TOKEN is not set",
        )
    data = fetch_graph(client, graph_token, policy=policy)
    return Upload("graph", "Microsoft Graph service issues", io.BytesIO(data), body.service_map)
