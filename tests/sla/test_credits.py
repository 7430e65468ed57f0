"""Credits and claims: the built-in policies' terms and tiers at and just below each
boundary, half-up rounding of amounts (USD 2 places, JPY 0), day credits, caps, claim
deadlines and claim_is_open, and policy_errors.
"""

import dataclasses
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pendulum
import pytest

from app.sla.credits import (
    claim_deadline,
    claim_deadline_ends,
    claim_is_open,
    credit_for,
    tier_for,
)
from app.sla.periods import month_period
from app.sla.policies import BUILTIN_POLICIES, Policy, Tier, policy_errors

D = Decimal
JUST = Fraction(1, 10**6)  # "just below" = one millionth of a percent under


def custom(**changes: Any) -> Policy:
    """A valid custom policy: target 99.9, below 99.9 → 25 %; fields overridden by `changes`."""
    base = Policy(
        id="custom",
        name="Custom",
        target_percent=D("99.9"),
        tiers=(Tier(D("99.9"), credit_percent=D(25)),),
    )
    return dataclasses.replace(base, **changes)


@pytest.mark.parametrize(
    ("policy_id", "target", "exclude_maintenance", "claim_window", "cap_days"),
    [
        pytest.param("microsoft-365", D("99.9"), True, "P1M", None, id="microsoft-365"),
        pytest.param("aws-ec2", D("99.99"), False, "P2M", None, id="aws-ec2"),
        pytest.param("google-workspace", D("99.9"), False, "P30D", D(15), id="google-workspace"),
        pytest.param("azure-vm-zones", D("99.99"), False, "P2M", None, id="azure-vm-zones"),
    ],
)
def test_builtin_policy_terms(
    policy_id: str,
    target: Decimal,
    exclude_maintenance: bool,
    claim_window: str,
    cap_days: Decimal | None,
) -> None:
    policy = BUILTIN_POLICIES[policy_id]
    assert policy.id == policy_id
    assert policy.builtin
    assert policy.target_percent == target
    assert policy.exclude_maintenance is exclude_maintenance
    assert policy.claim_window == claim_window
    assert policy.credit_cap_percent == 100
    assert policy.credit_cap_days == cap_days
    assert policy.min_downtime_minutes == 0
    assert policy.measurement_timezone == "UTC"
    assert policy.source
    assert policy_errors(policy) == []


