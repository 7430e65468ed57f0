"""The ledger: closing and reopening months, claims, a service's months, a month's summary.

Closing freezes the tenant's report as computed; what changes afterwards shows only as
adjustments (`app.reports.build`). A claim is made on one line of a closed month with a
credit and moves draft → filed → granted or denied (or withdrawn before a decision);
every close, reopen and move is audited in the change's own transaction.
"""

import csv
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import delete
from sqlmodel import Session, col, func, select

from app.audit.service import Change, record
from app.errors import Conflict, InvalidInput, NotFound, ProblemItem, invalid
from app.ledger import events
from app.ledger.schemas import (
    ClaimCounts,
    ClaimCreate,
    ClaimPatch,
    ClaimPublic,
    CurrencyTotal,
    HistoryMonth,
    MonthSummary,
)
from app.models import AdjustmentNotice, Claim, ClosedMonth, Tenant
from app.reports.build import (
    LineReader,
    computed_report,
    frozen_report,
    tenant_report,
)
from app.reports.portfolio import LineFilter, csv_row_batches
from app.reports.render import CSV_COLUMNS
from app.reports.schemas import TenantReport
from app.schemas import iso
from app.sla.credits import claim_deadline_ends
from app.sla.money import minor_units
from app.sla.numbers import money_text
from app.sla.periods import (
    MonthError,
    from_micros,
    month_at,
    month_index,
    month_period,
    parse_month,
)
from app.sla.terms import terms_in_force
from app.subscriptions.service import terms_of_service

# Claims whose line the provider may still pay on, or has: they hold the month closed.
LIVE = ("draft", "filed", "granted")
# What each status may become.
MOVES: dict[str, tuple[str, ...]] = {
    "draft": ("filed", "withdrawn"),
    "filed": ("granted", "denied", "withdrawn"),
}
# The audit action of each move.
ACTIONS = {"filed": "file", "granted": "grant", "denied": "deny", "withdrawn": "withdraw"}


# Closing and reopening


def close_month(
    session: Session, tenant: Tenant, month: str, change: Change, now: datetime
) -> TenantReport:
    """Freeze the tenant's report as computed now; 409 if provisional or already closed."""
    closed = session.get(ClosedMonth, (tenant.id, month))
    if closed is not None:
        raise Conflict(
            f"{month} of tenant '{tenant.id}' was closed at {iso(closed.closed_micros)} "
            f"by key '{closed.closed_by}'"
        )
    report = computed_report(session, tenant, month, now)
    if report.provisional:
        raise Conflict(f"{month} of tenant '{tenant.id}' is provisional: {_why(report, now)}")
    row = ClosedMonth(
        tenant_id=tenant.id,
        month=month,
        report_json=report.model_dump_json(),
        closed_micros=change.at_micros,
        closed_by=change.actor_key_id,
    )
    session.add(row)
    session.flush()
    record(
        session,
        change,
        entity="month",
        entity_id=f"{tenant.id}/{month}",
        action="close",
        before=None,
        after=_closed_summary(row, report),
        tenant_id=tenant.id,
    )
    # Adjustments are announced against this close's figures, not an earlier one's.
    session.execute(
        delete(AdjustmentNotice).where(
            col(AdjustmentNotice.tenant_id) == tenant.id, col(AdjustmentNotice.month) == month
        )
    )
    events.month_closed(session, report, change.at_micros)
    return tenant_report(session, tenant, month, now)


def _why(report: TenantReport, now: datetime) -> str:
    ongoing = [
        incident.external_id or str(incident.outage_id)
        for line in report.services
        for incident in line.incidents
        if incident.ongoing
    ]
    if ongoing:
        return f"outage windows still ongoing: {', '.join(ongoing)}"
    ends = max(
        [month_period(report.month, "UTC").end]
        + [datetime.fromisoformat(line.period_end) for line in report.services]
    )
    return f"the month is not over until {ends.isoformat()} (now {now.isoformat()})"


