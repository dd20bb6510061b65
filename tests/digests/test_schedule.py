"""Which digests are due: a pure function of the subscriptions and the instant (DST included)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from kam_core.digests.schedule import Slot, Timing, due_at, scheduled_instant

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
WINDOW = timedelta(hours=3)
EVERY_DAY = 0b1111111
WEEKDAYS = 0b0011111


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("day", "local", "zone", "expected"),
    [
        # Berlin, last Sunday of March 2026: 02:00 CET jumps to 03:00 CEST
        (date(2026, 3, 28), "09:00", BERLIN, "2026-03-28T08:00:00"),  # CET, +1
        (date(2026, 3, 29), "09:00", BERLIN, "2026-03-29T07:00:00"),  # CEST, +2
        (date(2026, 3, 29), "02:30", BERLIN, "2026-03-29T01:30:00"),  # in the gap: moved to 03:30 CEST
        (date(2026, 3, 29), "01:59", BERLIN, "2026-03-29T00:59:00"),  # just before the gap, still CET
        # Berlin, last Sunday of October 2026: 03:00 CEST falls back to 02:00 CET
        (date(2026, 10, 25), "02:30", BERLIN, "2026-10-25T00:30:00"),  # twice: the first (CEST) counts
        (date(2026, 10, 25), "09:00", BERLIN, "2026-10-25T08:00:00"),  # CET, +1
        (date(2026, 10, 24), "09:00", BERLIN, "2026-10-24T07:00:00"),  # CEST, +2
        # New York: DST starts 8 March 2026 (02:00 -> 03:00), ends 1 November 2026
        (date(2026, 3, 7), "09:00", NEW_YORK, "2026-03-07T14:00:00"),  # EST, -5
        (date(2026, 3, 8), "09:00", NEW_YORK, "2026-03-08T13:00:00"),  # EDT, -4
        (date(2026, 3, 8), "02:15", NEW_YORK, "2026-03-08T07:15:00"),  # gap: 03:15 EDT
        (date(2026, 11, 1), "01:30", NEW_YORK, "2026-11-01T05:30:00"),  # twice: first (EDT)
        (date(2026, 11, 1), "09:00", NEW_YORK, "2026-11-01T14:00:00"),  # EST
    ],
)
def test_scheduled_instant_across_dst(day: date, local: str, zone: ZoneInfo, expected: str) -> None:
    assert scheduled_instant(day, local, zone) == utc(expected)


def test_a_gap_time_reads_back_as_the_local_time_after_the_gap() -> None:
    when = scheduled_instant(date(2026, 3, 29), "02:30", BERLIN)
    assert when.astimezone(BERLIN).strftime("%H:%M %Z") == "03:30 CEST"


def test_due_from_the_scheduled_minute_until_the_window_closes() -> None:
    slot = Slot(1, "09:00", "Europe/Berlin", EVERY_DAY)
    scheduled = utc("2026-03-29T07:00:00")  # 09:00 CEST on the DST Sunday
    assert [
        o for o in due_at([slot], scheduled - timedelta(minutes=1), WINDOW) if o.timing is Timing.DUE
    ] == []
    due = [o for o in due_at([slot], scheduled, WINDOW) if o.timing is Timing.DUE]
    assert [(o.local_date, o.scheduled_at) for o in due] == [(date(2026, 3, 29), scheduled)]
    late = [
        o for o in due_at([slot], scheduled + WINDOW - timedelta(seconds=1), WINDOW) if o.timing is Timing.DUE
    ]
    assert len(late) == 1
    closed = due_at([slot], scheduled + WINDOW, WINDOW)
    assert [(o.local_date, o.timing) for o in closed if o.local_date == date(2026, 3, 29)] == [
        (date(2026, 3, 29), Timing.MISSED)
    ]


def test_berlin_october_sunday_is_due_once_at_nine_local() -> None:
    slot = Slot(1, "09:00", "Europe/Berlin", EVERY_DAY)
    at = utc("2026-10-25T08:00:00")  # 09:00 CET after the fall-back
    due = [o for o in due_at([slot], at, WINDOW) if o.timing is Timing.DUE]
    assert [o.local_date for o in due] == [date(2026, 10, 25)]
    # an hour earlier is 09:00 CEST of no day that Sunday: nothing due yet
    assert not [
        o for o in due_at([slot], at - timedelta(hours=1), WINDOW) if o.local_date == date(2026, 10, 25)
    ]


def test_new_york_uses_its_own_offset() -> None:
    slot = Slot(7, "08:30", "America/New_York", EVERY_DAY)
    assert [
        o.local_date for o in due_at([slot], utc("2026-03-08T12:30:00"), WINDOW) if o.timing is Timing.DUE
    ] == [date(2026, 3, 8)]
    assert not [
        o for o in due_at([slot], utc("2026-03-08T12:29:00"), WINDOW) if o.local_date == date(2026, 3, 8)
    ]


def test_weekdays_only_skip_the_weekend() -> None:
    slot = Slot(1, "09:00", "Europe/Berlin", WEEKDAYS)
    saturday = utc("2026-12-05T08:00:00")
    sunday = utc("2026-12-06T08:00:00")
    monday = utc("2026-12-07T08:00:00")
    for at in (saturday, sunday):
        assert not [o for o in due_at([slot], at, WINDOW) if o.timing is Timing.DUE]
    assert [o.local_date for o in due_at([slot], monday, WINDOW) if o.timing is Timing.DUE] == [
        date(2026, 12, 7)
    ]
    mondays_only = Slot(2, "09:00", "Europe/Berlin", 0b0000001)
    tuesday = due_at([mondays_only], utc("2026-12-08T08:00:00"), WINDOW)
    assert [(o.local_date, o.timing) for o in tuesday] == [(date(2026, 12, 7), Timing.MISSED)]


def test_days_before_the_subscription_existed_do_not_count() -> None:
    created = utc("2026-12-04T10:00:00")
    slot = Slot(1, "09:00", "Europe/Berlin", EVERY_DAY, since=created)
    # the same local day still counts (within the window it is caught up) ...
    assert [o.local_date for o in due_at([slot], created, WINDOW) if o.timing is Timing.DUE] == [
        date(2026, 12, 4)
    ]
    # ... but yesterday is neither due nor missed
    assert all(o.local_date >= date(2026, 12, 4) for o in due_at([slot], created, WINDOW))


def test_a_naive_instant_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        due_at([Slot(1, "09:00", "UTC", EVERY_DAY)], datetime(2026, 1, 1, 9, 0), WINDOW)
