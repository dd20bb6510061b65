"""Block Kit to HTML for the sandbox page: blocks, messages, modals and Home tabs.

Pure functions of their inputs (no emulator state), so that they can be tested one block at a time.
Text goes through :mod:`slackemu.mrkdwn` (decoded once, HTML-escaped, then formatted); elements
through :mod:`slackemu.render_elements`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .mrkdwn import SAFE_URL, escape, mrkdwn_html, plain_html, text_html, text_of
from .render_elements import JSON, RenderContext, attrs, element_html, image

AVATAR_COLOURS = 8  # .avatar-0 … .avatar-7 in the page's CSS (no inline styles: the page's CSP forbids them)
ATTACHMENT_COLOURS = {"good": "good", "warning": "warning", "danger": "danger"}


def _block_attrs(block: JSON, kind: str) -> str:
    return attrs(class_=f"bk bk-{kind}", data_block_id=block.get("block_id"))


def section(block: JSON, ctx: RenderContext) -> str:
    body = ""
    if block.get("text"):
        body += f'<div class="bk-text">{text_html(block["text"], ctx.names)}</div>'
    fields = [f for f in block.get("fields") or [] if isinstance(f, dict)]
    if fields:
        cells = "".join(f'<div class="bk-field">{text_html(f, ctx.names)}</div>' for f in fields)
        body += f'<div class="bk-fields">{cells}</div>'
    accessory = block.get("accessory")
    side = ""
    if isinstance(accessory, dict):
        side = f'<div class="bk-accessory">{element_html(block, accessory, ctx)}</div>'
    return f'<div{_block_attrs(block, "section")}><div class="bk-section-body">{body}</div>{side}</div>'


def header(block: JSON, ctx: RenderContext) -> str:
    return f"<div{_block_attrs(block, 'header')}>{plain_html(text_of(block.get('text')))}</div>"


def divider(block: JSON, ctx: RenderContext) -> str:
    return f"<hr{_block_attrs(block, 'divider')}>"


def context(block: JSON, ctx: RenderContext) -> str:
    parts = []
    for element in block.get("elements") or []:
        if not isinstance(element, dict):
            continue
        if element.get("type") == "image":
            parts.append(image(element, small=True))
        else:
            parts.append(f"<span>{text_html(element, ctx.names)}</span>")
    return f"<div{_block_attrs(block, 'context')}>{''.join(parts)}</div>"


def actions(block: JSON, ctx: RenderContext) -> str:
    items = "".join(element_html(block, e, ctx) for e in block.get("elements") or [])
    return f"<div{_block_attrs(block, 'actions')}>{items}</div>"


def input_block(block: JSON, ctx: RenderContext) -> str:
    block_id = str(block.get("block_id"))
    error = ctx.errors.get(block_id)
    optional = ' <span class="bk-optional">(optional)</span>' if block.get("optional") else ""
    label = f'<div class="bk-label">{plain_html(text_of(block.get("label")))}{optional}</div>'
    element = element_html(block, block.get("element"), ctx)
    hint = block.get("hint")
    below = f'<div class="bk-hint">{plain_html(text_of(hint))}</div>' if hint else ""
    if error:
        below += f'<div class="bk-error" role="alert">⚠ {plain_html(error)}</div>'
    classes = "bk bk-input" + (" bk-has-error" if error else "")
    dispatch = True if block.get("dispatch_action") else None
    head = attrs(class_=classes, data_block_id=block_id, data_dispatch=dispatch)
    return f"<div{head}>{label}{element}{below}</div>"


def image_block(block: JSON, ctx: RenderContext) -> str:
    title = block.get("title")
    caption = f'<div class="bk-image-title">{plain_html(text_of(title))}</div>' if title else ""
    return f"<div{_block_attrs(block, 'image')}>{caption}{image(block)}</div>"


def _rich_text(node: Any, ctx: RenderContext) -> str:
    """A readable rendering of rich_text blocks: text with styles, links, mentions, lists, quotes."""
    if not isinstance(node, dict):
        return ""
    kind = node.get("type")
    children = "".join(_rich_text(n, ctx) for n in node.get("elements") or [])
    if kind == "rich_text_section":
        return f"<div>{children}</div>"
    if kind == "rich_text_list":
        tag = "ol" if node.get("style") == "ordered" else "ul"
        items = "".join(f"<li>{_rich_text(n, ctx)}</li>" for n in node.get("elements") or [])
        return f'<{tag} class="mrk-list">{items}</{tag}>'
    if kind == "rich_text_quote":
        return f"<blockquote>{children}</blockquote>"
    if kind == "rich_text_preformatted":
        return f'<pre class="mrk-pre">{children}</pre>'
    if kind == "text":
        out = escape(str(node.get("text", ""))).replace("\n", "<br>")
        style = node.get("style") or {}
        for key, tag in (("code", "code"), ("bold", "b"), ("italic", "i"), ("strike", "s")):
            if style.get(key):
                out = f"<{tag}>{out}</{tag}>"
        return out
    if kind == "link":
        url, label = str(node.get("url", "")), escape(str(node.get("text") or node.get("url", "")))
        if not SAFE_URL.match(url):
            return label
        return f'<a href="{escape(url)}" target="_blank" rel="noopener noreferrer">{label}</a>'
    if kind == "user":
        return mrkdwn_html(f"<@{node.get('user_id')}>", ctx.names)
    if kind == "channel":
        return mrkdwn_html(f"<#{node.get('channel_id')}>", ctx.names)
    if kind == "broadcast":
        return mrkdwn_html(f"<!{node.get('range')}>", ctx.names)
    if kind == "emoji":
        return mrkdwn_html(f":{node.get('name')}:")
    return children


def rich_text(block: JSON, ctx: RenderContext) -> str:
    inner = "".join(_rich_text(n, ctx) for n in block.get("elements") or [])
    return f"<div{_block_attrs(block, 'rich-text')}>{inner}</div>"


def markdown(block: JSON, ctx: RenderContext) -> str:
    return f"<div{_block_attrs(block, 'markdown')}>{mrkdwn_html(str(block.get('text', '')), ctx.names)}</div>"


BLOCKS = {
    "section": section,
    "header": header,
    "divider": divider,
    "context": context,
    "actions": actions,
    "input": input_block,
    "image": image_block,
    "rich_text": rich_text,
    "markdown": markdown,
}


def block_html(block: Any, ctx: RenderContext) -> str:
    if not isinstance(block, dict):
        return ""
    render = BLOCKS.get(str(block.get("type")))
    if render is None:
        return f'<div class="bk bk-unknown">[unsupported block: {escape(str(block.get("type")))}]</div>'
    return render(block, ctx)


def blocks_html(blocks: list[Any], ctx: RenderContext) -> str:
    return "".join(block_html(b, ctx) for b in blocks)


# --- surfaces ---------------------------------------------------------------------------------


def where_attr(**where: Any) -> str:
    """The ``data-where`` attribute: where a click happened, for the page script."""
    return attrs(data_where=json.dumps(where, separators=(",", ":")))


def modal_html(
    spec: JSON, ctx: RenderContext, *, view_id: str, alert: str | None = None, stacked: bool = False
) -> str:
    """A modal: title bar with ×, the blocks in a form, and Cancel / Submit."""
    title = plain_html(text_of(spec.get("title")) or "App")
    close_text = text_of(spec.get("close")) or ("Back" if stacked else "Cancel")
    submit = spec.get("submit")
    banner = f'<div class="modal-alert" role="alert">{plain_html(alert)}</div>' if alert else ""
    buttons = f'<button type="button" class="bk-btn" data-close>{escape(close_text)}</button>'
    if submit:
        buttons += (
            f'<button type="button" class="bk-btn bk-btn-primary" data-submit>'
            f"{escape(text_of(submit))}</button>"
        )
    return (
        f'<div class="modal"{where_attr(kind="view", id=view_id)}{attrs(data_view_id=view_id)}>'
        f'<div class="modal-head"><div class="modal-title">{title}</div>'
        f'<button type="button" class="modal-x" data-close title="Close">×</button></div>'
        f'{banner}<form class="modal-body">{blocks_html(spec.get("blocks") or [], ctx)}'
        f'</form><div class="modal-foot">{buttons}</div></div>'
    )


def home_html(blocks: list[Any], ctx: RenderContext) -> str:
    return f'<div class="home"{where_attr(kind="home")}>{blocks_html(blocks, ctx)}</div>'


def human_size(size: int) -> str:
    """2150 -> "2.1 KB", like Slack's file cards."""
    value = float(size)
    for unit in ("B", "KB", "MB"):
        if value < 1024:
            return f"{value:.0f} {unit}" if unit == "B" or value >= 10 else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"


