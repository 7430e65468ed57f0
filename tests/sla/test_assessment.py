"""A service's month end to end (assess_service, measure_downtime): "exactly at target is
met", tiers through real downtime, truncated availability, error budget, month-boundary
splits, maintenance exclusion, minimum runs, partial and users_affected impacts, ongoing
windows and provisional reports, counted_minutes per window, claim deadlines.

November 2026 in UTC has 30 × 1440 = 43200 minutes unless a test says otherwise.
"""

from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import pendulum
import pytest

from app.sla.assessment import (
    ServiceAssessment,
    Window,
    assess_service,
    error_budget,
    impact_from_users,
    measure_downtime,
    split_windows,
)
from app.sla.numbers import decimal_text, round_half_up, truncate
from app.sla.periods import month_period, to_micros
from app.sla.policies import BUILTIN_POLICIES, Policy, Tier
from app.sla.windows import FULL as WINDOWS_FULL

D = Decimal
F = Fraction
M365 = BUILTIN_POLICIES["microsoft-365"]
AWS = BUILTIN_POLICIES["aws-ec2"]
GOOGLE = BUILTIN_POLICIES["google-workspace"]
AZURE = BUILTIN_POLICIES["azure-vm-zones"]
FULL = F(1)
FEE = D(1000)
MIN = 60_000_000  # µs per minute
AFTER = pendulum.datetime(2026, 12, 15, tz="UTC")  # November over, P1M claim still open
MIN_10 = Policy(
    id="gmail-partner",
    name="Minimum 10-minute runs",
    target_percent=D("99.9"),
    tiers=(Tier(D("99.9"), credit_percent=D(25)),),
    min_downtime_minutes=D(10),
)
NY_TENANT = Policy(
    id="ny",
    name="Measured in the tenant zone",
    target_percent=D("99.9"),
    tiers=(Tier(D("99.9"), credit_percent=D(25)),),
    measurement_timezone="tenant",
)


def utc(day: int, hour: int = 0, minute: int = 0, second: int = 0, month: int = 11) -> datetime:
    return pendulum.datetime(2026, month, day, hour, minute, second, tz="UTC")


def outage(start: datetime, end: datetime | None, impact: Fraction = FULL) -> Window:
    return Window.between(start, end, "outage", impact)


def maintenance(start: datetime, end: datetime) -> Window:
    return Window.between(start, end, "maintenance")


def assess(
    windows: list[Window],
    policy: Policy = M365,
    *,
    month: str = "2026-11",
    zone: str = "UTC",
    fee: Decimal = FEE,
    minor_units: int = 2,
    now: datetime = AFTER,
) -> ServiceAssessment:
    return assess_service(
        windows,
        policy=policy,
        month=month,
        tenant_timezone=zone,
        monthly_fee=fee,
        minor_units=minor_units,
        now=now,
    )


def test_exactly_at_target_is_met() -> None:
    # 43m12s = 43.2 min; (43200 − 43.2)/43200 × 100 = 100 − 0.1 = 99.9 exactly
    result = assess([outage(utc(10, 10), utc(10, 10, 43, 12))])
    assert result.downtime_minutes == F("43.2")
    assert result.availability_percent == F("99.9")
    assert result.met
    assert result.credit.percent is None
    assert result.credit.amount == D("0.00")


def test_one_second_more_is_missed_and_displays_below_target() -> None:
    # 43m13s = 43 + 13/60 = 2593/60 min; availability = 100 − (2593/60)/43200 × 100
    # = 100 − 2593/25920 = 99.899961…: shown truncated 99.8999, minutes 43.2167
    result = assess([outage(utc(10, 10), utc(10, 10, 43, 13))])
    assert result.downtime_minutes == F(2593, 60)
    assert result.availability_percent == 100 - F(2593, 25920)
    assert not result.met
    assert truncate(result.availability_percent, 4) == D("99.8999")
    assert round_half_up(result.downtime_minutes, 4) == D("43.2167")
    assert result.credit.percent == 25
    assert result.credit.amount == D("250.00")  # 1000 × 25 %


def test_no_downtime_shows_100() -> None:
    result = assess([])
    assert result.availability_percent == 100
    assert decimal_text(truncate(result.availability_percent, 4)) == "100"
    assert result.met
    assert result.counted_minutes == []


