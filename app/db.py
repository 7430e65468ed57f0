"""The engine, sessions and migrations.

SQLite runs in WAL mode with a busy timeout, and write transactions start with
`BEGIN IMMEDIATE`: the write lock is taken up front, so two writers queue instead
of one failing half-way or both reading stale rows and one update being lost. On
PostgreSQL a write transaction waits at most as long for a lock (`lock_timeout`).
A write that cannot get its lock in that time fails with an error `is_busy`
recognises, which the API answers with 503 and `Retry-After`.

Migrations run in one transaction that first takes the write lock on SQLite and a
transaction-level advisory lock on PostgreSQL, so processes that start at once
(several uvicorn workers, several hosts) migrate one after the other: the first
upgrades, the others find the schema at head and do nothing.
"""

import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.exc import DBAPIError, InvalidatePoolError, OperationalError
from sqlalchemy.pool import ConnectionPoolEntry
from sqlmodel import Session

MIGRATIONS = Path(__file__).parent / "migrations"
_WRITE = "sla_write_transaction"
DEFAULT_BUSY_TIMEOUT_SECONDS = 10.0
# Any fixed 64-bit number will do; every process that migrates uses this one.
MIGRATION_LOCK_KEY = 0x534C_415F_4D49_47  # "SLA_MIG"
# A migration waits this long for another process's migration before giving up.
MIGRATION_WAIT_SECONDS = 600
# SQLITE_BUSY and SQLITE_LOCKED (primary codes: the low byte of an extended code).
_SQLITE_BUSY_CODES = {5, 6}
# lock_not_available (lock_timeout), serialization_failure, deadlock_detected.
_POSTGRES_BUSY_STATES = {"55P03", "40001", "40P01"}


# Connections kept open, and how many more a burst may open. A request in flight holds
# one from its first query to its end, and uvicorn serves as many at once as clients
# send. With SQLAlchemy's default of 5 kept, the sixth concurrent request opened a
# connection and closed it again afterwards, on every request: on PostgreSQL that costs
# more than a report. 20 kept covers the 16 concurrent clients of `bench/http.py`.
POOL_SIZE = 20
POOL_OVERFLOW = 20

# A pooled PostgreSQL connection idle longer than this is pinged before it is handed
# out (see `_ping_when_idle`).
IDLE_PING_SECONDS = 1.0
_CHECKED_IN_AT = "sla_checked_in_at"


