"""`Idempotency-Key` on writes: the same key and body replay the first answer.

The answer is recorded in the same transaction as the write itself, so a write
is never stored without its record, nor a record without its write.
"""

import hashlib
import json
from dataclasses import dataclass

from pydantic import BaseModel
from sqlalchemy import text
from sqlmodel import Session

from app.errors import Conflict
from app.models import IdempotentRequest


class Replay(Exception):
    """Raised to answer with the stored first response."""

    def __init__(self, status_code: int, body: str) -> None:
        super().__init__(status_code)
        self.status_code = status_code
        self.body = body


def fingerprint(method: str, path: str, body: bytes) -> str:
    """The request's identity: same JSON in any key order or spacing is the same."""
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    except (ValueError, UnicodeDecodeError, RecursionError):
        # Not JSON, or nested past what canonicalising can follow: the bytes themselves.
        canonical = body
    digest = hashlib.sha256(f"{method} {path}\n".encode())
    digest.update(canonical)
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class IdempotentWrite:
    caller: str
    key: str | None
    fingerprint: str

    def check(self, session: Session) -> None:
        """Replay the first answer, or refuse a key reused for a different request."""
        if self.key is None:
            return
        if session.get_bind().dialect.name == "postgresql":
            # Concurrent requests with one key queue here until the first commits, and
            # then find its answer to replay (SQLite's BEGIN IMMEDIATE already queues them).
            session.execute(
                text("SELECT pg_advisory_xact_lock(hashtextextended(:name, 0))"),
                {"name": f"idempotency:{self.caller}:{self.key}"},
            )
        stored = session.get(IdempotentRequest, (self.caller, self.key))
        if stored is None:
            return
        if stored.fingerprint != self.fingerprint:
            raise Conflict(f"Idempotency-Key '{self.key}' was first used for a different request")
        raise Replay(stored.status_code, stored.response_body)

    def commit(
        self, session: Session, status_code: int, answer: BaseModel, now_micros: int
    ) -> None:
        """Commit the write, with its answer recorded under the key if one was sent."""
        if self.key is not None:
            session.add(
                IdempotentRequest(
                    caller=self.caller,
                    key=self.key,
                    fingerprint=self.fingerprint,
                    status_code=status_code,
                    response_body=answer.model_dump_json(),
                    created_micros=now_micros,
                )
            )
        session.commit()
