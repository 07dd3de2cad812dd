"""Staff suspend a seller in the operations console; the offer leaves the product page.

Uses the shop and browser of the storefront journeys; screenshots go to
test-output/screenshots/ beside theirs.
"""

from __future__ import annotations

import pytest

from souk.accounts.service import register_user
from souk.offers.models import Offer
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


def test_staff_suspends_a_seller_and_its_offer_leaves_the_product_page(shop: Shop, page) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    with shop.rt.sessions() as session:
        register_user(
            session,
            shop.rt.clock,
            email="olga@souk.example",
            name="Olga Ops",
            password=STAFF_PASSWORD,
            is_staff=True,
        )
    page.goto(f"{shop.url}/dp/{shop.kettle_asin}")
    buybox = page.locator(".buybox")
    assert "Kettle House" in buybox.inner_text()

    _sign_in(page, shop.url, "olga@souk.example", STAFF_PASSWORD, "/ops")
    assert page.get_by_role("heading", name="Sellers").is_visible()
    shot(page, "30-ops-sellers")
    page.get_by_role("link", name="Kettle House").click()
    page.wait_for_url("**/ops/sellers/*")
    # Without a reason the action is refused beside the field.
    page.get_by_label("Suspend").check()
    page.get_by_role("button", name="Apply").click()
    assert page.get_by_text("Give the reason").is_visible()
    page.get_by_label("Reason").fill("Repeated counterfeit complaints from the Acme brand owner.")
    shot(page, "31-ops-seller-suspend")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**/ops/sellers/*?done=1")
    assert page.get_by_text("Suspended", exact=True).first.is_visible()
    shot(page, "32-ops-seller-suspended")

    page.goto(f"{shop.url}/dp/{shop.kettle_asin}")
    buybox_text = page.locator(".buybox").inner_text()
    assert "Kettle House" not in page.locator("main").inner_text()
    assert "Budget Boilers" in buybox_text or "See all buying options" in buybox_text
    shot(page, "33-product-after-suspension")

    page.goto(f"{shop.url}/ops/audit")
    assert "seller.suspend" in page.locator("table").inner_text()
    shot(page, "34-ops-audit-log")
    page.goto(f"{shop.url}/ops/marketplaces")
    shot(page, "35-ops-marketplaces")


def test_seller_central_pages_look_right(shop: Shop, page) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    """Screenshots of the dashboard chart, reports, settings, upload, slip and stores."""
    with shop.rt.sessions() as session:
        from sqlalchemy import select

        house = session.scalar(select(Seller).where(Seller.business_name == "Kettle House"))
        assert house is not None
        house.returns_policy = "Returns within 30 days of delivery, free of charge."
        session.commit()
        buyer = f.buyer(session, shop.rt.clock)
        offer_id = session.scalar(
            select(Offer.id).where(Offer.seller_id == house.id, Offer.asin == shop.kettle_asin)
        )
        result = place_order(
            session,
            shop.rt.clock,
            shop.rt.payments,
            CheckoutRequest(
                buyer.user.id,
                "US",
                buyer.address.id,
                "standard",
                f.GOOD_CARD,
                "ops-k",
                ((offer_id, 2),),
            ),
        )
        order_id, email, seller_id = result.orders[0].id, house.email, house.id
    _sign_in(page, shop.url, email, f.PASSWORD, "/seller")
    assert page.get_by_role("heading", name="Get ready to sell").is_visible()
    assert page.locator(".sales-chart svg").count() == 1
    shot(page, "40-seller-dashboard-chart")
    page.goto(f"{shop.url}/seller/reports")
    shot(page, "41-seller-reports")
    page.goto(f"{shop.url}/seller/settings")
    shot(page, "42-seller-settings")
    page.goto(f"{shop.url}/seller/inventory/upload")
    shot(page, "43-seller-upload")
    page.goto(f"{shop.url}/seller/orders/{order_id}/packing-slip")
    assert page.get_by_role("heading", name="Packing slip").is_visible()
    shot(page, "44-packing-slip")
    page.goto(f"{shop.url}/sellers/{seller_id}")
    shot(page, "45-seller-store")
    page.goto(f"{shop.url}/stores/Acme")
    shot(page, "46-brand-store")
    page.goto(f"{shop.url}/dp/{shop.kettle_asin}/offers?condition=new")
    shot(page, "47-all-offers-filtered")
