"""The left rail shared by the search results page (/s) and category pages (/c/...):
reading a buyer's refinements from the URL, the facets with their counts, the
removable chips of what is applied, and links that keep everything else.

Every query string becomes a page. Input that cannot be used (an unknown sort,
a page that does not exist, a price range written backwards, a brand souk does
not know) is left out and named in a notice above the results, never refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal
from urllib.parse import quote, urlencode

from babel import Locale
from babel.numbers import NumberFormatError, format_currency, parse_decimal
from fastapi import Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from souk.catalog.models import Brand, Category
from souk.core.money import Money, exponent
from souk.core.policy import default_policy
from souk.marketplaces.rules import Marketplace
from souk.offers.rules import CONDITIONS
from souk.search.index import RATING_STEPS
from souk.search.rules import bucket_bounds
from souk.search.service import SORTS, SearchPage, SearchRequest, search
from souk.web.deps import current_marketplace, runtime
from souk.web.pages import url_number

SORT_LABELS = {
    "relevance": "Featured",
    "price_asc": "Price: Low to High",
    "price_desc": "Price: High to Low",
    "newest": "Newest Arrivals",
    "rating": "Avg. Customer Review",
    "best_selling": "Best Selling",
}
MAX_FILTER_VALUES = 20
#: Products without a brand are indexed under this facet value.
NO_BRAND = "(none)"
#: The service serves at most this many pages; later ones are never asked for.
LAST_PAGE = 50
STARS = tuple(step // 10 for step in RATING_STEPS)


@dataclass(frozen=True)
class Refinement:
    """The buyer's query as read from the URL, already cleaned.

    ``base`` is the page the links point at: ``/s`` for search, or a category
    page's own address (which then carries the category in its path).
    ``notices`` name the input that was left out, for the page to explain.
    """

    text: str = ""
    category: Category | None = None
    brands: tuple[str, ...] = ()
    conditions: tuple[str, ...] = ()
    price: str = ""  # a price-bucket key such as "1000-2500" (minor units)
    low: str = ""  # the buyer's own price range, as a plain decimal ("10", "24.5")
    high: str = ""
    prime: bool = False
    fast: bool = False
    rating: int | None = None  # "N stars & up"
    sort: str = "relevance"
    page: int = 1
    base: str = "/s"
    notices: tuple[str, ...] = ()
    unknown_brands: tuple[str, ...] = ()

    @property
    def in_category_page(self) -> bool:
        return self.base != "/s"

    @property
    def filtered(self) -> bool:
        return bool(
            self.brands
            or self.conditions
            or self.price
            or self.low
            or self.high
            or self.prime
            or self.fast
            or self.rating
        )

    def params(self, **changes: object) -> dict[str, object]:
        values: dict[str, object] = {
            "k": self.text,
            "cat": "" if self.in_category_page or not self.category else self.category.path,
            "brand": list(self.brands),
            "price": self.price,
            "low": self.low,
            "high": self.high,
            "cond": list(self.conditions),
            "prime": "1" if self.prime else "",
            "fast": "1" if self.fast else "",
            "rating": str(self.rating) if self.rating else "",
            "sort": "" if self.sort == "relevance" else self.sort,
            "page": "" if self.page == 1 else str(self.page),
        }
        values.update(changes)
        return values

    def url(self, base: str | None = None, **changes: object) -> str:
        pairs = [
            (key, item)
            for key, value in self.params(**changes).items()
            for item in (value if isinstance(value, list) else [value])
            if item not in ("", None) and (key, item) != ("page", "1")  # page 1 is the bare page
        ]
        query = urlencode(pairs)
        return (base or self.base) + (f"?{query}" if query else "")

    def cleared(self) -> str:
        """This page with every filter removed (sort and text kept)."""
        return self.url(
            brand=[], cond=[], price="", low="", high="", prime="", fast="", rating="", page=""
        )


@dataclass(frozen=True)
class FacetOption:
    value: str
    label: str
    count: int
    chosen: bool
    url: str  # this page with the value toggled


@dataclass
class Facet:
    name: str
    title: str
    options: list[FacetOption] = field(default_factory=list)


@dataclass(frozen=True)
class Chip:
    """One applied filter, shown above the results with a link that removes it."""

    kind: str  # brand | cond | price | range | prime | fast | rating
    label: str
    url: str


def category_address(category: Category) -> str:
    return "/c/" + quote(category.path)


def _number(text: str, default: int, highest: int) -> int | None:
    """A page number; None when the text is not one (negative, zero, words)."""
    if not text.strip():
        return default
    number = url_number(text)
    if number is None or number < 1:
        return None
    return min(number, highest)


def _amount(text: str, currency: str, locale: str) -> Money | None:
    """A price the buyer typed ("25", "24.99", "24,99" in German); None if it is not one."""
    text = text.strip().lstrip("$€£¥").strip()
    try:
        value = parse_decimal(text, locale=locale, strict=False)
    except (NumberFormatError, ValueError):
        try:
            value = Decimal(text)
        except ArithmeticError:
            return None
    if not value.is_finite() or value < 0 or value > 10**9:
        return None
    minor = value.scaleb(exponent(currency)).to_integral_value()
    return Money(currency, int(minor))


def _plain(amount: Money) -> str:
    """An amount as the URL carries it: "25" or "24.99"."""
    text = format(amount.decimal, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _values(request: Request, name: str, longest: int) -> tuple[str, ...]:
    found = (v[:longest] for v in request.query_params.getlist(name) if v.strip())
    return tuple(dict.fromkeys(found))[:MAX_FILTER_VALUES]


def _known_brands(session: Session, wanted: tuple[str, ...]) -> tuple[str, ...]:
    # NUL never names a brand (and PostgreSQL refuses it in text).
    asked = [b for b in wanted if b != NO_BRAND and "\x00" not in b]
    known = (
        set(session.scalars(select(Brand.name).where(Brand.name.in_(asked)))) if asked else set()
    )
    return tuple(b for b in wanted if b in known or b == NO_BRAND)


def read_refinement(
    request: Request, session: Session, *, category: Category | None = None, base: str = "/s"
) -> Refinement:
    """The refinements in the URL; what cannot be used is dropped and noted."""
    q = request.query_params
    market = current_marketplace(request)
    notices: list[str] = []
    if base == "/s":
        cat = q.get("cat", "").replace("\x00", "").strip().strip("/")
        if cat:
            category = session.scalar(select(Category).where(Category.path == cat[:500]))
    sort = q.get("sort", "relevance") or "relevance"
    if sort not in SORTS:
        notices.append("sort")
        sort = "relevance"
    page = _number(q.get("page", ""), 1, LAST_PAGE)
    if page is None:
        notices.append("page")
        page = 1
    asked_brands = _values(request, "brand", 120)
    brands = _known_brands(session, asked_brands)
    conditions = _values(request, "cond", 40)
    if any(c not in CONDITIONS for c in conditions):
        notices.append("cond")
        conditions = tuple(c for c in conditions if c in CONDITIONS)
    buckets = default_policy().for_marketplace(market.code).search.price_buckets_minor
    price = q.get("price", "")[:40]
    if price and bucket_bounds(price, buckets) is None:
        notices.append("price")
        price = ""
    low, high = _typed_range(q.get("low", "")[:40], q.get("high", "")[:40], market, notices)
    rating_text = q.get("rating", "").strip()
    rating = int(rating_text) if rating_text in {str(s) for s in STARS} else None
    if rating_text and rating is None:
        notices.append("rating")
    return Refinement(
        text=q.get("k", "")[:200],
        category=category,
        brands=brands,
        conditions=conditions,
        price=price,
        low=low,
        high=high,
        prime=q.get("prime", "") not in ("", "0"),
        fast=q.get("fast", "") not in ("", "0"),
        rating=rating,
        sort=sort,
        page=page,
        base=base,
        notices=tuple(notices),
        unknown_brands=tuple(b for b in asked_brands if b not in brands),
    )


def _typed_range(low: str, high: str, market: Marketplace, notices: list[str]) -> tuple[str, str]:
    """The buyer's min-max price inputs, or empty ones with a notice saying why."""
    currency, locale = market.currency, market.locale
    lowest = _amount(low, currency, locale) if low.strip() else None
    highest = _amount(high, currency, locale) if high.strip() else None
    if (low.strip() and lowest is None) or (high.strip() and highest is None):
        notices.append("price_text")
        return "", ""
    if lowest is not None and highest is not None and lowest.minor > highest.minor:
        notices.append("price_reversed")
        return "", ""
    return (_plain(lowest) if lowest else ""), (_plain(highest) if highest else "")


