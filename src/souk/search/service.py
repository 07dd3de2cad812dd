"""Search use cases: build product documents from the database, keep the
index current from domain events, answer buyers' queries, record what they
saw and clicked."""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from souk.buybox.rules import OfferFacts, featured_offer, is_buyable
from souk.catalog.models import Brand, Category, Product
from souk.core.clock import Clock
from souk.core.errors import InvalidInput, NotFound
from souk.core.events import DomainEvent, after_drain, on
from souk.core.money import Money
from souk.core.policy import SearchPolicy, default_policy
from souk.marketplaces.rules import MARKETPLACES
from souk.offers.models import Offer
from souk.orders.models import Order, OrderItem
from souk.reviews.service import family_ratings
from souk.search import rules
from souk.search.index import ORDERS, Candidate, Filters, IndexQuery, ProductDocument, TantivyIndex
from souk.search.models import SearchClick, SearchImpression, SearchLog, SearchPending
from souk.sellers.models import Seller

_indexes: dict[Path, TantivyIndex] = {}
_indexes_lock = threading.Lock()


def index_at(var_dir: Path) -> TantivyIndex:
    """One index object per directory and process (it holds the reader and writer lock)."""
    root = (var_dir / "search").resolve()
    with _indexes_lock:
        if root not in _indexes:
            _indexes[root] = TantivyIndex(root)
        return _indexes[root]


def weights(policy: SearchPolicy) -> rules.RankingWeights:
    return rules.RankingWeights(
        text=policy.weight_text,
        sales=policy.weight_sales,
        conversion=policy.weight_conversion,
        in_stock=policy.weight_in_stock,
        delivery=policy.weight_delivery,
        rerank_depth=policy.rerank_depth,
        fuzzy_min_length=policy.fuzzy_min_length,
    )


# -- documents ------------------------------------------------------------------------------


def _category_chains(session: Session) -> dict[int, tuple[tuple[str, ...], str]]:
    """Per category: every ancestor path (root first) and the names along the way."""
    categories = {c.id: c for c in session.scalars(select(Category))}
    chains: dict[int, tuple[tuple[str, ...], str]] = {}
    for category in categories.values():
        parts = category.path.split("/")
        paths = tuple("/".join(parts[: i + 1]) for i in range(len(parts)))
        names, node = [], category
        while node is not None:
            names.append(node.name)
            node = categories.get(node.parent_id) if node.parent_id else None
        chains[category.id] = (paths, " ".join(reversed(names)))
    return chains


def _sales_velocity(
    session: Session,
    now: datetime,
    policy_by_market: dict[str, SearchPolicy],
    asins: Sequence[str] | None,
) -> dict[tuple[str, str], float]:
    """Decayed units a day per (marketplace, asin) over the sales window."""
    longest = max(p.sales_window_days for p in policy_by_market.values())
    query = (
        select(Order.marketplace, OrderItem.asin, Order.purchased_at, OrderItem.quantity)
        .join(Order, Order.id == OrderItem.order_id)
        .where(Order.purchased_at >= now - timedelta(days=longest), Order.status != "Canceled")
    )
    if asins is not None:
        query = query.where(OrderItem.asin.in_(list(asins)))
    sales: dict[tuple[str, str], list[tuple[float, int]]] = defaultdict(list)
    for marketplace, asin, at, quantity in session.execute(query):
        policy = policy_by_market[marketplace]
        age = (now - at).total_seconds() / 86400
        if age <= policy.sales_window_days:
            sales[(marketplace, asin)].append((age, quantity))
    return {
        key: rules.decayed_sales(units, policy_by_market[key[0]].sales_half_life_days)
        / policy_by_market[key[0]].sales_window_days
        for key, units in sales.items()
    }