SEC = timedelta(seconds=1)
ONE_SEC = F(1, 25920)  # 1 s = 1/60 min; (1/60)/43200 × 100 = 1/25920 %
# Downtime for availability X in 43200 min is 43200 × (100 − X)/100 = 432 × (100 − X) min:
DOWN_99_9 = timedelta(minutes=43, seconds=12)  # 432 × 0.1 = 43.2 min
DOWN_99_99 = timedelta(minutes=4, seconds=19, microseconds=200_000)  # 432 × 0.01 = 4.32 min
DOWN_99 = timedelta(hours=7, minutes=12)  # 432 × 1 = 432 min
DOWN_95 = timedelta(hours=36)  # 432 × 5 = 2160 min
A99_9, A99_99, A99, A95 = F("99.9"), F("99.99"), F(99), F(95)


# Exactly X down earns the tier above X (or none at the target); one second more the next.
# Fee 1000 (Google 3000, so a day of a 30-day month = 100).
@pytest.mark.parametrize(
    ("policy", "down", "availability", "percent", "days", "amount"),
    [
        pytest.param(M365, DOWN_99_9, A99_9, None, None, "0", id="m365-at-99.9"),
        pytest.param(M365, DOWN_99_9 + SEC, A99_9 - ONE_SEC, 25, None, "250", id="m365-below-99.9"),
        pytest.param(M365, DOWN_99, A99, 25, None, "250", id="m365-at-99"),
        pytest.param(M365, DOWN_99 + SEC, A99 - ONE_SEC, 50, None, "500", id="m365-below-99"),
        pytest.param(M365, DOWN_95, A95, 50, None, "500", id="m365-at-95"),
        pytest.param(M365, DOWN_95 + SEC, A95 - ONE_SEC, 100, None, "1000", id="m365-below-95"),
        pytest.param(AWS, DOWN_99_99, A99_99, None, None, "0", id="aws-at-99.99"),
        pytest.param(
            AWS, DOWN_99_99 + SEC, A99_99 - ONE_SEC, 10, None, "100", id="aws-below-99.99"
        ),
        pytest.param(AWS, DOWN_99, A99, 10, None, "100", id="aws-at-99"),
        pytest.param(AWS, DOWN_99 + SEC, A99 - ONE_SEC, 30, None, "300", id="aws-below-99"),
        pytest.param(AWS, DOWN_95, A95, 30, None, "300", id="aws-at-95"),
        pytest.param(AWS, DOWN_95 + SEC, A95 - ONE_SEC, 100, None, "1000", id="aws-below-95"),
        pytest.param(GOOGLE, DOWN_99_9, A99_9, None, None, "0", id="google-at-99.9"),
        pytest.param(GOOGLE, DOWN_99_9 + SEC, A99_9 - ONE_SEC, None, 3, "300", id="google-<99.9"),
        pytest.param(GOOGLE, DOWN_99, A99, None, 3, "300", id="google-at-99"),
        pytest.param(GOOGLE, DOWN_99 + SEC, A99 - ONE_SEC, None, 7, "700", id="google-below-99"),
        pytest.param(GOOGLE, DOWN_95, A95, None, 7, "700", id="google-at-95"),
        pytest.param(GOOGLE, DOWN_95 + SEC, A95 - ONE_SEC, None, 15, "1500", id="google-below-95"),
        pytest.param(AZURE, DOWN_99_99, A99_99, None, None, "0", id="azure-at-99.99"),
        pytest.param(AZURE, DOWN_99_99 + SEC, A99_99 - ONE_SEC, 10, None, "100", id="azure-<99.99"),
        pytest.param(AZURE, DOWN_99, A99, 10, None, "100", id="azure-at-99"),
        pytest.param(AZURE, DOWN_99 + SEC, A99 - ONE_SEC, 25, None, "250", id="azure-below-99"),
        pytest.param(AZURE, DOWN_95, A95, 25, None, "250", id="azure-at-95"),
        pytest.param(AZURE, DOWN_95 + SEC, A95 - ONE_SEC, 100, None, "1000", id="azure-below-95"),
    ],
)
def test_builtin_tiers_from_downtime(
    policy: Policy,
    down: timedelta,
    availability: Fraction,
    percent: int | None,
    days: int | None,
    amount: str,
) -> None:
    fee = D(3000) if policy is GOOGLE else D(1000)
    result = assess([outage(utc(2), utc(2) + down)], policy, fee=fee)
    assert result.availability_percent == availability
    assert result.met is (percent is None and days is None)
    assert (result.credit.percent, result.credit.days) == (percent, days)
    assert result.credit.amount == D(amount)


