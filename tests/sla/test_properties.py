"""Property-based tests of the pure SLA core (SLA-RULES.md "Downtime", numbers, timestamps).

Every comparison is exact: Fraction, Decimal or int, never float. The brute-force
references below are written as plainly as possible so that a reader can trust them:
they walk the timeline one unit (or one second) at a time.
"""

import functools
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from app.sla.assessment import (
    Window,
    WindowKind,
    assess_service,
    measure_downtime,
    split_windows,
)
from app.sla.credits import Credit
from app.sla.numbers import round_half_up, truncate
from app.sla.periods import (
    FIRST_YEAR,
    LAST_YEAR,
    MICROS_PER_MINUTE,
    from_micros,
    month_period,
    to_micros,
)
from app.sla.policies import BUILTIN_POLICIES, Policy
from app.sla.timestamps import TimestampError, parse_timestamp
from app.sla.windows import (
    FULL,
    Span,
    clip_windows,
    drop_short_runs,
    merge_windows,
    subtract_windows,
    weighted_length,
)

HEAVY = settings(max_examples=200, deadline=None)
LIGHT = settings(max_examples=300, deadline=None)
CHEAP = settings(max_examples=600, deadline=None)

ZONES = ("UTC", "America/New_York", "Europe/Berlin", "Australia/Lord_Howe")
# DST starts and ends in both hemispheres, a leap February, and plain months.
MONTHS = ("2024-02", "2026-01", "2026-03", "2026-04", "2026-10", "2026-11", "2026-12")
KINDS: tuple[WindowKind, ...] = ("outage", "outage", "maintenance")
MIN_DOWNTIME_MINUTES = (Decimal(0), Decimal("0.5"), Decimal(1), Decimal("2.5"), Decimal(10))

SECOND = 1_000_000
HOUR = 3_600 * SECOND
DAY = 24 * HOUR
ZERO = Fraction(0)

impacts = st.one_of(
    st.just(FULL),
    st.builds(
        lambda numerator, extra: Fraction(numerator, numerator + extra),
        st.integers(1, 12),
        st.integers(0, 12),
    ),
)


def at(micros: int, zone: str = "UTC") -> datetime:
    """The instant `micros` as an aware datetime shown in `zone`."""
    return from_micros(micros).astimezone(ZoneInfo(zone))


# --------------------------------------------------------------------------------------
# Brute-force references: one unit of time at a time.
# --------------------------------------------------------------------------------------


def brute_force_profile(
    outages: Sequence[Span], maintenance: Sequence[Span], exclude: bool, length: int
) -> list[Fraction]:
    """Impact at each unit t in [0, length): the largest impact of the outages covering t,
    capped at 1, or 0 where maintenance covers t and maintenance is excluded."""
    profile = []
    for t in range(length):
        impact = ZERO
        for start, end, outage_impact in outages:
            if start <= t < end and outage_impact > impact:
                impact = min(outage_impact, FULL)
        if exclude:
            for start, end, _ in maintenance:
                if start <= t < end:
                    impact = ZERO
        profile.append(impact)
    return profile


def brute_force_drop_short(profile: Sequence[Fraction], min_length: Fraction) -> list[Fraction]:
    """Zero every maximal run of consecutive positive units that is shorter than min_length."""
    result = list(profile)
    t = 0
    while t < len(profile):
        if profile[t] == 0:
            t += 1
            continue
        run_start = t
        while t < len(profile) and profile[t] > 0:
            t += 1
        if t - run_start < min_length:
            for u in range(run_start, t):
                result[u] = ZERO
    return result


def profile_of(spans: Sequence[Span], length: int) -> list[Fraction]:
    """Impact at each unit t in [0, length) of disjoint `spans`; fails if two spans overlap."""
    profile = []
    for t in range(length):
        covering = [impact for start, end, impact in spans if start <= t < end]
        assert len(covering) <= 1, f"{t} covered twice in {spans}"
        profile.append(covering[0] if covering else ZERO)
    return profile


