"""Opaque cursors for keyset pagination: the sort key of the last item sent.

A cursor is only ever decoded into the types its list sorts by, each within what the
database can compare (64-bit integers, row ids within their 32-bit serial, short text),
so a crafted one answers 422.
"""

import base64
import binascii
import json
from typing import Annotated

from fastapi import Query

from app.errors import invalid
from app.schemas import MAX_ROW_ID

Limit = Annotated[int, Query(ge=1, le=500, description="Items per page")]
Cursor = Annotated[
    str | None,
    Query(
        max_length=500,
        pattern=r"^[A-Za-z0-9_=-]+$",
        description="`next_cursor` of the previous page",
    ),
]
_BIGGEST = 2**63 - 1


class RowId(int):
    """A cursor part that is a row's id: 1 to MAX_ROW_ID, since PostgreSQL refuses to
    compare a 32-bit id column with anything larger (a 500), where SQLite would not."""


def encode_cursor(*parts: str | int) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(parts)).encode()).decode()


def decode_cursor(cursor: str, *kinds: type[str] | type[int]) -> list[str | int]:
    """The cursor's parts, of the given kinds in order, or 422 naming the cursor."""
    try:
        parts = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, UnicodeDecodeError, binascii.Error, RecursionError):
        parts = None
    if not (isinstance(parts, list) and len(parts) == len(kinds)) or not all(
        _fits(part, kind) for part, kind in zip(parts, kinds, strict=True)
    ):
        raise invalid(["query", "cursor"], f"'{cursor}' is not a cursor this API gave out")
    return parts


def decode_text_cursor(cursor: str) -> str:
    (text,) = decode_cursor(cursor, str)
    return str(text)


def _fits(part: object, kind: type[str] | type[int]) -> bool:
    if kind is RowId:
        return type(part) is int and 1 <= part <= MAX_ROW_ID
    if kind is int:
        return type(part) is int and -_BIGGEST <= part <= _BIGGEST
    return type(part) is str and len(part) <= 500 and part.isprintable()
