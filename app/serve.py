"""`make run`: serve the API with uvicorn, creating an admin key on first start.

Without `SLA_ADMIN_KEY` in the environment, a key is generated once into
`.admin-key` (git-ignored) and reused, so a newcomer can call the API at once and
the key survives restarts.
"""

import os
import secrets
from pathlib import Path

import uvicorn

KEY_FILE = Path(".admin-key")


def admin_key() -> str:
    configured = os.environ.get("SLA_ADMIN_KEY")
    if configured:
        return configured
    if KEY_FILE.exists():
        return KEY_FILE.read_text().strip()
    key = secrets.token_urlsafe(24)
    KEY_FILE.write_text(key + "\n")
    KEY_FILE.chmod(0o600)
    return key


def main() -> None:
    key = admin_key()
    os.environ["SLA_ADMIN_KEY"] = key
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "8000"))
    print(f"SLA Ledger on http://{host}:{port}  (docs: http://{host}:{port}/docs)")
    print(f"Admin key (X-API-Key): {key}")
    uvicorn.run("app.main:app", host=host, port=port)


if __name__ == "__main__":
    main()
