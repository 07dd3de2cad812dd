"""Category pages over HTTP on SQLite and PostgreSQL: the search engine scoped to the
category, every sort order, facets with counts, chips, pages that keep the filters,
odd input answered with a notice, and the page cache keeping sorts apart."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from souk.core.runtime import Runtime
from souk.search.service import product_documents, rebuild
from souk.web.app import create_app
from tests import factories as f

KITCHEN = "/c/home-kitchen/kitchen"
CARD = re.compile(r'<article class="result-card[^"]*" data-asin="(B0[0-9A-Z]{8})"')

# (title, brand, subcategory, price, condition, channel, handling days, rating x10, reviews)
SHELF = {
    "acme_kettle": ("Acme Steel Kettle", "Acme", "Kettles", "39.99", "new", "MERCHANT", 1, 46, 12),
    "brava_kettle": (
        "Brava Glass Kettle",
        "Brava",
        "Kettles",
        "24.99",
        "new",
        "PLATFORM",
        2,
        38,
        5,
    ),
    "zeta_kettle": ("Zeta Travel Kettle", "Zeta", "Kettles", "9.99", "new", "MERCHANT", 1, 20, 1),
    "acme_toaster": (
        "Acme Two-Slice Toaster",
        "Acme",
        "Toasters",
        "59.99",
        "new",
        "MERCHANT",
        1,
        42,
        3,
    ),
    "brava_toaster": (
        "Brava Toaster",
        "Brava",
        "Toasters",
        "15.00",
        "used_good",
        "MERCHANT",
        1,
        0,
        0,
    ),
}


def _index_with_ratings(rt: Runtime, session, ratings: dict[str, tuple[int, int]]) -> None:  # type: ignore[no-untyped-def]
    """Rebuild the index as the review service would have rated these products."""
    documents = [
        replace(d, rating_x10=ratings[d.asin][0], review_count=ratings[d.asin][1])
        if d.asin in ratings
        else d
        for d in product_documents(session, rt.clock)
    ]
    rebuild(session, rt.clock, rt.search_index, documents)
    session.commit()  # end the reading transaction: SQLite lets one writer in at a time


@pytest.fixture
def shelf(rt: Runtime, session) -> dict[str, str]:  # type: ignore[no-untyped-def]
    house = f.seller(session, rt.clock)
    asins: dict[str, str] = {}
    ratings: dict[str, tuple[int, int]] = {}
    for key, (
        title,
        brand,
        sub,
        price,
        condition,
        channel,
        handling,
        rating,
        reviews,
    ) in SHELF.items():
        rt.clock.advance(timedelta(minutes=1))  # listed one after another: newest last
        product = f.product(
            session, rt.clock, title=title, brand=brand, category=f"Home & Kitchen/Kitchen/{sub}"
        )
        f.offer(
            session,
            rt.clock,
            seller_id=house.id,
            asin=product.asin,
            price=price,
            condition=condition,
            channel=channel,
            handling_days=handling,
        )
        asins[key] = product.asin
        ratings[product.asin] = (rating, reviews)
    elsewhere = f.product(session, rt.clock, title="Acme Headphones", category="Electronics/Audio")
    f.offer(session, rt.clock, seller_id=house.id, asin=elsewhere.asin, price="19.99")
    asins["headphones"] = elsewhere.asin
    session.commit()
    _index_with_ratings(rt, session, ratings)
    return asins


def shown(page) -> list[str]:  # type: ignore[no-untyped-def]
    return CARD.findall(page.text)


def flat(page) -> str:  # type: ignore[no-untyped-def]
    return re.sub(r"\s+", " ", page.text)


def names(shelf: dict[str, str], page) -> list[str]:  # type: ignore[no-untyped-def]
    by_asin = {asin: key for key, asin in shelf.items()}
    return [by_asin[a] for a in shown(page)]


def test_category_lists_its_subtree_with_breadcrumbs_and_subcategory_counts(shelf, browser):
    page = browser.get(KITCHEN)
    assert page.status_code == 200
    assert set(names(shelf, page)) == set(SHELF)  # never the headphones from Electronics
    text = flat(page)
    assert "1\N{EN DASH}5 of 5 results" in text
    assert 'href="/c/home-kitchen"' in page.text  # breadcrumbs
    assert re.search(
        r'href="/c/home-kitchen/kitchen/kettles">Kettles</a> <span class="facet-count">\(3\)', text
    )
    assert re.search(
        r'href="/c/home-kitchen/kitchen/toasters">Toasters</a> <span class="facet-count">\(2\)',
        text,
    )
    assert (
        'data-asin="' + shelf["acme_kettle"] + '"' in page.text
        and "/dp/" + shelf["acme_kettle"] in page.text
    )


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        (
            "price_asc",
            ["zeta_kettle", "brava_toaster", "brava_kettle", "acme_kettle", "acme_toaster"],
        ),
        (
            "price_desc",
            ["acme_toaster", "acme_kettle", "brava_kettle", "brava_toaster", "zeta_kettle"],
        ),
        ("newest", ["brava_toaster", "acme_toaster", "zeta_kettle", "brava_kettle", "acme_kettle"]),
        ("rating", ["acme_kettle", "acme_toaster", "brava_kettle", "zeta_kettle", "brava_toaster"]),
    ],
)
def test_each_sort_order(shelf, browser, sort, expected):
    page = browser.get(f"{KITCHEN}?sort={sort}")
    assert names(shelf, page) == expected
    assert f'<option value="{sort}" selected>' in page.text


def test_featured_order_follows_sales(rt, shelf, browser, session):  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from souk.offers.models import Offer
    from souk.orders.service import CheckoutRequest, place_order

    buyer = f.buyer(session, rt.clock)
    offer_id = session.scalar(select(Offer.id).where(Offer.asin == shelf["brava_toaster"]))
    place_order(
        session,
        rt.clock,
        rt.payments,
        CheckoutRequest(
            buyer.user.id, "US", buyer.address.id, "standard", f.GOOD_CARD, "k-1", ((offer_id, 3),)
        ),
    )
    session.commit()
    rebuild(session, rt.clock, rt.search_index)
    session.commit()
    page = browser.get(KITCHEN)
    assert names(shelf, page)[0] == "brava_toaster"
    assert '<option value="relevance" selected>Featured</option>' in page.text


def test_facets_show_counts_and_filter(shelf, browser):
    page = flat(browser.get(KITCHEN))
    for label, count in (
        ("Acme", 2),
        ("Brava", 2),
        ("Zeta", 1),
        ("4 stars & up", 2),
        ("3 stars & up", 3),
        ("2 stars & up", 4),
        ("Fulfilled by souk", 1),
        ("Get it within 4 days", 4),
        ("New", 4),
        ("Used - Good", 1),
        ("Under $10", 1),
        ("$10 to $25", 2),
    ):
        assert re.search(
            re.escape(label) + rf"</a> <span class=\"facet-count\">\({count}\)", page
        ), label

    def only(query: str) -> set[str]:
        return set(names(shelf, browser.get(f"{KITCHEN}?{query}")))

    assert only("brand=Acme") == {"acme_kettle", "acme_toaster"}
    assert only("brand=Acme&brand=Zeta") == {"acme_kettle", "acme_toaster", "zeta_kettle"}
    assert only("rating=4") == {"acme_kettle", "acme_toaster"}
    assert only("rating=3") == {"acme_kettle", "acme_toaster", "brava_kettle"}
    assert only("prime=1") == {"brava_kettle"}
    assert only("fast=1") == set(SHELF) - {"brava_kettle"}
    assert only("cond=used_good") == {"brava_toaster"}
    assert only("price=1000-2500") == {"brava_toaster", "brava_kettle"}
    assert only("low=10&high=30") == {"brava_toaster", "brava_kettle"}
    assert only("low=40") == {"acme_toaster"}
    assert only("brand=Brava&rating=3&sort=price_asc") == {"brava_kettle"}
    # Counts follow the filters already chosen in other facets...
    acme = flat(browser.get(f"{KITCHEN}?brand=Acme"))
    assert re.search(r"2 stars & up</a> <span class=\"facet-count\">\(2\)", acme)
    assert re.search(r"Kettles</a> <span class=\"facet-count\">\(1\)", acme)
    # ...while a facet's own choice does not hide its other values.
    assert re.search(r"Brava</a> <span class=\"facet-count\">\(2\)", acme)
    four = flat(browser.get(f"{KITCHEN}?rating=4"))
    assert re.search(r"3 stars & up</a> <span class=\"facet-count\">\(3\)", four)
    assert re.search(r"Zeta</a> <span class=\"facet-count\">\(0\)", four) is None


def test_chips_remove_one_filter_each(shelf, browser):
    page = browser.get(f"{KITCHEN}?brand=Acme&rating=4&sort=price_asc")
    chips = dict(
        (label.strip(), href.replace("&amp;", "&"))
        for href, label in re.findall(
            r'<a class="chip" href="([^"]+)" rel="nofollow"><span>([^<]+)</span>', page.text
        )
    )
    assert chips == {
        "Acme": f"{KITCHEN}?rating=4&sort=price_asc",
        "4 stars & up": f"{KITCHEN}?brand=Acme&sort=price_asc",
    }
    assert names(shelf, browser.get(chips["4 stars & up"])) == ["acme_kettle", "acme_toaster"]
    assert "Clear all" in page.text


def test_pages_keep_sort_and_filters(rt, shelf, session, browser):  # type: ignore[no-untyped-def]
    house = f.seller(session, rt.clock)
    for n in range(26):
        product = f.product(
            session,
            rt.clock,
            title=f"Filler Mug {n}",
            brand="Filler",
            category="Home & Kitchen/Kitchen/Mugs",
        )
        f.offer(session, rt.clock, seller_id=house.id, asin=product.asin, price=f"{5 + n}.00")
    session.commit()
    rebuild(session, rt.clock, rt.search_index)
    session.commit()
    first = browser.get(f"{KITCHEN}?brand=Filler&sort=price_desc")
    assert len(shown(first)) == 24 and "1\N{EN DASH}24 of 26 results" in flat(first)
    following = re.search(r'href="([^"]+)" rel="next"', first.text)
    assert following is not None
    url = following.group(1).replace("&amp;", "&")
    assert url == f"{KITCHEN}?brand=Filler&sort=price_desc&page=2"
    second = browser.get(url)
    assert "25\N{EN DASH}26 of 26 results" in flat(second) and len(shown(second)) == 2
    assert 'href="' + f"{KITCHEN}?brand=Filler&amp;sort=price_desc" + '" rel="prev"' in second.text


@pytest.mark.parametrize(
    ("query", "notice"),
    [
        ("sort=cheapest", "That sort order does not exist"),
        ("page=-2", "Page numbers are whole numbers from 1"),
        ("page=abc", "Page numbers are whole numbers from 1"),
        ("page=7", "There are fewer pages than that"),
        ("low=abc&high=20", "Prices must be numbers"),
        ("low=30&high=10", "The minimum price was above the maximum"),
        ("price=7-9", "That price range is not one of ours"),
        ("rating=9", "Ratings filters go from 1 to 4 stars"),
        ("brand=Nope", "There is no brand called “Nope”"),
        ("cond=mint", "An unknown condition was left out"),
    ],
)
def test_bad_input_is_named_and_ignored(shelf, browser, query, notice):
    page = browser.get(f"{KITCHEN}?{query}")
    assert page.status_code == 200
    assert notice in page.text
    assert set(names(shelf, page)) == set(SHELF)  # the rest of the page is unfiltered
    assert '<a class="chip"' not in page.text


def test_german_price_range_and_unknown_category(shelf, browser):
    assert browser.get(f"{KITCHEN}?low=9,50&high=16").status_code == 200
    assert browser.get("/c/home-kitchen/no-such-shelf").status_code == 404
    for odd in ("%00", "'; DROP TABLE products; --", "9" * 40, "-1", "1e9999"):
        for name in ("sort", "page", "low", "high", "brand", "rating", "price", "cond"):
            assert browser.get(KITCHEN, params={name: odd}).status_code == 200, (name, odd)


@pytest.fixture
def cached_client(rt: Runtime, shelf) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    rt.settings = rt.settings.model_copy(update={"page_cache_seconds": 60.0})
    with TestClient(create_app(rt, background=False)) as client:
        yield client


def test_page_cache_keeps_each_sort_apart(shelf, cached_client):  # type: ignore[no-untyped-def]
    def visit(url: str):  # type: ignore[no-untyped-def]
        cached_client.cookies.clear()  # an anonymous first visit: the cacheable kind
        return cached_client.get(url)

    cheap = [visit(f"{KITCHEN}?sort=price_asc") for _ in range(2)]
    dear = [visit(f"{KITCHEN}?sort=price_desc") for _ in range(2)]
    assert names(shelf, cheap[1]) == names(shelf, cheap[0])
    assert names(shelf, dear[1]) == list(reversed(names(shelf, cheap[1])))
    assert len(cached_client.app.state.page_cache._pages) >= 2  # type: ignore[attr-defined]
