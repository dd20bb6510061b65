"""However large a digest, every message stays inside Slack's limits — the block count, 3,000 characters a
section and the message's text budget (msg_blocks_too_long) — and nothing is cut off silently."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select, update

from bot.blocks.common import Card
from bot.blocks.digest import messages
from bot.blocks.limits import LIMITS, check_message
from bot.text import esc
from kam_core.db import session_scope
from kam_core.digests.content import RollupDigest, RollupRow, SprintDigest
from kam_core.enums import DigestKind, MeasureUnit, ScopeType, TaskStatus
from kam_core.models import Account, DigestSubscription, Member, Objective, Plan, Territory
from kam_core.rollup import Measure, Node
from kam_core.views import TaskRow
from slackemu.blocks import text_length, validate_message
from tests.core.support import bulk_plan
from tests.digests.conftest import NINE_BERLIN, TODAY, DigestEnv

NASTY = ("R&D <Oncology> " * 14)[:200]  # 200 characters that grow when escaped (& -> &amp; ...)


def fits(cards: list[Card]) -> str:
    """Assert every message fits (our checker and the fake Slack's); the text of all of them."""
    for card in cards:
        blocks, text = card.blocks, card.text
        assert check_message(blocks, text) == [], check_message(blocks, text)
        assert validate_message(text, blocks) is None
        assert text_length(blocks) <= LIMITS["message_chars"]
        for block in blocks:
            if block.get("type") == "section":
                assert len(block["text"]["text"]) <= LIMITS["section_text"]
                assert not block["text"]["text"].endswith("…")  # never cut by md()
    return "\n".join(str(card.blocks) for card in cards)


def test_a_huge_rollup_digest_is_split_by_characters() -> None:
    digest = RollupDigest(f"{NASTY} — objectives rollup", TODAY)
    for p in range(60):
        plan = Node("plan", p, f"AP-{p + 1}", NASTY, "in_progress", 1.0, percent=40.0 + p % 50)
        digest.rows.append(RollupRow(plan, 0, 1.5))
        for o in range(4):
            measure = Measure(MeasureUnit.CURRENCY, Decimal(1_000_000), Decimal(250_000), currency="EUR")
            objective = Node(
                "objective",
                p * 4 + o,
                f"OBJ-{p * 4 + o + 1}",
                NASTY,
                "in_progress",
                1.0,
                25.0,
                measure=measure,
            )
            digest.rows.append(RollupRow(objective, 1, -2.0))
    digest.movers = digest.rows[:5]
    cards = messages(digest, "DG-9")
    assert len(cards) >= 3  # ~60 kB of escaped text: several messages, the rest in the thread
    everything = fits(cards)
    for row in digest.rows:  # every line made it, whole
        assert f"*{row.node.ref}* {esc(NASTY[:69])}" in everything
    sections = [b["text"]["text"] for c in cards for b in c.blocks if b["type"] == "section"]
    assert not any("<Oncology>" in text for text in sections)  # escaped in mrkdwn (the header is plain)


def _row(n: int, status: TaskStatus, member: Member | None, due_days: int) -> TaskRow:
    return TaskRow(
        n, f"TSK-{n}", NASTY, status, 1, member, TODAY + timedelta(days=due_days),
        f"TAC-{n}", NASTY, "OBJ-1", "AP-1", NASTY, blocked_reason=NASTY, stakeholder=NASTY,
    )  # fmt: skip


def test_a_huge_sprint_digest_is_split_by_characters() -> None:
    bob = Member(id=2, workspace_id=1, slack_user_id="U0BOB", name="Bob")
    digest = SprintDigest(f"SPR-1 · {NASTY}", "SPR-1", None, TODAY, since="since yesterday")
    digest.due_today = [_row(n, TaskStatus.BLOCKED, bob, 0) for n in range(60)]
    digest.overdue = [_row(100 + n, TaskStatus.IN_PROGRESS, None, -3) for n in range(60)]
    digest.done_since = [_row(200 + n, TaskStatus.COMPLETED, bob, 0) for n in range(60)]
    digest.blocked, digest.unassigned = digest.due_today, digest.overdue
    digest.load = [("U0BOB", 60), (None, 60)]
    cards = messages(digest, "DG-9")
    assert len(cards) >= 3
    everything = fits(cards)
    assert "*Blocked* (60)" in everything and "*Unassigned* (60)" in everything
    assert everything.count("+54 more") == 3  # done, blocked and unassigned lists, none cut
    assert everything.count("'action_id': 'task_done'") == 60  # 30 due today + 30 overdue with buttons


def test_a_large_territory_rollup_is_posted(digest_env: DigestEnv) -> None:
    with session_scope(digest_env.session_factory) as session:
        ws = digest_env.workspace_id
        berlin = session.scalars(
            select(Territory).where(Territory.workspace_id == ws, Territory.name == "Berlin")
        ).one()
        account = session.scalars(
            select(Account.id).where(Account.workspace_id == ws, Account.territory_id == berlin.id)
        ).first()
        alice = session.scalars(
            select(Member).where(Member.workspace_id == ws, Member.slack_user_id == "U0ALICE")
        ).one()
        assert account is not None
        for _ in range(60):
            period = (TODAY - timedelta(days=30), TODAY + timedelta(days=300))
            plan = bulk_plan(
                session, workspace_id=ws, owner_id=alice.id, account_id=account, period=period,
                objectives=4, tactics=1, tasks=2,
            )  # fmt: skip
            session.execute(update(Plan).where(Plan.id == plan.id).values(name=NASTY))
            session.execute(update(Objective).where(Objective.plan_id == plan.id).values(name=NASTY))
        session.execute(
            update(DigestSubscription).where(DigestSubscription.workspace_id == ws).values(active=False)
        )
        session.add(
            DigestSubscription(
                workspace_id=ws, number=50, channel_id="C0KAMTEAM", kind=DigestKind.ROLLUP,
                scope_type=ScopeType.TERRITORY, scope_id=berlin.id, local_time="09:00",
                timezone="Europe/Berlin", weekdays=0b1111111, created_by_id=alice.id,
                created_at=NINE_BERLIN - timedelta(hours=7),
            )
        )  # fmt: skip
    report = digest_env.tick(NINE_BERLIN)
    assert report.count("posted") == 1, report.text()
    calls = digest_env.emu.calls_to("chat.postMessage")
    assert len(calls) >= 3 and all(c.status == 200 and c.response["ok"] for c in calls)
    first_ts = calls[0].response["ts"]
    assert all(c.params.get("thread_ts") == first_ts for c in calls[1:])
