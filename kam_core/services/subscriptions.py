"""Digest subscriptions (DG-n): a channel's sprint digest or objective rollup at a local time."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kam_core.actor import Actor
from kam_core.audit import capture, record_event
from kam_core.enums import DigestKind, Role, ScopeType, Visibility
from kam_core.errors import InvalidInput, NotAllowed
from kam_core.models import BusinessObjective, DigestSubscription, Member, Plan, Sprint, Territory, utcnow
from kam_core.permissions import can_view_plan, require_view_plan
from kam_core.schemas import SubscriptionCreate, parse
from kam_core.services.common import by_ref, new_record, resolve_member, territory_named

FIELDS = ("channel_id", "kind", "scope_type", "scope_id", "local_time", "timezone", "weekdays", "active")
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def weekdays_mask(days: list[int]) -> int:
    mask = 0
    for d in days:
        mask |= 1 << d
    return mask


def weekdays_list(mask: int) -> list[int]:
    return [d for d in range(7) if mask & (1 << d)]


def weekdays_text(mask: int) -> str:
    days = weekdays_list(mask)
    if days == list(range(7)):
        return "every day"
    if days == list(range(5)):
        return "weekdays"
    return ", ".join(DAY_NAMES[d] for d in days)


def resolve_scope(session: Session, actor: Actor, scope_type: ScopeType, scope: str) -> int:
    """The id of the record a subscription covers, after checking the actor may see it."""
    if scope_type is ScopeType.SPRINT:
        return by_ref(session, actor, Sprint, scope, "scope").id
    if scope_type is ScopeType.PLAN:
        plan = by_ref(session, actor, Plan, scope, "scope")
        require_view_plan(session, actor, plan)
        if plan.visibility is Visibility.PRIVATE:
            raise InvalidInput.one(
                "scope",
                f"{plan.ref} is a private plan: its digest would show it to everyone in the channel. "
                "Only its owner, its participants and admins may see it.",
            )
        return plan.id
    if scope_type is ScopeType.BUSINESS_OBJECTIVE:
        return by_ref(session, actor, BusinessObjective, scope, "scope").id
    if scope_type is ScopeType.TERRITORY:
        return territory_named(session, actor, scope, "scope").id
    return resolve_member(session, actor, scope, "scope").id


def subscribe(
    *, session: Session, actor: Actor, data: SubscriptionCreate | dict[str, Any]
) -> DigestSubscription:
    if actor.role is Role.VIEWER:
        raise NotAllowed("Viewers cannot subscribe channels to digests; ask a KAM or your manager.")
    data = data if isinstance(data, SubscriptionCreate) else parse(SubscriptionCreate, data)
    if data.kind is DigestKind.SPRINT and data.scope_type not in (ScopeType.SPRINT, ScopeType.MEMBER):
        raise InvalidInput.one("scope_type", "a sprint digest covers a sprint or a member's work")
    scope_id = resolve_scope(session, actor, data.scope_type, data.scope)
    subscription = new_record(
        session,
        actor,
        DigestSubscription(
            channel_id=data.channel_id,
            kind=data.kind,
            scope_type=data.scope_type,
            scope_id=scope_id,
            local_time=data.local_time,
            timezone=data.timezone,
            weekdays=weekdays_mask(data.weekdays),
            created_by_id=actor.id,
            active=True,
        ),
    )
    record_event(session, actor, "created", subscription, after=capture(subscription, FIELDS))
    return subscription


def list_subscriptions(
    *, session: Session, actor: Actor, channel_id: str | None = None
) -> list[DigestSubscription]:
    stmt = select(DigestSubscription).where(DigestSubscription.workspace_id == actor.workspace_id)
    if channel_id:
        stmt = stmt.where(DigestSubscription.channel_id == channel_id)
    return list(session.scalars(stmt.order_by(DigestSubscription.number)))


def get_subscription(*, session: Session, actor: Actor, ref: str) -> DigestSubscription:
    return by_ref(session, actor, DigestSubscription, ref, "subscription")


def unsubscribe(*, session: Session, actor: Actor, ref: str) -> DigestSubscription:
    subscription = get_subscription(session=session, actor=actor, ref=ref)
    if not actor.is_admin and subscription.created_by_id != actor.id and actor.role is not Role.MANAGER:
        raise NotAllowed(
            f"Only the person who created {subscription.ref} (<@{subscription.created_by.slack_user_id}>), "
            "managers and admins can remove it."
        )
    before = capture(subscription, FIELDS)
    subscription.active = False
    subscription.paused_reason = "unsubscribed"
    subscription.paused_at = utcnow()
    record_event(
        session, actor, "unsubscribed", subscription, before=before, after=capture(subscription, FIELDS)
    )
    return subscription


def resume(*, session: Session, actor: Actor, ref: str) -> DigestSubscription:
    subscription = get_subscription(session=session, actor=actor, ref=ref)
    if actor.role is Role.VIEWER:
        raise NotAllowed("Viewers cannot resume digests.")
    before = capture(subscription, FIELDS)
    subscription.active, subscription.paused_reason, subscription.paused_at = True, None, None
    record_event(session, actor, "resumed", subscription, before=before, after=capture(subscription, FIELDS))
    return subscription


def require_view_scope(session: Session, actor: Actor, subscription: DigestSubscription) -> None:
    """Refused when the reader may not see what the subscription covers (a private plan)."""
    if subscription.scope_type is ScopeType.PLAN:
        plan = session.scalars(
            select(Plan).where(Plan.workspace_id == actor.workspace_id, Plan.id == subscription.scope_id)
        ).one_or_none()
        if plan is not None:
            require_view_plan(session, actor, plan)


def scope_label(session: Session, reader: Actor, subscription: DigestSubscription) -> str:
    """What a subscription covers, in plain words for `reader` (user text: escape it for mrkdwn):
    "SPR-4 Oncology sprint 12", "territory Berlin", "Bob Brandt's work"; a private plan the reader may
    not see is "AP-4 (a private plan)"."""
    kind, scope_id = subscription.scope_type, subscription.scope_id
    model: Any = {
        ScopeType.SPRINT: Sprint,
        ScopeType.PLAN: Plan,
        ScopeType.BUSINESS_OBJECTIVE: BusinessObjective,
        ScopeType.TERRITORY: Territory,
        ScopeType.MEMBER: Member,
    }[kind]
    record = session.scalars(
        select(model).where(model.workspace_id == reader.workspace_id, model.id == scope_id)
    ).one_or_none()
    if record is None:
        return f"a deleted {kind.label.lower()}"
    if kind is ScopeType.TERRITORY:
        return f"territory {record.name}"
    if kind is ScopeType.MEMBER:
        return f"{record.name or record.slack_user_id}'s work"
    if kind is ScopeType.PLAN and not can_view_plan(session, reader.member, record):
        return f"{record.ref} (a private plan)"
    return f"{record.ref} {record.name}"
