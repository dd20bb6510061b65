"""Acting as Slack toward the app: clicks / selections (block_actions) and modal submit / close."""

from __future__ import annotations

from typing import Any

from .api_views import apply_spec, new_view, view_obj
from .apicore import message_obj
from .appside import AppSide
from .blocks import find_element, iter_elements, validate_view
from .client import Delivery
from .elements import action_entry, element_state, initial_state, is_empty
from .state import JSON, MAX_VIEW_STACK, TROUBLE, Ephemeral, Message, View

#: Where an element lives: ``(channel_id, ts)`` of a message or ephemeral, a view id, ``"home"``,
#: or a stored :class:`Message` / :class:`Ephemeral` / :class:`View`.
Where = tuple[str, str] | str | Message | Ephemeral | View
STATELESS = {"button", "overflow", "workflow_button"}


class Interactions(AppSide):
    """Mixin: block_actions, view_submission and view_closed."""

    def _locate(self, user_id: str, where: Where) -> tuple[str, Any]:
        """Resolve ``where`` to ("message"|"ephemeral"|"view", stored object). Hold the lock."""
        s = self._store
        if isinstance(where, Message | Ephemeral):
            where = (where.channel, where.ts)
        elif isinstance(where, View):
            where = where.id
        if isinstance(where, tuple):
            channel_id, ts = where
            message = s.find_message(channel_id, ts)
            if message is not None:
                return "message", message
            ephemeral = s.find_ephemeral(channel_id, ts)
            if ephemeral is not None and ephemeral.user == user_id:
                return "ephemeral", ephemeral
            raise LookupError(f"{user_id} sees no message {ts} in {channel_id}")
        view_id = s.homes.get(user_id, "") if where == "home" else where
        view = s.views.get(view_id)
        if view is None or view.closed or view.user != user_id:
            raise LookupError(f"{user_id} has no open view {where!r}")
        return "view", view

    def _place(self, payload: JSON, kind: str, target: Any) -> None:
        """Say where the element lives, as Slack does: the view, or the message (and its channel)."""
        if kind == "view":
            payload["container"] = {"type": "view", "view_id": target.id}
            payload["view"] = view_obj(self._store, target)
            return
        payload["container"] = {
            "type": "message",
            "message_ts": target.ts,
            "channel_id": target.channel,
            "is_ephemeral": kind == "ephemeral",
        }
        payload["channel"] = self._channel_ref(target.channel)
        if kind == "message":
            payload["message"] = message_obj(self._store, target)

    def interact(
        self,
        user_id: str,
        where: Where,
        action_id: str,
        value: Any = None,
        *,
        block_id: str | None = None,
        button_value: str | None = None,
    ) -> Delivery:
        """Use the element ``action_id`` found in the stored blocks, like a user would.

        ``value`` is the simple value for stateful elements (option value, user id, date, ...);
        ``button_value`` picks one of several buttons sharing an action_id. With a ``block_id`` that
        matches nothing stored, a button action with exactly these ids is sent anyway (stale / forged
        clicks); without one, a missing element raises LookupError.
        """
        s = self._store
        with s.lock:
            kind, target = self._locate(user_id, where)
            found = find_element(target.blocks, action_id, block_id=block_id, value=button_value)
            if found is None and block_id is not None:  # an element the blocks do not have (forged / stale)
                text = {"type": "plain_text", "text": action_id}
                element = {"type": "button", "action_id": action_id, "text": text, "value": button_value}
                found = ({"type": "actions", "block_id": block_id, "elements": [element]}, element)
            if found is None:
                present = sorted({str(e.get("action_id")) for _b, e in iter_elements(target.blocks)})
                raise LookupError(f"no element {action_id!r} (value {button_value!r}) there; found {present}")
            block, element = found
            state = None if element.get("type") == "button" else element_state(element, value)
            if kind == "view" and block.get("type") == "input" and not block.get("dispatch_action"):
                assert state is not None
                target.state_values.setdefault(str(block.get("block_id")), {})[
                    str(element.get("action_id"))
                ] = state
                s.bump()
                note = "not sent: Slack sends no block_actions for an input without dispatch_action"
                return Delivery("block_actions", 0, {}, "", 0.0, None, outcome=note)
            payload = self._base_payload("block_actions", user_id)
            values: dict[str, dict[str, JSON]] = {}
            if state is not None and element.get("type") not in STATELESS:
                values = {str(block.get("block_id")): {str(element.get("action_id")): state}}
            payload["actions"] = [action_entry(block, element, state, s.next_ts())]
            response_url = None
            if kind == "view":
                trigger_id = s.issue_trigger(user_id, "block_actions", target.id)
                if values:
                    for bid, actions in values.items():
                        target.state_values.setdefault(bid, {}).update(actions)
                    s.bump()
                self._place(payload, kind, target)
                values = payload["view"]["state"]["values"]
            else:
                trigger_id = s.issue_trigger(user_id, "block_actions")
                original = (kind, target.channel, target.ts)
                response_url = s.issue_response_url(user_id, target.channel, "block_actions", original)
                self._place(payload, kind, target)
                payload["response_url"] = response_url
            payload["trigger_id"] = trigger_id
            payload["state"] = {"values": values}
        d = self._send_payload("block_actions", payload)
        d.trigger_id, d.response_url = trigger_id, response_url
        d.outcome = self._failure(d) or "acknowledged"
        return d

    def click(
        self,
        user_id: str,
        *,
        action_id: str,
        block_id: str | None = None,
        value: str | None = None,
        message: tuple[str, str] | None = None,
        view_id: str | None = None,
        home: bool = False,
        selected_option: Any = None,
        selected_options: Any = None,
        selected_user: str | None = None,
        selected_users: list[str] | None = None,
        selected_date: Any = None,
        selected_time: Any = None,
        selected_conversation: str | None = None,
        selected_channel: str | None = None,
    ) -> Delivery:
        """block_actions on a message, a view or the Home tab; selections are given by value."""
        where: Where
        if message is not None:
            where = message
        elif view_id is not None:
            where = view_id
        elif home:
            where = "home"
        else:
            raise ValueError("say where: message=(channel, ts), view_id=... or home=True")
        chosen = [
            selected_option, selected_options, selected_user, selected_users, selected_date,
            selected_time, selected_conversation, selected_channel,
        ]  # fmt: skip
        simple = next((c for c in chosen if c is not None), None)
        return self.interact(user_id, where, action_id, simple, block_id=block_id, button_value=value)

    def click_button(self, user_id: str, where: Where, action_id: str, value: str | None = None) -> Delivery:
        """Click the button ``action_id`` (and ``value``, when several share the action_id)."""
        return self.interact(user_id, where, action_id, button_value=value)

    def select_option(self, user_id: str, where: Where, action_id: str, value: Any) -> Delivery:
        """Choose an option (by value) in a static select, overflow menu, radio group or checkboxes."""
        return self.interact(user_id, where, action_id, value)

    # --- modals ---------------------------------------------------------------------------------
    def _top_view(self, user_id: str, view_id: str) -> View:
        stack = self._store.stacks.get(user_id) or []
        if not stack or stack[-1] != view_id:
            raise LookupError(f"{view_id} is not the modal {user_id} has on top (stack: {stack})")
        return self._store.views[view_id]

    def submit_view(
        self,
        user_id: str,
        view_id: str,
        values: dict[str, dict[str, JSON]] | None = None,
        *,
        force: bool = False,
    ) -> Delivery:
        """Press Submit. ``values``: ``{block_id: {action_id: element-state}}`` over what is already typed.

        Like the Slack client, an empty required input blocks the submission (nothing is sent;
        ``force=True`` sends anyway).
        """
        s = self._store
        with s.lock:
            view = self._top_view(user_id, view_id)
            typed = {b: dict(a) for b, a in view.state_values.items()}
            for block_id, actions in (values or {}).items():
                typed.setdefault(block_id, {}).update(actions)
            full: dict[str, dict[str, JSON]] = {}
            missing: dict[str, str] = {}
            for block, element in iter_elements(view.blocks):
                block_id, action_id = str(block.get("block_id")), str(element.get("action_id"))
                state = typed.get(block_id, {}).get(action_id)
                if state is None and block.get("type") == "input":
                    state = initial_state(element) or element_state(element, None)
                if state is None:
                    continue
                full.setdefault(block_id, {})[action_id] = state
                if block.get("type") == "input" and not block.get("optional") and is_empty(state):
                    missing[block_id] = "Please fill out this field."
            view.state_values = full
            if missing and not force:
                view.errors = missing
                s.bump()
                return Delivery(
                    "view_submission", 0, {}, "", 0.0, None, outcome="blocked by the Slack client"
                )
            view.errors, view.alert = {}, None
            s.bump()
            payload = self._base_payload("view_submission", user_id)
            payload["trigger_id"] = s.issue_trigger(user_id, "view_submission", view.id)
            payload["view"] = view_obj(s, view)
            payload["response_urls"] = self._response_urls(user_id, view)
        d = self._send_payload("view_submission", payload)
        d.trigger_id = payload["trigger_id"]
        with s.lock:
            d.outcome = self._submission_answer(view, d)
        return d

    def _response_urls(self, user_id: str, view: View) -> list[JSON]:
        urls = []
        for block, element in iter_elements(view.blocks):
            if block.get("type") != "input" or not element.get("response_url_enabled"):
                continue
            state = view.state_values.get(str(block.get("block_id")), {}).get(str(element.get("action_id")))
            channel = (state or {}).get("selected_conversation") or (state or {}).get("selected_channel")
            if channel:
                url = self._store.issue_response_url(user_id, channel, "view_submission")
                urls.append({"block_id": block.get("block_id"), "action_id": element.get("action_id")})
                urls[-1].update(channel_id=channel, response_url=url)
        return urls

    def _submission_answer(self, view: View, d: Delivery) -> str:
        s = self._store
        failure = self._failure(d)
        if failure:
            view.alert = TROUBLE
            s.bump()
            return f"view stays open with '{TROUBLE}' ({failure})"
        answer = d.json
        action = answer.get("response_action") if isinstance(answer, dict) else None
        if action is None:
            s.close_view(view)
            return "view closed"
        assert isinstance(answer, dict)
        if action == "errors":
            errors = answer.get("errors")
            inputs = {str(b.get("block_id")) for b in view.blocks if b.get("type") == "input"}
            unknown = sorted(set(errors or {}) - inputs) if isinstance(errors, dict) else ["<not a map>"]
            if not isinstance(errors, dict) or not errors or unknown:
                view.alert = TROUBLE
                s.bump()
                return f"rejected by Slack: errors name no input block {unknown}; view shows '{TROUBLE}'"
            view.errors = {str(k): str(v) for k, v in errors.items()}
            s.bump()
            return f"view stays open showing errors for {sorted(view.errors)}"
        if action in ("update", "push"):
            spec = answer.get("view")
            problem = validate_view(spec, "modal")
            stack = s.stacks.get(view.user) or []
            if problem or (action == "push" and len(stack) >= MAX_VIEW_STACK):
                view.alert = TROUBLE
                s.bump()
                return f"rejected by Slack: {problem or 'push_limit_reached'}"
            assert isinstance(spec, dict)
            if action == "update":
                apply_spec(s, view, spec)
                return "view updated"
            pushed = new_view(s, view.user, spec)
            pushed.root_view_id, pushed.previous_view_id = stack[0], stack[-1]
            stack.append(pushed.id)
            s.bump()
            return f"view {pushed.id} pushed"
        if action == "clear":
            for open_view in s.stack(view.user):
                s.close_view(open_view)
            return "all views closed"
        view.alert = TROUBLE
        s.bump()
        return f"rejected by Slack: unknown response_action {action!r}"

    def submit_view_inputs(
        self, user_id: str, view_id: str, inputs: dict[str, Any], *, force: bool = False
    ) -> Delivery:
        """Fill inputs by block_id with simple values (text, user id, date, option value, ...) and submit."""
        s = self._store
        with s.lock:
            view = self._top_view(user_id, view_id)
            by_block = {str(b.get("block_id")): (b, e) for b, e in iter_elements(view.blocks)}
            values: dict[str, dict[str, JSON]] = {}
            for block_id, simple in inputs.items():
                if block_id not in by_block:
                    raise LookupError(
                        f"no block {block_id!r} with an element in {view_id}; have {sorted(by_block)}"
                    )
                _block, element = by_block[block_id]
                values[block_id] = {str(element.get("action_id")): element_state(element, simple)}
        return self.submit_view(user_id, view_id, values, force=force)

    def close_view(self, user_id: str, view_id: str | None = None) -> Delivery | None:
        """Press Close/X on the top modal. Sends view_closed only when the view has notify_on_close."""
        s = self._store
        with s.lock:
            stack = s.stacks.get(user_id) or []
            if not stack:
                raise LookupError(f"{user_id} has no open modal")
            view = self._top_view(user_id, view_id or stack[-1])
            cleared = bool(view.spec.get("clear_on_close"))
            notify = view.notify_on_close
            payload = self._base_payload("view_closed", user_id)
            payload.update(view=view_obj(s, view), is_cleared=cleared)
            for closing in s.stack(user_id) if cleared else [view]:
                s.close_view(closing)
        if not notify:
            return None
        d = self._send_payload("view_closed", payload)
        d.outcome = self._failure(d) or "acknowledged"
        return d
