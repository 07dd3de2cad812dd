"""Buyer search: the results page (/s) over the search service, with facets,
sort, pagination and sponsored results; category pages' results from the same
engine scoped to the category; search-box suggestions; and the result-click
redirect that records which product a search led to.

Every query string becomes a page: unknown sorts, pages, prices or categories
are left out and named in a notice (see refine.py), because buyers and crawlers
edit URLs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from souk.ads.service import SponsoredSlot, search_auction
from souk.buybox.rules import OfferFacts
from souk.catalog.models import Brand, Category, Product, ProductImage
from souk.catalog.service import category_chain, child_categories
from souk.core.errors import NotFound
from souk.core.policy import default_policy
from souk.offers.service import ProductOffers, offers_for_products
from souk.orders.rules import DeliveryWindow
from souk.rankings.service import ranks_for_products
from souk.recs import service as recs_service
from souk.search.service import (
    SearchPage,
    record_click,
    record_search,
    suggestions,
)
from souk.web.deps import current_marketplace, db, read_db, runtime
from souk.web.pages import render, url_number
from souk.web.storefront.browse import arrival
from souk.web.storefront.recs import shopper_of
from souk.web.storefront.refine import (
    SORT_LABELS,
    Refinement,
    category_address,
    chips,
    facets,
    money_text,
    read_refinement,
    searched,
)
from souk.web.storefront.sponsored import visitor_of
from souk.web.storefront.titles import expect_titles

router = APIRouter()

# Sponsored results never repeat a product already in the first organic row.
ORGANIC_ROW = 4


@dataclass(frozen=True)
class CardImage:
    storage_key: str
    alt_text: str
    width: int
    height: int


@dataclass(frozen=True)
class CardBrand:
    name: str


@dataclass(frozen=True)
class CardProduct:
    """The part of a product a result card shows (as ``Product`` spells it, so the
    card partial reads either): a results page reads these as plain rows instead
    of whole catalog entries with their descriptions and attributes."""

    asin: str
    title: str
    brand: CardBrand | None
    images: tuple[CardImage, ...]  # by position, the first is the card's picture


@dataclass
class ResultCard:
    product: CardProduct
    offers: ProductOffers | None
    href: str
    window: DeliveryWindow | None
    best_seller: bool
    rating_x10: int = 0
    review_count: int = 0


@dataclass(frozen=True)
class SponsoredResult:
    """One sponsored slot on a results page: the product, its offers, its click link."""

    slot: SponsoredSlot
    product: CardProduct
    offers: ProductOffers | None

    @property
    def href(self) -> str:
        return f"/sp/click/{self.slot.impression_id}"


@dataclass(frozen=True)
class _Shown:
    """What the cards of one page need, read once for organic and sponsored results."""

    products: dict[str, CardProduct]
    offers: dict[str, ProductOffers]


def card_products(session: Session, asins: Sequence[str]) -> dict[str, CardProduct]:
    """Title, brand and images of these products by ASIN, in two plain queries."""
    if not asins:
        return {}
    images: dict[str, list[CardImage]] = {}
    for asin, key, alt, width, height in session.execute(
        select(
            ProductImage.asin,
            ProductImage.storage_key,
            ProductImage.alt_text,
            ProductImage.width,
            ProductImage.height,
        )
        .where(ProductImage.asin.in_(asins))
        .order_by(ProductImage.asin, ProductImage.position)
    ):
        images.setdefault(asin, []).append(CardImage(key, alt, width, height))
    rows = session.execute(
        select(Product.asin, Product.title, Brand.name)
        .outerjoin(Brand, Brand.id == Product.brand_id)
        .where(Product.asin.in_(asins))
    )
    return {
        asin: CardProduct(
            asin,
            title,
            CardBrand(brand) if brand is not None else None,
            tuple(images.get(asin, ())),
        )
        for asin, title, brand in rows
    }


def _shown(request: Request, session: Session, asins: list[str], marketplace: str) -> _Shown:
    """The products and offers behind a page's cards, read once for all of them."""
    wanted = list(dict.fromkeys(asins))
    if not wanted:
        return _Shown({}, {})
    # Plain rows are not in the session, where titles look for the products listed.
    expect_titles(request, wanted)
    return _Shown(card_products(session, wanted), offers_for_products(session, wanted, marketplace))


