import pytest
from fastapi.testclient import TestClient

from tests.api.scenario import assert_problem


def test_health_needs_no_key(client: TestClient) -> None:
    response = client.get("/healthz", headers={"X-API-Key": ""})
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        # Two routes share each of these paths; FastAPI's 405 named only the first one's.
        ("OPTIONS", "/v1/tenants", "GET, POST"),
        ("PUT", "/v1/policies", "GET, POST"),
        ("OPTIONS", "/v1/tenants/acme/outages/1", "DELETE, PATCH"),
        ("DELETE", "/v1/audit", "GET"),
    ],
)
def test_a_method_not_allowed_lists_every_method_of_the_path(
    client: TestClient, method: str, path: str, allow: str
) -> None:
    response = client.request(method, path)

    assert_problem(response, 405)
    assert response.headers["allow"] == allow
