"""`make openapi`: write the app's OpenAPI document to the committed contract file."""

import json
import sys
from pathlib import Path

from app.config import Settings
from app.main import create_app


def openapi_text() -> str:
    spec = create_app(Settings(database_url="sqlite://", admin_key=None)).openapi()
    return json.dumps(spec, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    Path(sys.argv[1]).write_text(openapi_text())