def _result_cards(
    request: Request,
    session: Session,
    page: SearchPage,
    search_id: int | None,
    shown: _Shown | None = None,
) -> list[ResultCard]:
    """Cards for a page of results; with a search id each links through the click
    counter, else (category pages) straight to the product."""
    market = current_marketplace(request)
    clock = runtime(request).clock
    asins = [r.asin for r in page.results]
    if shown is None:
        shown = _shown(request, session, asins, market.code)
    products, offers = shown.products, shown.offers
    ranks = ranks_for_products(session, asins, market.code)
    badge_rank = default_policy().for_marketplace(market.code).rankings.top_badge_rank
    result = []
    for r in page.results:
        product = products.get(r.asin)
        if product is None:
            continue
        listed = offers.get(r.asin)
        featured: OfferFacts | None = listed.featured if listed else None
        result.append(
            ResultCard(
                product=product,
                offers=listed,
                href=f"/s/r/{search_id}/{r.asin}" if search_id else f"/dp/{r.asin}",
                window=arrival(market, clock, featured) if featured else None,
                best_seller=ranks.get(r.asin, badge_rank + 1) <= badge_rank,
                rating_x10=r.rating_x10,
                review_count=r.review_count,
            )
        )
    return result


def _sponsored_cards(slots: list[SponsoredSlot], shown: _Shown) -> list[SponsoredResult]:
    """The "Sponsored" cards of the slots an auction awarded (as sponsored.cards)."""
    return [
        SponsoredResult(s, shown.products[s.asin], shown.offers.get(s.asin))
        for s in slots
        if s.asin in shown.products
    ]


@router.get("/s", response_class=HTMLResponse)
def search_page(
    request: Request, session: Session = Depends(read_db), writes: Session = Depends(db)
) -> HTMLResponse:
    market = current_marketplace(request)
    rt = runtime(request)
    refinement, page = searched(request, read_refinement(request, session))
    visitor = visitor_of(request)
    slots = search_auction(
        writes,
        rt.clock,
        marketplace=market.code,
        query=refinement.text,
        placement="top_of_search" if refinement.page == 1 else "rest_of_search",
        visitor=visitor,
        exclude_asins={r.asin for r in page.results[:ORGANIC_ROW]},
    )
    search_id = record_search(writes, rt.clock, page, visitor)
    recs_service.record_search(writes, rt.clock, shopper_of(request), market.code, refinement.text)
    shown = _shown(
        request,
        session,
        [*(r.asin for r in page.results), *(s.asin for s in slots)],
        market.code,
    )
    sponsored = _sponsored_cards(slots, shown)
    results = _result_cards(request, session, page, search_id, shown)
    return render(
        request,
        "storefront/search.html",
        sponsored=sponsored,
        scope=refinement.category,
        search_k=refinement.text,
        search_cat=refinement.category.path if refinement.category else "",
        **_listing(request, session, refinement, page, results),
    )


def _listing(
    request: Request,
    session: Session,
    refinement: Refinement,
    page: SearchPage,
    results: list[ResultCard],
    children: list[Category] | None = None,
) -> dict[str, Any]:
    """What the search and category pages show alike: the rail, the chips, the
    "1-24 of 300 results" line and the sort menu."""
    market = current_marketplace(request)
    first = (refinement.page - 1) * page.page_size + 1 if page.total else 0
    return {
        "page": page,
        "refinement": refinement,
        "results": results,
        "facets": facets(session, page, refinement, market.currency, market.locale, children),
        "chips": chips(refinement, market.currency, market.locale),
        "first": first,
        "last": first + len(page.results) - 1 if page.total else 0,
        "sort_labels": SORT_LABELS,
        "facet_money": lambda minor: money_text(minor, market.currency, market.locale),
        "fast_days": default_policy().for_marketplace(market.code).search.fast_delivery_days,
    }


def category_listing(request: Request, session: Session, category: Category) -> dict[str, Any]:
    """A category page's context: its products from the search index scoped to the
    category and everything below it, sorted and refined like search results."""
    refinement = read_refinement(
        request, session, category=category, base=category_address(category)
    )
    refinement, page = searched(request, refinement)
    children = child_categories(session, category.id)
    results = _result_cards(request, session, page, None)
    return {
        "category": category,
        "chain": category_chain(session, category),
        "children": children,
        **_listing(request, session, refinement, page, results, children),
    }


@router.get("/s/r/{search_id}/{asin}")
def result_click(
    request: Request, search_id: str, asin: str, session: Session = Depends(db)
) -> RedirectResponse:
    """A result was opened: record it against the search, then show the product."""
    if not asin.isalnum() or len(asin) != 10:
        raise NotFound("No such product.")
    searched_id = url_number(search_id)
    if searched_id is not None:
        try:
            record_click(session, runtime(request).clock, searched_id, asin)
        except NotFound:
            # An old or edited link still shows the product; it just is not counted.
            session.rollback()
    return RedirectResponse(f"/dp/{asin}", status_code=303)


@router.get("/s/suggest")
def suggest(request: Request, q: str = "", session: Session = Depends(read_db)) -> JSONResponse:
    market = current_marketplace(request)
    return JSONResponse(
        {"query": q[:200], "suggestions": suggestions(session, market.code, q[:200])},
        headers={"Cache-Control": "private, max-age=60"},
    )
