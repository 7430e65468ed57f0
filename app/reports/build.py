"""One report object per request: stored windows in, the core's verdict out as text."""

from datetime import datetime
from decimal import Decimal
from fractions import Fraction

from sqlalchemy import and_, or_
from sqlmodel import Session, col, select

from app.models import Outage, Subscription, Tenant
from app.pagination import encode_cursor
from app.policies.service import find_policy
from app.reports.schemas import (
    ErrorBudgetOut,
    IncidentOut,
    PortfolioLine,
    PortfolioPage,
    ServiceLine,
    TenantReport,
)
from app.schemas import iso
from app.sla.assessment import ServiceAssessment, Window, assess_service, impact_from_users
from app.sla.money import minor_units
from app.sla.numbers import decimal_text, money_text, round_half_up, truncate
from app.sla.periods import MICROS_PER_MINUTE, Period, month_period
from app.sla.policies import Policy


def tenant_report(session: Session, tenant: Tenant, month: str, now: datetime) -> TenantReport:
    subscriptions = session.exec(
        select(Subscription)
        .where(Subscription.tenant_id == tenant.id)
        .order_by(col(Subscription.service_id))
    ).all()
    lines = [service_line(session, tenant, sub, month, now)[0] for sub in subscriptions]
    utc = month_period(month, "UTC")
    shared = {(line.period_start, line.period_end, line.measurement_timezone) for line in lines}
    if len(shared) == 1:
        period_start, period_end, zone = shared.pop()
    else:
        period_start, period_end, zone = utc.start.isoformat(), utc.end.isoformat(), "UTC"
    minor = minor_units(tenant.currency)
    total = sum((Decimal(line.credit_amount) for line in lines), Decimal(0))
    return TenantReport(
        tenant_id=tenant.id,
        month=month,
        period_start=period_start,
        period_end=period_end,
        measurement_timezone=zone,
        provisional=any(line.provisional for line in lines) or now < utc.end,
        currency=tenant.currency,
        services=lines,
        total_credit_amount=money_text(total, minor),
    )


def service_line(
    session: Session, tenant: Tenant, subscription: Subscription, month: str, now: datetime
) -> tuple[ServiceLine, Policy]:
    policy = find_policy(session, subscription.policy_id)
    # Subscribing checks the policy exists and policies are never deleted.
    assert policy is not None, subscription.policy_id
    period = month_period(month, policy.zone_for(tenant.timezone))
    outages = _windows_near(session, subscription, period, policy)
    windows = [_window(outage, subscription) for outage in outages]
    minor = minor_units(tenant.currency)
    result = assess_service(
        windows,
        policy=policy,
        month=month,
        tenant_timezone=tenant.timezone,
        monthly_fee=Decimal(subscription.monthly_fee),
        minor_units=minor,
        now=now,
    )
    line = ServiceLine(
        service_id=subscription.service_id,
        policy_id=policy.id,
        **_figures(result, policy, minor),
        incidents=_incidents(outages, result, period),
    )
    return line, policy


def _windows_near(
    session: Session, subscription: Subscription, period: Period, policy: Policy
) -> list[Outage]:
    # A minimum-run rule judges runs on the whole timeline: a run reaching into the
    # period is decided correctly by seeing at least `min_downtime` beyond each edge.
    margin = int(Fraction(policy.min_downtime_minutes) * MICROS_PER_MINUTE) + 1
    query = (
        select(Outage)
        .where(
            Outage.tenant_id == subscription.tenant_id,
            Outage.service_id == subscription.service_id,
            Outage.start_micros < period.end_micros + margin,
            or_(
                col(Outage.end_micros).is_(None),
                col(Outage.end_micros) > period.start_micros - margin,
            ),
        )
        .order_by(col(Outage.start_micros), col(Outage.id))
    )
    return list(session.exec(query).all())


