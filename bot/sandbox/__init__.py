"""The local sandbox: the real bot against the local Slack emulator, with a Slack-like web page.

`kam-bot` with no Slack credentials calls :func:`run`; tests start a :class:`Sandbox` in-process."""

from bot.sandbox.runner import Sandbox, run

__all__ = ["Sandbox", "run"]
