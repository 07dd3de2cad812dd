"""Search on a small fixed catalog, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from souk.core.errors import InvalidInput, NotFound
from souk.core.money import Money
from souk.offers.service import update_quantity
from souk.orders.service import CheckoutRequest, place_order
from souk.search.index import IndexQuery
from souk.search.service import (
    SearchRequest,
    apply_pending,
    rebuild,
    record_click,
    record_search,
    search,
    suggestions,
)
from tests import factories as f


@pytest.fixture
def catalog(rt, session):
    clock = rt.clock
    a = f.seller(session, clock)
    b = f.seller(session, clock)
    items = {
        "title": f.product(
            session, clock, title="Stainless Steel Electric Kettle 1.7L", brand="Acme"
        ),
        "mention": f.product(session, clock, title="Descaling Tablets 20 pack", brand="Brava"),
        "popular": f.product(session, clock, title="Glass Electric Kettle with LED", brand="Brava"),
        "gone": f.product(session, clock, title="Vintage Whistling Kettle", brand="Acme"),
        "toaster": f.product(
            session,
            clock,
            title="Two Slice Toaster",
            brand="Acme",
            category="Home & Kitchen/Small Appliances",
        ),
    }
    items["mention"].description = "Removes limescale from any kettle."
    session.commit()
    offers = {
        "title": f.offer(session, clock, seller_id=a.id, asin=items["title"].asin, price="39.99"),
        "mention": f.offer(
            session, clock, seller_id=a.id, asin=items["mention"].asin, price="9.99"
        ),
        "popular": f.offer(
            session, clock, seller_id=b.id, asin=items["popular"].asin, price="34.99", quantity=50
        ),
        "gone": f.offer(
            session, clock, seller_id=b.id, asin=items["gone"].asin, price="29.99", quantity=0
        ),
        "toaster": f.offer(
            session,
            clock,
            seller_id=b.id,
            asin=items["toaster"].asin,
            price="24.99",
            condition="used_good",
        ),
    }
    buyer = f.buyer(session, clock)
    for n in range(3):  # the glass kettle sells
        place_order(
            session,
            clock,
            rt.payments,
            CheckoutRequest(
                buyer_id=buyer.user.id,
                marketplace="US",
                address_id=buyer.address.id,
                delivery_speed="standard",
                card=f.GOOD_CARD,
                idempotency_key=f"k{n}",
                lines=((offers["popular"].id, 2),),
            ),
        )
    rebuild(session, clock, rt.search_index)
    return items, offers


def asins(page):
    return [r.asin for r in page.results]


def test_exact_title_beats_description_mention(rt, catalog):
    items, _ = catalog
    page = search(rt.search_index, SearchRequest("US", "kettle"))
    order = asins(page)
    assert order.index(items["title"].asin) < order.index(items["mention"].asin)


def test_best_seller_of_two_equal_matches_comes_first(rt, catalog):
    items, _ = catalog
    order = asins(search(rt.search_index, SearchRequest("US", "electric kettle")))
    assert order[:2] == [items["popular"].asin, items["title"].asin]


def test_out_of_stock_is_left_out_unless_asked(rt, catalog):
    items, _ = catalog
    assert items["gone"].asin not in asins(search(rt.search_index, SearchRequest("US", "kettle")))
    page = search(rt.search_index, SearchRequest("US", "kettle", include_out_of_stock=True))
    assert items["gone"].asin in asins(page)


def test_results_are_products_once_each(rt, catalog, session):
    items, _ = catalog
    other = f.seller(session, rt.clock)
    f.offer(session, rt.clock, seller_id=other.id, asin=items["title"].asin, price="38.00")
    rebuild(session, rt.clock, rt.search_index)
    order = asins(search(rt.search_index, SearchRequest("US", "kettle")))
    assert len(order) == len(set(order))


def test_typo_and_plural_still_find(rt, catalog):
    items, _ = catalog
    assert items["title"].asin in asins(search(rt.search_index, SearchRequest("US", "kettels")))
    assert items["toaster"].asin in asins(search(rt.search_index, SearchRequest("US", "toastr")))


def test_no_word_in_common_falls_back_to_any_word(rt, catalog):
    page = search(rt.search_index, SearchRequest("US", "kettle zeppelin"))
    assert not page.matched_all_words and page.results


def test_filters_and_facet_counts_match_a_brute_force_count(rt, catalog):
    page = search(rt.search_index, SearchRequest("US", "", include_out_of_stock=True))
    brands = dict(page.facets["brand_s"])
    assert brands == {"Acme": 3, "Brava": 2}
    acme = search(rt.search_index, SearchRequest("US", "", brands=("Acme",)))
    assert acme.total == 2  # the out-of-stock Acme kettle is not counted
    cheap = search(rt.search_index, SearchRequest("US", "", price_max=Money.parse("25", "USD")))
    assert {r.price_minor for r in cheap.results} <= set(range(0, 2501))
    used = search(rt.search_index, SearchRequest("US", "", conditions=("used_good",)))
    assert used.total == 1
    scoped = search(
        rt.search_index, SearchRequest("US", "", category_path="home-kitchen/small-appliances")
    )
    assert scoped.total == 1


def test_sorting_by_price(rt, catalog):
    page = search(rt.search_index, SearchRequest("US", "", sort="price_asc"))
    prices = [r.price_minor for r in page.results]
    assert prices == sorted(prices)


def test_bad_requests_are_refused(rt, catalog):
    with pytest.raises(InvalidInput):
        search(rt.search_index, SearchRequest("XX", "kettle"))
    with pytest.raises(InvalidInput):
        search(rt.search_index, SearchRequest("US", "kettle", sort="cheapest"))
    with pytest.raises(InvalidInput):
        search(rt.search_index, SearchRequest("US", "kettle", page=0))
    with pytest.raises(InvalidInput):
        search(rt.search_index, SearchRequest("US", "k", price_min=Money.parse("1", "EUR")))


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(max_size=120))
def test_any_buyer_input_returns_a_page(rt, catalog, text):
    page = search(rt.search_index, SearchRequest("US", text))
    assert page.total >= 0


def test_index_follows_offer_changes_through_pending_marks(rt, catalog, session):
    items, offers = catalog
    update_quantity(session, rt.clock, offers["title"], 0)
    assert apply_pending(rt.sessions, rt.clock, rt.search_index) >= 1
    assert items["title"].asin not in asins(search(rt.search_index, SearchRequest("US", "kettle")))
    assert apply_pending(rt.sessions, rt.clock, rt.search_index) == 0


def test_impressions_clicks_and_suggestions(rt, catalog, session):
    items, _ = catalog
    page = search(rt.search_index, SearchRequest("US", "kettle"))
    search_id = record_search(session, rt.clock, page, visitor="v1")
    record_click(session, rt.clock, search_id, page.results[0].asin)
    with pytest.raises(NotFound):
        record_click(session, rt.clock, search_id, items["toaster"].asin)
    assert "kettle" in suggestions(session, "US", "ket")
    assert suggestions(session, "US", "k") == []
    counts = Counter(suggestions(session, "US", "two"))
    assert counts and all(n == 1 for n in counts.values())


def test_reviews_reach_the_index_and_the_rating_filter(rt, session):
    from souk.reviews.service import write_review
    from tests.reviews import support as shop_support

    shop = shop_support.listing(rt, session)
    buyer = f.buyer(session, rt.clock)
    shop_support.delivered_order(rt, session, buyer, shop.offer)
    rebuild(session, rt.clock, rt.search_index)
    session.commit()
    assert search(rt.search_index, SearchRequest("US", "", min_rating=4)).total == 0
    write_review(
        session,
        rt.clock,
        rt.media,
        buyer_id=buyer.user.id,
        asin=shop.product.asin,
        marketplace="US",
        stars=5,
        headline="Boils fast",
        text="Boils a full kettle in under four minutes and pours cleanly.",
    )
    assert apply_pending(rt.sessions, rt.clock, rt.search_index) >= 1
    rated = search(rt.search_index, SearchRequest("US", "", min_rating=4))
    assert [r.asin for r in rated.results] == [shop.product.asin]
    candidate = rt.search_index.query(IndexQuery("US", "", facets=False)).candidates
    assert {c.asin: c.rating_x10 for c in candidate}[shop.product.asin] == 50
