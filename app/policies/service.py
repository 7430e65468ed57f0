"""Policies by id: the built-in ones from the core, custom ones from the database."""

from decimal import Decimal

from sqlmodel import Session, col, select

from app.models import CustomPolicy
from app.policies.schemas import PolicyCreate, PolicyPublic, TierPublic
from app.sla.numbers import decimal_text
from app.sla.policies import BUILTIN_POLICIES, MeasurementZone, Policy, Tier


def find_policy(session: Session, policy_id: str) -> Policy | None:
    builtin = BUILTIN_POLICIES.get(policy_id)
    if builtin is not None:
        return builtin
    row = session.get(CustomPolicy, policy_id)
    return None if row is None else policy_from_row(row)


def policies_page(session: Session, after_id: str | None, limit: int) -> tuple[list[Policy], bool]:
    """Up to `limit` policies after the one with `after_id`: the built-in ones in their
    own order, then the custom ones by id (a custom id never equals a built-in one); and
    whether more follow."""
    builtin = list(BUILTIN_POLICIES.values())
    custom = select(CustomPolicy)
    if after_id in BUILTIN_POLICIES:
        builtin = builtin[list(BUILTIN_POLICIES).index(after_id) + 1 :]
    elif after_id is not None:
        builtin = []
        custom = custom.where(col(CustomPolicy.id) > after_id)
    wanted = limit + 1 - len(builtin)
    rows = session.exec(custom.order_by(col(CustomPolicy.id)).limit(max(wanted, 0))).all()
    found = [*builtin, *(policy_from_row(row) for row in rows)]
    return found[:limit], len(found) > limit


def policy_from_create(body: PolicyCreate) -> Policy:
    return Policy(
        id=body.id,
        name=body.name,
        target_percent=body.target_percent,
        tiers=tuple(
            Tier(t.below_percent, credit_percent=t.credit_percent, credit_days=t.credit_days)
            for t in body.tiers
        ),
        measurement_timezone=body.measurement_timezone,
        min_downtime_minutes=body.min_downtime_minutes,
        exclude_maintenance=body.exclude_maintenance,
        claim_window=body.claim_window,
        credit_cap_percent=body.credit_cap_percent,
        credit_cap_days=body.credit_cap_days,
        source=body.source,
    )


def _text(value: Decimal | None) -> str | None:
    return None if value is None else decimal_text(value)


def _decimal(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def policy_to_row(policy: Policy, created_micros: int) -> CustomPolicy:
    # The stored text is exactly what the API shows, so the two cannot drift apart.
    public = policy_public(policy)
    return CustomPolicy(
        **public.model_dump(exclude={"builtin"}),
        created_micros=created_micros,
    )


def policy_from_row(row: CustomPolicy) -> Policy:
    zone: MeasurementZone = "tenant" if row.measurement_timezone == "tenant" else "UTC"
    return Policy(
        id=row.id,
        name=row.name,
        target_percent=Decimal(row.target_percent),
        tiers=tuple(
            Tier(
                Decimal(str(tier["below_percent"])),
                credit_percent=_decimal(tier["credit_percent"]),
                credit_days=_decimal(tier["credit_days"]),
            )
            for tier in row.tiers
        ),
        measurement_timezone=zone,
        min_downtime_minutes=Decimal(row.min_downtime_minutes),
        exclude_maintenance=row.exclude_maintenance,
        claim_window=row.claim_window,
        credit_cap_percent=Decimal(row.credit_cap_percent),
        credit_cap_days=_decimal(row.credit_cap_days),
        source=row.source,
    )


def policy_public(policy: Policy) -> PolicyPublic:
    return PolicyPublic(
        id=policy.id,
        name=policy.name,
        target_percent=decimal_text(policy.target_percent),
        tiers=[
            TierPublic(
                below_percent=decimal_text(tier.below_percent),
                credit_percent=_text(tier.credit_percent),
                credit_days=_text(tier.credit_days),
            )
            for tier in policy.tiers
        ],
        measurement_timezone=policy.measurement_timezone,
        min_downtime_minutes=decimal_text(policy.min_downtime_minutes),
        exclude_maintenance=policy.exclude_maintenance,
        claim_window=policy.claim_window,
        credit_cap_percent=decimal_text(policy.credit_cap_percent),
        credit_cap_days=_text(policy.credit_cap_days),
        source=policy.source,
        builtin=policy.builtin,
    )
