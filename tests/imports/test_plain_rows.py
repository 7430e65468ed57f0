"""plain_row, the import rows' way past OutageIn: it must take exactly what OutageIn
takes, with the same values, and leave everything else to OutageIn's messages."""

from decimal import Decimal
from typing import get_args

from hypothesis import example, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from app.errors import ProblemItem
from app.models import Tenant
from app.outages.schemas import KINDS, OutageIn
from app.outages.validation import (
    PlainRow,
    WindowRow,
    WindowValidator,
    plain_row,
    plain_window,
)
from app.sla.timestamps import utc_seconds_micros
from app.subscriptions.service import KnownService

NAMES = [*OutageIn.model_fields, "tenant_id", "bogus"]
# Characters on both sides of every line OutageIn draws: control characters (C0, DEL,
# C1), halves of UTF-16 pairs, a no-break space and the first non-control after C1.
ODD = ["\x00", "\x1f", "\x7f", "\x9f", "\xa0", "\ud800", "\udfff", "é", "\u2028", " "]
TEXT = st.text(alphabet=st.one_of(st.sampled_from(ODD), st.characters(max_codepoint=0x3FF)))


def _sized(length: int) -> str:
    return "x" * length


VALUES = st.one_of(
    TEXT,
    # lengths at and around every bound: 0, 1, 64, 65, 200, 201, 500, 501
    st.sampled_from([0, 1, 63, 64, 65, 199, 200, 201, 499, 500, 501]).map(_sized),
    st.sampled_from([*KINDS, "Outage", "maintenance ", ""]),
    # decimals in and out of the plain notation
    st.sampled_from(["0.3", "1", "-0", "-0.00", "0.50", "1e-1", ".5", "5.", "+1", "١"]),
    st.from_regex(r"-?[0-9]{1,20}(\.[0-9]{0,20})?", fullmatch=True),
    st.sampled_from(["2026-11-03T10:15:30Z", "2026-11-03 10:15", "yesterday"]),
    st.integers(-2, 100_000_002),
    st.sampled_from([0, 1, 100_000_000, 100_000_001, True, False, None, 1.0, Decimal("1")]),
)
ROWS = st.dictionaries(st.sampled_from(NAMES), VALUES, max_size=len(NAMES))


def _as_model(fields: dict[str, object]) -> OutageIn | None:
    try:
        return OutageIn.model_validate(fields)
    except ValidationError:
        return None


def _values(row: OutageIn | PlainRow) -> list[tuple[object, type]]:
    # Each field with its type, and impact by its text too: Decimal("0.5") equals
    # Decimal("0.50"), but they are stored differently.
    found = [(getattr(row, name), type(getattr(row, name))) for name in OutageIn.model_fields]
    return [*found, (str(row.impact), str)]


def test_the_kinds_are_the_models_kinds() -> None:
    assert get_args(OutageIn.model_fields["kind"].annotation) == KINDS


@settings(max_examples=500, deadline=None)
@given(ROWS)
@example({"service_id": "teams", "start": "2026-11-03T10:15:30Z"})
@example({"service_id": "", "start": ""})
@example({"service_id": "teams", "start": "x", "external_id": ""})
@example({"service_id": "teams", "start": "x", "end": None})
@example({"service_id": "teams", "start": "x", "impact": "0.50", "users_affected": 5})
@example({"service_id": "teams", "start": "x", "users_affected": True})
@example({"service_id": "teams", "start": "x", "users_affected": 0})
@example({"service_id": "teams", "start": "x", "users_affected": 100_000_001})
@example({"service_id": _sized(65), "start": "x"})
@example({"service_id": "teams", "start": _sized(65)})
@example({"service_id": "teams", "start": "x", "end": _sized(65)})
@example({"service_id": "teams", "start": "x", "external_id": _sized(201)})
@example({"service_id": "teams", "start": "x", "title": _sized(501)})
@example({"service_id": "teams\x85", "start": "x"})
@example({"service_id": "teams", "start": "x", "kind": "\ud800"})
def test_plain_row_takes_what_outage_in_takes_with_the_same_values(
    fields: dict[str, object],
) -> None:
    plain = plain_row(fields)
    model = _as_model(fields)
    if plain is not None:
        assert model is not None, fields
        assert _values(plain) == _values(model)
    else:
        # Declined: OutageIn refuses the row, or a field is null, which the import
        # parsers never send and which OutageIn is left to read.
        assert model is None or None in fields.values(), fields


def test_a_typical_csv_row_takes_the_plain_way() -> None:
    fields: dict[str, object] = {
        "service_id": "teams",
        "start": "2026-11-03T10:15:30Z",
        "end": "2026-11-03T11:00:00Z",
        "impact": "0.5",
        "external_id": "INC1",
        "title": "Calls drop",
    }
    assert plain_row(fields) == PlainRow(
        "teams",
        "2026-11-03T10:15:30Z",
        "2026-11-03T11:00:00Z",
        "outage",
        Decimal("0.5"),
        None,
        "INC1",
        "Calls drop",
    )


