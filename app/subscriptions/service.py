"""Subscriptions: a tenant's services, each with its terms (policy, fee, seats) over time.

Terms hold from their `effective_from` month until the next later terms; an end stops
them. Every change is audited with the service as the API shows it, before and after,
and a change that would alter the terms of a closed month is refused.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlmodel import Session, col, select

from app.audit.service import Change, record
from app.errors import Conflict, InvalidInput, NotFound, ProblemItem
from app.models import ClosedMonth, Outage, Subscription, SubscriptionTerm, Tenant
from app.policies.service import find_policy
from app.schemas import iso
from app.sla.money import minor_units
from app.sla.numbers import money_text
from app.sla.periods import FIRST_MONTH, MonthError, from_micros, parse_month, utc_month
from app.sla.terms import (
    Terms,
    TermsChange,
    ended,
    normalized,
    spans,
    terms_in_force,
    with_terms,
)
from app.subscriptions.schemas import SubscriptionPublic, SubscriptionPut, TermsPublic


@dataclass(frozen=True, slots=True)
class KnownService:
    """What checking an outage window needs to know of its service."""

    service_id: str
    # Whether every terms of the service set users (seats) to weigh users_affected by.
    seated: bool


def change_of(row: SubscriptionTerm) -> TermsChange:
    return change_of_columns(row.effective_from, row.policy_id, row.monthly_fee, row.users)


def change_of_columns(
    effective_from: str, policy_id: str | None, monthly_fee: str | None, users: int | None
) -> TermsChange:
    """A stored change, from its columns (an ORM row's, or a row read without the ORM)."""
    if policy_id is None:
        return TermsChange(effective_from, None)
    assert monthly_fee is not None
    return TermsChange(effective_from, Terms(policy_id, Decimal(monthly_fee), users))


def terms_of_tenant(
    session: Session, tenant_id: str, service_ids: list[str] | None = None
) -> dict[str, list[TermsChange]]:
    """Every service of the tenant (or those named) with its changes of terms, oldest
    first, by service id."""
    services = select(Subscription.service_id).where(Subscription.tenant_id == tenant_id)
    terms = select(SubscriptionTerm).where(SubscriptionTerm.tenant_id == tenant_id)
    if service_ids is not None:
        services = services.where(col(Subscription.service_id).in_(service_ids))
        terms = terms.where(col(SubscriptionTerm.service_id).in_(service_ids))
    found: dict[str, list[TermsChange]] = {
        service_id: []
        for service_id in session.exec(services.order_by(col(Subscription.service_id)))
    }
    rows = session.exec(
        terms.order_by(col(SubscriptionTerm.service_id), col(SubscriptionTerm.effective_from))
    )
    for row in rows:
        found.setdefault(row.service_id, []).append(change_of(row))
    return found


def terms_of_service(session: Session, tenant_id: str, service_id: str) -> list[TermsChange]:
    rows = session.exec(
        select(SubscriptionTerm)
        .where(SubscriptionTerm.tenant_id == tenant_id, SubscriptionTerm.service_id == service_id)
        .order_by(col(SubscriptionTerm.effective_from))
    )
    return [change_of(row) for row in rows]


def known_services(session: Session, tenant_id: str) -> dict[str, KnownService]:
    """The services the tenant subscribes to or did, for checking outage windows."""
    return {
        service_id: KnownService(
            service_id,
            seated=all(c.terms.users is not None for c in changes if c.terms is not None),
        )
        for service_id, changes in terms_of_tenant(session, tenant_id).items()
    }


def closed_months(session: Session, tenant_id: str) -> list[str]:
    rows = session.exec(
        select(ClosedMonth.month)
        .where(ClosedMonth.tenant_id == tenant_id)
        .order_by(col(ClosedMonth.month))
    )
    return list(rows)


def subscription_public(
    sub: Subscription, changes: list[TermsChange], currency: str, now: datetime
) -> SubscriptionPublic:
    minor = minor_units(currency)
    stretches = spans(changes)
    assert stretches, f"{sub.tenant_id}/{sub.service_id} has no terms"
    month = utc_month(now)
    current = terms_in_force(changes, month)
    if current is None:
        upcoming = [span.terms for span in stretches if span.effective_from > month]
        current = upcoming[0] if upcoming else stretches[-1].terms
    return SubscriptionPublic(
        tenant_id=sub.tenant_id,
        service_id=sub.service_id,
        policy_id=current.policy_id,
        monthly_fee=money_text(current.monthly_fee, minor),
        users=current.users,
        created_at=iso(sub.created_micros),
        updated_at=iso(sub.updated_micros),
        in_force=terms_in_force(changes, month) is not None,
        terms=[
            TermsPublic(
                effective_from=None if span.effective_from == FIRST_MONTH else span.effective_from,
                effective_to=span.effective_to,
                policy_id=span.terms.policy_id,
                monthly_fee=money_text(span.terms.monthly_fee, minor),
                users=span.terms.users,
            )
            for span in stretches
        ],
    )


def subscriptions_page(
    session: Session, tenant: Tenant, now: datetime, after_id: str | None, limit: int
) -> tuple[list[SubscriptionPublic], bool]:
    """Up to `limit` of the tenant's services by id, after `after_id`, and whether more follow."""
    query = select(Subscription).where(Subscription.tenant_id == tenant.id)
    if after_id is not None:
        query = query.where(col(Subscription.service_id) > after_id)
    rows = session.exec(query.order_by(col(Subscription.service_id)).limit(limit + 1)).all()
    subs = rows[:limit]
    terms = terms_of_tenant(session, tenant.id, [sub.service_id for sub in subs])
    items = [subscription_public(sub, terms[sub.service_id], tenant.currency, now) for sub in subs]
    return items, len(rows) > limit


def subscription_of(
    session: Session, tenant: Tenant, service_id: str, now: datetime
) -> SubscriptionPublic:
    sub = _stored(session, tenant, service_id)
    changes = terms_of_service(session, tenant.id, service_id)
    return subscription_public(sub, changes, tenant.currency, now)


def _stored(session: Session, tenant: Tenant, service_id: str) -> Subscription:
    sub = session.get(Subscription, (tenant.id, service_id))
    if sub is None:
        raise NotFound(f"tenant '{tenant.id}' does not subscribe to service '{service_id}'")
    return sub


def put_terms(
    session: Session, tenant: Tenant, service_id: str, body: SubscriptionPut, change: Change
) -> tuple[SubscriptionPublic, bool]:
    """Subscribe, or change the terms from a month on; audited, a no-op when nothing
    differs in any month. Whether the service is new comes back beside it."""
    errors = _terms_errors(session, tenant.id, service_id, body, minor_units(tenant.currency))
    if errors:
        raise InvalidInput(errors)
    now = from_micros(change.at_micros)
    sub = session.get(Subscription, (tenant.id, service_id))
    old = [] if sub is None else terms_of_service(session, tenant.id, service_id)
    terms = Terms(body.policy_id, body.monthly_fee, body.users)
    # A service's first terms hold for every month unless they say from when.
    default_from = FIRST_MONTH if sub is None else utc_month(now)
    effective_from = body.effective_from or default_from
    new = with_terms(old, effective_from, terms)
    _refuse_closed_changes(session, tenant.id, old, new, body.effective_from)
    if sub is not None and new == normalized(old):
        return subscription_public(sub, old, tenant.currency, now), False
    before = None if sub is None else subscription_public(sub, old, tenant.currency, now)
    if sub is None:
        sub = Subscription(
            tenant_id=tenant.id,
            service_id=service_id,
            created_micros=change.at_micros,
            updated_micros=change.at_micros,
        )
        session.add(sub)
        session.flush()
    _store(session, sub, old, new, change)
    after = subscription_public(sub, new, tenant.currency, now)
    record(
        session,
        change,
        entity="subscription",
        entity_id=f"{tenant.id}/{service_id}",
        action="create" if before is None else "update",
        before=None if before is None else before.model_dump(),
        after=after.model_dump(),
        tenant_id=tenant.id,
    )
    return after, before is None


def end_subscription(
    session: Session,
    tenant: Tenant,
    service_id: str,
    effective_from: str | None,
    change: Change,
) -> SubscriptionPublic | None:
    """End the subscription from a month (default: the current one, UTC); later terms go
    too. None when that leaves no month in force: the service is then gone."""
    sub = _stored(session, tenant, service_id)
    now = from_micros(change.at_micros)
    if effective_from is not None:
        _check_month(["query", "effective_from"], effective_from)
    month = effective_from or utc_month(now)
    old = terms_of_service(session, tenant.id, service_id)
    new = ended(old, month)
    _refuse_closed_changes(session, tenant.id, old, new, month)
    if new == normalized(old):
        return subscription_public(sub, old, tenant.currency, now)
    before = subscription_public(sub, old, tenant.currency, now)
    _store(session, sub, old, new, change)
    after = None
    if not spans(new):
        session.delete(sub)
    else:
        after = subscription_public(sub, new, tenant.currency, now)
    record(
        session,
        change,
        entity="subscription",
        entity_id=f"{tenant.id}/{service_id}",
        action="end",
        before=before.model_dump(),
        after=None if after is None else after.model_dump(),
        tenant_id=tenant.id,
    )
    return after


def _store(
    session: Session,
    sub: Subscription,
    old: Iterable[TermsChange],
    new: list[TermsChange],
    change: Change,
) -> None:
    """Make the stored rows `new`; rows that stay as they were keep when they were set."""
    unchanged = set(old) & set(new)
    rows = session.exec(
        select(SubscriptionTerm).where(
            SubscriptionTerm.tenant_id == sub.tenant_id,
            SubscriptionTerm.service_id == sub.service_id,
        )
    ).all()
    for row in rows:
        if change_of(row) not in unchanged:
            session.delete(row)
    session.flush()
    for item in new:
        if item in unchanged:
            continue
        terms = item.terms
        session.add(
            SubscriptionTerm(
                tenant_id=sub.tenant_id,
                service_id=sub.service_id,
                effective_from=item.effective_from,
                policy_id=None if terms is None else terms.policy_id,
                monthly_fee=None if terms is None else str(terms.monthly_fee),
                users=None if terms is None else terms.users,
                created_micros=change.at_micros,
            )
        )
    sub.updated_micros = change.at_micros
    session.add(sub)
    session.flush()


def _refuse_closed_changes(
    session: Session,
    tenant_id: str,
    old: list[TermsChange],
    new: list[TermsChange],
    effective_from: str | None,
) -> None:
    """Closed months keep their terms: new terms cannot start in one, nor reach into one."""
    closed = closed_months(session, tenant_id)
    if effective_from in closed:
        raise Conflict(
            f"{effective_from} is a closed month for tenant '{tenant_id}': terms cannot "
            "change from a closed month; reopen it first"
        )
    changed = [m for m in closed if terms_in_force(old, m) != terms_in_force(new, m)]
    if changed:
        raise Conflict(
            f"this change would alter the terms of the closed month(s) {', '.join(changed)} "
            f"of tenant '{tenant_id}'; start it after {changed[-1]}, or reopen those months"
        )


def _check_month(loc: list[str | int], text: str) -> None:
    try:
        parse_month(text)
    except MonthError as error:
        raise InvalidInput([ProblemItem(loc=loc, msg=str(error))]) from error


def _terms_errors(
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
    if body.effective_from is not None:
        try:
            parse_month(body.effective_from)
        except MonthError as error:
            errors.append(ProblemItem(loc=["body", "effective_from"], msg=str(error)))
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
