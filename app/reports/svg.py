"""The geometry of a month drawn to scale: where each window, counted stretch, day and
month of history goes in the report page's inline SVG. Pure: numbers in, numbers out.

Horizontal positions are exact. The plot is `PLOT_WIDTH` (1000) user units wide and an
instant `t` of the period `[start, end)` sits at

    x = (t − start) / (end − start) × PLOT_WIDTH

computed on the integer microsecond timeline as a fraction and rounded half up to 2
decimals, so a day of a 30-day month is 33.33 units and a DST month's long or short day
is drawn longer or shorter, as it really is. A bar goes from x(start) to x(end) of the
part of its window inside the period, and its width is the difference of the two
rounded positions, so bars that touch on the timeline touch in the picture.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Literal

import pendulum

from app.sla.numbers import decimal_text, round_half_up
from app.sla.periods import Period, from_micros, to_micros
from app.sla.windows import Span

PLOT_WIDTH = 1000
# Room at the left of the plot for the lane names.
GUTTER = 92
RIGHT_MARGIN = 8
VIEW_WIDTH = GUTTER + PLOT_WIDTH + RIGHT_MARGIN
AXIS_HEIGHT = 18
ROW_HEIGHT = 14
ROW_GAP = 3
LANE_GAP = 8
# A bar narrower than this (in plot units, about a 45-minute outage in a 30-day month)
# also gets a hairline marker so that it cannot vanish from the picture.
THIN = Decimal(1)

BarKind = Literal["outage", "maintenance", "counted"]


def x_at(micros: int, start_micros: int, end_micros: int, width: int = PLOT_WIDTH) -> Decimal:
    """`(micros − start) / (end − start) × width`, exactly, rounded half up to 2 decimals;
    instants outside the period are held to its edges."""
    if end_micros <= start_micros:
        raise ValueError("the period must have a positive length")
    held = min(max(micros, start_micros), end_micros)
    return round_half_up(Fraction((held - start_micros) * width, end_micros - start_micros), 2)


def units(value: Decimal) -> str:
    """A coordinate as SVG text: `33.33`, `0`, `1000`."""
    return decimal_text(value)


def shade(impact: Fraction) -> str:
    """Fill opacity for a window of this impact: 0.25 for the faintest, 1 for a full outage."""
    clamped = min(max(impact, Fraction(0)), Fraction(1))
    return decimal_text(round_half_up(Fraction(1, 4) + Fraction(3, 4) * clamped, 2))


def impact_text(impact: Fraction) -> str:
    """An impact for a data attribute: `1`, `0.5`, `0.3333`."""
    return decimal_text(round_half_up(impact, 4))


def percent_text(impact: Fraction) -> str:
    return decimal_text(round_half_up(impact * 100, 2))


@dataclass(frozen=True, slots=True)
class DrawnWindow:
    """A stored window to draw: an outage or maintenance, ended or not."""

    start_micros: int
    end_micros: int | None
    kind: Literal["outage", "maintenance"]
    impact: Fraction
    outage_id: int | None = None
    label: str = ""
    counted_minutes: str | None = None


@dataclass(frozen=True, slots=True)
class Bar:
    """One rectangle of the picture, for the part of its window inside the period."""

    kind: BarKind
    start_micros: int
    end_micros: int
    impact: Fraction
    x: Decimal
    width: Decimal
    y: int
    height: int
    title: str
    outage_id: int | None = None
    ongoing: bool = False

    @property
    def start(self) -> str:
        return from_micros(self.start_micros).isoformat()

    @property
    def end(self) -> str:
        return from_micros(self.end_micros).isoformat()

    @property
    def x_text(self) -> str:
        return units(self.x)

    @property
    def width_text(self) -> str:
        return units(self.width)

    @property
    def impact_text(self) -> str:
        return impact_text(self.impact)

    @property
    def opacity(self) -> str:
        return shade(self.impact)

    @property
    def thin(self) -> bool:
        return self.width < THIN

    @property
    def middle_text(self) -> str:
        return units(self.x + self.width / 2)


@dataclass(frozen=True, slots=True)
class Tick:
    """A local midnight: the start of day `day` of the month."""

    day: int
    x: str
    label_x: str
    weekend: bool
    width: str


@dataclass(frozen=True, slots=True)
class Lane:
    name: str
    y: int
    height: int


@dataclass(frozen=True, slots=True)
class Timeline:
    bars: list[Bar]
    ticks: list[Tick]
    lanes: list[Lane]
    height: int
    now_x: str | None

    @property
    def windows(self) -> list[Bar]:
        return [bar for bar in self.bars if bar.kind != "counted"]

    @property
    def counted(self) -> list[Bar]:
        return [bar for bar in self.bars if bar.kind == "counted"]


def local_text(micros: int, zone: str, with_date: bool = True) -> str:
    """An instant as a person reads it in the zone the month is measured in:
    `Tue 3 Nov 09:00 EST`, with seconds only when there are some."""
    moment = pendulum.instance(from_micros(micros)).in_timezone(zone)
    clock = "%H:%M:%S" if moment.second or moment.microsecond else "%H:%M"
    pattern = f"%a {moment.day} %b {clock} %Z" if with_date else f"{clock} %Z"
    return moment.strftime(pattern)


def _rows(windows: Sequence[tuple[int, int]]) -> list[int]:
    """Each interval's row: the first row free at its start (greedy interval colouring),
    so overlapping windows sit on separate rows and all can be seen."""
    order = sorted(range(len(windows)), key=lambda index: windows[index])
    row_ends: list[int] = []
    rows = [0] * len(windows)
    for index in order:
        start, end = windows[index]
        for row, row_end in enumerate(row_ends):
            if row_end <= start:
                rows[index] = row
                row_ends[row] = max(end, start)
                break
        else:
            rows[index] = len(row_ends)
            row_ends.append(max(end, start))
    return rows


def _day_starts(period: Period) -> list[tuple[date, int]]:
    """Every local day of the month with its first instant (fold=0 at midnight, as the
    period's own start is read), in microseconds."""
    zone = pendulum.timezone(period.timezone)
    first = date(period.start.year, period.start.month, 1)
    days = []
    for offset in range(period.calendar_days):
        day = first + timedelta(days=offset)
        midnight = datetime(day.year, day.month, day.day, tzinfo=zone, fold=0)
        days.append((day, to_micros(midnight.astimezone(UTC))))
    return days


def ticks(period: Period) -> list[Tick]:
    """One tick per local day: where it starts, and the middle of it for its number."""
    start, end = period.start_micros, period.end_micros
    days = _day_starts(period)
    result = []
    for index, (day, day_start) in enumerate(days):
        day_end = days[index + 1][1] if index + 1 < len(days) else end
        left = x_at(day_start, start, end)
        right = x_at(day_end, start, end)
        result.append(
            Tick(
                day=day.day,
                x=units(left),
                label_x=units((left + right) / 2),
                weekend=day.isoweekday() >= 6,
                width=units(right - left),
            )
        )
    return result


def _window_title(window: DrawnWindow, start: int, end: int | None, zone: str) -> str:
    kind = "Maintenance" if window.kind == "maintenance" else "Outage"
    name = f"{kind} {window.label}".rstrip()
    until = "ongoing" if end is None else local_text(end, zone)
    parts = [f"{name}: {local_text(start, zone)} to {until}"]
    if window.kind == "outage":
        parts.append(f"impact {percent_text(window.impact)} %")
        if window.counted_minutes is not None:
            parts.append(f"counted {window.counted_minutes} min")
    return ", ".join(parts)


def _counted_title(span: Span, zone: str) -> str:
    start, end, impact = span
    minutes = decimal_text(round_half_up(Fraction(end - start, 60_000_000) * impact, 4))
    return (
        f"Counted: {local_text(start, zone)} to {local_text(end, zone)}, "
        f"{minutes} min at {percent_text(impact)} % impact"
    )


def timeline(
    period: Period, windows: Iterable[DrawnWindow], counted: Sequence[Span], now: datetime
) -> Timeline:
    """The month's picture: a lane of maintenance windows, a lane of outages (overlapping
    ones on separate rows), and a strip of what counted, each bar placed by `x_at`.

    Windows wholly outside the period are left out; an ongoing one is drawn to `now`.
    """
    start, end = period.start_micros, period.end_micros
    now_micros = to_micros(now)
    inside: list[tuple[DrawnWindow, int, int]] = []
    for window in windows:
        window_end = now_micros if window.end_micros is None else window.end_micros
        drawn_start, drawn_end = max(window.start_micros, start), min(window_end, end)
        # An ongoing window whose "now" is before the period (or before its own start)
        # has nothing to draw yet.
        if window.start_micros < end and window_end > start and drawn_end >= drawn_start:
            inside.append((window, drawn_start, drawn_end))

    bars: list[Bar] = []
    lanes: list[Lane] = []
    y = AXIS_HEIGHT
    for kind, lane_name in (("maintenance", "Maintenance"), ("outage", "Outages")):
        chosen = [item for item in inside if item[0].kind == kind]
        rows = _rows([(drawn_start, drawn_end) for _, drawn_start, drawn_end in chosen])
        row_count = max(rows, default=-1) + 1
        lane_height = max(row_count, 1) * (ROW_HEIGHT + ROW_GAP) - ROW_GAP
        lanes.append(Lane(lane_name, y, lane_height))
        for (window, drawn_start, drawn_end), row in zip(chosen, rows, strict=True):
            left = x_at(drawn_start, start, end)
            bars.append(
                Bar(
                    kind=window.kind,
                    start_micros=drawn_start,
                    end_micros=drawn_end,
                    impact=window.impact,
                    x=left,
                    width=x_at(drawn_end, start, end) - left,
                    y=y + row * (ROW_HEIGHT + ROW_GAP),
                    height=ROW_HEIGHT,
                    title=_window_title(
                        window, window.start_micros, window.end_micros, period.timezone
                    ),
                    outage_id=window.outage_id,
                    ongoing=window.end_micros is None,
                )
            )
        y += lane_height + LANE_GAP
    lanes.append(Lane("Counted", y, ROW_HEIGHT))
    for span in counted:
        left = x_at(span[0], start, end)
        bars.append(
            Bar(
                kind="counted",
                start_micros=span[0],
                end_micros=span[1],
                impact=span[2],
                x=left,
                width=x_at(span[1], start, end) - left,
                y=y,
                height=ROW_HEIGHT,
                title=_counted_title(span, period.timezone),
            )
        )
    height = y + ROW_HEIGHT + 4
    now_x = units(x_at(now_micros, start, end)) if start < now_micros < end else None
    return Timeline(bars=bars, ticks=ticks(period), lanes=lanes, height=height, now_x=now_x)


# The twelve-month sparkline

SPARK_WIDTH = 240
SPARK_HEIGHT = 44
SPARK_GAP = 4


@dataclass(frozen=True, slots=True)
class MonthPoint:
    """A month's availability as its report states it; None where the service had no
    line that month."""

    month: str
    availability_percent: Decimal | None
    met: bool | None
    provisional: bool = False


@dataclass(frozen=True, slots=True)
class SparkBar:
    month: str
    x: str
    y: str
    width: str
    height: str
    availability: str | None
    met: bool | None
    title: str


@dataclass(frozen=True, slots=True)
class Sparkline:
    bars: list[SparkBar]
    target_y: str
    floor_percent: str
    width: int = SPARK_WIDTH
    height: int = SPARK_HEIGHT


def sparkline(points: Sequence[MonthPoint], target_percent: Decimal) -> Sparkline:
    """One bar per month, its height the availability on a scale from `floor` to 100 %.

    The floor sits a sixth of the way below the lower of the worst month and
    `target − (100 − target)` (99.8 for a 99.9 % target), so the target line is in the
    picture, a missed month shows as a shorter bar below it, and even the worst month
    keeps a visible bar.
    """
    values = [p.availability_percent for p in points if p.availability_percent is not None]
    lowest = min([*values, target_percent - (100 - target_percent)])
    floor = max(lowest - (100 - lowest) / 6, Decimal(0))
    if floor >= 100:
        floor = Decimal(99)
    span = Decimal(100) - floor
    slot = Fraction(SPARK_WIDTH, max(len(points), 1))

    def y_of(percent: Decimal) -> Decimal:
        return round_half_up(Fraction(SPARK_HEIGHT) * Fraction(100 - percent) / Fraction(span), 2)

    bars = []
    for index, point in enumerate(points):
        left = round_half_up(slot * index, 2)
        width = round_half_up(slot * (index + 1), 2) - left - SPARK_GAP
        if point.availability_percent is None:
            top, title = Decimal(SPARK_HEIGHT), f"{point.month}: no line"
        else:
            top = min(y_of(point.availability_percent), Decimal(SPARK_HEIGHT - 1))
            verdict = "met" if point.met else "missed"
            note = ", provisional" if point.provisional else ""
            title = (
                f"{point.month}: {decimal_text(point.availability_percent)} % "
                f"({verdict} the {decimal_text(target_percent)} % target{note})"
            )
        bars.append(
            SparkBar(
                month=point.month,
                x=units(left),
                y=units(top),
                width=units(width),
                height=units(Decimal(SPARK_HEIGHT) - top),
                availability=None
                if point.availability_percent is None
                else decimal_text(point.availability_percent),
                met=point.met,
                title=title,
            )
        )
    return Sparkline(
        bars=bars,
        target_y=units(y_of(target_percent)),
        floor_percent=decimal_text(round_half_up(floor, 4)),
    )
