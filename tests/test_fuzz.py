"""Schemathesis drives every operation of the committed spec against a real server,
once with each kind of key: admin, and a finance and a tenant key minted on the server.
No input may make it answer 500, and every answer must match the spec.

- The checks are the ones the installed schemathesis runs by default
  (`call_and_validate` without `checks`: not_a_server_error, the status code, content
  type, schema and header conformance checks, positive and negative data, Allow
  headers, missing headers, auth and resource checks), with one setting changed, below.
- Generation is derandomized (the same examples every run) and bounded by
  `SLA_FUZZ_EXAMPLES` (25 by default: about two minutes for the three keys on two
  cores, SQLite or PostgreSQL).
- With `SLA_TEST_DATABASE_URL` the server uses that PostgreSQL database (its schema
  dropped first) instead of its own SQLite file.
"""

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.schemas import BaseSchema

from tests.conftest import LiveServer, start_live_server

SPEC = Path(__file__).parent.parent / "openapi" / "openapi.json"
# The one change to schemathesis's defaults: a schema-valid request may still be refused
# with 422, since the API checks what JSON Schema cannot say (a cursor it gave out, an
# IANA zone name, an RFC 3339 instant, an end after its start, a service the tenant
# subscribes to) and declares 422 on every operation. What JSON Schema can say, the
# spec says (a month's pattern, a service id's, a policy tier's one credit kind), so
# those no longer pass the schema to be refused. The other default expected statuses
# are kept.
CHECKS = {
    "positive_data_acceptance": {
        "expected-statuses": ["2xx", "3xx", "401", "403", "404", "409", "422", "429", "5xx"]
    }
}
schema = schemathesis.openapi.from_path(
    SPEC, config=SchemathesisConfig.from_dict({"checks": CHECKS})
)
# For the finance and tenant keys every {tenant_id} is the tenant they may see, so that
# their requests get past the 404 of an unknown tenant to what the role may and may not do.
TENANT = "fuzz"
in_tenant = schemathesis.openapi.from_path(
    SPEC,
    config=SchemathesisConfig.from_dict(
        {"checks": CHECKS, "parameters": {"path.tenant_id": TENANT}}
    ),
)
EXAMPLES = int(os.environ.get("SLA_FUZZ_EXAMPLES", "25"))


@pytest.fixture(scope="module")
def fuzzed_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    yield from start_live_server(tmp_path_factory.mktemp("fuzz"), test_database=True)


@pytest.fixture(scope="module")
def keys(fuzzed_server: LiveServer) -> dict[str, str]:
    """The admin key, and a finance and a tenant key minted with it on the live server."""
    base, admin = fuzzed_server.url, {"X-API-Key": fuzzed_server.key}
    setup = [
        ("POST", "/v1/tenants", {"id": TENANT, "name": "Fuzz"}),
        (
            "PUT",
            f"/v1/tenants/{TENANT}/services/mail",
            {"policy_id": "microsoft-365", "monthly_fee": "100.00"},
        ),
        (
            "POST",
            f"/v1/tenants/{TENANT}/outages",
            {
                "outages": [
                    {
                        "service_id": "mail",
                        "start": "2026-11-03T10:00:00Z",
                        "end": "2026-11-03T11:00:00Z",
                    }
                ]
            },
        ),
    ]
    for method, path, body in setup:
        response = httpx.request(method, f"{base}{path}", json=body, headers=admin)
        assert response.status_code == 201, response.text
    minted = {"admin": fuzzed_server.key}
    for role, body in (
        ("finance", {"role": "finance"}),
        ("tenant", {"role": "tenant", "tenant_id": TENANT}),
    ):
        response = httpx.post(f"{base}/v1/api-keys", json=body, headers=admin)
        assert response.status_code == 201, response.text
        minted[role] = response.json()["key"]
    return minted


def _fuzz(role: str, spec: BaseSchema) -> Any:
    @spec.parametrize()
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    def fuzz(case: schemathesis.Case[Any], fuzzed_server: LiveServer, keys: dict[str, str]) -> None:
        case.call_and_validate(base_url=fuzzed_server.url, headers={"X-API-Key": keys[role]})

    return fuzz


test_no_input_breaks_the_contract_with_an_admin_key = _fuzz("admin", schema)
test_no_input_breaks_the_contract_with_a_finance_key = _fuzz("finance", in_tenant)
test_no_input_breaks_the_contract_with_a_tenant_key = _fuzz("tenant", in_tenant)
