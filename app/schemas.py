"""What every domain's request and response bodies share.

Numbers that finance reads (money, percents, minutes, fractions) travel as decimal
strings both ways; a JSON number where a decimal string belongs is refused, since
it has already been through a binary float on the client's side.
"""

import re
from decimal import Decimal
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema

from app.sla.money import CurrencyError, minor_units
from app.sla.numbers import DECIMAL_PATTERN, decimal_from_text
from app.sla.periods import from_micros
from app.sla.zones import ZoneError, check_zone_name


def _decimal_from_json(value: Any) -> Decimal:
    if not isinstance(value, str):
        raise ValueError(f'must be a decimal in a JSON string, such as "99.9"; got {value!r}')
    return decimal_from_text(value)


DecimalText = Annotated[
    Decimal,
    BeforeValidator(_decimal_from_json),
    WithJsonSchema({"type": "string", "pattern": f"^{DECIMAL_PATTERN}$", "examples": ["99.9"]}),
]


def _known_zone(name: str) -> str:
    try:
        return check_zone_name(name)
    except ZoneError as error:
        raise ValueError(str(error)) from error


def _known_currency(code: str) -> str:
    try:
        minor_units(code)
    except CurrencyError as error:
        raise ValueError(str(error)) from error
    return code


# Unicode's control characters (category Cc) are exactly these two ranges.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


def _no_control_characters(text: str) -> str:
    # PostgreSQL refuses NUL in text and SQLite stores it: refused here, both agree.
    found = _CONTROL.search(text)
    if found is not None:
        raise ValueError(
            f"{text!r} holds the control character U+{ord(found.group()):04X} "
            f"at position {found.start()}"
        )
    return text


Text = Annotated[str, AfterValidator(_no_control_characters)]
Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=64, examples=["contoso"])]
Timezone = Annotated[
    str, Field(max_length=64, examples=["Europe/Berlin"]), AfterValidator(_known_zone)
]
CurrencyCode = Annotated[str, Field(examples=["USD"]), AfterValidator(_known_currency)]
Timestamp = Annotated[
    Text,
    Field(
        max_length=64,
        description="RFC 3339; without an offset it is read in the tenant's timezone",
        examples=["2026-11-03T14:00:00Z"],
    ),
]


class Strict(BaseModel):
    """A request body: no unknown fields, and JSON types as declared (no `"5"` for 5)."""

    model_config = ConfigDict(extra="forbid", strict=True)


Item = TypeVar("Item")


class Page(BaseModel, Generic[Item]):
    items: list[Item]
    next_cursor: str | None


class Health(BaseModel):
    status: Literal["ok"]


def iso(micros: int) -> str:
    """An instant stored as epoch microseconds, as RFC 3339 text in UTC."""
    return from_micros(micros).isoformat()
