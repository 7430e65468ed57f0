"""A tour of the API through the Python client generated from openapi/openapi.json.

    python -m tools.client_tour BASE_URL ADMIN_KEY

with the generated package on the path (`make client` writes it into clients/python:
`PYTHONPATH=clients/python`). Every call goes through `sla_ledger_client`, each key as
`AuthenticatedClient(base_url=…, token=key)`: keys, a tenant, a policy and a service's
terms, outages as JSON and as an uploaded CSV file, the report as JSON, CSV, HTML and PDF,
the portfolio, a month close and a claim. Money arrives as strings and is read with
Decimal; each figure is checked against the value worked out by hand below. Exits
non-zero (AssertionError) at the first answer that differs. It needs a fresh database.

The month is November 2025, measured in UTC: 30 × 1440 = 43,200 minutes.
- Outage EX123456, 14:00:00 to 16:05:30 on the 10th: 125.5 minutes, of which the
  maintenance window 14:30 to 15:00 covers 30 (excluded): 95.5 down.
- Outage EX200 from the CSV file, 09:00 to 09:20 on the 20th: 20 down.
- Down 95.5 + 20 = 115.5; availability (43200 − 115.5) / 43200 = 99.732638…% → 99.7326.
- Target 99.9: missed. Below 99.9 (but not below 99) the policy credits 10 %:
  10 % of 1200.00 = 120.00.
- Error budget: 0.1 % of 43200 = 43.2 minutes allowed, 115.5 used, 43.2 − 115.5 = −72.3
  left, 115.5 / 43.2 = 267.3611…% used → 267.36.
- Claim window P10Y: the month ends 2025-12-01, + 10 years = 2035-12-01, so the last day
  to claim is 2035-11-30.
"""

import csv
import io
import sys
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

import attrs
import httpx
from sla_ledger_client import AuthenticatedClient
from sla_ledger_client.api.api_keys import create_api_key
from sla_ledger_client.api.claims import create_service_claim
from sla_ledger_client.api.imports import import_timeline
from sla_ledger_client.api.ledger import close_report
from sla_ledger_client.api.outages import create_outages
from sla_ledger_client.api.policies import create_policy
from sla_ledger_client.api.reports import (
    get_portfolio_report,
    get_portfolio_report_csv,
    get_tenant_report,
    get_tenant_report_csv,
    get_tenant_report_html,
    get_tenant_report_pdf,
)
from sla_ledger_client.api.services import subscribe_service
from sla_ledger_client.api.tenants import create_tenant
from sla_ledger_client.models import (
    ApiKeyCreate,
    ApiKeyCreated,
    BodyImportTimeline,
    ClaimCreate,
    ClaimPublic,
    ImportResult,
    OutageBatch,
    OutageBatchResult,
    OutageIn,
    PolicyCreate,
    PolicyPublic,
    PortfolioPage,
    SubscriptionPublic,
    SubscriptionPut,
    TenantCreate,
    TenantPublic,
    TenantReport,
    TierIn,
)
from sla_ledger_client.types import File, Response

T = TypeVar("T")

TENANT = "contoso"
SERVICE = "exchange-online"
MONTH = "2025-11"
# The PDF is drawn while the request waits; a loaded CI machine needs more than 5 s.
TIMEOUT = httpx.Timeout(60.0)
TIMELINE_CSV = (
    "service_id;start;end;external_id;title\n"
    f"{SERVICE};2025-11-20T09:00:00Z;2025-11-20T09:20:00Z;EX200;Mail delays\n"
)


def parsed(response: Response[Any], status: int, kind: type[T]) -> T:
    """The answer's model, after checking its status and its type."""
    assert response.status_code == status, (response.status_code, response.content[:2000])
    assert isinstance(response.parsed, kind), (type(response.parsed), response.content[:2000])
    return response.parsed


def as_decimal(text: object) -> Decimal:
    """A decimal the API sends as a string (never a JSON number), read exactly."""
    assert isinstance(text, str), f"{text!r} is not a decimal string"
    return Decimal(text)