def _conversion(
    session: Session, now: datetime, days: int, min_clicks: int, asins: Sequence[str] | None
) -> dict[tuple[str, str], float]:
    """Orders per search click over the window, per (marketplace, asin)."""
    since = now - timedelta(days=days)
    clicks_q = (
        select(SearchClick.marketplace, SearchClick.asin, func.count())
        .where(SearchClick.at >= since)
        .group_by(SearchClick.marketplace, SearchClick.asin)
    )
    orders_q = (
        select(Order.marketplace, OrderItem.asin, func.count(func.distinct(Order.id)))
        .join(Order, Order.id == OrderItem.order_id)
        .where(Order.purchased_at >= since, Order.status != "Canceled")
        .group_by(Order.marketplace, OrderItem.asin)
    )
    if asins is not None:
        clicks_q = clicks_q.where(SearchClick.asin.in_(list(asins)))
        orders_q = orders_q.where(OrderItem.asin.in_(list(asins)))
    clicks = {(m, a): n for m, a, n in session.execute(clicks_q)}
    orders = {(m, a): n for m, a, n in session.execute(orders_q)}
    # Too few clicks says nothing; below the policy's minimum the rate stays 0.
    return {key: min(1.0, orders.get(key, 0) / n) for key, n in clicks.items() if n >= min_clicks}


def product_documents(
    session: Session, clock: Clock, asins: Sequence[str] | None = None
) -> Iterator[ProductDocument]:
    """Documents for every (product, marketplace) with at least one offer."""
    now = clock.now()
    policies = {code: default_policy().for_marketplace(code).search for code in MARKETPLACES}
    shipping = {code: default_policy().for_marketplace(code).shipping for code in MARKETPLACES}
    chains = _category_chains(session)
    velocity = _sales_velocity(session, now, policies, asins)
    us = policies["US"]  # the conversion signal is read across marketplaces at once
    conversion = _conversion(
        session, now, us.conversion_window_days, us.conversion_min_clicks, asins
    )
    brands = dict(session.execute(select(Brand.id, Brand.name)).all())
    offers_q = (
        select(Offer, Seller)
        .join(Seller, Seller.id == Offer.seller_id)
        .where(Offer.is_active)
        .order_by(Offer.asin, Offer.marketplace)
    )
    if asins is not None:
        offers_q = offers_q.where(Offer.asin.in_(list(asins)))
    grouped: dict[tuple[str, str], list[tuple[Offer, Seller]]] = defaultdict(list)
    for offer, seller in session.execute(offers_q):
        grouped[(offer.asin, offer.marketplace)].append((offer, seller))
    by_asin: dict[str, list[str]] = defaultdict(list)
    for asin, marketplace in grouped:
        by_asin[asin].append(marketplace)
    if asins is None:
        products = session.scalars(select(Product).execution_options(yield_per=2000))
    else:
        products = list(session.scalars(select(Product).where(Product.asin.in_(list(asins)))))
    wanted = None if asins is None else list({p.parent_asin or p.asin for p in products})
    ratings = {
        code: family_ratings(session, now, code, wanted)
        for code in {m for markets in by_asin.values() for m in markets}
    }
    for product in products:
        for marketplace in by_asin.get(product.asin, ()):
            pairs = grouped[(product.asin, marketplace)]
            yield _document(
                product,
                marketplace,
                pairs,
                chains,
                brands,
                policies[marketplace],
                shipping[marketplace].speeds["standard"].transit_days_min,
                velocity.get((marketplace, product.asin), 0.0),
                conversion.get((marketplace, product.asin), 0.0),
                ratings[marketplace].get(product.parent_asin or product.asin, (0.0, 0)),
            )


