"""Sending what is due: claim pending deliveries, send each signed, record the outcome.

`deliver_due` is one step of the worker (`app.webhooks.worker` calls it in a loop;
tests call it with an injected `now`):

1. **Claim.** In one short write transaction, the due `pending` rows (oldest first,
   at most `webhook_batch_size`) are selected `FOR UPDATE SKIP LOCKED` and stamped
   with a claim token and a lease (`now + webhook_lease_seconds`). On PostgreSQL
   several workers, on one host or many, each skip the rows another is claiming; on
   SQLite the write lock (`BEGIN IMMEDIATE`) lets one claim at a time. Rows leased
   to another worker are not due until the lease runs out.
2. **Send**, outside any transaction, so no database lock waits for a receiver:
   the URL's host is resolved and checked again (unless insecure targets are
   allowed), then the stored body is POSTed with the Standard Webhooks headers
   (`webhook-id` is the event's id, the same on every attempt).
3. **Record**, in a second short transaction, only if the row still carries our
   claim: `delivered` (2xx), `retrying` (and the next attempt written as a new
   `pending` row, due after the backoff) or `failed` (final).

A worker that dies between 1 and 3 leaves its rows leased; when the lease runs out
another worker sends them again, with the same `webhook-id`. Delivery is at least
once, and receivers drop repeats by that id, as the Standard Webhooks spec says.
"""

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, cast

import httpx
import standardwebhooks
from sqlalchemy import CursorResult, Engine, and_, or_, update
from sqlmodel import Session, col, select

from app.config import Settings
from app.db import write_session
from app.imports.sources import parse_retry_after
from app.metrics import WEBHOOK_DELIVERIES
from app.models import Webhook, WebhookDelivery, WebhookEvent
from app.net import AddressProblem, address_problem
from app.sla.periods import to_micros

log = logging.getLogger(__name__)

AddressCheck = Callable[[str], AddressProblem | None]
USER_AGENT = "SLA-Ledger-Webhooks/0.1.0"
# What a receiver may answer and still get the event again later: it timed out,
# throttled us, or failed itself. Any other 3xx or 4xx says it looked at this event
# and refused it; the same bytes would be refused again.
RETRYABLE_STATUSES = frozenset({408, 425, 429})
_ERROR_LENGTH = 500


@dataclass(frozen=True, slots=True)
class Claimed:
    """A delivery this worker holds, with what sending it needs."""

    id: int
    claim: str
    webhook_id: str
    url: str
    secret: str = field(repr=False)
    event_id: str
    event_type: str
    body: str
    attempt: int


@dataclass(frozen=True, slots=True)
class Outcome:
    delivered: bool
    retryable: bool
    response_code: int | None = None
    error: str | None = None
    retry_after: float | None = None


def deliver_due(
    engine: Engine,
    now: datetime,
    client: httpx.Client,
    settings: Settings,
    *,
    check_address: AddressCheck = address_problem,
    clock: Callable[[], datetime] | None = None,
    stopping: Callable[[], bool] = lambda: False,
) -> int:
    """Send the deliveries due at `now`; the number of attempts made.

    Each attempt is stamped (and signed) with `clock()` when given, else with `now`.
    Once `stopping()` says so, the deliveries not yet sent are handed back unsent.
    """
    claimed = claim_due(engine, to_micros(now), settings)
    for made, item in enumerate(claimed):
        if stopping():
            release(engine, claimed[made:])
            return made
        at = now if clock is None else clock()
        try:
            outcome = send(client, item, at, settings, check_address)
        except Exception as error:  # one broken delivery must not strand the others
            log.exception("webhook delivery %s failed unexpectedly", item.id)
            outcome = Outcome(False, True, error=f"unexpected error: {type(error).__name__}")
        record_outcome(engine, item, outcome, to_micros(at), settings)
    return len(claimed)


