"""SLA policies: a target, credit tiers, and the rules that shape downtime."""

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

import pendulum

MeasurementZone = Literal["UTC", "tenant"]
MAX_CLAIM_YEARS = 10
# [0-9], not \d, which also matches Arabic-Indic and fullwidth digits that int() reads.
_DURATION = re.compile(
    r"P(?:(?P<years>[0-9]+)Y)?(?:(?P<months>[0-9]+)M)?"
    r"(?:(?P<weeks>[0-9]+)W)?(?:(?P<days>[0-9]+)D)?"
    r"(?P<time>T(?:(?P<hours>[0-9]+)H)?(?:(?P<minutes>[0-9]+)M)?(?:(?P<seconds>[0-9]+)S)?)?",
    re.ASCII,
)
_DURATION_UNITS = ("years", "months", "weeks", "days", "hours", "minutes", "seconds")
# Ten significant digits of any unit, even seconds (10⁹ s ≈ 31.7 years), are more than
# MAX_CLAIM_YEARS; nothing longer is read, which keeps int() and the calendar in range.
_MAX_DIGITS = 9
# A run longer than a year could never be judged within one report's reach.
MAX_MIN_DOWNTIME_MINUTES = Decimal(366 * 1440)
Location = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Tier:
    """Availability strictly below `below_percent` earns this credit."""

    below_percent: Decimal
    credit_percent: Decimal | None = None
    credit_days: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Policy:
    id: str
    name: str
    target_percent: Decimal
    tiers: tuple[Tier, ...]
    measurement_timezone: MeasurementZone = "UTC"
    min_downtime_minutes: Decimal = Decimal(0)
    exclude_maintenance: bool = True
    claim_window: str = "P1M"
    credit_cap_percent: Decimal = Decimal(100)
    credit_cap_days: Decimal | None = None
    source: str | None = None
    builtin: bool = False

    def zone_for(self, tenant_timezone: str) -> str:
        return tenant_timezone if self.measurement_timezone == "tenant" else "UTC"


def parse_claim_window(text: str) -> pendulum.Duration:
    """A positive ISO 8601 duration `P[nY][nM][nW][nD][T[nH][nM][nS]]` of at most 10 years.

    Whole numbers of ASCII digits only, designators in upper case (the form the standard
    writes and the form shown back in reports), at least one part, and a `T` only with a
    time part after it. Refused: intervals (`2026-01-01/P1M`, `R5/P1D`), signs (`-P1M`),
    fractions (`PT0.5H`), zero (`P0D`), lower case (`p1m`), anything longer than 10 years.
    """
    match = _DURATION.fullmatch(text)
    if match is None or not any(match.groups()) or match["time"] == "T":
        raise ValueError(f"'{text}' is not an ISO 8601 duration such as P1M or P30D")
    digits = [match[unit] or "0" for unit in _DURATION_UNITS]
    if any(len(number.lstrip("0")) > _MAX_DIGITS for number in digits):
        raise ValueError(f"'{text}' is longer than {MAX_CLAIM_YEARS} years")
    years, months, weeks, days, hours, minutes, seconds = (int(number) for number in digits)
    if not any((years, months, weeks, days, hours, minutes, seconds)):
        raise ValueError(f"'{text}' must be longer than zero")
    origin = pendulum.datetime(2000, 1, 1)
    try:
        duration = pendulum.Duration(
            years=years,
            months=months,
            weeks=weeks,
            days=days,
            hours=hours,
            minutes=minutes,
            seconds=seconds,
        )
        if origin + duration <= origin.add(years=MAX_CLAIM_YEARS):
            return duration
    except (OverflowError, ValueError):
        pass  # past the end of what a timedelta or the calendar holds: far too long
    raise ValueError(f"'{text}' is longer than {MAX_CLAIM_YEARS} years")


