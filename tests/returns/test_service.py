"""Returns and refunds on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from souk.core.errors import InvalidInput, InvalidState, NotFound
from souk.core.events import OutboxEvent
from souk.jobs.registry import run_job
from souk.offers.models import Offer
from souk.orders.models import Payment
from souk.orders.service import cancel_by_buyer
from souk.returns import rules
from souk.returns import service as returns
from souk.returns.models import Refund, ReturnRequest
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


def test_merchant_return_refunds_in_full_and_restocks(rt, session) -> None:  # type: ignore[no-untyped-def]
    item = s.listing(rt, session, price="40.00", shipping="5.00", quantity=10)
    buyer = f.buyer(session, rt.clock)
    order = s.delivered_order(rt, session, buyer, item.offer, 2)
    session.expire_all()
    stock_after_sale = session.get(Offer, item.offer.id).quantity
    assert stock_after_sale == 8
    request = _request(rt, session, buyer, order, quantity=2)
    assert request.status == rules.REQUESTED
    assert request.authorize_by == request.requested_at + timedelta(hours=48)
    returns.authorize_return(session, rt.clock, seller_id=item.seller.id, return_id=request.id)
    assert request.status == rules.AUTHORIZED and request.label_tracking.startswith("RT")
    refund = returns.receive_return(
        session,
        rt.clock,
        rt.payments,
        return_id=request.id,
        seller_id=item.seller.id,
        condition=rules.AS_SOLD,
        restock=True,
    )
    # Every unit back for a seller-fault reason: items and shipping are refunded.
    assert refund is not None and refund.amount_minor == order.total_minor == 9000
    session.expire_all()
    assert session.get(Offer, item.offer.id).quantity == stock_after_sale + 2
    payment = session.scalar(select(Payment).where(Payment.checkout_id == order.checkout_id))
    assert payment.refunded_minor == 9000 and payment.status == "refunded"
    [issued] = _events(session, "refund.issued")
    assert issued.payload == {
        "order_id": order.id,
        "seller_id": item.seller.id,
        "marketplace": "US",
        "currency": "USD",
        "amount_minor": 9000,
        "reason": "return of item arrived damaged",
        "refund_id": refund.id,
        "return_id": request.id,
        "claim_id": None,
    }
    assert [e.topic for e in session.scalars(select(OutboxEvent).order_by(OutboxEvent.id))][
        -4:
    ] == ["return.requested", "return.authorized", "return.received", "refund.issued"]
    # Nothing is left to return now.
    state = returns.return_eligibility(session, rt.clock, order)
    assert not state.allowed and "already been returned" in state.reason


def test_partial_refund_for_a_damaged_item_keeps_at_most_half(rt, session) -> None:  # type: ignore[no-untyped-def]
    item = s.listing(rt, session, price="40.00", shipping="5.00", quantity=10)
    buyer = f.buyer(session, rt.clock)
    order = s.delivered_order(rt, session, buyer, item.offer, 2)
    session.expire_all()
    stock = session.get(Offer, item.offer.id).quantity
    request = _request(rt, session, buyer, order, quantity=1, reason="No longer needed")
    returns.authorize_return(session, rt.clock, seller_id=item.seller.id, return_id=request.id)
    with pytest.raises(InvalidInput, match="0 to 50%"):
        returns.receive_return(
            session,
            rt.clock,
            rt.payments,
            return_id=request.id,
            seller_id=item.seller.id,
            condition=rules.DAMAGED,
            deduction_percent=51,
        )
    session.rollback()
    with pytest.raises(InvalidInput, match="back on sale"):
        returns.receive_return(
            session,
            rt.clock,
            rt.payments,
            return_id=request.id,
            seller_id=item.seller.id,
            condition=rules.DAMAGED,
            deduction_percent=20,
            restock=True,
        )
    session.rollback()
    assert session.get(ReturnRequest, request.id).status == rules.AUTHORIZED
    assert _count(session, Refund) == 0
    refund = returns.receive_return(
        session,
        rt.clock,
        rt.payments,
        return_id=request.id,
        seller_id=item.seller.id,
        condition=rules.DAMAGED,
        deduction_percent=50,
    )
    assert refund is not None and refund.amount_minor == 2000  # 40.00 less 50%, no shipping
    session.expire_all()
    assert session.get(Offer, item.offer.id).quantity == stock  # damaged: not restocked
    with pytest.raises(InvalidState, match="already received"):
        returns.receive_return(
            session,
            rt.clock,
            rt.payments,
            return_id=request.id,
            seller_id=item.seller.id,
            condition=rules.AS_SOLD,
        )


def test_platform_fulfilled_returns_are_authorised_at_once(rt, session) -> None:  # type: ignore[no-untyped-def]
    item = s.listing(rt, session, channel="PLATFORM", shipping="0")
    buyer = f.buyer(session, rt.clock)
    order = s.delivered_order(rt, session, buyer, item.offer)
    request = _request(rt, session, buyer, order)
    assert request.status == rules.AUTHORIZED and request.decided_by == "platform"
    assert request.label_carrier == "souk Returns"
    with pytest.raises(InvalidInput, match="returns centre"):
        returns.receive_return(
            session,
            rt.clock,
            rt.payments,
            return_id=request.id,
            seller_id=item.seller.id,
            condition=rules.AS_SOLD,
        )
    session.rollback()
    refund = returns.receive_return(
        session,
        rt.clock,
        rt.payments,
        return_id=request.id,
        seller_id=None,
        condition=rules.AS_SOLD,
    )
    assert refund is not None and refund.amount_minor == order.total_minor


def test_souk_authorises_when_the_seller_does_not_answer_in_48_hours(rt, session) -> None:  # type: ignore[no-untyped-def]
    item = s.listing(rt, session)
    buyer = f.buyer(session, rt.clock)
    order = s.delivered_order(rt, session, buyer, item.offer)
    request = _request(rt, session, buyer, order)
    session.commit()
    rt.clock.advance(timedelta(hours=47, minutes=59))
    assert run_job(rt.sessions, rt.clock, "returns.auto_authorize") == "0"
    rt.clock.advance(timedelta(minutes=1))  # exactly 48 hours
    assert run_job(rt.sessions, rt.clock, "returns.auto_authorize") == "1"
    session.expire_all()
    found = session.get(ReturnRequest, request.id)
    assert found.status == rules.AUTHORIZED and found.decided_by == "platform"
    with pytest.raises(InvalidState):
        returns.decline_return(
            session,
            rt.clock,
            seller_id=item.seller.id,
            return_id=request.id,
            reason="Too late to decline this one.",
        )


def test_a_seller_declines_with_a_reason(rt, session) -> None:  # type: ignore[no-untyped-def]
    item = s.listing(rt, session)
    other = s.listing(rt, session)
    buyer = f.buyer(session, rt.clock)
    order = s.delivered_order(rt, session, buyer, item.offer)
    request = _request(rt, session, buyer, order, reason="No longer needed")
    with pytest.raises(NotFound):
        returns.authorize_return(session, rt.clock, seller_id=other.seller.id, return_id=request.id)
    session.rollback()
    with pytest.raises(InvalidInput, match="why"):
        returns.decline_return(
            session, rt.clock, seller_id=item.seller.id, return_id=request.id, reason="no"
        )
    session.rollback()
    returns.decline_return(
        session,
        rt.clock,
        seller_id=item.seller.id,
        return_id=request.id,
        reason="The seal is broken; opened software cannot be returned.",
    )
    assert session.get(ReturnRequest, request.id).status == rules.DECLINED


def test_returns_outside_the_window_are_refused_and_change_nothing(rt, session) -> None:  # type: ignore[no-untyped-def]
    item = s.listing(rt, session)
    buyer = f.buyer(session, rt.clock)
    order = s.delivered_order(rt, session, buyer, item.offer)
    rt.clock.set(order.delivered_at + timedelta(days=30, seconds=1))
    with pytest.raises(InvalidInput, match="return window closed 30 days after delivery"):
        _request(rt, session, buyer, order)
    session.rollback()
    assert _count(session, ReturnRequest) == 0
    rt.clock.set(order.delivered_at + timedelta(days=30))
    assert _request(rt, session, buyer, order).status == rules.REQUESTED


def test_undelivered_and_double_return_requests_are_refused(rt, session) -> None:  # type: ignore[no-untyped-def]
    item = s.listing(rt, session)
    buyer = f.buyer(session, rt.clock)
    shipped = s.ship(rt, session, s.order(rt, session, buyer, item.offer))
    with pytest.raises(InvalidInput, match="once the order is delivered"):
        _request(rt, session, buyer, shipped)
    session.rollback()
    order = s.delivered_order(rt, session, buyer, item.offer)
    _request(rt, session, buyer, order)
    with pytest.raises(InvalidInput, match="already have a return in progress"):
        _request(rt, session, buyer, order)
    session.rollback()
    assert _count(session, ReturnRequest) == 1
    stranger = f.buyer(session, rt.clock)
    with pytest.raises(NotFound):
        _request(rt, session, stranger, order)


def test_refunds_never_exceed_what_was_paid(rt, session) -> None:  # type: ignore[no-untyped-def]
    item = s.listing(rt, session, price="40.00", shipping="5.00")
    buyer = f.buyer(session, rt.clock)
    order = s.delivered_order(rt, session, buyer, item.offer)
    returns.issue_refund(session, rt.clock, rt.payments, order, 4000, reason="goodwill")
    session.commit()
    with pytest.raises(InvalidInput, match="more than what is left"):
        returns.issue_refund(session, rt.clock, rt.payments, order, 501, reason="too much")
    session.rollback()
    returns.issue_refund(session, rt.clock, rt.payments, order, 500, reason="the rest")
    session.commit()
    assert returns.refunded_minor(session, order.id) == order.total_minor
    payment = session.scalar(select(Payment).where(Payment.checkout_id == order.checkout_id))
    assert payment.refunded_minor == payment.amount_minor and payment.status == "refunded"


def test_canceled_orders_have_no_returns_or_claims(rt, session) -> None:  # type: ignore[no-untyped-def]
    item = s.listing(rt, session)
    buyer = f.buyer(session, rt.clock)
    order = s.order(rt, session, buyer, item.offer)
    cancel_by_buyer(
        session,
        rt.clock,
        rt.payments,
        buyer_id=buyer.user.id,
        order_id=order.id,
        reason="Ordered by mistake",
    )
    assert "canceled" in returns.return_eligibility(session, rt.clock, order).reason
    rt.clock.set(order.latest_delivery_at + timedelta(days=10))
    assert "canceled" in returns.claim_eligibility(session, rt.clock, order).reason