def _due(now_micros: int) -> Any:
    return and_(
        col(WebhookDelivery.status) == "pending",
        col(WebhookDelivery.due_micros) <= now_micros,
        or_(
            col(WebhookDelivery.lease_micros).is_(None),
            col(WebhookDelivery.lease_micros) <= now_micros,
        ),
    )


def claim_due(engine: Engine, now_micros: int, settings: Settings) -> list[Claimed]:
    """Lease up to a batch of due deliveries to this caller."""
    # A plain read first: most polls find nothing, and on SQLite taking the write
    # lock for an empty poll would make API writes queue behind it.
    with Session(engine) as session:
        if (
            session.exec(select(WebhookDelivery.id).where(_due(now_micros)).limit(1)).first()
            is None
        ):
            return []
    claim = secrets.token_hex(8)
    lease_micros = now_micros + int(settings.webhook_lease_seconds * 1_000_000)
    claimed: list[Claimed] = []
    for session in write_session(engine):
        rows = list(
            session.exec(
                select(WebhookDelivery)
                .where(_due(now_micros))
                .order_by(col(WebhookDelivery.due_micros), col(WebhookDelivery.id))
                .limit(settings.webhook_batch_size)
                .with_for_update(skip_locked=True)
            )
        )
        claimed = _claimed(session, rows, claim)
        for row in rows:
            row.claim, row.lease_micros = claim, lease_micros
            session.add(row)
        session.commit()
    return claimed


def _still_ours(item: Claimed) -> Any:
    """The row of a claimed delivery, if no other worker has taken it over since."""
    return and_(
        col(WebhookDelivery.id) == item.id,
        col(WebhookDelivery.claim) == item.claim,
        col(WebhookDelivery.status) == "pending",
    )


def release(engine: Engine, items: list[Claimed]) -> None:
    """Hand claimed deliveries back unsent, due as before: a stopping worker's batch
    goes to the next worker now rather than when its lease runs out."""
    for session in write_session(engine):
        for item in items:
            session.execute(
                update(WebhookDelivery)
                .where(_still_ours(item))
                .values(claim=None, lease_micros=None)
            )
        session.commit()


def _claimed(session: Session, rows: list[WebhookDelivery], claim: str) -> list[Claimed]:
    webhook_ids = {row.webhook_id for row in rows}
    event_ids = {row.event_id for row in rows}
    webhooks = {
        webhook.id: webhook
        for webhook in session.exec(select(Webhook).where(col(Webhook.id).in_(webhook_ids)))
    }
    events = {
        event.id: event
        for event in session.exec(select(WebhookEvent).where(col(WebhookEvent.id).in_(event_ids)))
    }
    claimed = []
    for row in rows:
        assert row.id is not None
        webhook, event = webhooks[row.webhook_id], events[row.event_id]
        claimed.append(
            Claimed(
                id=row.id,
                claim=claim,
                webhook_id=webhook.id,
                url=webhook.url,
                secret=webhook.secret,
                event_id=event.id,
                event_type=event.type,
                body=event.body,
                attempt=row.attempt,
            )
        )
    return claimed


def signed_headers(item: Claimed, at: datetime) -> dict[str, str]:
    """The Standard Webhooks headers for one attempt made at `at`."""
    seconds = to_micros(at) // 1_000_000
    signature = standardwebhooks.Webhook(item.secret).sign(
        msg_id=item.event_id, timestamp=datetime.fromtimestamp(seconds, UTC), data=item.body
    )
    return {
        "webhook-id": item.event_id,
        "webhook-timestamp": str(seconds),
        "webhook-signature": signature,
        "content-type": "application/json",
        "user-agent": USER_AGENT,
    }


