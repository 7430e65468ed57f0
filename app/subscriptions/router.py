from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from app.audit.service import Change
from app.deps import Caller, Now, ReadSession, SubscriptionWriter, VisibleTenant, WriteSession
from app.errors import problem_responses
from app.schemas import Slug
from app.sla.periods import to_micros
from app.subscriptions.schemas import SubscriptionPublic, SubscriptionPut
from app.subscriptions.service import put_subscription, subscription_public, subscriptions_of

router = APIRouter(prefix="/v1/tenants/{tenant_id}/services", tags=["services"])

ServiceId = Annotated[Slug, Path(description="Service id (slug), e.g. exchange-online")]


@router.get("", responses=problem_responses(401, 404, 422))
def list_services(tenant: VisibleTenant, session: ReadSession) -> list[SubscriptionPublic]:
    """The services the tenant subscribes to, by id."""
    subscriptions = subscriptions_of(session, tenant.id)
    return [subscription_public(sub, tenant.currency) for sub in subscriptions]


@router.put(
    "/{service_id}",
    responses={
        201: {"model": SubscriptionPublic, "description": "Subscribed"},
        **problem_responses(401, 403, 404, 422),
    },
)
def subscribe_service(
    service_id: ServiceId,
    body: SubscriptionPut,
    tenant: SubscriptionWriter,
    caller: Caller,
    session: WriteSession,
    now: Now,
    response: Response,
) -> SubscriptionPublic:
    """Subscribe the tenant to a service under a policy (201), or change the terms (200)."""
    sub, created = put_subscription(
        session, tenant, service_id, body, Change(caller.key_id, to_micros(now))
    )
    session.commit()
    if created:
        response.status_code = status.HTTP_201_CREATED
    return subscription_public(sub, tenant.currency)
