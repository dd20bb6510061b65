"""Digest subscriptions from Slack: the subscribe modal (errors under their fields), list, preview,
unsubscribe and the Resume button of a paused digest — through the real Bolt app."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from bot.publisher import SlackPublisher
from kam_core.db import session_scope
from kam_core.digests.content import RollupDigest
from kam_core.digests.tick import DigestJob
from kam_core.models import DigestSubscription, Workspace
from tests.slack.conftest import SlackEnv


def _subscriptions(env: SlackEnv) -> list[DigestSubscription]:
    with session_scope(env.session_factory) as session:
        ws = session.scalars(select(Workspace.id).where(Workspace.team_id == env.team_id)).one()
        return list(
            session.scalars(
                select(DigestSubscription)
                .where(DigestSubscription.workspace_id == ws)
                .order_by(DigestSubscription.number)
            )
        )


def _latest_ephemeral(env: SlackEnv, user: str, count: int, channel: str = "C0KAMTEAM") -> object:
    return env.emu.wait_for(
        lambda: len(env.emu.ephemerals(channel, user)) > count and env.emu.ephemerals(channel, user)[-1]
    )


def test_subscribe_modal_keeps_input_and_shows_errors_then_subscribes(slack: SlackEnv) -> None:
    emu = slack.emu
    slack.command("U0BOB", "digest subscribe", channel="C0GENERAL")
    modal = emu.wait_for(lambda: emu.open_views("U0BOB"))[-1]
    assert modal.callback_id == "digest_subscribe"
    timezone_input = str(modal.blocks)
    assert "Europe/Berlin" in timezone_input  # defaults to the subscriber's Slack time zone
    bad = emu.submit_view_inputs(
        "U0BOB", modal.id, {"scope": "sprint:SPR-1", "timezone": "Mars/Olympus_Mons", "local_time": "07:45"}
    )
    assert bad.status == 200
    view = emu.view(modal.id)
    assert view is not None and not view.closed
    assert "IANA time zone" in view.errors.get("timezone", "")
    assert len(_subscriptions(slack)) == 2  # nothing written
    before = len(emu.ephemerals("C0GENERAL", "U0BOB"))
    good = emu.submit_view_inputs("U0BOB", modal.id, {"timezone": "America/New_York"})
    assert good.status == 200 and not emu.open_views("U0BOB")
    subs = _subscriptions(slack)
    assert len(subs) == 3
    new = subs[-1]
    assert (new.channel_id, new.local_time, new.timezone, new.weekdays) == (
        "C0GENERAL",
        "07:45",
        "America/New_York",
        0b0011111,
    )
    note = _latest_ephemeral(slack, "U0BOB", before, "C0GENERAL")
    assert "DG-3" in note.text and "07:45 America/New_York" in note.text  # type: ignore[attr-defined]


def test_digest_list_preview_and_unsubscribe(slack: SlackEnv) -> None:
    emu = slack.emu
    count = len(emu.ephemerals("C0KAMTEAM", "U0ALICE"))
    slack.command("U0ALICE", "digest list")
    listing = _latest_ephemeral(slack, "U0ALICE", count)
    assert "DG-1" in str(listing.blocks) and "09:00 Europe/Berlin" in str(listing.blocks)  # type: ignore[attr-defined]
    count += 1
    slack.command("U0ALICE", "digest preview DG-1")
    preview = _latest_ephemeral(slack, "U0ALICE", count)
    text = str(preview.blocks)  # type: ignore[attr-defined]
    assert "Preview of DG-1" in text and "SPR-1 · Oncology sprint 12" in text and "Burndown" in text
    assert emu.calls_to("chat.postMessage") == []  # a preview posts nothing to the channel
    count += 1
    slack.command("U0DAN", "digest unsubscribe DG-1")  # a viewer who did not create it
    refused = _latest_ephemeral(slack, "U0DAN", 0)
    assert "Only the person who created DG-1" in refused.text  # type: ignore[attr-defined]
    assert _subscriptions(slack)[0].active
    slack.command("U0ALICE", "digest unsubscribe DG-1")
    _latest_ephemeral(slack, "U0ALICE", count)
    assert not _subscriptions(slack)[0].active


def test_resume_button_on_the_pause_notice(slack: SlackEnv) -> None:
    with session_scope(slack.session_factory) as session:
        ws = session.scalars(select(Workspace.id).where(Workspace.team_id == slack.team_id)).one()
        sub = session.scalars(
            select(DigestSubscription).where(
                DigestSubscription.workspace_id == ws, DigestSubscription.number == 2
            )
        ).one()
        sub.paused_at, sub.paused_reason = datetime.now(UTC), "is_archived"
        job = DigestJob(
            ws,
            slack.team_id,
            sub.id,
            "DG-2",
            sub.channel_id,
            None,
            datetime.now(UTC).date(),
            RollupDigest("unused", datetime.now(UTC).date()),
            "U0ALICE",
        )
        SlackPublisher(slack.bot.app.client).paused(session, job, "is_archived")
    slack.bot.outbox.wake()
    dm = slack.emu.wait_for(
        lambda: slack.emu.im_channel("U0ALICE") and slack.emu.messages(slack.emu.im_channel("U0ALICE"))
    )[-1]
    assert "archived" in dm.text
    slack.emu.click_button("U0ALICE", dm, "digest_resume", value="DG-2")
    slack.emu.wait_for(lambda: _subscriptions(slack)[1].paused_at is None)
    assert _subscriptions(slack)[1].paused_reason is None
