"""A server killed between the commit and the delivery delivers after it restarts.

Two real servers (`python -m app.serve`, what `make run` runs) on one database, one
after the other: the first is killed with the event committed and unsent, the
second's worker finds it in the outbox and sends it.
"""

import time
from pathlib import Path

import httpx
import pendulum
import standardwebhooks

from app.db import make_engine
from app.sla.periods import to_micros
from tests.api.receiver import MONTH_CLOSED, Receiver, emit_committed
from tests.conftest import start_live_server


def test_an_event_committed_before_a_crash_is_delivered_after_restart(
    tmp_path: Path, database_url: str
) -> None:
    settings = {
        "SLA_DATABASE_URL": database_url,
        "SLA_WEBHOOK_ALLOW_INSECURE": "true",
        "SLA_WEBHOOK_POLL_SECONDS": "0.1",
    }
    with Receiver() as receiver:
        # The first server's worker is off, as if it died before its next poll.
        first = start_live_server(tmp_path, settings | {"SLA_WEBHOOK_WORKER": "false"})
        server = next(first)
        headers = {"X-API-Key": server.key}
        assert httpx.post(
            f"{server.url}/v1/tenants", json={"id": "contoso", "name": "Contoso"}, headers=headers
        ).is_success
        created = httpx.post(
            f"{server.url}/v1/webhooks",
            json={"url": receiver.url, "events": ["month.closed"]},
            headers=headers,
        ).json()
        engine = make_engine(database_url)
        emit_committed(
            engine, "month.closed", "contoso", MONTH_CLOSED, to_micros(pendulum.now("UTC"))
        )
        engine.dispose()
        server.process.kill()
        server.process.wait()
        first.close()
        assert receiver.received == []

        second = start_live_server(tmp_path, settings)
        restarted = next(second)
        try:
            (got,) = receiver.wait_for(1, timeout_seconds=30)
            # The worker records the answer just after the receiver has it.
            deadline = time.monotonic() + 10
            while True:
                listed = httpx.get(
                    f"{restarted.url}/v1/webhooks/{created['id']}/deliveries",
                    headers={"X-API-Key": restarted.key},
                ).json()["items"]
                if listed[0]["status"] != "pending" or time.monotonic() > deadline:
                    break
                time.sleep(0.05)
        finally:
            second.close()
    event = standardwebhooks.Webhook(created["secret"]).verify(got.body, got.headers)
    assert event["data"] == MONTH_CLOSED
    assert [(item["status"], item["event_id"]) for item in listed] == [("delivered", event["id"])]
