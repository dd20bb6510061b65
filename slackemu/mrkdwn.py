"""Slack ``mrkdwn`` and ``plain_text`` to safe HTML, for the sandbox page.

Apps escape ``&``, ``<`` and ``>`` in user text as ``&amp;``, ``&lt;`` and ``&gt;``; only real markup
is written with ``<`` and ``>``: ``<@U123>``, ``<#C123>``, ``<!here>``, ``<!date^…|fallback>`` and
``<url|label>``. So the text is read in this order:

1. code (```` ``` ```` blocks and `` `inline` ``) and ``<…>`` tokens are taken out and rendered alone;
2. what is left is decoded (the three entities, once) and HTML-escaped: whatever a user typed is shown
   literally (``&lt;!channel&gt;`` reads ``<!channel>``) and nothing is ever injected;
3. bold, italics, strike, quotes, lists and emoji shortcodes are applied to the escaped text;
4. the rendered pieces are put back.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

OPEN, CLOSE = "\ue000", "\ue001"  # placeholder brackets (private-use characters, stripped from input)
PLACEHOLDER = re.compile(OPEN + r"(\d+)" + CLOSE)
ENTITY = re.compile(r"&(amp|lt|gt);")
ENTITIES = {"amp": "&", "lt": "<", "gt": ">"}
TOKEN = re.compile(r"<([^<>\n]*)>")
CODE_BLOCK = re.compile(r"```(.*?)```", re.DOTALL)
INLINE_CODE = re.compile(r"`([^`\n]+)`")
BOLD = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]*?\S)\*(?![\w*])")
ITALIC = re.compile(r"(?<![\w])_(?=\S)([^_\n]*?\S)_(?![\w])")
STRIKE = re.compile(r"(?<![\w~])~(?=\S)([^~\n]*?\S)~(?![\w~])")
SHORTCODE = re.compile(r":([a-z0-9_+\-]+):")
SAFE_URL = re.compile(r"^(https?://|mailto:)", re.IGNORECASE)
QUOTE = re.compile(r"^>\s?")
BULLET = re.compile(r"^\s*(?:[•◦▪‣-]|\*(?=\s))\s+")
NUMBERED = re.compile(r"^\s*(\d{1,3})[.)]\s+")
BROADCASTS = {"here", "channel", "everyone", "group"}

EMOJI = {
    "white_check_mark": "✅", "heavy_check_mark": "✔️", "ballot_box_with_check": "☑️", "x": "❌",
    "warning": "⚠️", "hourglass": "⌛", "hourglass_flowing_sand": "⏳", "bell": "🔔", "tada": "🎉",
    "rocket": "🚀", "chart_with_upwards_trend": "📈", "chart_with_downwards_trend": "📉",
    "bar_chart": "📊", "calendar": "📆", "date": "📅", "spiral_calendar_pad": "🗓️", "memo": "📝",
    "pushpin": "📌", "link": "🔗", "bulb": "💡", "fire": "🔥", "eyes": "👀", "wave": "👋",
    "thumbsup": "👍", "+1": "👍", "thumbsdown": "👎", "-1": "👎", "raised_hands": "🙌",
    "red_circle": "🔴", "large_yellow_circle": "🟡", "large_green_circle": "🟢", "large_blue_circle": "🔵",
    "no_entry": "⛔", "no_entry_sign": "🚫", "lock": "🔒", "mag": "🔍", "busts_in_silhouette": "👥",
    "bust_in_silhouette": "👤", "dart": "🎯", "sparkles": "✨", "zap": "⚡", "clock9": "🕘",
    "arrow_right": "➡️", "information_source": "ℹ️", "heavy_plus_sign": "➕", "sunrise": "🌅",
    "sun_with_face": "🌞", "crescent_moon": "🌙", "package": "📦", "inbox_tray": "📥", "outbox_tray": "📤",
    "clipboard": "📋", "handshake": "🤝", "hospital": "🏥", "pill": "💊", "microscope": "🔬",
}  # fmt: skip


@dataclass
class Names:
    """Display names for mentions: user id -> name, channel id -> name."""

    users: dict[str, str] = field(default_factory=dict)
    channels: dict[str, str] = field(default_factory=dict)


def unescape(text: str) -> str:
    """Decode Slack's three entities once (``&amp;lt;`` becomes ``&lt;``, not ``<``)."""
    return ENTITY.sub(lambda m: ENTITIES[m.group(1)], text)


def escape(text: str) -> str:
    """HTML-escape for element content and attribute values (quotes included)."""
    return html.escape(text, quote=True)


def emoji(escaped: str) -> str:
    return SHORTCODE.sub(lambda m: EMOJI.get(m.group(1), m.group(0)), escaped)


def _strip(text: str) -> str:
    return text.replace(OPEN, "").replace(CLOSE, "")


def plain_html(text: str | None, *, emojis: bool = True) -> str:
    """A ``plain_text`` object's text: decoded, escaped, emoji shortcodes, line breaks."""
    out = escape(unescape(_strip(text or "")))
    if emojis:
        out = emoji(out)
    return out.replace("\n", "<br>")