def assert_well_formed(spans: Sequence[Span]) -> None:
    """Sorted by start, non-empty, pairwise disjoint, impacts in (0, 1]."""
    for start, end, impact in spans:
        assert start < end, spans
        assert 0 < impact <= 1, spans
    for (_, left_end, _), (right_start, _, _) in itertools.pairwise(spans):
        assert left_end <= right_start, spans


# --------------------------------------------------------------------------------------
# Strategies for whole-month scenarios.
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    policy: Policy
    month: str
    tenant_timezone: str
    windows: list[Window]
    now: datetime
    monthly_fee: Decimal


def instants_near(start: int, end: int) -> st.SearchStrategy[int]:
    """Microsecond instants near the period's edges, or anywhere in and around it."""
    return st.one_of(
        st.integers(start - 6 * HOUR, start + 6 * HOUR),
        st.integers(end - 6 * HOUR, end + 6 * HOUR),
        st.integers(start - 2 * DAY, end + 2 * DAY),
    )


@st.composite
def windows_near(draw: st.DrawFn, start: int, end: int) -> Window:
    begin = draw(instants_near(start, end))
    zone = draw(st.sampled_from(ZONES))
    kind = draw(st.sampled_from(KINDS))
    impact = draw(impacts)
    if draw(st.integers(0, 4)) == 0:
        return Window.between(at(begin, zone), None, kind, impact)
    length = draw(
        st.one_of(
            st.integers(1, 20 * 60 * SECOND),
            st.integers(1, 8 * HOUR),
            st.integers(1, 40 * DAY),
        )
    )
    return Window.between(at(begin, zone), at(begin + length, zone), kind, impact)


@st.composite
def scenarios(draw: st.DrawFn, min_windows: int = 0) -> Scenario:
    month = draw(st.sampled_from(MONTHS))
    tenant_timezone = draw(st.sampled_from(ZONES))
    policy = replace(
        BUILTIN_POLICIES[draw(st.sampled_from(sorted(BUILTIN_POLICIES)))],
        measurement_timezone=draw(st.sampled_from(("UTC", "tenant"))),
        exclude_maintenance=draw(st.booleans()),
        min_downtime_minutes=draw(st.sampled_from(MIN_DOWNTIME_MINUTES)),
    )
    period = month_period(month, policy.zone_for(tenant_timezone))
    start, end = period.start_micros, period.end_micros
    windows = draw(st.lists(windows_near(start, end), min_size=min_windows, max_size=8))
    now = at(draw(instants_near(start, end)))
    fee = Decimal(draw(st.integers(0, 10**8))).scaleb(-2)
    return Scenario(policy, month, tenant_timezone, windows, now, fee)


@dataclass(frozen=True)
class Outcome:
    downtime_minutes: Fraction
    excluded_minutes: Fraction
    availability_percent: Fraction
    met: bool
    credit: Credit


def outcome(scenario: Scenario, windows: Sequence[Window]) -> Outcome:
    result = assess_service(
        windows,
        policy=scenario.policy,
        month=scenario.month,
        tenant_timezone=scenario.tenant_timezone,
        monthly_fee=scenario.monthly_fee,
        minor_units=2,
        now=scenario.now,
    )
    return Outcome(
        result.downtime_minutes,
        result.excluded_minutes,
        result.availability_percent,
        result.met,
        result.credit,
    )


def effective_span(window: Window, now: datetime) -> tuple[int, int]:
    """Where the window lies on the timeline: an ongoing one runs to `now`."""
    start = window.start_micros
    end = to_micros(now) if window.end_micros is None else window.end_micros
    return start, max(start, end)


# --------------------------------------------------------------------------------------
# 1. Bounds.
# --------------------------------------------------------------------------------------


