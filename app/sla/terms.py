"""Terms over time: which policy, fee and seats are in force in a month.

A subscription's history is a list of changes, each from a month on: new terms, or
the end of the subscription. A change holds until the next later change. Months
before the first change do not have the service. Nothing here reads a clock or a
database; months are `YYYY-MM` text, which sorts as the calendar does.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from app.sla.periods import FIRST_MONTH, add_months, parse_month


@dataclass(frozen=True, slots=True)
class Terms:
    policy_id: str
    monthly_fee: Decimal
    # Seats, to weigh `users_affected`; None when the terms set none.
    users: int | None = None


@dataclass(frozen=True, slots=True)
class TermsChange:
    """From `effective_from` on: `terms`, or (None) the subscription has ended."""

    effective_from: str
    terms: Terms | None


@dataclass(frozen=True, slots=True)
class TermsSpan:
    """Terms and the months they are in force: `effective_to` is the last such month
    (inclusive), None while no later change is known."""

    effective_from: str
    effective_to: str | None
    terms: Terms


def terms_in_force(changes: Sequence[TermsChange], month: str) -> Terms | None:
    """The terms of the latest change from `month` or before, None if there is none
    or the subscription had ended by then."""
    parse_month(month)
    found: Terms | None = None
    for change in sorted(changes, key=_from):
        if change.effective_from > month:
            break
        found = change.terms
    return found


def normalized(changes: Sequence[TermsChange]) -> list[TermsChange]:
    """The same months in force with the fewest changes, oldest first.

    Dropped: an end before any terms (nothing to end), an end after an end, and terms
    equal to those already in force (a fee of `1200` equals `1200.00`).
    """
    kept: list[TermsChange] = []
    current: Terms | None = None
    for change in sorted(changes, key=_from):
        if change.terms == current:
            continue
        kept.append(change)
        current = change.terms
    return kept


def with_terms(
    changes: Sequence[TermsChange], effective_from: str, terms: Terms
) -> list[TermsChange]:
    """`terms` from `effective_from` until the next later change, normalized."""
    parse_month(effective_from)
    others = [change for change in changes if change.effective_from != effective_from]
    return normalized([*others, TermsChange(effective_from, terms)])


def ended(changes: Sequence[TermsChange], effective_from: str) -> list[TermsChange]:
    """The subscription ends from `effective_from`: later changes are dropped too."""
    parse_month(effective_from)
    earlier = [change for change in changes if change.effective_from < effective_from]
    return normalized([*earlier, TermsChange(effective_from, None)])


def spans(changes: Sequence[TermsChange]) -> list[TermsSpan]:
    """Each stretch of months with the same terms, oldest first; ended stretches omitted."""
    ordered = normalized(changes)
    found = []
    for index, change in enumerate(ordered):
        if change.terms is None:
            continue
        following = ordered[index + 1] if index + 1 < len(ordered) else None
        last = None if following is None else add_months(following.effective_from, -1)
        found.append(TermsSpan(change.effective_from, last, change.terms))
    return found


def first_month(changes: Sequence[TermsChange]) -> str | None:
    """The first month any terms are in force, None if never."""
    found = spans(changes)
    return found[0].effective_from if found else None


def is_every_month(month: str) -> bool:
    """Whether terms from `month` are in force from the first month there is."""
    return month == FIRST_MONTH


def _from(change: TermsChange) -> str:
    return change.effective_from
