"""Exact rounding and display: round_half_up, truncate, decimal_text, money_text; and
reading decimal strings with decimal_from_text.

SLA-RULES: minutes round half-up (halves away from zero for negatives), availability
is truncated so a missed target never displays as met, money shows its minor unit.
"""

import re
from decimal import Decimal
from fractions import Fraction

import pytest

from app.sla.numbers import (
    Number,
    decimal_from_text,
    decimal_text,
    money_text,
    round_half_up,
    truncate,
)


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [
        # 43m13s = 43 + 13/60 = 43.21666… → 4th place 6, next digit 6 → up: 43.2167
        pytest.param(Fraction(2593, 60), 4, "43.2167", id="43m13s-minutes"),
        # 0.125 is exactly half a cent → away from zero: 0.13 (half-even would give 0.12)
        pytest.param(Fraction(1, 8), 2, "0.13", id="half-cent-up"),
        # 2.5 → 3 at 0 places (half-even would give 2)
        pytest.param(Fraction(5, 2), 0, "3", id="half-unit-up"),
        # 0.124999… just below a half → down: 0.12
        pytest.param(Fraction(1, 8) - Fraction(1, 10**9), 2, "0.12", id="just-below-half"),
        # −0.125: half away from zero → −0.13
        pytest.param(Fraction(-1, 8), 2, "-0.13", id="negative-half-away-from-zero"),
        # −2.5 → −3 (not −2)
        pytest.param(Fraction(-5, 2), 0, "-3", id="negative-half-unit"),
        # −0.124 → −0.12
        pytest.param(Decimal("-0.124"), 2, "-0.12", id="negative-below-half"),
        # −0.001 rounds to zero and must not show a minus sign
        pytest.param(Decimal("-0.001"), 2, "0.00", id="negative-to-zero-no-sign"),
        # integer keeps the requested places: 7 → 7.00
        pytest.param(7, 2, "7.00", id="int-gets-places"),
        # 1/3 = 0.3333… → 0.33
        pytest.param(Fraction(1, 3), 2, "0.33", id="third"),
        # 2/3 = 0.6666… → 0.67
        pytest.param(Fraction(2, 3), 2, "0.67", id="two-thirds"),
    ],
)
def test_round_half_up(value: Number, places: int, expected: str) -> None:
    result = round_half_up(value, places)
    assert result == Decimal(expected)
    assert str(result) == expected


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [
        # 43m13s in 43200 min: 100 − (2593/60)/43200 × 100 = 100 − 2593/25920
        # = 99.899961419… → cut at 4 places: 99.8999 (rounding would say 99.9000)
        pytest.param(100 - Fraction(2593, 25920), 4, "99.8999", id="missed-target-not-shown-met"),
        # 99.9 exactly stays 99.9000
        pytest.param(Fraction(999, 10), 4, "99.9000", id="exact-target"),
        # 0.99999 → 0.9999 (never up)
        pytest.param(Decimal("0.99999"), 4, "0.9999", id="never-rounds-up"),
        # −1.239 → toward zero: −1.23
        pytest.param(Decimal("-1.239"), 2, "-1.23", id="negative-toward-zero"),
        # 2/3 → 0.66
        pytest.param(Fraction(2, 3), 2, "0.66", id="two-thirds"),
        # 100 → 100.0000
        pytest.param(100, 4, "100.0000", id="int"),
    ],
)
def test_truncate(value: Number, places: int, expected: str) -> None:
    result = truncate(value, places)
    assert result == Decimal(expected)
    assert str(result) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(Decimal("43.2000"), "43.2", id="trailing-zeros-dropped"),
        pytest.param(Decimal("43200"), "43200", id="integer-kept"),
        pytest.param(Decimal("4.32E+4"), "43200", id="no-exponent-large"),
        pytest.param(Decimal("1E+2"), "100", id="hundred-from-exponent"),
        pytest.param(Decimal("1E-7"), "0.0000001", id="no-exponent-small"),
        pytest.param(Decimal("100.0000"), "100", id="point-dropped"),
        pytest.param(Decimal("0.00"), "0", id="zero"),
        pytest.param(Decimal("-0.50"), "-0.5", id="negative"),
        pytest.param(Decimal("99.8999"), "99.8999", id="four-places-kept"),
    ],
)
def test_decimal_text(value: Decimal, expected: str) -> None:
    assert decimal_text(value) == expected


