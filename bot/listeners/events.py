"""Events: App Home published when it is opened."""

from __future__ import annotations

from slack_bolt import App

from bot.context import Deps, KamRequest, unit_of_work
from bot.middleware import event_key
from bot.surfaces import publish_home
from kam_core.enums import Source


def home_opened(req: KamRequest) -> None:
    event = req.body.get("event") or {}
    if event.get("tab", "home") != "home":
        return
    publish_home(req)


def register(app: App, deps: Deps) -> None:
    app.event("app_home_opened")(unit_of_work(deps, Source.COMMAND, home_opened, once=event_key))
