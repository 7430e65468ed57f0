"""What the ledger tells finance systems: the webhook events of closes, claims,
adjustments and near deadlines, each written to the outbox in the change's own
transaction (`app.webhooks.service.emit`)."""

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

from sqlmodel import Session, col, select

from app.ledger.schemas import ClaimPublic
from app.models import AdjustmentNotice, Claim, ClosedMonth, Tenant
from app.reports.build import frozen_report, tenant_report
from app.reports.schemas import TenantReport
from app.sla.periods import from_micros, to_micros
from app.webhooks.deadlines import DeadlineCandidate
from app.webhooks.service import emit

_DAY_MICROS = 86_400_000_000
# Claims that answer a line's credit: a line with one of these is not "unclaimed".
FILED = ("filed", "granted", "denied")


def month_closed(session: Session, report: TenantReport, now_micros: int) -> None:
    lines = [
        {
            "service_id": line.service_id,
            "availability_percent": line.availability_percent,
            "credit_amount": line.credit_amount,
            "currency": report.currency,
            "claim_deadline": line.claim_deadline,
        }
        for line in report.services
    ]
    emit(
        session,
        "month.closed",
        report.tenant_id,
        {"month": report.month, "lines": lines},
        now_micros,
    )


def claim_changed(session: Session, claim: ClaimPublic, now_micros: int) -> None:
    data: dict[str, object] = {
        "claim_id": str(claim.id),
        "service_id": claim.service_id,
        "month": claim.month,
        "status": claim.status,
        "currency": claim.currency,
    }
    if claim.provider_reference is not None:
        data["provider_reference"] = claim.provider_reference
    if claim.credited_amount is not None:
        data["credited_amount"] = claim.credited_amount
    emit(session, "claim.changed", claim.tenant_id, data, now_micros)


Span = tuple[int, int | None]


def windows_changed(session: Session, tenant: Tenant, spans: Iterable[Span], now: datetime) -> None:
    """Announce the adjustments that windows changed over these spans (start, end or None
    for ongoing, in epoch microseconds) made appear in closed months."""
    now_micros = to_micros(now)
    first = last = None
    for start, end in spans:
        stop = now_micros if end is None else end
        first = start if first is None else min(first, start)
        last = stop if last is None else max(last, stop)
    if first is not None and last is not None:
        adjustments_after_a_change(session, tenant, first, last, now)


def adjustments_after_a_change(
    session: Session, tenant: Tenant, first_micros: int, last_micros: int, now: datetime
) -> None:
    """After windows between the two instants changed, announce each closed line of those
    months whose recomputed credit now differs from the last one announced (or from the
    closed one); a change that moves nothing announces nothing."""
    # A month a day either side: the changed windows may count in a month measured in
    # another zone than UTC, or as part of a minimum run reaching across its edge.
    first_month = _month_of(first_micros - _DAY_MICROS)
    last_month = _month_of(last_micros + _DAY_MICROS)
    closed = session.exec(
        select(ClosedMonth.month).where(
            ClosedMonth.tenant_id == tenant.id,
            col(ClosedMonth.month) >= first_month,
            col(ClosedMonth.month) <= last_month,
        )
    ).all()
    for month in closed:
        report = tenant_report(session, tenant, month, now)
        for line in report.services:
            delta = line.adjustment.credit_delta if line.adjustment is not None else "0"
            notice = session.get(AdjustmentNotice, (tenant.id, month, line.service_id))
            announced = notice.credit_delta if notice is not None else "0"
            if line.adjustment is None or Decimal(delta) == Decimal(announced):
                continue
            emit(
                session,
                "adjustment.appeared",
                tenant.id,
                {
                    "service_id": line.service_id,
                    "month": month,
                    "credit_delta": delta,
                    "downtime_minutes": line.adjustment.downtime_minutes,
                    "availability_percent": line.adjustment.availability_percent,
                    "credit_amount": line.adjustment.credit_amount,
                    "currency": report.currency,
                },
                to_micros(now),
            )
            session.merge(
                AdjustmentNotice(
                    tenant_id=tenant.id, month=month, service_id=line.service_id, credit_delta=delta
                )
            )


def _month_of(micros: int) -> str:
    instant = from_micros(micros)
    return f"{instant.year:04d}-{instant.month:02d}"


def unclaimed_credits(session: Session, first: date, last: date) -> list[DeadlineCandidate]:
    """Closed lines with a credit, a claim deadline between the two dates, and no claim
    filed (a draft does not count): what `claim.deadline_near` warns about."""
    answered = {
        (claim.tenant_id, claim.month, claim.service_id)
        for claim in session.exec(select(Claim).where(col(Claim.status).in_(FILED)))
    }
    found = []
    for closed in session.exec(select(ClosedMonth)):
        report = frozen_report(closed)
        for line in report.services:
            deadline = date.fromisoformat(line.claim_deadline)
            key = (closed.tenant_id, closed.month, line.service_id)
            if (
                first <= deadline <= last
                and Decimal(line.credit_amount) > 0
                and key not in answered
            ):
                found.append(
                    DeadlineCandidate(
                        tenant_id=closed.tenant_id,
                        service_id=line.service_id,
                        month=closed.month,
                        claim_deadline=deadline,
                        credit_amount=line.credit_amount,
                        currency=report.currency,
                    )
                )
    return found
