"""`/kam export REF` over signed requests: the CSV is uploaded once to the user's DM with the bot (through
slack_sdk's files_upload_v2 against slackemu), the user gets an ephemeral note, and refusals upload
nothing."""

from __future__ import annotations

import csv
import io
from datetime import date

from sqlalchemy import select

from kam_core.actor import Actor
from kam_core.db import session_scope
from kam_core.exports import export_csv
from kam_core.models import Member
from slackemu import Message
from tests.slack.conftest import SlackEnv
from tests.slack.support import CHANNEL, answer_text, ask, workspace_id


def shared_files(slack: SlackEnv, user: str) -> list[Message]:
    dm = slack.emu.im_channel(user)
    return [m for m in slack.emu.messages(dm) if m.files] if dm else []


def expected_csv(slack: SlackEnv, user: str, ref: str, day: date) -> str:
    ws = workspace_id(slack)
    with session_scope(slack.session_factory) as session:
        member = session.scalars(
            select(Member).where(Member.workspace_id == ws, Member.slack_user_id == user)
        ).one()
        return export_csv(session, Actor(member), ref, day)[1]


def uploads(slack: SlackEnv) -> int:
    return len(slack.emu.calls_to("files.getUploadURLExternal"))


def test_export_uploads_the_csv_to_the_dm_and_answers_ephemerally(slack: SlackEnv) -> None:
    answer = ask(slack, "U0BOB", "export ap-1")
    text = answer_text(answer)
    assert answer.source == "response_url"
    assert "I sent *AP-1* Charité Oncology 2027 to you as a CSV (15 rows)" in text
    assert "see your DM with KAM bot" in text
    (message,) = shared_files(slack, "U0BOB")
    (shared,) = message.files
    assert shared["name"].startswith("AP-1-charite-oncology-2027-") and shared["mimetype"] == "text/csv"
    assert shared["title"] == "AP-1 · Charité Oncology 2027"
    assert "*AP-1* Charité Oncology 2027" in message.text and "15 rows" in message.text
    file = slack.emu.file(shared["id"])
    assert file is not None and file.data is not None and file.channels == [message.channel]
    assert shared["size"] == len(file.data)
    day = date.fromisoformat(file.name.removesuffix(".csv")[-10:])  # the user's today (Europe/Berlin)
    assert file.data.decode("utf-8") == expected_csv(slack, "U0BOB", "AP-1", day)
    rows = list(csv.DictReader(io.StringIO(file.data.decode("utf-8-sig"), newline="")))
    assert len(rows) == 15 and {r["Plan"] for r in rows} == {"AP-1"}
    assert uploads(slack) == 1 and len(slack.emu.calls_to("files.completeUploadExternal")) == 1
    assert not slack.emu.messages(CHANNEL)  # nothing in the channel where the command was typed


def test_a_viewer_exports_a_workspace_visible_plan(slack: SlackEnv) -> None:
    text = answer_text(ask(slack, "U0DAN", "export TP-1"))
    assert "I sent *TP-1* Berlin Territory Plan 2027 to you as a CSV" in text
    (message,) = shared_files(slack, "U0DAN")
    file = slack.emu.file(message.files[0]["id"])
    assert file is not None and file.data is not None and b"Vivantes onboarding" in file.data


def test_a_business_objective_export_hides_a_private_plans_objective(slack: SlackEnv) -> None:
    assert "I sent *BO-1*" in answer_text(ask(slack, "U0CAROL", "export BO-1"))
    (message,) = shared_files(slack, "U0CAROL")
    file = slack.emu.file(message.files[0]["id"])
    assert file is not None and file.data is not None
    assert b"(an objective in a private plan)" in file.data and b"Tender readiness" not in file.data


def test_a_private_plan_is_refused_to_a_non_participant_and_nothing_is_uploaded(slack: SlackEnv) -> None:
    text = answer_text(ask(slack, "U0CAROL", "export AP-4"))
    assert "AP-4 is a private plan" in text and "Rigshospitalet" not in text
    assert uploads(slack) == 0 and not shared_files(slack, "U0CAROL")


def test_unknown_and_wrong_references_answer_with_not_found_or_usage(slack: SlackEnv) -> None:
    assert "Account plan AP-99 was not found" in answer_text(ask(slack, "U0BOB", "export AP-99"))
    wrong = answer_text(ask(slack, "U0BOB", "export OBJ-1"))
    assert "is not a AP-… or TP-… or SPR-… or BO-… reference" in wrong and "/kam export AP-12" in wrong
    assert "Which one?" in answer_text(ask(slack, "U0BOB", "export"))
    assert uploads(slack) == 0 and not shared_files(slack, "U0BOB")


def test_a_refused_upload_is_told_to_the_user(slack: SlackEnv) -> None:
    slack.emu.fail_next("files.completeUploadExternal", "not_in_channel")
    text = answer_text(ask(slack, "U0BOB", "export SPR-1"))
    assert "I could not send you *SPR-1* Oncology sprint 12 as a CSV" in text
    assert "not_in_channel" in text and "I sent" not in text
    assert not shared_files(slack, "U0BOB")
    assert "I sent *SPR-1*" in answer_text(ask(slack, "U0BOB", "export SPR-1"))  # a retry works
    assert len(shared_files(slack, "U0BOB")) == 1