def run_search(request: Request, refinement: Refinement) -> SearchPage:
    market = current_marketplace(request)
    policy = default_policy().for_marketplace(market.code).search
    low: int | None = None
    high: int | None = None
    if refinement.low or refinement.high:
        # The buyer's own range wins over a bucket (the rail's links never send both).
        if refinement.low:
            low = Money.parse(refinement.low, market.currency).minor
        if refinement.high:
            high = Money.parse(refinement.high, market.currency).minor
    else:
        low, high = bucket_bounds(refinement.price, policy.price_buckets_minor) or (None, None)
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
            min_rating=refinement.rating,
            max_delivery_days=policy.fast_delivery_days if refinement.fast else None,
            platform_fulfilled=refinement.prime,
            sort=refinement.sort,
            page=refinement.page,
        ),
    )


def searched(request: Request, refinement: Refinement) -> tuple[Refinement, SearchPage]:
    """The page of results, moved to the last page when the one asked for is past it."""
    page = run_search(request, refinement)
    if refinement.page > page.pages:
        refinement = replace(
            refinement, page=page.pages, notices=(*refinement.notices, "page_last")
        )
        page = run_search(request, refinement)
    return refinement, page


def money_text(minor: int, currency: str, locale: str) -> str:
    """A round facet bound without its zero cents ("$25", "25 €")."""
    amount = Money(currency, minor)
    pattern = Locale.parse(locale).currency_formats["standard"].pattern
    if amount.decimal == amount.decimal.to_integral_value():
        pattern = pattern.split(";")[0].replace(".00", "")
        return format_currency(
            amount.decimal, currency, pattern, locale=locale, currency_digits=False
        )
    return format_currency(amount.decimal, currency, locale=locale)


