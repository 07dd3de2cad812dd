"""Promotions on both databases: targeting and local starts, cart and checkout prices,
claims and their release, coupons' clips, budgets and limits, event submissions."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from souk.core.clock import utc
from souk.core.errors import InvalidInput, InvalidState, OutOfStock
from souk.core.money import Money
from souk.orders.cart import add_to_cart, cart_view, get_or_create_cart
from souk.orders.models import OrderItem
from souk.orders.service import CheckoutRequest, cancel_by_buyer, place_order
from souk.promotions import rules
from souk.promotions.models import Promotion, PromotionClaim
from souk.promotions.service import (
    PromotionDraft,
    clip_coupon,
    create_event,
    create_promotion,
    deal_cards,
    event_submissions,
    join_waitlist,
    review_submission,
    submit_event_deal,
)
from tests import factories as f
from tests.promotions import support as s

DST_MORNING_NY = utc(2026, 3, 8, 12)  # 08:00 EDT on the day clocks went forward


def usd(text: str) -> Money:
    return Money.parse(text, "USD")


@pytest.fixture
def shop(rt, session):
    seller = f.seller(session, rt.clock, name="Kettle House")
    product = f.product(session, rt.clock, title="Acme Steel Kettle")
    offer = f.offer(
        session,
        rt.clock,
        seller_id=seller.id,
        asin=product.asin,
        price="20.00",
        quantity=50,
        sku="KETTLE-1",
    )
    return seller, product, offer


def _buy(rt, session, buyer, offer, quantity=1, key="k1"):
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
            idempotency_key=key,
            lines=((offer.id, quantity),),
        ),
    )


def _unit_prices(session, order_id):
    return sorted(
        (i.quantity, i.unit_price_minor)
        for i in session.scalars(select(OrderItem).where(OrderItem.order_id == order_id))
    )


def test_state_targeted_deal_starts_at_eight_local_for_buyers_in_that_state(rt, session, shop):
    seller, product, _offer = shop
    new_yorker = s.buyer_in(session, rt.clock, "NY")
    californian = s.buyer_in(session, rt.clock, "CA")
    deal = s.lightning(session, rt.clock, seller_id=seller.id, sku="KETTLE-1", states=("US-NY",))
    assert (deal.window_start, deal.window_end) == (utc(2026, 3, 8, 12), utc(2026, 3, 9, 0))

    def sees(buyer) -> bool:
        cards = deal_cards(session, rt.clock.now(), "US", buyer.user.id if buyer else None)
        return any(c.product.asin == product.asin for c in cards)

    rt.clock.set(DST_MORNING_NY - timedelta(minutes=1))
    assert not sees(new_yorker)
    rt.clock.set(DST_MORNING_NY)
    assert sees(new_yorker)
    assert not sees(californian)
    assert not sees(None)  # a guest's location is unknown
    card = deal_cards(session, rt.clock.now(), "US", new_yorker.user.id)[0]
    assert card.deal_price == usd("14.00") and card.list_price == usd("20.00")
    assert card.ends_at == utc(2026, 3, 9, 0)  # 20:00 EDT


def test_each_zone_schedule_starts_later_in_the_west(rt, session, shop):
    seller, _product, _ = shop
    new_yorker = s.buyer_in(session, rt.clock, "NY")
    arizonan = s.buyer_in(session, rt.clock, "AZ")
    s.lightning(session, rt.clock, seller_id=seller.id, sku="KETTLE-1")
    rt.clock.set(utc(2026, 3, 8, 14, 59))  # 10:59 in New York, 07:59 in Phoenix (MST)
    assert deal_cards(session, rt.clock.now(), "US", new_yorker.user.id)
    assert not deal_cards(session, rt.clock.now(), "US", arizonan.user.id)
    rt.clock.set(utc(2026, 3, 8, 15))
    assert deal_cards(session, rt.clock.now(), "US", arizonan.user.id)


def test_checkout_charges_the_deal_price_shown_in_the_cart_and_claims_units(rt, session, shop):
    seller, _, offer = shop
    buyer = s.buyer_in(session, rt.clock, "NY")
    deal = s.lightning(session, rt.clock, seller_id=seller.id, sku="KETTLE-1", units=2)
    rt.clock.set(DST_MORNING_NY)
    cart = get_or_create_cart(session, rt.clock, marketplace="US", buyer_id=buyer.user.id)
    add_to_cart(session, rt.clock, cart, offer.id, 3)
    view = cart_view(session, cart)
    assert view.subtotal == usd("48.00")  # two at the deal price, one at 20.00
    result = place_order(
        session,
        rt.clock,
        rt.payments,
        CheckoutRequest(
            buyer_id=buyer.user.id,
            marketplace="US",
            address_id=buyer.address.id,
            delivery_speed="standard",
            card=f.GOOD_CARD,
            idempotency_key="cart-1",
        ),
    )
    order = result.orders[0]
    assert order.items_minor == 4800
    assert _unit_prices(session, order.id) == [(1, 2000), (2, 1400)]
    session.expire_all()
    assert session.get(Promotion, deal.id).claimed == 2
    # The same key replays without claiming again.
    again = place_order(
        session,
        rt.clock,
        rt.payments,
        CheckoutRequest(
            buyer_id=buyer.user.id,
            marketplace="US",
            address_id=buyer.address.id,
            delivery_speed="standard",
            card=f.GOOD_CARD,
            idempotency_key="cart-1",
        ),
    )
    assert again.replayed
    session.expire_all()
    assert session.get(Promotion, deal.id).claimed == 2
    # The deal is sold out: the next buyer pays the regular price.
    other = s.buyer_in(session, rt.clock, "NY")
    order2 = _buy(rt, session, other, offer, key="k2").orders[0]
    assert _unit_prices(session, order2.id) == [(1, 2000)]
    # Canceling gives the deal's units back.
    cancel_by_buyer(
        session,
        rt.clock,
        rt.payments,
        buyer_id=buyer.user.id,
        order_id=order.id,
        reason="Changed my mind",
    )
    session.expire_all()
    assert session.get(Promotion, deal.id).claimed == 0
    claim = session.scalar(select(PromotionClaim))
    assert claim.released and claim.units == 2 and claim.discount_minor == 1200


def test_buyer_outside_the_audience_pays_the_regular_price(rt, session, shop):
    seller, _, offer = shop
    californian = s.buyer_in(session, rt.clock, "CA")
    deal = s.lightning(session, rt.clock, seller_id=seller.id, sku="KETTLE-1", states=("US-NY",))
    rt.clock.set(utc(2026, 3, 8, 18))
    order = _buy(rt, session, californian, offer).orders[0]
    assert _unit_prices(session, order.id) == [(1, 2000)]
    session.expire_all()
    assert session.get(Promotion, deal.id).claimed == 0


def test_waitlist_only_for_a_sold_out_deal(rt, session, shop):
    seller, _, offer = shop
    first, second = s.buyer_in(session, rt.clock, "NY"), s.buyer_in(session, rt.clock, "NY")
    s.lightning(session, rt.clock, seller_id=seller.id, sku="KETTLE-1", units=1)
    rt.clock.set(DST_MORNING_NY)
    deal = session.scalar(select(Promotion))
    with pytest.raises(InvalidState):
        join_waitlist(session, rt.clock, second.user.id, deal.id)
    _buy(rt, session, first, offer)
    assert join_waitlist(session, rt.clock, second.user.id, deal.id) == 1
    assert join_waitlist(session, rt.clock, second.user.id, deal.id) == 1


def test_deal_above_the_recent_lowest_price_is_refused_and_nothing_written(rt, session, shop):
    seller, _, offer = shop
    from souk.offers.service import update_price

    update_price(session, rt.clock, offer, usd("15.00"))  # the lowest in the window
    update_price(session, rt.clock, offer, usd("20.00"))
    with pytest.raises(InvalidInput, match="recent lowest") as error:
        s.lightning(session, rt.clock, seller_id=seller.id, sku="KETTLE-1", price="16.00")
    assert error.value.field == "deal_price"
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Promotion)) == 0
    s.lightning(session, rt.clock, seller_id=seller.id, sku="KETTLE-1", price="15.00")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"skus": ("NOT-MINE",)}, "skus"),
        ({"deal_quantity": 51}, "deal_quantity"),
        ({"ends": datetime(2026, 3, 8, 7)}, "ends"),
        ({"ends": datetime(2026, 3, 9, 9)}, "ends"),  # longer than 12 hours
        ({"title": "x"}, "title"),
    ],
)
def test_bad_deals_are_refused(rt, session, shop, change, field):
    seller, _, _ = shop
    draft = PromotionDraft(
        kind=rules.LIGHTNING_DEAL,
        title="Deal",
        skus=("KETTLE-1",),
        starts=datetime(2026, 3, 8, 8),
        ends=datetime(2026, 3, 8, 20),
        deal_price=usd("14.00"),
        deal_quantity=5,
    )
    import dataclasses

    with pytest.raises(InvalidInput) as error:
        create_promotion(
            session,
            rt.clock,
            seller_id=seller.id,
            marketplace="US",
            draft=dataclasses.replace(draft, **change),
        )
    assert error.value.field == field
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Promotion)) == 0


def test_coupon_applies_once_clipped_and_stops_at_its_redemption_limit(rt, session, shop):
    seller, _, offer = shop
    buyers = [s.buyer_in(session, rt.clock, "IL") for _ in range(3)]
    coupon = create_promotion(
        session,
        rt.clock,
        seller_id=seller.id,
        marketplace="US",
        draft=PromotionDraft(
            kind=rules.COUPON,
            title="Spring kettle coupon",
            skus=("KETTLE-1",),
            starts=datetime(2026, 3, 1),
            ends=datetime(2026, 3, 31),
            amount_off=usd("5.00"),
            redemption_limit=1,
        ),
    )
    # Not clipped: the regular price.
    order = _buy(rt, session, buyers[0], offer, key="a").orders[0]
    assert _unit_prices(session, order.id) == [(1, 2000)]
    clip_coupon(session, rt.clock, buyers[1].user.id, coupon.id)
    clip_coupon(session, rt.clock, buyers[1].user.id, coupon.id)  # twice changes nothing
    clip_coupon(session, rt.clock, buyers[2].user.id, coupon.id)
    order = _buy(rt, session, buyers[1], offer, 2, key="b").orders[0]
    assert _unit_prices(session, order.id) == [(2, 1500)]
    session.expire_all()
    used = session.get(Promotion, coupon.id)
    assert (used.redemptions, used.spent_minor) == (1, 1000)
    # The limit is reached: the coupon no longer applies, nor can it be clipped.
    order = _buy(rt, session, buyers[2], offer, key="c").orders[0]
    assert _unit_prices(session, order.id) == [(1, 2000)]
    newcomer = s.buyer_in(session, rt.clock, "IL")
    with pytest.raises(InvalidState):
        clip_coupon(session, rt.clock, newcomer.user.id, coupon.id)


def test_buy_two_get_one_splits_the_line_into_paid_and_free_units(rt, session, shop):
    seller, _, offer = shop
    buyer = s.buyer_in(session, rt.clock, "IL")
    create_promotion(
        session,
        rt.clock,
        seller_id=seller.id,
        marketplace="US",
        draft=PromotionDraft(
            kind=rules.BUY_X_GET_Y,
            title="Buy two, get one",
            skus=("KETTLE-1",),
            starts=datetime(2026, 3, 1),
            ends=datetime(2026, 3, 31),
            buy=2,
            get=1,
        ),
    )
    order = _buy(rt, session, buyer, offer, 3).orders[0]
    assert _unit_prices(session, order.id) == [(1, 0), (2, 2000)]
    assert order.items_minor == 4000


def test_a_deal_that_sells_out_during_checkout_fails_it_cleanly(rt, session, shop):
    from souk.promotions.service import apply_promotions, claim_promotions

    seller, product, offer = shop
    buyer = s.buyer_in(session, rt.clock, "NY")
    deal = s.lightning(session, rt.clock, seller_id=seller.id, sku="KETTLE-1", units=1)
    rt.clock.set(DST_MORNING_NY)
    from souk.orders.rules import Purchasable

    line = Purchasable(
        offer.id,
        seller.id,
        product.asin,
        "KETTLE-1",
        "Kettle",
        "new",
        usd("20.00"),
        usd("0"),
        1,
        1,
        "MERCHANT",
    )
    priced = apply_promotions(session, rt.clock.now(), buyer.user.id, "US", [line])
    assert priced[0].unit_price == usd("14.00")
    session.execute(Promotion.__table__.update().where(Promotion.id == deal.id).values(claimed=1))

    from souk.orders.models import Checkout

    checkout = Checkout(
        buyer_id=buyer.user.id,
        idempotency_key="sold-out",
        marketplace="US",
        status="started",
        currency="USD",
        total_minor=1400,
        created_at=rt.clock.now(),
    )
    session.add(checkout)
    session.flush()
    with pytest.raises(OutOfStock, match="sold out"):
        claim_promotions(session, checkout, priced)
    session.rollback()


def test_event_submission_rules_and_review(rt, session, shop):
    seller, product, _ = shop
    buyer = s.buyer_in(session, rt.clock, "CA")
    event = create_event(
        session,
        rt.clock,
        marketplace="US",
        name="Members' Spring Sale",
        description="Two days of deals.",
        starts_at=utc(2026, 3, 10, 7),
        ends_at=utc(2026, 3, 12, 7),
        submissions_close_at=utc(2026, 3, 6),
        min_rating=3.5,
        min_discount_bp=1500,
    )
    assert event.slug == "members-spring-sale"

    def submit(price: str, units: int = 10):
        return submit_event_deal(
            session,
            rt.clock,
            seller_id=seller.id,
            event_id=event.id,
            sku="KETTLE-1",
            deal_price=usd(price),
            deal_quantity=units,
        )

    with pytest.raises(InvalidInput, match=r"rating of at least 3\.5"):
        submit("15.00")  # the product has no reviews yet
    session.rollback()
    event.min_rating = 0.0
    session.commit()
    with pytest.raises(InvalidInput, match="15%"):
        submit("18.00")
    session.rollback()
    with pytest.raises(InvalidInput, match="in stock"):
        submit("15.00", units=51)
    session.rollback()
    assert event_submissions(session, event.id) == []
    deal = submit("15.00")
    assert deal.status == "submitted"
    with pytest.raises(InvalidInput):
        review_submission(session, rt.clock, promotion_id=deal.id, approve=False, note=" ")
    session.rollback()
    review_submission(session, rt.clock, promotion_id=deal.id, approve=True, note="")
    with pytest.raises(InvalidState):
        review_submission(session, rt.clock, promotion_id=deal.id, approve=True, note="")
    session.rollback()
    rt.clock.set(utc(2026, 3, 9))
    assert deal_cards(session, rt.clock.now(), "US", buyer.user.id) == []
    rt.clock.set(utc(2026, 3, 11))
    cards = deal_cards(session, rt.clock.now(), "US", buyer.user.id, event_id=event.id)
    assert [(c.product.asin, c.deal_price) for c in cards] == [(product.asin, usd("15.00"))]
    rt.clock.set(utc(2026, 3, 6))
    with pytest.raises(InvalidState, match="closed"):
        submit("15.00")
