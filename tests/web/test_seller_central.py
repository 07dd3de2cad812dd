"""Seller Central pages against the real services, on SQLite and PostgreSQL."""

from __future__ import annotations

import io

from PIL import Image
from sqlalchemy import func, select

from souk.catalog.models import Product
from souk.offers.models import Offer
from souk.orders.models import Order
from souk.orders.service import CheckoutRequest, place_order
from tests import factories as f

UPS_TRACKING = "1Z999AA10123456784"


def _count(session, model) -> int:  # type: ignore[no-untyped-def]
    """Rows of ``model``; ends the read so the app's writers are not kept waiting (SQLite)."""
    try:
        return session.scalar(select(func.count()).select_from(model)) or 0
    finally:
        session.commit()


def _status(session, order_id: str) -> str:  # type: ignore[no-untyped-def]
    session.expire_all()
    try:
        return session.get(Order, order_id).status
    finally:
        session.commit()


def _png(side: int = 600) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (side, side), "white").save(buffer, "PNG")
    return buffer.getvalue()


def _sold(rt, session, seller):  # type: ignore[no-untyped-def]
    """An order for ``seller``, placed by a buyer through the service layer."""
    product = f.product(session, rt.clock)
    offer = f.offer(session, rt.clock, seller_id=seller.id, asin=product.asin, quantity=5)
    buyer = f.buyer(session, rt.clock)
    result = place_order(
        session,
        rt.clock,
        rt.payments,
        CheckoutRequest(
            buyer.user.id, "US", buyer.address.id, "standard", f.GOOD_CARD, "key", ((offer.id, 2),)
        ),
    )
    return result.orders[0]


def test_register_then_dashboard(rt, session, browser):
    bad = browser.post(
        "/seller/register",
        {
            "business_name": "",
            "email": "shop@example.com",
            "password": f.PASSWORD,
            "country": "US",
            "plan": "professional",
        },
    )
    assert bad.status_code == 400 and "Enter your business name." in bad.text
    assert 'value="shop@example.com"' in bad.text
    good = browser.post(
        "/seller/register",
        {
            "business_name": "Harbour Goods",
            "email": "shop@example.com",
            "password": f.PASSWORD,
            "country": "US",
            "plan": "professional",
        },
    )
    assert good.status_code == 303
    page = browser.get("/seller")
    assert page.status_code == 200
    assert "Harbour Goods" in page.text and "Orders to ship" in page.text
    assert "Sales, last 7 days" in page.text and "Active listings" in page.text


def test_dashboard_counts_come_from_real_orders(rt, session, browser):
    seller = f.seller(session, rt.clock)
    order = _sold(rt, session, seller)
    browser.sign_in(seller.email)
    page = browser.get("/seller").text
    assert '<div class="value">1</div>' in page  # one order to ship
    assert f"${order.total_minor / 100:.2f}" in page