@HEAVY
@given(scenarios())
def test_downtime_stays_within_the_period(scenario: Scenario) -> None:
    """Downtime and excluded minutes are never negative, together never exceed the period,
    excluded minutes are 0 unless maintenance is excluded, availability is in [0, 100], no
    single window counts more than the downtime, and a service without outages is 100 %
    available with no credit."""
    result = assess_service(
        scenario.windows,
        policy=scenario.policy,
        month=scenario.month,
        tenant_timezone=scenario.tenant_timezone,
        monthly_fee=scenario.monthly_fee,
        minor_units=2,
        now=scenario.now,
    )
    period_minutes = result.period.minutes
    assert 0 <= result.downtime_minutes <= period_minutes
    assert result.excluded_minutes >= 0
    assert result.downtime_minutes + result.excluded_minutes <= period_minutes
    if not scenario.policy.exclude_maintenance:
        assert result.excluded_minutes == 0
    assert 0 <= result.availability_percent <= 100
    assert result.availability_percent == (
        (period_minutes - result.downtime_minutes) / period_minutes * 100
    )
    assert 0 <= result.credit.amount <= scenario.monthly_fee
    if all(window.kind == "maintenance" for window in scenario.windows):
        assert result.downtime_minutes == 0
        assert result.availability_percent == 100
        assert result.credit.amount == 0
    for minutes in result.counted_minutes:
        assert 0 <= minutes <= result.downtime_minutes


# --------------------------------------------------------------------------------------
# 2. Invariance: order, splitting, duplication.
# --------------------------------------------------------------------------------------


@HEAVY
@given(scenarios(), st.data())
def test_result_ignores_window_order(scenario: Scenario, data: st.DataObject) -> None:
    """Shuffling the windows changes neither downtime, excluded minutes, availability nor
    credit."""
    shuffled = data.draw(st.permutations(scenario.windows))
    assert outcome(scenario, shuffled) == outcome(scenario, scenario.windows)


@HEAVY
@given(scenarios(), st.data())
def test_result_ignores_splitting_a_window(scenario: Scenario, data: st.DataObject) -> None:
    """Cutting a window in two at any interior instant (same kind and impact; an ongoing one
    keeps its open end) changes none of downtime, excluded minutes, availability, credit."""
    splittable = [
        index
        for index, window in enumerate(scenario.windows)
        if effective_span(window, scenario.now)[1] - effective_span(window, scenario.now)[0] > 1
    ]
    extra = Window.between(
        at(to_micros(scenario.now) - HOUR), None, impact=data.draw(impacts)
    )  # an ongoing outage that is always splittable, so every example splits something
    windows = [*scenario.windows, extra] if not splittable else list(scenario.windows)
    index = data.draw(st.sampled_from(splittable or [len(windows) - 1]))
    window = windows[index]
    start, end = effective_span(window, scenario.now)
    cut = at(data.draw(st.integers(start + 1, end - 1)), data.draw(st.sampled_from(ZONES)))
    first = replace(window, end_micros=to_micros(cut))
    second = replace(window, start_micros=to_micros(cut))
    split = [*windows[:index], first, second, *windows[index + 1 :]]
    assert outcome(scenario, split) == outcome(scenario, windows)


@HEAVY
@given(scenarios(min_windows=1), st.data())
def test_result_ignores_duplicate_windows(scenario: Scenario, data: st.DataObject) -> None:
    """Reporting some windows twice (or three times) changes none of downtime, excluded
    minutes, availability, credit."""
    copies = data.draw(st.lists(st.sampled_from(scenario.windows), min_size=1, max_size=6))
    duplicated = data.draw(st.permutations([*scenario.windows, *copies]))
    assert outcome(scenario, duplicated) == outcome(scenario, scenario.windows)


# --------------------------------------------------------------------------------------
# 3. Agreement with brute force.
# --------------------------------------------------------------------------------------

UNITS = 48


@st.composite
def unit_spans(draw: st.DrawFn, all_full: bool = False) -> Span:
    """A span with integer boundaries in [0, UNITS]; sometimes empty or reversed."""
    start = draw(st.integers(0, UNITS))
    end = draw(st.integers(max(0, start - 2), UNITS))
    return (start, end, FULL if all_full else draw(impacts))


