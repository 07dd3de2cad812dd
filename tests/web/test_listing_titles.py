"""Product titles in the reader's language on storefront listings (search results,
category pages, home shelves, cart, orders), looked up once per page, with the
catalog's own title where no translation exists."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from souk.globalselling import service as selling
from souk.search.service import rebuild
from tests import factories as f

GERMAN = "Acme Wasserkocher aus Edelstahl"
ENGLISH = "Acme Steel Kettle"
UNTRANSLATED = "Acme Ceramic Mug"
KITCHEN = "/c/home-kitchen/kitchen"


@pytest.fixture
def listed(rt, session) -> dict[str, object]:  # type: ignore[no-untyped-def]
    seller = f.seller(session, rt.clock)
    kettle = f.product(session, rt.clock, title=ENGLISH)
    mug = f.product(session, rt.clock, title=UNTRANSLATED)
    offers = {}
    for product in (kettle, mug):
        for market, price in (("US", "19.99"), ("DE", "21.99")):
            offer = f.offer(
                session,
                rt.clock,
                seller_id=seller.id,
                asin=product.asin,
                marketplace=market,
                price=price,
            )
            offers[(product.asin, market)] = offer.id
    selling.put_translation(
        session, rt.clock, asin=kettle.asin, language="de", title=GERMAN, seller_id=seller.id
    )
    session.commit()
    rebuild(session, rt.clock, rt.search_index)
    session.commit()  # end the reading transaction: SQLite lets one writer in at a time
    return {"kettle": kettle.asin, "mug": mug.asin, "offers": offers}


def switch(browser, code: str) -> None:  # type: ignore[no-untyped-def]
    assert browser.post("/marketplace", {"marketplace": code, "next": "/"}).status_code == 303


@contextmanager
def translation_lookups(rt) -> Iterator[list[str]]:  # type: ignore[no-untyped-def]
    """The SQL statements that read product translations while the block runs."""
    seen: list[str] = []

    def note(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if "product_translations" in statement:
            seen.append(statement)

    event.listen(rt.engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(rt.engine, "before_cursor_execute", note)


def test_german_storefront_lists_the_german_title(rt, listed, browser):  # type: ignore[no-untyped-def]
    switch(browser, "DE")
    for url in ("/s?k=acme", KITCHEN, "/"):
        with translation_lookups(rt) as lookups:
            page = browser.get(url).text
        assert GERMAN in page and ENGLISH not in page, url
        assert UNTRANSLATED in page, url  # no German words: the catalog's own title
        assert len(lookups) == 1, (url, lookups)  # one lookup for the whole page

    added = browser.post(
        "/cart/add", {"offer_id": listed["offers"][(listed["kettle"], "DE")], "quantity": "1"}
    )
    assert added.status_code == 303
    cart = browser.get("/cart").text
    assert GERMAN in cart and ENGLISH not in cart


def test_english_storefront_keeps_the_catalog_title(rt, listed, browser):  # type: ignore[no-untyped-def]
    for url in ("/s?k=acme", KITCHEN):
        with translation_lookups(rt) as lookups:
            page = browser.get(url).text
        assert ENGLISH in page and GERMAN not in page, url
        assert lookups == [], url  # English is the catalog's language: nothing to look up
    browser.post(
        "/cart/add", {"offer_id": listed["offers"][(listed["kettle"], "US")], "quantity": "1"}
    )
    cart = browser.get("/cart").text
    assert ENGLISH in cart and GERMAN not in cart


def test_french_reader_falls_back_to_the_catalog_title(rt, listed, browser):  # type: ignore[no-untyped-def]
    switch(browser, "DE")
    assert browser.post("/preferences", {"language": "fr", "time_zone": ""}).status_code == 303
    page = browser.get("/s?k=acme").text
    assert ENGLISH in page and GERMAN not in page
