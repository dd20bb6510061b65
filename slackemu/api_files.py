"""Web API: Slack's external file upload, the flow slack_sdk's ``files_upload_v2`` drives.

1. ``files.getUploadURLExternal`` (filename, length) answers ``upload_url`` (on the emulator) and
   ``file_id``;
2. the bytes are POSTed to ``upload_url`` (raw, or as multipart form data): HTTP 200 ``OK - <size>``
   (no token: the URL itself is the secret, as on Slack's file servers);
3. ``files.completeUploadExternal`` (files=[{id, title}], channel_id or channels, initial_comment,
   thread_ts) shares the files: a message from the app in each channel, carrying ``files`` and the
   initial comment as its text. Without a channel the files stay private.

Errors as Slack answers them: ``invalid_arguments`` (a missing filename, length or files),
``file_not_found`` (an unknown id, an upload never made, a file completed before; ``detail`` says
which), ``channel_not_found``, ``not_in_channel``, ``is_archived``. Nothing changes on an error. The
bytes stay in the store (``emu.file(file_id)``); the sandbox page serves them at ``/_emu/files/<id>``.
"""

from __future__ import annotations

import email.parser
import email.policy
import mimetypes
import secrets
import threading

from .api_chat import checked_content, post_bot_message
from .apicore import ApiError, api_method, check_can_post
from .state import JSON, Call, Channel, File, Store

UPLOAD_PATH = "/upload/v1/"


def _invalid(problem: str) -> ApiError:
    return ApiError("invalid_arguments", messages=[f"[ERROR] {problem}"])


def mimetype(name: str) -> str:
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def file_obj(s: Store, file: File) -> JSON:
    """The file object Slack answers and puts on messages (the fields apps read)."""
    kind = file.name.rsplit(".", 1)[-1].lower() if "." in file.name else "binary"
    url = f"{s.base_url}/_emu/files/{file.id}"
    return {
        "id": file.id,
        "created": int(file.created),
        "timestamp": int(file.created),
        "name": file.name,
        "title": file.title or file.name,
        "mimetype": mimetype(file.name),
        "filetype": kind,
        "pretty_type": kind.upper(),
        "user": file.user,
        "mode": "hosted",
        "is_external": False,
        "size": file.size,
        "url_private": url,
        "url_private_download": url,
        "permalink": f"https://{s.team_domain}.slack.com/files/{file.user}/{file.id}/{file.name}",
    }


@api_method("files.getUploadURLExternal")
def files_get_upload_url_external(s: Store, p: JSON) -> JSON:
    name = str(p.get("filename") or "").strip()
    if not name:
        raise _invalid("missing required field: filename")
    try:
        length = int(str(p.get("length") or "").strip())
    except ValueError:
        raise _invalid("missing required field: length") from None
    if length < 0:
        raise _invalid("length must be a number of bytes")
    file = File(
        id=s.new_id("F", 10),
        name=name,
        length=length,
        upload_token=secrets.token_urlsafe(18),
        user=s.bot_user_id,
        created=s.now(),
    )
    s.files[file.id] = file
    s.bump()
    return {"upload_url": f"{s.base_url}{UPLOAD_PATH}{file.upload_token}", "file_id": file.id}


def handle_upload(s: Store, token: str, content_type: str, raw: bytes) -> tuple[int, str]:
    """A POST to an upload URL: keep the bytes. Answers (HTTP status, plain text) like Slack's file
    servers: 200 ``OK - <size>``, 404 for an unknown (or already completed) upload, 400 when the size
    differs from the length announced to files.getUploadURLExternal."""
    data = _payload(content_type, raw)
    with s.lock:
        file = next((f for f in s.files.values() if f.upload_token == token and not f.completed), None)
        if file is None:
            status, text = 404, "upload not found"
        elif len(data) != file.length:
            status, text = 400, f"expected {file.length} bytes, got {len(data)}"
        else:
            file.data = data
            status, text = 200, f"OK - {len(data)}"
        params: JSON = {"file_id": file.id if file else None, "bytes": len(data)}
        answer: JSON = {"ok": status == 200, "text": text}
        thread = threading.current_thread().name
        s.record_call(Call("upload_url", params, answer, status, s.now(), thread))
    return status, text


def _payload(content_type: str, raw: bytes) -> bytes:
    """The file's bytes: the body itself, or the file part of a multipart form."""
    if content_type.split(";")[0].strip().lower() != "multipart/form-data":
        return raw
    head = f"Content-Type: {content_type}\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + raw)
    if not message.is_multipart():
        return b""
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes) and (part.get_filename() or name in ("file", "filename")):
            return payload
    return b""


@api_method("files.completeUploadExternal")
def files_complete_upload_external(s: Store, p: JSON) -> JSON:
    entries = p.get("files")
    if not isinstance(entries, list) or not entries:
        raise _invalid('files must be a JSON array like [{"id": "F…", "title": "…"}]')
    files: list[tuple[File, JSON]] = []
    for entry in entries:
        if not isinstance(entry, dict) or not entry.get("id"):
            raise _invalid("every entry of files needs an id")
        files.append((_uploaded(s, str(entry["id"])), entry))
    targets = _targets(s, p)
    if p.get("thread_ts") and len(targets) > 1:
        raise _invalid("thread_ts needs exactly one channel")
    comment = p.get("initial_comment") or None
    text, blocks = checked_content(
        {"text": comment, "blocks": None if comment else p.get("blocks")}, require=False
    )
    for file, entry in files:
        file.title = str(entry.get("title") or file.name)
        file.completed = True
    for channel in targets:
        message = post_bot_message(s, channel, text, blocks, thread_ts=p.get("thread_ts"))
        message.files = [file_obj(s, file) for file, _ in files]
        for file, _ in files:
            file.channels.append(channel.id)
    s.bump()
    return {"files": [file_obj(s, file) for file, _ in files]}


def _uploaded(s: Store, file_id: str) -> File:
    file = s.files.get(file_id)
    if file is None:
        raise ApiError("file_not_found")
    if file.completed:
        raise ApiError("file_not_found", extra={"detail": f"{file_id} was completed before"})
    if file.data is None:
        raise ApiError("file_not_found", extra={"detail": f"nothing was uploaded to {file_id}'s upload_url"})
    return file


def _targets(s: Store, p: JSON) -> list[Channel]:
    """The channels to share in (channel_id, or channels: channel or user ids), checked like Slack."""
    refs = [str(p["channel_id"])] if p.get("channel_id") else []
    refs += [ref.strip() for ref in str(p.get("channels") or "").split(",") if ref.strip()]
    found: list[Channel] = []
    for ref in dict.fromkeys(refs):
        channel = s.channels.get(ref)
        if channel is None and ref[:1] in ("U", "W") and ref in s.users and ref != s.bot_user_id:
            channel = s.open_im(ref)
        if channel is None or (channel.is_private and not channel.bot_is_member):
            raise ApiError("channel_not_found")
        check_can_post(s, channel)
        found.append(channel)
    return found