span_lists = st.booleans().flatmap(lambda all_full: st.lists(unit_spans(all_full), max_size=8))


@CHEAP
@given(
    outages=span_lists,
    maintenance=st.lists(unit_spans(), max_size=4),
    exclude=st.booleans(),
    min_length=st.integers(0, 12),
    clip=st.tuples(st.integers(0, UNITS - 1), st.integers(1, UNITS)).filter(lambda c: c[0] < c[1]),
)
def test_interval_functions_agree_with_brute_force(
    outages: list[Span],
    maintenance: list[Span],
    exclude: bool,
    min_length: int,
    clip: tuple[int, int],
) -> None:
    """merge_windows, subtract_windows, drop_short_runs, clip_windows and weighted_length,
    chained as in measure_downtime, give at every unit the impact the brute force gives,
    and the total equals the brute-force sum."""
    clip_start, clip_end = clip
    merged = merge_windows(outages)
    assert profile_of(merged, UNITS) == brute_force_profile(outages, [], False, UNITS)
    timeline = merged
    if exclude:
        holes = merge_windows((s, e, FULL) for s, e, _ in maintenance)
        timeline = subtract_windows(timeline, holes)
        assert_well_formed(timeline)
    expected = brute_force_profile(outages, maintenance, exclude, UNITS)
    assert profile_of(timeline, UNITS) == expected
    timeline = drop_short_runs(timeline, min_length)
    assert_well_formed(timeline)
    expected = brute_force_drop_short(expected, Fraction(min_length))
    assert profile_of(timeline, UNITS) == expected
    clipped = clip_windows(timeline, clip_start, clip_end)
    assert_well_formed(clipped)
    expected = [impact if clip_start <= t < clip_end else ZERO for t, impact in enumerate(expected)]
    assert profile_of(clipped, UNITS) == expected
    assert weighted_length(clipped) == sum(expected, ZERO)


BRUTE_HALF = 3_600  # seconds either side of the month boundary


@st.composite
def second_windows(draw: st.DrawFn) -> tuple[int, int | None, WindowKind, Fraction]:
    """(start, end or None for ongoing, kind, impact) in whole seconds of a 2-hour timeline;
    half of them lasting about a minimum-run length and crossing (or close to) the month
    boundary in its middle."""
    ongoing = draw(st.integers(0, 4)) == 0
    if draw(st.booleans()):
        start = draw(st.integers(0, 2 * BRUTE_HALF - 1))
        end = draw(st.integers(start + 1, 2 * BRUTE_HALF))
    else:
        length = draw(st.sampled_from((30, 60, 150, 300, 600, 720))) + draw(st.integers(-3, 3))
        start = BRUTE_HALF - draw(st.integers(-60, length + 60))
        end = start + length
    return start, None if ongoing else end, draw(st.sampled_from(KINDS)), draw(impacts)


