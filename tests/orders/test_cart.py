"""Carts on both databases: add, limits, save for later, merge at sign-in."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from souk.core.errors import InvalidInput, NotFound
from souk.core.policy import default_policy
from souk.orders.cart import (
    add_to_cart,
    cart_view,
    expire_guest_carts,
    get_or_create_cart,
    merge_guest_cart,
    save_for_later,
    set_quantity,
)
from souk.orders.models import Cart, CartLine
from souk.sellers.service import set_holiday
from tests import factories as f

LIMIT = default_policy().for_marketplace("US").checkout.max_quantity_per_line


@pytest.fixture
def shop(rt, session):
    seller = f.seller(session, rt.clock)
    a = f.offer(
        session,
        rt.clock,
        seller_id=seller.id,
        asin=f.product(session, rt.clock).asin,
        price="10.00",
        quantity=100,
    )
    b = f.offer(
        session,
        rt.clock,
        seller_id=seller.id,
        asin=f.product(session, rt.clock).asin,
        price="2.50",
        quantity=100,
    )
    return seller, a, b


def test_add_to_cart_adds_quantities_on_one_line(rt, session, shop):
    _, a, b = shop
    buyer = f.buyer(session, rt.clock)
    cart = get_or_create_cart(session, rt.clock, marketplace="US", buyer_id=buyer.user.id)
    add_to_cart(session, rt.clock, cart, a.id, 2)
    add_to_cart(session, rt.clock, cart, a.id, 3)
    add_to_cart(session, rt.clock, cart, b.id, 1)
    view = cart_view(session, cart)
    assert [(i.offer.id, i.quantity) for i in view.active] == [(a.id, 5), (b.id, 1)]
    assert view.subtotal.minor == 5 * 1000 + 250
    assert view.item_count == 6
    assert (
        get_or_create_cart(session, rt.clock, marketplace="US", buyer_id=buyer.user.id).id
        == cart.id
    )


def test_add_to_cart_refusals_change_nothing(rt, session, shop):
    seller, a, _ = shop
    cart = get_or_create_cart(session, rt.clock, marketplace="US")
    add_to_cart(session, rt.clock, cart, a.id, LIMIT)
    for offer_id, quantity, error in [
        (a.id, 1, InvalidInput),  # over the per-line limit
        (a.id, 0, InvalidInput),
        (a.id, -2, InvalidInput),
        (999_999, 1, NotFound),
    ]:
        with pytest.raises(error):
            add_to_cart(session, rt.clock, cart, offer_id, quantity)
    de = f.offer(
        session,
        rt.clock,
        seller_id=seller.id,
        asin=f.product(session, rt.clock).asin,
        marketplace="DE",
    )
    with pytest.raises(NotFound):
        add_to_cart(session, rt.clock, cart, de.id, 1)
    session.expire_all()
    assert [(line.offer_id, line.quantity) for line in session.scalars(select(CartLine))] == [
        (a.id, LIMIT)
    ]
    with pytest.raises(InvalidInput):
        get_or_create_cart(session, rt.clock, marketplace="ZZ")


def test_cannot_add_more_than_in_stock_or_from_a_seller_away(rt, session):
    seller = f.seller(session, rt.clock)
    offer = f.offer(
        session, rt.clock, seller_id=seller.id, asin=f.product(session, rt.clock).asin, quantity=2
    )
    cart = get_or_create_cart(session, rt.clock, marketplace="US")
    with pytest.raises(InvalidInput, match="Only 2 left"):
        add_to_cart(session, rt.clock, cart, offer.id, 3)
    set_holiday(session, rt.clock, seller.id, True)
    with pytest.raises(InvalidInput):
        add_to_cart(session, rt.clock, cart, offer.id, 1)


def test_save_for_later_leaves_the_subtotal(rt, session, shop):
    _, a, b = shop
    cart = get_or_create_cart(session, rt.clock, marketplace="US")
    add_to_cart(session, rt.clock, cart, a.id, 1)
    add_to_cart(session, rt.clock, cart, b.id, 2)
    line_b = cart_view(session, cart).items[1].line_id
    save_for_later(session, rt.clock, cart, line_b, True)
    view = cart_view(session, cart)
    assert [i.offer.id for i in view.saved] == [b.id]
    assert view.subtotal.minor == 1000
    save_for_later(session, rt.clock, cart, line_b, False)
    assert cart_view(session, cart).subtotal.minor == 1500
    set_quantity(session, rt.clock, cart, line_b, 0)
    assert [i.offer.id for i in cart_view(session, cart).items] == [a.id]


def test_lines_of_another_cart_are_not_found(rt, session, shop):
    _, a, _ = shop
    mine = get_or_create_cart(session, rt.clock, marketplace="US")
    theirs = get_or_create_cart(session, rt.clock, marketplace="US")
    add_to_cart(session, rt.clock, theirs, a.id, 1)
    line_id = cart_view(session, theirs).items[0].line_id
    with pytest.raises(NotFound):
        set_quantity(session, rt.clock, mine, line_id, 5)
    with pytest.raises(NotFound):
        save_for_later(session, rt.clock, mine, line_id, True)


def test_merge_at_sign_in_adds_quantities_capped_at_the_limit(rt, session, shop):
    _, a, b = shop
    buyer = f.buyer(session, rt.clock)
    mine = get_or_create_cart(session, rt.clock, marketplace="US", buyer_id=buyer.user.id)
    add_to_cart(session, rt.clock, mine, a.id, LIMIT - 1)
    guest = get_or_create_cart(session, rt.clock, marketplace="US")
    add_to_cart(session, rt.clock, guest, a.id, 5)
    add_to_cart(session, rt.clock, guest, b.id, 2)
    merged = merge_guest_cart(
        session, rt.clock, token=guest.token, buyer_id=buyer.user.id, marketplace="US"
    )
    assert merged.id == mine.id
    session.expire_all()
    view = cart_view(session, session.get(Cart, mine.id))
    assert [(i.offer.id, i.quantity) for i in view.items] == [(a.id, LIMIT), (b.id, 2)]
    assert session.get(Cart, guest.id) is None
    # Signing in again with the spent token changes nothing.
    merge_guest_cart(session, rt.clock, token=guest.token, buyer_id=buyer.user.id, marketplace="US")
    assert session.scalar(select(func.count()).select_from(CartLine)) == 2


def test_merge_creates_the_buyer_cart_when_there_is_none(rt, session, shop):
    _, a, _ = shop
    buyer = f.buyer(session, rt.clock)
    guest = get_or_create_cart(session, rt.clock, marketplace="US")
    add_to_cart(session, rt.clock, guest, a.id, 3)
    cart = merge_guest_cart(
        session, rt.clock, token=guest.token, buyer_id=buyer.user.id, marketplace="US"
    )
    assert cart.buyer_id == buyer.user.id
    assert [(i.offer.id, i.quantity) for i in cart_view(session, cart).items] == [(a.id, 3)]


def test_cart_view_flags_lines_that_cannot_be_bought(rt, session):
    seller = f.seller(session, rt.clock)
    offer = f.offer(
        session, rt.clock, seller_id=seller.id, asin=f.product(session, rt.clock).asin, quantity=5
    )
    cart = get_or_create_cart(session, rt.clock, marketplace="US")
    add_to_cart(session, rt.clock, cart, offer.id, 4)
    from souk.offers.service import update_quantity

    update_quantity(session, rt.clock, offer, 2)
    item = cart_view(session, cart).items[0]
    assert item.problem == "Only 2 left from this seller."
    assert cart_view(session, cart).subtotal.minor == 0


def test_old_guest_carts_expire(rt, session, shop):
    _, a, _ = shop
    buyer = f.buyer(session, rt.clock)
    guest = get_or_create_cart(session, rt.clock, marketplace="US")
    mine = get_or_create_cart(session, rt.clock, marketplace="US", buyer_id=buyer.user.id)
    add_to_cart(session, rt.clock, guest, a.id, 1)
    add_to_cart(session, rt.clock, mine, a.id, 1)
    days = default_policy().for_marketplace("US").checkout.guest_cart_days
    rt.clock.advance(timedelta(days=days - 1))
    assert expire_guest_carts(rt.sessions, rt.clock) == 0
    rt.clock.advance(timedelta(days=2))
    guest_id, mine_id = guest.id, mine.id
    assert expire_guest_carts(rt.sessions, rt.clock) == 1
    session.expire_all()
    assert session.get(Cart, guest_id) is None and session.get(Cart, mine_id) is not None
