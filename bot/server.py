"""HTTP mode: a WSGI app serving POST /slack/events (Bolt) and GET /healthz (a database check), run by
waitress, a production WSGI server. Several replicas can serve side by side against one PostgreSQL."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy import Engine, text

from slackemu.server import ServerThread

log = logging.getLogger("kam.http")
StartResponse = Callable[..., Any]


def health(engine: Engine) -> tuple[int, dict[str, Any]]:
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as error:
        return 503, {"ok": False, "database": "unreachable", "error": type(error).__name__}
    return 200, {"ok": True, "database": "ok"}


def make_wsgi(
    app: App | None, engine: Engine, extra: dict[str, Callable[..., Iterable[bytes]]] | None = None
) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    slack = SlackRequestHandler(app) if app is not None else None
    routes = dict(extra or {})

    def wsgi(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/healthz":
            status, body = health(engine)
            payload = json.dumps(body).encode()
            start_response(
                f"{status} {'OK' if status == 200 else 'Service Unavailable'}",
                [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))],
            )
            return [payload]
        for prefix, handler in routes.items():
            if path.startswith(prefix):
                return handler(environ, start_response)
        if slack is not None and path == "/slack/events":
            return slack(environ, start_response)
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"Not Found"]

    return wsgi


class HttpServer(ServerThread):
    """waitress in a daemon thread, stopped cleanly from inside its own loop (see slackemu.server)."""

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host
        return f"http://{host}:{self.port}"
