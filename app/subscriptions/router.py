from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Path, Response, status
from sqlmodel import col, select

from app.deps import Admin, Now, ReadSession, VisibleTenant, WritableTenant, WriteSession
from app.errors import InvalidInput, ProblemItem, problem_responses
from app.models import Outage, Subscription
from app.policies.service import find_policy
from app.schemas import Slug, iso
from app.sla.money import minor_units
from app.sla.numbers import money_text
from app.sla.periods import to_micros
from app.subscriptions.schemas import SubscriptionPublic, SubscriptionPut

router = APIRouter(prefix="/v1/tenants/{tenant_id}/services", tags=["services"])

ServiceId = Annotated[Slug, Path(description="Service id (slug), e.g. exchange-online")]


def subscription_public(sub: Subscription, currency: str) -> SubscriptionPublic:
    return SubscriptionPublic(
        tenant_id=sub.tenant_id,
        service_id=sub.service_id,
        policy_id=sub.policy_id,
        monthly_fee=money_text(Decimal(sub.monthly_fee), minor_units(currency)),
        users=sub.users,
        created_at=iso(sub.created_micros),
        updated_at=iso(sub.updated_micros),
    )


@router.get("", responses=problem_responses(401, 404, 422))
def list_services(tenant: VisibleTenant, session: ReadSession) -> list[SubscriptionPublic]:
    """The services the tenant subscribes to, by id."""
    rows = session.exec(
        select(Subscription)
        .where(Subscription.tenant_id == tenant.id)
        .order_by(col(Subscription.service_id))
    ).all()
    return [subscription_public(sub, tenant.currency) for sub in rows]


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
    tenant: WritableTenant,
    _caller: Admin,
    session: WriteSession,
    now: Now,
    response: Response,
) -> SubscriptionPublic:
    """Subscribe the tenant to a service under a policy (201), or change the terms (200)."""
    errors = _subscription_errors(
        session, tenant.id, service_id, body, minor_units(tenant.currency)
    )
    if errors:
        raise InvalidInput(errors)
    sub = session.get(Subscription, (tenant.id, service_id))
    stamp = to_micros(now)
    if sub is None:
        sub = Subscription(
            tenant_id=tenant.id,
            service_id=service_id,
            created_micros=stamp,
            policy_id=body.policy_id,
            monthly_fee="0",
            updated_micros=stamp,
        )
        response.status_code = status.HTTP_201_CREATED
    sub.policy_id = body.policy_id
    sub.monthly_fee = str(body.monthly_fee)
    sub.users = body.users
    sub.updated_micros = stamp
    session.add(sub)
    session.commit()
    return subscription_public(sub, tenant.currency)


def _subscription_errors(
    session: ReadSession, tenant_id: str, service_id: str, body: SubscriptionPut, minor: int
) -> list[ProblemItem]:
    errors = []
    if find_policy(session, body.policy_id) is None:
        errors.append(
            ProblemItem(loc=["body", "policy_id"], msg=f"policy '{body.policy_id}' does not exist")
        )
    fee = body.monthly_fee
    if fee < 0 or fee.as_tuple().exponent < -minor:  # type: ignore[operator]
        errors.append(
            ProblemItem(
                loc=["body", "monthly_fee"],
                msg=f"'{fee}' must be >= 0 with at most {minor} decimal places for this currency",
            )
        )
    if body.users is None:
        weighted = session.exec(
            select(Outage.id).where(
                Outage.tenant_id == tenant_id,
                Outage.service_id == service_id,
                col(Outage.users_affected).is_not(None),
            )
        ).first()
        if weighted is not None:
            errors.append(
                ProblemItem(
                    loc=["body", "users"],
                    msg="null, but stored windows of this service give users_affected, "
                    "which need the number of users (seats)",
                )
            )
    return errors
