from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from app.audit.service import Change
from app.deps import Caller, Now, ReadSession, SubscriptionWriter, VisibleTenant, WriteSession
from app.errors import problem_responses
from app.pagination import Cursor, Limit, decode_text_cursor, encode_cursor
from app.schemas import MonthInput, Slug
from app.sla.periods import to_micros
from app.subscriptions.schemas import SubscriptionPage, SubscriptionPublic, SubscriptionPut
from app.subscriptions.service import (
    end_subscription,
    put_terms,
    subscription_of,
    subscriptions_page,
)

router = APIRouter(prefix="/v1/tenants/{tenant_id}/services", tags=["services"])

ServiceId = Annotated[Slug, Path(description="Service id (slug), e.g. exchange-online")]


@router.get("", responses=problem_responses(401, 404, 422))
def list_services(
    tenant: VisibleTenant, session: ReadSession, now: Now, limit: Limit = 100, cursor: Cursor = None
) -> SubscriptionPage:
    """The services the tenant subscribes to or did, by id, each with its terms."""
    after = None if cursor is None else decode_text_cursor(cursor)
    items, more = subscriptions_page(session, tenant, now, after, limit)
    next_cursor = encode_cursor(items[-1].service_id) if more else None
    return SubscriptionPage(items=items, next_cursor=next_cursor)


@router.get("/{service_id}", responses=problem_responses(401, 404, 422))
def get_service(
    service_id: ServiceId, tenant: VisibleTenant, session: ReadSession, now: Now
) -> SubscriptionPublic:
    """One service with its terms over time."""
    return subscription_of(session, tenant, service_id, now)


@router.put(
    "/{service_id}",
    responses={
        201: {"model": SubscriptionPublic, "description": "Subscribed"},
        **problem_responses(401, 403, 404, 409, 422),
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
    """Subscribe the tenant to a service (201), or change its terms from a month on (200).

    The first terms hold for every month unless `effective_from` says otherwise; later
    terms hold from `effective_from` (default: this month, UTC) until the next later
    terms. Terms cannot change in a closed month (409).
    """
    sub, created = put_terms(
        session, tenant, service_id, body, Change(caller.key_id, to_micros(now))
    )
    session.commit()
    if created:
        response.status_code = status.HTTP_201_CREATED
    return sub


@router.delete(
    "/{service_id}",
    response_model=SubscriptionPublic,
    responses={
        204: {"description": "Ended before any month it was in force: the service is gone"},
        **problem_responses(401, 403, 404, 409, 422),
    },
)
def end_service(
    service_id: ServiceId,
    tenant: SubscriptionWriter,
    caller: Caller,
    session: WriteSession,
    now: Now,
    effective_from: Annotated[
        MonthInput | None,
        Query(
            max_length=7,
            description="`YYYY-MM`: the first month without the service (default: this "
            "month, UTC); later terms end too",
        ),
    ] = None,
) -> SubscriptionPublic | Response:
    """End the subscription from a month on; earlier months keep their terms (200). If no
    month is left in force, the service is removed (204)."""
    sub = end_subscription(
        session, tenant, service_id, effective_from, Change(caller.key_id, to_micros(now))
    )
    session.commit()
    if sub is None:
        return Response(status_code=status.HTTP_204_NO_CONTENT)
    return sub
