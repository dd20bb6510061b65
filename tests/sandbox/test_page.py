"""The page's endpoints against the real bot: state, commands, clicks, modal submissions, suggestions,
the Home tab, the app's DM, user messages, digests, and what the endpoints refuse."""

from __future__ import annotations

import json
import urllib.request
from datetime import date, timedelta
from typing import Any

from bot.sandbox import Sandbox
from tests.sandbox.conftest import PageClient
from tests.sandbox.support import parse

STATIC = ("index.html", "app.css", "app.js")


def _elements(html: str, **match: str) -> list[dict[str, Any]]:
    return [a for _t, a in parse(html).tags if all(a.get(k) == v for k, v in match.items())]


def _where(html: str, ts_of: str) -> dict[str, Any]:
    """The data-where of the message holding the element with data-block-id ``ts_of``."""
    holders = [a for _t, a in parse(html).tags if a.get("data-where")]
    position = html.index(f'data-block-id="{ts_of}"')
    before = [
        h for h in holders if html.index(f'data-ts="{h.get("data-ts")}"') < position if h.get("data-ts")
    ]
    return json.loads(before[-1]["data-where"])


def test_page_and_static_files_are_local(sandbox: Sandbox) -> None:
    for name in ("", *(f"static/{n}" for n in STATIC)):
        with urllib.request.urlopen(f"{sandbox.url}/{name}", timeout=10) as resp:
            body = resp.read().decode()
            assert resp.status == 200
            assert "default-src 'self'" in resp.headers["Content-Security-Policy"]
        assert "http://" not in body and "https://" not in body and "//cdn" not in body
    index = urllib.request.urlopen(f"{sandbox.url}/", timeout=10).read().decode()
    assert '<script src="/static/app.js">' in index and 'href="/static/app.css"' in index
    status, _ = PageClient(sandbox.url).request("/static/../page.py")
    assert status == 404


def test_state_lists_channels_people_the_app_and_controls(page: PageClient) -> None:
    state = page.state("U0DAN", "C0GENERAL")
    assert state["me"] == "U0DAN" and state["team"]["name"] == "Acme Pharma"
    assert [c["name"] for c in state["channels"]] == ["kam-team", "oncology-dach", "general"]
    assert [(p["name"], p["title"]) for p in state["people"]][:2] == [
        ("Alice Adler", "Admin"),
        ("Bob Brandt", "KAM"),
    ]
    assert state["app"]["name"] == "KAM bot" and state["commands"] == ["/kam"]
    assert state["controls"] == [{"id": "digests", "label": "Run digests now"}]
    assert state["pane"]["kind"] == "channel" and "very beginning of the" in state["pane"]["html"]
    assert state["modal"] is None
    assert page.state("U0NOBODY")["me"] == "U0ALICE"  # an unknown member falls back to the first one


def test_a_command_shows_an_ephemeral_card_to_its_author_only(page: PageClient) -> None:
    answer = page.post("/_emu/send", user="U0ALICE", channel="C0ONCDACH", text="/kam plan show AP-1")
    assert answer["ok"], answer
    state = page.wait_state("U0ALICE", lambda s: "AP-1 · " in s["pane"]["html"], pane="C0ONCDACH")
    assert "Only visible to you" in state["pane"]["html"] and "msg-ephemeral" in state["pane"]["html"]
    assert "AP-1 · " not in page.state("U0DAN", "C0ONCDACH")["pane"]["html"]


def test_clicking_done_updates_the_card_with_the_rollup_change(page: PageClient) -> None:
    page.post("/_emu/send", user="U0BOB", channel="C0KAMTEAM", text="/kam tactic show TAC-3")
    state = page.wait_state("U0BOB", lambda s: "TAC-3 · " in s["pane"]["html"])
    html = state["pane"]["html"]
    done = next(b for b in _elements(html, **{"data-action-id": "task_done"}))
    where = _where(html, done["data-block-id"])
    answer = page.post(
        "/_emu/action",
        user="U0BOB",
        where=where,
        action_id="task_done",
        block_id=done["data-block-id"],
        value=done["data-value"],
    )
    assert answer["ok"], answer
    state = page.wait_state("U0BOB", lambda s: "→" in s["pane"]["html"])
    assert "TAC-3 " in state["pane"]["html"] and "AP-1 " in state["pane"]["html"]