def test_jpy_credit_rounds_half_up_to_whole_yen() -> None:
    # 1002 JPY × 25 % = 250.5 → 251
    result = assess([outage(utc(2), utc(2, 1))], fee=D(1002), minor_units=0)
    assert result.credit.amount == D(251)


def test_google_days_in_a_31_day_month() -> None:
    # December: 31 days; 1 h down → below 99.9, not below 99 → 3 days;
    # 1000 × 3 / 31 = 96.774… → 96.77
    result = assess([outage(utc(5, month=12), utc(5, 1, month=12))], GOOGLE, month="2026-12")
    assert result.period.calendar_days == 31
    assert result.credit.days == 3
    assert result.credit.amount == D("96.77")


@pytest.mark.parametrize(
    ("policy", "down", "allowed", "remaining", "used_percent"),
    [
        # 43200 × (1 − 99.9/100) = 43.2
        pytest.param(M365, F(0), F("43.2"), F("43.2"), F(0), id="m365-unused"),
        # 21.6 / 43.2 = 50 %
        pytest.param(M365, F("21.6"), F("43.2"), F("21.6"), F(50), id="m365-half"),
        # 86.4 used of 43.2: 43.2 − 86.4 = −43.2, 200 %
        pytest.param(M365, F("86.4"), F("43.2"), F("-43.2"), F(200), id="m365-overspent"),
        # 43200 × (1 − 99.99/100) = 4.32; 2.16/4.32 = 50 %
        pytest.param(AWS, F("2.16"), F("4.32"), F("2.16"), F(50), id="aws-half"),
    ],
)
def test_error_budget(
    policy: Policy, down: Fraction, allowed: Fraction, remaining: Fraction, used_percent: Fraction
) -> None:
    micros = int(down * 60_000_000)
    result = assess([outage(utc(3), utc(3) + timedelta(microseconds=micros))], policy)
    budget = result.error_budget
    assert (budget.allowed_minutes, budget.used_minutes) == (allowed, down)
    assert (budget.remaining_minutes, budget.used_percent) == (remaining, used_percent)


def test_error_budget_at_100_percent_target() -> None:
    # 43200 × (1 − 100/100) = 0: nothing allowed, used_percent has no meaning
    perfect = Policy(
        id="perfect",
        name="100 %",
        target_percent=D(100),
        tiers=(Tier(D(100), credit_percent=D(10)),),
    )
    result = assess([outage(utc(3), utc(3, 0, 5))], perfect)
    budget = result.error_budget
    assert (budget.allowed_minutes, budget.used_minutes) == (F(0), F(5))
    assert budget.remaining_minutes == -5  # 0 − 5
    assert budget.used_percent is None
    assert not result.met
    assert result.credit.amount == D("100.00")  # 1000 × 10 %
    assert error_budget(F(43200), F(0), D(100)).used_percent is None


def test_error_budget_uses_the_real_period_length() -> None:
    # New York March 2026: 44580 min × 0.001 = 44.58
    budget = error_budget(month_period("2026-03", "America/New_York").minutes, F(0), D("99.9"))
    assert budget.allowed_minutes == F("44.58")


@pytest.mark.parametrize(
    ("down", "met"),
    [
        # 44580 × 0.001 = 44.58 min = 44m34.8s: exactly 99.9 → met
        pytest.param(timedelta(minutes=44, seconds=34, microseconds=800_000), True, id="44.58-met"),
        # 44.6 min: 44.6/44580 × 100 = 0.10004…% → 99.89995… → missed (with 31 × 1440 it
        # would wrongly be 99.90009 and met)
        pytest.param(timedelta(minutes=44, seconds=36), False, id="44.6-missed"),
    ],
)
def test_tenant_measurement_uses_dst_length(down: timedelta, met: bool) -> None:
    start = pendulum.datetime(2026, 3, 10, 12, tz="America/New_York")
    result = assess(
        [outage(start, start + down)], NY_TENANT, month="2026-03", zone="America/New_York"
    )
    assert result.period.minutes == 44580  # 31 × 1440 − 60
    assert result.met is met


