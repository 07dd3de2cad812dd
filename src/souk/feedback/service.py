"""Seller feedback use cases: leave feedback on an order, the seller's public
reply and removal requests, staff moderation, a seller's ratings and
feedback list, and the negative feedback that counts as an order defect.

Use cases that change something commit their own transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from souk.core.clock import Clock
from souk.core.errors import InvalidInput, InvalidState, NotFound
from souk.core.events import emit
from souk.core.policy import FeedbackPolicy, default_policy
from souk.feedback import rules
from souk.feedback.models import SellerFeedback
from souk.feedback.rules import SellerRating
from souk.orders.models import Order
from souk.orders.service import buyer_order
from souk.returns.rules import NEGATIVE_FEEDBACK, OrderDefect

#: Feedback that counts against the seller (not struck through, not removed).
COUNTED_AS_DEFECT = (rules.PUBLISHED, rules.HELD)


def feedback_policy(marketplace: str) -> FeedbackPolicy:
    return default_policy().for_marketplace(marketplace).feedback


def order_feedback(session: Session, order_id: str) -> SellerFeedback | None:
    return session.get(SellerFeedback, order_id)


def feedback_eligibility(session: Session, clock: Clock, order: Order) -> rules.Eligibility:
    return rules.feedback_eligibility(
        order_status=order.status,
        delivered_at=order.delivered_at,
        now=clock.now(),
        window_days=feedback_policy(order.marketplace).window_days,
        already_left=order_feedback(session, order.id) is not None,
    )


def leave_feedback(
    session: Session,
    clock: Clock,
    *,
    buyer_id: int,
    order_id: str,
    stars: str | int,
    comment: str,
    on_time: str | bool | None = None,
    as_described: str | bool | None = None,
) -> SellerFeedback:
    """The buyer rates the seller, once per order, within the window; the
    removal rules decide at once whether it is published, held or struck."""
    order = buyer_order(session, buyer_id, order_id)
    policy = feedback_policy(order.marketplace)
    state = feedback_eligibility(session, clock, order)
    if not state.allowed:
        raise InvalidInput(state.reason, field="stars")
    draft = rules.check_draft(stars, comment, on_time, as_described, policy)
    platform = order.fulfillment_channel == "PLATFORM"
    reasons = rules.removal_reasons(draft, platform, policy)
    now = clock.now()
    feedback = SellerFeedback(
        order_id=order.id,
        buyer_id=buyer_id,
        seller_id=order.seller_id,
        marketplace=order.marketplace,
        stars=draft.stars,
        comment=draft.comment,
        on_time=draft.on_time,
        as_described=draft.as_described,
        status=rules.status_on_submission(reasons),
        status_reasons="; ".join(reasons),
        platform_fulfilled=platform,
        left_at=now,
    )
    session.add(feedback)
    emit(
        session,
        "feedback.left",
        order.seller_id,
        {
            "order_id": order.id,
            "seller_id": order.seller_id,
            "marketplace": order.marketplace,
            "stars": draft.stars,
            "status": feedback.status,
        },
        now,
    )
    session.commit()
    return feedback


def _sellers_feedback(session: Session, seller_id: str, order_id: str) -> SellerFeedback:
    feedback = session.get(SellerFeedback, order_id)
    if feedback is None or feedback.seller_id != seller_id:
        raise NotFound(f"No feedback on order {order_id}.", field="order_id")
    return feedback


def reply(
    session: Session, clock: Clock, *, seller_id: str, order_id: str, text: str
) -> SellerFeedback:
    """The seller's one public reply."""
    feedback = _sellers_feedback(session, seller_id, order_id)
    policy = feedback_policy(feedback.marketplace)
    feedback.reply = rules.check_reply(text, feedback.reply, feedback.status, policy)
    feedback.replied_at = clock.now()
    session.commit()
    return feedback


def request_removal(
    session: Session, clock: Clock, *, seller_id: str, order_id: str, reason: str
) -> SellerFeedback:
    """The seller asks staff to remove feedback that breaks a removal rule."""
    feedback = _sellers_feedback(session, seller_id, order_id)
    policy = feedback_policy(feedback.marketplace)
    feedback.removal_reason = rules.check_removal_request(
        reason, feedback.status, feedback.removal_status, policy
    )
    feedback.removal_status = rules.REQUEST_OPEN
    feedback.removal_requested_at = clock.now()
    session.commit()
    return feedback


def moderation_queue(session: Session, limit: int = 100) -> list[SellerFeedback]:
    """Feedback held by the rules, and feedback a seller asked to remove."""
    return list(
        session.scalars(
            select(SellerFeedback)
            .where(
                (SellerFeedback.status == rules.HELD)
                | (SellerFeedback.removal_status == rules.REQUEST_OPEN)
            )
            .order_by(SellerFeedback.left_at)
            .limit(limit)
        )
    )