def test_seller_central_needs_sign_in(browser):
    answer = browser.get("/seller", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/signin?next=/seller"
    assert browser.get("/seller/inventory", follow_redirects=False).status_code == 303


def test_a_buyer_without_a_seller_account_is_sent_to_register(rt, session, browser):
    buyer = f.buyer(session, rt.clock)
    browser.sign_in(buyer.user.email)
    answer = browser.get("/seller")
    assert answer.status_code == 403 and "/seller/register" in answer.text


def test_inventory_edits_price_and_quantity_inline(rt, session, browser):
    seller = f.seller(session, rt.clock)
    product = f.product(session, rt.clock, title="Acme Copper Pan 28 cm")
    offer = f.offer(session, rt.clock, seller_id=seller.id, asin=product.asin, sku="PAN-28")
    browser.sign_in(seller.email)
    page = browser.get("/seller/inventory")
    assert page.status_code == 200 and "PAN-28" in page.text and "Acme Copper Pan" in page.text
    assert "PAN-28" in browser.get("/seller/inventory", params={"q": "copper"}).text
    assert "PAN-28" not in browser.get("/seller/inventory", params={"q": "zebra"}).text

    assert (
        browser.post(
            f"/seller/inventory/{offer.id}/price", {"price": "17.49", "shipping": ""}
        ).status_code
        == 303
    )
    assert (
        browser.post(f"/seller/inventory/{offer.id}/quantity", {"quantity": "4"}).status_code == 303
    )
    bad = browser.post(f"/seller/inventory/{offer.id}/price", {"price": "-3", "shipping": "0"})
    assert bad.status_code == 400 and "The price must be more than zero." in bad.text
    assert 'value="-3"' in bad.text
    bad_quantity = browser.post(f"/seller/inventory/{offer.id}/quantity", {"quantity": "-1"})
    assert bad_quantity.status_code == 400 and "Quantity cannot be negative." in bad_quantity.text
    session.expire_all()
    saved = session.get(Offer, offer.id)
    assert (saved.price_minor, saved.shipping_minor, saved.quantity) == (1749, 0, 4)


def test_another_sellers_offer_cannot_be_changed(rt, session, browser):
    mine, theirs = f.seller(session, rt.clock), f.seller(session, rt.clock)
    product = f.product(session, rt.clock)
    offer = f.offer(session, rt.clock, seller_id=theirs.id, asin=product.asin, price="10.00")
    browser.sign_in(mine.email)
    answer = browser.post(f"/seller/inventory/{offer.id}/price", {"price": "1.00"})
    assert answer.status_code == 404
    session.expire_all()
    assert session.get(Offer, offer.id).price_minor == 1000


def test_add_an_offer_to_an_existing_product(rt, session, browser):
    seller = f.seller(session, rt.clock)
    product = f.product(session, rt.clock, title="Acme Glass Teapot", gtin="4006381333931")
    browser.sign_in(seller.email)
    by_gtin = browser.get("/seller/inventory/add", params={"q": "4006381333931"})
    assert f"/seller/inventory/add/{product.asin}" in by_gtin.text
    by_title = browser.get("/seller/inventory/add", params={"q": "glass teapot"})
    assert f"/seller/inventory/add/{product.asin}" in by_title.text
    assert "No product matches" in browser.get("/seller/inventory/add", params={"q": "zebra"}).text

    form = {
        "sku": "TEA-1",
        "condition": "new",
        "price": "24.00",
        "shipping": "",
        "quantity": "0",
        "handling_days": "2",
        "fulfillment_channel": "MERCHANT",
    }
    bad = browser.post(f"/seller/inventory/add/{product.asin}", {**form, "price": "abc"})
    assert bad.status_code == 400 and "Enter an amount in USD" in bad.text
    assert 'value="TEA-1"' in bad.text
    assert _count(session, Offer) == 0
    listed = browser.post(f"/seller/inventory/add/{product.asin}", {**form, "quantity": "6"})
    assert listed.status_code == 303
    offer = session.scalar(select(Offer))
    assert (offer.asin, offer.sku, offer.price_minor, offer.quantity) == (
        product.asin,
        "TEA-1",
        2400,
        6,
    )
    assert browser.get("/seller/inventory/add/B0NOSUCH00").status_code == 404


def test_create_a_product_or_find_the_existing_page(rt, session, browser):
    seller = f.seller(session, rt.clock)
    browser.sign_in(seller.email)
    assert browser.get("/seller/catalog/new").status_code == 200
    empty = browser.post(
        "/seller/catalog/new", {"title": "  ", "brand": "Acme", "category": "Garden"}
    )
    assert empty.status_code == 400 and "A product needs a title." in empty.text
    assert 'value="Garden"' in empty.text
    not_an_image = browser.post(
        "/seller/catalog/new",
        {"title": "Acme Rake", "brand": "Acme", "category": "Garden/Tools"},
        files={"image": ("rake.png", b"not an image", "image/png")},
    )
    assert not_an_image.status_code == 400 and "not a JPEG, PNG or WebP image" in not_an_image.text
    assert _count(session, Product) == 0

    made = browser.post(
        "/seller/catalog/new",
        {
            "title": "Acme Rake",
            "brand": "Acme",
            "category": "Garden/Tools",
            "bullet_0": "Steel tines",
        },
        files={"image": ("rake.png", _png(), "image/png")},
    )
    assert made.status_code == 303 and made.headers["location"].endswith("?created=1")
    product = session.scalar(select(Product))
    assert product.bullets == ["Steel tines"] and product.category.path == "garden/tools"
    asin = product.asin
    session.commit()
    assert f"/media/products/{asin}/0.png" in browser.get(f"/dp/{asin}").text

    again = browser.post(
        "/seller/catalog/new", {"title": "ACME rake", "brand": "acme", "category": "Garden/Tools"}
    )
    assert again.status_code == 200 and "This product is already on souk." in again.text
    assert f"/seller/inventory/add/{asin}" in again.text
    assert _count(session, Product) == 1


def test_orders_tabs_and_shipment_confirmation(rt, session, browser):
    seller = f.seller(session, rt.clock)
    order = _sold(rt, session, seller)
    browser.sign_in(seller.email)
    assert order.id in browser.get("/seller/orders").text
    assert order.id not in browser.get("/seller/orders", params={"tab": "shipped"}).text
    detail = browser.get(f"/seller/orders/{order.id}").text
    assert "1 Main St" in detail and "Confirm shipment" in detail

    bad = browser.post(
        f"/seller/orders/{order.id}/ship", {"carrier": "UPS", "tracking_number": "1Z123"}
    )
    assert bad.status_code == 400 and "is not a UPS tracking number" in bad.text
    assert 'value="1Z123"' in bad.text
    assert _status(session, order.id) == "Unshipped"

    shipped = browser.post(
        f"/seller/orders/{order.id}/ship", {"carrier": "UPS", "tracking_number": UPS_TRACKING}
    )
    assert shipped.status_code == 303
    after = browser.get(f"/seller/orders/{order.id}").text
    assert UPS_TRACKING in after and "1 Main St" not in after  # address hidden once shipped
    assert order.id in browser.get("/seller/orders", params={"tab": "shipped"}).text


def test_seller_cancellation_needs_a_policy_reason(rt, session, browser):
    seller = f.seller(session, rt.clock)
    order = _sold(rt, session, seller)
    browser.sign_in(seller.email)
    bad = browser.post(f"/seller/orders/{order.id}/cancel", {"reason": "Bored"})
    assert bad.status_code == 400 and "Choose a cancellation reason" in bad.text
    good = browser.post(f"/seller/orders/{order.id}/cancel", {"reason": "NoInventory"})
    assert good.status_code == 303
    assert _status(session, order.id) == "Canceled"
    assert order.id in browser.get("/seller/orders", params={"tab": "canceled"}).text


def test_another_sellers_order_is_not_found(rt, session, browser):
    owner, other = f.seller(session, rt.clock), f.seller(session, rt.clock)
    order = _sold(rt, session, owner)
    browser.sign_in(other.email)
    assert browser.get(f"/seller/orders/{order.id}").status_code == 404
    ship = browser.post(
        f"/seller/orders/{order.id}/ship", {"carrier": "UPS", "tracking_number": UPS_TRACKING}
    )
    assert ship.status_code == 404
    assert _status(session, order.id) == "Unshipped"


def test_seller_forms_need_the_csrf_token(rt, session, browser):
    seller = f.seller(session, rt.clock)
    order = _sold(rt, session, seller)
    browser.sign_in(seller.email)
    forged = browser.client.post(
        f"/seller/orders/{order.id}/ship", data={"carrier": "UPS", "tracking_number": UPS_TRACKING}
    )
    assert forged.status_code == 403
    assert _status(session, order.id) == "Unshipped"
