"""plain_row, the import rows' way past OutageIn: it must take exactly what OutageIn
takes, with the same values, and leave everything else to OutageIn's messages."""

from decimal import Decimal
from typing import get_args

from hypothesis import example, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from app.outages.schemas import KINDS, OutageIn
from app.outages.validation import PlainRow, plain_row

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
