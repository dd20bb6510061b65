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
    message = req.body.get("message") or {}
    text = (message.get("text") or "").strip()
    title = text.splitlines()[0][:150] if text else ""
    channel = (req.body.get("channel") or {}).get("id")
    opened = req.client.views_open(
        trigger_id=req.trigger_id,
        view=task_modal(
            tactic_ref=None, tactic_label="", stakeholders=[], title=title, notes=text[:3000], channel=channel
        ),
    )
    view = opened.get("view") or {}

    def add_permalink() -> None:
        try:
            link = req.client.chat_getPermalink(channel=channel or "", message_ts=message.get("ts") or "")[
                "permalink"
            ]
            req.client.views_update(
                view_id=view.get("id"),
                hash=view.get("hash"),
                view=task_modal(
                    tactic_ref=None,
                    tactic_label="",
                    stakeholders=[],
                    title=title,
                    notes=text[:3000],
                    permalink=link,
                    channel=channel,
                ),
            )
        except SlackApiError as error:  # the form still works without the link
            log.warning("permalink for the shortcut failed: %s", error.response.get("error"))

    req.later(add_permalink)


def register(app: App, deps: Deps) -> None:
    app.shortcut(Shortcut.TASK_FROM_MESSAGE)(unit_of_work(deps, Source.SHORTCUT, task_from_message))