@pytest.mark.parametrize(
    ("value", "minor_units", "expected"),
    [
        pytest.param(Decimal("300"), 2, "300.00", id="usd-whole"),
        pytest.param(Decimal("2.5"), 2, "2.50", id="usd-padded"),
        pytest.param(Decimal("96.77"), 2, "96.77", id="usd-cents"),
        pytest.param(Decimal("3E+2"), 2, "300.00", id="usd-no-exponent"),
        pytest.param(Decimal("300"), 0, "300", id="jpy-whole"),
        pytest.param(Decimal("0"), 0, "0", id="jpy-zero"),
        pytest.param(Decimal("0"), 2, "0.00", id="usd-zero"),
        pytest.param(Decimal("1.5"), 3, "1.500", id="three-places"),
    ],
)
def test_money_text(value: Decimal, minor_units: int, expected: str) -> None:
    assert money_text(value, minor_units) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("99.9", "99.9", id="percent"),
        pytest.param("0", "0", id="zero"),
        pytest.param("0.00", "0.00", id="zero-keeps-places"),
        pytest.param("-0.5", "-0.5", id="negative"),
        pytest.param("300.00", "300.00", id="places-kept"),
        pytest.param("007", "7", id="leading-zeros"),
        # 18 digits each side is the most, and Decimal() reads them all exactly (no
        # context rounding on construction): 36 significant digits
        pytest.param(
            "123456789012345678.123456789012345678",
            "123456789012345678.123456789012345678",
            id="18-and-18-digits",
        ),
        pytest.param("-999999999999999999", "-999999999999999999", id="18-digit-negative"),
        # negative zero becomes positive zero with the same places: str() shows no sign
        pytest.param("-0", "0", id="minus-zero"),
        pytest.param("-0.00", "0.00", id="minus-zero-places"),
        pytest.param("-000.000", "0.000", id="minus-zero-padded"),
    ],
)
def test_decimal_from_text(text: str, expected: str) -> None:
    value = decimal_from_text(text)
    assert str(value) == expected
    assert value == Decimal(expected)


@pytest.mark.parametrize("text", ["-0", "-0.00", "-0.000000000000000000"])
def test_decimal_from_text_never_returns_negative_zero(text: str) -> None:
    value = decimal_from_text(text)
    assert value == Decimal(0)
    assert not value.is_signed()
    assert money_text(value, 2) == "0.00"


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("", id="empty"),
        pytest.param("-", id="minus-alone"),
        pytest.param(".5", id="no-integer-part"),
        pytest.param("5.", id="point-no-fraction"),
        pytest.param("+5", id="plus-sign"),
        pytest.param("--5", id="double-minus"),
        pytest.param("1e3", id="exponent"),
        pytest.param("1E-7", id="exponent-negative"),
        pytest.param("NaN", id="nan"),
        pytest.param("Infinity", id="infinity"),
        pytest.param("-inf", id="minus-inf"),
        pytest.param("1,5", id="comma"),
        pytest.param("1_000", id="underscore"),
        pytest.param("1 000", id="inner-space"),
        pytest.param(" 1", id="leading-space"),
        pytest.param("1 ", id="trailing-space"),
        pytest.param("1\n", id="trailing-newline"),
        pytest.param("1\x00", id="nul"),
        pytest.param("0x10", id="hex"),
        pytest.param("1.2.3", id="two-points"),
        # 19 digits on either side is too many
        pytest.param("1234567890123456789", id="19-integer-digits"),
        pytest.param("0.1234567890123456789", id="19-fraction-digits"),
        # digits that \d (and Decimal()) would read: Arabic-Indic ١٢, fullwidth １,
        # Devanagari ५, and a mix
        pytest.param("١٢", id="arabic-indic"),
        pytest.param("１", id="fullwidth"),
        pytest.param("५", id="devanagari"),
        pytest.param("1.٥", id="arabic-indic-fraction"),
        pytest.param("-１.5", id="fullwidth-negative"),
        pytest.param("¹", id="superscript-one"),
    ],
)
def test_decimal_from_text_refused(text: str) -> None:
    with pytest.raises(ValueError, match=re.escape(f"'{text}' is not a plain decimal")):
        decimal_from_text(text)
