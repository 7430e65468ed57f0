"""What every import format produces, and the rules the formats share.

A parser reads one file and yields, in file order, one event per thing it found:
an `ImportedRow` (the fields of one outage window, as `OutageIn` takes them), a
`Skipped` (something the file holds that is deliberately not a window, with why), or a
`RowError` (something only the parser can see is wrong). Parsers do not judge
timestamps, services or tenants: the caller validates every row's fields with
`OutageIn` and `validate_rows`, exactly as for the JSON API.
"""

import codecs
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import BinaryIO

Loc = list[str | int]  # the same as app.errors.Loc; repeated so this package stays pure

# The keys an ImportedRow's fields may carry, in the order the outages body lists them.
FIELDS = (
    "tenant_id",
    "service_id",
    "start",
    "end",
    "kind",
    "impact",
    "users_affected",
    "external_id",
    "title",
)


@dataclass(slots=True)
class ImportedRow:
    """One outage window. `fields` holds only what the file gave: strings for
    timestamps and decimals (impact is a decimal string, never a float), an int for
    users_affected. Not frozen: one is made per row, and a frozen dataclass's
    __init__ costs twice as much."""

    loc: Loc
    fields: dict[str, object]


@dataclass(frozen=True, slots=True)
class Skipped:
    """Something in the file that is on purpose not a window (an advisory, say)."""

    ref: str
    reason: str


@dataclass(frozen=True, slots=True)
class RowError:
    """A problem only the parser can see; `loc` names the field last when there is one."""

    loc: Loc
    msg: str


Event = ImportedRow | Skipped | RowError


@dataclass(frozen=True, slots=True)
class ImportOptions:
    service_map: Mapping[str, str] = field(default_factory=dict)
    """Exact provider service name → service id; wins over the slug of the name."""
    allow_tenant_id: bool = False
    """The admin upload for several tenants: a CSV must carry a tenant_id column, JSON
    rows may carry tenant_id. Otherwise tenant_id is refused."""
    partial_impact: str = "0.3"
    """Statuspage: the impact of a partial_outage stretch."""
    major_impact: str = "1"
    """Statuspage: the impact of a major_outage stretch."""


class Refused(Exception):
    """The whole file cannot be read any further; carries the one error to report."""

    def __init__(self, error: RowError) -> None:
        super().__init__(error.msg)
        self.error = error


_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slug(name: str) -> str:
    """'Microsoft Teams' → 'microsoft-teams': lower-case, every run of characters
    other than a-z and 0-9 becomes one '-', and no '-' at either end."""
    return _NOT_SLUG.sub("-", name.lower()).strip("-")


def service_id(name: str, options: ImportOptions, loc: Loc) -> str | RowError:
    """The service id a provider's service name stands for: service_map first, else
    the slug of the name."""
    mapped = options.service_map.get(name)
    if mapped is not None:
        return mapped
    made = slug(name)
    if not made:
        return RowError(
            loc, f"'{name}' has no letters or digits to make a service id of; map it in service_map"
        )
    return made


def quoted(value: object) -> str:
    """A JSON value as a message shows it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
        return text if len(text) <= 200 else f"{text[:200]}…"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return repr(value)  # pragma: no cover - json.loads makes nothing else


# UTF-8 and nothing else


def not_utf8(data: bytes, position: int, line: int, offset: int) -> RowError:
    """The error for bytes that are not UTF-8: `data[position]` is the first bad byte,
    on physical `line` (1-based) at byte `offset` (0-based) of the whole file."""
    if line == 1 and position == 0 and data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return RowError(
            ["file", "line", 1],
            "the file is UTF-16, not UTF-8; save it as UTF-8 and upload it again",
        )
    return RowError(
        ["file", "line", line],
        f"the file is not UTF-8: byte 0x{data[position]:02X} on line {line} (byte offset "
        f"{offset}) is not valid UTF-8; save the file as UTF-8 and upload it again",
    )


def decode_utf8(data: bytes) -> str:
    """The whole file as text: UTF-8, a leading BOM allowed and dropped; anything else
    is refused, naming the line and byte offset of the first bad byte."""
    skip = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    try:
        return data[skip:].decode("utf-8")
    except UnicodeDecodeError as error:
        position = skip + error.start
        line = data.count(b"\n", 0, position) + 1
        raise Refused(not_utf8(data, position, line, position)) from error


# JSON


class JsonObject(dict[str, object]):
    """A JSON object that remembers the keys it held more than once (the last won)."""

    duplicates: tuple[str, ...] = ()


def _object(pairs: list[tuple[str, object]]) -> JsonObject:
    made = JsonObject(pairs)
    if len(made) != len(pairs):
        seen: set[str] = set()
        twice: list[str] = []
        for key, _ in pairs:
            if key in seen and key not in twice:
                twice.append(key)
            seen.add(key)
        made.duplicates = tuple(twice)
    return made


def _constant(name: str) -> object:
    raise ValueError(f"{name} is not a JSON number")


# Only a \u escape can put a surrogate into a string that came from valid UTF-8.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def lone_surrogate(document: object, loc: Loc) -> RowError | None:
    """The first string in `document` (walked without recursion, in order) that holds
    half a UTF-16 pair, which no UTF-8 text can hold: a database cannot store it and an
    answer quoting it cannot be encoded. A key is reported at its object's loc."""
    pending: list[tuple[Loc, object]] = [(loc, document)]
    while pending:
        where, value = pending.pop()
        if isinstance(value, str):
            for position, character in enumerate(value):
                if "\ud800" <= character <= "\udfff":
                    return RowError(
                        where,
                        f"{value[:200]!r} holds the lone surrogate U+{ord(character):04X} at "
                        f"position {position}, which is not Unicode text",
                    )
        elif isinstance(value, dict):
            members: list[tuple[Loc, object]] = []
            for key, member in value.items():
                members += [(where, key), ([*where, key], member)]
            pending.extend(reversed(members))
        elif isinstance(value, list):
            pending.extend(reversed([([*where, index], item) for index, item in enumerate(value)]))
    return None