@HEAVY
@given(
    month=st.sampled_from(MONTHS),
    zone=st.sampled_from(ZONES),
    at_start=st.booleans(),
    raw_windows=st.lists(second_windows(), max_size=7),
    now_second=st.integers(0, 2 * BRUTE_HALF),
    exclude=st.booleans(),
    min_minutes=st.sampled_from(MIN_DOWNTIME_MINUTES),
    shown_in=st.sampled_from(ZONES),
)
@example(  # SLA-RULES: a 12-minute run across the month's end counts, split between months
    month="2026-11",
    zone="America/New_York",
    at_start=False,
    raw_windows=[(BRUTE_HALF - 300, BRUTE_HALF + 420, "outage", FULL)],
    now_second=2 * BRUTE_HALF,
    exclude=True,
    min_minutes=Decimal(10),
    shown_in="UTC",
)
def test_measure_downtime_agrees_with_brute_force(
    month: str,
    zone: str,
    at_start: bool,
    raw_windows: list[tuple[int, int | None, WindowKind, Fraction]],
    now_second: int,
    exclude: bool,
    min_minutes: Decimal,
    shown_in: str,
) -> None:
    """On a 2-hour timeline straddling the start or the end of the month, measure_downtime's
    downtime and excluded minutes equal a second-by-second count: largest impact per second,
    0 under excluded maintenance, short runs dropped on the whole timeline, then only the
    seconds inside the period summed."""
    period = month_period(month, zone)
    boundary = period.start_micros if at_start else period.end_micros
    origin = boundary - BRUTE_HALF * SECOND
    inside = range(BRUTE_HALF, 2 * BRUTE_HALF) if at_start else range(BRUTE_HALF)

    windows = [
        Window.between(
            at(origin + start * SECOND, shown_in),
            None if end is None else at(origin + end * SECOND, shown_in),
            kind,
            impact,
        )
        for start, end, kind, impact in raw_windows
    ]
    now = at(origin + now_second * SECOND, shown_in)
    split = split_windows(windows, period, to_micros(now))
    result = measure_downtime(
        split.outages,
        split.maintenance,
        period,
        exclude_maintenance=exclude,
        min_downtime_minutes=min_minutes,
    )

    spans = [
        (start, now_second if end is None else end, kind, impact)
        for start, end, kind, impact in raw_windows
    ]
    outages = [(s, e, impact) for s, e, kind, impact in spans if kind == "outage"]
    maintenance = [(s, e, impact) for s, e, kind, impact in spans if kind == "maintenance"]
    seconds = 2 * BRUTE_HALF
    before_exclusion = brute_force_profile(outages, [], False, seconds)
    after_exclusion = brute_force_profile(outages, maintenance, exclude, seconds)
    counted = brute_force_drop_short(after_exclusion, Fraction(min_minutes) * 60)
    expected_downtime = sum((counted[t] for t in inside), ZERO)
    expected_excluded = sum((before_exclusion[t] - after_exclusion[t] for t in inside), ZERO)

    assert result.minutes * 60 == expected_downtime
    assert result.excluded_minutes * 60 == expected_excluded
    assert weighted_length(result.counted) == expected_downtime * SECOND
    assert result.minutes == weighted_length(result.counted) / MICROS_PER_MINUTE


# --------------------------------------------------------------------------------------
# 4. Shape of merge_windows.
# --------------------------------------------------------------------------------------


@LIGHT
@given(span_lists)
def test_merge_windows_is_sorted_disjoint_maximal_and_covers_the_union(
    spans: list[Span],
) -> None:
    """merge_windows returns non-empty spans sorted by start, pairwise disjoint, never two
    touching spans of equal impact, covering exactly the union of the non-empty inputs;
    and merging its own output changes nothing."""
    merged = merge_windows(list(spans))
    assert_well_formed(merged)
    for (_, left_end, left_impact), (right_start, _, right_impact) in itertools.pairwise(merged):
        assert not (left_end == right_start and left_impact == right_impact), merged
    union_in = {t for start, end, _ in spans for t in range(start, end)}
    union_out = {t for start, end, _ in merged for t in range(start, end)}
    assert union_out == union_in
    assert merge_windows(merged) == merged


# --------------------------------------------------------------------------------------
# 5. Timestamps.
# --------------------------------------------------------------------------------------

instants = st.datetimes(
    min_value=datetime(1970, 1, 1), max_value=datetime(2100, 12, 31), timezones=st.just(UTC)
)


