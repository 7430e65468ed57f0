"""Opaque cursors for keyset pagination: the sort key of the last item sent."""

import base64
import json


def encode_cursor(*parts: str | int) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(parts)).encode()).decode()


def decode_cursor(cursor: str, arity: int) -> list[str | int] | None:
    """The cursor's parts, or None if it is not one this API handed out."""
    try:
        parts = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(parts, list) or len(parts) != arity:
        return None
    if not all(isinstance(part, str | int) and not isinstance(part, bool) for part in parts):
        return None
    return parts