def instant(field: str, text: str) -> Any:
    """An OutageIn timestamp as the generated model takes it: a datetime where the spec
    says `format: date-time`, the RFC 3339 text otherwise (a date-time format is only a
    matter of the spec's wording; the API reads the same text either way)."""
    declared = str(attrs.fields_dict(OutageIn)[field].type)
    return datetime.fromisoformat(text) if "datetime" in declared else text


def connect(base_url: str, key: str) -> AuthenticatedClient:
    return AuthenticatedClient(base_url=base_url, token=key, timeout=TIMEOUT)


def new_key(admin: AuthenticatedClient, body: ApiKeyCreate) -> str:
    created = parsed(create_api_key.sync_detailed(client=admin, body=body), 201, ApiKeyCreated)
    assert created.role == body.role
    return created.key


def set_up_terms(admin: AuthenticatedClient) -> None:
    """The tenant, its own policy (a long claim window) and the service at 1200.00 a month."""
    tenant = parsed(
        create_tenant.sync_detailed(
            client=admin,
            body=TenantCreate(
                id=TENANT, name="Contoso Ltd", timezone="America/New_York", currency="USD"
            ),
        ),
        201,
        TenantPublic,
    )
    assert (tenant.id, tenant.currency) == (TENANT, "USD")
    policy = parsed(
        create_policy.sync_detailed(
            client=admin,
            body=PolicyCreate(
                id="acme-gold",
                name="Acme Gold",
                target_percent="99.9",
                tiers=[
                    TierIn(below_percent="99.9", credit_percent="10"),
                    TierIn(below_percent="99", credit_percent="25"),
                ],
                claim_window="P10Y",
            ),
        ),
        201,
        PolicyPublic,
    )
    assert as_decimal(policy.target_percent) == Decimal("99.9")
    assert policy.measurement_timezone == "UTC"  # the default
    subscription = parsed(
        subscribe_service.sync_detailed(
            TENANT,
            SERVICE,
            client=admin,
            body=SubscriptionPut(policy_id="acme-gold", monthly_fee="1200.00"),
        ),
        201,
        SubscriptionPublic,
    )
    assert as_decimal(subscription.monthly_fee) == Decimal("1200.00")


def record_outages(admin: AuthenticatedClient, tenant_key: str, base_url: str) -> None:
    """The outage and its maintenance window as JSON, then the CSV file with the tenant's key."""
    batch = parsed(
        create_outages.sync_detailed(
            TENANT,
            client=admin,
            body=OutageBatch(
                outages=[
                    OutageIn(
                        service_id=SERVICE,
                        start=instant("start", "2025-11-10T14:00:00Z"),
                        end=instant("end", "2025-11-10T16:05:30Z"),
                        external_id="EX123456",
                        title="Mailbox access",
                    ),
                    OutageIn(
                        service_id=SERVICE,
                        kind="maintenance",
                        start=instant("start", "2025-11-10T14:30:00Z"),
                        end=instant("end", "2025-11-10T15:00:00Z"),
                    ),
                ]
            ),
        ),
        201,
        OutageBatchResult,
    )
    assert batch.created == 2
    upload = BodyImportTimeline(
        file=File(
            payload=io.BytesIO(TIMELINE_CSV.encode()),
            file_name="timeline.csv",
            mime_type="text/csv",
        ),
        format_="csv",
    )
    with connect(base_url, tenant_key) as tenant_client:
        imported = parsed(
            import_timeline.sync_detailed(TENANT, client=tenant_client, body=upload),
            201,
            ImportResult,
        )
    assert (imported.created, imported.duplicates, imported.filename) == (1, 0, "timeline.csv")


