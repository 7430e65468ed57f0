"""A service's month: downtime, availability, error budget, credit and claim."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from operator import attrgetter
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
    span_end,
    subtract_windows,
    weighted_length,
)

WindowKind = Literal["outage", "maintenance"]


@dataclass(frozen=True, slots=True)
class Window:
    """An incident or maintenance window on the microsecond timeline (see `to_micros`);
    `end_micros` None means it is still going on."""

    start_micros: int
    end_micros: int | None = None
    kind: WindowKind = "outage"
    impact: Fraction = FULL

    def __post_init__(self) -> None:
        if not isinstance(self.impact, Fraction):
            # A float here would leak into every minute and credit computed from it.
            raise TypeError(f"impact must be a Fraction, got {self.impact!r}")
        # The shared FULL lets the interval code recognise full outages by identity
        # instead of a Fraction comparison per window on every report.
        if self.impact is not FULL and self.impact == FULL:
            object.__setattr__(self, "impact", FULL)

    @classmethod
    def between(
        cls,
        start: datetime,
        end: datetime | None = None,
        kind: WindowKind = "outage",
        impact: Fraction = FULL,
    ) -> "Window":
        return cls(to_micros(start), None if end is None else to_micros(end), kind, impact)

    def span(self, now_micros: int) -> Span:
        """The window as a span; an ongoing one runs to `now`."""
        end = now_micros if self.end_micros is None else self.end_micros
        return (self.start_micros, max(self.start_micros, end), self.impact)


def impact_from_users(users_affected: int, seats: int) -> Fraction:
    """Microsoft's user-minutes: the share of seats affected, at most all of them."""
    if seats <= 0:
        raise ValueError(f"a service needs users (seats) > 0 to weigh users_affected, got {seats}")
    return min(Fraction(users_affected, seats), FULL)


@dataclass(frozen=True, slots=True)
class SplitWindows:
    """A service's windows as spans, split by kind (SLA-RULES "Downtime", step 1)."""

    outages: list[Span]
    maintenance: list[Span]
    # An outage without an end that began before the period's end.
    ongoing: bool


_kind = attrgetter("kind")
_span_fields = attrgetter("start_micros", "end_micros", "impact")


def split_windows(windows: Sequence[Window], period: Period, now_micros: int) -> SplitWindows:
    """Outage and maintenance spans; an ongoing window runs to `now`.

    Reports over many windows spend their time here, so the common case (outages
    only, all ended) is read with C-level attribute getters; an inverted span is
    left for the interval code, which treats it as no time.
    """
    maintenance: list[Span] = []
    if "maintenance" in map(_kind, windows):
        maintenance = [w.span(now_micros) for w in windows if w.kind == "maintenance"]
        windows = [w for w in windows if w.kind != "maintenance"]
    outages: list[Span] = list(map(_span_fields, windows))
    if None not in map(span_end, outages):
        return SplitWindows(outages, maintenance, ongoing=False)
    ongoing = any(w.end_micros is None and w.start_micros < period.end_micros for w in windows)
    return SplitWindows([w.span(now_micros) for w in windows], maintenance, ongoing)


@dataclass(frozen=True, slots=True)
class Downtime:
    minutes: Fraction
    excluded_minutes: Fraction
    # The counted timeline inside the period, for attributing minutes to windows.
    counted: list[Span]


def measure_downtime(
    outages: Sequence[Span],
    maintenance: Sequence[Span],
    period: Period,
    *,
    exclude_maintenance: bool,
    min_downtime_minutes: Decimal,
) -> Downtime:
    """SLA-RULES "Downtime", steps 2 to 6, on the exact microsecond timeline."""
    timeline = merge_windows(outages)
    start, end = period.start_micros, period.end_micros
    excluded = Fraction(0)
    if exclude_maintenance and maintenance:
        holes = merge_windows((s, e, FULL) for s, e, _ in maintenance)
        before = weighted_length(clip_windows(timeline, start, end))
        timeline = subtract_windows(timeline, holes)
        excluded = before - weighted_length(clip_windows(timeline, start, end))
    if min_downtime_minutes > 0:  # most policies have none: skip the Fraction arithmetic
        min_length = Fraction(min_downtime_minutes) * MICROS_PER_MINUTE
        timeline = drop_short_runs(timeline, _ceil(min_length))
    counted = clip_windows(timeline, start, end)
    return Downtime(
        minutes=weighted_length(counted) / MICROS_PER_MINUTE,
        excluded_minutes=excluded / MICROS_PER_MINUTE,
        counted=counted,
    )


def _ceil(value: Fraction) -> int:
    return -(-value.numerator // value.denominator)


def counted_minutes(
    windows: Sequence[Window], downtime: Downtime, now_micros: int
) -> list[Fraction]:
    """What each window contributes after clipping, exclusion and the minimum-run rule
    (0 for maintenance windows).

    Overlapping windows each show the shared time, so these may sum past the downtime.
    """
    starts = [span[0] for span in downtime.counted]
    minutes: list[Fraction] = []
    for window in windows:
        if window.kind == "maintenance":
            minutes.append(Fraction(0))
            continue
        start, end, impact = window.span(now_micros)
        covered = covered_length(start, end, downtime.counted, starts)
        if impact is FULL:  # the usual window: one Fraction, not three
            minutes.append(Fraction(covered, MICROS_PER_MINUTE))
        else:
            minutes.append(covered * impact / MICROS_PER_MINUTE)
    return minutes


def availability_percent(period_minutes: Fraction, downtime_minutes: Fraction) -> Fraction:
    """`(period − downtime) / period × 100`, exactly.

    With period = a/b and downtime = c/d that is 100 (ad − cb) / (ad): written out so
    that a report builds one Fraction per service instead of three.
    """
    a, b = period_minutes.numerator, period_minutes.denominator
    c, d = downtime_minutes.numerator, downtime_minutes.denominator
    return Fraction(100 * (a * d - c * b), a * d)


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
    now_micros = to_micros(now)
    split = split_windows(windows, period, now_micros)
    downtime = measure_downtime(
        split.outages,
        split.maintenance,
        period,
        exclude_maintenance=policy.exclude_maintenance,
        min_downtime_minutes=policy.min_downtime_minutes,
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
        provisional=now < period.end or split.ongoing,
        counted_minutes=counted_minutes(windows, downtime, now_micros),
    )
