"""Shared files on the sandbox page: the file card (name, size, download link; escaped, inert) and the
download the page serves; end to end, `/kam export` lands in the app's Messages tab as a file card."""

from __future__ import annotations

import urllib.error
import urllib.request

from bot.sandbox import Sandbox
from slackemu.mrkdwn import Names
from slackemu.render import Author, file_html, human_size, message_html
from slackemu.render_elements import RenderContext
from tests.sandbox.conftest import PageClient
from tests.sandbox.support import assert_inert, parse, text

CTX = RenderContext(names=Names(users={}, channels={}), people=[], rooms=[])
FILE: dict[str, object] = {
    "id": "F0001ABCDEF",
    "name": "AP-1-charite-oncology-2027-2026-12-04.csv",
    "title": "AP-1 · Charité Oncology 2027",
    "mimetype": "text/csv",
    "pretty_type": "CSV",
    "size": 2150,
}


def links(html: str) -> list[dict[str, str | None]]:
    return [attrs for tag, attrs in parse(html).tags if tag == "a"]


def test_a_message_with_a_file_shows_a_file_card_with_a_download_link() -> None:
    message = {"ts": "1.000100", "channel": "D0BOB", "text": "*AP-1* as of today", "files": [FILE]}
    html = message_html(message, Author("U0KAMBOT", "KAM bot", is_app=True), CTX)
    assert_inert(html)
    shown = text(html)
    assert "AP-1 as of today" in shown and "AP-1 · Charité Oncology 2027" in shown
    assert str(FILE["name"]) in shown and "2.1 KB" in shown and "CSV" in shown
    (link,) = links(html)
    assert link["href"] == "/_emu/files/F0001ABCDEF" and link["download"] == FILE["name"]
    assert 'data-file-id="F0001ABCDEF"' in html


def test_the_file_card_escapes_what_it_shows() -> None:
    evil = {
        "id": 'F1"><script>alert(1)</script>',
        "name": "<img src=x onerror=alert(1)>.csv",
        "title": "</div><b>bold</b>",
        "size": 12,
    }
    html = file_html(evil)
    assert_inert(html)
    assert "<script" not in html and "<img" not in html and "<b>" not in html
    (link,) = links(html)
    assert link["href"] == "/_emu/files/F1%22%3E%3Cscript%3Ealert%281%29%3C%2Fscript%3E"
    assert "</div><b>bold</b>" in text(html) and "12 B" in text(html)
    assert file_html({"name": "no id"}) == "" and file_html("nonsense") == ""
    assert [human_size(n) for n in (0, 1023, 1024, 15 * 1024, 3 * 1024**2)] == [
        "0 B",
        "1023 B",
        "1.0 KB",
        "15 KB",
        "3.0 MB",
    ]


def test_export_lands_in_the_apps_messages_tab_and_downloads(sandbox: Sandbox, page: PageClient) -> None:
    assert page.post("/_emu/send", user="U0BOB", channel="C0KAMTEAM", text="/kam export AP-1")["ok"]
    note = page.wait_state("U0BOB", lambda s: "as a CSV" in s["pane"]["html"])
    assert "see your DM with KAM bot" in text(note["pane"]["html"])
    dm = page.wait_state("U0BOB", lambda s: "file-card" in s["pane"]["html"], pane="dm")
    html = dm["pane"]["html"]
    assert_inert(html)
    (link,) = [a for a in links(html) if str(a.get("href", "")).startswith("/_emu/files/")]
    assert str(link["download"]).startswith("AP-1-charite-oncology-2027-")
    with urllib.request.urlopen(sandbox.url + str(link["href"]), timeout=10) as resp:
        data = resp.read()
        assert resp.headers["Content-Type"] == "text/csv"
        assert resp.headers["Content-Disposition"].startswith(f'attachment; filename="{link["download"]}"')
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert "default-src 'none'" in resp.headers["Content-Security-Policy"]
    assert data.startswith(b"\xef\xbb\xbfPlan,Plan name,Plan %") and "Charité".encode() in data
    assert sandbox.emu.file(str(link["href"]).rsplit("/", 1)[1]).data == data  # type: ignore[union-attr]
    try:
        urllib.request.urlopen(sandbox.url + "/_emu/files/F0NOPE", timeout=10)
        raise AssertionError("an unknown file must not download")
    except urllib.error.HTTPError as error:
        assert error.code == 404
