"""Block Kit to HTML: every block and element type, state and errors in modals, messages, escaping."""

from __future__ import annotations

import json
from typing import Any

from slackemu.mrkdwn import Names
from slackemu.render import Author, block_html, blocks_html, clock, home_html, message_html, modal_html
from slackemu.render_elements import RenderContext
from tests.sandbox.support import assert_inert, parse, text

CTX = RenderContext(
    names=Names(users={"U0BOB": "Bob Brandt", "U0CAROL": "Carol Castro"}, channels={"C0KAM": "kam-team"}),
    people=[("U0BOB", "Bob Brandt"), ("U0CAROL", "Carol Castro")],
    rooms=[("C0KAM", "kam-team")],
)


def plain(t: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": t}


def md(t: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": t}


def opt(label: str, value: str) -> dict[str, Any]:
    return {"text": plain(label), "value": value}


def render(block: dict[str, Any], ctx: RenderContext = CTX) -> str:
    html = block_html(block, ctx)
    assert_inert(html)
    return html


def one(html: str, tag: str, **match: str) -> dict[str, str | None]:
    found = [a for t, a in parse(html).tags if t == tag and all(a.get(k) == v for k, v in match.items())]
    assert len(found) == 1, (tag, match, html)
    return found[0]


def input_block(element: dict[str, Any], block_id: str = "b1", **extra: Any) -> dict[str, Any]:
    return {"type": "input", "block_id": block_id, "label": plain("Label"), "element": element, **extra}


# --- blocks -------------------------------------------------------------------------------------


def test_header_divider_context_image() -> None:
    assert text(render({"type": "header", "text": plain("AP-1 · <Plan>")})) == "AP-1 · <Plan>"
    assert "<hr" in render({"type": "divider"})
    ctx_html = render(
        {
            "type": "context",
            "elements": [
                md("*3* tasks"),
                {"type": "image", "image_url": "https://x.test/a.png", "alt_text": "a"},
            ],
        }
    )
    assert "<b>3</b> tasks" in ctx_html and "bk-img-off" in ctx_html
    inline = render({"type": "image", "image_url": "data:image/png;base64,AAAA", "alt_text": "chart"})
    assert one(inline, "img")["src"] == "data:image/png;base64,AAAA"
    remote = render({"type": "image", "image_url": "https://cdn.test/x.png", "alt_text": "burndown"})
    assert "<img" not in remote and "burndown" in text(remote)  # nothing is fetched from elsewhere
    assert "<img" not in render({"type": "image", "image_url": "//cdn.test/x.png", "alt_text": "x"})


def test_section_with_text_fields_and_accessory() -> None:
    html = render(
        {
            "type": "section",
            "block_id": "task:TSK-1",
            "text": md("*TSK-1* Call <@U0BOB>"),
            "fields": [md("*Owner*\nBob"), plain("Due <soon>")],
            "accessory": {
                "type": "button",
                "action_id": "task_done",
                "value": "TSK-1",
                "text": plain("Done"),
            },
        }
    )
    assert one(html, "div", **{"data-block-id": "task:TSK-1"})["class"] == "bk bk-section"
    assert "@Bob Brandt" in text(html) and "Due <soon>" in text(html)
    button = one(html, "button", **{"data-action-id": "task_done"})
    assert button["data-block-id"] == "task:TSK-1" and button["data-value"] == "TSK-1"


def test_actions_block_with_styled_buttons_and_confirm() -> None:
    confirm = {
        "title": plain("Sure?"),
        "text": md("Delete *it*"),
        "confirm": plain("Yes"),
        "deny": plain("No"),
    }
    html = render(
        {
            "type": "actions",
            "block_id": "acts",
            "elements": [
                {"type": "button", "action_id": "a", "text": plain("Done"), "style": "primary"},
                {
                    "type": "button",
                    "action_id": "b",
                    "text": plain("Delete"),
                    "style": "danger",
                    "confirm": confirm,
                },
                {"type": "button", "action_id": "c", "text": plain("Docs"), "url": "https://docs.test"},
            ],
        }
    )
    assert one(html, "button", **{"data-action-id": "a"})["class"] == "bk-btn bk-btn-primary"
    danger = one(html, "button", **{"data-action-id": "b"})
    assert danger["class"] == "bk-btn bk-btn-danger"
    assert json.loads(danger["data-confirm"] or "")["text"] == "Delete *it*"
    assert one(html, "button", **{"data-action-id": "c"})["data-url"] == "https://docs.test"


def test_static_select_with_groups_and_initial_option() -> None:
    element = {
        "type": "static_select",
        "action_id": "sel",
        "placeholder": plain("Pick one"),
        "option_groups": [{"label": plain("G1"), "options": [opt("One", "1"), opt("Two", "2")]}],
        "initial_option": opt("Two", "2"),
    }
    html = render({"type": "section", "text": md("x"), "accessory": element})
    assert one(html, "optgroup")["label"] == "G1"
    assert one(html, "option", value="2")["selected"] is None  # present as a bare attribute
    assert "selected" not in one(html, "option", value="1")
    assert text(html).startswith("xPick one")


def test_users_and_conversation_selects_list_people_and_channels() -> None:
    users = render(input_block({"type": "users_select", "action_id": "who", "initial_user": "U0CAROL"}))
    assert "selected" in one(users, "option", value="U0CAROL") and "Bob Brandt" in text(users)
    rooms = render(input_block({"type": "conversations_select", "action_id": "where"}))
    assert one(rooms, "option", value="C0KAM") is not None


def test_external_select_is_a_search_box_with_the_chosen_option() -> None:
    chosen = opt("Charité <Berlin>", "ACC-1")
    html = render(
        input_block(
            {
                "type": "external_select",
                "action_id": "account_select",
                "min_query_length": 0,
                "initial_option": chosen,
            }
        )
    )
    box = one(html, "div", **{"data-type": "external_select"})
    assert box["data-min-query"] == "0" and json.loads(box["data-selected"] or "") == chosen
    assert one(html, "input", **{"class": "bk-ext-input"})["value"] == "Charité <Berlin>"
    default = render(input_block({"type": "external_select", "action_id": "x"}))
    assert one(default, "div", **{"data-type": "external_select"})["data-min-query"] == "3"


def test_overflow_menu() -> None:
    element = {
        "type": "overflow",
        "action_id": "task_menu",
        "options": [opt("Block…", "block|TSK-1"), opt("Skip", "skip|TSK-1")],
    }
    html = render({"type": "actions", "block_id": "task:TSK-1:a", "elements": [element]})
    assert one(html, "div", **{"data-type": "overflow"})["data-block-id"] == "task:TSK-1:a"
    assert [a["data-value"] for t, a in parse(html).tags if t == "button" and "data-value" in a] == [
        "block|TSK-1",
        "skip|TSK-1",
    ]


def test_date_time_and_datetime_pickers() -> None:
    date_html = render(input_block({"type": "datepicker", "action_id": "d", "initial_date": "2026-12-18"}))
    assert one(date_html, "input", type="date")["value"] == "2026-12-18"
    time_html = render(input_block({"type": "timepicker", "action_id": "t", "initial_time": "09:30"}))
    assert one(time_html, "input", type="time")["value"] == "09:30"
    assert one(
        render(input_block({"type": "datetimepicker", "action_id": "dt"})), "input", type="datetime-local"
    )


def test_plain_text_inputs() -> None:
    single = render(
        input_block(
            {"type": "plain_text_input", "action_id": "title", "initial_value": '"Hi" <b>', "max_length": 300}
        )
    )
    box = one(single, "input", type="text")
    assert box["value"] == '"Hi" <b>' and box["maxlength"] == "300"
    multi = render(
        input_block(
            {
                "type": "plain_text_input",
                "action_id": "notes",
                "multiline": True,
                "initial_value": "</textarea><script>",
            }
        )
    )
    assert "<script" not in multi and text(multi).endswith("</textarea><script>")
    email = render(input_block({"type": "email_text_input", "action_id": "e"}))
    assert one(email, "input", type="email")


def test_checkboxes_and_radio_buttons() -> None:
    options = [opt("Mon", "0"), {"text": md("*Tue*"), "value": "1", "description": plain("busy")}]
    boxes = render(
        input_block(
            {"type": "checkboxes", "action_id": "days", "options": options, "initial_options": [options[1]]}
        )
    )
    assert "checked" in one(boxes, "input", value="1") and "checked" not in one(boxes, "input", value="0")
    assert "<b>Tue</b>" in boxes and "busy" in text(boxes)
    radios = render(
        input_block(
            {"type": "radio_buttons", "action_id": "vis", "options": options, "initial_option": options[0]}
        )
    )
    assert one(radios, "input", value="0")["type"] == "radio" and "checked" in one(radios, "input", value="0")


def test_multi_users_select_shows_chips() -> None:
    html = render(
        input_block({"type": "multi_users_select", "action_id": "people", "initial_users": ["U0BOB"]})
    )
    chip = one(html, "span", **{"class": "bk-chip"})
    assert chip["data-value"] == "U0BOB" and "Bob Brandt×" in text(html)
    assert "hidden" in one(html, "option", value="U0BOB")  # not offered twice


def test_input_block_label_optional_hint_error_and_dispatch() -> None:
    ctx = RenderContext(names=CTX.names, errors={"due": "must be within the plan's period <AP-1>"})
    html = render(
        input_block(
            {"type": "datepicker", "action_id": "due_picker"},
            block_id="due",
            optional=True,
            hint=plain("Pick a day"),
            dispatch_action=True,
        ),
        ctx,
    )
    block = one(html, "div", **{"data-block-id": "due"})
    assert block["class"] == "bk bk-input bk-has-error" and "data-dispatch" in block
    assert "(optional)" in text(html) and "Pick a day" in text(html)
    assert "must be within the plan's period <AP-1>" in text(html)


def test_typed_state_wins_over_initial_values() -> None:
    ctx = RenderContext(
        values={"b1": {"title": {"type": "plain_text_input", "value": "typed"}}},
    )
    html = render(
        input_block({"type": "plain_text_input", "action_id": "title", "initial_value": "initial"}), ctx
    )
    assert one(html, "input", type="text")["value"] == "typed"


def test_rich_text_markdown_and_unknown_blocks() -> None:
    rich = render(
        {
            "type": "rich_text",
            "elements": [
                {
                    "type": "rich_text_section",
                    "elements": [
                        {"type": "text", "text": "<hi> ", "style": {"bold": True}},
                        {"type": "user", "user_id": "U0BOB"},
                        {"type": "link", "url": "javascript:alert(1)", "text": "x"},
                    ],
                }
            ],
        }
    )
    assert "<b>&lt;hi&gt; </b>" in rich and "@Bob Brandt" in text(rich) and "<a" not in rich
    assert "<b>md</b>" in render({"type": "markdown", "text": "*md*"})
    assert "unsupported block: video" in text(render({"type": "video"}))
    assert "[workflow_button]" in text(render({"type": "actions", "elements": [{"type": "workflow_button"}]}))


# --- surfaces -----------------------------------------------------------------------------------


def test_modal_has_title_close_submit_alert_and_where() -> None:
    spec = {
        "type": "modal",
        "title": plain("New task"),
        "close": plain("Cancel"),
        "submit": plain("Create"),
        "blocks": [input_block({"type": "plain_text_input", "action_id": "title"}, block_id="title")],
    }
    html = modal_html(spec, CTX, view_id="V1", alert="We had some trouble connecting. Try again?")
    assert_inert(html)
    modal = one(html, "div", **{"class": "modal"})
    assert json.loads(modal["data-where"] or "") == {"kind": "view", "id": "V1"}
    assert "New task" in text(html) and "Cancel" in text(html) and "Create" in text(html)
    assert "We had some trouble connecting" in text(html)
    no_submit = modal_html({"title": plain("Notice"), "blocks": []}, CTX, view_id="V2", stacked=True)
    assert "data-submit" not in no_submit and "Back" in text(no_submit)


def test_message_author_time_ephemeral_and_edited() -> None:
    message = {"ts": "1797249600.000100", "channel": "C0KAM", "text": "<!here> *hi*", "edited": True}
    html = message_html(
        message, Author("U0KAMBOT", "KAM bot", is_app=True), CTX, tz="Europe/Berlin", ephemeral=True
    )
    assert_inert(html)
    where = json.loads(one(html, "div", **{"data-ts": "1797249600.000100"})["data-where"] or "")
    assert where == {"kind": "ephemeral", "channel": "C0KAM", "ts": "1797249600.000100"}
    assert "Only visible to you" in text(html) and "APP" in text(html) and "(edited)" in text(html)
    assert "1:00 PM" in text(html)  # 12:00 UTC in Berlin
    with_blocks = message_html(
        {
            "ts": "1.0",
            "channel": "C",
            "text": "fallback",
            "blocks": [{"type": "section", "text": md("from blocks")}],
        },
        Author("U0BOB", "Bob <Brandt>"),
        CTX,
    )
    assert "from blocks" in text(with_blocks) and "fallback" not in text(with_blocks)
    assert "Bob <Brandt>" in text(with_blocks)


def test_home_and_helpers() -> None:
    html = home_html([{"type": "header", "text": plain("Good morning, Bob")}], CTX)
    assert json.loads(one(html, "div", **{"class": "home"})["data-where"] or "") == {"kind": "home"}
    assert blocks_html(["not a block", {"type": "divider"}], CTX).count("<hr") == 1
    assert clock("not a ts") == "" and clock("0", "No/Such_Zone") == "12:00 AM"


def test_hostile_block_content_stays_inert() -> None:
    hostile = '"><script>alert(1)</script><img src=x onerror=alert(1)>'
    blocks = [
        {"type": "header", "block_id": hostile, "text": plain(hostile)},
        {
            "type": "section",
            "text": md(hostile),
            "accessory": {"type": "button", "action_id": hostile, "value": hostile, "text": plain(hostile)},
        },
        {
            "type": "actions",
            "elements": [{"type": "static_select", "action_id": "s", "options": [opt(hostile, hostile)]}],
        },
        input_block(
            {
                "type": "plain_text_input",
                "action_id": "t",
                "placeholder": plain(hostile),
                "initial_value": hostile,
            }
        ),
        {"type": "image", "image_url": "javascript:alert(1)", "alt_text": hostile},
    ]
    html = blocks_html(blocks, CTX)
    assert_inert(html)
    assert "<script" not in html and "<img" not in html