def _closed_summary(row: ClosedMonth, report: TenantReport) -> dict[str, Any]:
    return {
        "tenant_id": row.tenant_id,
        "month": row.month,
        "closed_at": iso(row.closed_micros),
        "closed_by": row.closed_by,
        "total_credit_amount": report.total_credit_amount,
        "services": [
            {"service_id": line.service_id, "credit_amount": line.credit_amount}
            for line in report.services
        ],
    }


def reopen_month(session: Session, tenant: Tenant, month: str, change: Change) -> None:
    """Unfreeze a closed month (admins); refused while a claim stands on its figures."""
    closed = session.get(ClosedMonth, (tenant.id, month))
    if closed is None:
        raise NotFound(f"{month} of tenant '{tenant.id}' is not closed")
    standing = session.exec(
        select(Claim).where(
            Claim.tenant_id == tenant.id, Claim.month == month, col(Claim.status).in_(LIVE)
        )
    ).all()
    if standing:
        listed = ", ".join(f"{claim.id} ({claim.status})" for claim in standing)
        raise Conflict(
            f"{month} of tenant '{tenant.id}' has claims made on its closed figures: "
            f"{listed}; only a month whose claims are all denied or withdrawn can reopen"
        )
    summary = _closed_summary(closed, frozen_report(closed))
    session.delete(closed)
    record(
        session,
        change,
        entity="month",
        entity_id=f"{tenant.id}/{month}",
        action="reopen",
        before=summary,
        after=None,
        tenant_id=tenant.id,
    )


# Claims


def claim_public(claim: Claim, currency: str) -> ClaimPublic:
    assert claim.id is not None
    return ClaimPublic(
        id=claim.id,
        tenant_id=claim.tenant_id,
        service_id=claim.service_id,
        month=claim.month,
        status=claim.status,
        currency=currency,
        credit_amount=claim.credit_amount,
        claim_deadline=claim.claim_deadline,
        measurement_timezone=claim.measurement_timezone,
        provider_reference=claim.provider_reference,
        credited_amount=claim.credited_amount,
        reason=claim.reason,
        created_at=iso(claim.created_micros),
        updated_at=iso(claim.updated_micros),
        filed_at=None if claim.filed_micros is None else iso(claim.filed_micros),
        decided_at=None if claim.decided_micros is None else iso(claim.decided_micros),
    )


def create_claim(
    session: Session, tenant: Tenant, body: ClaimCreate, change: Change
) -> ClaimPublic:
    """A draft claim for a line of a closed month whose closed credit is above zero."""
    try:
        parse_month(body.month)
    except MonthError as error:
        raise invalid(["body", "month"], str(error)) from error
    closed = session.get(ClosedMonth, (tenant.id, body.month))
    if closed is None:
        raise Conflict(
            f"{body.month} of tenant '{tenant.id}' is not closed: a claim is made on the "
            "figures of a closed month; close it first"
        )
    lines = {line.service_id: line for line in frozen_report(closed).services}
    line = lines.get(body.service_id)
    if line is None:
        raise invalid(
            ["body", "service_id"],
            f"'{body.service_id}' has no line in the closed {body.month} of tenant "
            f"'{tenant.id}' (its lines: {', '.join(sorted(lines)) or 'none'})",
        )
    if Decimal(line.credit_amount) <= 0:
        raise Conflict(
            f"the closed {body.month} line of '{body.service_id}' has no credit "
            f"({line.credit_amount} {tenant.currency}): there is nothing to claim"
        )
    _refuse_after_deadline(line.claim_deadline, line.measurement_timezone, change)
    standing = session.exec(
        select(Claim).where(
            Claim.tenant_id == tenant.id,
            Claim.month == body.month,
            Claim.service_id == body.service_id,
            Claim.status != "withdrawn",
        )
    ).first()
    if standing is not None:
        raise Conflict(
            f"claim {standing.id} ({standing.status}) already stands for the {body.month} "
            f"line of '{body.service_id}'"
        )
    claim = Claim(
        tenant_id=tenant.id,
        service_id=body.service_id,
        month=body.month,
        status="draft",
        credit_amount=line.credit_amount,
        claim_deadline=line.claim_deadline,
        measurement_timezone=line.measurement_timezone,
        created_micros=change.at_micros,
        updated_micros=change.at_micros,
    )
    session.add(claim)
    session.flush()
    public = claim_public(claim, tenant.currency)
    _audit_claim(session, claim, "create", None, public, change)
    return public


