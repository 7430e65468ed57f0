"""One router per resource, each with its own prefix and tag."""

from fastapi import APIRouter

from app.api import health, outages, policies, reports, services, tenants

router = APIRouter()
for module in (health, tenants, policies, services, outages, reports):
    router.include_router(module.router)
