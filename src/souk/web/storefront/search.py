"""Buyer search: the results page (/s) over the search service, with facets,
sort, pagination and sponsored results; search-box suggestions; and the
result-click redirect that records which product a search led to.

Every query string becomes a page: unknown sorts, pages, prices or categories
are ignored rather than refused, because buyers and crawlers edit URLs.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from urllib.parse import urlencode

from babel import Locale
from babel.numbers import format_currency
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from souk.ads.service import search_auction
from souk.buybox.rules import OfferFacts
from souk.catalog.models import Category, Product
from souk.core.errors import NotFound
from souk.core.money import Money
from souk.core.policy import default_policy
from souk.offers.rules import CONDITIONS
from souk.offers.service import ProductOffers, offers_for_products
from souk.orders.rules import DeliveryWindow
from souk.rankings.service import ranks_for_products
from souk.recs import service as recs_service
from souk.search.service import (
    SORTS,
    SearchPage,
    SearchRequest,
    record_click,
    record_search,
    search,
    suggestions,
)
from souk.web.deps import current_marketplace, db, read_db, runtime
from souk.web.pages import render
from souk.web.storefront.browse import arrival
from souk.web.storefront.recs import shopper_of
from souk.web.storefront.sponsored import cards, products_with_images, visitor_of

router = APIRouter()

SORT_LABELS = {
    "relevance": "Featured",
    "price_asc": "Price: Low to High",
    "price_desc": "Price: High to Low",
    "best_selling": "Best Selling",
}
# Sponsored results never repeat a product already in the first organic row.
ORGANIC_ROW = 4
MAX_FILTER_VALUES = 20
MAX_ID_DIGITS = 18


@dataclass(frozen=True)
class Refinement:
    """The buyer's query as read from the URL, already cleaned."""

    text: str = ""
    category: Category | None = None
    brands: tuple[str, ...] = ()
    conditions: tuple[str, ...] = ()
    price: str = ""  # a price-bucket key such as "1000-2500" (minor units)
    prime: bool = False
    sort: str = "relevance"
    page: int = 1

    def params(self, **changes: object) -> dict[str, object]:
        values: dict[str, object] = {
            "k": self.text,
            "cat": self.category.path if self.category else "",
            "brand": list(self.brands),
            "price": self.price,
            "cond": list(self.conditions),
            "prime": "1" if self.prime else "",
            "sort": "" if self.sort == "relevance" else self.sort,
            "page": "" if self.page == 1 else str(self.page),
        }
        values.update(changes)
        return values

    def url(self, **changes: object) -> str:
        pairs = [
            (key, item)
            for key, value in self.params(**changes).items()
            for item in (value if isinstance(value, list) else [value])
            if item not in ("", None)
        ]
        return "/s?" + urlencode(pairs)


@dataclass
class ResultCard:
    product: Product
    offers: ProductOffers | None
    href: str
    window: DeliveryWindow | None
    best_seller: bool


@dataclass
class Facet:
    name: str
    title: str
    options: list[tuple[str, str, int, bool, str]] = field(default_factory=list)
    # (value, label, count, chosen, url with this value toggled)


def _number(text: str, default: int, highest: int) -> int:
    text = text.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > MAX_ID_DIGITS:
        return default
    return max(1, min(int(text), highest))


def _price_range(key: str, buckets: list[int]) -> tuple[int | None, int | None] | None:
    """A facet bucket key back into (min, max) minor units; None if it is not a bucket."""
    bounds = [0, *buckets]
    for i, lower in enumerate(bounds):
        upper = bounds[i + 1] if i + 1 < len(bounds) else None
        if key == f"{lower}-{upper if upper is not None else ''}":
            return lower, (upper - 1 if upper is not None else None)
    return None


def read_refinement(request: Request, session: Session, last_page: int) -> Refinement:
    q = request.query_params
    text = q.get("k", "")[:200]
    category = None
    # NUL never names a category (and PostgreSQL refuses it in text).
    cat = q.get("cat", "").replace("\x00", "").strip().strip("/")
    if cat:
        category = session.scalar(select(Category).where(Category.path == cat[:500]))
    sort = q.get("sort", "relevance")
    return Refinement(
        text=text,
        category=category,
        brands=tuple(dict.fromkeys(b[:120] for b in q.getlist("brand") if b.strip()))[
            :MAX_FILTER_VALUES
        ],
        conditions=tuple(dict.fromkeys(c[:40] for c in q.getlist("cond") if c.strip()))[
            :MAX_FILTER_VALUES
        ],
        price=q.get("price", "")[:40],
        prime=q.get("prime", "") not in ("", "0"),
        sort=sort if sort in SORTS else "relevance",
        page=_number(q.get("page", "1"), 1, last_page),
    )


def run_search(request: Request, refinement: Refinement) -> SearchPage:
    market = current_marketplace(request)
    policy = default_policy().for_marketplace(market.code).search
    bounds = _price_range(refinement.price, policy.price_buckets_minor)
    low, high = bounds if bounds else (None, None)
    return search(
        runtime(request).search_index,
        SearchRequest(
            marketplace=market.code,
            text=refinement.text,
            category_path=refinement.category.path if refinement.category else None,
            brands=refinement.brands,
            conditions=refinement.conditions,
            price_min=Money(market.currency, low) if low is not None else None,
            price_max=Money(market.currency, high) if high is not None else None,
            platform_fulfilled=refinement.prime,
            sort=refinement.sort,
            page=refinement.page,
        ),
    )


