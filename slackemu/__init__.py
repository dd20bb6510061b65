"""slackemu — a local Slack emulator for the KAM bot.

It is the project's one fake Slack. It plays both sides of Slack for an app that runs over HTTP:

* **The Web API** (``/api/<method>``), served by waitress on 127.0.0.1 and answered like Slack:
  ``auth.test``, ``team.info``, ``users.*``, ``conversations.*``, ``chat.*``, ``views.*`` and the
  external file upload (``files.getUploadURLExternal``, the upload URL, ``files.completeUploadExternal``:
  what ``WebClient.files_upload_v2`` uses; the bytes stay readable with ``emu.file(file_id)``), with
  Slack's errors (``channel_not_found``, ``not_in_channel``, ``invalid_blocks``,
  ``expired_trigger_id``, ``hash_conflict``, ...) and the Block Kit limits Slack validates.
  Point ``slack_sdk.WebClient(base_url=emu.api_url, token=emu.bot_token)`` at it.
* **Response URLs** (``/response/<token>``): at most 5 posts within 30 minutes, with
  ``replace_original`` / ``delete_original`` / ``response_type`` applied as Slack applies them.
* **The Slack side toward the app**: signed slash commands, block actions, view submissions,
  shortcuts and Events API callbacks sent to ``emu.app_url``; the app's HTTP answers are applied
  the way Slack would (ephemeral command answers, ``response_action`` for modals, ...).

* **The Slack client's side**: ``type_into`` (typing in a modal sends nothing), ``suggest`` (an
  external select asks the app for options: ``block_suggestion``), ``link_names`` (``@bob`` as a
  mention), ``client_note`` (Slackbot's "not a valid command").
* **The sandbox page** (``GET /`` on the same port): the workspace as a Slack-like web page, with
  Block Kit rendered to HTML server-side (:mod:`slackemu.render`, :mod:`slackemu.mrkdwn`) and a
  small script that sends commands, clicks and submissions (:mod:`slackemu.page`). Extra buttons on
  it come from ``add_control(key, label, run)``.

Everything is kept in one lock-guarded store that tests and the sandbox page can read
(``messages()``, ``ephemerals()``, ``open_views()``, ``home()``, ``snapshot()``); ``version``
increases on every change. Every Web API call is recorded (``calls``), and faults can be scripted
(``fail_next``, ``rate_limit_next``, ``server_error_next``, ``enforce_channel_rate``).

Test helpers: ``issue_trigger(user)`` (a fresh trigger_id), ``advance_time(seconds)`` (expire
triggers / response URLs, pass channel rate windows without sleeping), ``update_channel(...)``,
``wait_for(predicate)``. ``ack_timeout`` (default 3.0 s, None to disable) is Slack's deadline for
the app's HTTP answer; ``Delivery.too_slow`` marks answers past it.

The package depends on nothing from the rest of the project; only on waitress::

    from slackemu import SlackEmulator, User, Channel

    emu = SlackEmulator(signing_secret="s3cret", bot_token="xoxb-test")
    emu.add_user(User(id="U0ALICE", name="alice", real_name="Alice Adler", email="alice@example.com"))
    emu.add_channel(Channel(id="C0KAM", name="kam-team", members={"U0ALICE"}))
    emu.start()                                   # "http://127.0.0.1:PORT"
    emu.app_url = "http://127.0.0.1:3001/slack/events"
    delivery = emu.send_command("U0ALICE", "C0KAM", "task new")
    modal = emu.wait_for(lambda: emu.open_views("U0ALICE"))[-1]
    emu.submit_view_inputs("U0ALICE", modal.id, {"title": "Call Dr Weber"})
    emu.stop()
"""

from .client import Delivery
from .emulator import SlackEmulator
from .interactions import Where
from .state import Call, Channel, Ephemeral, File, Message, ResponsePost, User, View

__all__ = [
    "Call",
    "Channel",
    "Delivery",
    "Ephemeral",
    "File",
    "Message",
    "ResponsePost",
    "SlackEmulator",
    "User",
    "View",
    "Where",
]