def test_a_modal_submission_shows_errors_under_the_field_then_closes(page: PageClient) -> None:
    page.post("/_emu/send", user="U0ALICE", channel="C0KAMTEAM", text="/kam task add TAC-3")
    modal = page.wait_state("U0ALICE", lambda s: s["modal"])["modal"]
    assert "New task" in modal["html"]
    far = (date.today() + timedelta(days=900)).isoformat()
    values = {
        "title": {"title": "Ring the pharmacy"},
        "due_date": {"due_date": far},
        "assignee": {"assignee": "U0BOB"},
    }
    answer = page.post("/_emu/submit", user="U0ALICE", view_id=modal["id"], values=values)
    assert answer["ok"] and "errors" in answer["outcome"], answer
    modal = page.state("U0ALICE")["modal"]
    due = next(
        a
        for _t, a in parse(modal["html"]).tags
        if a.get("data-block-id") == "due_date" and "bk-input" in (a.get("class") or "")
    )
    assert "bk-has-error" in (due["class"] or "")
    field = modal["html"].split('data-block-id="due_date"', 1)[1].split('class="bk bk-input', 1)[0]
    assert "bk-error" in field and "plan" in field  # the error sits under its own field
    assert 'value="Ring the pharmacy"' in modal["html"]  # what was typed is kept
    values["due_date"] = {"due_date": date.today().isoformat()}
    answer = page.post("/_emu/submit", user="U0ALICE", view_id=modal["id"], values=values)
    assert answer["ok"] and answer["outcome"] == "view closed", answer
    state = page.wait_state("U0ALICE", lambda s: "Ring the pharmacy" in s["pane"]["html"])
    assert state["modal"] is None


def test_an_empty_required_input_is_refused_by_the_client(page: PageClient) -> None:
    page.post("/_emu/send", user="U0CAROL", channel="C0GENERAL", text="/kam task add TAC-3")
    modal = page.wait_state("U0CAROL", lambda s: s["modal"], pane="C0GENERAL")["modal"]
    answer = page.post("/_emu/submit", user="U0CAROL", view_id=modal["id"], values={"title": {"title": None}})
    assert answer["ok"] and answer["outcome"] == "blocked by the Slack client"
    assert "Please fill out this field." in page.state("U0CAROL")["modal"]["html"]
    assert page.post("/_emu/close", user="U0CAROL", view_id=modal["id"])["ok"]
    assert page.state("U0CAROL")["modal"] is None


def test_external_selects_ask_the_app_for_options(page: PageClient) -> None:
    page.post("/_emu/send", user="U0ALICE", channel="C0GENERAL", text="/kam plan new")
    modal = page.wait_state("U0ALICE", lambda s: s["modal"] and "New account plan" in s["modal"]["html"])[
        "modal"
    ]
    where = {"kind": "view", "id": modal["id"]}
    found = page.post(
        "/_emu/suggest",
        user="U0ALICE",
        where=where,
        action_id="account_select",
        block_id="account",
        query="char",
    )
    labels = [o["label"] for o in found["options"]]
    assert labels and all("Charit" in label for label in labels), labels
    assert found["options"][0]["option"]["value"]
    everything = page.post("/_emu/suggest", user="U0ALICE", where=where, action_id="account_select", query="")
    assert len(everything["options"]) > len(labels)
    page.post("/_emu/close", user="U0ALICE", view_id=modal["id"])


