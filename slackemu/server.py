"""WSGI routing and the waitress server thread.

Routes: ``/api/<method>`` (Web API), ``/response/<token>`` (response URLs),
``POST /upload/v1/<token>`` (the upload URLs of files.getUploadURLExternal, see :mod:`slackemu.api_files`),
``GET /_emu/snapshot`` (the whole state as JSON, for debugging) and, when given, the sandbox page
(``/``, ``/static/…``, ``/_emu/…``; see :mod:`slackemu.page`).
"""

from __future__ import annotations

import contextlib
import email.parser
import email.policy
import json
import threading
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any, cast
from urllib.parse import parse_qsl

from waitress.server import create_server

from .api_files import UPLOAD_PATH, handle_upload
from .responses import handle_response_url
from .state import JSON, Store
from .webapi import call_api

StartResponse = Callable[..., Any]


def parse_body(content_type: str, raw: bytes) -> JSON:
    """Form-encoded, JSON or multipart parameters (Slack accepts all three)."""
    kind = content_type.split(";")[0].strip().lower()
    if kind == "application/json":
        try:
            data = json.loads(raw.decode("utf-8") or "{}")
        except ValueError:
            return {"__invalid_json__": True}
        return data if isinstance(data, dict) else {}
    if kind == "multipart/form-data":
        head = f"Content-Type: {content_type}\r\n\r\n".encode()
        msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + raw)
        params: JSON = {}
        for part in msg.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if isinstance(name, str):
                payload = part.get_payload(decode=True)
                params[name] = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
        return params
    return dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))


class EmulatorApp:
    """The WSGI application; all work is delegated to the handlers that lock the store."""

    def __init__(
        self, store: Store, snapshot: Callable[[], JSON], page: Callable[..., Iterable[bytes]] | None = None
    ) -> None:
        self.store = store
        self.snapshot = snapshot
        self.page = page

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO") or "/"
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length) if length > 0 else b""
        if path.startswith("/api/"):
            params = dict(parse_qsl(environ.get("QUERY_STRING") or "", keep_blank_values=True))
            params.update(parse_body(environ.get("CONTENT_TYPE") or "", raw))
            if params.pop("__invalid_json__", False):
                return self._json(start_response, 200, {"ok": False, "error": "invalid_json"})
            status, headers, body = call_api(self.store, path[5:], params, environ.get("HTTP_AUTHORIZATION"))
            return self._json(start_response, status, body, headers)
        if path.startswith("/response/") and environ.get("REQUEST_METHOD") == "POST":
            status, body = handle_response_url(self.store, path[len("/response/") :], raw)
            return self._json(start_response, status, body)
        if path.startswith(UPLOAD_PATH) and environ.get("REQUEST_METHOD") == "POST":
            token, kind = path[len(UPLOAD_PATH) :], environ.get("CONTENT_TYPE") or ""
            status, text = handle_upload(self.store, token, kind, raw)
            data = text.encode()
            head = [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(data)))]
            start_response(f"{status} {HTTPStatus(status).phrase}", head)
            return [data]
        if path == "/_emu/snapshot":
            return self._json(start_response, 200, self.snapshot())
        if self.page is not None:
            environ["slackemu.body"] = raw
            return self.page(environ, start_response)
        return self._json(start_response, 404, {"ok": False, "error": "not_found"})

    @staticmethod
    def _json(
        start_response: StartResponse, status: int, body: JSON, headers: dict[str, str] | None = None
    ) -> list[bytes]:
        data = json.dumps(body).encode()
        head = [("Content-Type", "application/json; charset=utf-8"), ("Content-Length", str(len(data)))]
        head += list((headers or {}).items())
        start_response(f"{status} {HTTPStatus(status).phrase}", head)
        return [data]


class ServerThread:
    """Any WSGI app on waitress in a daemon thread (the emulator; tests also use it for a Bolt app)."""

    def __init__(
        self, app: Callable[..., Any], host: str = "127.0.0.1", port: int = 0, threads: int = 16
    ) -> None:
        self.server = cast(Any, create_server(app, host=host, port=port, threads=threads))
        self.port = int(self.server.effective_port)
        self.host = host
        self.thread = threading.Thread(target=self.server.run, name=f"slackemu:{self.port}", daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        if self.thread.is_alive():
            # Close from inside the loop thread: the loop ends at once, and no socket is closed under
            # a select() still running in another thread (its fd number could be reused meanwhile).
            # The loop may run the thunk (closing the trigger) before our wake-up byte is written.
            with contextlib.suppress(OSError):
                self.server.trigger.pull_trigger(self.server.close)
            self.thread.join(timeout=5)
        if self.thread.is_alive() or not self.thread.ident:
            self.server.close()
        self.server.task_dispatcher.shutdown(cancel_pending=True, timeout=5)