def _document(
    product: Product,
    marketplace: str,
    pairs: list[tuple[Offer, Seller]],
    chains: dict[int, tuple[tuple[str, ...], str]],
    brands: dict[int, str],
    policy: SearchPolicy,
    transit_days: int,
    velocity: float,
    conversion: float,
    rating: tuple[float, int],
) -> ProductDocument:
    facts = [
        OfferFacts(
            o.id,
            s.id,
            o.condition,
            Money(o.currency, o.price_minor),
            Money(o.currency, o.shipping_minor),
            o.quantity,
            o.handling_days,
            o.fulfillment_channel,
            s.plan,
            s.status,
            s.on_holiday,
        )
        for o, s in pairs
    ]
    buyable = [f for f in facts if is_buyable(f)]
    featured = featured_offer(facts)
    shown = featured or (min(buyable, key=lambda f: f.landed.minor) if buyable else None)
    price = shown.landed.minor if shown else min(f.landed.minor for f in facts)
    paths, names = chains.get(product.category_id, ((), ""))
    return ProductDocument(
        asin=product.asin,
        marketplace=marketplace,
        title=product.title,
        brand=brands.get(product.brand_id or 0, ""),
        bullets=" ".join(product.bullets or []),
        description=product.description,
        category_names=names,
        category_paths=paths,
        conditions=tuple(sorted({f.condition for f in buyable})),
        seller_ids=tuple(sorted({f.seller_id for f in buyable})),
        price_minor=price,
        price_bucket=rules.price_bucket(price, policy.price_buckets_minor),
        in_stock=bool(buyable),
        platform_fulfilled=any(f.fulfillment_channel == "PLATFORM" for f in buyable),
        delivery_days=(min(f.handling_days for f in buyable) if buyable else 30) + transit_days,
        rating_x10=round(rating[0] * 10),
        review_count=rating[1],
        sales_velocity=velocity,
        conversion_rate=conversion,
        listed_at=int(
            product.created_at.replace(tzinfo=product.created_at.tzinfo or UTC).timestamp()
        ),
    )


def rebuild(
    session: Session,
    clock: Clock,
    index: TantivyIndex,
    progress: Iterable[ProductDocument] | None = None,
) -> int:
    """Rebuild the whole index from the database into a new generation."""
    return index.rebuild(progress if progress is not None else product_documents(session, clock))


def reindex(session: Session, clock: Clock, index: TantivyIndex, asins: Sequence[str]) -> None:
    """Bring these products' documents up to date (removing ones with no offers left)."""
    documents = list(product_documents(session, clock, asins))
    present = {(d.marketplace, d.asin) for d in documents}
    for marketplace in MARKETPLACES:
        gone = [a for a in asins if (marketplace, a) not in present]
        if gone:
            index.remove(marketplace, gone)
    index.put(documents)


# -- keeping the index current --------------------------------------------------------------


def mark_pending(session: Session, asins: Sequence[str], now: datetime) -> None:
    """Note products whose documents must be refreshed (in the caller's transaction)."""
    for asin in dict.fromkeys(asins):
        if session.get(SearchPending, asin) is None:
            session.add(SearchPending(asin=asin, since=now))
    session.flush()


def apply_pending(
    sessions: sessionmaker[Session], clock: Clock, index: TantivyIndex, limit: int = 5000
) -> int:
    """Reindex the products marked pending, in one index commit; returns how many."""
    with sessions() as session:
        pending = session.scalars(
            select(SearchPending).order_by(SearchPending.since).limit(limit)
        ).all()
        if not pending:
            return 0
        marks = {p.asin: p.since for p in pending}
        reindex(session, clock, index, list(marks))
        # Only clear marks not renewed while we were indexing.
        for asin, since in marks.items():
            session.execute(
                delete(SearchPending).where(
                    SearchPending.asin == asin, SearchPending.since == since
                )
            )
        session.commit()
    return len(marks)


@after_drain
def _apply_after_drain(sessions: sessionmaker[Session], clock: Clock) -> None:
    rt = sessions.kw.get("info", {}).get("runtime")
    if rt is not None:
        apply_pending(sessions, clock, index_at(rt.settings.var_dir))


@on("offer.changed")
def _offer_changed(session: Session, event: DomainEvent) -> None:
    mark_pending(session, [event.payload["asin"]], event.occurred_at)


@on("order.placed")
def _order_placed(session: Session, event: DomainEvent) -> None:
    mark_pending(
        session, [item["asin"] for item in event.payload.get("items", [])], event.occurred_at
    )


@on("order.canceled")
def _order_canceled(session: Session, event: DomainEvent) -> None:
    asins = session.scalars(
        select(OrderItem.asin).where(OrderItem.order_id == event.payload["order_id"])
    ).all()
    mark_pending(session, list(asins), event.occurred_at)


