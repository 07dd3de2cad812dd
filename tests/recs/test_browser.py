"""In a real browser: the product page shows frequently bought together, and
"Add all to cart" puts every item in the cart. Screenshots: test-output/screenshots/."""

from __future__ import annotations

from datetime import timedelta

import pytest

from souk.catalog.rules import ProductDraft
from souk.catalog.service import create_product
from souk.recs import service
from souk.recs.models import PURCHASE, RecsEvent
from tests import factories as f
from tests.browser.test_journeys import Shop, _product_shot, page, shop, shot

pytestmark = pytest.mark.browser
__all__ = ["page", "shop"]  # fixtures used below


def _bought_with_the_kettle(shop: Shop) -> str:
    rt = shop.rt
    with rt.sessions() as session:
        seller = f.seller(session, rt.clock, name="Descale Direct")
        descaler = create_product(
            session,
            rt.clock,
            ProductDraft(
                title="Limescale Descaler Tablets for Kettles, 12 Pack",
                category_path="Home & Kitchen/Kitchen/Kettles",
                brand="Clearwater",
                bullets=("Removes limescale in 15 minutes",),
            ),
            images=[(_product_shot("Clear", "#4a90c2"), "Descaler tablets")],
            media=rt.media,
        ).product
        f.offer(session, rt.clock, seller_id=seller.id, asin=descaler.asin, price="7.49")
        baskets = [[shop.kettle_asin, shop.teapot_asin, descaler.asin]] * 4 + [
            [shop.kettle_asin, descaler.asin]
        ] * 2
        for n, basket in enumerate(baskets):
            for asin in basket:
                session.add(
                    RecsEvent(
                        kind=PURCHASE,
                        marketplace="US",
                        asin=asin,
                        basket=f"b{n}",
                        at=rt.clock.now() - timedelta(days=2),
                    )
                )
        session.commit()
    service.refresh(rt.sessions, rt.clock, rt.settings.var_dir)
    return descaler.asin


def test_frequently_bought_together_adds_all_to_the_cart(shop: Shop, page) -> None:  # type: ignore[no-untyped-def]
    descaler = _bought_with_the_kettle(shop)
    page.goto(f"{shop.url}/dp/{shop.kettle_asin}")
    bundle = page.locator("section.recs-bundle")
    assert bundle.get_by_role("heading", name="Frequently bought together").is_visible()
    assert "Total price:" in bundle.inner_text()
    total = bundle.locator("[data-bundle-total] .price").get_attribute("aria-label")
    assert total == "$64.48"  # 34.99 + 22.00 + 7.49
    bundle.scroll_into_view_if_needed()
    shot(page, "recs-01-frequently-bought-together")
    bundle.get_by_role("button", name="Add all 3 to Cart").click()
    page.wait_for_url("**/cart")
    cart = page.locator("main").inner_text()
    for title in ("Acme Steel Kettle", "Brewmaster Glass Teapot", "Limescale Descaler"):
        assert title in cart
    assert page.locator("[data-cart-count]").inner_text() == "3"
    shot(page, "recs-02-cart-after-add-all")
    page.goto(f"{shop.url}/")
    assert page.get_by_role("heading", name="Your browsing history").is_visible()
    shot(page, "recs-03-home-history")
    assert descaler
