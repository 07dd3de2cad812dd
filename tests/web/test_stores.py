"""Seller storefront pages, brand store pages, and the all-offers filters."""

from __future__ import annotations

from souk.sellers.service import set_status
from tests import factories as f


def test_seller_store_shows_profile_and_listings(rt, session, browser):
    seller = f.seller(session, rt.clock, name="Kettle House")
    seller.about = "Family kettle shop since 1980."
    seller.returns_policy = "Returns accepted within 30 days."
    product = f.product(session, rt.clock, title="Acme Whistling Kettle")
    out = f.product(session, rt.clock, title="Acme Sold Out Kettle")
    f.offer(session, rt.clock, seller_id=seller.id, asin=product.asin, price="24.50")
    f.offer(session, rt.clock, seller_id=seller.id, asin=out.asin, quantity=0)
    seller_id, asin = seller.id, product.asin
    session.commit()
    page = browser.get(f"/sellers/{seller_id}")
    assert page.status_code == 200
    text = page.text
    assert "Kettle House" in text and "Family kettle shop" in text
    assert "Returns accepted within 30 days." in text
    assert "Acme Whistling Kettle" in text and "$24.50" in text
    assert "Acme Sold Out Kettle" not in text
    head = text.split('class="store-head"', 1)[1].split("</header>", 1)[0]
    assert "rating" not in head.lower()  # no feedback capability yet: nothing invented
    # The product page links the seller's name to this page.
    assert f'href="/sellers/{seller_id}"' in browser.get(f"/dp/{asin}").text
    assert browser.get("/sellers/ANOSUCHSELLER1").status_code == 404


def test_suspended_seller_store_lists_nothing(rt, session, browser):
    seller = f.seller(session, rt.clock, name="Gone Kettles")
    product = f.product(session, rt.clock, title="Acme Hidden Kettle")
    f.offer(session, rt.clock, seller_id=seller.id, asin=product.asin)
    set_status(session, rt.clock, seller.id, "suspended", "policy")
    seller_id = seller.id
    session.commit()
    text = browser.get(f"/sellers/{seller_id}").text
    assert "not selling on souk right now" in text and "Acme Hidden Kettle" not in text


def test_brand_store_lists_the_brands_products(rt, session, browser):
    seller = f.seller(session, rt.clock)
    acme = f.product(session, rt.clock, title="Acme Kettle Deluxe", brand="Acme")
    f.product(session, rt.clock, title="Brewmaster Teapot", brand="Brewmaster")
    f.offer(session, rt.clock, seller_id=seller.id, asin=acme.asin, price="31.00")
    asin = acme.asin
    session.commit()
    page = browser.get("/stores/Acme")
    assert page.status_code == 200
    assert "Acme Store" in page.text and "Acme Kettle Deluxe" in page.text and "$31.00" in page.text
    assert "Brewmaster Teapot" not in page.text
    assert browser.get("/stores/acme").status_code == 200  # names match as the brand is written
    assert browser.get("/stores/Nobody%20Brand").status_code == 404
    assert 'href="/stores/Acme"' in browser.get(f"/dp/{asin}").text


def test_all_offers_filter_by_condition_and_speed(rt, session, browser):
    new_seller = f.seller(session, rt.clock, name="New Goods")
    used_seller = f.seller(session, rt.clock, name="Used Goods")
    fast_seller = f.seller(session, rt.clock, name="Fast Goods")
    product = f.product(session, rt.clock)
    f.offer(session, rt.clock, seller_id=new_seller.id, asin=product.asin, price="20.00")
    f.offer(
        session, rt.clock, seller_id=used_seller.id, asin=product.asin, price="12.00",
        condition="used_good",
    )  # fmt: skip
    f.offer(
        session, rt.clock, seller_id=fast_seller.id, asin=product.asin, price="25.00",
        channel="PLATFORM",
    )  # fmt: skip
    asin = product.asin
    session.commit()
    everything = browser.get(f"/dp/{asin}/offers").text
    assert all(name in everything for name in ("New Goods", "Used Goods", "Fast Goods"))
    used = browser.get(f"/dp/{asin}/offers?condition=used_good").text
    assert "Used Goods" in used and "New Goods" not in used and "of 3" in used
    fast = browser.get(f"/dp/{asin}/offers?speed=next_day").text
    assert "Fast Goods" in fast and "New Goods" not in fast and "Used Goods" not in fast
    none = browser.get(f"/dp/{asin}/offers?condition=used_good&speed=next_day").text
    assert "No offer matches these filters" in none
    ignored = browser.get(f"/dp/{asin}/offers?condition=broken&speed=warp").text
    assert all(name in ignored for name in ("New Goods", "Used Goods", "Fast Goods"))


def _statements(rt, browser, url: str) -> int:  # type: ignore[no-untyped-def]
    from sqlalchemy import event

    seen: list[str] = []

    def count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(rt.engine, "before_cursor_execute", count)
    try:
        assert browser.get(url).status_code == 200
    finally:
        event.remove(rt.engine, "before_cursor_execute", count)
    return len(seen)


def test_product_page_queries_do_not_grow_with_offers(rt, session, browser):
    """A fixed number of SQL statements however many offers a product has (no N+1)."""
    few = f.product(session, rt.clock, title="Acme Lonely Kettle")
    many = f.product(session, rt.clock, title="Acme Popular Kettle")
    sellers = [f.seller(session, rt.clock) for _ in range(8)]
    f.offer(session, rt.clock, seller_id=sellers[0].id, asin=few.asin, price="20.00")
    for n, seller in enumerate(sellers):
        f.offer(session, rt.clock, seller_id=seller.id, asin=many.asin, price=f"2{n}.00")
    few_asin, many_asin = few.asin, many.asin
    session.commit()
    for url in (f"/dp/{few_asin}", f"/dp/{many_asin}"):  # warm caches alike
        browser.get(url)
    assert _statements(rt, browser, f"/dp/{many_asin}") == _statements(
        rt, browser, f"/dp/{few_asin}"
    )
    assert _statements(rt, browser, f"/dp/{many_asin}/offers") == _statements(
        rt, browser, f"/dp/{few_asin}/offers"
    )
