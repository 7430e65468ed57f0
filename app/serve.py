"""`make run`: migrate the database, then serve the API with uvicorn, creating an
admin key on first start. `make migrate` (`python -m app.serve migrate`) only migrates.

Without `SLA_ADMIN_KEY` in the environment, a key is generated once into
`.admin-key` (git-ignored) and reused, so a newcomer can call the API at once and
the key survives restarts. The key is printed only the time it is generated; a key
from the environment or read back from `.admin-key` is never printed.
"""

import os
import secrets
import sys
from pathlib import Path
from typing import Literal

import uvicorn

from app.config import Settings
from app.db import make_engine, migrate

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


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if args == ["migrate"]:
        migrate_database()
        print("Database migrated to the newest schema")
        return
    if args:
        sys.exit("usage: python -m app.serve [migrate]")
    key, source = admin_key()
    os.environ["SLA_ADMIN_KEY"] = key
    migrate_database()
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "8000"))
    print(f"SLA Ledger on http://{host}:{port}  (docs: http://{host}:{port}/docs)")
    if source == "generated":
        print(f"Admin key (X-API-Key): {key}  (generated, kept in {KEY_FILE})")
    elif source == "file":
        print(f"Admin key (X-API-Key): in {KEY_FILE}")
    else:
        print("Admin key (X-API-Key): from SLA_ADMIN_KEY")
    uvicorn.run("app.main:app", host=host, port=port)


if __name__ == "__main__":
    main()