@LIGHT
@given(instant=instants, zone=st.sampled_from(ZONES), tenant=st.sampled_from(ZONES))
@example(instant=datetime(2026, 11, 1, 5, 30, tzinfo=UTC), zone=ZONES[1], tenant=ZONES[0])
@example(instant=datetime(2026, 4, 5, 14, 45, tzinfo=UTC), zone=ZONES[3], tenant=ZONES[3])
def test_timestamp_with_offset_round_trips(instant: datetime, zone: str, tenant: str) -> None:
    """An instant shown in a zone with its offset (isoformat, and `Z` for UTC) parses back to
    the same instant, whatever the tenant's timezone."""
    local = instant.astimezone(ZoneInfo(zone))
    expected = to_micros(instant)
    assert to_micros(local) == expected
    assert to_micros(parse_timestamp(local.isoformat(), tenant)) == expected
    zulu = instant.replace(tzinfo=None).isoformat() + "Z"
    assert to_micros(parse_timestamp(zulu, tenant)) == expected


@functools.cache
def dst_change_days(zone: str, year: int) -> tuple[date, ...]:
    """Days of `year` on which the zone's UTC offset changes."""
    tz = ZoneInfo(zone)
    days = []
    day = date(year, 1, 1)
    while day.year == year:
        today = datetime.combine(day, time(0), tz).utcoffset()
        tomorrow = datetime.combine(day + timedelta(days=1), time(0), tz).utcoffset()
        if today != tomorrow:
            days.append(day)
        day += timedelta(days=1)
    return tuple(days)


@st.composite
def wall_times(draw: st.DrawFn, zone: str) -> datetime:
    """Naive local times, most of them in the small hours of a DST change day."""
    days = dst_change_days(zone, draw(st.integers(1990, 2060)))
    if not days or draw(st.integers(0, 3)) == 0:
        return draw(st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(2100, 1, 1)))
    day = draw(st.sampled_from(days))
    small_hours = time(
        draw(st.integers(0, 4)),
        draw(st.integers(0, 59)),
        draw(st.integers(0, 59)),
        draw(st.sampled_from((0, 1, 500_000, 999_999))),
    )
    return datetime.combine(day, small_hours)


@LIGHT
@given(st.sampled_from(ZONES).flatmap(lambda zone: st.tuples(st.just(zone), wall_times(zone))))
def test_timestamp_without_offset_is_read_in_the_tenant_zone(
    zone_and_wall: tuple[str, datetime],
) -> None:
    """A naive time is rejected exactly when the tenant's zone skips or repeats it; otherwise
    it is that wall-clock time in the tenant's zone."""
    zone, wall = zone_and_wall
    tz = ZoneInfo(zone)
    earlier, later = wall.replace(tzinfo=tz, fold=0), wall.replace(tzinfo=tz, fold=1)
    text = wall.isoformat()
    if earlier.utcoffset() != later.utcoffset():
        try:
            parse_timestamp(text, zone)
        except TimestampError as error:
            assert text in str(error)
        else:
            raise AssertionError(f"{text} in {zone} is skipped or repeated but was accepted")
    else:
        assert to_micros(parse_timestamp(text, zone)) == to_micros(earlier)


instants_in_range = st.datetimes(
    min_value=datetime(1970, 1, 1),
    max_value=datetime(2999, 12, 31, 23, 59, 59, 999_999),
    timezones=st.just(UTC),
)
# RFC 3339 offsets are whole minutes up to ±23:59.
fixed_offsets = st.builds(
    lambda minutes: timezone(timedelta(minutes=minutes)), st.integers(-(24 * 60 - 1), 24 * 60 - 1)
)
# Written apart from the parser's own pattern and looser than it (up to 12 fraction
# digits, any two digits for a month or an offset), so that most draws have the right
# shape but a wrong number somewhere.
NEAR_RFC3339 = (
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,12})?)?"
    r"([Zz]|[+-][0-9]{2}:?[0-9]{2})?"
)


@st.composite
def edited_timestamps(draw: st.DrawFn) -> str:
    """A valid timestamp with one character replaced, inserted or removed: the spellings
    closest to valid, where a lenient parser or an int() on a stray digit would slip."""
    instant = draw(instants_in_range).astimezone(draw(fixed_offsets))
    text = instant.isoformat()
    at_index = draw(st.integers(0, len(text)))
    character = draw(st.characters())
    edit = draw(st.sampled_from(("replace", "insert", "remove")))
    if edit == "insert":
        return text[:at_index] + character + text[at_index:]
    if edit == "replace":
        return text[:at_index] + character + text[at_index + 1 :]
    return text[:at_index] + text[at_index + 1 :]