def move_claim(
    session: Session, tenant: Tenant, claim_id: int, body: ClaimPatch, change: Change
) -> ClaimPublic:
    claim = session.get(Claim, claim_id)
    if claim is None or claim.tenant_id != tenant.id:
        raise NotFound(f"claim {claim_id} does not exist for tenant '{tenant.id}'")
    _check_move_fields(body, minor_units(tenant.currency))
    if body.status not in MOVES.get(claim.status, ()):
        allowed = MOVES.get(claim.status, ())
        raise Conflict(
            f"claim {claim_id} is {claim.status}: it cannot become {body.status}"
            + (f" (only {' or '.join(allowed)})" if allowed else " (that is final)")
        )
    if body.status == "filed":
        _refuse_after_deadline(claim.claim_deadline, claim.measurement_timezone, change)
    before = claim_public(claim, tenant.currency)
    claim.status = body.status
    claim.updated_micros = change.at_micros
    if body.status == "filed":
        claim.provider_reference = body.provider_reference
        claim.filed_micros = change.at_micros
    else:
        claim.decided_micros = change.at_micros
        if body.status == "granted":
            assert body.credited_amount is not None
            claim.credited_amount = money_text(body.credited_amount, minor_units(tenant.currency))
        else:
            claim.reason = body.reason
    session.add(claim)
    session.flush()
    after = claim_public(claim, tenant.currency)
    _audit_claim(session, claim, ACTIONS[body.status], before, after, change)
    return after


def _check_move_fields(body: ClaimPatch, minor: int) -> None:
    """Each target status takes its own field and no other (`reason` also for a withdrawal)."""
    needs = {"filed": "provider_reference", "granted": "credited_amount", "denied": "reason"}
    allowed = {"withdrawn": "reason"}
    wanted = needs.get(body.status)
    errors = []
    for name in ("provider_reference", "credited_amount", "reason"):
        given = getattr(body, name) is not None
        if name == wanted and not given:
            errors.append(ProblemItem(loc=["body", name], msg=f"required to make it {body.status}"))
        elif given and name not in (wanted, allowed.get(body.status)):
            errors.append(
                ProblemItem(loc=["body", name], msg=f"not taken when it becomes {body.status}")
            )
    amount = body.credited_amount
    if amount is not None and (amount <= 0 or amount.as_tuple().exponent < -minor):  # type: ignore[operator]
        errors.append(
            ProblemItem(
                loc=["body", "credited_amount"],
                msg=f"'{amount}' must be > 0 with at most {minor} decimal places for this "
                "currency (a claim credited nothing is denied)",
            )
        )
    if errors:
        raise InvalidInput(errors)


def _refuse_after_deadline(deadline: str, zone: str, change: Change) -> None:
    ends = claim_deadline_ends(datetime.fromisoformat(deadline).date(), zone)
    if from_micros(change.at_micros) >= ends:
        raise Conflict(
            f"the claim deadline {deadline} ({zone}) ended at {ends.isoformat()}: "
            "the claim can no longer be filed"
        )


def _audit_claim(
    session: Session,
    claim: Claim,
    action: str,
    before: ClaimPublic | None,
    after: ClaimPublic,
    change: Change,
) -> None:
    assert claim.id is not None
    record(
        session,
        change,
        entity="claim",
        entity_id=str(claim.id),
        action=action,
        before=None if before is None else before.model_dump(),
        after=after.model_dump(),
        tenant_id=claim.tenant_id,
    )
    events.claim_changed(session, after, change.at_micros)


@dataclass(frozen=True, slots=True)
class ClaimFilter:
    status: str | None = None
    month: str | None = None
    tenant_id: str | None = None


