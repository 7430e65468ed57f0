"""The engine, sessions and migrations.

SQLite runs in WAL mode with a busy timeout, and write transactions start with
`BEGIN IMMEDIATE`: the write lock is taken up front, so two writers queue instead
of one failing half-way or both reading stale rows and one update being lost.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlmodel import Session

MIGRATIONS = Path(__file__).parent / "migrations"
_IMMEDIATE = "sqlite_begin_immediate"


def make_engine(url: str) -> Engine:
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        # Hand transaction control to SQLAlchemy so that "begin" below emits our BEGIN.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        immediate = connection.get_execution_options().get(_IMMEDIATE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


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
            session.connection(
                execution_options={
                    "isolation_level": "REPEATABLE READ",
                    "postgresql_readonly": True,
                }
            )
        yield session


def write_session(engine: Engine) -> Iterator[Session]:
    """A session whose transaction holds the write lock from its first statement."""
    with Session(engine) as session:
        session.connection(execution_options={_IMMEDIATE: True})
        yield session


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