TENANT_ZONES = (*ZONES, "America/Havana", "America/Asuncion")


@CHEAP
@given(
    text=st.one_of(st.text(), st.from_regex(NEAR_RFC3339, fullmatch=True), edited_timestamps()),
    tenant=st.sampled_from(TENANT_ZONES),
)
@example(text="2026-11-10T14:00:00.٥Z", tenant="UTC")
@example(text="0000-01-01T00:00:00+23:59", tenant="UTC")
@example(text="9999-12-31T23:59:59-23:59", tenant="UTC")
@example(text="2026-11-01T00:30:00", tenant="America/Havana")
def test_parse_timestamp_raises_only_timestamp_error(text: str, tenant: str) -> None:
    """Whatever the text, parse_timestamp returns an aware instant inside the years
    1970–2999 or raises TimestampError quoting the text; nothing else escapes."""
    try:
        instant = parse_timestamp(text, tenant)
    except TimestampError as error:
        assert f"'{text}'" in str(error)
    else:
        assert instant.utcoffset() is not None
        assert FIRST_YEAR <= instant.astimezone(UTC).year <= LAST_YEAR


@CHEAP
@given(
    instant=instants_in_range,
    shown_in=st.one_of(st.timezones(), fixed_offsets),
    tenant=st.sampled_from(TENANT_ZONES),
)
@example(
    instant=datetime(2999, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC),
    shown_in=timezone(timedelta(hours=23, minutes=59)),
    tenant="UTC",
)
@example(
    instant=datetime(1970, 1, 1, tzinfo=UTC),
    shown_in=timezone(-timedelta(hours=23, minutes=59)),
    tenant="UTC",
)
# the first of Havana's two midnights on 1 Nov 2020 (04:00 UTC) and the second (05:00)
@example(
    instant=datetime(2020, 11, 1, 4, tzinfo=UTC), shown_in=ZoneInfo("America/Havana"), tenant="UTC"
)
@example(
    instant=datetime(2020, 11, 1, 5, tzinfo=UTC), shown_in=ZoneInfo("America/Havana"), tenant="UTC"
)
def test_isoformat_of_any_aware_instant_round_trips(
    instant: datetime, shown_in: tzinfo, tenant: str
) -> None:
    """An aware datetime in range, in any zone or fixed offset, written by isoformat() is
    read back as the same instant with the same offset, whatever the tenant's zone."""
    local = instant.astimezone(shown_in)
    offset = local.utcoffset()
    assert offset is not None
    # Before 1972 a few zones (Africa/Monrovia, −00:44:30) had offsets in seconds, which
    # isoformat() writes and RFC 3339 has no spelling for.
    assume(offset % timedelta(minutes=1) == timedelta(0))
    parsed = parse_timestamp(local.isoformat(), tenant)
    assert to_micros(parsed) == to_micros(instant)
    assert parsed.utcoffset() == offset


# Zones whose day 1 has begun with a skipped or a repeated midnight (tzdata: Havana both
# ways, Asunción, Amman, Beirut, Damascus, Cairo skipped; Goose Bay, St Johns, Tunis,
# Rome, Sofia repeated), plus the usual ones.
MIDNIGHT_ZONES = (
    *ZONES,
    "America/Havana",
    "America/Asuncion",
    "Asia/Amman",
    "Asia/Beirut",
    "Asia/Damascus",
    "Africa/Cairo",
    "America/Goose_Bay",
    "America/St_Johns",
    "Africa/Tunis",
    "Europe/Rome",
    "Europe/Sofia",
)