def claims_page(
    session: Session, where: ClaimFilter, after_id: int | None, limit: int
) -> tuple[list[ClaimPublic], bool]:
    """Claims oldest first after `after_id`, and whether more follow."""
    query = select(Claim, Tenant.currency).where(Claim.tenant_id == Tenant.id)
    for column, value in (
        (Claim.status, where.status),
        (Claim.month, where.month),
        (Claim.tenant_id, where.tenant_id),
    ):
        if value is not None:
            query = query.where(column == value)
    if after_id is not None:
        query = query.where(col(Claim.id) > after_id)
    rows = session.exec(query.order_by(col(Claim.id)).limit(limit + 1)).all()
    return [claim_public(claim, currency) for claim, currency in rows[:limit]], len(rows) > limit


# A service's months


def service_history(
    session: Session,
    tenant: Tenant,
    service_id: str,
    first: str,
    last: str,
    after: str | None,
    limit: int,
    now: datetime,
) -> tuple[list[HistoryMonth], bool]:
    """The months from `first` to `last` in which the service had terms, oldest first,
    after the `after` month; frozen where closed. 404 for a service never subscribed."""
    changes = terms_of_service(session, tenant.id, service_id)
    if not changes:
        raise NotFound(f"tenant '{tenant.id}' does not subscribe to service '{service_id}'")
    start = month_index(first) if after is None else max(month_index(first), month_index(after) + 1)
    items: list[HistoryMonth] = []
    for index in range(start, month_index(last) + 1):
        month = month_at(index)
        terms = terms_in_force(changes, month)
        if terms is None:
            continue
        reader = LineReader(session, month, now, tenant_id=tenant.id, service_id=service_id)
        line = reader.line(tenant, service_id, terms)
        items.append(HistoryMonth(**line.model_dump(include=set(HistoryMonth.model_fields))))
        if len(items) > limit:
            break
    return items[:limit], len(items) > limit


# A month's summary


def month_summary(session: Session, month: str, now: datetime) -> MonthSummary:
    """The month's lines summed: its CSV's rows (`csv_row_batches`), read back, so the
    summary and the CSV never disagree, and a line stored once computed (see
    docs/reports.md, "Stored portfolio lines") is not computed again for it."""
    counts: Counter[str] = Counter()
    totals: dict[str, list[Decimal]] = {}
    lines_per_currency: Counter[str] = Counter()
    unclaimed_lines = 0
    for line in _csv_lines(session, month, now):
        counts["lines"] += 1
        counts["met" if line["met"] == "true" else "missed"] += 1
        counts["provisional"] += line["provisional"] == "true"
        counts["closed"] += line["closed"] == "true"
        currency, credit = line["currency"], Decimal(line["credit_amount"])
        amount, delta = totals.setdefault(currency, [Decimal(0), Decimal(0)])
        totals[currency] = [amount + credit, delta + Decimal(line["credit_delta"] or 0)]
        lines_per_currency[currency] += 1
        unclaimed = line["claim_status"] in ("", "withdrawn")
        unclaimed_lines += credit > 0 and line["claim_open"] == "true" and unclaimed
    by_status = dict(
        session.exec(
            select(Claim.status, func.count()).where(Claim.month == month).group_by(Claim.status)
        ).all()
    )
    claims = ClaimCounts(**by_status)
    return MonthSummary(
        month=month,
        lines=counts["lines"],
        met=counts["met"],
        missed=counts["missed"],
        provisional=counts["provisional"],
        closed=counts["closed"],
        credit_totals=[
            CurrencyTotal(
                currency=currency,
                lines=lines_per_currency[currency],
                credit_amount=money_text(amount, minor_units(currency)),
                credit_delta=money_text(delta, minor_units(currency)),
            )
            for currency, (amount, delta) in sorted(totals.items())
        ],
        claims=claims,
        open_claims=claims.draft + claims.filed,
        unclaimed_lines=unclaimed_lines,
    )


def _csv_lines(session: Session, month: str, now: datetime) -> Iterator[dict[str, str]]:
    """Every line of the month as its CSV row's cells, by column name."""
    for rows in csv_row_batches(session, month, now, LineFilter()):
        for cells in csv.reader(rows):
            yield dict(zip(CSV_COLUMNS, cells, strict=True))
