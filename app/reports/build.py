"""One report object per request: stored windows and the month's terms in, the core's
verdict out as text; for a closed month, the frozen figures with any adjustment.

Every function reads through the one session it is handed, whose transaction is one
snapshot (see `app.db.read_session`), so a report never mixes two states of the data.
"""

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from operator import attrgetter
from typing import Any, Protocol, TypeVar

from sqlalchemy import bindparam, or_
from sqlalchemy import select as select_columns
from sqlmodel import Session, col, select

from app.models import (
    Claim,
    ClosedMonth,
    Outage,
    SubscriptionTerm,
    Tenant,
)
from app.policies.service import find_policy
from app.reports.schemas import (
    Adjustment,
    PortfolioLine,
    ServiceLine,
    TenantReport,
)
from app.schemas import iso
from app.sla.assessment import (
    MonthRules,
    ServiceAssessment,
    Window,
    assess_rows,
    month_rules,
    window_from_row,
)
from app.sla.credits import claim_deadline_ends
from app.sla.money import minor_units
from app.sla.numbers import decimal_text, money_text
from app.sla.periods import MICROS_PER_MINUTE, Period, month_period, parse_month
from app.sla.policies import Policy
from app.sla.terms import Terms
from app.subscriptions.service import change_of_columns

# What a closed line's adjustment compares: the figures, not the incident list.
_FIGURES = (
    "downtime_minutes",
    "excluded_minutes",
    "availability_percent",
    "met",
    "credit_percent",
    "credit_days",
    "credit_amount",
    "provisional",
)


# Computing a month from the stored windows


class IncidentWindow(Protocol):
    """What the incident list reads of a stored window: an `Outage`, or a row of its
    columns (the report's or the portfolio's)."""

    @property
    def id(self) -> int | None: ...
    @property
    def kind(self) -> str: ...
    @property
    def start_micros(self) -> int: ...
    @property
    def end_micros(self) -> int | None: ...
    @property
    def impact(self) -> str | None: ...
    @property
    def users_affected(self) -> int | None: ...
    @property
    def external_id(self) -> str | None: ...
    @property
    def title(self) -> str | None: ...


class LineTenant(Protocol):
    """What a line shows of its tenant and is measured by: a `Tenant`, or a row of
    these columns."""

    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def timezone(self) -> str: ...
    @property
    def currency(self) -> str: ...


StoredRow = TypeVar("StoredRow", bound=IncidentWindow)


class StoredWindow(IncidentWindow, Protocol):
    """An outage row as the report reads it: an `Outage`, or a row of its columns."""

    @property
    def service_id(self) -> str: ...


# A report is read on every request: its statements are built once, bound by name, and
# read columns as rows, not ORM objects.
_TERMS_OF_TENANT = (
    select_columns(
        col(SubscriptionTerm.service_id),
        col(SubscriptionTerm.effective_from),
        col(SubscriptionTerm.policy_id),
        col(SubscriptionTerm.monthly_fee),
        col(SubscriptionTerm.users),
    )
    .where(col(SubscriptionTerm.tenant_id) == bindparam("tenant_id"))
    # The database's order of service ids, as every other list of a tenant's services.
    .order_by(col(SubscriptionTerm.service_id))
)
# A window's own columns, after the ids a query puts first (the portfolio's reads
# theirs too, `app.reports.batches`).
WINDOW_FIELD_COLUMNS = (
    col(Outage.kind),
    col(Outage.start_micros),
    col(Outage.end_micros),
    col(Outage.impact),
    col(Outage.users_affected),
    col(Outage.external_id),
    col(Outage.title),
)
_WINDOW_COLUMNS = (col(Outage.id), col(Outage.service_id), *WINDOW_FIELD_COLUMNS)
_WINDOWS_OF_TENANT = (
    select_columns(*_WINDOW_COLUMNS)
    .where(
        col(Outage.tenant_id) == bindparam("tenant_id"),
        col(Outage.start_micros) < bindparam("before"),
        or_(col(Outage.end_micros).is_(None), col(Outage.end_micros) > bindparam("after")),
    )
    .order_by(col(Outage.service_id), col(Outage.start_micros), col(Outage.id))
)


LineTerms = tuple[str, Terms]


