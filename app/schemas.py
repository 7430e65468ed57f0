"""What every domain's request and response bodies share.

Numbers that finance reads (money, percents, minutes, fractions) travel as decimal
strings both ways; a JSON number where a decimal string belongs is refused, since
it has already been through a binary float on the client's side.
"""

import functools
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any, Generic, Literal, TypeVar, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)

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
MAX_TIMESTAMP = 64
Timestamp = Annotated[
    Text,
    Field(
        max_length=MAX_TIMESTAMP,
        description="RFC 3339; without an offset it is read in the tenant's timezone",
        examples=["2026-11-03T14:00:00Z"],
        # Declared for generated clients (a datetime); the server's own parser decides,
        # so its messages name the field and quote the value.
        json_schema_extra={"format": "date-time"},
    ),
]

# The years the ledger accepts (app.sla.periods: 1970 to 2999) and months 01 to 12, so a
# client checking against the spec sends only months the server takes.
MONTH_PATTERN = r"^(19[7-9][0-9]|2[0-9]{3})-(0[1-9]|1[0-2])$"
_MONTH_SCHEMA = {"type": "string", "pattern": MONTH_PATTERN, "examples": ["2026-11"]}
# A month in a request: `parse_month` checks it and names the field in its message; the
# pattern only tells clients what that check accepts.
MonthInput = Annotated[Text, WithJsonSchema(_MONTH_SCHEMA)]

# What answers carry: text the server wrote, with the format generated clients parse.
DateTimeText = Annotated[
    str,
    WithJsonSchema(
        {"type": "string", "format": "date-time", "examples": ["2026-11-03T14:00:00+00:00"]}
    ),
]
DateText = Annotated[
    str, WithJsonSchema({"type": "string", "format": "date", "examples": ["2026-12-31"]})
]
MonthString = Annotated[str, WithJsonSchema(_MONTH_SCHEMA)]
# A service id as subscriptions name it (a slug); any other text names no service the
# server has, and is refused by the check that looks it up.
ServiceIdText = Annotated[
    Text,
    Field(max_length=64),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": "^[a-z0-9][a-z0-9-]*$",
            "maxLength": 64,
            "examples": ["exchange-online"],
        }
    ),
]


def _lone_surrogate(value: Any) -> tuple[str, int] | None:
    """The first string in `value` (a JSON value, walked without recursion) that holds a
    lone surrogate, with its position."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            for position, character in enumerate(item):
                if "\ud800" <= character <= "\udfff":
                    return item, position
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return None


def _holds_body(annotation: Any) -> bool:
    if isinstance(annotation, type) and issubclass(annotation, Strict):
        return True
    return any(_holds_body(argument) for argument in get_args(annotation))


# Row ids are 32-bit serials on PostgreSQL; a bigger number names no row on either
# database, and one past 64 bits cannot even be bound as a SQLite parameter.
MAX_ROW_ID = 2**31 - 1


def plain_digits(kind: str) -> Callable[[Any], Any]:
    """A before-validator for a row id in a path: ASCII digits and nothing else, since lax
    int parsing would read `%201` (" 1"), `+1`, `1_0` or fullwidth `１` as a number; and
    no leading zero, so that a row has one spelling (the one the API gives out), not
    `1`, `01` and `001`."""

    def check(value: Any) -> Any:
        if isinstance(value, str) and not re.fullmatch(r"0|[1-9][0-9]{0,9}", value):
            raise ValueError(f"'{value}' is not {kind} id (plain digits, no leading zero)")
        return value

    return check


class Strict(BaseModel):
    """A request body: no unknown fields, and JSON types as declared (no `"5"` for 5)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_lone_surrogates(cls, value: Any, info: ValidationInfo) -> Any:
        # JSON text may spell half a UTF-16 pair (`"\ud800"`); Python decodes it into a
        # string that cannot be encoded as UTF-8, so the database, or the answer quoting it,
        # would fail with a 500. Refused here for every field, before any other check; a
        # field of nested bodies is left to their own check, which names the inner field.
        if info.field_name is None or _holds_body(cls.model_fields[info.field_name].annotation):
            return value
        found = _lone_surrogate(value)
        if found is not None:
            text, position = found
            raise ValueError(
                f"{text!r} holds the lone surrogate U+{ord(text[position]):04X} at position "
                f"{position}, which is not Unicode text"
            )
        return value


# Every model's example by the model's name, for `with_examples`.
_EXAMPLES: dict[str, list[dict[str, Any]]] = {}


def example(body: dict[str, Any]) -> ConfigDict:
    """A model's example in its JSON schema: what generated clients and the docs show."""

    def add(schema: dict[str, Any], model: type[Any]) -> None:
        schema["examples"] = [body]
        _EXAMPLES[model.__name__] = [body]

    return ConfigDict(json_schema_extra=add)


def with_examples(spec: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI document with each model's example as written: FastAPI leaves out every
    null when it renders the document, and an example without its `"users": null` is not
    valid for a schema that requires the field."""
    schemas = spec.get("components", {}).get("schemas", {})
    for name, bodies in _EXAMPLES.items():
        if name in schemas:
            schemas[name]["examples"] = bodies
    return spec


Item = TypeVar("Item")


class Page(BaseModel, Generic[Item]):
    items: list[Item]
    next_cursor: str | None


class Health(BaseModel):
    status: Literal["ok"]


def iso(micros: int) -> str:
    """An instant stored as epoch microseconds, as RFC 3339 text in UTC: what
    `from_micros(micros).isoformat()` writes, put together from the day's text and the
    clock's, each written once (a portfolio page writes two per incident, thousands)."""
    days, rest = divmod(micros, _MICROS_PER_DAY)
    seconds, fraction = divmod(rest, 1_000_000)
    minutes, second = divmod(seconds, 60)
    text = _day_text(days) + _CLOCK[minutes] + _SECONDS[second]
    return f"{text}.{fraction:06d}+00:00" if fraction else text + "+00:00"


_MICROS_PER_DAY = 86_400_000_000
# `HH:MM:` for each minute of the day, and `SS` for each second of a minute.
_CLOCK = tuple(f"{minute // 60:02d}:{minute % 60:02d}:" for minute in range(1440))
_SECONDS = tuple(f"{second:02d}" for second in range(60))


@functools.lru_cache(maxsize=4096)
def _day_text(days: int) -> str:
    """`YYYY-MM-DDT` of the day `days` after 1970-01-01."""
    return from_micros(days * _MICROS_PER_DAY).date().isoformat() + "T"
