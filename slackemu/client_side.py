"""What a Slack client does besides clicks and submits: typing into a modal (no request is sent),
asking the app for an external select's options (``block_suggestion``), turning ``@name`` and
``#channel`` into mentions, and Slackbot's notes ("/foo is not a valid command")."""

from __future__ import annotations

import re
from typing import Any

from .api_chat import post_ephemeral
from .blocks import find_element
from .elements import element_state, options_of
from .interactions import Interactions, Where
from .state import JSON, SLACKBOT

NAME = re.compile(r"(?<![\w<@#|])([@#])([a-z0-9][a-z0-9._-]*)", re.IGNORECASE)
EXTERNAL = ("external_select", "multi_external_select")


class ClientSide(Interactions):
    """Mixin for :class:`~slackemu.SlackEmulator`."""

    def type_into(self, user_id: str, view_id: str, values: dict[str, dict[str, Any]]) -> None:
        """The user typed / picked values in an open view (``{block_id: {action_id: simple value}}``).

        Nothing is sent to the app, like Slack for inputs without ``dispatch_action``; the values are
        in the view's state for the next block_actions, block_suggestion or view_submission.
        """
        s = self._store
        with s.lock:
            _kind, view = self._locate(user_id, view_id)
            view.state_values = self.merge_state(view.blocks, view.state_values, values)
            s.bump()

    @staticmethod
    def merge_state(
        blocks: list[JSON], state: dict[str, dict[str, JSON]], values: dict[str, dict[str, Any]]
    ) -> dict[str, dict[str, JSON]]:
        """``state`` updated with simple values converted to element states; unknown elements raise."""
        merged = {b: dict(a) for b, a in state.items()}
        for block_id, actions in values.items():
            for action_id, simple in actions.items():
                found = find_element(blocks, action_id, block_id=block_id)
                if found is None:
                    raise LookupError(f"no element {block_id}/{action_id} in the view")
                merged.setdefault(block_id, {})[action_id] = element_state(found[1], simple)
        return merged

    def suggest(
        self, user_id: str, where: Where, action_id: str, query: str = "", *, block_id: str | None = None
    ) -> list[JSON]:
        """The user types ``query`` into an external select: a ``block_suggestion`` request, as Slack
        sends it; return the options the app answered (option groups flattened), [] on a failure.

        Like Slack, nothing is sent while the query is shorter than the element's
        ``min_query_length`` (3 when the element does not say).
        """
        s = self._store
        with s.lock:
            kind, target = self._locate(user_id, where)
            found = find_element(target.blocks, action_id, block_id=block_id)
            if found is None:
                raise LookupError(f"no element {action_id!r} there")
            block, element = found
            if element.get("type") not in EXTERNAL:
                raise ValueError(f"{action_id!r} is a {element.get('type')}, not an external select")
            if len(query) < int(element.get("min_query_length", 3)):
                return []
            payload = self._base_payload("block_suggestion", user_id)
            payload.update(
                action_id=action_id, block_id=block.get("block_id"), value=query, action_ts=s.next_ts()
            )
            self._place(payload, kind, target)
        d = self._send_payload("block_suggestion", payload)
        answer = d.json
        if not d.ok or not isinstance(answer, dict):
            return []
        options = [o for o in answer.get("options") or [] if isinstance(o, dict)]
        for group in answer.get("option_groups") or []:
            if isinstance(group, dict):
                options.extend(options_of(group))
        return options

    def link_names(self, text: str) -> str:
        """``@alice`` / ``#kam-team`` as ``<@U0ALICE|alice>`` / ``<#C0KAM|kam-team>`` (known names only)."""
        s = self._store
        with s.lock:
            people: dict[str, str] = {}
            for user in s.users.values():
                first = (user.real_name.split() or [user.name])[0].lower()
                people.setdefault(user.name.lower(), user.id)
                people.setdefault(first, user.id)
            rooms = {c.name.lower(): c.id for c in s.channels.values() if not c.is_im}

            def link(match: re.Match[str]) -> str:
                sign, name = match.group(1), match.group(2)
                found = (people if sign == "@" else rooms).get(name.lower().rstrip("."))
                if found is None:
                    return match.group(0)
                trail = name[len(name.rstrip(".")) :]
                return f"<{sign}{found}|{name.rstrip('.')}>{trail}"

            return NAME.sub(link, text)

    def open_im(self, user_id: str) -> str:
        """The id of the app's IM with the user, opening it (the user opens the app's Messages tab)."""
        s = self._store
        with s.lock:
            if user_id not in s.users:
                raise LookupError(f"no user {user_id}")
            return s.open_im(user_id).id

    def client_note(self, user_id: str, channel_id: str, text: str) -> None:
        """An ephemeral note from Slackbot, as the Slack client shows for an unknown command."""
        s = self._store
        with s.lock:
            post_ephemeral(s, channel_id, user_id, text, None, source="slackbot", sender=SLACKBOT)
