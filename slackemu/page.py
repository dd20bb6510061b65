"""The sandbox page: the emulated workspace as a Slack-like web page, served by the emulator itself.

Routes (everything but the Web API, the response URLs and ``/_emu/snapshot``):

* ``GET /`` the page; ``GET /static/<file>`` its CSS and script (no external assets).
* ``GET /_emu/state?user=U…&pane=C…|dm|home`` the sidebar, the pane and the top modal, as JSON with
  HTML rendered server-side; ``GET /_emu/wait?since=N`` answers when ``version`` exceeds N (long poll).
* ``POST /_emu/send`` ``{user, channel, text}``: ``/cmd …`` sends a slash command, other text a message.
* ``POST /_emu/action`` ``{user, where, action_id, block_id, value?, selected?, state?}``: block_actions.
* ``POST /_emu/submit`` ``{user, view_id, values}`` and ``/_emu/close`` ``{user, view_id}``: modals.
* ``POST /_emu/suggest`` ``{user, where, action_id, block_id, query}``: block_suggestion -> options.
* ``POST /_emu/home`` ``{user}``: the Home tab is opened (app_home_opened).
* ``POST /_emu/control`` ``{id}``: run a control added with ``emu.add_control`` (e.g. digests).
* ``GET /_emu/files/<id>`` a shared file's bytes, as a download (``Content-Disposition: attachment``).

POSTs must be ``application/json`` from a loopback Host, so another web site cannot drive the page.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, quote

from .api_files import mimetype
from .client import Delivery
from .interactions import Where
from .mrkdwn import text_of
from .pane import PaneBuilder
from .state import JSON

if TYPE_CHECKING:
    from .emulator import SlackEmulator

log = logging.getLogger("slackemu.page")
STATIC = Path(__file__).parent / "static"
TYPES = {".html": "text/html", ".css": "text/css", ".js": "text/javascript", ".svg": "image/svg+xml"}
LOOPBACK = ("127.0.0.1", "localhost", "[::1]")
FILES = "/_emu/files/"
StartResponse = Callable[..., Any]


@dataclass
class Control:
    label: str
    run: Callable[[], list[str]]


class BadRequest(Exception):
    pass


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def attachment(name: str) -> str:
    """Content-Disposition for a download: an ASCII fallback name and the UTF-8 name (RFC 6266)."""
    fallback = "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in name)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def _delivery(d: Delivery | None) -> JSON:
    if d is None:
        return {"ok": True, "outcome": "closed"}
    ok = d.ok or (d.status == 0 and d.error is None)  # status 0 and no error: the client did not send it
    return {"ok": ok, "status": d.status, "outcome": d.outcome, "error": d.error}


class Page:
    """The WSGI app behind the page routes; the emulator forwards every other path here."""

    def __init__(self, emu: SlackEmulator) -> None:
        self.emu = emu
        self.panes = PaneBuilder(emu)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO") or "/"
        method = environ.get("REQUEST_METHOD", "GET")
        host = (environ.get("HTTP_HOST") or "").rsplit(":", 1)[0]
        if host and host not in LOOPBACK:
            refused = {"ok": False, "error": "the page answers on loopback only"}
            return self._reply(start_response, 403, refused)
        if method == "GET" and path in ("/", "/index.html"):
            return self._file(start_response, "index.html")
        if method == "GET" and path.startswith("/static/"):
            return self._file(start_response, path[len("/static/") :])
        if method == "GET" and path.startswith(FILES):
            return self._download(start_response, path[len(FILES) :])
        try:
            status, body = self._route(method, path, environ)
        except (BadRequest, LookupError, ValueError, TypeError) as error:
            status, body = 400, {"ok": False, "error": str(error)}
        return self._reply(start_response, status, body)

    def _route(self, method: str, path: str, environ: dict[str, Any]) -> tuple[int, JSON]:
        query = dict(parse_qsl(environ.get("QUERY_STRING") or ""))
        if method == "GET" and path == "/_emu/state":
            return 200, self.panes.state(query.get("user"), query.get("pane"))
        if method == "GET" and path == "/_emu/wait":
            since = int(query.get("since") or 0)
            timeout = min(float(query.get("timeout") or 20), 25.0)
            return 200, {"version": self.emu.wait_for_change(since, timeout)}
        handler = ROUTES.get(path) if method == "POST" else None
        if handler is None:
            return 404, {"ok": False, "error": "not_found"}
        if not (environ.get("CONTENT_TYPE") or "").startswith("application/json"):
            return 415, {"ok": False, "error": "send application/json"}
        body = json.loads((environ.get("slackemu.body") or b"{}").decode("utf-8") or "{}")
        if not isinstance(body, dict):
            raise BadRequest("the body must be a JSON object")
        return 200, handler(self, body)

    # --- handlers -------------------------------------------------------------------------------
    def send(self, body: JSON) -> JSON:
        emu, user, channel = self.emu, str(body["user"]), str(body["channel"])
        if channel == "dm":  # the app's Messages tab
            channel = emu.open_im(user)
        text = str(body.get("text") or "").strip()
        if not text:
            raise BadRequest("nothing to send")
        if text.startswith("/"):
            command, _, rest = text.partition(" ")
            if emu.commands and command not in emu.commands:
                note = (
                    f"`{_esc(command)}` is not a valid command. In Slack, all messages that start with "
                    "the “/” character are interpreted as commands."
                )
                emu.client_note(user, channel, note)
                return {"ok": False, "outcome": "not a command of the app"}
            return _delivery(emu.send_command(user, channel, emu.link_names(rest.strip()), command=command))
        return _delivery(emu.user_message(user, channel, emu.link_names(_esc(text))))

    def _where(self, body: JSON) -> Where:
        where = body.get("where") or {}
        kind = where.get("kind")
        if kind in ("message", "ephemeral"):
            return (str(where["channel"]), str(where["ts"]))
        if kind == "view":
            return str(where["id"])
        if kind == "home":
            return "home"
        raise BadRequest(f"unknown place {where!r}")

    def action(self, body: JSON) -> JSON:
        user, where = str(body["user"]), self._where(body)
        if isinstance(where, str) and where != "home" and body.get("state"):
            self.emu.type_into(user, where, body["state"])
        d = self.emu.interact(
            user,
            where,
            str(body["action_id"]),
            body.get("selected"),
            block_id=body.get("block_id"),
            button_value=body.get("value"),
        )
        return _delivery(d)

    def submit(self, body: JSON) -> JSON:
        user, view_id = str(body["user"]), str(body["view_id"])
        view = self.emu.view(view_id)
        if view is None:
            raise LookupError(f"no view {view_id}")
        values = self.emu.merge_state(view.blocks, {}, body.get("values") or {})
        return _delivery(self.emu.submit_view(user, view_id, values))

    def close(self, body: JSON) -> JSON:
        return _delivery(self.emu.close_view(str(body["user"]), body.get("view_id")))

    def suggest(self, body: JSON) -> JSON:
        options = self.emu.suggest(
            str(body["user"]),
            self._where(body),
            str(body["action_id"]),
            str(body.get("query") or ""),
            block_id=body.get("block_id"),
        )
        return {"ok": True, "options": [{"label": text_of(o.get("text")), "option": o} for o in options]}

    def home(self, body: JSON) -> JSON:
        return _delivery(self.emu.open_home(str(body["user"])))

    def control(self, body: JSON) -> JSON:
        control = self.emu.controls.get(str(body.get("id")))
        if control is None:
            raise LookupError(f"no control {body.get('id')!r}")
        try:
            lines = [str(line) for line in control.run()]
        except Exception as error:  # shown on the page; the sandbox keeps running
            log.exception("control %s failed", body.get("id"))
            return {"ok": False, "error": f"{type(error).__name__}: {error}"}
        return {"ok": True, "lines": lines}

    # --- plumbing -------------------------------------------------------------------------------
    @staticmethod
    def _reply(start_response: StartResponse, status: int, body: JSON) -> list[bytes]:
        data = json.dumps(body).encode()
        head = [
            ("Content-Type", "application/json; charset=utf-8"),
            ("Content-Length", str(len(data))),
            ("Cache-Control", "no-store"),
        ]
        start_response(f"{status} {HTTPStatus(status).phrase}", head)
        return [data]

    def _download(self, start_response: StartResponse, file_id: str) -> list[bytes]:
        """A shared file, as an attachment: never rendered by the browser (nosniff, no CSP sources)."""
        file = self.emu.file(file_id)
        if file is None or file.data is None or not file.completed:
            start_response("404 Not Found", [("Content-Type", "text/plain; charset=utf-8")])
            return [b"no such file"]
        head = [
            ("Content-Type", mimetype(file.name)),
            ("Content-Length", str(len(file.data))),
            ("Content-Disposition", attachment(file.name)),
            ("Cache-Control", "no-store"),
            ("Content-Security-Policy", "default-src 'none'; sandbox"),
            ("X-Content-Type-Options", "nosniff"),
        ]
        start_response("200 OK", head)
        return [file.data]

    @staticmethod
    def _file(start_response: StartResponse, name: str) -> list[bytes]:
        path = (STATIC / name).resolve()
        if STATIC.resolve() not in path.parents or not path.is_file():
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found"]
        data = path.read_bytes()
        kind = TYPES.get(path.suffix, "application/octet-stream")
        head = [
            ("Content-Type", f"{kind}; charset=utf-8"),
            ("Content-Length", str(len(data))),
            ("Cache-Control", "no-store"),
            ("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'"),
            ("X-Content-Type-Options", "nosniff"),
        ]
        start_response("200 OK", head)
        return [data]


ROUTES: dict[str, Callable[[Page, JSON], JSON]] = {
    "/_emu/send": Page.send,
    "/_emu/action": Page.action,
    "/_emu/submit": Page.submit,
    "/_emu/close": Page.close,
    "/_emu/suggest": Page.suggest,
    "/_emu/home": Page.home,
    "/_emu/control": Page.control,
}
