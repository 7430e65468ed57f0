"""A webhook receiver for tests: a real HTTP server on loopback, in a thread.

It records every POST (headers and the body's bytes) and answers from a script of
status codes, then 200 once the script runs out.
"""

import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, select

from app.db import write_session
from app.models import Webhook
from app.webhooks.service import emit


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


class Receiver:
    def __init__(self, answers: list[int] | None = None, delay_seconds: float = 0.0) -> None:
        self.received: list[Received] = []
        self.answers = list(answers or [])
        self.delay_seconds = delay_seconds
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                with receiver._lock:
                    receiver.received.append(
                        Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                    )
                    status = receiver.answers.pop(0) if receiver.answers else 200
                time.sleep(receiver.delay_seconds)
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/sla"

    def __enter__(self) -> "Receiver":
        self._thread.start()
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join()

    def wait_for(self, count: int, timeout_seconds: float = 20.0) -> list[Received]:
        deadline = time.monotonic() + timeout_seconds
        while True:
            with self._lock:
                if len(self.received) >= count:
                    return list(self.received)
            assert time.monotonic() < deadline, f"{len(self.received)} of {count} arrived"
            time.sleep(0.05)


def emit_committed(
    engine: Engine, event_type: str, tenant_id: str, data: dict[str, Any], now_micros: int
) -> None:
    """`emit` as the ledger will call it: inside a write transaction that then commits."""
    for session in write_session(engine):
        emit(session, event_type, tenant_id, data, now_micros)
        session.commit()


def secret_of(engine: Engine, webhook_id: str) -> str:
    with Session(engine) as session:
        row = session.exec(select(Webhook).where(Webhook.id == webhook_id)).one()
        return row.secret


MONTH_CLOSED: dict[str, Any] = {
    "month": "2026-11",
    "lines": [
        {
            "service_id": "exchange-online",
            "availability_percent": "99.7789",
            "credit_amount": "300.00",
            "currency": "USD",
            "claim_deadline": "2026-12-31",
        }
    ],
}