def send(
    client: httpx.Client,
    item: Claimed,
    at: datetime,
    settings: Settings,
    check_address: AddressCheck = address_problem,
) -> Outcome:
    """One attempt: check where it goes, POST it, and read only the status."""
    try:
        url = httpx.URL(item.url)
    except httpx.InvalidURL as error:
        return Outcome(False, False, error=f"not sent: the URL is not usable ({error})")
    if not settings.webhook_allow_insecure:
        if url.scheme != "https":
            return Outcome(False, False, error="not sent: only https URLs receive webhooks")
        problem = check_address(url.host)
        if problem is not None:
            # A name that does not resolve may resolve later; one that resolves to a
            # private address is refused for good.
            return Outcome(False, not problem.resolved, error=f"not sent: {problem.reason}")
    timeout = settings.webhook_timeout_seconds
    try:
        with client.stream(
            "POST",
            url,
            content=item.body.encode(),
            headers=signed_headers(item, at),
            timeout=timeout,
            follow_redirects=False,
        ) as response:
            # The answer's body is never read: a receiver only says yes or no.
            code = response.status_code
            retry_after = response.headers.get("retry-after")
    except httpx.TimeoutException as error:
        return Outcome(
            False, True, error=f"no answer within {timeout:g} s ({type(error).__name__})"
        )
    except (httpx.HTTPError, httpx.InvalidURL) as error:
        return Outcome(
            False, True, error=_short(f"could not send: {type(error).__name__}: {error}")
        )
    if 200 <= code < 300:
        return Outcome(True, False, response_code=code)
    if code >= 500 or code in RETRYABLE_STATUSES:
        return Outcome(
            False,
            True,
            response_code=code,
            error=f"the receiver answered {code}",
            retry_after=parse_retry_after(retry_after, at),
        )
    reason = "redirects are not followed" if 300 <= code < 400 else "the receiver refused it"
    return Outcome(False, False, response_code=code, error=f"answered {code}: {reason}; final")


def _short(text: str) -> str:
    return text if len(text) <= _ERROR_LENGTH else text[: _ERROR_LENGTH - 1] + "…"


def next_delay_seconds(attempt: int, outcome: Outcome, settings: Settings) -> float | None:
    """Seconds until the next attempt after failed attempt number `attempt`, or None if final."""
    schedule = settings.webhook_retry_seconds
    if outcome.delivered or not outcome.retryable or attempt > len(schedule):
        return None
    delay = float(schedule[attempt - 1])
    if outcome.retry_after is not None:
        # A receiver that asks for a pause gets it, up to the schedule's longest wait.
        delay = max(delay, min(outcome.retry_after, float(max(schedule))))
    return delay


def record_outcome(
    engine: Engine, item: Claimed, outcome: Outcome, at_micros: int, settings: Settings
) -> None:
    """Mark the attempt, and queue the next one, if the row is still ours."""
    delay = next_delay_seconds(item.attempt, outcome, settings)
    status: Literal["delivered", "retrying", "failed"] = (
        "delivered" if outcome.delivered else "failed" if delay is None else "retrying"
    )
    for session in write_session(engine):
        result = cast(
            CursorResult[Any],
            session.execute(
                update(WebhookDelivery)
                .where(_still_ours(item))
                .values(
                    status=status,
                    attempted_micros=at_micros,
                    response_code=outcome.response_code,
                    error=None if outcome.error is None else _short(outcome.error),
                    claim=None,
                    lease_micros=None,
                )
            ),
        )
        if result.rowcount != 1:
            # Deleted meanwhile, or the lease ran out and another worker took it over.
            log.warning("webhook delivery %s was no longer ours to record", item.id)
        elif delay is not None:
            session.add(
                WebhookDelivery(
                    webhook_id=item.webhook_id,
                    event_id=item.event_id,
                    event_type=item.event_type,
                    attempt=item.attempt + 1,
                    status="pending",
                    due_micros=at_micros + int(delay * 1_000_000),
                )
            )
        session.commit()
    WEBHOOK_DELIVERIES.labels(status).inc()
    log.info(
        "webhook %s event %s attempt %d: %s%s",
        item.webhook_id,
        item.event_id,
        item.attempt,
        status,
        "" if outcome.error is None else f" ({outcome.error})",
    )
