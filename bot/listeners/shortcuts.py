"""The message shortcut "Create KAM task": a task modal prefilled from the message, keeping its
permalink. The modal opens first; the permalink is fetched afterwards and added with views.update."""

from __future__ import annotations

import logging

from slack_bolt import App
from slack_sdk.errors import SlackApiError

from bot.blocks.modals import task_modal
from bot.context import Deps, KamRequest, unit_of_work
from bot.ids import Shortcut
from kam_core.enums import Source

log = logging.getLogger("kam.bot")


def task_from_message(req: KamRequest) -> None:
    """Open the task modal prefilled from the message at once; then fetch the permalink and add it."""
    message = req.body.get("message") or {}
    text = (message.get("text") or "").strip()
    title = text.splitlines()[0][:150] if text else ""
    channel = (req.body.get("channel") or {}).get("id")

    def form(permalink: str | None = None) -> dict[str, object]:
        return task_modal(
            tactic_ref=None,
            tactic_label="",
            stakeholders=[],
            title=title,
            notes=text[:3000],
            permalink=permalink,
            channel=channel,
        )

    def open_then_link() -> None:
        view = req.client.views_open(trigger_id=req.trigger_id, view=form()).get("view") or {}
        try:
            link = req.client.chat_getPermalink(channel=channel or "", message_ts=message.get("ts") or "")
            req.client.views_update(
                view_id=view.get("id"), hash=view.get("hash"), view=form(link["permalink"])
            )
        except SlackApiError as error:  # the form still works without the link
            log.warning("permalink for the shortcut failed: %s", error.response.get("error"))

    req.right_after_commit(open_then_link)


def register(app: App, deps: Deps) -> None:
    app.shortcut(Shortcut.TASK_FROM_MESSAGE)(unit_of_work(deps, Source.SHORTCUT, task_from_message))
