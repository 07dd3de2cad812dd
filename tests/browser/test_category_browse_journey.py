"""A guest browses a category in Debian's chromium: sorts by price, filters by a
brand and "4 stars & up", goes to page 2, then removes a chip.

Reuses the server and browser fixtures of test_journeys.py (a fresh SQLite
database); screenshots go to test-output/screenshots/.
"""

from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal

import pytest

from souk.catalog.rules import ProductDraft
from souk.catalog.service import create_product
from souk.search.service import product_documents, rebuild
from tests import factories as f
from tests.browser.test_journeys import Shop, _product_shot, page, shop, shot  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser

COLOURS = ("#8a9aa9", "#c0392b", "#2e86c1", "#27ae60", "#d4ac0d", "#6c3483", "#555f69")


def _stock_the_shelf(where: Shop) -> None:
    """40 more Acme kettles rated 3.6-4.9 (28 of them 4 stars or more), and a few of
    other brands, beside the shop's own kettle and teapot (not yet rated)."""
    rt = where.rt
    ratings: dict[str, tuple[int, int]] = {}
    with rt.sessions() as session:
        seller = f.seller(session, rt.clock, name="Kitchen Corner")
        lines = [
            ("Acme", f"Acme Kettle {n + 1} 1.5 l", 36 + n % 14, 1990 + 150 * n) for n in range(40)
        ]
        lines += [
            ("Brava", f"Brava Glass Kettle {n + 1}", 35 + n, 2490 + 700 * n) for n in range(4)
        ]
        lines += [("Zeta", f"Zeta Travel Kettle {n + 1}", 28, 1290 + 500 * n) for n in range(3)]
        for i, (brand, title, rating, price) in enumerate(lines):
            product = create_product(
                session,
                rt.clock,
                ProductDraft(
                    title=title,
                    category_path="Home & Kitchen/Kitchen/Kettles",
                    brand=brand,
                    bullets=("Boils fast",),
                ),
                images=[(_product_shot(brand, COLOURS[i % len(COLOURS)]), title)],
                media=rt.media,
            ).product
            amount = str(Decimal(price) / 100)
            f.offer(session, rt.clock, seller_id=seller.id, asin=product.asin, price=amount)
            ratings[product.asin] = (rating, 3 + i * 7 % 40)
        session.commit()
        documents = [
            replace(d, rating_x10=ratings[d.asin][0], review_count=ratings[d.asin][1])
            if d.asin in ratings
            else d
            for d in product_documents(session, rt.clock)
        ]
        rebuild(session, rt.clock, rt.search_index, documents)


def _snap(tab, name: str) -> None:  # type: ignore[no-untyped-def]
    """A full-page screenshot once the lazily loaded product images are in."""
    tab.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    tab.wait_for_function("[...document.images].every(i => i.complete)")
    tab.evaluate("window.scrollTo(0, 0)")
    shot(tab, name)


def _prices(tab) -> list[Decimal]:  # type: ignore[no-untyped-def]
    texts = tab.locator(".results-list .result-price .price").evaluate_all(
        "nodes => nodes.map(n => n.getAttribute('aria-label'))"
    )
    return [Decimal(t.replace("$", "").replace(",", "")) for t in texts]


def test_guest_sorts_filters_pages_and_removes_a_chip(shop: Shop, page) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    _stock_the_shelf(shop)
    page.goto(shop.url + "/c/home-kitchen/kitchen")
    assert page.locator("h1").inner_text() == "Kitchen"
    assert "of 49 results" in page.locator(".result-count").inner_text()
    _snap(page, "70-category")

    page.get_by_label("Sort by:").select_option("price_asc")  # submits itself with JavaScript
    page.wait_for_url("**sort=price_asc**")
    prices = _prices(page)
    assert prices == sorted(prices) and len(prices) == 24

    rail = page.get_by_role("complementary", name="Refine results")
    rail.get_by_role("checkbox", name="Acme").click()
    page.wait_for_url(re.compile(r"brand=Acme"))
    rail.get_by_role("checkbox", name=re.compile("4 stars & up")).click()
    page.wait_for_url(re.compile(r"rating=4"))
    assert "1\N{EN DASH}24 of 28 results" in page.locator(".result-count").inner_text()
    chips = page.get_by_role("list", name="Filters applied")
    assert chips.get_by_role("link", name=re.compile("Acme")).is_visible()
    _snap(page, "71-category-filtered")

    first_page = _prices(page)
    page.get_by_role("navigation", name="Pages").get_by_role(
        "link", name=re.compile("Next")
    ).click()
    page.wait_for_url(re.compile(r"page=2"))
    assert "sort=price_asc" in page.url and "brand=Acme" in page.url and "rating=4" in page.url
    second_page = _prices(page)
    assert len(second_page) == 4 and min(second_page) >= max(first_page)
    _snap(page, "72-category-page-2")

    chips = page.get_by_role("list", name="Filters applied")
    chips.get_by_role("link", name=re.compile("4 stars & up")).click()
    page.wait_for_url(lambda url: "rating=" not in url)
    assert "brand=Acme" in page.url and "sort=price_asc" in page.url and "page=" not in page.url
    assert "of 41 results" in page.locator(".result-count").inner_text()
    assert page.get_by_role("list", name="Filters applied").get_by_role("link").count() == 1
    _snap(page, "73-category-chip-removed")

    page.set_viewport_size({"width": 390, "height": 844})
    _snap(page, "74-category-phone")
