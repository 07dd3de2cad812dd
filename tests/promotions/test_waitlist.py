"""Lightning-deal waitlists: a released unit is held for the first buyer waiting, who is
told on the storefront and by e-mail; a hold not used in time passes to the next buyer.
On both databases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from souk.core.clock import utc
from souk.core.errors import InvalidState, NotFound
from souk.messaging.models import OutgoingMail
from souk.orders.models import Order, OrderItem
from souk.orders.rules import CANCELED
from souk.orders.service import CheckoutRequest, cancel_by_buyer, place_order
from souk.promotions import waitlist
from souk.promotions.models import DealWaitlist, Promotion
from souk.promotions.service import join_waitlist, waitlist_place
from souk.web.app import create_app
from tests import factories as f
from tests.promotions import support as s
from tests.web.conftest import Browser

LIVE = utc(2026, 3, 8, 13)  # 09:00 EDT, the day clocks went forward: the deal is live
HOLD = timedelta(minutes=30)  # policy [promotions] waitlist_hold_minutes


@pytest.fixture
def deal_shop(rt, session):  # type: ignore[no-untyped-def]
    seller = f.seller(session, rt.clock, name="Kettle House")
    product = f.product(session, rt.clock, title="Acme Steel Kettle")
    offer = f.offer(
        session, rt.clock, seller_id=seller.id, asin=product.asin, price="20.00", quantity=50,
        sku="KETTLE-1",
    )  # fmt: skip
    return seller, product, offer


def _buy(rt, session, buyer, offer, quantity=1):  # type: ignore[no-untyped-def]
    return place_order(
        session,
        rt.clock,
        rt.payments,
        CheckoutRequest(
            buyer_id=buyer.user.id,
            marketplace="US",
            address_id=buyer.address.id,
            delivery_speed="standard",
            card=f.GOOD_CARD,
            idempotency_key=f"buy-{buyer.user.id}-{rt.clock.now().isoformat()}",
            lines=((offer.id, quantity),),
        ),
    ).orders[0]


def _cancel(rt, session, buyer, order) -> None:  # type: ignore[no-untyped-def]
    cancel_by_buyer(
        session, rt.clock, rt.payments, buyer_id=buyer.user.id, order_id=order.id,
        reason="Changed my mind",
    )  # fmt: skip
    session.expire_all()


def _paid(session, order) -> list[int]:  # type: ignore[no-untyped-def]
    return sorted(
        i.unit_price_minor
        for i in session.scalars(select(OrderItem).where(OrderItem.order_id == order.id))
    )


def _row(session, deal, buyer) -> DealWaitlist:  # type: ignore[no-untyped-def]
    session.expire_all()
    return session.scalar(
        select(DealWaitlist).where(
            DealWaitlist.promotion_id == deal.id, DealWaitlist.buyer_id == buyer.user.id
        )
    )


def _mails_to(session, buyer) -> list[OutgoingMail]:  # type: ignore[no-untyped-def]
    return list(
        session.scalars(
            select(OutgoingMail).where(
                OutgoingMail.rcpt_to == buyer.user.email, OutgoingMail.kind == waitlist.MAIL_KIND
            )
        )
    )


def _sold_out_with_queue(rt, session, deal_shop, waiting: int):  # type: ignore[no-untyped-def]
    """A one-unit deal bought by one buyer, then ``waiting`` buyers joining in turn."""
    seller, _, offer = deal_shop
    deal = s.lightning(session, rt.clock, seller_id=seller.id, sku="KETTLE-1", units=1)
    first = s.buyer_in(session, rt.clock, "NY")
    queue = [s.buyer_in(session, rt.clock, "NY") for _ in range(waiting)]
    rt.clock.set(LIVE)
    order = _buy(rt, session, first, offer)
    for place, buyer in enumerate(queue, start=1):
        rt.clock.advance(timedelta(minutes=1))
        assert join_waitlist(session, rt.clock, buyer.user.id, deal.id) == place
    return deal, first, order, queue


def test_released_unit_is_held_for_the_first_buyer_waiting_who_is_told(rt, session, deal_shop):  # type: ignore[no-untyped-def]
    _, _, offer = deal_shop
    deal, first, order, (w1, w2, w3) = _sold_out_with_queue(rt, session, deal_shop, 3)
    _cancel(rt, session, first, order)
    held = _row(session, deal, w1)
    assert held.status == waitlist.HELD and held.hold_until == rt.clock.now() + HOLD
    # The unit stays claimed while held: the deal never shows it to anyone else.
    assert session.get(Promotion, deal.id).claimed == 1
    (mail,) = _mails_to(session, w1)
    assert "Acme Steel Kettle" in mail.body and "14.00 USD" in mail.body
    assert not _mails_to(session, w2) and not _mails_to(session, w3)
    # The queue moves up; the held buyer is out of it.
    assert waitlist_place(session, deal.id, w1.user.id) is None
    assert waitlist_place(session, deal.id, w2.user.id) == 1
    assert waitlist_place(session, deal.id, w3.user.id) == 2
    # The next buyer waiting cannot take the held unit: regular price.
    assert _paid(session, _buy(rt, session, w2, offer)) == [2000]
    with pytest.raises(InvalidState, match="kept for you"):
        join_waitlist(session, rt.clock, w1.user.id, deal.id)
    # The held buyer gets it at the deal price, and the deal stays at its quantity.
    rt.clock.advance(timedelta(minutes=29))
    assert _paid(session, _buy(rt, session, w1, offer)) == [1400]
    assert _row(session, deal, w1).status == waitlist.BOUGHT
    assert session.get(Promotion, deal.id).claimed == 1


def test_a_hold_not_used_in_time_passes_to_the_next_buyer_then_back_to_the_deal(
    rt, session, deal_shop
):  # type: ignore[no-untyped-def]
    _, _, offer = deal_shop
    deal, first, order, (w1, w2) = _sold_out_with_queue(rt, session, deal_shop, 2)
    _cancel(rt, session, first, order)
    rt.clock.advance(HOLD - timedelta(seconds=1))
    assert waitlist.lapse_holds(session, rt.clock.now()) == 0  # not yet
    rt.clock.advance(timedelta(seconds=1))
    assert waitlist.lapse_holds(session, rt.clock.now()) == 1
    assert _row(session, deal, w1).status == waitlist.LAPSED
    assert _row(session, deal, w2).status == waitlist.HELD
    assert len(_mails_to(session, w2)) == 1
    # Too late for the first: the regular price, and no place any more.
    assert _paid(session, _buy(rt, session, w1, offer)) == [2000]
    assert waitlist_place(session, deal.id, w1.user.id) is None
    assert session.get(Promotion, deal.id).claimed == 1
    # Nobody else waits: when the second hold runs out the unit is the deal's again.
    rt.clock.advance(HOLD)
    assert waitlist.lapse_holds(session, rt.clock.now()) == 1
    session.expire_all()
    assert session.get(Promotion, deal.id).claimed == 0
    late = s.buyer_in(session, rt.clock, "NY")
    assert _paid(session, _buy(rt, session, late, offer)) == [1400]
    # A buyer who lost the place may queue again, at the back.
    assert join_waitlist(session, rt.clock, w1.user.id, deal.id) == 1


def test_released_units_never_oversell_the_deal(rt, session, deal_shop):  # type: ignore[no-untyped-def]
    seller, _, offer = deal_shop
    deal = s.lightning(session, rt.clock, seller_id=seller.id, sku="KETTLE-1", units=2)
    big, waiter, walk_in = (s.buyer_in(session, rt.clock, "NY") for _ in range(3))
    rt.clock.set(LIVE)
    order = _buy(rt, session, big, offer, quantity=2)
    join_waitlist(session, rt.clock, waiter.user.id, deal.id)
    _cancel(rt, session, big, order)
    # Two units back, one buyer waiting: one held for them, one back to the deal.
    assert session.get(Promotion, deal.id).claimed == 1
    assert _paid(session, _buy(rt, session, walk_in, offer, quantity=2)) == [1400, 2000]
    assert _paid(session, _buy(rt, session, waiter, offer, quantity=2)) == [1400, 2000]
    session.expire_all()
    assert session.get(Promotion, deal.id).claimed == 2
    at_deal_price = session.scalar(
        select(func.sum(OrderItem.quantity))
        .join(Order, Order.id == OrderItem.order_id)
        .where(OrderItem.unit_price_minor == 1400, Order.status != CANCELED)
    )
    assert at_deal_price == 2


def test_a_hold_that_ran_out_cannot_be_bought_even_before_the_job_runs(rt, session, deal_shop):  # type: ignore[no-untyped-def]
    _, _, offer = deal_shop
    deal, first, order, (w1,) = _sold_out_with_queue(rt, session, deal_shop, 1)
    _cancel(rt, session, first, order)
    rt.clock.advance(HOLD)
    assert _paid(session, _buy(rt, session, w1, offer)) == [2000]
    assert not waitlist.take_hold(session, deal.id, w1.user.id, rt.clock.now())
    assert session.get(Promotion, deal.id).claimed == 1


def test_waitlist_refuses_unknown_deals(rt, session, deal_shop):  # type: ignore[no-untyped-def]
    buyer = s.buyer_in(session, rt.clock, "NY")
    with pytest.raises(NotFound):
        join_waitlist(session, rt.clock, buyer.user.id, 999_999)
    assert session.scalar(select(func.count()).select_from(DealWaitlist)) == 0


def test_held_buyer_sees_a_notice_on_their_next_page(rt, session, deal_shop):  # type: ignore[no-untyped-def]
    _, first, order, (w1, w2) = _sold_out_with_queue(rt, session, deal_shop, 2)
    _cancel(rt, session, first, order)
    held_email, waiting_email = w1.user.email, w2.user.email
    session.commit()  # the pages read through their own sessions
    with TestClient(create_app(rt, background=False)) as client:
        web = Browser(client)
        web.sign_in(held_email)
        page = web.get("/")
        assert page.status_code == 200
        assert "A lightning deal unit is kept for you." in page.text
        assert "30 min" in page.text and "Acme Steel Kettle" in page.text
    with TestClient(create_app(rt, background=False)) as client:
        web = Browser(client)
        web.sign_in(waiting_email)
        assert "kept for you" not in web.get("/").text
