"""Dates in messages: calendar dates are written out (the same day for every reader, from UTC-12 to
UTC+14); instants are Slack date tokens (each reader's own time zone)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.text import esc, short_due, slack_time


def test_a_calendar_date_is_plain_text_the_same_everywhere() -> None:
    today = date(2026, 12, 4)
    assert short_due(date(2027, 1, 3), today) == "due 3 Jan 2027"
    assert short_due(date(2026, 12, 10), today) == "due Thu 10 Dec"
    assert short_due(date(2026, 12, 2), today) == "overdue 2 days"
    assert "<!date" not in short_due(date(2027, 6, 1), today)


def test_an_instant_is_a_slack_date_token_with_a_utc_fallback() -> None:
    moment = datetime(2026, 12, 4, 23, 30, tzinfo=UTC)  # already 5 December in Auckland
    token = slack_time(moment)
    stamp = int(moment.timestamp())
    assert token == f"<!date^{stamp}^{{date_short_pretty}} at {{time}}|2026-12-04 23:30 UTC>"


def test_escaping_keeps_mentions_inert() -> None:
    assert esc("<!channel> & <@U1>") == "&lt;!channel&gt; &amp; &lt;@U1&gt;"
