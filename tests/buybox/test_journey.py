"""In a browser: a seller sees which offers are featured and why not; an overpriced
product shows "See all buying options"; staff read the same explanation.

Uses the shop and browser of the storefront journeys (screenshots beside theirs).
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from souk.accounts.service import register_user
from souk.core.money import Money
from souk.offers.models import Offer
from souk.offers.service import update_price, update_quantity
from souk.orders.service import CheckoutRequest, place_order
from souk.sellers.models import Seller
from tests import factories as f
from tests.browser.test_journeys import Shop, page, shop, shot  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser
STAFF_PASSWORD = "Operations-Desk-42"


def _sign_in(tab, url: str, email: str, password: str, then: str) -> None:  # type: ignore[no-untyped-def]
    tab.goto(f"{url}/signin?next={then}")
    tab.get_by_label("E-mail address").fill(email)
    tab.get_by_label("Password").fill(password)
    tab.get_by_role("button", name="Sign in").click()
    tab.wait_for_url(f"**{then}")


def test_seller_sees_featured_status_and_an_overpriced_box_is_suppressed(shop: Shop, page) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    rt = shop.rt
    with rt.sessions() as session:
        house = session.scalar(select(Seller).where(Seller.business_name == "Kettle House"))
        teapot = session.scalar(
            select(Offer).where(Offer.asin == shop.teapot_asin, Offer.seller_id == house.id)
        )
        buyer = f.buyer(session, rt.clock)
        for n in range(3):  # the teapot sells at $22.00: its recent selling price
            place_order(
                session,
                rt.clock,
                rt.payments,
                CheckoutRequest(
                    buyer_id=buyer.user.id,
                    marketplace="US",
                    address_id=buyer.address.id,
                    delivery_speed="standard",
                    card=f.GOOD_CARD,
                    idempotency_key=f"teapot-{n}",
                    lines=((teapot.id, 1),),
                ),
            )
        register_user(
            session,
            rt.clock,
            email="olga@souk.example",
            name="Olga Ops",
            password=STAFF_PASSWORD,
            is_staff=True,
        )
        house_email = house.email

    # A buyer looks at the kettle: its featured offer is Kettle House's.
    page.goto(f"{shop.url}/dp/{shop.kettle_asin}")
    assert "Kettle House" in page.locator(".buybox").inner_text()

    _sign_in(page, shop.url, house_email, f.PASSWORD, "/seller")
    page.get_by_role("link", name="Buy Box").click()
    page.wait_for_url("**/seller/buybox")
    assert page.get_by_role("heading", name="Featured offer (Buy Box)").is_visible()
    kettle_row = page.locator("tr", has_text=shop.kettle_asin)
    assert "Featured" in kettle_row.inner_text()
    assert "100%" in kettle_row.inner_text() and "1 of 1 view" in kettle_row.inner_text()
    shot(page, "bb1-seller-buybox")

    # Sold out, then restocked 36 % above what it sold for: no featured offer.
    assert "out of stock" in page.locator("tr", has_text=shop.teapot_asin).inner_text()
    with rt.sessions() as session:
        offer = session.get(Offer, teapot.id)
        update_quantity(session, rt.clock, offer, 10)
        update_price(session, rt.clock, offer, Money.parse("30.00", "USD"))
    page.reload()
    teapot_row = page.locator("tr", has_text=shop.teapot_asin)
    assert "No featured offer" in teapot_row.inner_text()
    assert "above the recent price $22.00" in teapot_row.inner_text()
    page.context.clear_cookies()
    page.goto(f"{shop.url}/dp/{shop.teapot_asin}")
    box = page.locator(".buybox")
    assert "See all buying options" in box.inner_text()
    assert box.get_by_role("button", name="Add to Cart").count() == 0
    shot(page, "bb2-product-suppressed")

    # Staff read the same explanation in the operations console.
    _sign_in(page, shop.url, "olga@souk.example", STAFF_PASSWORD, "/ops")
    page.goto(f"{shop.url}/ops/catalog?q={shop.kettle_asin}")
    page.get_by_role("link", name="Buy Box").click()
    page.wait_for_url("**/ops/buybox?asin=*")
    table = page.locator("table.data").inner_text()
    assert "Kettle House" in table and "Budget Boilers" in table
    assert "above lowest" in table and "Featured" in table
    shot(page, "bb3-ops-buybox")