# Fee 1000 USD (Google: 3000 USD, so 1 day of a 30-day month = 100.00), 30 calendar days.
# "At" a boundary X is not below X, so it earns the next tier up (or none at the target).
@pytest.mark.parametrize(
    ("policy_id", "availability", "percent", "days", "amount"),
    [
        pytest.param("microsoft-365", Fraction(100), None, None, "0.00", id="m365-100"),
        pytest.param("microsoft-365", Fraction("99.9"), None, None, "0.00", id="m365-at-99.9"),
        # 1000 × 25 % = 250
        pytest.param(
            "microsoft-365", Fraction("99.9") - JUST, D(25), None, "250.00", id="m365-<99.9"
        ),
        pytest.param("microsoft-365", Fraction(99), D(25), None, "250.00", id="m365-at-99"),
        # 1000 × 50 % = 500
        pytest.param("microsoft-365", 99 - JUST, D(50), None, "500.00", id="m365-<99"),
        pytest.param("microsoft-365", Fraction(95), D(50), None, "500.00", id="m365-at-95"),
        # 1000 × 100 % = 1000
        pytest.param("microsoft-365", 95 - JUST, D(100), None, "1000.00", id="m365-<95"),
        pytest.param("microsoft-365", Fraction(0), D(100), None, "1000.00", id="m365-0"),
        pytest.param("aws-ec2", Fraction("99.99"), None, None, "0.00", id="aws-at-99.99"),
        # 1000 × 10 % = 100
        pytest.param("aws-ec2", Fraction("99.99") - JUST, D(10), None, "100.00", id="aws-<99.99"),
        pytest.param("aws-ec2", Fraction(99), D(10), None, "100.00", id="aws-at-99"),
        # 1000 × 30 % = 300
        pytest.param("aws-ec2", 99 - JUST, D(30), None, "300.00", id="aws-<99"),
        pytest.param("aws-ec2", Fraction(95), D(30), None, "300.00", id="aws-at-95"),
        pytest.param("aws-ec2", 95 - JUST, D(100), None, "1000.00", id="aws-<95"),
        pytest.param("google-workspace", Fraction("99.9"), None, None, "0.00", id="google-at-99.9"),
        # 3000 × 3 / 30 = 300
        pytest.param(
            "google-workspace", Fraction("99.9") - JUST, None, D(3), "300.00", id="google-<99.9"
        ),
        pytest.param("google-workspace", Fraction(99), None, D(3), "300.00", id="google-at-99"),
        # 3000 × 7 / 30 = 700
        pytest.param("google-workspace", 99 - JUST, None, D(7), "700.00", id="google-<99"),
        pytest.param("google-workspace", Fraction(95), None, D(7), "700.00", id="google-at-95"),
        # 3000 × 15 / 30 = 1500 (= the 15-day cap, so the cap does not change it)
        pytest.param("google-workspace", 95 - JUST, None, D(15), "1500.00", id="google-<95"),
        pytest.param("azure-vm-zones", Fraction("99.99"), None, None, "0.00", id="azure-at-99.99"),
        # 1000 × 10 % = 100
        pytest.param(
            "azure-vm-zones", Fraction("99.99") - JUST, D(10), None, "100.00", id="azure-<99.99"
        ),
        pytest.param("azure-vm-zones", Fraction(99), D(10), None, "100.00", id="azure-at-99"),
        # 1000 × 25 % = 250
        pytest.param("azure-vm-zones", 99 - JUST, D(25), None, "250.00", id="azure-<99"),
        pytest.param("azure-vm-zones", Fraction(95), D(25), None, "250.00", id="azure-at-95"),
        pytest.param("azure-vm-zones", 95 - JUST, D(100), None, "1000.00", id="azure-<95"),
    ],
)
def test_builtin_tiers(
    policy_id: str,
    availability: Fraction,
    percent: Decimal | None,
    days: Decimal | None,
    amount: str,
) -> None:
    fee = D(3000) if policy_id == "google-workspace" else D(1000)
    credit = credit_for(BUILTIN_POLICIES[policy_id], availability, fee, 30, 2)
    assert (credit.percent, credit.days) == (percent, days)
    assert credit.amount == D(amount)
    assert str(credit.amount) == amount


def test_tier_for_ignores_tier_order() -> None:
    # tiers given highest-first still pick the lowest threshold still above availability
    tiers = (Tier(D(95), credit_percent=D(100)), Tier(D("99.9"), credit_percent=D(25)))
    assert tier_for(tiers, Fraction(98)) == tiers[1]
    assert tier_for(tiers, Fraction(90)) == tiers[0]
    assert tier_for(tiers, Fraction("99.9")) is None


M365 = BUILTIN_POLICIES["microsoft-365"]
GOOGLE = BUILTIN_POLICIES["google-workspace"]
MISSED = Fraction("99.5")  # below 99.9, not below 99: 25 % / 3 days


@pytest.mark.parametrize(
    ("policy", "fee", "calendar_days", "minor_units", "amount"),
    [
        # 10.10 × 25 % = 2.525 exactly half a cent → up: 2.53 (half-even would give 2.52)
        pytest.param(M365, D("10.10"), 30, 2, "2.53", id="usd-exact-half-up"),
        # 0.10 × 25 % = 0.025 → 0.03
        pytest.param(M365, D("0.10"), 30, 2, "0.03", id="usd-tiny-half-up"),
        # 10.09 × 25 % = 2.5225 → 2.52
        pytest.param(M365, D("10.09"), 30, 2, "2.52", id="usd-below-half"),
        # 10.11 × 25 % = 2.5275 → 2.53
        pytest.param(M365, D("10.11"), 30, 2, "2.53", id="usd-above-half"),
        # 1002 × 25 % = 250.5 → 251 (half-even would give 250)
        pytest.param(M365, D(1002), 30, 0, "251", id="jpy-exact-half-up"),
        # 1001 × 25 % = 250.25 → 250
        pytest.param(M365, D(1001), 30, 0, "250", id="jpy-below-half"),
        # 1003 × 25 % = 250.75 → 251
        pytest.param(M365, D(1003), 30, 0, "251", id="jpy-above-half"),
        # Google 3 days of a 31-day month: 1000 × 3 / 31 = 96.774193… → 96.77
        pytest.param(GOOGLE, D(1000), 31, 2, "96.77", id="usd-3-days-of-31"),
        # 10000 JPY × 3 / 31 = 967.741… → 968
        pytest.param(GOOGLE, D(10000), 31, 0, "968", id="jpy-3-days-of-31"),
        # 1.05 × 3 / 30 = 0.105 → 0.11 (exact half)
        pytest.param(GOOGLE, D("1.05"), 30, 2, "0.11", id="usd-days-exact-half"),
        # 105 JPY × 3 / 30 = 10.5 → 11 (exact half)
        pytest.param(GOOGLE, D(105), 30, 0, "11", id="jpy-days-exact-half"),
        # 2800 × 3 / 28 = 300 (February)
        pytest.param(GOOGLE, D(2800), 28, 2, "300.00", id="days-of-february"),
        # 2900 × 3 / 29 = 300 (leap February)
        pytest.param(GOOGLE, D(2900), 29, 2, "300.00", id="days-of-leap-february"),
    ],
)
def test_credit_rounding(
    policy: Policy, fee: Decimal, calendar_days: int, minor_units: int, amount: str
) -> None:
    credit = credit_for(policy, MISSED, fee, calendar_days, minor_units)
    assert credit.amount == D(amount)
    assert str(credit.amount) == amount


