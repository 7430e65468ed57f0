"""A policy's month worked out once (`MonthRules`) and stored rows assessed straight
(`assess_rows`) give what the plain definitions give, exactly.

The reference below is the definition each shortcut replaces: one `Window` per row,
`split_windows` and `measure_downtime`, then `availability >= target` compared against
the Decimal target, `credit_for` and `error_budget` worked out for every line, the
claim deadline asked of the period, and each window's counted minutes as the share of
its span the counted timeline covers, times its impact, in Fractions. Random rows near
the period's end (ongoing, inverted, partial, weighed by users, maintenance), every
built-in policy and two custom ones (unsorted tiers, a cap in days, a minimum run,
measured in the tenant's zone), fees and minor units, clocks before and after the end.
"""

from datetime import datetime
from decimal import Decimal
from fractions import Fraction

from hypothesis import example, given, settings
from hypothesis import strategies as st

from app.sla.assessment import (
    OutageRow,
    Window,
    assess_rows,
    assess_service,
    availability_percent,
    error_budget,
    measure_downtime,
    month_rules,
    split_windows,
    window_from_row,
)
from app.sla.credits import claim_deadline, claim_is_open, credit_for
from app.sla.periods import MICROS_PER_MINUTE, Period, from_micros, month_period, to_micros
from app.sla.policies import BUILTIN_POLICIES, Policy, Tier
from app.sla.windows import covered_length
from tests.sla.test_fast_path import rows

MONTH = "2026-11"
ZONE = "Europe/Berlin"
CUSTOM = (
    Policy(
        id="unsorted",
        name="Tiers out of order, a cap in days, runs of 2.5 minutes, the tenant's zone",
        target_percent=Decimal("99.95"),
        tiers=(
            Tier(Decimal("99"), credit_days=Decimal(10)),
            Tier(Decimal("99.95"), credit_percent=Decimal("12.5")),
            Tier(Decimal("99.5"), credit_days=Decimal(3)),
        ),
        measurement_timezone="tenant",
        min_downtime_minutes=Decimal("2.5"),
        exclude_maintenance=True,
        claim_window="P45D",
        credit_cap_days=Decimal(7),
    ),
    Policy(
        id="perfect",
        name="A 100 % target: no error budget",
        target_percent=Decimal(100),
        tiers=(Tier(Decimal(100), credit_percent=Decimal(5)),),
        exclude_maintenance=False,
    ),
)
POLICIES = (*BUILTIN_POLICIES.values(), *CUSTOM)
FEES = (Decimal("1200.00"), Decimal("99.99"), Decimal("0.01"), Decimal(50000))


def reference_counted_minutes(
    windows: list[Window], counted: list[tuple[int, int, Fraction]], now_micros: int
) -> list[Fraction]:
    starts = [span[0] for span in counted]
    minutes = []
    for window in windows:
        if window.kind == "maintenance":
            minutes.append(Fraction(0))
            continue
        start, end, impact = window.span(now_micros)
        minutes.append(covered_length(start, end, counted, starts) * impact / MICROS_PER_MINUTE)
    return minutes


def near_the_end(period: Period) -> st.SearchStrategy[datetime]:
    day = 86_400_000_000
    return st.integers(period.end_micros - 3 * day, period.end_micros + 3 * day).map(from_micros)


@settings(max_examples=400, deadline=None)
@given(
    rows,
    st.sampled_from((None, 7, 1_000)),
    st.sampled_from(POLICIES),
    st.sampled_from(FEES),
    st.sampled_from((0, 2, 3)),
    near_the_end(month_period(MONTH, "UTC")),
)
def test_stored_rows_are_assessed_as_the_definitions_say(
    stored: list[OutageRow],
    seats: int | None,
    policy: Policy,
    fee: Decimal,
    minor_units: int,
    now: datetime,
) -> None:
    windows = [window_from_row(*row, seats) for row in stored]
    period = month_period(MONTH, policy.zone_for(ZONE))
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

    fast = assess_rows(month_rules(policy, MONTH, ZONE, now), stored, seats, fee, minor_units)

    assert fast.period == period
    assert (fast.downtime_minutes, fast.excluded_minutes) == (
        downtime.minutes,
        downtime.excluded_minutes,
    )
    assert fast.availability_percent == availability
    assert fast.met is (availability >= policy.target_percent)
    assert fast.credit == credit_for(policy, availability, fee, period.calendar_days, minor_units)
    assert fast.error_budget == error_budget(
        period.minutes, downtime.minutes, policy.target_percent
    )
    assert fast.claim_deadline == claim_deadline(period, policy.claim_window)
    assert fast.claim_open is claim_is_open(period, policy.claim_window, now)
    assert fast.provisional is (now < period.end or split.ongoing)
    assert fast.counted_minutes == reference_counted_minutes(windows, downtime.counted, now_micros)
    # Whole windows of full outages count in plain ints.
    for window, micros in zip(windows, fast.counted_micros, strict=True):
        if window.kind == "maintenance" or window.impact == 1:
            assert type(micros) is int
    # And through windows, the same assessment.
    assert fast == assess_service(
        windows,
        policy=policy,
        month=MONTH,
        tenant_timezone=ZONE,
        monthly_fee=fee,
        minor_units=minor_units,
        now=now,
    )


# One MonthRules per policy for the whole test run, as a request keeps one for all its
# lines: credits it has worked out for earlier examples must not leak into later ones.
SHARED = {
    policy.id: month_rules(policy, MONTH, ZONE, datetime.fromisoformat("2027-01-02T00:00Z"))
    for policy in POLICIES
}


@settings(max_examples=600, deadline=None)
@given(
    st.sampled_from(POLICIES),
    st.integers(0, 43_200 * MICROS_PER_MINUTE // 20),
    st.sampled_from(FEES),
    st.sampled_from((0, 2, 3)),
)
# Exactly on the thresholds of 43,200 minutes: 99.99 % (4.32 min down), 99.95 % (21.6),
# 99.9 % (43.2), 99.5 % (216), 99 % (432), 95 % (2160).
@example(BUILTIN_POLICIES["aws-ec2"], 4_320_000 * 60, FEES[0], 2)
@example(CUSTOM[0], 21_600_000 * 60, FEES[1], 2)
@example(BUILTIN_POLICIES["microsoft-365"], 43_200_000 * 60, FEES[0], 2)
@example(CUSTOM[0], 216 * MICROS_PER_MINUTE, FEES[2], 2)
@example(BUILTIN_POLICIES["microsoft-365"], 432 * MICROS_PER_MINUTE, FEES[3], 0)
@example(BUILTIN_POLICIES["google-workspace"], 2160 * MICROS_PER_MINUTE, FEES[0], 3)
def test_a_shared_month_rules_meets_and_credits_as_the_definitions(
    policy: Policy, downtime_micros: int, fee: Decimal, minor_units: int
) -> None:
    """Downtimes up to 5 % of the month, in microseconds: every tier, and availabilities
    exactly on a threshold (a whole number of minutes lands on 99.9 % of 43,200)."""
    rules = SHARED[policy.id]
    period = rules.period
    downtime = Fraction(downtime_micros, MICROS_PER_MINUTE)
    availability = availability_percent(period.minutes, downtime)

    assert rules.met(availability) is (availability >= policy.target_percent)
    assert rules.credit(availability, fee, minor_units) == credit_for(
        policy, availability, fee, period.calendar_days, minor_units
    )
    assert rules.error_budget(downtime) == error_budget(
        period.minutes, downtime, policy.target_percent
    )
