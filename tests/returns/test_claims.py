"""A-to-z guarantee claims, chargebacks and order defects on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from souk.core.errors import InvalidInput, InvalidState
from souk.core.events import OutboxEvent
from souk.jobs.registry import run_job
from souk.messaging.service import contact_seller
from souk.returns import rules
from souk.returns import service as returns
from souk.returns.models import Chargeback, Claim
from tests import factories as f
from tests.returns import support as s


def _count(session, model) -> int:  # type: ignore[no-untyped-def]
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _events(session, topic):  # type: ignore[no-untyped-def]
    return list(session.scalars(select(OutboxEvent).where(OutboxEvent.topic == topic)))


def _request(rt, session, buyer, order, quantity=1, reason="Item arrived damaged"):  # type: ignore[no-untyped-def]
    return returns.request_return(
        session,
        rt.clock,
        buyer_id=buyer.user.id,
        order_id=order.id,
        items={order.items[0].id: quantity},
        reason=reason,
    )


def _file(rt, session, buyer, order, reason="Item not received"):  # type: ignore[no-untyped-def]
    return returns.file_claim(
        session,
        rt.clock,
        buyer_id=buyer.user.id,
        order_id=order.id,
        reason=reason,
        description="The parcel never came and the seller did not help.",
    )


def test_a_claim_needs_contact_and_48_hours_or_3_days_past_delivery(rt, session) -> None:  # type: ignore[no-untyped-def]
    item = s.listing(rt, session)
    buyer = f.buyer(session, rt.clock)
    order = s.ship(rt, session, s.order(rt, session, buyer, item.offer))
    with pytest.raises(InvalidInput, match="First contact the seller"):
        _file(rt, session, buyer, order)
    session.rollback()
    contact_seller(
        session,
        rt.clock,
        rt.media,
        buyer_id=buyer.user.id,
        seller_id=item.seller.id,
        market="US",
        body="Where is my parcel?",
        order_id=order.id,
    )
    contacted = rt.clock.now()
    rt.clock.set(contacted + timedelta(hours=47, minutes=59))
    with pytest.raises(InvalidInput, match="48 hours to answer"):
        _file(rt, session, buyer, order)
    session.rollback()
    assert _count(session, Claim) == 0
    rt.clock.set(contacted + timedelta(hours=48))
    claim = _file(rt, session, buyer, order)
    assert claim.status == rules.CLAIM_OPEN
    assert claim.respond_by == contacted + timedelta(hours=96)
    with pytest.raises(InvalidInput, match="already filed"):
        _file(rt, session, buyer, order)
    session.rollback()
    assert _count(session, Claim) == 1
    assert [e.payload["claim_id"] for e in _events(session, "claim.filed")] == [claim.id]


def test_claims_close_90_days_after_the_latest_delivery_date(rt, session) -> None:  # type: ignore[no-untyped-def]
    item = s.listing(rt, session)
    buyer = f.buyer(session, rt.clock)
    order = s.delivered_order(rt, session, buyer, item.offer)
    rt.clock.set(order.latest_delivery_at + timedelta(days=90, seconds=1))
    with pytest.raises(InvalidInput, match="close 90 days"):
        _file(rt, session, buyer, order, reason="Item not as described or defective")
    session.rollback()
    rt.clock.set(order.latest_delivery_at + timedelta(days=90))
    assert _file(rt, session, buyer, order, reason="Item not as described or defective")


def test_seller_response_and_staff_decision(rt, session) -> None:  # type: ignore[no-untyped-def]
    item = s.listing(rt, session, price="40.00", shipping="5.00")
    buyer = f.buyer(session, rt.clock)
    staff = f.buyer(session, rt.clock)
    order = s.delivered_order(rt, session, buyer, item.offer)
    rt.clock.set(order.latest_delivery_at + timedelta(days=3))
    claim = _file(rt, session, buyer, order, reason="Item not as described or defective")
    rt.clock.advance(timedelta(hours=10))
    returns.respond_to_claim(
        session,
        rt.clock,
        seller_id=item.seller.id,
        claim_id=claim.id,
        response="The photos show the item as listed; we offered a return.",
    )
    with pytest.raises(InvalidState):
        returns.respond_to_claim(
            session,
            rt.clock,
            seller_id=item.seller.id,
            claim_id=claim.id,
            response="A second answer is not taken.",
        )
    session.rollback()
    returns.issue_refund(session, rt.clock, rt.payments, order, 1000, reason="partial")
    session.commit()
    with pytest.raises(InvalidInput, match="more than what is left"):
        returns.decide_claim(
            session,
            rt.clock,
            rt.payments,
            claim_id=claim.id,
            staff_user_id=staff.user.id,
            outcome=rules.GRANTED,
            amount_minor=3501,
            note="Too much",
        )
    session.rollback()
    assert session.get(Claim, claim.id).status == rules.CLAIM_RESPONDED
    decided = returns.decide_claim(
        session,
        rt.clock,
        rt.payments,
        claim_id=claim.id,
        staff_user_id=staff.user.id,
        outcome=rules.GRANTED,
        note="Not as described: refund what is left.",
    )
    assert decided.amount_minor == 3500 and decided.outcome == rules.GRANTED
    assert returns.refunded_minor(session, order.id) == order.total_minor
    [event] = _events(session, "claim.decided")
    assert event.payload["outcome"] == "granted" and event.payload["amount_minor"] == 3500
    with pytest.raises(InvalidState):
        returns.decide_claim(
            session,
            rt.clock,
            rt.payments,
            claim_id=claim.id,
            staff_user_id=staff.user.id,
            outcome=rules.DENIED,
            note="Twice",
        )


def test_the_seller_cannot_respond_after_48_hours(rt, session) -> None:  # type: ignore[no-untyped-def]
    item = s.listing(rt, session)
    buyer = f.buyer(session, rt.clock)
    order = s.delivered_order(rt, session, buyer, item.offer)
    rt.clock.set(order.latest_delivery_at + timedelta(days=3))
    claim = _file(rt, session, buyer, order, reason="Item not as described or defective")
    rt.clock.advance(timedelta(hours=48, seconds=1))
    with pytest.raises(InvalidState, match="48-hour"):
        returns.respond_to_claim(
            session,
            rt.clock,
            seller_id=item.seller.id,
            claim_id=claim.id,
            response="Sorry, we were away this weekend.",
        )


def test_clear_claims_are_granted_automatically_after_the_response_window(rt, session) -> None:  # type: ignore[no-untyped-def]
    item = s.listing(rt, session, price="30.00", shipping="0")
    buyer = f.buyer(session, rt.clock)
    never_shipped = s.order(rt, session, buyer, item.offer)
    tracked = s.ship(rt, session, s.order(rt, session, buyer, item.offer))
    rt.clock.set(tracked.latest_delivery_at + timedelta(days=3))
    first = _file(rt, session, buyer, never_shipped)
    second = _file(rt, session, buyer, tracked)
    session.commit()
    rt.clock.advance(timedelta(hours=48))
    assert run_job(rt.sessions, rt.clock, "claims.auto_decide") == "0"
    rt.clock.advance(timedelta(seconds=1))
    assert run_job(rt.sessions, rt.clock, "claims.auto_decide") == "1"
    session.expire_all()
    granted = session.get(Claim, first.id)
    assert granted.outcome == rules.GRANTED and granted.decided_by is None
    assert granted.amount_minor == never_shipped.total_minor
    assert session.get(Claim, second.id).status == rules.CLAIM_OPEN  # tracked: staff decide


def test_withdrawn_claims_are_not_defects_and_chargebacks_are(rt, session) -> None:  # type: ignore[no-untyped-def]
    item = s.listing(rt, session)
    buyer = f.buyer(session, rt.clock)
    first = s.delivered_order(rt, session, buyer, item.offer)
    second = s.delivered_order(rt, session, buyer, item.offer)
    rt.clock.set(second.latest_delivery_at + timedelta(days=3))
    kept = _file(rt, session, buyer, first, reason="Item not as described or defective")
    dropped = _file(rt, session, buyer, second, reason="Item not as described or defective")
    returns.withdraw_claim(session, rt.clock, buyer_id=buyer.user.id, claim_id=dropped.id)
    chargeback = returns.record_chargeback(
        session,
        rt.clock,
        order_id=second.id,
        provider_reference="dp_1",
        reason="Fraudulent transaction",
        amount_minor=second.total_minor,
    )
    with pytest.raises(InvalidInput, match="already recorded"):
        returns.record_chargeback(
            session,
            rt.clock,
            order_id=second.id,
            provider_reference="dp_1",
            reason="Fraudulent transaction",
            amount_minor=100,
        )
    session.rollback()
    with pytest.raises(InvalidInput, match="at most the order's total"):
        returns.record_chargeback(
            session,
            rt.clock,
            order_id=second.id,
            provider_reference="dp_2",
            reason="Fraudulent transaction",
            amount_minor=second.total_minor + 1,
        )
    session.rollback()
    assert _count(session, Chargeback) == 1
    now = rt.clock.now()
    defects = returns.order_defects(
        session, [item.seller.id], "US", now - timedelta(days=60), now + timedelta(seconds=1)
    )
    assert {(d.order_id, d.kind) for d in defects} == {
        (first.id, "a_to_z_claim"),
        (second.id, "chargeback"),
    }
    # The window is half-open: [since, until).
    assert (
        returns.order_defects(session, [item.seller.id], "US", now - timedelta(days=60), now) == []
    )
    assert len(returns.order_defects(session, [item.seller.id], "US", now, now + timedelta(1))) == 2
    assert kept.id and chargeback.id
    assert returns.order_defects(session, [item.seller.id], "UK", now, now + timedelta(1)) == []


def test_return_and_refund_counts_follow_purchase_dates(rt, session) -> None:  # type: ignore[no-untyped-def]
    item = s.listing(rt, session)
    buyer = f.buyer(session, rt.clock)
    start = rt.clock.now()
    returned = s.delivered_order(rt, session, buyer, item.offer)
    refunded = s.delivered_order(rt, session, buyer, item.offer)
    s.delivered_order(rt, session, buyer, item.offer)
    _request(rt, session, buyer, returned, reason="No longer needed")
    request = _request(rt, session, buyer, refunded, reason="No longer needed")
    returns.authorize_return(session, rt.clock, seller_id=item.seller.id, return_id=request.id)
    returns.receive_return(
        session,
        rt.clock,
        rt.payments,
        return_id=request.id,
        seller_id=item.seller.id,
        condition=rules.AS_SOLD,
    )
    end = rt.clock.now()
    assert returns.return_refund_counts(session, item.seller.id, "US", start, end) == (2, 1)
    assert returns.return_refund_counts(session, item.seller.id, "US", end, end) == (0, 0)