def policy_errors(policy: Policy) -> list[tuple[Location, str]]:
    """Everything wrong with a policy, each with the field it concerns."""
    errors: list[tuple[Location, str]] = []
    if not Decimal(0) < policy.target_percent <= Decimal(100):
        errors.append((("target_percent",), f"must be in (0, 100], got '{policy.target_percent}'"))
    if not policy.tiers:
        errors.append((("tiers",), "at least one tier is needed"))
    seen: set[Decimal] = set()
    for index, tier in enumerate(policy.tiers):
        errors.extend((("tiers", index, *loc), msg) for loc, msg in _tier_errors(tier, policy))
        if tier.below_percent in seen:
            errors.append(
                (("tiers", index, "below_percent"), f"'{tier.below_percent}' appears twice")
            )
        seen.add(tier.below_percent)
    if not 0 <= policy.min_downtime_minutes <= MAX_MIN_DOWNTIME_MINUTES:
        errors.append(
            (
                ("min_downtime_minutes",),
                f"must be in [0, {MAX_MIN_DOWNTIME_MINUTES}], got '{policy.min_downtime_minutes}'",
            )
        )
    if not Decimal(0) <= policy.credit_cap_percent <= Decimal(100):
        errors.append(
            (("credit_cap_percent",), f"must be in [0, 100], got '{policy.credit_cap_percent}'")
        )
    if policy.credit_cap_days is not None and policy.credit_cap_days < 0:
        errors.append((("credit_cap_days",), f"must be >= 0, got '{policy.credit_cap_days}'"))
    try:
        parse_claim_window(policy.claim_window)
    except ValueError as error:
        errors.append((("claim_window",), str(error)))
    return errors


def _tier_errors(tier: Tier, policy: Policy) -> list[tuple[Location, str]]:
    errors: list[tuple[Location, str]] = []
    if not Decimal(0) < tier.below_percent <= policy.target_percent:
        errors.append(
            (
                ("below_percent",),
                f"must be in (0, target_percent {policy.target_percent}], "
                f"got '{tier.below_percent}'",
            )
        )
    if (tier.credit_percent is None) == (tier.credit_days is None):
        errors.append(
            (
                (),
                "give exactly one of credit_percent and credit_days "
                f"(got credit_percent '{tier.credit_percent}', credit_days '{tier.credit_days}')",
            )
        )
    if tier.credit_percent is not None and not Decimal(0) < tier.credit_percent <= 100:
        errors.append((("credit_percent",), f"must be in (0, 100], got '{tier.credit_percent}'"))
    if tier.credit_days is not None and tier.credit_days <= 0:
        errors.append((("credit_days",), f"must be > 0, got '{tier.credit_days}'"))
    return errors


def _tiers(*rows: tuple[str, str], days: bool = False) -> tuple[Tier, ...]:
    if days:
        return tuple(Tier(Decimal(below), credit_days=Decimal(c)) for below, c in rows)
    return tuple(Tier(Decimal(below), credit_percent=Decimal(c)) for below, c in rows)


BUILTIN_POLICIES: dict[str, Policy] = {
    policy.id: policy
    for policy in (
        # Microsoft Online Services SLA (Exchange Online and most Microsoft 365 services):
        # "Downtime" excludes Scheduled Downtime; claims by the end of the calendar month
        # following the month of the incident.
        Policy(
            id="microsoft-365",
            name="Microsoft 365 (Online Services SLA)",
            target_percent=Decimal("99.9"),
            tiers=_tiers(("99.9", "25"), ("99", "50"), ("95", "100")),
            exclude_maintenance=True,
            claim_window="P1M",
            source="https://www.microsoft.com/licensing/docs/view/Service-Level-Agreements-SLA-for-Online-Services",
            builtin=True,
        ),
        # Amazon Compute Service Level Agreement, region-level commitment; claims by the
        # end of the second billing cycle after the incident.
        Policy(
            id="aws-ec2",
            name="Amazon EC2 (Compute SLA, region level)",
            target_percent=Decimal("99.99"),
            tiers=_tiers(("99.99", "10"), ("99.0", "30"), ("95.0", "100")),
            exclude_maintenance=False,
            claim_window="P2M",
            source="https://aws.amazon.com/compute/sla/",
            builtin=True,
        ),
        # Google Workspace Service Level Agreement: credits are days of service added to
        # the term, at most 15 days; notify within 30 days; no minimum downtime period.
        Policy(
            id="google-workspace",
            name="Google Workspace",
            target_percent=Decimal("99.9"),
            tiers=_tiers(("99.9", "3"), ("99", "7"), ("95", "15"), days=True),
            exclude_maintenance=False,
            claim_window="P30D",
            credit_cap_days=Decimal(15),
            source="https://workspace.google.com/terms/sla/",
            builtin=True,
        ),
        # SLA for Azure Virtual Machines, two or more instances across two or more
        # Availability Zones in the same region.
        Policy(
            id="azure-vm-zones",
            name="Azure Virtual Machines (two or more availability zones)",
            target_percent=Decimal("99.99"),
            tiers=_tiers(("99.99", "10"), ("99", "25"), ("95", "100")),
            exclude_maintenance=False,
            claim_window="P2M",
            source="https://www.microsoft.com/licensing/docs/view/Service-Level-Agreements-SLA-for-Online-Services",
            builtin=True,
        ),
    )
}
