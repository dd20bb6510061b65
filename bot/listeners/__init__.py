"""Listeners, one module per kind, each with register(app, deps)."""

from __future__ import annotations

from slack_bolt import App

from bot.context import Deps
from bot.listeners import actions, commands, digests, events, export, options, shortcuts, views


def register_all(app: App, deps: Deps) -> None:
    for module in (commands, actions, views, digests, export, events, shortcuts, options):
        module.register(app, deps)