def test_user_messages_are_escaped_and_names_linked(sandbox: Sandbox, page: PageClient) -> None:
    answer = page.post("/_emu/send", user="U0DAN", channel="C0GENERAL", text="hi @bob <!channel> & <b>co</b>")
    assert answer["outcome"] == "not sent: the app is not subscribed"
    stored = sandbox.emu.messages("C0GENERAL")[-1]
    assert stored.text == "hi <@U0BOB|bob> &lt;!channel&gt; &amp; &lt;b&gt;co&lt;/b&gt;"
    html = page.state("U0DAN", "C0GENERAL")["pane"]["html"]
    assert "@Bob Brandt" in html and "&lt;!channel&gt; &amp; &lt;b&gt;co&lt;/b&gt;" in html
    assert "mrk-broadcast" not in html


def test_an_unknown_command_gets_a_note_from_slackbot(page: PageClient) -> None:
    answer = page.post("/_emu/send", user="U0DAN", channel="C0ONCDACH", text="/giphy <cats>")
    assert answer["ok"] is False
    html = page.state("U0DAN", "C0ONCDACH")["pane"]["html"]
    assert (
        "Slackbot" in html
        and "&lt;cats&gt;" not in html
        and "/giphy" in html
        and "not a valid command" in html
    )


def test_the_home_tab_and_the_apps_messages_tab(page: PageClient) -> None:
    assert page.post("/_emu/home", user="U0CAROL")["ok"]
    home = page.wait_state("U0CAROL", lambda s: "Loading" not in s["pane"]["html"], pane="home")
    assert home["pane"]["kind"] == "home" and home["pane"]["title"] == "KAM bot"
    assert '"kind":"home"' in home["pane"]["html"].replace("&quot;", '"')
    assert page.post("/_emu/send", user="U0CAROL", channel="dm", text="/kam my")["ok"]
    dm = page.wait_state("U0CAROL", lambda s: s["app"]["dm"] and "msg" in s["pane"]["html"], pane="dm")
    assert dm["pane"]["kind"] == "dm" and dm["app"]["dm"] == "D0CAROL"


def test_run_digests_now_posts_to_the_channels(sandbox: Sandbox, page: PageClient) -> None:
    before = len(sandbox.emu.messages("C0KAMTEAM"))
    answer = page.post("/_emu/control", id="digests")
    assert answer["ok"] and answer["lines"], answer
    assert len(sandbox.emu.messages("C0KAMTEAM")) > before
    status, missing = page.request("/_emu/control", {"id": "nope"})
    assert status == 400 and "no control" in missing["error"]


def test_wait_answers_on_a_change_or_after_the_timeout(page: PageClient) -> None:
    version = page.state("U0DAN")["version"]
    status, answer = page.request(f"/_emu/wait?since={version + 1000}&timeout=0.2")
    assert status == 200 and answer["version"] == version
    status, answer = page.request(f"/_emu/wait?since={version - 1}&timeout=5")
    assert answer["version"] >= version


def test_the_endpoints_refuse_what_a_page_would_not_send(sandbox: Sandbox, page: PageClient) -> None:
    req = urllib.request.Request(
        f"{sandbox.url}/_emu/send", data=b"user=U0DAN", headers={"Content-Type": "text/plain"}, method="POST"
    )
    try:
        urllib.request.urlopen(req, timeout=5)
        raise AssertionError("text/plain was accepted")
    except urllib.error.HTTPError as error:
        assert error.code == 415
    status, _ = page.request("/_emu/state", headers={"Host": "evil.example:80"})
    assert status == 403
    assert page.request("/_emu/nothing", {"x": 1})[0] == 404
    assert page.request("/_emu/send", {"user": "U0DAN", "channel": "C0GENERAL", "text": "  "})[0] == 400
    assert page.request("/_emu/send", {"user": "U0DAN"})[0] == 400
    assert (
        page.request("/_emu/action", {"user": "U0DAN", "where": {"kind": "moon"}, "action_id": "x"})[0] == 400
    )
    assert page.request("/_emu/close", {"user": "U0DAN", "view_id": "V0NONE"})[0] == 400
    assert page.request("/_emu/wait?since=soon")[0] == 400
    assert page.request("/_emu/send", {"user": "U0DAN", "channel": "C0NOPE", "text": "hi"})[0] == 400