class _Pieces:
    """Rendered HTML pieces, stood in for by placeholders until the surrounding text is formatted."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def put(self, piece: str) -> str:
        self.items.append(piece)
        return f"{OPEN}{len(self.items) - 1}{CLOSE}"

    def restore(self, text: str) -> str:
        return PLACEHOLDER.sub(lambda m: self.items[int(m.group(1))], text)


def token_text(inner: str, names: Names) -> str:
    """What a ``<…>`` token reads as, unformatted (for code spans and plain labels)."""
    target, _, label = inner.partition("|")
    if target.startswith("@"):
        return "@" + (names.users.get(target[1:]) or unescape(label) or target[1:])
    if target.startswith("#"):
        return "#" + (names.channels.get(target[1:]) or unescape(label) or target[1:])
    if target.startswith("!"):
        command = target[1:].split("^")[0]
        if command in BROADCASTS:
            return "@" + command
        return unescape(label) or ("@" + command if command == "subteam" else target)
    return unescape(label or target)


def _token_html(inner: str, names: Names) -> str:
    target, _, label = inner.partition("|")
    if target.startswith(("@", "#")) or (target.startswith("!") and target[1:] in BROADCASTS):
        kind = "mrk-channel" if target.startswith("#") else "mrk-mention"
        broadcast = " mrk-broadcast" if target.startswith("!") else ""
        return f'<span class="{kind}{broadcast}">{escape(token_text(inner, names))}</span>'
    if target.startswith("!date^"):
        return f'<span class="mrk-date">{escape(unescape(label) or target)}</span>'
    if target.startswith("!"):
        return f'<span class="mrk-mention">{escape(token_text(inner, names))}</span>'
    url = unescape(target)
    shown = _inline(escape(unescape(label)) if label else escape(url))
    if not SAFE_URL.match(url):
        return shown
    return f'<a href="{escape(url)}" target="_blank" rel="noopener noreferrer">{shown}</a>'


def _code(text: str, names: Names) -> str:
    """Code content: tokens read as text, nothing formatted, everything escaped."""
    return escape(unescape(TOKEN.sub(lambda m: token_text(m.group(1), names), text)))


def _inline(escaped: str) -> str:
    out = emoji(escaped)
    out = BOLD.sub(r"<b>\1</b>", out)
    out = ITALIC.sub(r"<i>\1</i>", out)
    return STRIKE.sub(r"<s>\1</s>", out)


def _line(raw: str) -> str:
    """One line's text (placeholders kept) decoded, escaped and formatted."""
    return _inline(escape(unescape(raw)))


def _blocks(lines: list[str]) -> str:
    """Group lines into quotes and lists; join the rest with line breaks."""
    out: list[str] = []
    group: list[str] = []
    kind = ""

    def flush() -> None:
        nonlocal group, kind
        if kind == "quote":
            out.append("<blockquote>" + "<br>".join(group) + "</blockquote>")
        elif kind in ("ul", "ol"):
            items = "".join(f"<li>{item}</li>" for item in group)
            out.append(f'<{kind} class="mrk-list">{items}</{kind}>')
        group, kind = [], ""

    for raw in lines:
        quote, bullet, number = QUOTE.match(raw), BULLET.match(raw), NUMBERED.match(raw)
        this = "quote" if quote else "ul" if bullet else "ol" if number else "text"
        if this != kind or this == "text":
            flush()
        if this == "text":
            out.append(_line(raw) + "<br>")
            continue
        match = quote or bullet or number
        assert match is not None
        kind = this
        group.append(_line(raw[match.end() :]))
    flush()
    html_text = "".join(out)
    return html_text.removesuffix("<br>")


def mrkdwn_html(text: str | None, names: Names | None = None) -> str:
    """Render a ``mrkdwn`` text object's text as safe HTML."""
    names = names or Names()
    pieces = _Pieces()
    source = _strip(text or "")
    source = CODE_BLOCK.sub(
        lambda m: pieces.put(f'<pre class="mrk-pre">{_code(m.group(1).strip(chr(10)), names)}</pre>'), source
    )
    source = INLINE_CODE.sub(lambda m: pieces.put(f"<code>{_code(m.group(1), names)}</code>"), source)
    source = TOKEN.sub(lambda m: pieces.put(_token_html(m.group(1), names)), source)
    rendered = _blocks(source.split("\n"))
    # a placeholder may carry another one (a link label's mention): restore until none is left
    for _ in range(3):
        if OPEN not in rendered:
            break
        rendered = pieces.restore(rendered)
    return rendered


def text_html(obj: object, names: Names | None = None) -> str:
    """A text object (``{"type": "mrkdwn"|"plain_text", "text": …}``) or a bare string, as HTML."""
    if isinstance(obj, str):
        return mrkdwn_html(obj, names)
    if not isinstance(obj, dict):
        return ""
    text = obj.get("text")
    text = text if isinstance(text, str) else ""
    if obj.get("type") == "plain_text":
        return plain_html(text, emojis=obj.get("emoji", True) is not False)
    return mrkdwn_html(text, names)


def text_of(obj: object) -> str:
    """The raw text of a text object, decoded (for attribute values and JSON, escaped later)."""
    if isinstance(obj, dict) and isinstance(obj.get("text"), str):
        return unescape(_strip(obj["text"]))
    return unescape(_strip(obj)) if isinstance(obj, str) else ""
