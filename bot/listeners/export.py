"""`/kam export AP-12`: the CSV of a plan, sprint or business objective (kam_core.exports), uploaded
to the user's DM with the bot once the request is done (files:write), with an ephemeral note where
the command was typed. A record the user may not see is refused before anything is uploaded."""

from __future__ import annotations

import logging

from slack_bolt import App
from slack_sdk.errors import SlackApiError, SlackRequestError

from bot import commands as grammar
from bot.blocks.lists import message_card
from bot.context import Deps, KamRequest
from bot.errors import slack_trouble
from bot.listeners.commands import handles
from bot.surfaces import reply
from bot.text import esc
from kam_core.exports import Export, build_export
from kam_core.format import day, plural

log = logging.getLogger("kam.bot")
APP_NAME = "KAM bot"


@handles("export")
def export(req: KamRequest, cmd: grammar.Command) -> None:
    assert cmd.ref
    table = build_export(req.session, req.actor, cmd.ref, req.today())
    user_id = req.user_id
    req.later(lambda: send_export(req, user_id, table))


def send_export(req: KamRequest, user_id: str, table: Export) -> None:
    """Upload the CSV to the user's DM with the bot, then tell the user where it went (or why not)."""
    rows = plural(len(table.rows), "row")
    what = f"*{table.ref}* {esc(table.name)}"
    try:
        channel = req.client.conversations_open(users=user_id)["channel"]["id"]
        req.client.files_upload_v2(
            channel=channel,
            content=table.csv_text(),
            filename=table.filename,
            title=table.title,
            initial_comment=(
                f"{what} as of {day(table.today)}: {rows}. The percentages are the ones "
                f"`/kam why {table.ref}` explains."
            ),
        )
    except (SlackApiError, SlackRequestError, OSError) as error:
        log.warning("could not upload the export of %s: %s", table.ref, error)
        reason = slack_trouble(error) or f"Slack did not take the file ({_code(error)})."
        reply(req, message_card(f"I could not send you {what} as a CSV. {reason} Please try again later."))
        return
    reply(req, message_card(f"I sent {what} to you as a CSV ({rows}) — see your DM with {APP_NAME}."))


def _code(error: Exception) -> str:
    if isinstance(error, SlackApiError):
        return str(error.response.get("error") or error.response.status_code)
    return type(error).__name__


def register(app: App, deps: Deps) -> None:
    """Nothing to wire: `/kam export` reaches `export` through the /kam dispatcher (@handles)."""
