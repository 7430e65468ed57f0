"""Staging's overlap check, run inside SQLite, against the in-memory check the outages
endpoint uses: for any windows, both must name the same contradicting pairs."""

from hypothesis import given, settings
from hypothesis import strategies as st

from app.errors import Loc
from app.imports.staging import Staging
from app.outages.validation import WindowRow, overlapping_windows

# Few values per field, so that windows share incidents, services and starts often.
WINDOWS = st.builds(
    WindowRow,
    service_id=st.sampled_from(["mail", "teams"]),
    kind=st.sampled_from(["outage", "maintenance"]),
    start_micros=st.integers(0, 6),
    end_micros=st.one_of(st.none(), st.integers(1, 9)),
    impact=st.sampled_from([None, "1", "0.5"]),
    users_affected=st.sampled_from([None, 5]),
    external_id=st.sampled_from([None, "A", "B"]),
    title=st.sampled_from([None, "", "x"]),
)


def _pairs(problems: list[tuple[list[str | int], str]]) -> list[tuple[str, str]]:
    return sorted((str(loc), msg) for loc, msg in problems)


@settings(max_examples=200, deadline=None)
@given(st.lists(WINDOWS, max_size=12))
def test_staged_overlaps_are_the_in_memory_overlaps(windows: list[WindowRow]) -> None:
    locs: list[Loc] = [["file", "line", number] for number in range(2, len(windows) + 2)]
    expected = overlapping_windows(windows, locs)
    with Staging() as staging:
        for loc, window in zip(locs, windows, strict=True):
            staging.add("acme", loc, window)
        found = list(staging.overlap_problems())
    assert _pairs([(item.loc, item.msg) for item in found]) == _pairs(
        [(item.loc, item.msg) for item in expected]
    )


def test_a_contradiction_names_both_rows() -> None:
    # Incident A on mail: 0–5 at line 2, then 3–9 at line 3, which starts inside it.
    first = WindowRow("mail", "outage", 0, 5, "1", None, "A", None)
    second = WindowRow("mail", "outage", 3, 9, "1", None, "A", None)
    with Staging() as staging:
        staging.add("acme", ["file", "line", 2], first)
        staging.add("acme", ["file", "line", 3], second)
        (problem,) = staging.overlap_problems()
    assert problem.loc == ["file", "line", 3, "external_id"]
    assert problem.msg == (
        "'A' appears earlier in this upload (file.line.2) with different values over the same time"
    )