def check_json_report(admin: AuthenticatedClient) -> None:
    report = parsed(get_tenant_report.sync_detailed(TENANT, MONTH, client=admin), 200, TenantReport)
    assert not report.provisional
    (line,) = report.services
    assert line.service_id == SERVICE
    assert as_decimal(line.period_minutes) == Decimal(43200)
    assert as_decimal(line.downtime_minutes) == Decimal("115.5")
    assert as_decimal(line.excluded_minutes) == Decimal(30)
    assert as_decimal(line.availability_percent) == Decimal("99.7326")
    assert as_decimal(line.target_percent) == Decimal("99.9")
    assert line.met is False
    assert as_decimal(line.credit_percent) == Decimal(10)
    assert as_decimal(line.credit_amount) == Decimal("120.00")
    assert line.credit_amount == "120.00"  # two places: USD cents
    assert as_decimal(report.total_credit_amount) == Decimal("120.00")
    budget = line.error_budget
    assert as_decimal(budget.allowed_minutes) == Decimal("43.2")
    assert as_decimal(budget.used_minutes) == Decimal("115.5")
    assert as_decimal(budget.remaining_minutes) == Decimal("-72.3")
    assert as_decimal(budget.used_percent) == Decimal("267.36")
    assert str(line.claim_deadline) == "2035-11-30"


def check_other_formats(admin: AuthenticatedClient) -> None:
    """CSV, the page and the PDF through their own generated operations: text and bytes,
    never a JSON decode."""
    text = get_tenant_report_csv.sync(TENANT, MONTH, client=admin)
    assert isinstance(text, str), text
    (row,) = csv.DictReader(io.StringIO(text))
    assert (row["tenant_id"], row["service_id"], row["currency"]) == (TENANT, SERVICE, "USD")
    assert Decimal(row["downtime_minutes"]) == Decimal("115.5")
    assert Decimal(row["availability_percent"]) == Decimal("99.7326")
    assert Decimal(row["credit_amount"]) == Decimal("120.00")

    page = get_tenant_report_html.sync(TENANT, MONTH, client=admin)
    assert isinstance(page, str), page
    assert page.lstrip().lower().startswith("<!doctype html")
    assert "Contoso Ltd" in page and SERVICE in page

    pdf = get_tenant_report_pdf.sync(TENANT, MONTH, client=admin)
    assert isinstance(pdf, File), pdf
    assert pdf.payload.read().startswith(b"%PDF-")

    portfolio = get_portfolio_report_csv.sync(MONTH, client=admin)
    assert isinstance(portfolio, str), portfolio
    (line,) = csv.DictReader(io.StringIO(portfolio))
    assert (line["tenant_id"], line["service_id"]) == (TENANT, SERVICE)
    assert Decimal(line["credit_amount"]) == Decimal("120.00")


def check_portfolio(admin: AuthenticatedClient) -> None:
    page = parsed(get_portfolio_report.sync_detailed(MONTH, client=admin), 200, PortfolioPage)
    (line,) = page.items
    assert (line.tenant_id, line.service_id, line.currency) == (TENANT, SERVICE, "USD")
    assert as_decimal(line.monthly_fee) == Decimal("1200.00")
    assert as_decimal(line.credit_amount) == Decimal("120.00")
    assert page.next_cursor is None


def close_and_claim(finance: AuthenticatedClient) -> None:
    """A finance key closes the month and drafts the claim on the closed figures."""
    closed = parsed(close_report.sync_detailed(TENANT, MONTH, client=finance), 201, TenantReport)
    assert closed.closed is True
    assert as_decimal(closed.total_credit_amount) == Decimal("120.00")
    claim = parsed(
        create_service_claim.sync_detailed(
            TENANT, client=finance, body=ClaimCreate(service_id=SERVICE, month=MONTH)
        ),
        201,
        ClaimPublic,
    )
    assert (claim.status, claim.currency) == ("draft", "USD")
    assert str(claim.claim_deadline) == "2035-11-30"
    assert as_decimal(claim.credit_amount) == Decimal("120.00")


def tour(base_url: str, admin_key: str) -> None:
    with connect(base_url, admin_key) as admin:
        set_up_terms(admin)
        tenant_key = new_key(admin, ApiKeyCreate(role="tenant", tenant_id=TENANT))
        finance_key = new_key(admin, ApiKeyCreate(role="finance"))
        record_outages(admin, tenant_key, base_url)
        check_json_report(admin)
        check_other_formats(admin)
        check_portfolio(admin)
    with connect(base_url, finance_key) as finance:
        close_and_claim(finance)
    print("client tour: every answer as worked out by hand")


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    tour(sys.argv[1], sys.argv[2])


if __name__ == "__main__":
    main()
