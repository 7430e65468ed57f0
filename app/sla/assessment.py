"""A service's month: downtime, availability, error budget, credit and claim."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Literal

from app.sla.credits import Credit, claim_deadline, claim_is_open, credit_for
from app.sla.periods import MICROS_PER_MINUTE, Period, month_period, to_micros
from app.sla.policies import Policy
from app.sla.windows import (
    FULL,
    Span,
    clip_windows,
    covered_length,
    drop_short_runs,
    merge_windows,
    subtract_windows,
    weighted_length,
)

WindowKind = Literal["outage", "maintenance"]


@dataclass(frozen=True, slots=True)
class Window:
    """An incident or maintenance window; `end` None means it is still going on."""

    start: datetime
    end: datetime | None = None
    kind: WindowKind = "outage"
    impact: Fraction = FULL


def impact_from_users(users_affected: int, seats: int) -> Fraction:
    """Microsoft's user-minutes: the share of seats affected, at most all of them."""
    if seats <= 0:
        raise ValueError(f"a service needs users (seats) > 0 to weigh users_affected, got {seats}")
    return min(Fraction(users_affected, seats), FULL)


@dataclass(frozen=True, slots=True)
class Downtime:
    minutes: Fraction
    excluded_minutes: Fraction
    # The counted timeline inside the period, for attributing minutes to windows.
    counted: list[Span]
    ongoing: bool


def measure_downtime(
    windows: Sequence[Window],
    period: Period,
    *,
    exclude_maintenance: bool,
    min_downtime_minutes: Decimal,
    now: datetime,
) -> Downtime:
    """SLA-RULES "Downtime", steps 1 to 6, on the exact microsecond timeline."""
    now_micros = to_micros(now)
    outages: list[Span] = []
    maintenance: list[Span] = []
    ongoing = False
    for window in windows:
        span = _span(window, now_micros)
        if window.kind == "maintenance":
            maintenance.append(span)
            continue
        outages.append(span)
        if window.end is None and span[0] < period.end_micros:
            ongoing = True
    timeline = merge_windows(outages)
    start, end = period.start_micros, period.end_micros
    excluded = Fraction(0)
    if exclude_maintenance and maintenance:
        holes = merge_windows((s, e, FULL) for s, e, _ in maintenance)
        before = weighted_length(clip_windows(timeline, start, end))
        timeline = subtract_windows(timeline, holes)
        excluded = before - weighted_length(clip_windows(timeline, start, end))
    min_length = Fraction(min_downtime_minutes) * MICROS_PER_MINUTE
    timeline = drop_short_runs(timeline, _ceil(min_length))
    counted = clip_windows(timeline, start, end)
    return Downtime(
        minutes=weighted_length(counted) / MICROS_PER_MINUTE,
        excluded_minutes=excluded / MICROS_PER_MINUTE,
        counted=counted,
        ongoing=ongoing,
    )


def _span(window: Window, now_micros: int) -> Span:
    start = to_micros(window.start)
    end = now_micros if window.end is None else to_micros(window.end)
    return (start, max(start, end), window.impact)


def _ceil(value: Fraction) -> int:
    return -(-value.numerator // value.denominator)


def counted_minutes(window: Window, downtime: Downtime, now: datetime) -> Fraction:
    """What one window contributes after clipping, exclusion and the minimum-run rule.

    Overlapping windows each show the shared time, so these may sum past the downtime.
    """
    if window.kind == "maintenance":
        return Fraction(0)
    start, end, impact = _span(window, to_micros(now))
    starts = [span[0] for span in downtime.counted]
    return covered_length(start, end, downtime.counted, starts) * impact / MICROS_PER_MINUTE


def availability_percent(period_minutes: Fraction, downtime_minutes: Fraction) -> Fraction:
    return (period_minutes - downtime_minutes) / period_minutes * 100


@dataclass(frozen=True, slots=True)
class ErrorBudget:
    allowed_minutes: Fraction
    used_minutes: Fraction
    remaining_minutes: Fraction
    # None when the target is 100 %: no budget, so no share of it can be used.
    used_percent: Fraction | None


def error_budget(
    period_minutes: Fraction, downtime_minutes: Fraction, target: Decimal
) -> ErrorBudget:
    allowed = period_minutes * (1 - Fraction(target) / 100)
    return ErrorBudget(
        allowed_minutes=allowed,
        used_minutes=downtime_minutes,
        remaining_minutes=allowed - downtime_minutes,
        used_percent=downtime_minutes / allowed * 100 if allowed else None,
    )


@dataclass(frozen=True, slots=True)
class ServiceAssessment:
    period: Period
    downtime_minutes: Fraction
    excluded_minutes: Fraction
    availability_percent: Fraction
    met: bool
    credit: Credit
    error_budget: ErrorBudget
    claim_deadline: date
    claim_open: bool
    provisional: bool
    # One entry per input window, in input order (0 for maintenance windows).
    counted_minutes: list[Fraction]


def assess_service(
    windows: Sequence[Window],
    *,
    policy: Policy,
    month: str,
    tenant_timezone: str,
    monthly_fee: Decimal,
    minor_units: int,
    now: datetime,
) -> ServiceAssessment:
    period = month_period(month, policy.zone_for(tenant_timezone))
    downtime = measure_downtime(
        windows,
        period,
        exclude_maintenance=policy.exclude_maintenance,
        min_downtime_minutes=policy.min_downtime_minutes,
        now=now,
    )
    availability = availability_percent(period.minutes, downtime.minutes)
    return ServiceAssessment(
        period=period,
        downtime_minutes=downtime.minutes,
        excluded_minutes=downtime.excluded_minutes,
        availability_percent=availability,
        met=availability >= policy.target_percent,
        credit=credit_for(policy, availability, monthly_fee, period.calendar_days, minor_units),
        error_budget=error_budget(period.minutes, downtime.minutes, policy.target_percent),
        claim_deadline=claim_deadline(period, policy.claim_window),
        claim_open=claim_is_open(period, policy.claim_window, now),
        provisional=now < period.end or downtime.ongoing,
        counted_minutes=[counted_minutes(window, downtime, now) for window in windows],
    )