def test_no_credit_is_zero_in_minor_units() -> None:
    assert str(credit_for(M365, Fraction(100), D(1000), 30, 0).amount) == "0"
    assert str(credit_for(M365, Fraction(100), D(1000), 30, 2).amount) == "0.00"


DAYS_20 = (Tier(D("99.9"), credit_days=D(20)),)
DAYS_5 = (Tier(D("99.9"), credit_days=D(5)),)
ALL = (Tier(D("99.9"), credit_percent=D(100)),)


@pytest.mark.parametrize(
    ("policy", "fee", "calendar_days", "amount"),
    [
        # tier 100 % of 1000 = 1000, capped at 50 % = 500
        pytest.param(
            custom(tiers=ALL, credit_cap_percent=D(50)), D(1000), 30, "500.00", id="pct-binds"
        ),
        # tier 25 % = 250 under a 50 % cap (500): unchanged
        pytest.param(custom(credit_cap_percent=D(50)), D(1000), 30, "250.00", id="pct-not-binding"),
        pytest.param(custom(credit_cap_percent=D(0)), D(1000), 30, "0.00", id="pct-zero-cap"),
        # 20 days of 30 × 3000 = 2000, capped at 10 days = 1000
        pytest.param(
            custom(tiers=DAYS_20, credit_cap_days=D(10)), D(3000), 30, "1000.00", id="days-binds"
        ),
        # 5 days = 500 under a 10-day cap (1000): unchanged
        pytest.param(
            custom(tiers=DAYS_5, credit_cap_days=D(10)),
            D(3000),
            30,
            "500.00",
            id="days-not-binding",
        ),
        # 100 % = 3000, capped at 15 days of 30 = 1500
        pytest.param(
            custom(tiers=ALL, credit_cap_days=D(15)), D(3000), 30, "1500.00", id="days-cap-on-pct"
        ),
        # 20 days = 2000; day cap 10 days = 1000; percent cap 20 % = 600: the lower wins
        pytest.param(
            custom(tiers=DAYS_20, credit_cap_days=D(10), credit_cap_percent=D(20)),
            D(3000),
            30,
            "600.00",
            id="both-caps-lower-wins",
        ),
        # 5 days of 31 = 5000/31 = 161.29; cap 1 day = 1000/31 = 32.258… → 32.26
        pytest.param(
            custom(tiers=DAYS_5, credit_cap_days=D(1)), D(1000), 31, "32.26", id="days-cap-rounded"
        ),
    ],
)
def test_credit_caps(policy: Policy, fee: Decimal, calendar_days: int, amount: str) -> None:
    assert credit_for(policy, MISSED, fee, calendar_days, 2).amount == D(amount)


