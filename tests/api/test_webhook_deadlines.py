"""`claim.deadline_near`: once per tenant, service and month, 7 days ahead, whatever
the number of ticks. The ledger's lines come from a fake candidates function, as a
plain function returning rows."""

import json
import threading
from datetime import date, datetime
from decimal import Decimal

import pendulum
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from app.models import WebhookDeadlineNotice, WebhookDelivery, WebhookEvent
from app.webhooks.deadlines import DeadlineCandidate, check_deadlines
from tests.api.scenario import create_tenant
from tests.api.test_webhooks import register

LINE = DeadlineCandidate(
    tenant_id="contoso",
    service_id="exchange-online",
    month="2026-11",
    claim_deadline=date(2026, 12, 31),
    credit_amount=Decimal("300.00"),
    currency="USD",
)


def at(day: int, hour: int = 9, month: int = 12) -> datetime:
    return pendulum.datetime(2026, month, day, hour, tz="UTC")


def ledger(*lines: DeadlineCandidate) -> "FakeLedger":
    return FakeLedger(list(lines))


class FakeLedger:
    """The ledger's answer, and the windows it was asked about."""

    def __init__(self, lines: list[DeadlineCandidate]) -> None:
        self.lines = lines
        self.asked: list[tuple[date, date]] = []

    def __call__(self, _session: Session, first: date, last: date) -> list[DeadlineCandidate]:
        self.asked.append((first, last))
        return list(self.lines)


def events(engine: Engine) -> list[WebhookEvent]:
    with Session(engine) as session:
        return list(session.exec(select(WebhookEvent).order_by(col(WebhookEvent.created_micros))))


def test_fires_once_seven_days_ahead_not_on_every_tick(
    insecure_client: TestClient, engine: Engine
) -> None:
    hook = register(insecure_client, "http://127.0.0.1:9/hooks", ["claim.deadline_near"])
    candidates = ledger(LINE)
    # Eight days ahead: not yet.
    assert check_deadlines(engine, at(23), candidates) == 0
    # Seven days ahead (from 24 December's UTC date): once ...
    assert check_deadlines(engine, at(24, 0), candidates) == 1
    # ... and never again, hourly or daily, up to the deadline and past it.
    for tick in (at(24, 1), at(24, 23), at(25), at(30), at(31, 23), at(1, 9, 12)):
        assert check_deadlines(engine, tick, candidates) == 0
    (event,) = events(engine)
    body = json.loads(event.body)
    assert body == {
        "type": "claim.deadline_near",
        "id": event.id,
        "timestamp": "2026-12-24T00:00:00+00:00",
        "tenant_id": "contoso",
        "data": {
            "service_id": "exchange-online",
            "month": "2026-11",
            "claim_deadline": "2026-12-31",
            "credit_amount": "300.00",
            "currency": "USD",
        },
    }
    with Session(engine) as session:
        (notice,) = session.exec(select(WebhookDeadlineNotice)).all()
        (delivery,) = session.exec(select(WebhookDelivery)).all()
    assert (notice.tenant_id, notice.service_id, notice.month) == (
        "contoso",
        "exchange-online",
        "2026-11",
    )
    assert notice.event_id == event.id
    assert (delivery.webhook_id, delivery.event_id) == (hook["id"], event.id)
    assert candidates.asked[0] == (date(2026, 12, 23), date(2026, 12, 30))


def test_each_tenant_service_and_month_fires_once(
    insecure_client: TestClient, engine: Engine
) -> None:
    create_tenant(insecure_client, "fabrikam")
    lines = [
        LINE,
        DeadlineCandidate("contoso", "teams", "2026-11", date(2026, 12, 31), "12.50", "USD"),
        DeadlineCandidate("fabrikam", "exchange-online", "2026-11", date(2026, 12, 31), "9", "EUR"),
        DeadlineCandidate("contoso", "exchange-online", "2026-10", date(2026, 12, 28), "1", "USD"),
    ]
    assert check_deadlines(engine, at(27), ledger(*lines)) == 4
    # The same lines twice in one answer, and again on the next tick: nothing new.
    assert check_deadlines(engine, at(27, 10), ledger(*lines, *lines)) == 0
    # A new line that comes into the window later fires on its own.
    later = DeadlineCandidate("fabrikam", "teams", "2026-11", date(2027, 1, 5), "3.00", "EUR")
    assert check_deadlines(engine, at(29), ledger(*lines, later)) == 1
    assert len(events(engine)) == 5


def test_no_credit_and_passed_deadlines_do_not_fire(
    insecure_client: TestClient, engine: Engine
) -> None:
    lines = [
        DeadlineCandidate("contoso", "zero", "2026-11", date(2026, 12, 31), "0.00", "USD"),
        DeadlineCandidate("contoso", "past", "2026-10", date(2026, 12, 20), "5.00", "USD"),
        DeadlineCandidate("contoso", "far", "2026-12", date(2027, 1, 31), "5.00", "USD"),
    ]
    assert check_deadlines(engine, at(24), ledger(*lines)) == 0
    assert events(engine) == []


def test_a_line_that_does_not_fit_the_schema_does_not_block_the_others(
    insecure_client: TestClient, engine: Engine
) -> None:
    bad = DeadlineCandidate("contoso", "teams", "2026-11", date(2026, 12, 31), "5.00", "usd")
    assert check_deadlines(engine, at(24), ledger(bad, LINE)) == 1
    (event,) = events(engine)
    assert json.loads(event.body)["data"]["service_id"] == "exchange-online"


def test_two_checkers_at_once_fire_once(insecure_client: TestClient, engine: Engine) -> None:
    fired: list[int] = []
    start = threading.Barrier(2)

    def tick() -> None:
        start.wait()
        fired.append(check_deadlines(engine, at(24), ledger(LINE)))

    threads = [threading.Thread(target=tick) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(fired) == [0, 1]
    assert len(events(engine)) == 1
