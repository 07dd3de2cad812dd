"""Whole journeys in a real browser (Debian's chromium through Playwright).

A uvicorn server runs the real app in a thread on a fresh SQLite database;
screenshots of each step go to test-output/screenshots/.
"""

from __future__ import annotations

import io
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from PIL import Image, ImageDraw

from souk.catalog.rules import ProductDraft
from souk.catalog.service import create_product
from souk.core.config import Settings
from souk.core.migrate import upgrade
from souk.core.runtime import Runtime
from souk.orders.service import CheckoutRequest, place_order
from souk.search.service import apply_pending
from souk.web.app import create_app
from tests import factories as f

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-gpu",
]
UPS_TRACKING = "1Z999AA10123456784"


def _product_shot(brand: str, colour: str) -> bytes:
    """A kettle silhouette on white with the brand, like a studio product photo."""
    image = Image.new("RGB", (800, 800), "white")
    draw = ImageDraw.Draw(image)
    draw.ellipse((60, 740, 740, 780), fill="#eeeeee")
    draw.rounded_rectangle((220, 300, 580, 730), radius=90, fill=colour)
    draw.rectangle((300, 250, 500, 310), fill=colour)
    draw.ellipse((370, 205, 430, 260), fill="#333333")
    draw.arc((480, 330, 700, 620), start=-80, end=80, fill="#333333", width=28)
    draw.polygon([(230, 420), (110, 330), (95, 350), (220, 520)], fill=colour)
    draw.text((330, 500), brand.upper(), fill="white", font_size=44)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


@dataclass
class Shop:
    url: str
    rt: Runtime
    kettle_asin: str
    teapot_asin: str


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _seed(rt: Runtime) -> tuple[str, str]:
    with rt.sessions() as session:
        house = f.seller(session, rt.clock, name="Kettle House")
        budget = f.seller(session, rt.clock, name="Budget Boilers")
        kettle = create_product(
            session,
            rt.clock,
            ProductDraft(
                title="Acme Steel Kettle 1.7 l, Rapid Boil, Stainless Steel",
                category_path="Home & Kitchen/Kitchen/Kettles",
                brand="Acme",
                description="A quiet, fast kettle with a limescale filter.",
                bullets=(
                    "Boils 1.7 litres in under 4 minutes",
                    "Auto shut-off and boil-dry protection",
                ),
                attributes={"capacity": "1.7 l", "colour": "Steel"},
            ),
            images=[(_product_shot("Acme", "#8a9aa9"), "Acme steel kettle")],
            media=rt.media,
        ).product
        teapot = create_product(
            session,
            rt.clock,
            ProductDraft(
                title="Brewmaster Glass Teapot 1 l with Infuser",
                category_path="Home & Kitchen/Kitchen/Tea",
                brand="Brewmaster",
                bullets=("Heat-resistant borosilicate glass",),
            ),
            images=[(_product_shot("Brew", "#c07a45"), "Brewmaster glass teapot")],
            media=rt.media,
        ).product
        f.offer(session, rt.clock, seller_id=house.id, asin=kettle.asin, price="34.99", quantity=12)
        f.offer(
            session, rt.clock, seller_id=budget.id, asin=kettle.asin, price="36.50", shipping="4.99"
        )
        f.offer(session, rt.clock, seller_id=house.id, asin=teapot.asin, price="22.00", quantity=3)
        return kettle.asin, teapot.asin


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[Shop]:
    url = f"sqlite:///{tmp_path / 'souk.db'}"
    upgrade(url)
    settings = Settings(
        var_dir=tmp_path / "var", database_url=url, secret_key="browser-test", run_background=False
    )
    rt = Runtime.build(settings)
    rt.deliver_inline()
    kettle, teapot = _seed(rt)
    apply_pending(rt.sessions, rt.clock, rt.search_index)  # search documents, as a worker would
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(rt, background=False), host="127.0.0.1", port=port, log_level="warning"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    yield Shop(f"http://127.0.0.1:{port}", rt, kettle, teapot)
    server.should_exit = True
    thread.join(timeout=10)
    rt.close()


@pytest.fixture
def page(shop: Shop):  # type: ignore[no-untyped-def]
    import playwright.sync_api as playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed: make test installs it")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1360, "height": 900}, locale="en-US")
        yield context.new_page()
        context.close()
        browser.close()


def shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_guest_searches_buys_signs_up_and_sees_the_order(shop: Shop, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(shop.url + "/")
    assert page.get_by_role("heading", name="Home & Kitchen").is_visible()
    shot(page, "01-home")

    page.get_by_label("Search souk").fill("steel kettle")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/s?**")
    assert "1 result for" in page.locator("h1").inner_text()
    shot(page, "02-search")

    page.get_by_role("link", name="Acme Steel Kettle").first.click()
    page.wait_for_url(f"**/dp/{shop.kettle_asin}")
    assert page.get_by_text("Other sellers on souk").is_visible()
    shot(page, "03-product")

    page.get_by_label("Quantity").first.select_option("2")
    page.get_by_role("button", name="Add to Cart", exact=True).click()
    page.wait_for_url("**/cart?added=*")
    assert "Subtotal (2 items)" in page.locator("aside").inner_text()
    assert page.locator("[data-cart-count]").inner_text() == "2"
    shot(page, "04-cart")

    page.get_by_role("link", name="Proceed to checkout").click()
    page.wait_for_url("**/signin?next=/checkout")
    page.get_by_role("link", name="Create your souk account").click()
    page.get_by_label("Your name").fill("Ada Lovelace")
    page.get_by_label("E-mail address").fill("ada@example.com")
    page.get_by_label("Password", exact=True).fill("Analytical-Engine-1843")
    page.get_by_label("Password again").fill("Analytical-Engine-1843")
    shot(page, "05-signup")
    page.get_by_role("button", name="Create your souk account").click()
    page.wait_for_url("**/checkout")

    # A wrong postal code is refused beside the field and the input is kept.
    page.get_by_label("Full name").fill("Ada Lovelace")
    page.get_by_label("Street address").fill("12 Analytical Way")
    page.get_by_label("City").fill("Springfield")
    page.get_by_label("State / province").fill("IL")
    page.get_by_label("ZIP / postal code").fill("6270")
    page.get_by_role("button", name="Use this address").click()
    assert page.get_by_text("'6270' is not a postal code in US.").is_visible()
    assert page.get_by_label("Street address").input_value() == "12 Analytical Way"
    shot(page, "06-checkout-address-error")
    page.get_by_label("ZIP / postal code").fill("62701")
    page.get_by_role("button", name="Use this address").click()
    page.wait_for_url("**/checkout?address=*")

    page.get_by_label("Name on card").fill("Ada Lovelace")
    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    page.get_by_label("Expiry month (MM)").fill("12")
    page.get_by_label("Expiry year (YYYY)").fill("2030")
    page.get_by_label("Security code").fill("123")
    page.get_by_text("Expedited").click()
    # Two kettles at 34.99 in one parcel, plus one expedited charge of 5.99.
    assert page.locator("[data-order-total]").inner_text() == "$75.97"
    page.get_by_text("Standard", exact=False).first.click()
    shot(page, "07-checkout")
    page.get_by_role("button", name="Place your order").click()
    page.wait_for_url("**/orders/placed?ids=*")
    assert page.get_by_text("Order placed, thank you!").is_visible()
    shot(page, "08-placed")

    page.get_by_role("link", name="Returns & Orders").click()
    page.wait_for_url("**/orders")
    assert page.get_by_text("Acme Steel Kettle 1.7 l").first.is_visible()
    assert page.locator(".order-card").count() == 1
    shot(page, "09-orders")


def test_seller_lists_an_offer_and_ships_the_order(shop: Shop, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(shop.url + "/")
    page.get_by_role("link", name="Sell on souk").click()
    page.wait_for_url("**/signin?next=/seller")
    page.goto(shop.url + "/seller/register")
    page.get_by_label("Business name").fill("Harbour Goods")
    page.get_by_label("Business e-mail address").fill("harbour@example.com")
    page.get_by_label("Password").fill("Harbour-Goods-2026")
    shot(page, "10-seller-register")
    page.get_by_role("button", name="Create seller account").click()
    page.wait_for_url("**/seller?welcome=1")
    shot(page, "11-seller-home")

    page.get_by_role("link", name="Add an offer").first.click()
    page.get_by_label("ASIN, UPC/EAN/GTIN or product title").fill("glass teapot")
    page.get_by_role("button", name="Search the catalog").click()
    shot(page, "12-seller-find")
    page.get_by_role("link", name="Sell this product").click()
    page.get_by_label("Seller SKU").fill("HG-TEAPOT-1")
    page.get_by_label("Price (USD)").fill("19.50")
    page.get_by_label("Quantity available").fill("0")
    page.get_by_label("Quantity available").fill("8")
    shot(page, "13-seller-offer-form")
    page.get_by_role("button", name="List this offer").click()
    page.wait_for_url("**/seller/inventory?listed=*")
    assert page.get_by_role("cell", name="HG-TEAPOT-1", exact=True).is_visible()
    shot(page, "14-seller-inventory")

    # A buyer orders the new offer (the cheapest, so it is the featured one) via the services.
    rt = shop.rt
    with rt.sessions() as session:
        from sqlalchemy import select

        from souk.offers.models import Offer

        offer = session.scalar(select(Offer).where(Offer.sku == "HG-TEAPOT-1"))
        buyer = f.buyer(session, rt.clock)
        order = place_order(
            session,
            rt.clock,
            rt.payments,
            CheckoutRequest(
                buyer.user.id,
                "US",
                buyer.address.id,
                "standard",
                f.GOOD_CARD,
                "journey-2",
                ((offer.id, 1),),
            ),
        ).orders[0]

    page.get_by_role("link", name="Orders", exact=True).click()
    page.get_by_role("link", name=order.id).click()
    assert page.get_by_text("1 Main St").is_visible()
    page.get_by_label("Carrier").select_option("UPS")
    page.get_by_label("Tracking number").fill("1Z 999 AA1")
    page.get_by_role("button", name="Confirm shipment").click()
    assert page.get_by_text("is not a UPS tracking number").is_visible()
    shot(page, "15-seller-ship-error")
    page.get_by_label("Tracking number").fill(UPS_TRACKING)
    page.get_by_role("button", name="Confirm shipment").click()
    page.wait_for_url("**?shipped=1")
    assert page.get_by_text("Shipment confirmed").is_visible()
    assert page.get_by_text(UPS_TRACKING, exact=True).is_visible()
    shot(page, "16-seller-shipped")
