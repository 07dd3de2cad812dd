"""The storefront per marketplace: German and French interface, euro prices written
the local way, VAT-inclusive prices said so, translated product text, buyer time zones."""

from __future__ import annotations

import re

from souk.core.clock import utc
from souk.globalselling import service as selling
from souk.orders.models import Order
from tests import factories as f
from tests.reviews import support


def _switch(browser, code: str) -> None:  # type: ignore[no-untyped-def]
    answer = browser.post("/marketplace", {"marketplace": code, "next": "/"})
    assert answer.status_code == 303


def _visible(html: str) -> str:
    """The page's words, tags dropped; Babel's no-break spaces read as spaces."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.replace("\xa0", " ")))


def test_german_marketplace_speaks_german_and_writes_euros_the_german_way(rt, session, browser):
    seller = f.seller(session, rt.clock, name="Kesselhaus")
    kettle = f.product(session, rt.clock, title="Acme Steel Kettle")
    f.offer(
        session, rt.clock, seller_id=seller.id, asin=kettle.asin, price="19.99", marketplace="DE"
    )
    asin = kettle.asin
    session.commit()
    _switch(browser, "DE")
    page = browser.get(f"/dp/{asin}")
    assert page.status_code == 200
    text = _visible(page.text)
    assert 'lang="de"' in page.text
    assert 'aria-label="19,99\xa0€"' in page.text  # the price as Germans write it
    assert "In den Einkaufswagen" in text and "Add to Cart" not in text
    assert "Preis inkl. 19 % MwSt. (3,19 €)." in text
    assert "Einkaufswagen" in text and "Verkauf durch" in text
    home = _visible(browser.get("/").text)
    assert "Preise in EUR inkl. MwSt." in home and "Rücksendungen" in home
    # The same product in the US marketplace is English, in dollars, without a VAT line.
    _switch(browser, "US")
    us = _visible(browser.get("/").text)
    assert "Returns" in us and "Rücksendungen" not in us and "inkl. MwSt." not in us


def test_language_override_and_french(rt, session, browser):
    seller = f.seller(session, rt.clock)
    kettle = f.product(session, rt.clock, title="Acme Kettle")
    f.offer(
        session, rt.clock, seller_id=seller.id, asin=kettle.asin, price="24.50", marketplace="DE"
    )
    asin = kettle.asin
    session.commit()
    _switch(browser, "DE")
    assert browser.post("/preferences", {"language": "fr", "time_zone": ""}).status_code == 303
    page = browser.get(f"/dp/{asin}")
    text = _visible(page.text)
    assert "Ajouter au panier" in text and "In den Einkaufswagen" not in text
    assert "24,50\xa0€" in page.text  # French in Germany still writes euros with a comma
    # English on the German marketplace keeps the euro format of the marketplace's country.
    assert browser.post("/preferences", {"language": "en", "time_zone": ""}).status_code == 303
    page = browser.get(f"/dp/{asin}")
    assert "Add to Cart" in page.text and "24,50\xa0€" in page.text
    # Back to the marketplace's own language.
    assert browser.post("/preferences", {"language": "", "time_zone": ""}).status_code == 303
    assert "In den Einkaufswagen" in browser.get(f"/dp/{asin}").text


def test_bad_preferences_are_refused_and_change_nothing(rt, session, browser):
    buyer = f.buyer(session, rt.clock)
    email, user_id = buyer.user.email, buyer.user.id
    session.commit()
    page = browser.post("/preferences", {"language": "xx", "time_zone": ""})
    assert page.status_code == 400 and "Choose one of the languages listed." in page.text
    page = browser.post("/preferences", {"language": "", "time_zone": "Europe/Berlin"})
    assert page.status_code == 400 and "Sign in to keep a time zone" in page.text
    browser.sign_in(email)
    page = browser.post("/preferences", {"language": "de", "time_zone": "Mars/Olympus"})
    assert page.status_code == 400 and "is not a time zone" in page.text
    with rt.read_sessions() as check:
        assert selling.buyer_preference(check, user_id) is None
    assert 'lang="en"' in browser.get("/").text  # the refused language was not taken


def test_translated_product_text_with_fallback(rt, session, browser):
    seller = f.seller(session, rt.clock)
    kettle = f.product(session, rt.clock, title="Acme Steel Kettle")
    f.offer(session, rt.clock, seller_id=seller.id, asin=kettle.asin, marketplace="DE")
    selling.put_translation(
        session,
        rt.clock,
        asin=kettle.asin,
        language="de",
        title="Acme Wasserkocher aus Edelstahl",
        bullets=["Kocht 1,7 Liter in unter 4 Minuten"],
        seller_id=seller.id,
    )
    asin = kettle.asin
    session.commit()
    _switch(browser, "DE")
    text = _visible(browser.get(f"/dp/{asin}").text)
    assert "Acme Wasserkocher aus Edelstahl" in text and "Kocht 1,7 Liter" in text
    assert "Acme Steel Kettle" not in text.split("Über diesen Artikel")[0].split("souk.de")[-1]
    # No French text: French readers get the catalog's own English words.
    assert browser.post("/preferences", {"language": "fr", "time_zone": ""}).status_code == 303
    text = _visible(browser.get(f"/dp/{asin}").text)
    assert "Acme Steel Kettle" in text and "Boils fast" in text


def test_order_dates_follow_the_buyers_time_zone(rt, session, browser):
    seller = f.seller(session, rt.clock)
    kettle = f.product(session, rt.clock)
    offer = f.offer(session, rt.clock, seller_id=seller.id, asin=kettle.asin)
    buyer = f.buyer(session, rt.clock)
    order = support.delivered_order(rt, session, buyer, offer)
    # 04:30 UTC: Monday 23:30 in New York (the US marketplace's zone), Tuesday in Tokyo.
    order = session.get(Order, order.id)
    order.purchased_at = utc(2026, 3, 3, 4, 30)
    email, order_id = buyer.user.email, order.id
    session.commit()
    browser.sign_in(email)
    page = browser.get(f"/orders/{order_id}").text
    assert "Ordered on Monday, March 2" in page
    answer = browser.post("/preferences", {"language": "", "time_zone": "Asia/Tokyo"})
    assert answer.status_code == 303
    page = browser.get(f"/orders/{order_id}").text
    assert "Ordered on Tuesday, March 3" in page and "Mar 3, 2026, 1:30\u202fPM" in page
    listing = browser.get("/orders").text
    assert "Tuesday, March 3" in listing


def test_german_cart_checkout_and_search(rt, session, browser):
    seller = f.seller(session, rt.clock)
    kettle = f.product(session, rt.clock, title="Acme Steel Kettle")
    offer = f.offer(
        session, rt.clock, seller_id=seller.id, asin=kettle.asin, price="24.50", marketplace="DE"
    )
    buyer = f.buyer(session, rt.clock, country="DE")
    email, offer_id = buyer.user.email, offer.id
    session.commit()
    _switch(browser, "DE")
    browser.sign_in(email)
    _switch(browser, "DE")
    assert browser.post("/cart/add", {"offer_id": offer_id, "quantity": "2"}).status_code == 303
    html = browser.get("/cart").text
    cart = _visible(html)
    assert "Zwischensumme (2 Artikel):" in cart and "Neu · KOSTENLOSE Lieferung" in cart
    assert 'aria-label="49,00\xa0€"' in html
    assert "Alle Preise inkl. MwSt." in cart
    checkout = _visible(browser.get("/checkout").text)
    assert "Lieferadresse" in checkout and "Jetzt kaufen" in checkout
    assert "inkl. 19 % MwSt.:" in checkout and "7,82 €" in checkout  # 49,00 € / 1,19 * 0,19
    search = _visible(browser.get("/s?k=kettle").text)
    assert "Sortieren nach:" in search or "Keine Ergebnisse für" in search
    assert "Search souk" not in search and "souk durchsuchen" in browser.get("/s?k=kettle").text