# plain_window: a row read in one step against the general way (plain_row or OutageIn,
# then the window checks), for a tenant with a seated and an unseated service.
SERVICES = {
    "teams": KnownService("teams", seated=False),
    "mail": KnownService("mail", seated=True),
}
TENANT = Tenant(id="acme", name="Acme", timezone="America/New_York", currency="USD")
WINDOW_VALUES = st.one_of(
    VALUES,
    st.sampled_from([*SERVICES, "teams\x00", "Teams", "unknown"]),
    st.sampled_from(
        [
            "2026-11-03T10:15:30Z",
            "2026-11-03T10:15:31Z",
            "2026-11-03T09:00:00Z",
            "2026-11-03T10:15:30+00:00",
            "2026-11-03 10:15",
            "2026-02-30T10:00:00Z",
            "1969-12-31T23:59:59Z",
            "3000-01-01T00:00:00Z",
        ]
    ),
    st.sampled_from(["0", "0.0", "1", "1.0", "0.25", "1.01", "-0.5", 1, 5]),
    # what a JSON file may put in any field
    st.sampled_from([["teams"], {"at": "2026-11-03T10:15:30Z"}, 0.5]),
)
WINDOW_ROWS = st.dictionaries(st.sampled_from(NAMES), WINDOW_VALUES, max_size=len(NAMES))


def _checked(fields: dict[str, object]) -> tuple[list[WindowRow], list[ProblemItem]]:
    validator = WindowValidator(TENANT, SERVICES)
    validator.add_fields_checked(["file", "line", 2], fields)
    return validator.windows, validator.problems.listed


@settings(max_examples=1000, deadline=None)
@given(WINDOW_ROWS)
@example({"service_id": "teams", "start": "2026-11-03T10:15:30Z"})
@example({"service_id": "teams", "start": "2026-11-03T10:15:30Z", "end": None})
@example({"service_id": "teams", "start": "2026-11-03T10:15:30Z", "end": "2026-11-03T10:15:30Z"})
@example({"service_id": "mail", "start": "2026-11-03T10:15:30Z", "users_affected": 5})
@example({"service_id": "teams", "start": "2026-11-03T10:15:30Z", "users_affected": 5})
@example({"service_id": "mail", "start": "2026-11-03T10:15:30Z", "impact": "1.0"})
@example({"service_id": "mail", "start": "2026-11-03T10:15:30Z", "impact": "0"})
@example(
    {"service_id": "mail", "start": "2026-11-03T10:15:30Z", "impact": "0.5", "users_affected": 5}
)
@example({"service_id": "teams", "start": "2026-11-03T10:15:30Z", "kind": "maintenance"})
@example({"service_id": "teams", "start": "2026-11-03T10:15:30Z", "external_id": ""})
@example({"service_id": "teams", "start": "2026-11-03T10:15:30Z", "title": ""})
@example({"service_id": "teams", "start": "2026-11-03T10:15:30Z", "tenant_id": "acme"})
def test_plain_window_reads_what_the_general_way_reads(fields: dict[str, object]) -> None:
    plain = plain_window(fields, SERVICES)
    windows, problems = _checked(fields)
    if plain is not None:
        assert (windows, problems) == ([plain], []), fields
        # the same types too: an int is not a bool, a text not a Decimal
        assert [type(value) for value in plain] == [type(value) for value in windows[0]]
    else:
        # Declined: the general way refuses the row, or the row holds what plain_window
        # leaves to that way: a timestamp not of the `...Z` shape (read in the tenant's
        # zone or with its offset), or a null.
        given = [fields[name] for name in ("start", "end") if fields.get(name) is not None]
        unusual = None in fields.values() or any(utc_seconds_micros(text) is None for text in given)
        assert problems or unusual, fields


def test_a_typical_csv_row_is_read_in_one_step() -> None:
    fields: dict[str, object] = {
        "service_id": "teams",
        "start": "2026-11-03T10:15:30Z",
        "end": "2026-11-03T11:00:00Z",
        "impact": "0.50",
        "external_id": "INC1",
        "title": "Calls drop",
    }
    # 2026-11-03T10:15:30Z is (20,760 days × 86,400 + 36,930 s) × 10^6 µs after the
    # epoch; the end 2,670 s later. Impact 0.50 is stored as its plain text, 0.5.
    start = (20_760 * 86_400 + 36_930) * 10**6
    assert plain_window(fields, SERVICES) == WindowRow(
        "teams", "outage", start, start + 2_670 * 10**6, "0.5", None, "INC1", "Calls drop"
    )
