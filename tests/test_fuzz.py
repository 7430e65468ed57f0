"""Schemathesis drives every operation of the committed spec against a real server:
no input may make it answer 500, and every answer must match the spec."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import LiveServer, start_live_server

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def fuzzed_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    yield from start_live_server(tmp_path_factory.mktemp("fuzz"))


SPEC = Path(__file__).parent.parent / "openapi" / "openapi.json"
schema = schemathesis.openapi.from_path(SPEC)


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_input_breaks_the_contract(
    case: schemathesis.Case[Any], fuzzed_server: LiveServer
) -> None:
    case.call_and_validate(
        base_url=fuzzed_server.url,
        headers={"X-API-Key": fuzzed_server.key},
        checks=CHECKS,
    )
