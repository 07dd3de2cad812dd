"""Checkout and order use cases on both databases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from souk.core.errors import InvalidInput, InvalidState, NotFound, OutOfStock, PaymentDeclined
from souk.core.events import OutboxEvent, deliver_pending, on
from souk.core.events import _handlers as event_handlers
from souk.core.money import Money
from souk.core.policy import default_policy
from souk.fulfillment.service import confirm_shipment, record_delivery, shipments
from souk.jobs.registry import JobRun, run_due
from souk.offers.models import Offer
from souk.offers.service import update_price
from souk.orders import rules
from souk.orders.cart import add_to_cart, cart_view, get_or_create_cart, save_for_later
from souk.orders.models import Checkout, Order, OrderItem, Payment
from souk.orders.payments import TestPaymentProvider
from souk.orders.service import (
    CheckoutRequest,
    buyer_order,
    buyer_orders,
    cancel_by_buyer,
    cancel_by_seller,
    order_notes,
    place_order,
    release_stale_checkouts,
    seller_order,
    seller_orders,
)
from tests import factories as f

UPS = "1Z999AA10123456784"


def _checkout(
    rt,
    session,
    buyer,
    lines,
    *,
    key="key-1",
    card=f.GOOD_CARD,
    speed="standard",
    marketplace="US",
    address_id=None,
):
    return place_order(
        session,
        rt.clock,
        rt.payments,
        CheckoutRequest(
            buyer_id=buyer.user.id,
            marketplace=marketplace,
            address_id=address_id or buyer.address.id,
            delivery_speed=speed,
            card=card,
            idempotency_key=key,
            lines=None if lines is None else tuple(lines),
        ),
    )


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def _stock(session, offer_id: int) -> int:
    session.expire_all()
    return session.get(Offer, offer_id).quantity


def _topics(session) -> list[str]:
    return list(session.scalars(select(OutboxEvent.topic).order_by(OutboxEvent.id)))


@pytest.fixture
def market(rt, session):
    """Two sellers with a product each, and a buyer in the US."""
    a = f.seller(session, rt.clock)
    b = f.seller(session, rt.clock)
    oa = f.offer(
        session,
        rt.clock,
        seller_id=a.id,
        asin=f.product(session, rt.clock).asin,
        price="10.00",
        shipping="1.50",
        quantity=5,
    )
    ob = f.offer(
        session,
        rt.clock,
        seller_id=b.id,
        asin=f.product(session, rt.clock).asin,
        price="7.25",
        quantity=5,
    )
    return a, b, oa, ob, f.buyer(session, rt.clock)


def test_checkout_splits_per_seller_with_totals(rt, session, market):
    a, b, oa, ob, buyer = market
    result = _checkout(rt, session, buyer, [(oa.id, 2), (ob.id, 1), (oa.id, 1)], speed="expedited")
    assert not result.replayed and result.checkout.status == "placed"
    orders = {o.seller_id: o for o in result.orders}
    assert set(orders) == {a.id, b.id}
    charge = default_policy().for_marketplace("US").shipping.speeds["expedited"].charge_minor
    first = orders[a.id]
    assert [(i.offer_id, i.quantity, i.unit_price_minor) for i in first.items] == [(oa.id, 3, 1000)]
    assert (first.items_minor, first.shipping_minor) == (3000, 450 + charge)
    assert first.total_minor == 3000 + 450 + charge
    assert orders[b.id].total_minor == 725 + charge
    assert result.checkout.total_minor == sum(o.total_minor for o in result.orders)
    for order in result.orders:
        assert rules.delivery_window  # the window is stored with the order
        assert order.purchased_at == rt.clock.now() < order.latest_ship_at
        assert order.ship_postal_code == "62701" and order.status == rules.UNSHIPPED
    payment = session.scalars(select(Payment)).one()
    assert (payment.status, payment.amount_minor) == ("captured", result.checkout.total_minor)
    assert (_stock(session, oa.id), _stock(session, ob.id)) == (2, 4)


def test_prices_are_frozen_at_order_time(rt, session, market):
    _, _, oa, _, buyer = market
    result = _checkout(rt, session, buyer, [(oa.id, 1)])
    update_price(session, rt.clock, session.get(Offer, oa.id), Money("USD", 9900))
    session.expire_all()
    order = buyer_order(session, buyer.user.id, result.orders[0].id)
    assert order.items[0].unit_price_minor == 1000 and order.items_minor == 1000


def test_same_key_replays_the_same_orders_with_one_payment(rt, session, market):
    _, _, oa, ob, buyer = market
    first = _checkout(rt, session, buyer, [(oa.id, 1), (ob.id, 1)])
    again = _checkout(rt, session, buyer, [(oa.id, 1), (ob.id, 1)])
    assert again.replayed
    assert sorted(o.id for o in again.orders) == sorted(o.id for o in first.orders)
    assert (_count(session, Order), _count(session, Payment), _count(session, Checkout)) == (
        2,
        1,
        1,
    )
    assert _stock(session, oa.id) == 4
    # Another buyer may use the same key: keys belong to a buyer.
    other = f.buyer(session, rt.clock)
    assert not _checkout(rt, session, other, [(oa.id, 1)]).replayed


def test_declined_card_places_nothing(rt, session, market):
    _, _, oa, _, buyer = market
    with pytest.raises(PaymentDeclined):
        _checkout(rt, session, buyer, [(oa.id, 2)], card=f.DECLINED_CARD)
    assert _count(session, Order) == 0 and _stock(session, oa.id) == 5
    payment = session.scalars(select(Payment)).one()
    assert payment.status == "declined" and payment.card_last4 == "0002"
    assert "order.placed" not in _topics(session)
    with pytest.raises(PaymentDeclined):  # the same key answers the same way
        _checkout(rt, session, buyer, [(oa.id, 2)], card=f.DECLINED_CARD)
    assert _count(session, Payment) == 1
    # A new attempt with a good card and a new key succeeds.
    assert _checkout(rt, session, buyer, [(oa.id, 2)], key="key-2").orders


def test_card_failing_at_capture_cancels_the_orders_and_returns_stock(rt, session, market):
    _, _, oa, ob, buyer = market
    with pytest.raises(PaymentDeclined):
        _checkout(rt, session, buyer, [(oa.id, 2), (ob.id, 1)], card=f.CAPTURE_FAILS_CARD)
    session.expire_all()
    orders = session.scalars(select(Order)).all()
    assert len(orders) == 2
    assert {(o.status, o.canceled_by) for o in orders} == {(rules.CANCELED, "system")}
    assert (_stock(session, oa.id), _stock(session, ob.id)) == (5, 5)
    assert session.scalars(select(Payment.status)).one() == "failed"
    assert session.scalars(select(Checkout.status)).one() == "failed"
    assert "order.placed" not in _topics(session)


def test_out_of_stock_places_nothing_and_releases_the_payment(rt, session, market):
    _, _, oa, ob, buyer = market
    with pytest.raises(OutOfStock):
        _checkout(rt, session, buyer, [(ob.id, 1), (oa.id, 6)])
    assert _count(session, Order) == 0 and _count(session, OrderItem) == 0
    assert (_stock(session, oa.id), _stock(session, ob.id)) == (5, 5)
    assert session.scalars(select(Payment.status)).one() == "released"
    assert "order.placed" not in _topics(session)


def test_address_in_the_wrong_country_writes_nothing(rt, session, market):
    _, _, oa, _, _ = market
    german = f.buyer(session, rt.clock, country="DE")
    before = _topics(session)
    with pytest.raises(InvalidInput) as error:
        _checkout(rt, session, german, [(oa.id, 1)])
    assert error.value.field == "address_id"
    assert (_count(session, Checkout), _count(session, Payment), _count(session, Order)) == (
        0,
        0,
        0,
    )
    assert _stock(session, oa.id) == 5 and _topics(session) == before


@pytest.mark.parametrize(
    ("change", "error", "field"),
    [
        ({"speed": "warp"}, InvalidInput, "delivery_speed"),
        ({"speed": "next_day"}, InvalidInput, "delivery_speed"),  # merchant offers cannot
        ({"key": "  "}, InvalidInput, "idempotency_key"),
        ({"marketplace": "ZZ"}, InvalidInput, "marketplace"),
        ({"address_id": 999_999}, NotFound, "address_id"),
        ({"lines": []}, InvalidInput, "lines"),
        ({"lines": [(999_999, 1)]}, NotFound, "lines"),
        ({"qty": 0}, InvalidInput, "quantity"),
        ({"qty": -1}, InvalidInput, "quantity"),
        ({"qty": 31}, InvalidInput, "quantity"),
    ],
)
def test_bad_checkout_requests_write_nothing(rt, session, market, change, error, field):
    _, _, oa, _, buyer = market
    change = dict(change)  # parametrised values are shared by both databases' runs
    qty = change.pop("qty", 1)
    lines = change.pop("lines", [(oa.id, qty)])
    with pytest.raises(error) as raised:
        _checkout(rt, session, buyer, lines, **change)
    assert raised.value.field == field
    assert (_count(session, Checkout), _count(session, Payment), _count(session, Order)) == (
        0,
        0,
        0,
    )
    assert _stock(session, oa.id) == 5


def test_offer_of_another_marketplace_is_refused(rt, session, market):
    a, _, _, _, buyer = market
    de = f.offer(
        session, rt.clock, seller_id=a.id, asin=f.product(session, rt.clock).asin, marketplace="DE"
    )
    with pytest.raises(InvalidInput):
        _checkout(rt, session, buyer, [(de.id, 1)])
    assert _count(session, Checkout) == 0


def test_checkout_of_the_cart_empties_only_the_bought_lines(rt, session, market):
    _, _, oa, ob, buyer = market
    cart = get_or_create_cart(session, rt.clock, marketplace="US", buyer_id=buyer.user.id)
    add_to_cart(session, rt.clock, cart, oa.id, 2)
    add_to_cart(session, rt.clock, cart, ob.id, 1)
    save_for_later(session, rt.clock, cart, cart_view(session, cart).items[1].line_id, True)
    result = _checkout(rt, session, buyer, None)
    assert [(i.offer_id, i.quantity) for o in result.orders for i in o.items] == [(oa.id, 2)]
    session.expire_all()
    view = cart_view(session, cart)
    assert view.active == [] and [i.offer.id for i in view.saved] == [ob.id]
    with pytest.raises(InvalidInput):
        _checkout(rt, session, buyer, None, key="key-2")  # nothing left to buy


def test_buyer_cancels_before_shipment(rt, session, market):
    _, _, oa, _, buyer = market
    order = _checkout(rt, session, buyer, [(oa.id, 2)]).orders[0]
    with pytest.raises(InvalidInput):
        cancel_by_buyer(
            session, rt.clock, rt.payments, buyer_id=buyer.user.id, order_id=order.id, reason=" "
        )
    canceled = cancel_by_buyer(
        session,
        rt.clock,
        rt.payments,
        buyer_id=buyer.user.id,
        order_id=order.id,
        reason="Changed my mind",
    )
    assert (canceled.status, canceled.canceled_by) == (rules.CANCELED, "buyer")
    assert _stock(session, oa.id) == 5
    payment = session.scalars(select(Payment)).one()
    assert payment.refunded_minor == order.total_minor and payment.status == "refunded"
    assert [n.kind for n in order_notes(session, order.id)] == ["placed", "canceled"]
    with pytest.raises(InvalidState):
        cancel_by_buyer(
            session,
            rt.clock,
            rt.payments,
            buyer_id=buyer.user.id,
            order_id=order.id,
            reason="Again",
        )
    assert _stock(session, oa.id) == 5  # no second restock


def test_buyer_cancels_one_of_two_orders_partial_refund(rt, session, market):
    _, _, oa, ob, buyer = market
    result = _checkout(rt, session, buyer, [(oa.id, 1), (ob.id, 1)])
    first = next(o for o in result.orders if o.items[0].offer_id == oa.id)
    cancel_by_buyer(
        session,
        rt.clock,
        rt.payments,
        buyer_id=buyer.user.id,
        order_id=first.id,
        reason="Ordered by mistake",
    )
    payment = session.scalars(select(Payment)).one()
    assert payment.refunded_minor == first.total_minor and payment.status == "captured"


def test_seller_cancels_with_a_policy_reason(rt, session, market):
    a, _, oa, _, buyer = market
    order = _checkout(rt, session, buyer, [(oa.id, 1)]).orders[0]
    with pytest.raises(InvalidInput) as error:
        cancel_by_seller(
            session, rt.clock, rt.payments, seller_id=a.id, order_id=order.id, reason="Bored"
        )
    assert error.value.field == "reason"
    session.expire_all()
    assert session.get(Order, order.id).status == rules.UNSHIPPED
    canceled = cancel_by_seller(
        session, rt.clock, rt.payments, seller_id=a.id, order_id=order.id, reason="NoInventory"
    )
    assert (canceled.canceled_by, canceled.cancel_reason) == ("seller", "NoInventory")
    assert _stock(session, oa.id) == 5
    assert "order.canceled" in _topics(session)


def test_shipped_orders_cannot_be_canceled(rt, session, market):
    a, _, oa, _, buyer = market
    order = _checkout(rt, session, buyer, [(oa.id, 1)]).orders[0]
    confirm_shipment(
        session, rt.clock, seller_id=a.id, order_id=order.id, carrier="UPS", tracking_number=UPS
    )
    with pytest.raises(InvalidState):
        cancel_by_buyer(
            session,
            rt.clock,
            rt.payments,
            buyer_id=buyer.user.id,
            order_id=order.id,
            reason="Changed my mind",
        )
    with pytest.raises(InvalidState):
        cancel_by_seller(
            session, rt.clock, rt.payments, seller_id=a.id, order_id=order.id, reason="NoInventory"
        )
    assert _stock(session, oa.id) == 4


def test_confirm_shipment_and_delivery(rt, session, market):
    a, b, oa, _, buyer = market
    order = _checkout(rt, session, buyer, [(oa.id, 2)]).orders[0]
    with pytest.raises(InvalidInput) as error:
        confirm_shipment(
            session,
            rt.clock,
            seller_id=a.id,
            order_id=order.id,
            carrier="UPS",
            tracking_number="1Z999AA10123456785",
        )
    assert error.value.field == "tracking_number"
    session.expire_all()
    assert (
        session.get(Order, order.id).status == rules.UNSHIPPED
        and shipments(session, order.id) == []
    )
    with pytest.raises(InvalidState):  # not shipped yet
        record_delivery(session, rt.clock, order.id)
    with pytest.raises(NotFound):
        confirm_shipment(
            session, rt.clock, seller_id=b.id, order_id=order.id, carrier="UPS", tracking_number=UPS
        )
    with pytest.raises(InvalidInput):  # shipped in the future
        confirm_shipment(
            session,
            rt.clock,
            seller_id=a.id,
            order_id=order.id,
            carrier="UPS",
            tracking_number=UPS,
            shipped_at=rt.clock.now() + timedelta(hours=1),
        )
    rt.clock.advance(timedelta(hours=3))
    shipment = confirm_shipment(
        session,
        rt.clock,
        seller_id=a.id,
        order_id=order.id,
        carrier="UPS",
        tracking_number="1z999aa10123456784",
    )
    assert shipment.tracking_number == UPS
    session.expire_all()
    shipped = session.get(Order, order.id)
    assert shipped.status == rules.SHIPPED and shipped.shipped_at == rt.clock.now()
    assert all(i.quantity_shipped == i.quantity for i in shipped.items)
    event = session.scalars(select(OutboxEvent).where(OutboxEvent.topic == "order.shipped")).one()
    assert event.payload["late"] is False
    with pytest.raises(InvalidState):
        confirm_shipment(
            session, rt.clock, seller_id=a.id, order_id=order.id, carrier="UPS", tracking_number=UPS
        )
    with pytest.raises(InvalidInput):  # before it shipped
        record_delivery(session, rt.clock, order.id, rt.clock.now() - timedelta(hours=1))
    rt.clock.advance(timedelta(days=2))
    delivered = record_delivery(session, rt.clock, order.id)
    assert delivered.delivered_at == rt.clock.now()
    assert shipments(session, order.id)[0].delivered_at == rt.clock.now()
    on_time = (
        session.scalars(select(OutboxEvent).where(OutboxEvent.topic == "order.delivered"))
        .one()
        .payload["on_time"]
    )
    assert on_time is True


def test_late_shipment_is_flagged(rt, session, market):
    a, _, oa, _, buyer = market
    order = _checkout(rt, session, buyer, [(oa.id, 1)]).orders[0]
    rt.clock.set(order.latest_ship_at + timedelta(hours=1))
    confirm_shipment(
        session, rt.clock, seller_id=a.id, order_id=order.id, carrier="UPS", tracking_number=UPS
    )
    event = session.scalars(select(OutboxEvent).where(OutboxEvent.topic == "order.shipped")).one()
    assert event.payload["late"] is True


def test_orders_are_visible_only_to_their_buyer_and_seller(rt, session, market):
    a, b, oa, _, buyer = market
    order = _checkout(rt, session, buyer, [(oa.id, 1)]).orders[0]
    stranger = f.buyer(session, rt.clock)
    assert buyer_order(session, buyer.user.id, order.id).id == order.id
    assert seller_order(session, a.id, order.id).id == order.id
    with pytest.raises(NotFound):
        buyer_order(session, stranger.user.id, order.id)
    with pytest.raises(NotFound):
        seller_order(session, b.id, order.id)
    with pytest.raises(NotFound):
        cancel_by_buyer(
            session,
            rt.clock,
            rt.payments,
            buyer_id=stranger.user.id,
            order_id=order.id,
            reason="Mine now",
        )
    with pytest.raises(NotFound):
        cancel_by_seller(
            session, rt.clock, rt.payments, seller_id=b.id, order_id=order.id, reason="NoInventory"
        )
    with pytest.raises(NotFound):
        buyer_order(session, buyer.user.id, "000-0000000-0000000")
    assert [o.id for o in buyer_orders(session, buyer.user.id)] == [order.id]
    assert buyer_orders(session, stranger.user.id) == []
    assert [o.id for o in seller_orders(session, a.id, statuses=(rules.UNSHIPPED,))] == [order.id]
    assert seller_orders(session, b.id) == []
    assert seller_orders(session, a.id, marketplace="DE") == []


@pytest.fixture
def isolated_handlers():
    saved = {topic: list(handlers) for topic, handlers in event_handlers.items()}
    yield
    event_handlers.clear()
    event_handlers.update(saved)


def test_order_placed_event_is_committed_with_the_orders_and_delivered(
    rt, session, market, isolated_handlers
):
    _, _, oa, _, buyer = market
    seen = []
    on("order.placed")(lambda s, event: seen.append(event.payload["order_id"]))
    rt.dispatcher.detach()  # deliver by hand below, as the outbox job does
    order = _checkout(rt, session, buyer, [(oa.id, 1)]).orders[0]
    events = session.scalars(select(OutboxEvent).where(OutboxEvent.topic == "order.placed")).all()
    assert [e.subject for e in events] == [order.id] and events[0].delivered_at is None
    assert events[0].payload["items"][0]["unit_price_minor"] == 1000
    assert seen == []
    session.rollback()  # end this session's transaction: SQLite has one writer at a time
    assert deliver_pending(rt.sessions, rt.clock) >= 1
    assert seen == [order.id]
    session.expire_all()
    assert session.get(OutboxEvent, events[0].id).delivered_at == rt.clock.now()


def test_run_due_runs_each_job_once_per_period(rt, session):
    first = run_due(rt.sessions, rt.clock)
    assert "outbox.deliver" in first and "carts.expire_guest_carts" in first
    assert not any(str(v).startswith("failed") for v in first.values())
    assert run_due(rt.sessions, rt.clock) == {}
    rt.clock.advance(timedelta(minutes=1))
    assert "outbox.deliver" in run_due(rt.sessions, rt.clock)
    runs = {r.name: r for r in session.scalars(select(JobRun))}
    assert runs["outbox.deliver"].last_started_at == rt.clock.now()


def test_stale_started_checkout_is_failed_by_its_job(rt, session, market):
    _, _, oa, _, buyer = market
    session.add(
        Checkout(
            buyer_id=buyer.user.id,
            idempotency_key="stuck",
            marketplace="US",
            status="started",
            currency="USD",
            created_at=rt.clock.now(),
        )
    )
    session.commit()
    with pytest.raises(Exception):  # noqa: B017 - still in progress
        _checkout(rt, session, buyer, [(oa.id, 1)], key="stuck")
    session.rollback()
    rt.clock.advance(timedelta(minutes=20))
    run_due(rt.sessions, rt.clock)
    session.expire_all()
    assert session.scalars(select(Checkout.status)).one() == "failed"
    with pytest.raises(PaymentDeclined):
        _checkout(rt, session, buyer, [(oa.id, 1)], key="stuck")


class _CrashAtCapture(TestPaymentProvider):
    """A process that dies right after writing the orders, before capture."""

    def capture(self, reference, amount):
        raise RuntimeError("process killed")


def test_hold_of_a_checkout_that_died_before_its_orders_is_released(rt, session, market):
    buyer = market[4]
    checkout = Checkout(
        buyer_id=buyer.user.id,
        idempotency_key="died",
        marketplace="US",
        status="started",
        currency="USD",
        total_minor=1999,
        created_at=rt.clock.now(),
    )
    session.add(checkout)
    session.flush()
    session.add(
        Payment(
            checkout_id=checkout.id,
            provider="test",
            status="authorizing",
            currency="USD",
            amount_minor=1999,
            created_at=rt.clock.now(),
            updated_at=rt.clock.now(),
        )
    )
    session.commit()
    rt.clock.advance(timedelta(minutes=11))
    assert release_stale_checkouts(rt.sessions, rt.clock, rt.payments) == 1
    session.expire_all()
    assert session.scalars(select(Payment.status)).one() == "released"
    assert session.scalars(select(Checkout.status)).one() == "failed"
    assert _count(session, Order) == 0


def test_orders_of_a_checkout_that_died_before_capture_are_captured_later(rt, session, market):
    _, _, oa, _, buyer = market
    with pytest.raises(RuntimeError):
        place_order(
            session,
            rt.clock,
            _CrashAtCapture(),
            CheckoutRequest(
                buyer_id=buyer.user.id,
                marketplace="US",
                address_id=buyer.address.id,
                delivery_speed="standard",
                card=f.GOOD_CARD,
                idempotency_key="crash",
                lines=((oa.id, 1),),
            ),
        )
    session.rollback()
    assert session.scalars(select(Order.status)).one() == "Pending"
    session.rollback()  # end the read: on SQLite an open session holds the write lock
    assert release_stale_checkouts(rt.sessions, rt.clock, rt.payments) == 0  # not stale yet
    rt.clock.advance(timedelta(minutes=11))
    assert release_stale_checkouts(rt.sessions, rt.clock, rt.payments) == 1
    session.expire_all()
    assert session.scalars(select(Order.status)).one() == "Unshipped"
    assert session.scalars(select(Payment.status)).one() == "captured"
    assert session.scalars(select(OutboxEvent).where(OutboxEvent.topic == "order.placed")).one()


def test_a_late_capture_that_fails_cancels_the_orders_and_returns_stock(rt, session, market):
    _, _, oa, _, buyer = market
    before = session.get(type(oa), oa.id).quantity
    session.rollback()
    with pytest.raises(RuntimeError):
        place_order(
            session,
            rt.clock,
            _CrashAtCapture(),
            CheckoutRequest(
                buyer_id=buyer.user.id,
                marketplace="US",
                address_id=buyer.address.id,
                delivery_speed="standard",
                card=f.CAPTURE_FAILS_CARD,
                idempotency_key="crash2",
                lines=((oa.id, 2),),
            ),
        )
    session.rollback()
    rt.clock.advance(timedelta(minutes=11))
    release_stale_checkouts(rt.sessions, rt.clock, rt.payments)
    session.expire_all()
    assert session.scalars(select(Order.status)).one() == "Canceled"
    assert session.scalars(select(Payment.status)).one() == "failed"
    assert session.get(type(oa), oa.id).quantity == before
