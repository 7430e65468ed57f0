"""Subscriptions: a tenant's service under a policy, with a fee and seats."""

from decimal import Decimal

from sqlmodel import Session, col, select

from app.audit.service import Change, record
from app.errors import InvalidInput, ProblemItem
from app.models import Outage, Subscription, Tenant
from app.policies.service import find_policy
from app.schemas import iso
from app.sla.money import minor_units
from app.sla.numbers import money_text
from app.subscriptions.schemas import SubscriptionPublic, SubscriptionPut


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


def subscriptions_of(session: Session, tenant_id: str) -> list[Subscription]:
    query = (
        select(Subscription)
        .where(Subscription.tenant_id == tenant_id)
        .order_by(col(Subscription.service_id))
    )
    return list(session.exec(query))


def put_subscription(
    session: Session, tenant: Tenant, service_id: str, body: SubscriptionPut, change: Change
) -> tuple[Subscription, bool]:
    """Subscribe, or change the terms; audited, and a no-op when nothing differs."""
    errors = _subscription_errors(
        session, tenant.id, service_id, body, minor_units(tenant.currency)
    )
    if errors:
        raise InvalidInput(errors)
    sub = session.get(Subscription, (tenant.id, service_id))
    created = sub is None
    before = None if sub is None else subscription_public(sub, tenant.currency).model_dump()
    if sub is None:
        sub = Subscription(
            tenant_id=tenant.id,
            service_id=service_id,
            created_micros=change.at_micros,
            policy_id=body.policy_id,
            monthly_fee="0",
            updated_micros=change.at_micros,
        )
    terms = (body.policy_id, str(body.monthly_fee), body.users)
    if not created and terms == (sub.policy_id, sub.monthly_fee, sub.users):
        return sub, False
    sub.policy_id, sub.monthly_fee, sub.users = terms
    sub.updated_micros = change.at_micros
    session.add(sub)
    record(
        session,
        change,
        entity="subscription",
        entity_id=f"{tenant.id}/{service_id}",
        action="create" if created else "update",
        before=before,
        after=subscription_public(sub, tenant.currency).model_dump(),
        tenant_id=tenant.id,
    )
    return sub, created


def _subscription_errors(
    session: Session, tenant_id: str, service_id: str, body: SubscriptionPut, minor: int
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