@pytest.mark.parametrize(
    ("month", "zone", "window", "deadline"),
    [
        # November ends 1 Dec 00:00; + 1 month = 1 Jan → the day before: 31 Dec
        pytest.param("2026-11", "UTC", "P1M", date(2026, 12, 31), id="nov-P1M"),
        # 1 Dec + 2 months = 1 Feb → 31 Jan
        pytest.param("2026-11", "UTC", "P2M", date(2027, 1, 31), id="nov-P2M"),
        # 1 Dec + 30 days = 31 Dec → 30 Dec
        pytest.param("2026-11", "UTC", "P30D", date(2026, 12, 30), id="nov-P30D"),
        pytest.param("2026-11", "America/New_York", "P1M", date(2026, 12, 31), id="ny-nov-P1M"),
        pytest.param("2026-11", "America/New_York", "P2M", date(2027, 1, 31), id="ny-nov-P2M"),
        pytest.param("2026-11", "America/New_York", "P30D", date(2026, 12, 30), id="ny-nov-P30D"),
        # January ends 1 Feb; + 1 month = 1 Mar → 28 Feb
        pytest.param("2026-01", "UTC", "P1M", date(2026, 2, 28), id="jan-P1M"),
        # 1 Feb + 30 days = 3 Mar (28-day February) → 2 Mar
        pytest.param("2026-01", "UTC", "P30D", date(2026, 3, 2), id="jan-P30D"),
        # December ends 1 Jan 2027; + 2 months = 1 Mar 2027 → 28 Feb 2027
        pytest.param("2026-12", "UTC", "P2M", date(2027, 2, 28), id="dec-P2M"),
        # Sydney March ends 1 Apr 00:00 +11; + 1 month = 1 May → 30 Apr
        pytest.param("2026-03", "Australia/Sydney", "P1M", date(2026, 4, 30), id="sydney-P1M"),
    ],
)
def test_claim_deadline(month: str, zone: str, window: str, deadline: date) -> None:
    assert claim_deadline(month_period(month, zone), window) == deadline


@pytest.mark.parametrize(
    ("zone", "window", "now", "is_open"),
    [
        pytest.param("UTC", "P1M", pendulum.datetime(2026, 11, 15, tz="UTC"), True, id="in-month"),
        pytest.param(
            "UTC", "P1M", pendulum.datetime(2026, 12, 31, 23, 59, 59, tz="UTC"), True, id="last-sec"
        ),
        pytest.param("UTC", "P1M", pendulum.datetime(2027, 1, 1, tz="UTC"), False, id="closed"),
        # New York: closes 1 Jan 2027 00:00 EST = 05:00 UTC
        pytest.param(
            "America/New_York",
            "P1M",
            pendulum.datetime(2027, 1, 1, 4, 59, 59, tz="UTC"),
            True,
            id="ny-still-31-dec-locally",
        ),
        pytest.param(
            "America/New_York",
            "P1M",
            pendulum.datetime(2027, 1, 1, 5, tz="UTC"),
            False,
            id="ny-closed-at-local-midnight",
        ),
        # P30D closes 31 Dec 00:00
        pytest.param(
            "UTC",
            "P30D",
            pendulum.datetime(2026, 12, 30, 23, 59, 59, tz="UTC"),
            True,
            id="30d-open",
        ),
        pytest.param(
            "UTC", "P30D", pendulum.datetime(2026, 12, 31, tz="UTC"), False, id="30d-shut"
        ),
    ],
)
def test_claim_is_open(zone: str, window: str, now: datetime, is_open: bool) -> None:
    assert claim_is_open(month_period("2026-11", zone), window, now) is is_open


@pytest.mark.parametrize(
    ("deadline", "zone", "ends_utc"),
    [
        # 31 Dec in UTC ends at 1 Jan 00:00Z
        pytest.param(date(2026, 12, 31), "UTC", datetime(2027, 1, 1, tzinfo=UTC), id="utc"),
        # 31 Dec in New York ends at 1 Jan 00:00 EST (−05:00) = 05:00Z
        pytest.param(
            date(2026, 12, 31), "America/New_York", datetime(2027, 1, 1, 5, tzinfo=UTC), id="ny"
        ),
        # 30 Apr in Sydney ends at 1 May 00:00 AEST (+10:00; DST ended 5 Apr) = 30 Apr 14:00Z
        pytest.param(
            date(2026, 4, 30),
            "Australia/Sydney",
            datetime(2026, 4, 30, 14, tzinfo=UTC),
            id="sydney",
        ),
        # 31 Oct 2020 in Havana ends at the first of the two midnights of 1 Nov:
        # 00:00 CDT (−04:00) = 04:00Z (the second, 00:00 CST, would be 05:00Z)
        pytest.param(
            date(2020, 10, 31),
            "America/Havana",
            datetime(2020, 11, 1, 4, tzinfo=UTC),
            id="havana-first-midnight",
        ),
        # 31 Mar 1990 in Havana: 1 Apr 00:00 did not exist (00:00 CST → 01:00 CDT); the
        # day starts at 01:00 CDT (−04:00) = 05:00Z
        pytest.param(
            date(1990, 3, 31),
            "America/Havana",
            datetime(1990, 4, 1, 5, tzinfo=UTC),
            id="havana-midnight-skipped",
        ),
    ],
)
def test_claim_deadline_ends(deadline: date, zone: str, ends_utc: datetime) -> None:
    assert claim_deadline_ends(deadline, zone).astimezone(UTC) == ends_utc


