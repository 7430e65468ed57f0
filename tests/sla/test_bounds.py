"""Inputs at the edge of the calendar are refused with a message, never a crash."""

from decimal import Decimal

import pytest

from app.sla.periods import MonthError, month_period, parse_month
from app.sla.policies import Policy, Tier, parse_claim_window, policy_errors
from app.sla.timestamps import TimestampError, parse_timestamp


@pytest.mark.parametrize(
    "text",
    [
        "1969-12-31T23:59:59Z",  # before the first year
        "3000-01-01T00:00:00Z",  # after the last year
        "0001-01-01T00:00:00+14:00",  # would be year 0 in UTC
        "0001-01-01T00:00:00",  # naive, read in the zone
    ],
)
def test_timestamps_outside_1970_to_2999_are_refused(text: str) -> None:
    with pytest.raises(TimestampError, match="outside the years 1970 to 2999") as error:
        parse_timestamp(text, "Pacific/Kiritimati")
    assert text in str(error.value)


@pytest.mark.parametrize("month", ["1969-12", "3000-01"])
def test_months_outside_1970_to_2999_are_refused(month: str) -> None:
    with pytest.raises(MonthError, match=month):
        parse_month(month)


def test_the_last_month_still_has_an_end() -> None:
    # December 2999 runs to 1 January 3000: 31 × 1440 = 44640 minutes.
    assert month_period("2999-12", "UTC").minutes == 44640


@pytest.mark.parametrize("window", ["P10Y1D", "P99999999Y", "P999999999999999999999D"])
def test_claim_windows_over_ten_years_are_refused(window: str) -> None:
    with pytest.raises(ValueError, match="longer than 10 years"):
        parse_claim_window(window)


def test_a_ten_year_claim_window_is_allowed() -> None:
    assert parse_claim_window("P10Y").years == 10


def test_min_downtime_longer_than_a_year_is_refused() -> None:
    policy = Policy(
        id="x",
        name="X",
        target_percent=Decimal("99.9"),
        tiers=(Tier(Decimal("99"), credit_percent=Decimal(10)),),
        # 366 days × 1440 = 527040 minutes is the most.
        min_downtime_minutes=Decimal(527041),
    )
    assert [loc for loc, _ in policy_errors(policy)] == [("min_downtime_minutes",)]