def terms_in_force_of_tenant(session: Session, tenant_id: str, month: str) -> list[LineTerms]:
    """Each service with terms in force in `month`, by service id, in one query: per
    service, the latest change from `month` or before (`terms_in_force`)."""
    parse_month(month)
    latest: dict[str, tuple[str, Terms | None]] = {}
    for service_id, effective_from, policy_id, fee, users in session.connection().execute(
        _TERMS_OF_TENANT, {"tenant_id": tenant_id}
    ):
        previous = latest.get(service_id)
        if effective_from <= month and (previous is None or effective_from > previous[0]):
            change = change_of_columns(effective_from, policy_id, fee, users)
            latest[service_id] = (effective_from, change.terms)
    return [(service_id, terms) for service_id, (_, terms) in latest.items() if terms is not None]


@dataclass(frozen=True, slots=True)
class Reach:
    """Where a service's windows are read: starting before `before`, and ending after
    `after` or not yet ended (the period widened by the policy's minimum run)."""

    before: int
    after: int

    def holds(self, window: IncidentWindow) -> bool:
        end = window.end_micros
        return window.start_micros < self.before and (end is None or end > self.after)

    def among(self, windows: Iterable[StoredRow]) -> list[StoredRow]:
        """The `windows` this reach holds: `holds`, in one pass over many."""
        before, after = self.before, self.after
        return [
            window
            for window in windows
            if window.start_micros < before
            and (window.end_micros is None or window.end_micros > after)
        ]


def reach(period: Period, policy: Policy) -> Reach:
    # A minimum-run rule judges runs on the whole timeline: a run reaching into the
    # period is decided correctly by seeing at least `min_downtime` beyond each edge.
    if policy.min_downtime_minutes:
        margin = int(Fraction(policy.min_downtime_minutes) * MICROS_PER_MINUTE) + 1
    else:
        margin = 1
    return Reach(before=period.end_micros + margin, after=period.start_micros - margin)


def tenant_windows(
    session: Session, tenant_id: str, reaches: dict[str, Reach]
) -> dict[str, list[StoredWindow]]:
    """Each service's windows within its reach, by start then id: one query for all the
    tenant's services, over the widest reach, then each service's own reach applied."""
    found: dict[str, list[StoredWindow]] = {service_id: [] for service_id in reaches}
    if not reaches:
        return found
    widest = {
        "tenant_id": tenant_id,
        "before": max(each.before for each in reaches.values()),
        "after": min(each.after for each in reaches.values()),
    }
    for row in session.connection().execute(_WINDOWS_OF_TENANT, widest):
        wanted = reaches.get(row.service_id)
        if wanted is not None and wanted.holds(row):
            found[row.service_id].append(row)
    return found


def computed_report(
    session: Session, tenant: LineTenant, month: str, now: datetime
) -> TenantReport:
    """The tenant's month computed now, with the terms in force in it; never frozen."""
    in_force = terms_in_force_of_tenant(session, tenant.id, month)
    policies = _policies(session, [terms.policy_id for _, terms in in_force])
    periods = {
        service_id: month_period(month, policies[terms.policy_id].zone_for(tenant.timezone))
        for service_id, terms in in_force
    }
    reaches = {
        service_id: reach(periods[service_id], policies[terms.policy_id])
        for service_id, terms in in_force
    }
    windows = tenant_windows(session, tenant.id, reaches)
    minor = minor_units(tenant.currency)
    lines = [
        _line(
            LineInput(tenant, service_id, terms, policies[terms.policy_id], month, now, minor),
            periods[service_id],
            windows[service_id],
        )
        for service_id, terms in in_force
    ]
    utc = month_period(month, "UTC")
    shared = {(line.period_start, line.period_end, line.measurement_timezone) for line in lines}
    if len(shared) == 1:
        period_start, period_end, zone = shared.pop()
    else:
        period_start, period_end, zone = utc.start.isoformat(), utc.end.isoformat(), "UTC"
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


def _policies(session: Session, policy_ids: list[str]) -> dict[str, Policy]:
    """Each policy once, however many services follow it."""
    found: dict[str, Policy] = {}
    for policy_id in policy_ids:
        if policy_id not in found:
            policy = find_policy(session, policy_id)
            # Subscribing checks the policy exists and policies are never deleted.
            assert policy is not None, policy_id
            found[policy_id] = policy
    return found


@dataclass(frozen=True, slots=True)
class LineInput:
    """What one line is computed from, besides its period and windows."""

    tenant: LineTenant
    service_id: str
    terms: Terms
    policy: Policy
    month: str
    now: datetime
    minor_units: int


