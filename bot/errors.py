"""The single error handler: domain errors become a clear ephemeral message (or field errors in the open
modal, keeping what was typed); anything unexpected becomes "Something went wrong (ref XXXX)" with the
traceback logged under that ref."""

from __future__ import annotations

import json
import logging
import re
import secrets
from typing import Any

from slack_bolt import BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.modals import notice_modal
from bot.text import esc
from kam_core.errors import InvalidInput, KamError, NotFound

log = logging.getLogger("kam.bot")
OUR_MENTION = re.compile(r"&lt;@([UW][A-Z0-9]+)&gt;")
FIELD_ALIASES = {"measure": "measure_target", "plan": "name", "objective": "name", "ref": "name"}
SLACK_TROUBLE = {  # Slack refused a call the user is waiting on: say so plainly
    "ratelimited": "Slack is busy and asked me to slow down. Please try again in a few seconds.",
    "expired_trigger_id": "Slack took too long to open the form. Please try again.",
    "invalid_trigger_id": "Slack could not open the form. Please try again.",
}


def slack_trouble(error: Exception) -> str | None:
    """A plain message for a Slack API error the user can simply retry, else None."""
    if not isinstance(error, SlackApiError):
        return None
    code = "ratelimited" if error.response.status_code == 429 else error.response.get("error")
    return SLACK_TROUBLE.get(str(code))


def safe_text(message: str) -> str:
    """Escape a message for mrkdwn, keeping the user mentions our own messages contain."""
    return OUR_MENTION.sub(r"<@\1>", esc(message))


def _input_block_ids(view: dict[str, Any]) -> list[str]:
    return [b["block_id"] for b in view.get("blocks", []) if b.get("type") == "input" and b.get("block_id")]


def field_errors(errors: dict[str, str], view: dict[str, Any]) -> dict[str, str]:
    """Map service field names to the modal's input block ids. A field the modal does not show lands on
    the first input, named, so nothing is lost."""
    ids = _input_block_ids(view)
    out: dict[str, str] = {}
    for field, message in errors.items():
        target = field if field in ids else FIELD_ALIASES.get(field)
        if target not in ids:
            target = ids[0] if ids else field
            if field != "_":
                message = f"{field.replace('_', ' ').capitalize()}: {message}"
        out[target] = (out[target] + "; " + message) if target in out else message
    return {k: v[:2000] for k, v in out.items()}


def _errors_response(errors: dict[str, str]) -> BoltResponse:
    return BoltResponse(
        status=200,
        body=json.dumps({"response_action": "errors", "errors": errors}),
        headers={"content-type": ["application/json;charset=utf-8"]},
    )


def handle_error(
    error: Exception, body: dict[str, Any], client: WebClient, respond: Any, response: BoltResponse | None
) -> BoltResponse | None:
    kind = body.get("type")
    trouble = slack_trouble(error)
    if isinstance(error, KamError):
        message = error.message
        log.info("refused: %s", message)
    elif trouble:
        message = trouble
        log.warning("Slack refused a call: %s", error)
    else:
        ref = secrets.token_hex(2).upper()
        log.exception(
            "unexpected error (ref %s) handling %s", ref, kind or body.get("command"), exc_info=error
        )
        message = f"Something went wrong (ref {ref}). It has been logged; please try again in a moment."
    if kind == "view_submission" and response is not None:
        view = body.get("view") or {}
        if isinstance(error, InvalidInput):
            errors = error.errors
        elif isinstance(error, NotFound) and error.field:
            errors = {error.field: message}
        else:
            errors = {"_": message}
        return _errors_response(field_errors(errors, view))
    _tell(body, client, respond, safe_text(message) if isinstance(error, KamError) else message)
    return None


def _tell(body: dict[str, Any], client: WebClient, respond: Any, text: str) -> None:
    try:
        if body.get("response_url") and respond is not None:
            respond(text=text, response_type="ephemeral", replace_original=False)
            return
        trigger = body.get("trigger_id")
        container = body.get("container") or {}
        if trigger and container.get("type") == "view" and (body.get("view") or {}).get("type") == "modal":
            client.views_push(trigger_id=trigger, view=notice_modal("Not done", text))
        elif trigger:
            client.views_open(trigger_id=trigger, view=notice_modal("Not done", text))
    except SlackApiError as slack_error:
        log.warning("could not tell the user: %s", slack_error.response.get("error"))