@CHEAP
@given(
    year=st.integers(FIRST_YEAR, 2100),
    month=st.integers(1, 12),
    zone=st.sampled_from(MIDNIGHT_ZONES),
)
@example(year=2020, month=11, zone="America/Havana")  # midnight twice
@example(year=2020, month=10, zone="America/Havana")  # ends at the first of the two
@example(year=1990, month=4, zone="America/Havana")  # no midnight
@example(year=2023, month=10, zone="America/Asuncion")  # no midnight
@example(year=2009, month=11, zone="America/St_Johns")  # midnight twice
def test_a_month_starts_at_the_first_instant_of_its_day_1(year: int, month: int, zone: str) -> None:
    """start is on local day 1 and the microsecond before it is not, so the month begins
    at its first instant: the first of two midnights, or the end of a gap at midnight."""
    period = month_period(f"{year:04}-{month:02}", zone)
    for boundary in (period.start_micros, period.end_micros):
        assert at(boundary, zone).day == 1
        assert at(boundary - 1, zone).day != 1
    assert at(period.start_micros, zone).month == month
    assert period.end_micros > period.start_micros
    # the DateTime itself carries the offset in force at that instant (fold=0 or not)
    assert period.start.utcoffset() == at(period.start_micros, zone).utcoffset()
    assert period.end.utcoffset() == at(period.end_micros, zone).utcoffset()


# --------------------------------------------------------------------------------------
# 6. Numbers.
# --------------------------------------------------------------------------------------

decimals = st.builds(
    lambda digits, places: Decimal(digits).scaleb(-places),
    st.integers(-(10**14), 10**14),
    st.integers(0, 12),
)


@LIGHT
@given(value=decimals, places=st.integers(0, 6))
@example(value=Decimal("43.21665"), places=4)
@example(value=Decimal("-2.5"), places=0)
@example(value=Decimal("0.00005"), places=4)
@example(value=Decimal("99.89996"), places=4)
def test_rounding_matches_decimal_quantize(value: Decimal, places: int) -> None:
    """round_half_up and truncate equal Decimal.quantize with ROUND_HALF_UP / ROUND_DOWN."""
    unit = Decimal(1).scaleb(-places)
    assert round_half_up(value, places) == value.quantize(unit, rounding=ROUND_HALF_UP)
    assert truncate(value, places) == value.quantize(unit, rounding=ROUND_DOWN)


fractions = st.fractions(min_value=-1000, max_value=1000, max_denominator=10**9)
TEN_THOUSANDTH = Fraction(1, 10**4)


@LIGHT
@given(fractions)
@example(Fraction(999_999, 10**4) - Fraction(1, 10**9))
@example(Fraction(-1, 3))
def test_truncate_cuts_toward_zero_by_less_than_one_unit(value: Fraction) -> None:
    """truncate(x, 4) has 4 places and lies toward zero from x by less than 10^-4: for x >= 0,
    truncate(x, 4) <= x and x - truncate(x, 4) < 10^-4 (so 99.89999… never shows 99.9)."""
    cut = Fraction(truncate(value, 4))
    assert (cut * 10**4).denominator == 1
    assert abs(cut) <= abs(value)
    assert abs(value) - abs(cut) < TEN_THOUSANDTH
    assert cut == 0 or (cut > 0) == (value > 0)
    if value >= 0:
        assert cut <= value
        assert value - cut < TEN_THOUSANDTH


@LIGHT
@given(fractions)
@example(Fraction(432_1675, 10**5))
@example(Fraction(-5, 10**5))
def test_round_half_up_is_nearest_with_halves_away_from_zero(value: Fraction) -> None:
    """round_half_up(x, 4) has 4 places, is within half a unit of x, and an exact half goes
    away from zero."""
    rounded = Fraction(round_half_up(value, 4))
    assert (rounded * 10**4).denominator == 1
    assert abs(rounded - value) <= TEN_THOUSANDTH / 2
    if abs(rounded - value) == TEN_THOUSANDTH / 2:
        assert abs(rounded) > abs(value)
