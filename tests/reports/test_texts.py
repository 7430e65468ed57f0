"""The texts a report writes thousands of times, written the quick way, are what the
plain way writes: an instant (`iso`, from cached day and clock texts) and a window's
counted minutes (`_counted_text`, integer arithmetic, cached for whole microseconds)."""

from fractions import Fraction

from hypothesis import example, given, settings
from hypothesis import strategies as st

from app.reports.build import _counted_text, rounded_text
from app.schemas import iso
from app.sla.periods import MICROS_PER_MINUTE, from_micros

# 0001-01-01 to 9999-12-31, what a datetime holds.
FIRST, LAST = -62_135_596_800_000_000, 253_402_300_799_999_999


@settings(max_examples=2_000, deadline=None)
@given(st.integers(FIRST, LAST))
@example(0)
@example(-1)  # 1969-12-31T23:59:59.999999
@example(86_400_000_000 - 1)
@example(1_793_491_200_500_000)  # half a second past midnight
@example(FIRST)
@example(LAST)
def test_iso_writes_what_isoformat_writes(micros: int) -> None:
    assert iso(micros) == from_micros(micros).isoformat()


@settings(max_examples=1_000, deadline=None)
@given(
    st.one_of(
        st.integers(0, 10**12),
        st.builds(Fraction, st.integers(0, 10**12), st.integers(1, 10**4)),
    )
)
@example(3_000)  # 0.00005 min: half a unit of the fourth place, rounded up
@example(2_999)
@example(Fraction(3_000 * 7, 7))
def test_counted_minutes_are_rounded_as_the_figures_are(micros: int | Fraction) -> None:
    assert _counted_text(micros) == rounded_text(Fraction(micros) / MICROS_PER_MINUTE, 4)
