"""Text for Slack: escaping user input, mentions, Slack dates, truncation to Slack's limits."""

from __future__ import annotations

from datetime import date, datetime

from kam_core.format import day

ELLIPSIS = "…"


def esc(text: str | None) -> str:
    """Escape user text for mrkdwn so that `<!channel>` or `<@U1>` never pings anyone."""
    if not text:
        return ""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    """Shorten to at most `limit` characters, ending with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    # never leave half an escape sequence (&amp; &lt; &gt;) at the end
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:] and amp > len(cut) - 5:
        cut = cut[:amp]
    return cut + ELLIPSIS


def mention(user_id: str | None) -> str:
    return f"<@{user_id}>" if user_id else "_unassigned_"


def slack_time(moment: datetime | None, fmt: str = "{date_short_pretty} at {time}") -> str:
    """An instant as a Slack date token: each reader sees it in their own time zone and locale.
    Calendar dates (due dates, periods) are not instants and are written out plainly instead (`day`):
    no single instant falls on the same calendar day from UTC-12 to UTC+14."""
    if moment is None:
        return "—"
    return f"<!date^{int(moment.timestamp())}^{fmt}|{moment:%Y-%m-%d %H:%M} UTC>"


def short_due(value: date | None, today: date) -> str:
    """ "due today", "due Thu 18 Dec", "overdue 2 days"."""
    if value is None:
        return "no due date"
    delta = (value - today).days
    if delta == 0:
        return "due today"
    if delta == 1:
        return "due tomorrow"
    if delta < 0:
        return f"overdue {-delta} day{'s' if delta != -1 else ''}"
    if delta < 7:
        return f"due {value:%a} {value.day} {value:%b}"
    return f"due {day(value)}"
