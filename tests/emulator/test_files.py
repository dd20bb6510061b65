"""The external file upload through a real slack_sdk WebClient: files.getUploadURLExternal, the POST of
the bytes to the upload URL, files.completeUploadExternal; the shared message; Slack's errors."""

from __future__ import annotations

import urllib.error
import urllib.request
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from slackemu import Channel, SlackEmulator

from .conftest import ALICE, ARCHIVED, BOB, KAM, OTHER, PRIV

CSV = '\ufeffPlan,Name\r\nAP-1,Charité, "quoted"\r\n'


def error_of(call: Any, **kwargs: Any) -> SlackApiError:
    with pytest.raises(SlackApiError) as info:
        call(**kwargs)
    return info.value


def post(url: str, data: bytes, content_type: str = "application/octet-stream") -> tuple[int, str]:
    req = urllib.request.Request(url, data=data, method="POST", headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_files_upload_v2_shares_the_file_in_the_channel(emu: SlackEmulator, client: WebClient) -> None:
    done = client.files_upload_v2(
        channel=KAM, content=CSV, filename="AP-1.csv", title="AP-1 · Charité", initial_comment="Your *export*"
    )
    file_id = done["file"]["id"]
    assert file_id.startswith("F") and done["files"][0]["id"] == file_id
    assert [c.method for c in emu.calls] == [
        "files.getUploadURLExternal",
        "upload_url",
        "files.completeUploadExternal",
    ]
    asked = emu.calls_to("files.getUploadURLExternal")[0]
    assert asked.params["filename"] == "AP-1.csv" and int(asked.params["length"]) == len(CSV.encode())
    assert asked.response["upload_url"].startswith(emu.base_url + "/upload/v1/")
    assert emu.calls_to("files.completeUploadExternal")[0].params["files"] == [
        {"id": file_id, "title": "AP-1 · Charité"}
    ]
    (message,) = emu.messages(KAM)
    assert message.text == "Your *export*" and message.user == emu.bot_user_id
    (shared,) = message.files
    assert {k: shared[k] for k in ("id", "name", "title", "mimetype", "size")} == {
        "id": file_id,
        "name": "AP-1.csv",
        "title": "AP-1 · Charité",
        "mimetype": "text/csv",
        "size": len(CSV.encode()),
    }
    assert shared["url_private"] == f"{emu.base_url}/_emu/files/{file_id}"
    file = emu.file(file_id)
    assert file is not None and file.data == CSV.encode() and file.channels == [KAM] and file.completed
    history = client.conversations_history(channel=KAM)["messages"]
    assert history[0]["files"][0]["id"] == file_id and history[0]["upload"] is True


def test_a_file_goes_to_a_dm_or_a_thread_or_several_channels(emu: SlackEmulator, client: WebClient) -> None:
    dm = client.conversations_open(users=BOB)["channel"]["id"]
    client.files_upload_v2(channel=dm, content=b"\x00\x01binary", filename="data.bin")
    (in_dm,) = emu.messages(dm)
    assert in_dm.files[0]["mimetype"] == "application/octet-stream" and in_dm.text == ""
    parent = client.chat_postMessage(channel=KAM, text="parent")["ts"]
    client.files_upload_v2(channel=KAM, thread_ts=parent, content="a,b", filename="t.csv")
    assert [m.files[0]["name"] for m in emu.replies(KAM, parent)] == ["t.csv"]
    client.files_upload_v2(channels=[KAM, PRIV], content="x", filename="both.txt", initial_comment="hi")
    assert [m.text for m in emu.messages(PRIV)] == ["hi"]
    assert emu.messages(KAM)[-1].files[0]["name"] == "both.txt"
    private = client.files_upload_v2(content="kept", filename="private.txt")  # no channel: not shared
    file = emu.file(private["file"]["id"])
    assert file is not None and file.completed and file.channels == []


def test_channel_access_errors_change_nothing(emu: SlackEmulator, client: WebClient) -> None:
    emu.add_channel(Channel("G0SECRET", "secret", members={ALICE}, is_private=True, bot_is_member=False))
    for channel, code in (
        (OTHER, "not_in_channel"),
        ("C0NOWHERE", "channel_not_found"),
        ("G0SECRET", "channel_not_found"),
        (ARCHIVED, "is_archived"),
    ):
        error = error_of(client.files_upload_v2, channel=channel, content="x", filename="x.txt")
        assert error.response["error"] == code
    assert all(not f.completed and not f.channels for f in emu.files())
    assert not any(m.files for c in (OTHER, ARCHIVED, "G0SECRET") for m in emu.messages(c))


def test_unknown_ids_uploads_never_made_and_second_completions(emu: SlackEmulator, client: WebClient) -> None:
    unknown = error_of(client.files_completeUploadExternal, files=[{"id": "F0NOPE"}], channel_id=KAM)
    assert unknown.response["error"] == "file_not_found"
    ticket = client.files_getUploadURLExternal(filename="late.csv", length=3)
    never = error_of(client.files_completeUploadExternal, files=[{"id": ticket["file_id"]}], channel_id=KAM)
    assert never.response["error"] == "file_not_found" and "nothing was uploaded" in never.response["detail"]
    assert post(ticket["upload_url"], b"a,b") == (200, "OK - 3")
    client.files_completeUploadExternal(files=[{"id": ticket["file_id"]}], channel_id=KAM)
    assert emu.messages(KAM)[-1].files[0]["title"] == "late.csv"  # the title defaults to the name
    again = error_of(client.files_completeUploadExternal, files=[{"id": ticket["file_id"]}], channel_id=KAM)
    assert again.response["error"] == "file_not_found" and len(emu.messages(KAM)) == 1
    assert post(ticket["upload_url"], b"a,b")[0] == 404  # a completed upload takes no more bytes


def test_bad_arguments_and_bad_uploads(emu: SlackEmulator, client: WebClient) -> None:
    no_name = error_of(client.files_getUploadURLExternal, filename="", length=3)
    assert no_name.response["error"] == "invalid_arguments"
    assert no_name.response["response_metadata"]["messages"] == ["[ERROR] missing required field: filename"]
    bad_length = error_of(lambda: client.api_call("files.getUploadURLExternal", params={"filename": "a.csv"}))
    assert bad_length.response["error"] == "invalid_arguments"
    no_files = error_of(lambda: client.api_call("files.completeUploadExternal", params={"channel_id": KAM}))
    assert no_files.response["error"] == "invalid_arguments"
    ticket = client.files_getUploadURLExternal(filename="a.csv", length=5)
    assert post(ticket["upload_url"], b"too long") == (400, "expected 5 bytes, got 8")
    assert post(emu.base_url + "/upload/v1/not-a-token", b"12345")[0] == 404
    assert [c.status for c in emu.calls_to("upload_url")] == [400, 404]


def test_a_multipart_upload_keeps_the_bytes_exactly(emu: SlackEmulator, client: WebClient) -> None:
    data = "\ufeffa;b\r\nü;\r\n\r\n--x\r\n".encode()
    ticket = client.files_getUploadURLExternal(filename="m.csv", length=len(data))
    boundary = "kamboundary42"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="m.csv"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    assert post(ticket["upload_url"], body, f"multipart/form-data; boundary={boundary}")[0] == 200
    client.files_completeUploadExternal(files=[{"id": ticket["file_id"], "title": "M"}], channel_id=KAM)
    file = emu.file(ticket["file_id"])
    assert file is not None and file.data == data