def test_utc_policy_ignores_tenant_zone() -> None:
    result = assess([], M365, zone="America/New_York")
    assert result.period.timezone == "UTC"
    assert result.period.minutes == 43200  # not New York's 43260


@pytest.mark.parametrize(
    ("policy", "zone", "start", "end", "november", "december"),
    [
        # 23:50 → 00:20 UTC: 10 min in November, 20 in December
        pytest.param(M365, "UTC", utc(30, 23, 50), utc(1, 0, 20, month=12), 10, 20, id="utc"),
        # New York midnight of 1 Dec = 05:00 UTC: 04:50 → 05:20 UTC splits 10 / 20
        pytest.param(
            NY_TENANT,
            "America/New_York",
            utc(1, 4, 50, month=12),
            utc(1, 5, 20, month=12),
            10,
            20,
            id="new-york-tenant",
        ),
    ],
)
def test_month_boundary_split(
    policy: Policy, zone: str, start: datetime, end: datetime, november: int, december: int
) -> None:
    windows = [outage(start, end)]
    now = pendulum.datetime(2027, 1, 15, tz="UTC")
    nov = assess(windows, policy, month="2026-11", zone=zone, now=now)
    dec = assess(windows, policy, month="2026-12", zone=zone, now=now)
    assert (nov.downtime_minutes, nov.counted_minutes) == (F(november), [F(november)])
    assert (dec.downtime_minutes, dec.counted_minutes) == (F(december), [F(december)])


def test_windows_outside_the_period_do_not_count() -> None:
    result = assess([outage(utc(30, 10, month=10), utc(30, 11, month=10))])
    assert result.downtime_minutes == 0
    assert result.counted_minutes == [0]


# The outage is 10:00–11:00 on 10 November (60 min).
@pytest.mark.parametrize(
    ("maint", "exclude", "downtime", "excluded"),
    [
        pytest.param([(10, 20, 10, 30)], True, 50, 10, id="inside-excluded"),  # 60 − 10
        pytest.param([(10, 20, 10, 30)], False, 60, 0, id="inside-not-excluded"),
        pytest.param([(9, 0, 12, 0)], True, 0, 60, id="around-excluded"),
        pytest.param([(9, 0, 12, 0)], False, 60, 0, id="around-not-excluded"),
        pytest.param([(9, 30, 10, 15)], True, 45, 15, id="straddles-start"),  # 10:15–11:00
        pytest.param([(10, 45, 11, 30)], True, 45, 15, id="straddles-end"),  # 10:00–10:45
        pytest.param([(9, 30, 10, 15)], False, 60, 0, id="straddles-start-not-excluded"),
        # two holes of 10 min: 60 − 20 = 40
        pytest.param([(10, 10, 10, 20), (10, 40, 10, 50)], True, 40, 20, id="two-holes"),
        # overlapping maintenance windows 10:10–10:30 and 10:20–10:40 remove 30 min, once
        pytest.param([(10, 10, 10, 30), (10, 20, 10, 40)], True, 30, 30, id="overlapping-holes"),
        pytest.param([(12, 0, 13, 0)], True, 60, 0, id="elsewhere"),
    ],
)
def test_maintenance(
    maint: list[tuple[int, int, int, int]], exclude: bool, downtime: int, excluded: int
) -> None:
    windows = [outage(utc(10, 10), utc(10, 11))]
    windows += [maintenance(utc(10, h1, m1), utc(10, h2, m2)) for h1, m1, h2, m2 in maint]
    split = split_windows(windows, month_period("2026-11", "UTC"), to_micros(AFTER))
    result = measure_downtime(
        split.outages,
        split.maintenance,
        month_period("2026-11", "UTC"),
        exclude_maintenance=exclude,
        min_downtime_minutes=D(0),
    )
    assert (result.minutes, result.excluded_minutes) == (F(downtime), F(excluded))


@pytest.mark.parametrize(
    ("policy", "downtime", "excluded"),
    [
        pytest.param(M365, 50, 10, id="microsoft-excludes"),  # 60 − 10
        pytest.param(AWS, 60, 0, id="aws-counts-it"),
        pytest.param(GOOGLE, 60, 0, id="google-counts-it"),
        pytest.param(AZURE, 60, 0, id="azure-counts-it"),
    ],
)
def test_policy_decides_maintenance(policy: Policy, downtime: int, excluded: int) -> None:
    windows = [outage(utc(10, 10), utc(10, 11)), maintenance(utc(10, 10, 20), utc(10, 10, 30))]
    result = assess(windows, policy)
    assert (result.downtime_minutes, result.excluded_minutes) == (F(downtime), F(excluded))
    assert result.counted_minutes == [downtime, 0]


