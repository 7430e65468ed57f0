"""A service's month: downtime, availability, error budget, credit and claim."""

import functools
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from operator import attrgetter
from typing import Literal

from app.sla.credits import Credit, claim_deadline, claim_is_open, credit_for
from app.sla.periods import MICROS_PER_MINUTE, Period, month_period, to_micros
from app.sla.policies import Policy, Tier
from app.sla.windows import (
    FULL,
    Span,
    all_shared_full,
    clip_windows,
    covered_length,
    merge_cut_and_keep,
    merge_windows,
    span_end,
    span_start,
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
    spans = [w.span(now_micros) for w in windows if w.kind != "maintenance"]
    return [
        _minutes(Fraction(micros))
        for micros in counted_micros(map(_kind, windows), spans, downtime.counted)
    ]


def counted_micros(
    kinds: Iterable[str], outages: Sequence[Span], counted: Sequence[Span]
) -> list[int | Fraction]:
    """`counted_minutes` in microseconds, from the windows' kinds in input order and the
    outage windows' spans in the same order (maintenance has none): what each window's
    span covers of the `counted` timeline, weighed by its impact; 0 for maintenance.

    A full outage's share is a plain int: no Fraction is made for the usual window.
    """
    starts = list(map(span_start, counted))
    spans = iter(outages)
    micros: list[int | Fraction] = []
    for kind in kinds:
        if kind == "maintenance":
            micros.append(0)
            continue
        start, end, impact = next(spans)
        # Usually the window lies within one span of the timeline (the one starting at
        # or before it): all of it counts, without walking the timeline.
        index = bisect_right(starts, start) - 1
        if index >= 0 and end <= counted[index][1]:
            covered = end - start if end > start else 0
        else:
            covered = covered_length(start, end, counted, starts)
        micros.append(covered if impact is FULL else covered * impact)
    return micros


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
    # One entry per input window, in input order (0 for maintenance windows): what it
    # counts for in microseconds, an int for a full outage (see `counted_micros`).
    counted_micros: list[int | Fraction]

    @property
    def counted_minutes(self) -> list[Fraction]:
        """`counted_micros` in minutes."""
        return [_minutes(Fraction(micros)) for micros in self.counted_micros]


@dataclass(frozen=True, slots=True, eq=False)
class MonthRules:
    """What assessing a service's month under a policy takes besides its windows and
    fee, worked out once for all the services measured alike (a report's or a
    portfolio's lines share a handful): the period, the claim deadline and whether it
    is still open at `now`, the error budget allowed, the target and the tiers as
    integer ratios, and the credits already worked out (a credit depends only on the
    tier, the fee and the currency's minor unit)."""

    policy: Policy
    period: Period
    now: datetime
    now_micros: int
    claim_deadline: date
    claim_open: bool
    # `now` is at or after the period's end (a line is provisional until then).
    ended: bool
    allowed_minutes: Fraction
    # The target percent as (numerator, denominator).
    target: tuple[int, int]
    # The tiers by threshold, lowest first, as (numerator, denominator, tier).
    tiers: tuple[tuple[int, int, Tier], ...]
    credits: dict[tuple[int, Decimal, int], Credit]

    def met(self, availability: Fraction) -> bool:
        """`availability >= target`, in ints (Fraction against Decimal is Python code)."""
        numerator, denominator = self.target
        return availability.numerator * denominator >= numerator * availability.denominator

    def credit(self, availability: Fraction, monthly_fee: Decimal, minor_units: int) -> Credit:
        """`credit_for`, the tier found in ints and each credit worked out once."""
        tier_index = len(self.tiers)
        for index, (numerator, denominator, _) in enumerate(self.tiers):
            if availability.numerator * denominator < numerator * availability.denominator:
                tier_index = index
                break
        key = (tier_index, monthly_fee, minor_units)
        credit = self.credits.get(key)
        if credit is None:
            credit = credit_for(
                self.policy,
                availability,
                monthly_fee,
                self.period.calendar_days,
                minor_units,
            )
            self.credits[key] = credit
        return credit

    def error_budget(self, downtime_minutes: Fraction) -> "ErrorBudget":
        """`error_budget` with the allowed minutes worked out once."""
        allowed = self.allowed_minutes
        a, b = allowed.numerator, allowed.denominator
        c, d = downtime_minutes.numerator, downtime_minutes.denominator
        return ErrorBudget(
            allowed_minutes=allowed,
            used_minutes=downtime_minutes,
            remaining_minutes=Fraction(a * d - c * b, b * d),
            used_percent=Fraction(100 * c * b, d * a) if a else None,
        )


def month_rules(policy: Policy, month: str, tenant_timezone: str, now: datetime) -> MonthRules:
    period = month_period(month, policy.zone_for(tenant_timezone))
    target = Fraction(policy.target_percent)
    ordered = sorted(policy.tiers, key=lambda tier: tier.below_percent)
    thresholds = [Fraction(tier.below_percent) for tier in ordered]
    return MonthRules(
        policy=policy,
        period=period,
        now=now,
        now_micros=to_micros(now),
        claim_deadline=claim_deadline(period, policy.claim_window),
        claim_open=claim_is_open(period, policy.claim_window, now),
        ended=not now < period.end,
        allowed_minutes=error_budget(period.minutes, _NONE, policy.target_percent).allowed_minutes,
        target=(target.numerator, target.denominator),
        tiers=tuple(
            (threshold.numerator, threshold.denominator, tier)
            for threshold, tier in zip(thresholds, ordered, strict=True)
        ),
        credits={},
    )


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
    rules = month_rules(policy, month, tenant_timezone, now)
    split = split_windows(windows, rules.period, rules.now_micros)
    return _assessed(rules, split, map(_kind, windows), monthly_fee, minor_units)


def assess_rows(
    rules: MonthRules,
    rows: Sequence[OutageRow],
    seats: int | None,
    monthly_fee: Decimal,
    minor_units: int,
) -> ServiceAssessment:
    """`assess_service` of the rows' windows (`window_from_row` of each, with `seats`),
    read straight from the rows, under `rules` worked out once for many services."""
    split = split_rows(rows, seats, rules.period, rules.now_micros)
    return _assessed(rules, split, (row[2] for row in rows), monthly_fee, minor_units)


def _assessed(
    rules: MonthRules,
    split: SplitWindows,
    kinds: Iterable[str],
    monthly_fee: Decimal,
    minor_units: int,
) -> ServiceAssessment:
    """The month of the windows `split`, whose kinds in input order are `kinds`."""
    policy, period = rules.policy, rules.period
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
        met=rules.met(availability),
        credit=rules.credit(availability, monthly_fee, minor_units),
        error_budget=rules.error_budget(downtime.minutes),
        claim_deadline=rules.claim_deadline,
        claim_open=rules.claim_open,
        provisional=not rules.ended or split.ongoing,
        counted_micros=counted_micros(kinds, split.outages, downtime.counted),
    )
