"""counted_spans: the stretches of the month that count as downtime, worked out by hand.

November 2026 in UTC unless a case says otherwise. Every case also checks that the
spans integrate to the `downtime_minutes` that `assess_service` reports, so the
picture of a month and its figures cannot disagree.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from fractions import Fraction

import pendulum
import pytest

from app.sla.assessment import Window, assess_service
from app.sla.periods import month_period, to_micros
from app.sla.policies import BUILTIN_POLICIES, Policy, Tier
from app.sla.timeline import counted_spans
from app.sla.windows import FULL, Span

F = Fraction
M365 = BUILTIN_POLICIES["microsoft-365"]  # UTC, maintenance excluded, no minimum run
KEEPS_MAINTENANCE = Policy(
    id="keeps",
    name="Maintenance counts",
    target_percent=Decimal("99.9"),
    tiers=(Tier(Decimal("99.9"), credit_percent=Decimal(10)),),
    exclude_maintenance=False,
)
MIN_10 = Policy(
    id="min-10",
    name="Minimum 10-minute runs",
    target_percent=Decimal("99.9"),
    tiers=(Tier(Decimal("99.9"), credit_percent=Decimal(25)),),
    min_downtime_minutes=Decimal(10),
)
MIN_15 = Policy(
    id="min-15",
    name="Minimum 15-minute runs",
    target_percent=Decimal("99.9"),
    tiers=(Tier(Decimal("99.9"), credit_percent=Decimal(25)),),
    min_downtime_minutes=Decimal(15),
)
NY = Policy(
    id="ny",
    name="Measured in the tenant zone",
    target_percent=Decimal("99.9"),
    tiers=(Tier(Decimal("99.9"), credit_percent=Decimal(25)),),
    measurement_timezone="tenant",
)
AFTER = pendulum.datetime(2026, 12, 5, 12, tz="UTC")


def at(day: int, hour: int = 0, minute: int = 0, month: int = 11) -> datetime:
    return pendulum.datetime(2026, month, day, hour, minute, tz="UTC")


def out(start: datetime, end: datetime | None, impact: Fraction = FULL) -> Window:
    return Window.between(start, end, "outage", impact)


def maint(start: datetime, end: datetime) -> Window:
    return Window.between(start, end, "maintenance")


def span(start: datetime, end: datetime, impact: Fraction = FULL) -> Span:
    return (to_micros(start), to_micros(end), impact)


@dataclass
class Case:
    name: str
    windows: list[Window]
    expected: list[Span]
    policy: Policy = M365
    now: datetime = AFTER
    tenant_timezone: str = "UTC"


CASES = [
    Case("an empty month", [], []),
    Case(
        "one outage, 14:00-15:00 on the 3rd",
        [out(at(3, 14), at(3, 15))],
        [span(at(3, 14), at(3, 15))],
    ),
    Case(
        # A 14:00-15:00 and B 14:30-15:10 share 30 minutes: one run 14:00-15:10 (70 min).
        "overlapping outages are one run",
        [out(at(3, 14), at(3, 15)), out(at(3, 14, 30), at(3, 15, 10))],
        [span(at(3, 14), at(3, 15, 10))],
    ),
    Case(
        # 01:00-01:45 less maintenance 01:10-01:40: 01:00-01:10 and 01:40-01:45 (15 min).
        "maintenance punches a hole where the policy excludes it",
        [out(at(10, 1), at(10, 1, 45)), maint(at(10, 1, 10), at(10, 1, 40))],
        [span(at(10, 1), at(10, 1, 10)), span(at(10, 1, 40), at(10, 1, 45))],
    ),
    Case(
        "maintenance counts where the policy does not exclude it",
        [out(at(10, 1), at(10, 1, 45)), maint(at(10, 1, 10), at(10, 1, 40))],
        [span(at(10, 1), at(10, 1, 45))],
        policy=KEEPS_MAINTENANCE,
    ),
    Case(
        "maintenance alone is no downtime",
        [maint(at(10, 1), at(10, 2))],
        [],
    ),
    Case(
        # 10:00-10:05 is 5 min < 10: dropped; 11:00-11:12 is 12 min >= 10: kept.
        "runs shorter than the minimum are dropped",
        [out(at(4, 10), at(4, 10, 5)), out(at(4, 11), at(4, 11, 12))],
        [span(at(4, 11), at(4, 11, 12))],
        policy=MIN_10,
    ),
    Case(
        # 10:00-10:20 less maintenance 10:05-10:15 leaves two 5-minute runs: both dropped.
        "the minimum run is judged after maintenance is cut out",
        [out(at(4, 10), at(4, 10, 20)), maint(at(4, 10, 5), at(4, 10, 15))],
        [],
        policy=MIN_10,
    ),
    Case(
        # 10:00-10:10 and 10:10-10:20 touch: one 20-minute run >= 15, kept whole.
        "touching windows are one run",
        [out(at(4, 10), at(4, 10, 10)), out(at(4, 10, 10), at(4, 10, 20))],
        [span(at(4, 10), at(4, 10, 20))],
        policy=MIN_15,
    ),
    Case(
        # Half the service down 10:00-11:00, all of it 10:30-10:45: the larger impact wins
        # where they overlap, so the impact changes twice.
        "partial impacts: the largest one counts, spans split where it changes",
        [out(at(5, 10), at(5, 11), F(1, 2)), out(at(5, 10, 30), at(5, 10, 45))],
        [
            span(at(5, 10), at(5, 10, 30), F(1, 2)),
            span(at(5, 10, 30), at(5, 10, 45)),
            span(at(5, 10, 45), at(5, 11), F(1, 2)),
        ],
    ),
    Case(
        # 30 Nov 23:50 to 1 Dec 00:30: only the 10 minutes before midnight are November's.
        "clipped at the period's end",
        [out(at(30, 23, 50), at(1, 0, 30, month=12))],
        [span(at(30, 23, 50), at(1, 0, 0, month=12))],
    ),
    Case(
        # 31 Oct 23:00 to 1 Nov 01:00: the hour after midnight is November's.
        "clipped at the period's start",
        [out(at(31, 23, month=10), at(1, 1))],
        [span(at(1, 0), at(1, 1))],
    ),
    Case(
        # 31 Oct 23:55 to 1 Nov 00:06 is an 11-minute run, >= 10, judged whole: the
        # 6 minutes inside November count.
        "a run reaching into the month is judged on its whole length",
        [out(at(31, 23, 55, month=10), at(1, 0, 6))],
        [span(at(1, 0), at(1, 0, 6))],
        policy=MIN_10,
    ),
    Case(
        "an ongoing outage runs to now",
        [out(at(30, 23), None)],
        [span(at(30, 23), at(30, 23, 20))],
        now=at(30, 23, 20),
    ),
    Case(
        "an ongoing outage after the month runs to its end",
        [out(at(30, 23), None)],
        [span(at(30, 23), at(1, 0, month=12))],
    ),
    Case(
        # New York's November: 1 Nov 00:00 EDT (04:00Z) to 1 Dec 00:00 EST (05:00Z).
        # 03:00Z-05:00Z on the 1st: only 04:00Z-05:00Z is inside.
        "measured in a DST zone",
        [out(at(1, 3), at(1, 5))],
        [span(at(1, 4), at(1, 5))],
        policy=NY,
        tenant_timezone="America/New_York",
    ),
    Case(
        # Outside the period on both sides: nothing.
        "windows wholly outside the month",
        [out(at(31, 10, month=10), at(31, 11, month=10)), out(at(2, 10, month=12), None)],
        [],
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_counted_spans(case: Case) -> None:
    period = month_period("2026-11", case.policy.zone_for(case.tenant_timezone))
    spans = counted_spans(case.windows, policy=case.policy, period=period, now=case.now)
    assert spans == case.expected

    assessed = assess_service(
        case.windows,
        policy=case.policy,
        month="2026-11",
        tenant_timezone=case.tenant_timezone,
        monthly_fee=Decimal(100),
        minor_units=2,
        now=case.now,
    )
    weighted = sum((F(end - start) * impact for start, end, impact in spans), F(0))
    assert weighted / 60_000_000 == assessed.downtime_minutes