def load_json(stream: BinaryIO) -> object:
    """The file's JSON document, strictly: UTF-8, no NaN or Infinity, numbers with a
    fraction or exponent as Decimal (never a float), objects as JsonObject, and no
    string escaping a lone surrogate (`"\\ud800"`)."""
    data = stream.read()
    if not data:
        raise Refused(RowError(["file"], "the file is empty"))
    text = decode_utf8(data)
    try:
        document = json.loads(
            text, parse_float=Decimal, parse_constant=_constant, object_pairs_hook=_object
        )
    except json.JSONDecodeError as error:
        raise Refused(
            RowError(
                ["file"],
                f"the file is not JSON: {error.msg} at line {error.lineno} column {error.colno}",
            )
        ) from error
    except (ValueError, RecursionError) as error:
        raise Refused(RowError(["file"], f"the file is not JSON: {error}")) from error
    if _SURROGATE_ESCAPE.search(text):
        surrogate = lone_surrogate(document, ["file"])
        if surrogate is not None:
            raise Refused(surrogate)
    return document


def json_file(
    read: Callable[[object, ImportOptions], Iterator[Event]],
) -> Callable[[BinaryIO, ImportOptions], Iterator[Event]]:
    """A JSON format's parser, made from the function that reads its document: the file
    is loaded with `load_json`, and a file that cannot be is the one error reported."""

    def parse(stream: BinaryIO, options: ImportOptions) -> Iterator[Event]:
        try:
            document = load_json(stream)
        except Refused as refused:
            yield refused.error
            return
        yield from read(document, options)

    return parse


class Fields:
    """Typed reads of one JSON object's members; every problem is kept as a RowError.

    Missing and null are the same ("not given") for optional members.
    """

    def __init__(self, item: Mapping[str, object], loc: Loc) -> None:
        self.item = item
        self.loc = loc
        self.errors: list[RowError] = []

    def _get(self, key: str, required: bool) -> object:
        value = self.item.get(key)
        if value is None and required:
            got = "" if key not in self.item else "; got null"
            self.errors.append(RowError([*self.loc, key], f"{key} is required{got}"))
        return value

    def text(self, key: str, required: bool = False) -> str | None:
        value = self._get(key, required)
        if value is None or isinstance(value, str):
            return value
        self.errors.append(RowError([*self.loc, key], f"must be a string; got {quoted(value)}"))
        return None

    def boolean(self, key: str, required: bool = False) -> bool | None:
        value = self._get(key, required)
        if value is None or isinstance(value, bool):
            return value
        self.errors.append(
            RowError([*self.loc, key], f"must be true or false; got {quoted(value)}")
        )
        return None

    def objects(self, key: str) -> list[tuple[Loc, JsonObject]]:
        """The objects of a list member, each with its loc; missing or null is empty."""
        value = self._get(key, False)
        if value is None:
            return []
        if not isinstance(value, list):
            self.errors.append(RowError([*self.loc, key], f"must be a list; got {quoted(value)}"))
            return []
        found: list[tuple[Loc, JsonObject]] = []
        for index, member in enumerate(value):
            if isinstance(member, JsonObject):
                found.append(([*self.loc, key, index], member))
            else:
                self.errors.append(
                    RowError([*self.loc, key, index], f"must be an object; got {quoted(member)}")
                )
        return found


def items_of(value: object, loc: Loc, what: str) -> Iterator[tuple[Loc, JsonObject] | RowError]:
    """The objects of a top-level list, each with its loc, or an error for a member that
    is not an object."""
    if not isinstance(value, list):
        yield RowError(loc, f"must be a list of {what}; got {quoted(value)}")
        return
    for index, member in enumerate(value):
        if isinstance(member, JsonObject):
            yield [*loc, index], member
        else:
            yield RowError([*loc, index], f"must be an object ({what}); got {quoted(member)}")