def moderate(
    session: Session, clock: Clock, *, staff_id: int, order_id: str, remove: bool, note: str = ""
) -> SellerFeedback:
    """Staff remove the feedback, or keep it (publishing held feedback and
    refusing an open removal request)."""
    feedback = session.get(SellerFeedback, order_id)
    if feedback is None:
        raise NotFound(f"No feedback on order {order_id}.", field="order_id")
    if feedback.status != rules.HELD and feedback.removal_status != rules.REQUEST_OPEN:
        raise InvalidState("This feedback is not waiting for a decision.")
    now = clock.now()
    if remove:
        feedback.status = rules.REMOVED
        if feedback.removal_status == rules.REQUEST_OPEN:
            feedback.removal_status = rules.REQUEST_GRANTED
    else:
        if feedback.status == rules.HELD:
            feedback.status = rules.PUBLISHED
        if feedback.removal_status == rules.REQUEST_OPEN:
            feedback.removal_status = rules.REQUEST_REFUSED
    feedback.moderated_at = now
    feedback.moderated_by = staff_id
    feedback.moderation_note = note.strip()
    emit(
        session,
        "feedback.moderated",
        feedback.seller_id,
        {
            "order_id": feedback.order_id,
            "seller_id": feedback.seller_id,
            "marketplace": feedback.marketplace,
            "status": feedback.status,
        },
        now,
    )
    session.commit()
    return feedback


# --- reads -----------------------------------------------------------------------


def seller_ratings(
    session: Session, seller_ids: Collection[str], marketplace: str, now: datetime
) -> dict[str, SellerRating]:
    """Every requested seller's ratings from published feedback (one query)."""
    ids = list(dict.fromkeys(seller_ids))
    if not ids:
        return {}
    entries: dict[str, list[tuple[int, datetime]]] = defaultdict(list)
    for seller_id, stars, left_at in session.execute(
        select(SellerFeedback.seller_id, SellerFeedback.stars, SellerFeedback.left_at).where(
            SellerFeedback.seller_id.in_(ids),
            SellerFeedback.marketplace == marketplace,
            SellerFeedback.status == rules.PUBLISHED,
            SellerFeedback.left_at <= now,
        )
    ):
        entries[seller_id].append((stars, left_at))
    recent = feedback_policy(marketplace).recent_days
    return {i: rules.seller_rating(entries.get(i, []), now, recent) for i in ids}


def negative_feedback(
    session: Session,
    seller_ids: Collection[str],
    marketplace: str,
    since: datetime,
    until: datetime,
) -> list[OrderDefect]:
    """1-2 star feedback left in [since, until) that was not struck or removed."""
    ids = list(seller_ids)
    if not ids:
        return []
    rows = session.execute(
        select(SellerFeedback.order_id, SellerFeedback.seller_id, SellerFeedback.left_at)
        .where(
            SellerFeedback.seller_id.in_(ids),
            SellerFeedback.marketplace == marketplace,
            SellerFeedback.stars <= 2,
            SellerFeedback.status.in_(COUNTED_AS_DEFECT),
            SellerFeedback.left_at >= since,
            SellerFeedback.left_at < until,
        )
        .order_by(SellerFeedback.left_at, SellerFeedback.order_id)
    ).all()
    return [OrderDefect(o, s, marketplace, NEGATIVE_FEEDBACK, at) for o, s, at in rows]


@dataclass(frozen=True)
class FeedbackPage:
    entries: list[SellerFeedback]
    more: bool


def seller_feedback(
    session: Session,
    seller_id: str,
    marketplace: str | None,
    *,
    statuses: Collection[str] = rules.SHOWN,
    days: int | None = None,
    now: datetime | None = None,
    limit: int = 20,
    offset: int = 0,
) -> FeedbackPage:
    """A seller's feedback, newest first (the store page shows what is shown;
    Seller Central shows everything)."""
    query = select(SellerFeedback).where(SellerFeedback.seller_id == seller_id)
    if marketplace:
        query = query.where(SellerFeedback.marketplace == marketplace)
    if statuses:
        query = query.where(SellerFeedback.status.in_(list(statuses)))
    if days is not None and now is not None:
        query = query.where(SellerFeedback.left_at >= now - timedelta(days=days))
    rows = list(
        session.scalars(
            query.order_by(SellerFeedback.left_at.desc(), SellerFeedback.order_id)
            .limit(limit + 1)
            .offset(offset)
        )
    )
    return FeedbackPage(rows[:limit], len(rows) > limit)
