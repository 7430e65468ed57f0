"""A stopping worker ends between deliveries and hands the rest of its batch back;
each attempt's outcome is counted in `sla_webhook_deliveries_total`."""

import httpx
import pendulum
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from app.config import Settings
from app.models import WebhookDelivery
from app.sla.periods import to_micros
from app.webhooks.delivery import deliver_due
from tests.api.receiver import MONTH_CLOSED, Receiver, emit_committed
from tests.api.test_webhooks import register


def delivered_count(client: TestClient, outcome: str) -> float:
    """The counter as /metrics shows it (the process's registry, so read a difference)."""
    text = client.get("/metrics").text
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "sla_webhook_deliveries_total" and sample.labels == {
                "outcome": outcome
            }:
                return sample.value
    return 0.0


def rows(engine: Engine) -> list[WebhookDelivery]:
    with Session(engine) as session:
        return list(session.exec(select(WebhookDelivery).order_by(col(WebhookDelivery.id))))


def test_stopping_sends_no_more_and_hands_the_batch_back(
    insecure_client: TestClient, engine: Engine, insecure_settings: Settings
) -> None:
    with Receiver() as receiver, httpx.Client() as http:
        register(insecure_client, receiver.url)
        now = pendulum.now("UTC")
        for _ in range(3):
            emit_committed(engine, "month.closed", "contoso", MONTH_CLOSED, to_micros(now))
        before = delivered_count(insecure_client, "delivered")
        # Asked to stop once the first attempt is made: 1 sent, 2 handed back.
        made = deliver_due(
            engine, now, http, insecure_settings, stopping=lambda: bool(receiver.received)
        )
        assert made == 1
        assert len(receiver.received) == 1
        assert delivered_count(insecure_client, "delivered") - before == 1
        pending = [row for row in rows(engine) if row.status == "pending"]
        assert len(pending) == 2
        # Handed back: no claim, no lease, so the next worker takes them at once.
        assert all(row.claim is None and row.lease_micros is None for row in pending)
        assert deliver_due(engine, now, http, insecure_settings) == 2
        receiver.wait_for(3)
    assert delivered_count(insecure_client, "delivered") - before == 3
    assert [row.status for row in rows(engine)] == ["delivered"] * 3


def test_a_final_failure_is_counted_as_failed(
    insecure_client: TestClient, engine: Engine, insecure_settings: Settings
) -> None:
    with Receiver(answers=[410]) as receiver, httpx.Client() as http:
        register(insecure_client, receiver.url)
        now = pendulum.now("UTC")
        emit_committed(engine, "month.closed", "contoso", MONTH_CLOSED, to_micros(now))
        before = delivered_count(insecure_client, "failed")
        assert deliver_due(engine, now, http, insecure_settings) == 1
    # 410 is a refusal, not retried: one attempt, failed.
    assert delivered_count(insecure_client, "failed") - before == 1
