"""Seller feedback use cases on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from souk.core.errors import InvalidInput, InvalidState, NotFound
from souk.core.events import OutboxEvent
from souk.feedback import rules
from souk.feedback import service as feedback
from souk.feedback.models import SellerFeedback
from tests import factories as f
from tests.returns import support as s


def _leave(rt, session, buyer, order, stars=5, comment="Fast shipping and a friendly seller", **kw):  # type: ignore[no-untyped-def]
    return feedback.leave_feedback(
        session,
        rt.clock,
        buyer_id=buyer.user.id,
        order_id=order.id,
        stars=stars,
        comment=comment,
        **kw,
    )


def _count(session) -> int:  # type: ignore[no-untyped-def]
    return int(session.scalar(select(func.count()).select_from(SellerFeedback)) or 0)


def test_feedback_once_per_order_within_90_days(rt, session) -> None:  # type: ignore[no-untyped-def]
    item = s.listing(rt, session)
    buyer = f.buyer(session, rt.clock)
    order = s.delivered_order(rt, session, buyer, item.offer)
    rt.clock.set(order.delivered_at + timedelta(days=90, seconds=1))
    with pytest.raises(InvalidInput, match="closes 90 days after delivery"):
        _leave(rt, session, buyer, order)
    session.rollback()
    assert _count(session) == 0
    rt.clock.set(order.delivered_at + timedelta(days=90))
    left = _leave(rt, session, buyer, order, on_time="yes", as_described="yes")
    assert left.status == rules.PUBLISHED and left.on_time is True
    with pytest.raises(InvalidInput, match="already left feedback"):
        _leave(rt, session, buyer, order, stars=1, comment="Changed my mind about them")
    session.rollback()
    assert _count(session) == 1
    [event] = session.scalars(select(OutboxEvent).where(OutboxEvent.topic == "feedback.left"))
    assert event.subject == item.seller.id and event.payload["stars"] == 5


def test_only_the_buyer_of_a_delivered_order_rates(rt, session) -> None:  # type: ignore[no-untyped-def]
    item = s.listing(rt, session)
    buyer = f.buyer(session, rt.clock)
    stranger = f.buyer(session, rt.clock)
    shipped = s.ship(rt, session, s.order(rt, session, buyer, item.offer))
    with pytest.raises(InvalidInput, match="once your order is delivered"):
        _leave(rt, session, buyer, shipped)
    session.rollback()
    with pytest.raises(NotFound):
        _leave(rt, session, stranger, shipped)
    session.rollback()
    assert _count(session) == 0


def test_rules_hold_or_strike_at_submission(rt, session) -> None:  # type: ignore[no-untyped-def]
    merchant = s.listing(rt, session)
    platform = s.listing(rt, session, channel="PLATFORM", shipping="0")
    buyer = f.buyer(session, rt.clock)
    rude = _leave(
        rt,
        session,
        buyer,
        s.delivered_order(rt, session, buyer, merchant.offer),
        stars=1,
        comment="Shit seller, avoid",
    )
    assert rude.status == rules.HELD and rules.OBSCENE in rude.status_reasons
    late = _leave(
        rt,
        session,
        buyer,
        s.delivered_order(rt, session, buyer, platform.offer),
        stars=1,
        comment="The delivery was late",
        on_time="no",
    )
    assert late.status == rules.STRUCK
    now = rt.clock.now()
    # Held feedback still counts as a defect until staff remove it; struck does not.
    defects = feedback.negative_feedback(
        session,
        [merchant.seller.id, platform.seller.id],
        "US",
        now - timedelta(days=60),
        now + timedelta(seconds=1),
    )
    assert [(d.order_id, d.kind) for d in defects] == [(rude.order_id, "negative_feedback")]
    ratings = feedback.seller_ratings(session, [merchant.seller.id, platform.seller.id], "US", now)
    assert ratings[merchant.seller.id].count_lifetime == 0  # held: not shown, not rated
    assert ratings[platform.seller.id].count_lifetime == 0


def test_reply_once_and_removal_on_request(rt, session) -> None:  # type: ignore[no-untyped-def]
    item = s.listing(rt, session)
    other = s.listing(rt, session)
    buyer = f.buyer(session, rt.clock)
    staff = f.buyer(session, rt.clock)
    order = s.delivered_order(rt, session, buyer, item.offer)
    _leave(rt, session, buyer, order, stars=2, comment="Slow to ship and no reply to my message")
    with pytest.raises(NotFound):
        feedback.reply(session, rt.clock, seller_id=other.seller.id, order_id=order.id, text="Hi")
    session.rollback()
    feedback.reply(
        session,
        rt.clock,
        seller_id=item.seller.id,
        order_id=order.id,
        text="Sorry, a storm closed our depot that week.",
    )
    with pytest.raises(InvalidState, match="already replied"):
        feedback.reply(session, rt.clock, seller_id=item.seller.id, order_id=order.id, text="More")
    session.rollback()
    feedback.request_removal(
        session,
        rt.clock,
        seller_id=item.seller.id,
        order_id=order.id,
        reason="Entirely a product review",
    )
    with pytest.raises(InvalidState, match="already asked"):
        feedback.request_removal(
            session,
            rt.clock,
            seller_id=item.seller.id,
            order_id=order.id,
            reason="Entirely a product review",
        )
    session.rollback()
    assert [q.order_id for q in feedback.moderation_queue(session)] == [order.id]
    now = rt.clock.now()
    window = (now - timedelta(days=60), now + timedelta(seconds=1))
    assert len(feedback.negative_feedback(session, [item.seller.id], "US", *window)) == 1
    kept = feedback.moderate(
        session,
        rt.clock,
        staff_id=staff.user.id,
        order_id=order.id,
        remove=False,
        note="It is about the seller's service.",
    )
    assert kept.status == rules.PUBLISHED and kept.removal_status == rules.REQUEST_REFUSED
    assert feedback.moderation_queue(session) == []
    with pytest.raises(InvalidState):
        feedback.moderate(session, rt.clock, staff_id=staff.user.id, order_id=order.id, remove=True)


def test_staff_removal_takes_feedback_out_of_ratings_and_defects(rt, session) -> None:  # type: ignore[no-untyped-def]
    item = s.listing(rt, session)
    buyer = f.buyer(session, rt.clock)
    staff = f.buyer(session, rt.clock)
    good = s.delivered_order(rt, session, buyer, item.offer)
    bad = s.delivered_order(rt, session, buyer, item.offer)
    _leave(rt, session, buyer, good, stars=5)
    _leave(rt, session, buyer, bad, stars=1, comment="The seller is a bastard")
    now = rt.clock.now()
    assert (
        feedback.seller_ratings(session, [item.seller.id], "US", now)[item.seller.id].count_12m == 1
    )
    feedback.moderate(session, rt.clock, staff_id=staff.user.id, order_id=bad.id, remove=True)
    window = (now - timedelta(days=60), now + timedelta(seconds=1))
    assert feedback.negative_feedback(session, [item.seller.id], "US", *window) == []
    rating = feedback.seller_ratings(session, [item.seller.id, "S-UNKNOWN"], "US", now)
    assert rating[item.seller.id].average_12m == 5.0
    assert rating[item.seller.id].positive_percent_12m == 100.0
    assert rating["S-UNKNOWN"] == rules.NO_RATING
    page = feedback.seller_feedback(session, item.seller.id, "US")
    assert [e.order_id for e in page.entries] == [good.id] and not page.more


def test_negative_feedback_window_edges(rt, session) -> None:  # type: ignore[no-untyped-def]
    item = s.listing(rt, session)
    buyer = f.buyer(session, rt.clock)
    order = s.delivered_order(rt, session, buyer, item.offer)
    left = _leave(rt, session, buyer, order, stars=2, comment="Slow shipping from this seller")
    at = left.left_at
    ids = [item.seller.id]
    assert len(feedback.negative_feedback(session, ids, "US", at, at + timedelta(days=60))) == 1
    assert feedback.negative_feedback(session, ids, "US", at - timedelta(days=60), at) == []
    assert feedback.negative_feedback(session, [], "US", at, at + timedelta(days=1)) == []