def file_html(file: Any) -> str:
    """A shared file: type badge, title, name and size, and a download link the page serves."""
    if not isinstance(file, dict) or not file.get("id"):
        return ""
    name = str(file.get("name") or "file")
    title = str(file.get("title") or name)
    kind = str(file.get("pretty_type") or file.get("filetype") or "file")[:4].upper()
    href = "/_emu/files/" + quote(str(file["id"]), safe="")
    size = human_size(int(file.get("size") or 0))
    return (
        f"<div{attrs(class_='file-card', data_file_id=file['id'])}>"
        f'<div class="file-icon">{escape(kind)}</div>'
        f'<div class="file-meta"><div class="file-title">{escape(title)}</div>'
        f'<div class="file-info">{escape(name)} · {escape(size)}</div></div>'
        f"<a{attrs(class_='file-download', href=href, download=name)}>Download</a></div>"
    )


@dataclass
class Author:
    id: str
    name: str
    is_app: bool = False


def avatar_html(author: Author) -> str:
    colour = "app" if author.is_app else str(sum(map(ord, author.id)) % AVATAR_COLOURS)
    initial = (author.name.strip()[:1] or "?").upper()
    return f'<div class="avatar avatar-{colour}">{escape(initial)}</div>'


def clock(ts: str, tz: str = "UTC") -> str:
    """A message time like Slack shows it: ``9:41 AM``."""
    try:
        zone = ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    try:
        moment = datetime.fromtimestamp(float(ts), zone)
    except (ValueError, OverflowError):
        return ""
    return moment.strftime("%I:%M %p").lstrip("0")


