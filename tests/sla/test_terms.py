"""Terms over time: the terms in force in a month, each change holding until the next,
ends, and the spans a service's terms are listed as. Months are worked by hand."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from app.sla.periods import MonthError, add_months, month_at, month_index, utc_month
from app.sla.terms import (
    Terms,
    TermsChange,
    TermsSpan,
    ended,
    first_month,
    normalized,
    spans,
    terms_in_force,
    with_terms,
)

M365 = Terms("microsoft-365", Decimal("1000.00"))
EC2 = Terms("aws-ec2", Decimal("2000.00"), users=50)
# The same terms with the fee spelt differently: equal, so no change at all.
M365_AGAIN = Terms("microsoft-365", Decimal("1000"))

# Microsoft 365 in force for every month, AWS from July 2026, ended from October 2026.
YEAR = [
    TermsChange("1970-01", M365),
    TermsChange("2026-07", EC2),
    TermsChange("2026-10", None),
]


@pytest.mark.parametrize(
    ("month", "expected"),
    [
        pytest.param("1970-01", M365, id="the-first-month"),
        pytest.param("2026-06", M365, id="the-month-before-the-change"),
        pytest.param("2026-07", EC2, id="the-change-month"),
        pytest.param("2026-09", EC2, id="the-last-month-before-the-end"),
        pytest.param("2026-10", None, id="the-end-month"),
        pytest.param("2031-01", None, id="long-after-the-end"),
    ],
)
def test_terms_in_force_a_year_of_changes(month: str, expected: Terms | None) -> None:
    assert terms_in_force(YEAR, month) == expected


def test_terms_in_force_in_any_order() -> None:
    assert terms_in_force(list(reversed(YEAR)), "2026-08") == EC2


@pytest.mark.parametrize(
    ("month", "expected"),
    [
        # a service subscribed from March 2026: not in February, in March and after
        pytest.param("2026-02", None, id="before-it-starts"),
        pytest.param("2026-03", M365, id="its-first-month"),
        pytest.param("2027-03", M365, id="a-year-on"),
    ],
)
def test_a_service_that_starts_later(month: str, expected: Terms | None) -> None:
    assert terms_in_force([TermsChange("2026-03", M365)], month) == expected


def test_a_bad_month_is_refused() -> None:
    with pytest.raises(MonthError):
        terms_in_force(YEAR, "2026-13")


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        pytest.param([], [], id="nothing"),
        # an end with no terms before it ends nothing
        pytest.param([TermsChange("2026-01", None)], [], id="leading-end"),
        # terms equal to those in force change nothing (1000 = 1000.00)
        pytest.param(
            [TermsChange("2026-01", M365), TermsChange("2026-05", M365_AGAIN)],
            [TermsChange("2026-01", M365)],
            id="same-terms-again",
        ),
        # an end after an end
        pytest.param(
            [
                TermsChange("2026-01", M365),
                TermsChange("2026-05", None),
                TermsChange("2026-08", None),
            ],
            [TermsChange("2026-01", M365), TermsChange("2026-05", None)],
            id="end-after-end",
        ),
        # restarting after an end is a change
        pytest.param(
            [
                TermsChange("2026-08", M365),
                TermsChange("2026-01", M365),
                TermsChange("2026-05", None),
            ],
            [
                TermsChange("2026-01", M365),
                TermsChange("2026-05", None),
                TermsChange("2026-08", M365),
            ],
            id="sorted-and-restarted",
        ),
    ],
)
def test_normalized(changes: list[TermsChange], expected: list[TermsChange]) -> None:
    assert normalized(changes) == expected


def test_new_terms_hold_until_the_next_later_change() -> None:
    # AWS from April: March keeps Microsoft 365, April to June AWS, July the July terms.
    changes = with_terms(
        [TermsChange("1970-01", M365), TermsChange("2026-07", Terms("x", Decimal(1)))],
        "2026-04",
        EC2,
    )
    assert terms_in_force(changes, "2026-03") == M365
    assert terms_in_force(changes, "2026-04") == EC2
    assert terms_in_force(changes, "2026-06") == EC2
    assert terms_in_force(changes, "2026-07") == Terms("x", Decimal(1))


def test_new_terms_in_a_month_that_has_a_change_replace_it() -> None:
    changes = with_terms(YEAR, "2026-07", Terms("gold", Decimal(5)))
    assert changes == [
        TermsChange("1970-01", M365),
        TermsChange("2026-07", Terms("gold", Decimal(5))),
        TermsChange("2026-10", None),
    ]


def test_terms_equal_to_the_ones_in_force_are_no_change() -> None:
    assert with_terms(YEAR, "2026-08", EC2) == YEAR


def test_an_end_drops_later_changes() -> None:
    # Ended from May: July's AWS terms and October's end go.
    assert ended(YEAR, "2026-05") == [TermsChange("1970-01", M365), TermsChange("2026-05", None)]


def test_an_end_before_the_first_terms_leaves_nothing() -> None:
    assert ended([TermsChange("2026-03", M365)], "2026-03") == []
    assert ended([TermsChange("2026-03", M365)], "2025-12") == []


def test_spans_give_each_stretch_its_last_month() -> None:
    assert spans(YEAR) == [
        # to June: the month before July's change
        TermsSpan("1970-01", "2026-06", M365),
        # to September: the month before October's end
        TermsSpan("2026-07", "2026-09", EC2),
    ]
    assert first_month(YEAR) == "1970-01"


def test_a_restarted_service_has_two_spans_with_a_gap() -> None:
    changes = [
        TermsChange("2026-01", M365),
        TermsChange("2026-05", None),
        TermsChange("2026-08", EC2),
    ]
    assert spans(changes) == [
        TermsSpan("2026-01", "2026-04", M365),
        # open-ended: no later change
        TermsSpan("2026-08", None, EC2),
    ]
    assert first_month([]) is None


@pytest.mark.parametrize(
    ("month", "count", "expected"),
    [
        pytest.param("2026-11", 1, "2026-12", id="next"),
        # December + 1 = January of the next year
        pytest.param("2026-12", 1, "2027-01", id="over-new-year"),
        pytest.param("2026-01", -1, "2025-12", id="back-over-new-year"),
        # 2026-03 − 14 months = 2025-01
        pytest.param("2026-03", -14, "2025-01", id="many-back"),
        pytest.param("2026-07", 0, "2026-07", id="none"),
    ],
)
def test_add_months(month: str, count: int, expected: str) -> None:
    assert add_months(month, count) == expected


def test_month_index_counts_months() -> None:
    # 12 months from Nov 2025 to Nov 2026
    assert month_index("2026-11") - month_index("2025-11") == 12
    assert month_at(month_index("2026-02")) == "2026-02"
    with pytest.raises(MonthError):
        add_months("1970-01", -1)


def test_utc_month() -> None:
    # 23:59 on 31 Dec UTC is December, whatever any other zone says
    assert utc_month(datetime(2026, 12, 31, 23, 59, tzinfo=UTC)) == "2026-12"
    assert utc_month(datetime(2027, 1, 1, tzinfo=UTC)) == "2027-01"