@on("review.changed")
def _review_changed(session: Session, event: DomainEvent) -> None:
    family = event.payload["asin"]
    asins = session.scalars(
        select(Product.asin).where((Product.asin == family) | (Product.parent_asin == family))
    ).all()
    mark_pending(session, list(asins), event.occurred_at)


@on("seller.status_changed")
def _seller_changed(session: Session, event: DomainEvent) -> None:
    asins = session.scalars(
        select(Offer.asin).where(Offer.seller_id == event.payload["seller_id"]).distinct()
    ).all()
    mark_pending(session, list(asins), event.occurred_at)


# -- queries --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchRequest:
    marketplace: str
    text: str = ""
    category_path: str | None = None
    brands: tuple[str, ...] = ()
    conditions: tuple[str, ...] = ()
    price_min: Money | None = None
    price_max: Money | None = None
    min_rating: int | None = None
    max_delivery_days: int | None = None
    platform_fulfilled: bool = False
    include_out_of_stock: bool = False
    sort: str = "relevance"  # one of SORTS
    page: int = 1


@dataclass(frozen=True)
class RankedProduct:
    asin: str
    position: int
    price_minor: int
    breakdown: rules.ScoreBreakdown
    rating_x10: int = 0  # average customer review, tenths of a star
    review_count: int = 0


@dataclass(frozen=True)
class SearchPage:
    request: SearchRequest
    results: list[RankedProduct]
    total: int
    facets: dict[str, list[tuple[str, int]]]
    matched_all_words: bool
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-min(self.total, self.page_size * 50) // self.page_size))


SORTS = ("relevance", "price_asc", "price_desc", "newest", "rating", "best_selling")

# Keys over a candidate and its total score (ties broken by relevance, then ASIN).
_SortKey = Callable[[Candidate, float], tuple[float | str, ...]]
_SORT_KEYS: dict[str, _SortKey] = {
    "relevance": lambda c, t: (-t, c.asin),
    "price_asc": lambda c, t: (c.price_minor, -t, c.asin),
    "price_desc": lambda c, t: (-c.price_minor, -t, c.asin),
    "newest": lambda c, t: (-c.listed_at, -t, c.asin),
    "rating": lambda c, t: (-c.rating_x10, -c.review_count, -t, c.asin),
    "best_selling": lambda c, t: (-c.sales_velocity, -t, c.asin),
}