def test_maintenance_alone_is_never_downtime() -> None:
    for policy in (M365, AWS):
        result = assess([maintenance(utc(10, 10), utc(10, 11))], policy)
        assert (result.downtime_minutes, result.excluded_minutes) == (F(0), F(0))


def test_excluded_minutes_count_only_inside_the_period() -> None:
    # outage 31 Oct 23:00 → 1 Nov 01:00; maintenance 31 Oct 23:00 → 1 Nov 00:30:
    # November has 60 min of outage, 30 of them excluded
    windows = [
        outage(utc(31, 23, month=10), utc(1, 1)),
        maintenance(utc(31, 23, month=10), utc(1, 0, 30)),
    ]
    result = assess(windows, M365)
    assert (result.downtime_minutes, result.excluded_minutes) == (F(30), F(30))


def test_maintenance_on_a_partial_outage_excludes_weighted_minutes() -> None:
    # half the service down 60 min, 10 of them in maintenance: (60 − 10) × 1/2 = 25, excluded 5
    windows = [outage(utc(10, 10), utc(10, 11), F(1, 2)), maintenance(utc(10, 10), utc(10, 10, 10))]
    result = assess(windows, M365)
    assert (result.downtime_minutes, result.excluded_minutes) == (F(25), F(5))


@pytest.mark.parametrize(
    ("spans", "downtime"),
    [
        pytest.param([(utc(5, 10), utc(5, 10, 9, 59))], 0, id="9m59s-does-not-count"),
        pytest.param([(utc(5, 10), utc(5, 10, 10))], 10, id="10m-counts"),
        pytest.param([(utc(5, 10), utc(5, 10, 25))], 25, id="longer-counts-in-full"),
        # 5 + 5 touching = one 10-minute run
        pytest.param(
            [(utc(5, 10), utc(5, 10, 5)), (utc(5, 10, 5), utc(5, 10, 10))], 10, id="touching"
        ),
        # 8 min and 6 min overlapping by 2 → one 12-minute run (8 + 6 − 2)
        pytest.param(
            [(utc(5, 10), utc(5, 10, 8)), (utc(5, 10, 6), utc(5, 10, 12))], 12, id="overlap"
        ),
        # 5 and 5 min one second apart: two short runs
        pytest.param(
            [(utc(5, 10), utc(5, 10, 5)), (utc(5, 10, 5, 1), utc(5, 10, 10, 1))], 0, id="gap"
        ),
        # a 9-minute run and an 11-minute run: only the 11 counts
        pytest.param([(utc(5, 10), utc(5, 10, 9)), (utc(5, 11), utc(5, 11, 11))], 11, id="mixed"),
    ],
)
def test_minimum_downtime_runs(spans: list[tuple[datetime, datetime]], downtime: int) -> None:
    result = assess([outage(start, end) for start, end in spans], MIN_10)
    assert result.downtime_minutes == downtime


def test_minimum_run_is_judged_after_maintenance_is_removed() -> None:
    # 10:00–10:12 outage with maintenance 10:04–10:07 excluded (steps 2 then 4): runs of
    # 4 min (10:00–10:04) and 5 min (10:07–10:12), both < 10, so nothing counts
    windows = [outage(utc(5, 10), utc(5, 10, 12)), maintenance(utc(5, 10, 4), utc(5, 10, 7))]
    assert assess(windows, MIN_10).downtime_minutes == 0


def test_minimum_run_across_month_end_counts_split() -> None:
    # 23:54 → 00:06: a 12-minute run ≥ 10, judged before clipping: 6 min in each month
    windows = [outage(utc(30, 23, 54), utc(1, 0, 6, month=12))]
    now = pendulum.datetime(2027, 1, 15, tz="UTC")
    assert assess(windows, MIN_10, month="2026-11", now=now).downtime_minutes == 6
    assert assess(windows, MIN_10, month="2026-12", now=now).downtime_minutes == 6