def message_html(
    message: JSON, author: Author, ctx: RenderContext, *, tz: str = "UTC", ephemeral: bool = False
) -> str:
    """One message: avatar, bold name (APP badge for apps), small grey time, then blocks or text."""
    blocks = message.get("blocks") or []
    body = (
        blocks_html(blocks, ctx)
        if blocks
        else f'<div class="bk-text">{mrkdwn_html(message.get("text"), ctx.names)}</div>'
    )
    for attachment in message.get("attachments") or []:
        if isinstance(attachment, dict):
            colour = ATTACHMENT_COLOURS.get(str(attachment.get("color")), "plain")
            inner = blocks_html(attachment.get("blocks") or [], ctx) or mrkdwn_html(
                str(attachment.get("text") or attachment.get("fallback") or ""), ctx.names
            )
            body += f'<div class="attachment attachment-{colour}">{inner}</div>'
    body += "".join(file_html(f) for f in message.get("files") or [])
    badge = '<span class="app-badge">APP</span>' if author.is_app else ""
    edited = ' <span class="edited">(edited)</span>' if message.get("edited") else ""
    only_you = ""
    classes = "msg"
    kind = "message"
    if ephemeral:
        classes += " msg-ephemeral"
        kind = "ephemeral"
        only_you = (
            '<div class="only-you">👁 Only visible to you'
            ' · <button type="button" class="link-btn" data-dismiss>Dismiss</button></div>'
        )
    if message.get("thread_ts") and message.get("thread_ts") != message.get("ts"):
        classes += " msg-reply"
    where = where_attr(kind=kind, channel=message.get("channel"), ts=message.get("ts"))
    return (
        f"<div{attrs(class_=classes, data_ts=message.get('ts'))}{where}>{avatar_html(author)}"
        f'<div class="msg-main">{only_you}<div class="msg-head">'
        f'<span class="msg-author">{escape(author.name)}</span>'
        f'{badge}<span class="msg-time">{escape(clock(str(message.get("ts")), tz))}</span>{edited}</div>'
        f'<div class="msg-body">{body}</div></div></div>'
    )