def service_line(
    session: Session, tenant: Tenant, service_id: str, terms: Terms, month: str, now: datetime
) -> ServiceLine:
    """One service's line, read on its own (the portfolio computes its lines in batches)."""
    policy = _policies(session, [terms.policy_id])[terms.policy_id]
    period = month_period(month, policy.zone_for(tenant.timezone))
    outages = windows_near(session, tenant.id, service_id, period, policy)
    given = LineInput(tenant, service_id, terms, policy, month, now, minor_units(tenant.currency))
    return _line(given, period, outages)


def _line(given: LineInput, period: Period, outages: Sequence[IncidentWindow]) -> ServiceLine:
    rules = line_rules(given.policy, given.month, given.tenant.timezone, given.now)
    return ServiceLine.model_validate(line_fields(given, rules, period, outages))


# A line as plain data: its fields as the JSON writes them, in `ServiceLine`'s order.
Plain = dict[str, Any]


@dataclass(frozen=True, slots=True)
class LineRules:
    """A policy's month as every line measured alike shows it: the core's rules, and
    the text of the figures those lines share, written once."""

    rules: MonthRules
    period_start: str
    period_end: str
    period_minutes: str
    target_percent: str
    claim_deadline: str
    allowed_minutes: str
    # Where the lines' windows are read (see `reach`).
    within: Reach


def line_rules(policy: Policy, month: str, tenant_timezone: str, now: datetime) -> LineRules:
    rules = month_rules(policy, month, tenant_timezone, now)
    period_start, period_end = _period_texts(rules.period.month, rules.period.timezone)
    return LineRules(
        rules=rules,
        period_start=period_start,
        period_end=period_end,
        period_minutes=_minutes(rules.period.minutes),
        target_percent=decimal_text(policy.target_percent),
        claim_deadline=rules.claim_deadline.isoformat(),
        allowed_minutes=_minutes(rules.allowed_minutes),
        within=reach(rules.period, policy),
    )


# A stored window's columns the core assesses (`app.sla.assessment.OutageRow`).
_core_columns = attrgetter("start_micros", "end_micros", "kind", "impact", "users_affected")


@functools.lru_cache(maxsize=1024)
def _period_texts(month: str, timezone: str) -> tuple[str, str]:
    # pendulum writes a date-time in Python code, slower than the line it goes into.
    period = month_period(month, timezone)
    return period.start.isoformat(), period.end.isoformat()


def line_fields(
    given: LineInput,
    rules: LineRules,
    period: Period,
    outages: Sequence[IncidentWindow],
    *,
    with_incidents: bool = True,
) -> Plain:
    """The line's own fields (not the ledger's: closed, adjustment, claim) as plain
    data; `rules` are `line_rules` of the line's policy, month, zone and clock. Without
    `with_incidents`, an incident has only its `external_id` (all a CSV row shows)."""
    terms, minor = given.terms, given.minor_units
    rows = list(map(_core_columns, outages))
    result = assess_rows(rules.rules, rows, terms.users, terms.monthly_fee, minor)
    downtime = _minutes(result.downtime_minutes)
    budget = result.error_budget
    credit = result.credit
    return {
        "service_id": given.service_id,
        "policy_id": given.policy.id,
        "monthly_fee": _money_text(terms.monthly_fee, minor),
        "period_start": rules.period_start,
        "period_end": rules.period_end,
        "measurement_timezone": result.period.timezone,
        "period_minutes": rules.period_minutes,
        "downtime_minutes": downtime,
        "excluded_minutes": _minutes(result.excluded_minutes),
        "availability_percent": (
            "100"
            if result.downtime_minutes.numerator == 0
            else truncated_text(result.availability_percent, 4)
        ),
        "target_percent": rules.target_percent,
        "met": result.met,
        "credit_percent": _optional(credit.percent),
        "credit_days": _optional(credit.days),
        "credit_amount": _money_text(credit.amount, minor),
        "error_budget": {
            "allowed_minutes": rules.allowed_minutes,
            "used_minutes": downtime,
            "remaining_minutes": _minutes(budget.remaining_minutes),
            "used_percent": (
                None if budget.used_percent is None else rounded_text(budget.used_percent, 2)
            ),
        },
        "claim_deadline": rules.claim_deadline,
        "claim_open": result.claim_open,
        "provisional": result.provisional,
        "incidents": _incidents(outages, result, period, with_incidents),
    }