def _toggled(chosen: tuple[str, ...], value: str) -> list[str]:
    return [v for v in chosen if v != value] if value in chosen else [*chosen, value]


def price_label(key: str, currency: str, locale: str) -> tuple[str, str]:
    """A price bucket's bounds as text ("$10", "$25"); either may be empty."""
    low, _, high = key.partition("-")
    return (
        money_text(int(low), currency, locale) if low not in ("", "0") else "",
        money_text(int(high), currency, locale) if high else "",
    )


def department_facet(
    session: Session, page: SearchPage, refinement: Refinement, children: list[Category]
) -> Facet:
    """On a category page: its subcategories with their counts (filters kept);
    on search: the top level, or the level below the category searched in."""
    found = page.facets
    department = Facet("cat", "Department")
    if refinement.in_category_page:
        counts = dict(found.get("cat_path", []))
        for child in children:
            if counts.get(child.path):
                url = refinement.url(base=category_address(child), page="")
                department.options.append(
                    FacetOption(child.path, child.name, counts[child.path], False, url)
                )
        return department
    level = "cat2_s" if refinement.category is not None else "cat1_s"
    paths = [p for p, _ in found.get(level, [])]
    rows = session.execute(select(Category.path, Category.name).where(Category.path.in_(paths)))
    names = {path: name for path, name in rows}
    for path, count in found.get(level, []):
        if refinement.category is not None and path == refinement.category.path:
            continue
        url = refinement.url(cat=path, page="")
        department.options.append(FacetOption(path, names.get(path, path), count, False, url))
    return department


