"""Import records over HTTP: reading one back by id."""

import pytest
from fastapi.testclient import TestClient

from tests.api.scenario import assert_invalid, assert_problem, create_tenant, subscribe


@pytest.fixture
def contoso(client: TestClient) -> str:
    create_tenant(client, "contoso")
    subscribe(client, "contoso", "mail", "microsoft-365", "100.00")
    return "contoso"


def test_an_import_is_read_back_by_its_id(client: TestClient, contoso: str) -> None:
    upload = client.post(
        f"/v1/tenants/{contoso}/imports",
        files={
            "file": (
                "mail.csv",
                b"service_id,start,end\nmail,2026-11-03T10:00Z,2026-11-03T11:00Z\n",
            )
        },
        data={"format": "csv"},
    )
    assert upload.status_code == 201, upload.text

    response = client.get(f"/v1/tenants/{contoso}/imports/{upload.json()['id']}")

    assert response.status_code == 200
    assert response.json() == upload.json()


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        # These answered 500 on both databases: SQLite cannot bind a number past 64
        # bits, and PostgreSQL refused any id past 32 bits as out of range.
        ("9223372036854775808", "9223372036854775808"),
        ("99999999999999999999", "99999999999999999999"),
        # Lax int parsing read these as import 1, 10 and -1.
        ("+1", "+1"),
        ("%201", " 1"),
        ("1_0", "1_0"),
        ("-1", "-1"),
        ("%EF%BC%91", "１"),
        # One spelling per import.
        ("01", "01"),
    ],
)
def test_an_import_id_that_is_not_plain_digits_is_refused(
    client: TestClient, contoso: str, raw: str, shown: str
) -> None:
    response = client.get(f"/v1/tenants/{contoso}/imports/{raw}")

    assert_invalid(response, ["path", "import_id"], shown)


def test_an_import_id_past_the_32_bit_serials_is_refused(client: TestClient, contoso: str) -> None:
    # 2147483648 answered 404 on SQLite and 500 on PostgreSQL (integer out of range).
    response = client.get(f"/v1/tenants/{contoso}/imports/2147483648")

    assert_invalid(response, ["path", "import_id"], "2147483648")
    assert_problem(client.get(f"/v1/tenants/{contoso}/imports/2147483647"), 404)
