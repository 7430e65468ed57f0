"""The counted timeline of a service's month: which stretches of time its downtime is.

`assess_service` integrates these spans into `downtime_minutes`; a picture of the
month draws them, so a person sees what counted after maintenance was excluded and
short runs were dropped, and where.
"""

from collections.abc import Sequence
from datetime import datetime

from app.sla.assessment import Window, measure_downtime, split_windows
from app.sla.periods import Period, to_micros
from app.sla.policies import Policy
from app.sla.windows import Span


def counted_spans(
    windows: Sequence[Window], *, policy: Policy, period: Period, now: datetime
) -> list[Span]:
    """The downtime inside `period` as disjoint `(start, end, impact)` spans sorted by start.

    SLA-RULES "Downtime" applied exactly as `assess_service` applies it: overlapping
    outages merged at the largest impact, maintenance cut out where the policy excludes
    it, runs shorter than the policy's minimum dropped (judged on the whole timeline, so
    `windows` should reach `min_downtime` beyond each edge, as the report's query does),
    then clipped to the period. An ongoing outage runs to `now`. Touching pieces of equal
    impact are one span; where the impact changes a new span begins.

    The weighted length of the result, in minutes, is the report's `downtime_minutes`.
    """
    now_micros = to_micros(now)
    split = split_windows(windows, period, now_micros)
    downtime = measure_downtime(
        split.outages,
        split.maintenance,
        period,
        exclude_maintenance=policy.exclude_maintenance,
        min_downtime_minutes=policy.min_downtime_minutes,
    )
    return downtime.counted