def windows_near(
    session: Session, tenant_id: str, service_id: str, period: Period, policy: Policy
) -> list[Outage]:
    """One service's windows within its reach (see `reach`), by start then id."""
    within = reach(period, policy)
    query = (
        select(Outage)
        .where(
            Outage.tenant_id == tenant_id,
            Outage.service_id == service_id,
            Outage.start_micros < within.before,
            or_(col(Outage.end_micros).is_(None), col(Outage.end_micros) > within.after),
        )
        .order_by(col(Outage.start_micros), col(Outage.id))
    )
    return list(session.exec(query).all())


def window_of(outage: IncidentWindow, terms: Terms) -> Window:
    # users_affected is weighed against the seats of the month's terms.
    return window_from_row(
        outage.start_micros,
        outage.end_micros,
        outage.kind,
        outage.impact,
        outage.users_affected,
        terms.users,
    )


def _decimal_units_text(units: int, places: int) -> str:
    """`units` × 10^-places as `decimal_text` writes it: no trailing zeros, `0` for zero."""
    whole, fraction = divmod(abs(units), 10**places)
    sign = "-" if units < 0 else ""
    if not fraction:
        return f"{sign}{whole}"
    return f"{sign}{whole}.{fraction:0{places}d}".rstrip("0")


def rounded_text(value: Fraction, places: int) -> str:
    """`decimal_text(round_half_up(value, places))` in integer arithmetic alone: halves
    away from zero, as there. A report writes a dozen figures per line and one per
    incident, and Fraction's operators are Python code."""
    return _rounded_ratio_text(value.numerator, value.denominator, places)


def _rounded_ratio_text(numerator: int, denominator: int, places: int) -> str:
    """`rounded_text` of numerator / denominator (denominator > 0, any common factor)."""
    units = (2 * abs(numerator) * 10**places + denominator) // (2 * denominator)
    return _decimal_units_text(-units if numerator < 0 else units, places)


def truncated_text(value: Fraction, places: int) -> str:
    """`decimal_text(truncate(value, places))` in integer arithmetic: toward zero."""
    numerator, denominator = value.numerator, value.denominator
    units = abs(numerator) * 10**places // denominator
    return _decimal_units_text(-units if numerator < 0 else units, places)


def _minutes(value: Fraction) -> str:
    return rounded_text(value, 4)


def _counted_text(micros: int | Fraction) -> str:
    """Microseconds a window counts for, as minutes' text."""
    if isinstance(micros, int):
        return _whole_micros_text(micros)
    return _minutes(micros / MICROS_PER_MINUTE)


@functools.lru_cache(maxsize=8192)
def _whole_micros_text(micros: int) -> str:
    # Most windows last whole minutes or seconds: a few thousand values between them.
    return _rounded_ratio_text(micros, MICROS_PER_MINUTE, 4)


@functools.lru_cache(maxsize=1024)
def _money_text(value: Decimal, minor: int) -> str:
    # A handful of fees and credits per currency, over and over.
    return money_text(value, minor)


def _optional(value: Decimal | None) -> str | None:
    return None if value is None else _decimal_text(value)


_decimal_text = functools.lru_cache(maxsize=256)(decimal_text)  # a few tiers' values


def _incidents(
    outages: Sequence[IncidentWindow],
    result: ServiceAssessment,
    period: Period,
    in_full: bool = True,
) -> list[Plain]:
    """The outage windows that reach into the period, with what each one counts for, as
    `IncidentOut`'s fields; or, not `in_full`, only their `external_id`."""
    incidents: list[Plain] = []
    for outage, counted in zip(outages, result.counted_micros, strict=True):
        if outage.kind == "maintenance":
            continue
        end = outage.end_micros
        if outage.start_micros >= period.end_micros or (
            end is not None and end <= period.start_micros
        ):
            continue
        assert outage.id is not None
        if not in_full:
            incidents.append({"external_id": outage.external_id})
            continue
        incidents.append(
            {
                "outage_id": outage.id,
                "external_id": outage.external_id,
                "title": outage.title,
                "start": iso(outage.start_micros),
                "end": None if end is None else iso(end),
                "ongoing": end is None,
                "counted_minutes": _counted_text(counted),
            }
        )
    return incidents


# The ledger's view: closed months frozen, with adjustments, and each line's claim


