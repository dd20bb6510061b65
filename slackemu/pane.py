"""The page's view of the workspace for one member: the sidebar (channels, the app's DM, people), the
open pane (a channel, the app's Messages tab or its Home tab) and the member's top modal, as HTML
rendered server-side."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from .mrkdwn import Names, escape
from .render import Author, home_html, message_html, modal_html
from .render_elements import RenderContext
from .state import JSON, SLACKBOT, Channel, Ephemeral, Message, User

if TYPE_CHECKING:
    from .emulator import SlackEmulator

HOME, DM = "home", "dm"


def _people(users: list[User], team_id: str) -> list[User]:
    return [u for u in users if not u.is_bot and not u.deleted and (u.team_id in (None, team_id))]


def _visible(channel: Channel, user_id: str) -> bool:
    return (
        not channel.is_im
        and not channel.is_archived
        and (not channel.is_private or user_id in channel.members)
    )


class PaneBuilder:
    """Reads the emulator (through its public, copying accessors) and renders for one member."""

    def __init__(self, emu: SlackEmulator) -> None:
        self.emu = emu

    def state(self, user_id: str | None, pane: str | None) -> JSON:
        emu = self.emu
        version = emu.version
        users = emu.users()
        people = _people(users, emu.team_id)
        me = next((u for u in people if u.id == user_id), people[0] if people else None)
        if me is None:
            return {"version": version, "people": [], "channels": [], "pane": None, "modal": None}
        channels = emu.channels()
        names = Names(
            {u.id: u.real_name or u.name for u in users},
            {c.id: c.name for c in channels if not c.is_im},
        )
        ctx = RenderContext(
            names=names,
            people=[(u.id, u.real_name or u.name) for u in people],
            rooms=[(c.id, c.name) for c in channels if _visible(c, me.id)],
        )
        rooms = [c for c in channels if _visible(c, me.id)]
        dm = emu.im_channel(me.id)
        pane = pane or (rooms[0].id if rooms else HOME)
        app = emu.user(emu.bot_user_id)
        return {
            "version": version,
            "team": {"id": emu.team_id, "name": emu.team_name},
            "me": me.id,
            "people": [{"id": u.id, "name": u.real_name or u.name, "title": u.title} for u in people],
            "channels": [{"id": c.id, "name": c.name, "count": self._count(c.id, me.id)} for c in rooms],
            "app": {
                "name": app.real_name if app else "App",
                "dm": dm,
                "count": self._count(dm, me.id) if dm else 0,
            },
            "pane": self._pane(pane, me, rooms, dm, names, ctx),
            "modal": self._modal(me.id, ctx),
            "controls": [{"id": key, "label": c.label} for key, c in emu.controls.items()],
            "commands": list(emu.commands),
        }

    def _count(self, channel_id: str, user_id: str) -> int:
        return len(self.emu.messages(channel_id)) + len(self.emu.ephemerals(channel_id, user_id))

    def _pane(
        self, pane: str, me: User, rooms: list[Channel], dm: str | None, names: Names, ctx: RenderContext
    ) -> JSON:
        emu = self.emu
        app_name = names.users.get(emu.bot_user_id, "the app")
        if pane == HOME:
            home = emu.home(me.id)
            if home is None:
                html = '<div class="empty">Loading the Home tab…</div>'
            else:
                html = home_html(home.blocks, replace(ctx, values=home.state_values))
            return {"kind": HOME, "id": HOME, "title": app_name, "html": html}
        if pane == DM:
            intro = (
                f'<div class="intro"><b>This is your direct message with {escape(app_name)}.</b><br>'
                "Slash commands work here too: try <code>/kam my</code>.</div>"
            )
            html = self._conversation(dm, me, names, ctx, intro) if dm else intro
            return {"kind": DM, "id": dm or DM, "title": app_name, "html": html}
        room = next((c for c in rooms if c.id == pane), rooms[0] if rooms else None)
        if room is None:
            return {"kind": "none", "id": "", "title": "", "html": '<div class="empty">No channels.</div>'}
        intro = (
            f'<div class="intro"><b>This is the very beginning of the <span class="mrk-channel">'
            f"#{escape(room.name)}</span> channel.</b><br>{escape(room.purpose or room.topic)}"
            " Try <code>/kam help</code>, <code>/kam plan show AP-1</code> or <code>/kam my</code>.</div>"
        )
        html = self._conversation(room.id, me, names, ctx, intro)
        return {"kind": "channel", "id": room.id, "title": room.name, "topic": room.topic, "html": html}

    def _conversation(self, channel_id: str, me: User, names: Names, ctx: RenderContext, intro: str) -> str:
        emu = self.emu
        items: list[tuple[tuple[str, str], Message | Ephemeral]] = []
        for m in emu.messages(channel_id):
            root = m.thread_ts if m.thread_ts and m.thread_ts != m.ts else m.ts
            items.append(((root, m.ts), m))
        for e in emu.ephemerals(channel_id, me.id):
            items.append(((e.thread_ts or e.ts, e.ts), e))
        items.sort(key=lambda pair: pair[0])
        out = [intro]
        for _key, item in items:
            out.append(self._message(item, me, names, ctx))
        return "".join(out)

    def _message(self, item: Message | Ephemeral, me: User, names: Names, ctx: RenderContext) -> str:
        emu = self.emu
        data: dict[str, Any] = {
            "ts": item.ts,
            "channel": item.channel,
            "text": item.text,
            "blocks": item.blocks,
            "edited": item.edited,
            "thread_ts": item.thread_ts,
        }
        if isinstance(item, Ephemeral):
            author_id = item.sender or emu.bot_user_id
        else:
            author_id = item.user or emu.bot_user_id
            data["attachments"] = item.attachments
            data["files"] = item.files
        if author_id == SLACKBOT:
            author = Author(SLACKBOT, "Slackbot")
        else:
            author = Author(
                author_id, names.users.get(author_id, author_id), is_app=author_id == emu.bot_user_id
            )
        return message_html(data, author, ctx, tz=me.tz, ephemeral=isinstance(item, Ephemeral))

    def _modal(self, user_id: str, ctx: RenderContext) -> JSON | None:
        stack = self.emu.open_views(user_id)
        if not stack:
            return None
        view = stack[-1]
        view_ctx = replace(ctx, values=view.state_values, errors=view.errors)
        html = modal_html(view.spec, view_ctx, view_id=view.id, alert=view.alert, stacked=len(stack) > 1)
        key = f"{view.id}:{view.hash}:{sorted(view.errors.items())}:{view.alert}"
        return {"id": view.id, "key": key, "html": html}
