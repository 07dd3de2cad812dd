"""Checkout's promise and speed charge equal what the placed order stores and charges:
network dates per shipment, Prime's free fast delivery on eligible parcels only."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from souk.core.errors import InvalidInput
from souk.core.money import Money
from souk.finance import service as finance
from souk.fulfillment import network, prime
from souk.fulfillment.delivery import checkout_terms
from souk.fulfillment.models import Shipment
from souk.marketplaces.rules import MARKETPLACES
from souk.offers.models import Offer
from souk.orders import rules as order_rules
from souk.orders.models import Order, Payment
from souk.orders.service import CheckoutRequest, place_order
from tests import factories as f
from tests.fulfillment.support import buyer_at, platform_offer, stock_at
from tests.web.conftest import browser  # noqa: F401

EXPEDITED_CHARGE = 599  # policy default for the US "expedited" speed


def _join(rt, session, buyer, card=f.GOOD_CARD):
    return prime.join(
        session,
        rt.clock,
        rt.payments,
        user_id=buyer.user.id,
        marketplace="US",
        plan="monthly",
        card=card,
    )


def _merchant_offer(rt, session, price="15.00", quantity=10):
    seller = f.seller(session, rt.clock)
    product = f.product(session, rt.clock)
    offer = f.offer(
        session, rt.clock, seller_id=seller.id, asin=product.asin, price=price, quantity=quantity
    )
    session.commit()
    return offer


def _place(rt, session, buyer, lines, speed, key):
    return place_order(
        session,
        rt.clock,
        rt.payments,
        CheckoutRequest(
            buyer_id=buyer.user.id,
            marketplace="US",
            address_id=buyer.address.id,
            delivery_speed=speed,
            card=f.GOOD_CARD,
            idempotency_key=key,
            lines=tuple(lines),
        ),
    )


def _parcels(session, lines):
    """The parcels checkout makes of (offer, quantity) lines."""
    wanted = []
    for offer_id, quantity in lines:
        offer = session.get(Offer, offer_id)
        wanted.append(
            order_rules.Purchasable(
                offer_id=offer.id,
                seller_id=offer.seller_id,
                asin=offer.asin,
                sku=offer.sku,
                title="",
                condition=offer.condition,
                unit_price=Money(offer.currency, offer.price_minor),
                unit_shipping=Money(offer.currency, offer.shipping_minor),
                quantity=quantity,
                handling_days=offer.handling_days,
                fulfillment_channel=offer.fulfillment_channel,
            )
        )
    return order_rules.split_by_seller(wanted)


def _terms(rt, session, buyer, lines, speed):
    return checkout_terms(
        session,
        _parcels(session, lines),
        marketplace="US",
        speed=speed,
        buyer_id=buyer.user.id,
        postal_code=buyer.address.postal_code,
        now=rt.clock.now(),
    )


def _stored_arrival(session, order_id):
    session.expire_all()
    order = session.get(Order, order_id)
    zone = MARKETPLACES["US"].zone
    return order.latest_delivery_at.astimezone(zone).date()


@pytest.mark.parametrize("speed", ["standard", "expedited", "next_day"])
def test_the_promise_shown_is_the_promise_stored(rt, session, speed):
    stocked = platform_offer(rt, session)
    stock_at(rt, session, stocked, {"ONT8": 5})
    merchant = _merchant_offer(rt, session)
    east = buyer_at(rt, session, "10001", "NY", "New York")
    west = buyer_at(rt, session, "90210", "CA", "Beverly Hills")
    lines = [(stocked.offer_id, 1)]
    near = _terms(rt, session, west, lines, speed)[0]
    far = _terms(rt, session, east, lines, speed)[0]
    # The network's date depends on the buyer's postal code; the fixed window does not.
    assert near.arrives < far.arrives or speed == "next_day"
    placed = _place(rt, session, east, lines, speed, f"east-{speed}").orders[0]
    assert _stored_arrival(session, placed.id) == far.arrives
    if speed == "next_day":
        return  # merchant offers cannot ship next day
    # A cart that splits: one promise per shipment, each equal to its order's.
    mixed = [(stocked.offer_id, 1), (merchant.id, 1)]
    terms = _terms(rt, session, west, mixed, speed)
    result = _place(rt, session, west, mixed, speed, f"west-{speed}")
    stored = {o.fulfillment_channel: _stored_arrival(session, o.id) for o in result.orders}
    assert {t.parcel.fulfillment_channel: t.arrives for t in terms} == stored


def _money_trail(session, order):
    """What the buyer paid and what the seller's ledger holds for the order."""
    payment = session.scalar(select(Payment).where(Payment.checkout_id == order.checkout_id))
    placed = next(
        line
        for line in finance.transactions(session, order.seller_id, "US")
        if line.tx.reference == order.id and line.tx.kind == "order_placed"
    )
    pending = sum(e.amount_minor for e in placed.tx.entries if e.account == "pending")
    return payment.amount_minor, -pending


