"""Service credits and claim deadlines."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache

import pendulum

from app.sla.numbers import round_half_up
from app.sla.periods import Period, day_start
from app.sla.policies import Policy, Tier, parse_claim_window


@dataclass(frozen=True, slots=True)
class Credit:
    """What the provider owes: a tier's percent or days, and the money, rounded and capped."""

    percent: Decimal | None
    days: Decimal | None
    amount: Decimal


def tier_for(tiers: Sequence[Tier], availability: Fraction) -> Tier | None:
    """The tier with the lowest threshold that availability is still strictly below."""
    for tier in sorted(tiers, key=lambda tier: tier.below_percent):
        if availability < tier.below_percent:
            return tier
    return None


def credit_for(
    policy: Policy,
    availability: Fraction,
    monthly_fee: Decimal,
    calendar_days: int,
    minor_units: int,
) -> Credit:
    """The credit for a month, rounded half-up to the minor unit, then capped.

    Days of service convert to money as `fee × days / calendar days in the month`.
    """
    tier = tier_for(policy.tiers, availability)
    if tier is None:
        return Credit(percent=None, days=None, amount=round_half_up(0, minor_units))
    fee = Fraction(monthly_fee)
    if tier.credit_percent is not None:
        raw = fee * Fraction(tier.credit_percent) / 100
    else:
        assert tier.credit_days is not None
        raw = fee * Fraction(tier.credit_days) / calendar_days
    amount = round_half_up(raw, minor_units)
    amount = min(
        amount, round_half_up(fee * Fraction(policy.credit_cap_percent) / 100, minor_units)
    )
    if policy.credit_cap_days is not None:
        cap = fee * Fraction(policy.credit_cap_days) / calendar_days
        amount = min(amount, round_half_up(cap, minor_units))
    return Credit(percent=tier.credit_percent, days=tier.credit_days, amount=amount)


def claim_deadline(period: Period, claim_window: str) -> date:
    """The last whole day before `period_end + claim_window`, in the period's zone.

    `P1M` after a November period ends at 1 January 00:00, so the deadline is 31 December.
    """
    return _claim_closes(period, claim_window).subtract(days=1).date()


def claim_is_open(period: Period, claim_window: str, now: datetime) -> bool:
    return now < _claim_closes(period, claim_window)


def claim_deadline_ends(deadline: date, timezone: str) -> pendulum.DateTime:
    """The instant the deadline's day ends in `timezone`: the start of the next day.

    A claim may be filed until then. For a report line this is exactly when its
    `claim_open` turns false, so a frozen line's deadline is judged as a live one's.
    """
    return day_start(deadline + timedelta(days=1), timezone)


# Every line of a month under one policy and zone closes its claims at the same instant.
@lru_cache(maxsize=1024)
def _claim_closes(period: Period, claim_window: str) -> pendulum.DateTime:
    """Midnight starting the day on which `period_end + claim_window` falls."""
    closes: pendulum.DateTime = period.end + parse_claim_window(claim_window)
    # The first instant of that day: where midnight happens twice, the first one.
    return day_start(closes.date(), period.timezone)