def make_engine(url: str, busy_timeout_seconds: float = DEFAULT_BUSY_TIMEOUT_SECONDS) -> Engine:
    """An engine whose write transactions wait `busy_timeout_seconds` for a lock."""
    timeout_ms = max(1, round(busy_timeout_seconds * 1000))
    pool = {"pool_size": POOL_SIZE, "max_overflow": POOL_OVERFLOW}
    if not url.startswith("sqlite"):
        engine = create_engine(url, **pool)
        _ping_when_idle(engine)
        _unreachable_as_lost(engine)

        @event.listens_for(engine, "begin")
        def _begin_postgres(connection: Any) -> None:
            if connection.get_execution_options().get(_WRITE, False):
                # LOCAL: for this transaction only; the pooled connection keeps no trace.
                connection.exec_driver_sql(f"SET LOCAL lock_timeout = {timeout_ms}")

        return engine

    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": busy_timeout_seconds},
        **pool,
    )

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        # Hand transaction control to SQLAlchemy so that "begin" below emits our BEGIN.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={timeout_ms}")
        _enter_wal(cursor, busy_timeout_seconds)
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        write = connection.get_execution_options().get(_WRITE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def _ping_when_idle(engine: Engine) -> None:
    """Ping a pooled connection on checkout only when it has been idle for more than
    `IDLE_PING_SECONDS`; a failed ping replaces it and every connection pooled before it.

    SQLAlchemy's `pool_pre_ping` pings on every checkout: on a busy server a round trip
    as long as a kept report's one statement, for a connection checked in microseconds
    before. The connections a database restart, a failover or an idle timeout kills are
    the ones that sat in the pool meanwhile, and those are still pinged. A failed ping
    raises `InvalidatePoolError`, as pre-ping's own does: the pool reconnects this
    connection and replaces every other one pooled before the failure, as after a
    restart they are all dead (SQLAlchemy's "pessimistic" checkout recipe).
    """

    @event.listens_for(engine, "checkin")
    def _note_checkin(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        record.info[_CHECKED_IN_AT] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: Any) -> None:
        # A new connection has no checkin time yet: it has just answered the connect.
        checked_in_at = record.info.get(_CHECKED_IN_AT)
        if checked_in_at is None or time.monotonic() - checked_in_at <= IDLE_PING_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:
            raise InvalidatePoolError(
                f"a pooled connection idle since a ping failed: {error}"
            ) from error


def _unreachable_as_lost(engine: Engine) -> None:
    """A connection that cannot be opened (the database down or restarting) counts as
    lost, like one dropped in use: the error says `connection_invalidated`, and the app
    answers 503 with Retry-After rather than 500 (`app.limits.database_unavailable`)."""

    @event.listens_for(engine, "handle_error")
    def _mark_unreachable(context: ExceptionContext) -> None:
        # No connection: the error came while opening one.
        if context.connection is None and isinstance(context.sqlalchemy_exception, DBAPIError):
            context.is_disconnect = True


def _enter_wal(cursor: sqlite3.Cursor, timeout_seconds: float) -> None:
    """Switch the file to WAL (it stays so), retrying for up to the busy timeout: while
    another process switches a new file, SQLite answers "locked" without waiting."""
    deadline = time.monotonic() + timeout_seconds
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            busy = error.sqlite_errorcode & 0xFF in _SQLITE_BUSY_CODES
            if not busy or time.monotonic() >= deadline:
                raise
            time.sleep(0.01)


# On PostgreSQL, a read's one snapshot: taken at its first query, kept to its end.
_SNAPSHOT: dict[str, Any] = {"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}


def read_session(engine: Engine) -> Iterator[Session]:
    """A session whose reads all see one snapshot of the database, so a report's many
    queries never mix the states before and after a write that lands meanwhile.

    PostgreSQL: one read-only REPEATABLE READ transaction (its snapshot is taken at the
    first query). SQLite: one deferred `BEGIN` transaction, which in WAL mode reads one
    snapshot from its first query until it ends. The session never commits; closing it
    ends the transaction.
    """
    with Session(engine) as session:
        if engine.dialect.name == "postgresql":
            session.connection(execution_options=_SNAPSHOT)
        yield session


@contextmanager
def lookup_connection(engine: Engine) -> Iterator[Connection]:
    """A connection for a read that is usually one statement. On PostgreSQL it runs
    outside any transaction, each statement reading the newest committed state (`BEGIN`
    and `ROLLBACK` would be two more round trips than the statement itself); SQLite's
    `BEGIN` is no round trip, so there it is `read_session`'s snapshot from the first
    statement. `snapshot_begins` turns it into that snapshot when more must be read."""
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection.execution_options(isolation_level="AUTOCOMMIT")
        yield connection


_Answer = TypeVar("_Answer")


def read_retried_once(read: Callable[[], _Answer]) -> _Answer:
    """`read()`, run once more if the database had dropped its connection.

    A pooled connection is pinged only after `IDLE_PING_SECONDS` idle, so one the
    database dropped sooner (a restart or a terminated backend between two requests)
    fails on its first statement. SQLAlchemy has then replaced it and every connection
    pooled before it, so the second run gets a fresh connection. For reads only: `read`
    must be safe to run twice (a write it makes must set the same values again).
    """
    try:
        return read()
    except DBAPIError as error:
        if not error.connection_invalidated:
            raise
        return read()


def snapshot_begins(connection: Connection) -> bool:
    """Begin `read_session`'s snapshot on a `lookup_connection` (a `Session(bind=...)`
    then reads in it). True when it begins only now, after the statements read so far
    (PostgreSQL): read again what must agree with the rest."""
    if connection.dialect.name != "postgresql":
        return False
    # Ends SQLAlchemy's own record of a transaction; none was begun on the server.
    connection.rollback()
    connection.execution_options(**_SNAPSHOT)
    return True


def write_session(engine: Engine) -> Iterator[Session]:
    """A session whose transaction holds the write lock from its first statement."""
    with Session(engine) as session:
        session.connection(execution_options={_WRITE: True})
        yield session


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """`write_session`'s transaction on a bare connection, committed when the block ends."""
    with engine.connect() as connection:
        connection.execution_options(**{_WRITE: True})
        with connection.begin():
            yield connection


def is_busy(error: OperationalError) -> bool:
    """True when a write could not get its lock in time: worth sending again later."""
    original = error.orig
    if isinstance(original, sqlite3.OperationalError):
        return original.sqlite_errorcode & 0xFF in _SQLITE_BUSY_CODES
    return getattr(original, "sqlstate", None) in _POSTGRES_BUSY_STATES


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision. Safe to run from several
    processes at once: each waits for the lock, and all but the first find nothing to do."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            # BEGIN IMMEDIATE: the write lock before Alembic even reads its version.
            with (
                _waiting_longer(connection),
                connection.execution_options(**{_WRITE: True}).begin(),
            ):
                _upgrade(config, connection)
        else:
            with connection.begin():
                # Held until this transaction ends; no lock_timeout applies to it.
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY}
                )
                _upgrade(config, connection)


def _upgrade(config: Config, connection: Connection) -> None:
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


@contextmanager
def _waiting_longer(connection: Connection) -> Iterator[None]:
    """Another process's migration may take longer than a request is let wait."""
    sqlite_connection = connection.connection.driver_connection
    assert isinstance(sqlite_connection, sqlite3.Connection)
    (previous,) = sqlite_connection.execute("PRAGMA busy_timeout").fetchone()
    sqlite_connection.execute(f"PRAGMA busy_timeout={MIGRATION_WAIT_SECONDS * 1000}")
    try:
        yield
    finally:
        sqlite_connection.execute(f"PRAGMA busy_timeout={int(previous)}")