@pytest.mark.parametrize("zone", ["UTC", "America/New_York", "America/Havana", "Asia/Tokyo"])
@pytest.mark.parametrize("window", ["P1M", "P2M", "P30D", "P1MT12H"])
@pytest.mark.parametrize("month", ["2020-09", "2020-10", "2026-11"])
def test_a_deadline_ends_when_the_claim_closes(month: str, zone: str, window: str) -> None:
    # What a closed month's frozen line is judged by (its deadline and zone) agrees with
    # the live line's claim_open: open one microsecond before the end, closed at it.
    period = month_period(month, zone)
    ends = claim_deadline_ends(claim_deadline(period, window), zone)
    assert claim_is_open(period, window, ends - timedelta(microseconds=1))
    assert not claim_is_open(period, window, ends)


@pytest.mark.parametrize(
    ("policy", "locations"),
    [
        pytest.param(custom(), [], id="valid"),
        pytest.param(
            custom(tiers=(Tier(D("99.95"), credit_percent=D(10)),)),
            [("tiers", 0, "below_percent")],
            id="tier-above-target",
        ),
        pytest.param(
            custom(tiers=(Tier(D(99), credit_percent=D(10), credit_days=D(3)),)),
            [("tiers", 0)],
            id="both-percent-and-days",
        ),
        pytest.param(custom(tiers=(Tier(D(99)),)), [("tiers", 0)], id="neither-percent-nor-days"),
        pytest.param(
            custom(tiers=(Tier(D(99), credit_percent=D(0)),)),
            [("tiers", 0, "credit_percent")],
            id="zero-percent",
        ),
        pytest.param(
            custom(tiers=(Tier(D(99), credit_days=D(0)),)),
            [("tiers", 0, "credit_days")],
            id="zero-days",
        ),
        pytest.param(
            custom(tiers=(Tier(D(99), credit_percent=D(10)), Tier(D(99), credit_percent=D(20)))),
            [("tiers", 1, "below_percent")],
            id="duplicate-threshold",
        ),
        pytest.param(custom(tiers=()), [("tiers",)], id="no-tiers"),
        pytest.param(
            custom(target_percent=D(0), tiers=(Tier(D(0), credit_percent=D(10)),)),
            [("target_percent",), ("tiers", 0, "below_percent")],
            id="zero-target",
        ),
        pytest.param(
            custom(target_percent=D("100.1")), [("target_percent",)], id="target-above-100"
        ),
        pytest.param(
            custom(min_downtime_minutes=D(-1)), [("min_downtime_minutes",)], id="negative-minimum"
        ),
        pytest.param(
            custom(credit_cap_percent=D(101)), [("credit_cap_percent",)], id="cap-above-100"
        ),
        pytest.param(custom(credit_cap_days=D(-1)), [("credit_cap_days",)], id="negative-cap-days"),
        pytest.param(custom(claim_window="1 month"), [("claim_window",)], id="claim-window-prose"),
        pytest.param(custom(claim_window="P0D"), [("claim_window",)], id="claim-window-zero"),
        pytest.param(custom(claim_window=""), [("claim_window",)], id="claim-window-empty"),
        pytest.param(
            custom(claim_window="2026-12-31"), [("claim_window",)], id="claim-window-a-date"
        ),
    ],
)
def test_policy_errors(policy: Policy, locations: list[tuple[str | int, ...]]) -> None:
    errors = policy_errors(policy)
    assert [location for location, _ in errors] == locations
    assert all(message for _, message in errors)


def test_target_of_100_is_valid() -> None:
    policy = custom(target_percent=D(100), tiers=(Tier(D(100), credit_percent=D(10)),))
    assert policy_errors(policy) == []