class FrozenMonth(Protocol):
    """A closed month as a report reads it: a `ClosedMonth`, or a row of its columns."""

    @property
    def report_json(self) -> str: ...
    @property
    def closed_micros(self) -> int: ...
    @property
    def closed_by(self) -> str: ...


class ClaimMark(Protocol):
    """What a line shows of its claim: a `Claim`, or a row of these columns."""

    @property
    def id(self) -> int | None: ...
    @property
    def status(self) -> str: ...


_CLOSED_MONTH = select_columns(
    col(ClosedMonth.report_json), col(ClosedMonth.closed_micros), col(ClosedMonth.closed_by)
).where(
    col(ClosedMonth.tenant_id) == bindparam("tenant_id"),
    col(ClosedMonth.month) == bindparam("month"),
)
_CLAIMS_OF_MONTH = (
    select_columns(col(Claim.service_id), col(Claim.id), col(Claim.status))
    .where(col(Claim.tenant_id) == bindparam("tenant_id"), col(Claim.month) == bindparam("month"))
    .order_by(col(Claim.id))
)


def tenant_report(session: Session, tenant: LineTenant, month: str, now: datetime) -> TenantReport:
    """The report as finance reads it: computed, or frozen if the month is closed (with
    what has changed since), and each line's claim."""
    live = computed_report(session, tenant, month, now)
    keys = {"tenant_id": tenant.id, "month": month}
    connection = session.connection()
    # The latest claim of each line wins: they come oldest first.
    claims: dict[str, ClaimMark] = {
        row.service_id: row for row in connection.execute(_CLAIMS_OF_MONTH, keys)
    }
    closed = connection.execute(_CLOSED_MONTH, keys).first()
    if closed is None:
        for line in live.services:
            _note_claim(line, claims.get(line.service_id))
        return live
    report = frozen_report(closed)
    recomputed = {line.service_id: line for line in live.services}
    minor = minor_units(tenant.currency)
    delta = Decimal(0)
    for line in report.services:
        _reopen_for_reading(line, recomputed.get(line.service_id), minor, now)
        _note_claim(line, claims.get(line.service_id))
        if line.adjustment is not None:
            delta += Decimal(line.adjustment.credit_delta)
    report.closed = True
    report.closed_at = iso(closed.closed_micros)
    report.closed_by = closed.closed_by
    report.total_credit_delta = money_text(delta, minor)
    return report


def frozen_report(closed: FrozenMonth) -> TenantReport:
    return TenantReport.model_validate_json(closed.report_json)


def _reopen_for_reading(
    line: ServiceLine, recomputed: ServiceLine | None, minor: int, now: datetime
) -> None:
    """A frozen line as read now: still frozen, with its adjustment and claim window."""
    line.closed = True
    line.adjustment = adjustment(line, recomputed, minor)
    # Whether a claim may still be made is a matter of today's date, not a figure.
    ends = claim_deadline_ends(
        datetime.fromisoformat(line.claim_deadline).date(), line.measurement_timezone
    )
    line.claim_open = now < ends


def adjustment(
    closed: ServiceLine, recomputed: ServiceLine | None, minor: int
) -> Adjustment | None:
    """The recomputed figures and `recomputed − closed` credit, if any figure differs.

    `recomputed` is None only if the line's service is no longer in force that month,
    which the API prevents (terms of a closed month cannot change).
    """
    if recomputed is None or all(
        getattr(closed, name) == getattr(recomputed, name) for name in _FIGURES
    ):
        return None
    delta = Decimal(recomputed.credit_amount) - Decimal(closed.credit_amount)
    return Adjustment(
        downtime_minutes=recomputed.downtime_minutes,
        excluded_minutes=recomputed.excluded_minutes,
        availability_percent=recomputed.availability_percent,
        met=recomputed.met,
        credit_percent=recomputed.credit_percent,
        credit_days=recomputed.credit_days,
        credit_amount=recomputed.credit_amount,
        credit_delta=money_text(delta, minor),
        provisional=recomputed.provisional,
    )


def latest_claims(
    session: Session, month: str, tenant_id: str | None = None, service_id: str | None = None
) -> dict[tuple[str, str], Claim]:
    """Each line's latest claim for the month, by (tenant id, service id)."""
    query = select(Claim).where(Claim.month == month)
    if tenant_id is not None:
        query = query.where(Claim.tenant_id == tenant_id)
    if service_id is not None:
        query = query.where(Claim.service_id == service_id)
    found: dict[tuple[str, str], Claim] = {}
    for claim in session.exec(query.order_by(col(Claim.id))):
        found[(claim.tenant_id, claim.service_id)] = claim
    return found