def test_minimum_run_short_at_month_end_does_not_count() -> None:
    # 23:55 → 00:04: 9 min in all, too short, so neither month's 5 or 4 minutes count
    windows = [outage(utc(30, 23, 55), utc(1, 0, 4, month=12))]
    now = pendulum.datetime(2027, 1, 15, tz="UTC")
    assert assess(windows, MIN_10, month="2026-11", now=now).downtime_minutes == 0
    assert assess(windows, MIN_10, month="2026-12", now=now).downtime_minutes == 0


def test_minimum_run_ignores_a_window_with_no_affected_users() -> None:
    # 5 min with everyone down, then 5 min with 0 of 100 users affected (impact 0):
    # the run of downtime lasts 5 min < 10, so nothing counts
    windows = [
        outage(utc(5, 10), utc(5, 10, 5)),
        outage(utc(5, 10, 5), utc(5, 10, 10), impact_from_users(0, 100)),
    ]
    assert assess(windows, MIN_10).downtime_minutes == 0


@pytest.mark.parametrize(
    ("impacts", "downtime", "counted"),
    [
        # A 10:00–11:00 at 1/2, B 10:30–11:30 at 1/4: max per instant:
        # 60 × 1/2 + 30 × 1/4 = 30 + 7.5 = 37.5; each window shows its own share of the
        # counted time: A 60 × 1/2 = 30, B 60 × 1/4 = 15
        pytest.param((F(1, 2), F(1, 4)), F(75, 2), [F(30), F(15)], id="different"),
        # equal 1/2 impacts overlapping: 90 min × 1/2 = 45, not 30 + 30 = 60
        pytest.param((F(1, 2), F(1, 2)), F(45), [F(30), F(30)], id="equal"),
        # a full outage over a 1/4 one: 60 × 1 + 30 × 1/4 = 67.5
        pytest.param((F(1), F(1, 4)), F(135, 2), [F(60), F(15)], id="full-over-partial"),
        # full impacts: 90 min, each window shows its 60 (the shared 30 in both)
        pytest.param((F(1), F(1)), F(90), [F(60), F(60)], id="full"),
    ],
)
def test_overlapping_impacts(
    impacts: tuple[Fraction, Fraction], downtime: Fraction, counted: list[Fraction]
) -> None:
    a = outage(utc(10, 10), utc(10, 11), impacts[0])
    b = outage(utc(10, 10, 30), utc(10, 11, 30), impacts[1])
    result = assess([a, b])
    assert result.downtime_minutes == downtime
    assert result.counted_minutes == counted


@pytest.mark.parametrize(
    ("users", "seats", "impact"),
    [
        pytest.param(25, 100, F(1, 4), id="quarter"),
        pytest.param(1, 3, F(1, 3), id="third-exact"),
        pytest.param(100, 100, F(1), id="all"),
        pytest.param(150, 100, F(1), id="capped-at-1"),
        pytest.param(0, 100, F(0), id="none"),
    ],
)
def test_impact_from_users(users: int, seats: int, impact: Fraction) -> None:
    assert impact_from_users(users, seats) == impact


def test_impact_from_users_needs_seats() -> None:
    with pytest.raises(ValueError, match="seats"):
        impact_from_users(5, 0)


def test_users_affected_weigh_downtime() -> None:
    # 50 of 200 users for 60 min: 60 × 1/4 = 15 user-weighted minutes
    result = assess([outage(utc(10, 10), utc(10, 11), impact_from_users(50, 200))])
    assert result.downtime_minutes == 15
    # 300 of 200 users is capped at everyone: 60 min
    result = assess([outage(utc(10, 10), utc(10, 11), impact_from_users(300, 200))])
    assert result.downtime_minutes == 60


def test_ongoing_window_runs_to_now() -> None:
    # 10:00 → now 11:30 = 90 min; the month is not over and the window is open
    result = assess([outage(utc(10, 10), None)], now=utc(10, 11, 30))
    assert result.downtime_minutes == 90
    assert result.counted_minutes == [90]
    assert result.provisional


def test_ongoing_window_keeps_a_finished_month_provisional() -> None:
    # 30 Nov 23:00, still going on 2 Dec: November counts 60 min and stays provisional
    result = assess([outage(utc(30, 23), None)], now=utc(2, month=12))
    assert result.downtime_minutes == 60
    assert result.provisional