def _window(outage: Outage, subscription: Subscription) -> Window:
    if outage.users_affected is not None and subscription.users:
        impact = impact_from_users(outage.users_affected, subscription.users)
    else:
        impact = Fraction(Decimal(outage.impact or "1"))
    return Window(
        start_micros=outage.start_micros,
        end_micros=outage.end_micros,
        kind="maintenance" if outage.kind == "maintenance" else "outage",
        impact=impact,
    )


def _minutes(value: Fraction) -> str:
    return decimal_text(round_half_up(value, 4))


def _figures(result: ServiceAssessment, policy: Policy, minor: int) -> dict[str, object]:
    budget = result.error_budget
    availability = (
        "100"
        if result.downtime_minutes == 0
        else decimal_text(truncate(result.availability_percent, 4))
    )
    return {
        "period_start": result.period.start.isoformat(),
        "period_end": result.period.end.isoformat(),
        "measurement_timezone": result.period.timezone,
        "period_minutes": _minutes(result.period.minutes),
        "downtime_minutes": _minutes(result.downtime_minutes),
        "excluded_minutes": _minutes(result.excluded_minutes),
        "availability_percent": availability,
        "target_percent": decimal_text(policy.target_percent),
        "met": result.met,
        "credit_percent": _optional(result.credit.percent),
        "credit_days": _optional(result.credit.days),
        "credit_amount": money_text(result.credit.amount, minor),
        "error_budget": ErrorBudgetOut(
            allowed_minutes=_minutes(budget.allowed_minutes),
            used_minutes=_minutes(budget.used_minutes),
            remaining_minutes=_minutes(budget.remaining_minutes),
            used_percent=None
            if budget.used_percent is None
            else decimal_text(round_half_up(budget.used_percent, 2)),
        ),
        "claim_deadline": result.claim_deadline.isoformat(),
        "claim_open": result.claim_open,
        "provisional": result.provisional,
    }


def _optional(value: Decimal | None) -> str | None:
    return None if value is None else decimal_text(value)


def _incidents(
    outages: list[Outage], result: ServiceAssessment, period: Period
) -> list[IncidentOut]:
    """The outage windows that reach into the period, with what each one counts for."""
    incidents = []
    for outage, counted in zip(outages, result.counted_minutes, strict=True):
        if outage.kind == "maintenance":
            continue
        end = outage.end_micros
        if outage.start_micros >= period.end_micros or (
            end is not None and end <= period.start_micros
        ):
            continue
        assert outage.id is not None
        incidents.append(
            IncidentOut(
                outage_id=outage.id,
                external_id=outage.external_id,
                title=outage.title,
                start=iso(outage.start_micros),
                end=None if end is None else iso(end),
                ongoing=end is None,
                counted_minutes=_minutes(counted),
            )
        )
    return incidents


def portfolio_page(
    session: Session, month: str, now: datetime, after: tuple[str, str] | None, limit: int
) -> PortfolioPage:
    query = select(Subscription, Tenant).where(Subscription.tenant_id == Tenant.id)
    if after is not None:
        query = query.where(
            or_(
                col(Subscription.tenant_id) > after[0],
                and_(
                    col(Subscription.tenant_id) == after[0], col(Subscription.service_id) > after[1]
                ),
            )
        )
    rows = session.exec(
        query.order_by(col(Subscription.tenant_id), col(Subscription.service_id)).limit(limit + 1)
    ).all()
    items = []
    for subscription, tenant in rows[:limit]:
        line, _ = service_line(session, tenant, subscription, month, now)
        items.append(
            PortfolioLine(
                **line.model_dump(),
                tenant_id=tenant.id,
                tenant_name=tenant.name,
                month=month,
                currency=tenant.currency,
                monthly_fee=money_text(
                    Decimal(subscription.monthly_fee), minor_units(tenant.currency)
                ),
            )
        )
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1][0]
        next_cursor = encode_cursor(last.tenant_id, last.service_id)
    return PortfolioPage(items=items, next_cursor=next_cursor)
