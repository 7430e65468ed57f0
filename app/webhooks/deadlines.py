"""`claim.deadline_near`: a periodic check that warns once per tenant, service and month.

A line qualifies when its month is closed, it carries a credit, no claim for it has
been filed, and its claim deadline is at most 7 days away (from the UTC date of
`now` up to 7 days later, the deadline day included). Each (tenant, service, month)
is announced once: the check records what it sent in `webhook_deadline_notice`, in
the same transaction as the event, so a tick that finds the line again sends
nothing, and two workers racing for one line send it once.

Wiring it to the ledger
-----------------------
The ledger (closed months, claims) is not part of this package, and this package
must not import it. The check finds its lines through a *candidates query*, a plain
function passed in by whoever starts the worker (`app.main` passes
`app.ledger.events.unclaimed_credits`):

    def candidates(session: Session, first: date, last: date) -> Iterable[DeadlineCandidate]

returning the closed lines with a credit and no filed claim whose `claim_deadline`
lies in [first, last]. The worker calls `check_deadlines(engine, now, candidates)`
every `SLA_WEBHOOK_DEADLINE_CHECK_SECONDS` (default an hour); tests call it with an
injected `now`.
"""

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.db import write_session
from app.models import WebhookDeadlineNotice
from app.sla.periods import to_micros
from app.webhooks.service import record_event

log = logging.getLogger(__name__)

LEAD = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class DeadlineCandidate:
    """A closed line with a credit and no filed claim, as the ledger reports it."""

    tenant_id: str
    service_id: str
    month: str  # YYYY-MM
    claim_deadline: date
    credit_amount: Decimal | str  # a decimal, never a float
    currency: str


CandidatesQuery = Callable[[Session, date, date], Iterable[DeadlineCandidate]]


def _has_credit(candidate: DeadlineCandidate) -> bool:
    try:
        return Decimal(str(candidate.credit_amount)) > 0
    except InvalidOperation:
        return False


def check_deadlines(engine: Engine, now: datetime, candidates: CandidatesQuery) -> int:
    """Emit `claim.deadline_near` for each line newly within 7 days of its deadline.

    Returns how many events it emitted; a line announced before is never announced again.
    """
    first = now.astimezone(UTC).date()
    last = first + LEAD
    with Session(engine) as session:
        found = [
            candidate
            for candidate in candidates(session, first, last)
            # The query is trusted only as far as it must be: the window and the
            # credit are checked here too.
            if first <= candidate.claim_deadline <= last and _has_credit(candidate)
        ]
    if not found:
        return 0
    try:
        return _announce(engine, found, to_micros(now))
    except IntegrityError:
        # Another worker announced some of these lines at the same moment; once its
        # transaction is committed, a second pass sees them and skips them.
        return _announce(engine, found, to_micros(now))


def _announce(engine: Engine, found: list[DeadlineCandidate], now_micros: int) -> int:
    announced = 0
    for session in write_session(engine):
        tenants = {candidate.tenant_id for candidate in found}
        months = {candidate.month for candidate in found}
        done = {
            (notice.tenant_id, notice.service_id, notice.month)
            for notice in session.exec(
                select(WebhookDeadlineNotice).where(
                    col(WebhookDeadlineNotice.tenant_id).in_(tenants),
                    col(WebhookDeadlineNotice.month).in_(months),
                )
            )
        }
        for candidate in sorted(found, key=lambda c: (c.tenant_id, c.service_id, c.month)):
            key = (candidate.tenant_id, candidate.service_id, candidate.month)
            if key in done:
                continue
            done.add(key)
            try:
                event_id = record_event(
                    session,
                    "claim.deadline_near",
                    candidate.tenant_id,
                    {
                        "service_id": candidate.service_id,
                        "month": candidate.month,
                        "claim_deadline": candidate.claim_deadline,
                        "credit_amount": candidate.credit_amount,
                        "currency": candidate.currency,
                    },
                    now_micros,
                )
            except ValueError:
                # Checked before anything is written: one bad line must not block the rest.
                log.exception("claim.deadline_near for %s does not fit its schema", key)
                continue
            session.add(
                WebhookDeadlineNotice(
                    tenant_id=candidate.tenant_id,
                    service_id=candidate.service_id,
                    month=candidate.month,
                    claim_deadline=candidate.claim_deadline.isoformat(),
                    event_id=event_id,
                    fired_micros=now_micros,
                )
            )
            announced += 1
        session.commit()
    return announced