def test_split_windows_separates_kinds_and_runs_open_windows_to_now() -> None:
    # Minutes from 1 Nov 00:00 UTC (T0); now = T0 + 100 min, the period ends at 43200.
    t0 = to_micros(utc(1))
    windows = [
        Window(t0 + 10 * MIN, t0 + 20 * MIN),
        Window(t0 + 30 * MIN, t0 + 40 * MIN, "maintenance"),
        Window(t0 + 50 * MIN, None, impact=F(1, 2)),  # open: runs to now, 50 min
        Window(t0 + 200 * MIN, None),  # open and after now: [200, 200), no time
    ]
    split = split_windows(windows, month_period("2026-11", "UTC"), t0 + 100 * MIN)
    assert split.outages == [
        (t0 + 10 * MIN, t0 + 20 * MIN, FULL),
        (t0 + 50 * MIN, t0 + 100 * MIN, F(1, 2)),
        (t0 + 200 * MIN, t0 + 200 * MIN, FULL),
    ]
    assert split.maintenance == [(t0 + 30 * MIN, t0 + 40 * MIN, FULL)]
    assert split.ongoing  # both open windows start before the period's end


def test_split_windows_common_case_has_nothing_ongoing() -> None:
    t0 = to_micros(utc(1))
    windows = [Window(t0 + 20 * MIN, t0 + 30 * MIN), Window(t0, t0 + 10 * MIN)]
    split = split_windows(windows, month_period("2026-11", "UTC"), t0)
    # input order kept; merging sorts later
    assert split.outages == [(t0 + 20 * MIN, t0 + 30 * MIN, FULL), (t0, t0 + 10 * MIN, FULL)]
    assert (split.maintenance, split.ongoing) == ([], False)


@pytest.mark.parametrize("impact", [0.5, 1.0, D("0.5")], ids=["float", "float-one", "decimal"])
def test_window_refuses_an_inexact_impact(impact: object) -> None:
    with pytest.raises(TypeError, match="impact must be a Fraction"):
        Window(0, 1, impact=impact)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("impact", "shared"),
    [
        pytest.param(F(1), True, id="one-made-elsewhere"),
        pytest.param(F(7, 7), True, id="seven-sevenths"),
        pytest.param(F(1, 2), False, id="half"),
    ],
)
def test_window_shares_the_full_impact_object(impact: Fraction, shared: bool) -> None:
    # The interval code's fast path recognises full outages by identity.
    assert (Window(0, 1, impact=impact).impact is WINDOWS_FULL) is shared
    assert Window(0, 1, impact=impact).impact == impact


@pytest.mark.parametrize(
    ("windows", "now", "provisional"),
    [
        pytest.param([], utc(20), True, id="month-not-over"),
        pytest.param([], utc(30, 23, 59, 59), True, id="last-second-of-month"),
        pytest.param([], utc(1, month=12), False, id="month-just-over"),
        pytest.param([outage(utc(10, 10), utc(10, 11))], AFTER, False, id="closed-window"),
        # an open window that starts after November does not count in November
        pytest.param([outage(utc(2, month=12), None)], AFTER, False, id="open-window-later"),
    ],
)
def test_provisional(windows: list[Window], now: datetime, provisional: bool) -> None:
    assert assess(windows, now=now).provisional is provisional


@pytest.mark.parametrize(
    ("policy", "zone", "now", "deadline", "is_open"),
    [
        pytest.param(M365, "UTC", AFTER, pendulum.date(2026, 12, 31), True, id="m365-P1M"),
        pytest.param(AWS, "UTC", AFTER, pendulum.date(2027, 1, 31), True, id="aws-P2M"),
        pytest.param(GOOGLE, "UTC", AFTER, pendulum.date(2026, 12, 30), True, id="google-P30D"),
        pytest.param(
            GOOGLE, "UTC", utc(31, month=12), pendulum.date(2026, 12, 30), False, id="google-shut"
        ),
        pytest.param(
            NY_TENANT,
            "America/New_York",
            AFTER,
            pendulum.date(2026, 12, 31),
            True,
            id="new-york-P1M",
        ),
    ],
)
def test_claim(policy: Policy, zone: str, now: datetime, deadline: date, is_open: bool) -> None:
    result = assess([], policy, zone=zone, now=now)
    assert result.claim_deadline == deadline
    assert result.claim_open is is_open
