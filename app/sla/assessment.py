"""A service's month: downtime, availability, error budget, credit and claim."""

import functools
from collections.abc import Iterable, Sequence
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
    all_shared_full,
    clip_windows,
    covered_length,
    merge_cut_and_keep,
    merge_windows,
    span_end,
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


# A stored outage row's columns, as a report reads them:
# (start_micros, end_micros, kind, impact text, users_affected).
OutageRow = tuple[int, int | None, str, str | None, int | None]


def window_from_row(
    start_micros: int,
    end_micros: int | None,
    kind: str,
    impact: str | None,
    users_affected: int | None,
    seats: int | None,
) -> Window:
    """A stored outage row's window: its times as stored, and `impact_of` its weight."""
    return Window(
        start_micros,
        end_micros,
        "maintenance" if kind == "maintenance" else "outage",
        impact_of(impact, users_affected, seats),
    )


def impact_of(impact: str | None, users_affected: int | None, seats: int | None) -> Fraction:
    """A stored row's weight: `users_affected` against the month's `seats` when both are
    known, else its `impact` text (none: a full outage).

    Full outages get the shared `FULL` at once; other weights are read once per distinct
    value and shared (a service has a handful), which spares a Decimal and a Fraction per
    row and lets the interval code group spans by impact object.
    """
    if users_affected is not None and seats:
        return _users_impact(users_affected, seats)
    if impact is None or impact == "1":
        return FULL
    return _text_impact(impact)


@functools.lru_cache(maxsize=4096)
def _users_impact(users_affected: int, seats: int) -> Fraction:
    return _shared(impact_from_users(users_affected, seats))


@functools.lru_cache(maxsize=4096)
def _text_impact(impact: str) -> Fraction:
    return _shared(Fraction(Decimal(impact)))


def _shared(impact: Fraction) -> Fraction:
    return FULL if impact == FULL else impact


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


def split_rows(
    rows: Iterable[OutageRow], seats: int | None, period: Period, now_micros: int
) -> SplitWindows:
    """What `split_windows` gives for the rows' windows, read straight from the rows."""
    outages: list[Span] = []
    maintenance: list[Span] = []
    ongoing = False
    for start, end, kind, impact, users_affected in rows:
        if end is None:
            ongoing = ongoing or (kind != "maintenance" and start < period.end_micros)
            end = max(start, now_micros)
        if kind == "maintenance":
            maintenance.append((start, end, FULL))
        # `impact_of`, inlined: this loop runs once per stored row.
        elif users_affected is not None and seats:
            outages.append((start, end, _users_impact(users_affected, seats)))
        elif impact is None or impact == "1":
            outages.append((start, end, FULL))
        else:
            outages.append((start, end, _text_impact(impact)))
    return SplitWindows(outages, maintenance, ongoing)


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


def measure_downtime(
    outages: Sequence[Span],
    maintenance: Sequence[Span],
    period: Period,
    *,
    exclude_maintenance: bool,
    min_downtime_minutes: Decimal,
) -> Downtime:
    """SLA-RULES "Downtime", steps 2 to 6, on the exact microsecond timeline.

    One sort and sweep merges the outages, cuts out maintenance and drops short runs
    (`merge_cut_and_keep`); only then is anything clipped to the period or weighed.
    What the maintenance covers is weighed on its own: that is the excluded time.
    """
    holes: list[Span] = []
    if exclude_maintenance and maintenance:
        # Maintenance is cut out whatever its impact; rows give it FULL already.
        if not all_shared_full(maintenance):
            maintenance = [(s, e, FULL) for s, e, _ in maintenance]
        holes = merge_windows(maintenance)
    min_length = _micros_at_least(min_downtime_minutes) if min_downtime_minutes > 0 else 0
    if holes or min_length:
        timeline, removed = merge_cut_and_keep(outages, holes, min_length)
    else:
        timeline, removed = merge_windows(outages), []
    start, end = period.start_micros, period.end_micros
    counted = clip_windows(timeline, start, end)
    excluded = clip_windows(removed, start, end) if removed else []
    return Downtime(
        minutes=_minutes(weighted_length(counted)),
        excluded_minutes=_minutes(weighted_length(excluded)) if excluded else _NONE,
        counted=counted,
    )


_NONE = Fraction(0)


def _minutes(micros: Fraction) -> Fraction:
    # One Fraction built from the parts, instead of Fraction's division (Python code).
    return Fraction(micros.numerator, micros.denominator * MICROS_PER_MINUTE)


@functools.lru_cache(maxsize=256)
def _micros_at_least(minutes: Decimal) -> int:
    """A policy's minimum run in whole microseconds, rounded up; a policy has one value,
    so it is worked out once, not once per service and month."""
    micros = Fraction(minutes) * MICROS_PER_MINUTE
    return -(-micros.numerator // micros.denominator)


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
