"""The report writes its figures with integer arithmetic; they must read exactly as the
core's rounding (`round_half_up`, `truncate`) followed by `decimal_text` writes them."""

from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from app.reports.build import rounded_text, truncated_text
from app.sla.numbers import decimal_text, round_half_up, truncate

fractions = st.fractions(max_denominator=10**12).filter(lambda value: abs(value) < 10**9)
places = st.integers(min_value=0, max_value=6)


@given(fractions, places)
def test_rounded_text_reads_as_round_half_up(value: Fraction, digits: int) -> None:
    assert rounded_text(value, digits) == decimal_text(round_half_up(value, digits))


@given(fractions, places)
def test_truncated_text_reads_as_truncate(value: Fraction, digits: int) -> None:
    assert truncated_text(value, digits) == decimal_text(truncate(value, digits))


def test_halves_go_away_from_zero_and_zeros_are_plain() -> None:
    # 43 min 13 s = 43.21666… min → 43.2167; 0.00005 is a half at 4 places → 0.0001,
    # and −0.00005 → −0.0001; −0.00004 rounds to zero, written "0", never "-0".
    assert rounded_text(Fraction(43 * 60 + 13, 60), 4) == "43.2167"
    assert rounded_text(Fraction(5, 100_000), 4) == "0.0001"
    assert rounded_text(Fraction(-5, 100_000), 4) == "-0.0001"
    assert rounded_text(Fraction(-4, 100_000), 4) == "0"
    # 44640 minutes in October, whole: no point, no zeros.
    assert rounded_text(Fraction(44640), 4) == "44640"
    # 99.99999 % cut to 4 places stays below 100: 99.9999.
    assert truncated_text(Fraction(9_999_999, 100_000), 4) == "99.9999"