def _note_claim(line: ServiceLine, claim: ClaimMark | None) -> None:
    if claim is not None:
        line.claim_id = claim.id
        line.claim_status = claim.status  # type: ignore[assignment]


# One line of one month, as the portfolio and a service's history show it


def portfolio_line(
    tenant: LineTenant,
    month: str,
    live: ServiceLine,
    closed: "ClosedLines | None",
    claim: Claim | None,
    now: datetime,
) -> PortfolioLine:
    """The line as finance reads it: the frozen one if its month is closed (with its
    adjustment against `live`), else `live`; with its latest claim."""
    shown = live
    closed_at = closed_by = None
    if closed is not None and live.service_id in closed.lines:
        shown = closed.lines[live.service_id].model_copy(deep=True)
        _reopen_for_reading(shown, live, minor_units(tenant.currency), now)
        closed_at, closed_by = iso(closed.row.closed_micros), closed.row.closed_by
    _note_claim(shown, claim)
    # The line's own fields as they are (nested models are not validated again).
    fields = {name: getattr(shown, name) for name in ServiceLine.model_fields}
    return PortfolioLine(
        **fields,
        tenant_id=tenant.id,
        tenant_name=tenant.name,
        month=month,
        currency=tenant.currency,
        closed_at=closed_at,
        closed_by=closed_by,
    )


def plain_portfolio_line(
    tenant: LineTenant,
    month: str,
    live: Plain,
    closed: "ClosedLines | None",
    claim: Claim | None,
    now: datetime,
) -> Plain:
    """`portfolio_line` as plain data (`PortfolioLine`'s fields in its order), from the
    live line's `line_fields`: an open month's line is written straight from them
    (`live` becomes it)."""
    if closed is not None and live["service_id"] in closed.lines:
        # A closed line (a few in a month) is compared with its frozen one as a model;
        # it shows the frozen incidents, not these.
        shown = ServiceLine.model_validate({**live, "incidents": []})
        return portfolio_line(tenant, month, shown, closed, claim, now).model_dump()
    # The ledger's fields and the portfolio's, after the line's own, in the model's order.
    live["closed"] = False
    live["adjustment"] = None
    live["claim_id"] = None if claim is None else claim.id
    live["claim_status"] = None if claim is None else claim.status
    live["tenant_id"] = tenant.id
    live["tenant_name"] = tenant.name
    live["month"] = month
    live["currency"] = tenant.currency
    live["closed_at"] = None
    live["closed_by"] = None
    return live


@dataclass(frozen=True, slots=True)
class ClosedLines:
    """A tenant's closed month: the row, and its frozen lines by service id."""

    row: ClosedMonth
    lines: dict[str, ServiceLine]

    @classmethod
    def of(cls, row: ClosedMonth) -> "ClosedLines":
        return cls(row, {line.service_id: line for line in frozen_report(row).services})


@dataclass(slots=True)
class LineReader:
    """Reads lines of one month across tenants, each closed month parsed once."""

    session: Session
    month: str
    now: datetime
    # Where the lines read are known to be of one tenant (or service), claims of others
    # need not be read.
    tenant_id: str | None = None
    service_id: str | None = None
    _closed: dict[str, ClosedLines | None] = field(default_factory=dict)
    _claims: dict[tuple[str, str], Claim] | None = None

    def line(self, tenant: Tenant, service_id: str, terms: Terms) -> PortfolioLine:
        live = service_line(self.session, tenant, service_id, terms, self.month, self.now)
        closed = self._closed_month(tenant.id)
        claim = self._claim(tenant.id, service_id)
        return portfolio_line(tenant, self.month, live, closed, claim, self.now)

    def _closed_month(self, tenant_id: str) -> ClosedLines | None:
        if tenant_id not in self._closed:
            row = self.session.get(ClosedMonth, (tenant_id, self.month))
            self._closed[tenant_id] = None if row is None else ClosedLines.of(row)
        return self._closed[tenant_id]

    def _claim(self, tenant_id: str, service_id: str) -> Claim | None:
        if self._claims is None:
            self._claims = latest_claims(self.session, self.month, self.tenant_id, self.service_id)
        return self._claims.get((tenant_id, service_id))
