"""Schedule risk: how far progress trails the share of the period elapsed, and a projected finish."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

AT_RISK_POINTS = 15.0
OFF_TRACK_POINTS = 30.0


class Risk(StrEnum):
    ON_TRACK = "on track"
    AT_RISK = "at risk"
    OFF_TRACK = "off track"
    DONE = "done"
    NOT_STARTED = "not started"  # the period has not begun
    NO_DATES = "no dates"


@dataclass(frozen=True)
class Schedule:
    start: date | None
    end: date | None
    expected: float | None  # percent of the period elapsed
    behind: float | None  # expected - actual, in points
    risk: Risk
    projected_finish: date | None
    elapsed_days: int | None
    total_days: int | None


def elapsed_share(start: date, end: date, today: date) -> float:
    if today <= start:
        return 0.0
    if today >= end:
        return 100.0
    return 100.0 * (today - start).days / max((end - start).days, 1)


def schedule(percent: float, start: date | None, end: date | None, today: date, *, done: bool) -> Schedule:
    """Expected % = share of the period elapsed; more than 15 points behind is at risk, more than 30 is
    off track. The projected finish extends the pace so far (percent per elapsed day) to 100%."""
    if start is None or end is None:
        return Schedule(start, end, None, None, Risk.DONE if done else Risk.NO_DATES, None, None, None)
    total = max((end - start).days, 0)
    if done:
        return Schedule(start, end, elapsed_share(start, end, today), None, Risk.DONE, None, None, total)
    expected = elapsed_share(start, end, today)
    elapsed = max((today - start).days, 0)
    if today < start:
        return Schedule(start, end, 0.0, 0.0, Risk.NOT_STARTED, None, 0, total)
    behind = expected - percent
    if behind > OFF_TRACK_POINTS:
        risk = Risk.OFF_TRACK
    elif behind > AT_RISK_POINTS:
        risk = Risk.AT_RISK
    else:
        risk = Risk.ON_TRACK
    projected: date | None = None
    if percent >= 100.0:
        projected = today
    elif percent > 0 and elapsed > 0:
        projected = start + timedelta(days=math.ceil(elapsed * 100.0 / percent))
    return Schedule(start, end, expected, behind, risk, projected, elapsed, total)
