"""`make run`: migrate the database, then serve the API with uvicorn, creating an
admin key on first start. `make migrate` (`python -m app.serve migrate`) only migrates.

Without `SLA_ADMIN_KEY` in the environment, a key is generated once into
`.admin-key` (git-ignored) and reused, so a newcomer can call the API at once and
the key survives restarts. The key is printed only the time it is generated; a key
from the environment or read back from `.admin-key` is never printed.

The log is JSON on stderr (`app.logs`); stdout carries only that one printed key.
SIGTERM stops the server gracefully: no new connections, requests in flight get
`SLA_SHUTDOWN_GRACE_SECONDS` to finish, the webhook worker stops between deliveries,
and the process exits 0. `WEB_CONCURRENCY` (uvicorn's) runs several workers; they
then share a Prometheus multiprocess directory (`app.metrics`).
"""

import logging
import logging.config
import os
import secrets
import shutil
import signal
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Literal, NoReturn

import uvicorn

from app.config import Settings
from app.db import make_engine, migrate
from app.logs import LOG_CONFIG

KEY_FILE = Path(".admin-key")
KeySource = Literal["environment", "file", "generated"]


def admin_key() -> tuple[str, KeySource]:
    configured = os.environ.get("SLA_ADMIN_KEY")
    if configured:
        return configured, "environment"
    if KEY_FILE.exists():
        return KEY_FILE.read_text().strip(), "file"
    key = secrets.token_urlsafe(24)
    KEY_FILE.write_text(key + "\n")
    KEY_FILE.chmod(0o600)
    return key, "generated"


def migrate_database() -> None:
    """Once, before any worker starts; the app's own start-up migration then finds
    nothing to do."""
    settings = Settings()
    engine = make_engine(settings.database_url, settings.db_busy_timeout_seconds)
    try:
        migrate(engine)
    finally:
        engine.dispose()


@contextmanager
def metrics_shared_between_workers() -> Iterator[None]:
    """With several workers, each writes its figures to files in one directory that a
    scrape of any worker reads; the directory must be empty when they start. One made
    here is removed again when the server stops."""
    workers = int(os.environ.get("WEB_CONCURRENCY", "1"))
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if workers <= 1 and directory is None:
        yield
        return
    made = directory is None
    if directory is None:
        directory = tempfile.mkdtemp(prefix="sla-ledger-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = directory
    os.makedirs(directory, exist_ok=True)
    # Only prometheus-client's own files: the directory may be one the operator chose.
    for stale in Path(directory).glob("*.db"):
        stale.unlink()
    try:
        yield
    finally:
        if made:
            shutil.rmtree(directory, ignore_errors=True)


def _exit_cleanly(_signal: int, _frame: FrameType | None) -> NoReturn:
    # Uvicorn shuts down gracefully on SIGTERM and then raises the signal again; a
    # stop that was asked for and went well ends with status 0, not "killed by signal".
    raise SystemExit(0)


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if args == ["migrate"]:
        migrate_database()
        print("Database migrated to the newest schema")
        return
    if args:
        sys.exit("usage: python -m app.serve [migrate]")
    logging.config.dictConfig(LOG_CONFIG)
    signal.signal(signal.SIGTERM, _exit_cleanly)
    log = logging.getLogger("app.serve")
    key, source = admin_key()
    os.environ["SLA_ADMIN_KEY"] = key
    migrate_database()
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "8000"))
    log.info("SLA Ledger on http://%s:%d  (docs: http://%s:%d/docs)", host, port, host, port)
    if source == "generated":
        # For the person at the terminal, once: printed, never logged.
        print(f"Admin key (X-API-Key): {key}  (generated, kept in {KEY_FILE})")
    elif source == "file":
        log.info("Admin key (X-API-Key): in %s", KEY_FILE)
    else:
        log.info("Admin key (X-API-Key): from SLA_ADMIN_KEY")
    with metrics_shared_between_workers():
        uvicorn.run(
            "app.main:app",
            host=host,
            port=port,
            log_config=LOG_CONFIG,
            access_log=False,  # app.telemetry writes it, with the route and duration
            timeout_graceful_shutdown=Settings().shutdown_grace_seconds,
        )


if __name__ == "__main__":
    main()