def test_prime_member_gets_fast_delivery_free_non_member_pays(rt, session):
    stocked = platform_offer(rt, session, price="20.00")
    stock_at(rt, session, stocked, {"EWR4": 5})
    member = buyer_at(rt, session, "10001", "NY", "New York")
    other = buyer_at(rt, session, "10001", "NY", "New York")
    _join(rt, session, member)
    lines = [(stocked.offer_id, 1)]

    [shown] = _terms(rt, session, member, lines, "expedited")
    assert shown.prime_eligible and shown.prime_free and shown.speed_charge.minor == 0
    order = _place(rt, session, member, lines, "expedited", "m1").orders[0]
    assert (order.shipping_minor, order.total_minor) == (0, 2000)
    assert _money_trail(session, order) == (2000, 2000)

    [shown] = _terms(rt, session, other, lines, "expedited")
    assert shown.prime_eligible and not shown.prime_free
    assert shown.speed_charge.minor == EXPEDITED_CHARGE
    order = _place(rt, session, other, lines, "expedited", "o1").orders[0]
    assert (order.shipping_minor, order.total_minor) == (599, 2599)
    assert _money_trail(session, order) == (2599, 2599)

    # Next day is not a Prime speed: members pay it too.
    order = _place(rt, session, member, lines, "next_day", "m2").orders[0]
    assert order.shipping_minor == 1299


def test_mixed_cart_charges_only_the_parcel_prime_does_not_cover(rt, session):
    stocked = platform_offer(rt, session, price="20.00")
    stock_at(rt, session, stocked, {"EWR4": 5})
    merchant = _merchant_offer(rt, session, price="15.00")
    member = buyer_at(rt, session, "10001", "NY", "New York")
    _join(rt, session, member)
    lines = [(stocked.offer_id, 1), (merchant.id, 1)]
    terms = _terms(rt, session, member, lines, "expedited")
    charges = {t.parcel.fulfillment_channel: t.speed_charge.minor for t in terms}
    assert charges == {"PLATFORM": 0, "MERCHANT": EXPEDITED_CHARGE}
    result = _place(rt, session, member, lines, "expedited", "mix")
    by_channel = {o.fulfillment_channel: o for o in result.orders}
    assert by_channel["PLATFORM"].shipping_minor == 0
    assert by_channel["MERCHANT"].shipping_minor == EXPEDITED_CHARGE
    payment = session.scalar(select(Payment).where(Payment.checkout_id == result.checkout.id))
    assert payment.amount_minor == 2000 + 1500 + EXPEDITED_CHARGE == result.checkout.total_minor


def test_merchant_prime_badge_makes_a_merchant_parcel_free_for_members(rt, session):
    offer = _merchant_offer(rt, session, price="10.00", quantity=30)
    member = buyer_at(rt, session, "10001", "NY", "New York")
    other = buyer_at(rt, session, "10001", "NY", "New York")
    # Twenty delivered orders, on time and tracked, earn the seller the badge.
    for n in range(20):
        order = _place(rt, session, other, [(offer.id, 1)], "standard", f"h{n}").orders[0]
        order.delivered_at = order.purchased_at + timedelta(days=2)
        session.add(
            Shipment(
                order_id=order.id,
                carrier="UPS",
                tracking_number=f"1Z999AA1012345678{n % 10}",
                shipped_at=order.purchased_at + timedelta(hours=4),
                delivered_at=order.delivered_at,
            )
        )
    session.commit()
    assert prime.merchant_prime_sellers(session, [offer.seller_id], "US", rt.clock.now())
    _join(rt, session, member)
    [shown] = _terms(rt, session, member, [(offer.id, 1)], "expedited")
    assert shown.prime_eligible and shown.prime_free
    order = _place(rt, session, member, [(offer.id, 1)], "expedited", "badge").orders[0]
    assert order.shipping_minor == 0