def search(index: TantivyIndex, request: SearchRequest) -> SearchPage:
    """Products (never offers or stores) ranked for the buyer's query."""
    if request.marketplace not in MARKETPLACES:
        raise InvalidInput(f"Unknown marketplace {request.marketplace!r}.", field="marketplace")
    if request.sort not in SORTS:
        raise InvalidInput(f"Sort must be one of {', '.join(SORTS)}.", field="sort")
    if request.page < 1:
        raise InvalidInput("Pages start at 1.", field="page")
    if request.min_rating is not None and not 1 <= request.min_rating <= 5:
        raise InvalidInput("Ratings go from 1 to 5 stars.", field="rating")
    if (
        request.price_min is not None
        and request.price_max is not None
        and request.price_min.minor > request.price_max.minor
    ):
        raise InvalidInput("The lowest price must not be above the highest.", field="price")
    policy = default_policy().for_marketplace(request.marketplace).search
    currency = MARKETPLACES[request.marketplace].currency
    for bound in (request.price_min, request.price_max):
        if bound is not None and bound.currency != currency:
            raise InvalidInput(f"Prices here are in {currency}.", field="price")
    ranking = weights(policy)
    answer = index.query(
        IndexQuery(
            marketplace=request.marketplace,
            text=request.text,
            filters=Filters(
                brands=request.brands,
                category_path=request.category_path,
                conditions=request.conditions,
                price_min_minor=request.price_min.minor if request.price_min else None,
                price_max_minor=request.price_max.minor if request.price_max else None,
                min_rating_x10=request.min_rating * 10 if request.min_rating else None,
                max_delivery_days=request.max_delivery_days,
                platform_fulfilled=request.platform_fulfilled,
                include_out_of_stock=request.include_out_of_stock,
            ),
            depth=max(ranking.rerank_depth, request.page * policy.page_size),
            fuzzy_min_length=ranking.fuzzy_min_length,
            # Without words to match, the index reads the chosen order itself.
            order=request.sort if request.sort in ORDERS else "score",
            fast_delivery_days=policy.fast_delivery_days,
        )
    )
    best = max((c.text_score for c in answer.candidates), default=0.0)
    # Every candidate needs its total to be ranked, but only the page shown needs the
    # breakdown: totals come from one pass, breakdowns for the page alone.
    totals = rules.totals(answer.candidates, best, ranking)
    order = _SORT_KEYS[request.sort]
    ranked = sorted(zip(answer.candidates, totals, strict=True), key=lambda pair: order(*pair))
    start = (request.page - 1) * policy.page_size
    page = ranked[start : start + policy.page_size]
    results = [
        RankedProduct(
            c.asin,
            start + i + 1,
            c.price_minor,
            rules.score(
                rules.Signals(
                    c.text_score, c.sales_velocity, c.conversion_rate, c.in_stock, c.delivery_days
                ),
                best,
                ranking,
            ),
            c.rating_x10,
            c.review_count,
        )
        for i, (c, _) in enumerate(page)
    ]
    return SearchPage(
        request, results, answer.total, answer.facets, answer.matched_all_words, policy.page_size
    )


def record_search(session: Session, clock: Clock, page: SearchPage, visitor: str) -> int:
    """Store the query and the products shown; returns the search id for click links."""
    log = SearchLog(
        marketplace=page.request.marketplace,
        # PostgreSQL text cannot hold NUL; buyers can still type (or paste) one.
        query=page.request.text.replace("\x00", "")[:200],
        normalised_query=" ".join(rules.query_terms(page.request.text))[:200],
        category_path=page.request.category_path or "",
        visitor=visitor[:64],
        result_count=page.total,
        at=clock.now(),
    )
    session.add(log)
    session.flush()
    if page.results:
        # One multi-row insert: nothing reads these rows back as objects.
        session.execute(
            insert(SearchImpression),
            [
                {
                    "search_id": log.id,
                    "asin": r.asin,
                    "marketplace": page.request.marketplace,
                    "position": r.position,
                }
                for r in page.results
            ],
        )
    session.commit()
    return log.id


def record_click(session: Session, clock: Clock, search_id: int, asin: str) -> None:
    """A buyer opened a product from a results page (only products that were shown count)."""
    shown = session.scalar(
        select(SearchImpression).where(
            SearchImpression.search_id == search_id, SearchImpression.asin == asin
        )
    )
    if shown is None:
        raise NotFound("That product was not shown for this search.")
    session.add(
        SearchClick(
            search_id=search_id,
            asin=asin,
            marketplace=shown.marketplace,
            position=shown.position,
            at=clock.now(),
        )
    )
    session.commit()


def suggestions(session: Session, marketplace: str, prefix: str, limit: int = 8) -> list[str]:
    """Completions for the search box: popular past queries first, then product titles."""
    words = " ".join(rules.query_terms(prefix))
    if len(words) < 2:
        return []
    popular = session.execute(
        select(SearchLog.normalised_query, func.count().label("n"))
        .where(
            SearchLog.marketplace == marketplace,
            SearchLog.normalised_query.startswith(words),
            SearchLog.result_count > 0,
        )
        .group_by(SearchLog.normalised_query)
        .order_by(func.count().desc())
        .limit(limit)
    ).all()
    found = [q for q, _ in popular]
    if len(found) < limit:
        titles = session.scalars(
            select(Product.title)
            .where(func.lower(Product.title).startswith(words))
            .order_by(Product.title)
            .limit(limit - len(found))
        )
        found.extend(t for t in titles if t.lower() not in found)
    return found[:limit]
