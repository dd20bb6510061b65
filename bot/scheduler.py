"""APScheduler is the clock only: one tick job per process (UTC, coalesced, one instance at a time).
The tick logic lives in kam_core.digests.tick; this module wires it to Slack."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger
from slack_sdk import WebClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.publisher import ChannelPacer, SlackPublisher, digest_client
from kam_core.config import Settings
from kam_core.db import session_scope
from kam_core.digests.content import build_digest
from kam_core.digests.runs import last_posted
from kam_core.digests.tick import DigestJob, TickOptions, TickReport, run_tick
from kam_core.models import DigestSubscription, Member, Workspace

log = logging.getLogger("kam.scheduler")
JOB_ID = "kam-digest-tick"


def tick_options(settings: Settings) -> TickOptions:
    return TickOptions(
        window=timedelta(hours=settings.kam_digest_catchup_hours),
        stale_after=timedelta(minutes=settings.kam_digest_stale_claim_minutes),
    )


def publisher_for(settings: Settings, client: WebClient | None = None) -> SlackPublisher:
    """The digest publisher. Its client never re-sends a request by itself (a chat.postMessage that failed
    on the connection may have been posted): a given client is copied without its retry handlers."""
    if client is None:
        if not settings.slack_bot_token:
            raise RuntimeError("SLACK_BOT_TOKEN is not set: digests need a bot token and SLACK_API_URL")
        client = digest_client(settings.slack_bot_token, settings.slack_api_url)
    return SlackPublisher(client, ChannelPacer())


def tick_once(
    settings: Settings,
    session_factory: sessionmaker[Session],
    publisher: SlackPublisher,
    at: datetime | None = None,
    workspace_ids: set[int] | None = None,
) -> TickReport:
    options = tick_options(settings)
    options.workspace_ids = workspace_ids
    report = run_tick(session_factory, publisher, at or datetime.now(UTC), options)
    for line in report.lines:
        log.info("digest %s", line.text())
    return report


def _scheduler(
    kind: type[Any], settings: Settings, session_factory: sessionmaker[Session], publisher: SlackPublisher
) -> Any:
    scheduler = kind(
        timezone=UTC,
        job_defaults={
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": int(settings.kam_tick_seconds),
        },
    )

    def tick() -> None:
        try:
            tick_once(settings, session_factory, publisher)
        except Exception:
            log.exception("digest tick failed")

    scheduler.add_job(
        tick,
        IntervalTrigger(seconds=settings.kam_tick_seconds, timezone=UTC),
        id=JOB_ID,
        next_run_time=datetime.now(UTC),
        replace_existing=True,
    )
    return scheduler


def start_for_bot(
    settings: Settings, session_factory: sessionmaker[Session], bot: Any
) -> BackgroundScheduler:
    """Run the tick in the background of a bot process (`kam-bot` does this by default)."""
    client = digest_client(bot.app.client.token, bot.app.client.base_url)
    scheduler: BackgroundScheduler = _scheduler(
        BackgroundScheduler, settings, session_factory, publisher_for(settings, client)
    )
    scheduler.start()
    log.info("digest scheduler started: a tick every %ss", settings.kam_tick_seconds)
    return scheduler


def run_forever(settings: Settings, session_factory: sessionmaker[Session]) -> None:
    """`kam scheduler`: the tick alone, for deployments that run it apart from the bot."""
    scheduler: BlockingScheduler = _scheduler(
        BlockingScheduler, settings, session_factory, publisher_for(settings)
    )
    log.info("digest scheduler running: a tick every %ss (Ctrl-C to stop)", settings.kam_tick_seconds)
    scheduler.start()


def run_digests_now(
    settings: Settings, session_factory: sessionmaker[Session], client: WebClient
) -> list[str]:
    """Post every active subscription's digest right now, outside its schedule (the sandbox's "Run digests
    now"). These manual posts are not the daily run: the scheduled digest still comes at its time."""
    publisher = publisher_for(settings, client)
    now = datetime.now(UTC)
    lines: list[str] = []
    with session_scope(session_factory) as session:
        subs = list(session.scalars(select(DigestSubscription).where(DigestSubscription.active.is_(True))))
        for sub in subs:
            team = session.scalar(select(Workspace.team_id).where(Workspace.id == sub.workspace_id)) or "?"
            local_date = now.astimezone(ZoneInfo(sub.timezone)).date()
            digest = build_digest(
                session, sub, local_date, last_posted(session, sub.workspace_id, sub.id, local_date)
            )
            creator = session.get(Member, sub.created_by_id)
            job = DigestJob(
                sub.workspace_id,
                team,
                sub.id,
                sub.ref,
                sub.channel_id,
                None,
                local_date,
                digest,
                creator.slack_user_id if creator else "",
            )
            result = publisher.publish(job)
            outcome = "posted" if result.ok else f"failed: {result.error}"
            lines.append(f"{sub.ref} #{sub.channel_id}: {outcome}")
    return lines