def facets(
    session: Session,
    page: SearchPage,
    refinement: Refinement,
    currency: str,
    locale: str,
    children: list[Category] | None = None,
) -> list[Facet]:
    """The left rail's facets, each option with its count and its toggle link."""
    found = page.facets
    result = [department_facet(session, page, refinement, children or [])]

    delivery = Facet("delivery", "Delivery")
    for value, count in found.get("platform", []):
        if count or refinement.prime:
            url = refinement.url(prime="" if refinement.prime else "1", page="")
            delivery.options.append(FacetOption("prime", value, count, refinement.prime, url))
    for value, count in found.get("delivery_days", []):
        if count or refinement.fast:
            url = refinement.url(fast="" if refinement.fast else "1", page="")
            delivery.options.append(FacetOption("fast", value, count, refinement.fast, url))
    result.append(delivery)

    brand = Facet("brand", "Brand")
    for value, count in found.get("brand_s", []):
        url = refinement.url(brand=_toggled(refinement.brands, value), page="")
        brand.options.append(FacetOption(value, value, count, value in refinement.brands, url))
    result.append(brand)

    rating = Facet("rating", "Customer Reviews")
    for value, count in found.get("rating_x10", []):
        stars = int(value) // 10
        chosen = refinement.rating == stars
        if count or chosen:
            url = refinement.url(rating="" if chosen else str(stars), page="")
            rating.options.append(FacetOption(str(stars), str(stars), count, chosen, url))
    result.append(rating)

    price = Facet("price", "Price")
    for value, count in sorted(found.get("price_b", []), key=lambda b: int(b[0].split("-")[0])):
        chosen = refinement.price == value
        url = refinement.url(price="" if chosen else value, low="", high="", page="")
        price.options.append(FacetOption(value, value, count, chosen, url))
    result.append(price)

    condition = Facet("cond", "Condition")
    for value, count in found.get("condition_s", []):
        url = refinement.url(cond=_toggled(refinement.conditions, value), page="")
        label = CONDITIONS.get(value, value)
        condition.options.append(
            FacetOption(value, label, count, value in refinement.conditions, url)
        )
    result.append(condition)
    # The price facet stays for its min-max form even when no bucket has products.
    return [f for f in result if f.options or f.name == "price"]


def chips(refinement: Refinement, currency: str, locale: str) -> list[Chip]:
    """Every applied filter with the link that takes only it away."""
    found = []
    for name in refinement.brands:
        url = refinement.url(brand=_toggled(refinement.brands, name), page="")
        found.append(Chip("brand", name, url))
    for value in refinement.conditions:
        url = refinement.url(cond=_toggled(refinement.conditions, value), page="")
        found.append(Chip("cond", CONDITIONS[value], url))
    if refinement.price:
        low, high = price_label(refinement.price, currency, locale)
        found.append(Chip("price", f"{low}|{high}", refinement.url(price="", page="")))
    if refinement.low or refinement.high:
        low = _range_text(refinement.low, currency, locale)
        high = _range_text(refinement.high, currency, locale)
        found.append(Chip("range", f"{low}|{high}", refinement.url(low="", high="", page="")))
    if refinement.prime:
        found.append(Chip("prime", "", refinement.url(prime="", page="")))
    if refinement.fast:
        found.append(Chip("fast", "", refinement.url(fast="", page="")))
    if refinement.rating:
        found.append(Chip("rating", str(refinement.rating), refinement.url(rating="", page="")))
    return found


def _range_text(plain: str, currency: str, locale: str) -> str:
    if not plain:
        return ""
    return money_text(Money.parse(plain, currency).minor, currency, locale)