def test_an_expired_trial_pays_the_speed_charge(rt, session):
    stocked = platform_offer(rt, session, price="20.00")
    stock_at(rt, session, stocked, {"EWR4": 5})
    member = buyer_at(rt, session, "10001", "NY", "New York")
    _join(rt, session, member)
    prime.cancel(session, rt.clock, user_id=member.user.id, marketplace="US")
    lines = [(stocked.offer_id, 1)]
    assert _terms(rt, session, member, lines, "expedited")[0].prime_free  # still in the trial
    rt.clock.advance(timedelta(days=31))
    [shown] = _terms(rt, session, member, lines, "expedited")
    assert not shown.prime_free and shown.speed_charge.minor == EXPEDITED_CHARGE
    order = _place(rt, session, member, lines, "expedited", "late").orders[0]
    assert order.shipping_minor == EXPEDITED_CHARGE


def test_bad_speed_or_marketplace_is_refused_and_places_nothing(rt, session):
    stocked = platform_offer(rt, session)
    stock_at(rt, session, stocked, {"EWR4": 2})
    buyer = buyer_at(rt, session, "10001", "NY", "New York")
    lines = [(stocked.offer_id, 1)]
    with pytest.raises(InvalidInput) as error:
        _terms(rt, session, buyer, lines, "warp")
    assert error.value.field == "delivery_speed"
    with pytest.raises(InvalidInput):
        checkout_terms(
            session,
            _parcels(session, lines),
            marketplace="XX",
            speed="standard",
            buyer_id=None,
            postal_code="10001",
            now=rt.clock.now(),
        )
    with pytest.raises(InvalidInput):
        _place(rt, session, buyer, lines, "warp", "bad")
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Order)) == 0
    # A unit short in the centres: no network promise, the standard window applies.
    short = _terms(rt, session, buyer, [(stocked.offer_id, 3)], "standard")[0]
    assert not short.prime_eligible
    assert network.offer_centres(session, [stocked.offer_id])[stocked.offer_id]


def test_checkout_page_shows_the_date_the_order_stores(rt, session, browser):  # noqa: F811
    stocked = platform_offer(rt, session, price="20.00")
    stock_at(rt, session, stocked, {"ONT8": 5})
    merchant = _merchant_offer(rt, session, price="15.00")
    buyer = buyer_at(rt, session, "10001", "NY", "New York")
    _join(rt, session, buyer)
    browser.sign_in(buyer.user.email)
    for offer_id in (stocked.offer_id, merchant.id):
        assert browser.post("/cart/add", {"offer_id": offer_id, "quantity": 1}).status_code == 303
    page = browser.get(f"/checkout?address={buyer.address.id}").text
    # Each speed's radio button, then its "Arrives by" date.
    shown = dict(
        re.findall(r'value="(\w+)"[^>]*data-speed-total.*?data-arrives="([\d-]+)"', page, re.S)
    )
    lines = [(stocked.offer_id, 1), (merchant.id, 1)]
    expected = _terms(rt, session, buyer, lines, "expedited")
    session.commit()  # end the read: SQLite lets one writer in at a time
    assert shown["expedited"] == max(t.arrives for t in expected).isoformat()
    # The cart splits: each shipment's date, and Prime covers only the souk parcel.
    shipments = re.findall(r'data-shipment-arrives="([\d-]+)"', page)
    assert {t.arrives.isoformat() for t in expected} <= set(shipments)
    assert "FREE with Prime" in page
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page).group(1)
    placed = browser.post(
        "/checkout/place",
        {
            "address_id": buyer.address.id,
            "delivery_speed": "expedited",
            "card_name": "Ada Buyer",
            "card_number": "4242 4242 4242 4242",
            "card_exp_month": "12",
            "card_exp_year": "2030",
            "card_cvc": "123",
            "idempotency_key": key,
        },
    )
    assert placed.status_code == 303
    session.expire_all()
    orders = session.scalars(select(Order).where(Order.buyer_id == buyer.user.id)).all()
    assert max(_stored_arrival(session, o.id) for o in orders).isoformat() == shown["expedited"]
    assert sum(o.shipping_minor for o in orders) == EXPEDITED_CHARGE  # the merchant parcel only
