"""Storefront pages against the real services, on SQLite and PostgreSQL."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from souk.orders.models import CartLine, Order
from souk.orders.service import CheckoutRequest, place_order
from souk.search.service import apply_pending
from tests import factories as f


def _catalog(rt, session):  # type: ignore[no-untyped-def]
    retail = f.seller(session, rt.clock, name="Kettle House")
    other = f.seller(session, rt.clock, name="Budget Boilers")
    kettle = f.product(session, rt.clock, title="Acme Steel Kettle 1.7 l")
    featured = f.offer(session, rt.clock, seller_id=retail.id, asin=kettle.asin, price="19.99")
    second = f.offer(
        session, rt.clock, seller_id=other.id, asin=kettle.asin, price="21.50", shipping="3.99"
    )
    # Inline event delivery leaves search documents pending; index them as a worker would.
    session.commit()
    apply_pending(rt.sessions, rt.clock, rt.search_index)
    return kettle, featured, second, retail, other


def _cart_lines(session) -> int:  # type: ignore[no-untyped-def]
    session.expire_all()
    return session.scalar(select(func.count()).select_from(CartLine)) or 0


def test_home_category_search_and_product_pages_show_real_offers(rt, session, browser):
    kettle, *_ = _catalog(rt, session)
    home = browser.get("/")
    assert home.status_code == 200
    assert "Home &amp; Kitchen" in home.text and kettle.title in home.text
    assert "$19.99" in home.text  # price from the featured offer

    category = browser.get("/c/home-kitchen/kitchen")
    assert category.status_code == 200
    assert kettle.title in category.text and "1\N{EN DASH}1 of 1 results" in category.text
    assert 'href="/c/home-kitchen"' in category.text  # breadcrumbs

    found = browser.get("/s", params={"k": "steel kettle"})
    assert "1 result for" in found.text and kettle.title in found.text
    nothing = browser.get("/s", params={"k": "submarine"})
    assert "No results for" in nothing.text and "Check the spelling" in nothing.text

    page = browser.get(f"/dp/{kettle.asin}")
    assert page.status_code == 200
    text = page.text
    assert "Add to Cart" in text and "In stock" in text
    # Frozen clock: Monday 2 March 2026, 9:00 in New York; 1 handling day + 3-5 transit days.
    assert "Arrives Friday, March 6 \N{EN DASH} Tuesday, March 10" in text
    assert "Sold by" in text and "Kettle House" in text
    assert "Other sellers on souk" in text and "Budget Boilers" in text

    offers = browser.get(f"/dp/{kettle.asin}/offers")
    assert offers.status_code == 200 and offers.text.count('action="/cart/add"') == 2


def test_low_stock_line_and_no_featured_offer(rt, session, browser):
    seller = f.seller(session, rt.clock)
    individual = f.seller(session, rt.clock, plan="individual")
    scarce = f.product(session, rt.clock)
    f.offer(session, rt.clock, seller_id=seller.id, asin=scarce.asin, quantity=3)
    used_only = f.product(session, rt.clock)
    f.offer(session, rt.clock, seller_id=individual.id, asin=used_only.asin, condition="used_good")
    assert "Only 3 left in stock" in browser.get(f"/dp/{scarce.asin}").text
    page = browser.get(f"/dp/{used_only.asin}").text
    assert "See all buying options" in page and "Add to Cart" not in page


def test_unknown_product_and_category_are_404(browser):
    assert browser.get("/dp/B0NOSUCH00").status_code == 404
    assert browser.get("/c/no/such/place").status_code == 404


def test_guest_cart_survives_sign_in_and_checkout_places_one_order(rt, session, browser):
    kettle, featured, *_ = _catalog(rt, session)
    buyer = f.buyer(session, rt.clock)
    added = browser.post("/cart/add", {"offer_id": featured.id, "quantity": 2})
    assert added.status_code == 303
    cart = browser.get("/cart").text
    assert kettle.title in cart and "Subtotal (2 items)" in cart and "$39.98" in cart

    browser.sign_in(buyer.user.email)  # the guest cart merges into the buyer's cart
    assert "Subtotal (2 items)" in browser.get("/cart").text

    page = browser.get("/checkout").text
    assert "4242 4242 4242 4242" in page  # test cards are explained
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page).group(1)
    form = {
        "address_id": buyer.address.id,
        "delivery_speed": "standard",
        "card_name": "Ada Buyer",
        "card_number": "4242 4242 4242 4242",
        "card_exp_month": "12",
        "card_exp_year": "2030",
        "card_cvc": "123",
        "idempotency_key": key,
    }
    first = browser.post("/checkout/place", form)
    again = browser.post("/checkout/place", form)  # a double submit
    assert first.status_code == again.status_code == 303
    assert first.headers["location"] == again.headers["location"]
    session.expire_all()
    orders = session.scalars(select(Order)).all()
    assert len(orders) == 1 and orders[0].total_minor == 3998
    assert orders[0].id in browser.get(first.headers["location"]).text
    history = browser.get("/orders").text
    assert orders[0].id in history and kettle.title in history
    detail = browser.get(f"/orders/{orders[0].id}").text
    assert "Cancel this order" in detail and "1 Main St" in detail


def test_add_to_cart_with_quantity_zero_is_refused_beside_the_field(rt, session, browser):
    _, featured, *_ = _catalog(rt, session)
    answer = browser.post("/cart/add", {"offer_id": featured.id, "quantity": 0})
    assert answer.status_code == 400
    assert "Quantity must be at least 1." in answer.text and 'class="field-error"' in answer.text
    assert _cart_lines(session) == 0


def test_checkout_address_with_a_wrong_postal_code_keeps_the_input(rt, session, browser):
    _, featured, *_ = _catalog(rt, session)
    buyer = f.buyer(session, rt.clock)
    browser.sign_in(buyer.user.email)
    browser.post("/cart/add", {"offer_id": featured.id, "quantity": 1})
    answer = browser.post(
        "/checkout/address",
        {
            "full_name": "Grace Hopper",
            "line1": "2 Navy Yard",
            "city": "Arlington",
            "state": "VA",
            "postal_code": "ABCDE",
        },
    )
    assert answer.status_code == 400
    assert "is not a postal code in US" in answer.text
    assert 'value="Grace Hopper"' in answer.text and 'value="2 Navy Yard"' in answer.text
    session.expire_all()
    assert len(session.get(type(buyer.user), buyer.user.id).addresses) == 1


def test_a_declined_card_places_no_order_and_says_why(rt, session, browser):
    _, featured, *_ = _catalog(rt, session)
    buyer = f.buyer(session, rt.clock)
    browser.sign_in(buyer.user.email)
    browser.post("/cart/add", {"offer_id": featured.id, "quantity": 1})
    answer = browser.post(
        "/checkout/place",
        {
            "address_id": buyer.address.id,
            "delivery_speed": "standard",
            "card_number": "4000000000000002",
            "card_exp_month": "12",
            "card_exp_year": "2030",
            "card_cvc": "123",
            "idempotency_key": "declined-once",
        },
    )
    assert answer.status_code == 400 and "declined" in answer.text
    assert 'value="4000000000000002"' in answer.text  # the input is kept
    assert session.scalar(select(func.count()).select_from(Order)) == 0


def test_another_buyers_order_is_not_found(rt, session, browser):
    seller = f.seller(session, rt.clock)
    product = f.product(session, rt.clock)
    offer = f.offer(session, rt.clock, seller_id=seller.id, asin=product.asin)
    owner, stranger = f.buyer(session, rt.clock), f.buyer(session, rt.clock)
    result = place_order(
        session,
        rt.clock,
        rt.payments,
        CheckoutRequest(
            owner.user.id, "US", owner.address.id, "standard", f.GOOD_CARD, "k", ((offer.id, 1),)
        ),
    )
    order_id = result.orders[0].id
    browser.sign_in(stranger.user.email)
    assert browser.get(f"/orders/{order_id}").status_code == 404
    refused = browser.post(f"/orders/{order_id}/cancel", {"reason": "Other"})
    assert refused.status_code == 404
    session.expire_all()
    assert session.get(Order, order_id).status == "Unshipped"


def test_orders_need_sign_in_and_forms_need_the_csrf_token(rt, session, browser):
    _, featured, *_ = _catalog(rt, session)
    answer = browser.get("/orders", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/signin?next=/orders"
    forged = browser.client.post("/cart/add", data={"offer_id": featured.id, "quantity": 1})
    assert forged.status_code == 403
    assert _cart_lines(session) == 0


def test_sign_up_errors_and_marketplace_switch(rt, session, browser):
    bad = browser.post(
        "/signup",
        {"name": "Ada", "email": "not-an-email", "password": "x", "password_again": "x"},
    )
    assert bad.status_code == 400 and "Enter a valid e-mail address" in bad.text
    assert 'value="not-an-email"' in bad.text
    good = browser.post(
        "/signup",
        {
            "name": "Ada Lovelace",
            "email": "ada@example.com",
            "password": f.PASSWORD,
            "password_again": f.PASSWORD,
            "next": "/orders",
        },
    )
    assert good.status_code == 303 and good.headers["location"] == "/orders"
    assert "Hello, Ada" in browser.get("/").text
    switched = browser.post("/marketplace", {"marketplace": "DE", "next": "/"})
    assert switched.status_code == 303
    assert 'value="DE" selected' in browser.get("/").text
    assert browser.post("/marketplace", {"marketplace": "XX"}).status_code == 400


def test_prices_and_dates_follow_the_marketplace_locale(rt, session, browser):
    seller = f.seller(session, rt.clock)
    product = f.product(session, rt.clock)
    f.offer(
        session, rt.clock, seller_id=seller.id, asin=product.asin, marketplace="DE", price="19.99"
    )
    f.offer(
        session, rt.clock, seller_id=seller.id, asin=product.asin, marketplace="JP", price="1999"
    )
    browser.post("/marketplace", {"marketplace": "DE"})
    german = browser.get(f"/dp/{product.asin}").text
    # 15:00 in Berlin is past the cut-off: handling starts Tuesday, ships Wednesday.
    assert (
        "19,99\xa0€" in german
        and "Lieferung Montag, 9. März \N{EN DASH} Mittwoch, 11. März" in german
    )
    browser.post("/marketplace", {"marketplace": "JP"})
    assert "￥1,999" in browser.get(f"/dp/{product.asin}").text


def test_password_change_checks_the_current_password(rt, session, browser):
    buyer = f.buyer(session, rt.clock)
    browser.sign_in(buyer.user.email)
    wrong = browser.post(
        "/account/password",
        {
            "current_password": "nope",
            "new_password": "N3w-Passw0rd!",
            "new_password_again": "N3w-Passw0rd!",
        },
    )
    assert wrong.status_code == 400 and "current password is not right" in wrong.text
    right = browser.post(
        "/account/password",
        {
            "current_password": f.PASSWORD,
            "new_password": "N3w-Passw0rd!",
            "new_password_again": "N3w-Passw0rd!",
        },
    )
    assert right.status_code == 200 and "Your password was changed." in right.text
    browser.post("/signout")
    browser.sign_in(buyer.user.email, "N3w-Passw0rd!")
