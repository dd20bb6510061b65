"""Which digests are due at an instant: a pure function of the subscriptions and the instant.

A subscription is due on a local day when that weekday is chosen, at its local time in its IANA zone.
Daylight saving time: a local time that does not exist that day (the spring-forward gap) is moved
forward by the gap (02:30 -> 03:30 in Berlin on the last Sunday of March); a local time that happens
twice (autumn fall-back) is taken at its first occurrence. A digest is due from its scheduled instant
until the catch-up window closes (default 3 h); after that it is missed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo


class Timing(StrEnum):
    DUE = "due"
    MISSED = "missed"


@dataclass(frozen=True)
class Slot:
    """What the schedule needs to know of a subscription."""

    id: int
    local_time: str  # "HH:MM"
    timezone: str
    weekdays: int  # bit 0 = Monday ... bit 6 = Sunday
    since: datetime | None = None  # the subscription's creation: local days before it don't count


@dataclass(frozen=True)
class Occurrence:
    subscription_id: int
    local_date: date
    scheduled_at: datetime  # UTC
    timing: Timing


def scheduled_instant(local_day: date, local_time: str, zone: ZoneInfo) -> datetime:
    """The UTC instant of `local_time` on `local_day` in `zone`, with the DST rules above."""
    hour, minute = (int(x) for x in local_time.split(":"))
    naive = datetime.combine(local_day, time(hour, minute))
    first = naive.replace(tzinfo=zone, fold=0)
    utc = first.astimezone(UTC)
    if utc.astimezone(zone).replace(tzinfo=None) != naive:
        # in the gap: fold=0 read it with the offset before the change; move forward by the gap
        later = naive.replace(tzinfo=zone, fold=1).astimezone(UTC)
        return max(utc, later)
    return utc


def occurrences(slot: Slot, at: datetime, window: timedelta) -> list[Occurrence]:
    """The slot's occurrences that matter at `at`: the ones still inside the catch-up window (due) and
    the most recent one that fell out of it (missed)."""
    zone = ZoneInfo(slot.timezone)
    local_today = at.astimezone(zone).date()
    days_back = math.ceil(window / timedelta(days=1)) + 1
    first_day = slot.since.astimezone(zone).date() if slot.since is not None else None
    found: list[Occurrence] = []
    missed: Occurrence | None = None
    for back in range(days_back, -1, -1):
        local_day = local_today - timedelta(days=back)
        if not slot.weekdays & (1 << local_day.weekday()):
            continue
        when = scheduled_instant(local_day, slot.local_time, zone)
        if when > at or (first_day is not None and local_day < first_day):
            continue
        if at < when + window:
            found.append(Occurrence(slot.id, local_day, when, Timing.DUE))
        else:
            missed = Occurrence(slot.id, local_day, when, Timing.MISSED)
    return ([missed] if missed else []) + found


def due_at(slots: list[Slot], at: datetime, window: timedelta) -> list[Occurrence]:
    """Every occurrence that is due or just missed at `at`, oldest first."""
    if at.tzinfo is None:
        raise ValueError("`at` must be timezone-aware")
    out = [occ for slot in slots for occ in occurrences(slot, at, window)]
    return sorted(out, key=lambda o: (o.scheduled_at, o.subscription_id))