def _facets(
    session: Session, page: SearchPage, refinement: Refinement, currency: str, locale: str
) -> list[Facet]:
    found = page.facets
    facets = []
    # Department: the top level, or the level below the category searched in.
    level = "cat2_s" if refinement.category is not None else "cat1_s"
    paths = [p for p, _ in found.get(level, [])]
    rows = session.execute(select(Category.path, Category.name).where(Category.path.in_(paths)))
    names = {path: name for path, name in rows}
    department = Facet("cat", "Department")
    for path, count in found.get(level, []):
        if refinement.category is not None and path == refinement.category.path:
            continue
        department.options.append(
            (path, names.get(path, path), count, False, refinement.url(cat=path, page=""))
        )
    facets.append(department)

    def toggled(chosen: tuple[str, ...], value: str) -> list[str]:
        return [v for v in chosen if v != value] if value in chosen else [*chosen, value]

    brand = Facet("brand", "Brand")
    for value, count in found.get("brand_s", []):
        url = refinement.url(brand=toggled(refinement.brands, value), page="")
        brand.options.append((value, value, count, value in refinement.brands, url))
    facets.append(brand)

    price = Facet("price", "Price")
    for value, count in sorted(found.get("price_b", []), key=lambda b: int(b[0].split("-")[0])):
        low, _, high = value.partition("-")
        low_text = _money_text(int(low), currency, locale)
        if not high:
            label = f"{low_text} & above"
        elif low == "0":
            label = f"Under {_money_text(int(high), currency, locale)}"
        else:
            label = f"{low_text} to {_money_text(int(high), currency, locale)}"
        chosen = refinement.price == value
        price.options.append(
            (value, label, count, chosen, refinement.url(price="" if chosen else value, page=""))
        )
    facets.append(price)

    condition = Facet("cond", "Condition")
    for value, count in found.get("condition_s", []):
        url = refinement.url(cond=toggled(refinement.conditions, value), page="")
        condition.options.append(
            (value, CONDITIONS.get(value, value), count, value in refinement.conditions, url)
        )
    facets.append(condition)
    return [f for f in facets if f.options]


def _money_text(minor: int, currency: str, locale: str) -> str:
    """A round facet bound without its zero cents ("$25", "25 €")."""
    amount = Money(currency, minor)
    pattern = Locale.parse(locale).currency_formats["standard"].pattern
    if amount.decimal == amount.decimal.to_integral_value():
        pattern = pattern.split(";")[0].replace(".00", "")
        return format_currency(
            amount.decimal, currency, pattern, locale=locale, currency_digits=False
        )
    return format_currency(amount.decimal, currency, locale=locale)


def _result_cards(
    request: Request,
    session: Session,
    page: SearchPage,
    search_id: int,
) -> list[ResultCard]:
    market = current_marketplace(request)
    clock = runtime(request).clock
    asins = [r.asin for r in page.results]
    products = products_with_images(session, asins)
    offers = offers_for_products(session, asins, market.code)
    ranks = ranks_for_products(session, asins, market.code)
    badge_rank = default_policy().for_marketplace(market.code).rankings.top_badge_rank
    result = []
    for r in page.results:
        product = products.get(r.asin)
        if product is None:
            continue
        shown = offers.get(r.asin)
        featured: OfferFacts | None = shown.featured if shown else None
        result.append(
            ResultCard(
                product=product,
                offers=shown,
                href=f"/s/r/{search_id}/{r.asin}",
                window=arrival(market, clock, featured) if featured else None,
                best_seller=ranks.get(r.asin, badge_rank + 1) <= badge_rank,
            )
        )
    return result


@router.get("/s", response_class=HTMLResponse)
def search_page(
    request: Request, session: Session = Depends(read_db), writes: Session = Depends(db)
) -> HTMLResponse:
    market = current_marketplace(request)
    rt = runtime(request)
    # The service serves at most this many pages; later ones are never asked for.
    last_page = 50
    refinement = read_refinement(request, session, last_page)
    page = run_search(request, refinement)
    if refinement.page > page.pages:
        refinement = replace(refinement, page=page.pages)
        page = run_search(request, refinement)
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
    sponsored = cards(session, slots, market.code)
    results = _result_cards(request, session, page, search_id)
    first = (refinement.page - 1) * page.page_size + 1 if page.total else 0
    return render(
        request,
        "storefront/search.html",
        page=page,
        refinement=refinement,
        results=results,
        sponsored=sponsored,
        facets=_facets(session, page, refinement, market.currency, market.locale),
        first=first,
        last=first + len(page.results) - 1 if page.total else 0,
        sort_labels=SORT_LABELS,
        scope=refinement.category,
        search_k=refinement.text,
        search_cat=refinement.category.path if refinement.category else "",
    )


@router.get("/s/r/{search_id}/{asin}")
def result_click(
    request: Request, search_id: str, asin: str, session: Session = Depends(db)
) -> RedirectResponse:
    """A result was opened: record it against the search, then show the product."""
    if not asin.isalnum() or len(asin) != 10:
        raise NotFound("No such product.")
    if search_id.isascii() and search_id.isdigit() and len(search_id) <= MAX_ID_DIGITS:
        try:
            record_click(session, runtime(request).clock, int(search_id), asin)
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
