"""Acting as Slack toward the app: raw signed posts, slash commands, events and shortcuts.

Payloads are built while holding the store lock; the HTTP request to the app is sent without it
(the app calls the Web API back while it handles the request).
"""

from __future__ import annotations

import json
from typing import Any

from .api_chat import post_ephemeral
from .api_views import view_obj
from .apicore import message_obj
from .client import Delivery, form_body, http_post, payload_body, sign
from .responses import apply_reply
from .state import JSON, SLACKBOT, Message, Store


class AppSide:
    """Mixin for :class:`~slackemu.SlackEmulator`: everything Slack sends to the app's request URL."""

    _store: Store
    signing_secret: str
    verification_token: str
    app_url: str | None
    ack_timeout: float | None
    http_timeout: float
    events: set[str] | None

    # --- raw ------------------------------------------------------------------------------------
    def sign(self, body: bytes, timestamp: int | None = None) -> dict[str, str]:
        """``X-Slack-Request-Timestamp`` and ``X-Slack-Signature`` headers for a body."""
        return sign(self.signing_secret, body, timestamp)

    def post_to_app(
        self,
        body: bytes,
        content_type: str,
        headers: dict[str, str] | None = None,
        *,
        kind: str = "raw",
        payload: Any = None,
    ) -> Delivery:
        """POST to ``app_url``. Without ``headers`` the body is signed; with them they are sent as given."""
        if not self.app_url:
            raise RuntimeError("SlackEmulator.app_url is not set: where does the Slack app listen?")
        sent = {"Content-Type": content_type, **(self.sign(body) if headers is None else headers)}
        status, got, text, error, elapsed = http_post(self.app_url, body, sent, self.http_timeout)
        slow = status != 0 and self.ack_timeout is not None and elapsed > self.ack_timeout
        return Delivery(
            kind, status, got, text, elapsed, payload, error=error, too_slow=slow, request_headers=sent
        )

    def _send_payload(self, kind: str, payload: JSON) -> Delivery:
        return self.post_to_app(
            payload_body(payload), "application/x-www-form-urlencoded", kind=kind, payload=payload
        )

    # --- shared payload parts -------------------------------------------------------------------
    def _user_ref(self, user_id: str, team_id: str | None = None) -> JSON:
        s = self._store
        name = s.user_name(user_id)
        return {"id": user_id, "username": name, "name": name, "team_id": team_id or s.team_id}

    def _team_ref(self, team_id: str | None = None) -> JSON:
        return {"id": team_id or self._store.team_id, "domain": self._store.team_domain}

    def _channel_ref(self, channel_id: str) -> JSON:
        channel = self._store.channels.get(channel_id)
        if channel is None:
            return {"id": channel_id, "name": channel_id}
        return {"id": channel_id, "name": "directmessage" if channel.is_im else channel.name}

    def _base_payload(self, kind: str, user_id: str, team_id: str | None = None) -> JSON:
        s = self._store
        return {
            "type": kind,
            "user": self._user_ref(user_id, team_id),
            "api_app_id": s.app_id,
            "token": self.verification_token,
            "team": self._team_ref(team_id),
            "enterprise": None,
            "is_enterprise_install": False,
        }

    def _failure(self, d: Delivery) -> str | None:
        if d.status == 0:
            return "dispatch_failed"
        if d.too_slow:
            return "operation_timeout"
        if not 200 <= d.status < 300:
            return "http_service_error"
        return None

    # --- slash commands -------------------------------------------------------------------------
    def send_command(
        self,
        user_id: str,
        channel_id: str,
        text: str = "",
        command: str = "/kam",
        *,
        team_id: str | None = None,
        team_domain: str | None = None,
        enterprise_id: str | None = None,
        is_enterprise_install: bool = False,
    ) -> Delivery:
        """A user types ``command text`` in a channel. The app's direct answer is shown like Slack does."""
        s = self._store
        with s.lock:
            trigger_id = s.issue_trigger(user_id, "command")
            response_url = s.issue_response_url(user_id, channel_id, "command")
            fields = {
                "token": self.verification_token,
                "team_id": team_id or s.team_id,
                "team_domain": team_domain or s.team_domain,
            }
            if enterprise_id:
                fields["enterprise_id"] = enterprise_id
                fields["enterprise_name"] = "Enterprise"
            fields.update(
                channel_id=channel_id,
                channel_name=self._channel_ref(channel_id)["name"],
                user_id=user_id,
                user_name=s.user_name(user_id),
                command=command,
                text=text,
                api_app_id=s.app_id,
                is_enterprise_install="true" if is_enterprise_install else "false",
                response_url=response_url,
                trigger_id=trigger_id,
            )
        d = self.post_to_app(
            form_body(fields), "application/x-www-form-urlencoded", kind="command", payload=fields
        )
        d.trigger_id, d.response_url = trigger_id, response_url
        with s.lock:
            d.outcome = self._command_answer(d, user_id, channel_id, command)
        return d

    def _command_answer(self, d: Delivery, user_id: str, channel_id: str, command: str) -> str:
        s = self._store
        failure = self._failure(d)
        if failure:
            note = f'{command} failed with the error "{failure}"'
            post_ephemeral(s, channel_id, user_id, note, None, source="slackbot", sender=SLACKBOT)
            return f"Slackbot told the user: {note}"
        if not d.body.strip():
            return "acknowledged (empty body)"
        answer = d.json
        if not isinstance(answer, dict):
            post_ephemeral(s, channel_id, user_id, d.body, None, source="command_response")
            return "plain-text answer shown as an ephemeral message"
        if not answer.get("text") and not answer.get("blocks"):
            return "acknowledged (no message in the answer)"
        answer = {k: v for k, v in answer.items() if k not in ("replace_original", "delete_original")}
        _status, _body, outcome = apply_reply(s, user_id, channel_id, None, answer, "command_response")
        return outcome

    # --- events ---------------------------------------------------------------------------------
    def send_event(
        self,
        event: JSON,
        retry_num: int | None = None,
        retry_reason: str | None = None,
        *,
        event_id: str | None = None,
        team_id: str | None = None,
    ) -> Delivery:
        """Deliver an Events API ``event_callback``; pass the first delivery's event_id to resend it."""
        s = self._store
        with s.lock:
            event_id = event_id or s.new_id("Ev0", 9)
            envelope = {
                "token": self.verification_token,
                "team_id": team_id or s.team_id,
                "api_app_id": s.app_id,
                "event": event,
                "type": "event_callback",
                "event_id": event_id,
                "event_time": int(s.now()),
                "authorizations": [
                    {
                        "enterprise_id": None,
                        "team_id": team_id or s.team_id,
                        "user_id": s.bot_user_id,
                        "is_bot": True,
                        "is_enterprise_install": False,
                    }
                ],
                "is_ext_shared_channel": False,
            }
        body = json.dumps(envelope).encode()
        headers = self.sign(body)
        if retry_num is not None:
            headers["X-Slack-Retry-Num"] = str(retry_num)
        if retry_reason is not None:
            headers["X-Slack-Retry-Reason"] = retry_reason
        d = self.post_to_app(body, "application/json", headers, kind="event_callback", payload=envelope)
        d.event_id = event_id
        failure = self._failure(d)
        d.outcome = f"not acknowledged ({failure}): Slack would retry" if failure else "acknowledged"
        return d

    def open_home(self, user_id: str) -> Delivery:
        """The user opens the app's Home tab: an ``app_home_opened`` event."""
        s = self._store
        with s.lock:
            im = s.open_im(user_id)
            event: JSON = {
                "type": "app_home_opened",
                "user": user_id,
                "channel": im.id,
                "tab": "home",
                "event_ts": s.next_ts(),
            }
            home = s.views.get(s.homes.get(user_id, ""))
            if home is not None:
                event["view"] = view_obj(s, home)
        return self.send_event(event)

    def user_message(
        self,
        user_id: str,
        channel_id: str,
        text: str,
        *,
        thread_ts: str | None = None,
        event_type: str = "message",
    ) -> Delivery:
        """A user writes in a channel: the message is stored and a message / app_mention event sent
        (unless ``events`` is set and does not name the event type: Slack sends subscribed events only)."""
        s = self._store
        with s.lock:
            channel = s.channels.get(channel_id)
            if channel is None:
                raise LookupError(f"no channel {channel_id}")
            message = Message(s.next_ts(), channel.id, user_id, None, text, thread_ts=thread_ts)
            s.channel_messages(channel.id).append(message)
            s.bump()
            event: JSON = {"type": event_type, "channel": channel.id, "user": user_id, "text": text}
            event.update(ts=message.ts, event_ts=message.ts)
            event["channel_type"] = "im" if channel.is_im else "group" if channel.is_private else "channel"
            if thread_ts:
                event["thread_ts"] = thread_ts
        if self.events is not None and event_type not in self.events:
            return Delivery(
                "event_callback", 0, {}, "", 0.0, None, outcome="not sent: the app is not subscribed"
            )
        return self.send_event(event)

    # --- shortcuts ------------------------------------------------------------------------------
    def message_shortcut(self, user_id: str, channel_id: str, message_ts: str, callback_id: str) -> Delivery:
        """The user picks the app's message shortcut on a stored message."""
        s = self._store
        with s.lock:
            message = s.find_message(channel_id, message_ts)
            if message is None:
                raise LookupError(f"no message {message_ts} in {channel_id}")
            payload = self._base_payload("message_action", user_id)
            trigger_id = s.issue_trigger(user_id, "message_action")
            response_url = s.issue_response_url(user_id, channel_id, "message_action")
            payload.update(
                callback_id=callback_id,
                trigger_id=trigger_id,
                action_ts=s.next_ts(),
                message_ts=message_ts,
                response_url=response_url,
                channel=self._channel_ref(channel_id),
                message=message_obj(s, message),
            )
        d = self._send_payload("message_action", payload)
        d.trigger_id, d.response_url = trigger_id, response_url
        d.outcome = self._failure(d) or "acknowledged"
        return d

    def global_shortcut(self, user_id: str, callback_id: str) -> Delivery:
        """The user runs the app's global shortcut (no channel, no response_url)."""
        s = self._store
        with s.lock:
            payload = self._base_payload("shortcut", user_id)
            trigger_id = s.issue_trigger(user_id, "shortcut")
            payload.update(callback_id=callback_id, trigger_id=trigger_id, action_ts=s.next_ts())
        d = self._send_payload("shortcut", payload)
        d.trigger_id = trigger_id
        d.outcome = self._failure(d) or "acknowledged"
        return d
