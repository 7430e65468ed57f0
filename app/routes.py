"""Every domain's router, each with its own prefix and tag."""

from fastapi import APIRouter

from app import health
from app.audit import router as audit
from app.auth import router as api_keys
from app.imports import router as imports
from app.ledger import router as ledger
from app.outages import router as outages
from app.policies import router as policies
from app.reports import router as reports
from app.reports import share
from app.subscriptions import router as subscriptions
from app.tenants import router as tenants
from app.webhooks import router as webhooks

router = APIRouter()
# A request is matched against the routes in this order, one pattern after another:
# the probes and the reports, read most often, come first.
for module in (
    health,
    reports,
    api_keys,
    tenants,
    policies,
    subscriptions,
    outages,
    imports,
    ledger,
    share,
    audit,
    webhooks,
):
    router.include_router(module.router)
