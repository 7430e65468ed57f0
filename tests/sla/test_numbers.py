"""Exact rounding and display: round_half_up, truncate, decimal_text, money_text.

SLA-RULES: minutes round half-up (halves away from zero for negatives), availability
is truncated so a missed target never displays as met, money shows its minor unit.
"""

from decimal import Decimal
from fractions import Fraction

import pytest

from app.sla.numbers import Number, decimal_text, money_text, round_half_up, truncate


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
