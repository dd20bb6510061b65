"""Plain-text figures shared by every surface (Slack cards, digests, the CLI), so they always agree."""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal

from kam_core.enums import MeasureUnit


def pct(value: float) -> str:
    """42.5 -> "43%" (half up, as people round)."""
    return f"{math.floor(value + 0.5)}%"


def pct_number(value: float) -> int:
    return math.floor(value + 0.5)


def one_decimal(value: float) -> str:
    text = f"{math.floor(value * 10 + 0.5) / 10:.1f}"
    return text[:-2] if text.endswith(".0") else text


def bar(value: float, width: int = 10) -> str:
    filled = max(0, min(width, math.floor(value * width / 100 + 0.5)))
    return "▰" * filled + "▱" * (width - filled)


def trend(delta: float | None) -> str:
    """Points of change: "↑6", "↓2", "→0"; empty when there is nothing to compare with."""
    if delta is None:
        return ""
    points = pct_number(abs(delta)) * (1 if delta >= 0 else -1)
    if points > 0:
        return f"↑{points}"
    if points < 0:
        return f"↓{-points}"
    return "→0"


def day(value: date | None) -> str:
    """2027-02-14 -> "14 Feb 2027"."""
    return f"{value.day} {value:%b %Y}" if value else "—"


def period(start: date | None, end: date | None) -> str:
    if start is None or end is None:
        return "no dates"
    if start.year == end.year:
        return f"{start.day} {start:%b} – {day(end)}"
    return f"{day(start)} – {day(end)}"


def amount(value: Decimal | float | None, unit: MeasureUnit | None, currency: str | None = None) -> str:
    if value is None:
        return "—"
    number = float(value)
    if unit is MeasureUnit.PERCENT:
        return f"{one_decimal(number)}%"
    if unit is MeasureUnit.CURRENCY:
        symbol = {"EUR": "€", "USD": "$", "GBP": "£", "CHF": "CHF ", "JPY": "¥"}.get(currency or "", "")
        code = "" if symbol else (f" {currency}" if currency else "")
        for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
            if abs(number) >= limit:
                return f"{symbol}{one_decimal(number / limit)}{suffix}{code}"
        return f"{symbol}{one_decimal(number)}{code}"
    return one_decimal(number)


def plural(count: int, word: str, many: str | None = None) -> str:
    return f"{count} {word if count == 1 else (many or word + 's')}"


def private_name(ref: str) -> str:
    """What stands in for the name of a private plan, or of a record in one, the reader may not see."""
    prefix = ref.upper().split("-")[0]
    if prefix in ("AP", "TP"):
        return "a private plan"
    return {"TAC": "a tactic", "TSK": "a task"}.get(prefix, "an objective") + " in a private plan"
