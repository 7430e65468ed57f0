"""The delivery worker: a thread the app starts with itself (`SLA_WEBHOOK_WORKER`).

Every `SLA_WEBHOOK_POLL_SECONDS` it sends what is due (`deliver_due`), at once again
while it finds full batches, and every `SLA_WEBHOOK_DEADLINE_CHECK_SECONDS` it looks
for claim deadlines 7 days away (`check_deadlines`). All its state is in the
database, so a restart loses nothing, and several workers (threads, processes or
hosts on one PostgreSQL) share the work without sending a delivery twice.
"""

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime

import httpx
import pendulum
from sqlalchemy import Engine

from app.config import Settings
from app.webhooks.deadlines import CandidatesQuery, check_deadlines
from app.webhooks.delivery import USER_AGENT, deliver_due

log = logging.getLogger(__name__)


def _utc_now() -> datetime:
    return pendulum.now("UTC")


class WebhookWorker:
    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        candidates: CandidatesQuery,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.candidates = candidates
        self.clock = clock
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="webhook-worker", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Ask the loop to end, and wait for an attempt in progress to finish; the rest
        of its batch is handed back unsent (`deliver_due`'s `stopping`)."""
        self._stop.set()
        self._thread.join(timeout=3 * self.settings.webhook_timeout_seconds + 5)
        if self._thread.is_alive():
            log.warning("webhook worker still sending at shutdown; its lease will expire")
        else:
            log.info("webhook worker stopped")

    def _run(self) -> None:
        settings = self.settings
        next_check = 0.0
        with httpx.Client(headers={"user-agent": USER_AGENT}, follow_redirects=False) as client:
            while not self._stop.is_set():
                busy = False
                try:
                    made = deliver_due(
                        self.engine,
                        self.clock(),
                        client,
                        settings,
                        clock=self.clock,
                        stopping=self._stop.is_set,
                    )
                    busy = made >= settings.webhook_batch_size
                except Exception:
                    log.exception("webhook delivery step failed")
                if time.monotonic() >= next_check:
                    next_check = time.monotonic() + settings.webhook_deadline_check_seconds
                    try:
                        check_deadlines(self.engine, self.clock(), self.candidates)
                    except Exception:
                        log.exception("claim deadline check failed")
                if not busy:
                    self._stop.wait(settings.webhook_poll_seconds)
