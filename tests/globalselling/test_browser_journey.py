"""Browser journey: a buyer switches to the German marketplace and reads souk in German,
with euro prices written the German way; the seller's Global selling page."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from souk.core.clock import FrozenClock, utc
from souk.core.config import Settings
from souk.core.migrate import upgrade
from souk.core.runtime import Runtime
from souk.globalselling import service as selling
from tests import factories as f
from tests.browser.test_journeys import CHROMIUM, CHROMIUM_ARGS, SHOTS, _free_port, _product_shot

pytestmark = pytest.mark.browser
# Screenshots also go where the project's reviewers look, when that folder is given.
EXTRA_SHOTS = Path(os.environ["SOUK_SHOTS_DIR"]) if os.environ.get("SOUK_SHOTS_DIR") else None


@pytest.fixture
def global_shop(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    import uvicorn

    from souk.catalog.rules import ProductDraft
    from souk.catalog.service import create_product
    from souk.web.app import create_app

    url = f"sqlite:///{tmp_path / 'souk.db'}"
    upgrade(url)
    settings = Settings(
        var_dir=tmp_path / "var", database_url=url, secret_key="global", run_background=False
    )
    rt = Runtime.build(settings, clock=FrozenClock(utc(2026, 3, 2, 14)))
    rt.deliver_inline()
    with rt.sessions() as session:
        seller = f.seller(session, rt.clock, name="Kettle House")
        kettle = create_product(
            session,
            rt.clock,
            ProductDraft(
                title="Acme Steel Kettle 1.7 l, Rapid Boil, Stainless Steel",
                category_path="Home & Kitchen/Kitchen/Kettles",
                brand="Acme",
                description="A quiet, fast kettle with a limescale filter.",
                bullets=("Boils 1.7 litres in under 4 minutes", "Limescale filter"),
            ),
            images=[(_product_shot("Acme", "#8a9aa9"), "Acme steel kettle")],
            media=rt.media,
        ).product
        f.offer(session, rt.clock, seller_id=seller.id, asin=kettle.asin, price="21.49", sku="K-1")
        selling.record_rate(
            session, rt.clock, day=rt.clock.now().date(), base="USD", quote="EUR", rate="0.92"
        )
        selling.enable_marketplace(
            session, rt.clock, seller_id=seller.id, marketplace="DE", copy_from="US", margin_bp=0
        )
        selling.put_translation(
            session,
            rt.clock,
            asin=kettle.asin,
            language="de",
            title="Acme Wasserkocher 1,7 l aus Edelstahl, Schnellkochfunktion",
            bullets=["Kocht 1,7 Liter in unter 4 Minuten", "Kalkfilter"],
            description="Ein leiser, schneller Wasserkocher mit Kalkfilter.",
            seller_id=seller.id,
        )
        session.commit()
        people = {"asin": kettle.asin, "seller": seller.email}
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
    assert server.started
    yield f"http://127.0.0.1:{port}", people
    server.should_exit = True
    thread.join(timeout=10)
    rt.close()


def _shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name), full_page=True)
    if EXTRA_SHOTS is not None:
        EXTRA_SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(EXTRA_SHOTS / name), full_page=True)


def test_buyer_switches_to_germany_and_shops_in_german_with_euro_prices(global_shop) -> None:  # type: ignore[no-untyped-def]
    import playwright.sync_api as playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed: make test installs it")
    base, people = global_shop
    asin = people["asin"]
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_context(
            viewport={"width": 1360, "height": 900}, locale="en-US"
        ).new_page()
        page.goto(f"{base}/dp/{asin}")
        assert page.get_by_role("button", name="Add to Cart").is_visible()
        assert page.locator(".buybox .price").first.get_attribute("aria-label") == "$21.49"
        # The header's marketplace switcher submits itself and comes back to the page
        # (whose address matches already, so wait for the navigation itself).
        with page.expect_navigation(url=f"**/dp/{asin}"):
            page.get_by_label("Marketplace").select_option("DE")
        assert page.locator("html").get_attribute("lang") == "de"
        assert page.get_by_role("button", name="In den Einkaufswagen").is_visible()
        # $21.49 * 0.92 = 19.77 €, + 19 % VAT = 23.53 € -> 23,99 €
        price = page.locator(".buybox .price").first
        assert price.get_attribute("aria-label") == "23,99\xa0€"
        assert page.get_by_text("Preis inkl. 19 % MwSt. (3,83\xa0€).").is_visible()
        assert page.get_by_role(
            "heading", name="Acme Wasserkocher 1,7 l aus Edelstahl, Schnellkochfunktion"
        ).is_visible()
        assert page.get_by_text("Über diesen Artikel").is_visible()
        assert page.get_by_text("Verkauf durch").first.is_visible()
        _shot(page, "g1-product-de.png")
        page.get_by_role("button", name="In den Einkaufswagen").click()
        page.wait_for_url(lambda url: "/cart?added=" in url)
        assert page.get_by_role("heading", name="Einkaufswagen").first.is_visible()
        assert page.get_by_role("link", name="Zur Kasse gehen").is_visible()
        assert page.locator(".summary .price").first.get_attribute("aria-label") == "23,99\xa0€"
        _shot(page, "g2-cart-de.png")
        # French on the German marketplace: French words, the same euro price.
        page.goto(f"{base}/")
        assert page.get_by_text("Einkaufen bei souk Deutschland").is_visible()
        _shot(page, "g0-home-de.png")
        page.goto(f"{base}/preferences")
        _shot(page, "g4-preferences-de.png")
        page.get_by_label("Sprache").select_option("fr")
        page.get_by_role("button", name="Speichern").click()
        page.wait_for_url("**/preferences?saved=1")
        assert page.get_by_text("Vos réglages ont été enregistrés.").is_visible()
        page.goto(f"{base}/dp/{asin}")
        assert page.get_by_role("button", name="Ajouter au panier").is_visible()
        assert page.locator(".buybox .price").first.get_attribute("aria-label") == "23,99\xa0€"
        browser.close()


def test_seller_global_selling_page(global_shop) -> None:  # type: ignore[no-untyped-def]
    import playwright.sync_api as playwright

    base, people = global_shop
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_context(
            viewport={"width": 1360, "height": 900}, locale="en-US"
        ).new_page()
        page.goto(f"{base}/signin?next=/seller/global")
        page.get_by_label("E-mail address").fill(people["seller"])
        page.get_by_label("Password").fill(f.PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/seller/global")
        assert page.get_by_role("heading", name="Global selling", exact=True).is_visible()
        assert page.get_by_text("In sync").is_visible()
        assert page.get_by_text("Including 19 % VAT").is_visible()
        page.get_by_label("Sell in", exact=True).select_option("FR")
        page.get_by_label("Copy offers from").select_option("US")
        page.get_by_label("Margin (%)").fill("2.5")
        page.get_by_role("button", name="Save marketplace").click()
        page.wait_for_url("**/seller/global?saved=FR**")
        assert page.get_by_text("France saved.").is_visible()
        assert page.get_by_text("Including 20 % VAT").is_visible()
        _shot(page, "g3-seller-global.png")
        browser.close()
