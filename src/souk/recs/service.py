"""Recommendation use cases: record behaviour, fit and store the model, and
answer the widgets (frequently bought together, also viewed, also bought,
recommended for you, browsing history, trending, the e-mail digest)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, selectinload, sessionmaker

from souk.buybox.rules import OfferFacts, is_buyable
from souk.catalog.models import Category, Product
from souk.core.clock import Clock
from souk.core.errors import InvalidInput
from souk.core.events import DomainEvent, on
from souk.core.money import Money
from souk.core.policy import RecsPolicy, default_policy
from souk.marketplaces.rules import MARKETPLACES
from souk.offers.models import Offer
from souk.offers.service import ProductOffers, offers_for_products
from souk.orders.models import Order
from souk.recs import rules
from souk.recs.fitting import FitSettings, corrected_neighbours
from souk.recs.models import (
    CART,
    PURCHASE,
    SEARCH,
    VIEW,
    BrowsingHistory,
    RecsDailyCount,
    RecsEvent,
)
from souk.recs.store import StoredModel, load, model_path, save


def _policy(marketplace: str) -> RecsPolicy:
    return default_policy().for_marketplace(marketplace).recs


@dataclass(frozen=True)
class Shopper:
    """Who is browsing: a signed-in buyer, or a guest known by a cookie id."""

    buyer_id: int | None = None
    visitor: str | None = None

    def __post_init__(self) -> None:
        if self.buyer_id is None and not self.visitor:
            raise InvalidInput("A shopper is a buyer or a visitor.")


def _owned(shopper: Shopper, table: type[RecsEvent] | type[BrowsingHistory]):  # type: ignore[no-untyped-def]
    if shopper.buyer_id is not None:
        return table.buyer_id == shopper.buyer_id
    return table.visitor == shopper.visitor


# -- recording behaviour ------------------------------------------------------------------


def record_view(
    session: Session, clock: Clock, shopper: Shopper, marketplace: str, asin: str
) -> None:
    """A product page was seen: one compact event, and the browsing history moves it first."""
    now = clock.now()
    session.add(
        RecsEvent(
            kind=VIEW,
            marketplace=marketplace,
            buyer_id=shopper.buyer_id,
            visitor=None if shopper.buyer_id else shopper.visitor,
            asin=asin,
            at=now,
        )
    )
    seen = session.scalar(
        select(BrowsingHistory).where(
            _owned(shopper, BrowsingHistory),
            BrowsingHistory.marketplace == marketplace,
            BrowsingHistory.asin == asin,
        )
    )
    if seen is None:
        session.add(
            BrowsingHistory(
                buyer_id=shopper.buyer_id,
                visitor=None if shopper.buyer_id else shopper.visitor,
                marketplace=marketplace,
                asin=asin,
                viewed_at=now,
            )
        )
    else:
        seen.viewed_at = now
    session.commit()


def record_first_views(session: Session, views: Sequence[tuple[str, str, str, datetime]]) -> None:
    """Views by visitors whose cookie was just made, (visitor, marketplace, asin, at), in
    one batch: being new, they have no history to update, only rows to add.

    Written with the driver's own ``executemany``: a busy second brings thousands of
    first views, and binding them row by row through the ORM held the interpreter
    long enough to stall every page served from the cache meanwhile.
    """
    if not views:
        return
    connection = session.connection()
    on_sqlite = connection.dialect.name == "sqlite"
    mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"

    def stamp(at: datetime) -> datetime | str:
        at = at.astimezone(UTC)
        # SQLite keeps UTC as text in SQLAlchemy's format; PostgreSQL takes the value.
        return at.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f") if on_sqlite else at

    connection.exec_driver_sql(
        "INSERT INTO recs_events (kind, marketplace, buyer_id, visitor, asin, at)"
        f" VALUES ({mark}, {mark}, NULL, {mark}, {mark}, {mark})",
        [(VIEW, m, v, a, stamp(at)) for v, m, a, at in views],
    )
    latest = {(v, m, a): at for v, m, a, at in views}
    connection.exec_driver_sql(
        "INSERT INTO recs_browsing_history (buyer_id, visitor, marketplace, asin, viewed_at)"
        f" VALUES (NULL, {mark}, {mark}, {mark}, {mark})",
        [(v, m, a, stamp(at)) for (v, m, a), at in latest.items()],
    )
    session.commit()


def record_search(
    session: Session, clock: Clock, shopper: Shopper, marketplace: str, query: str
) -> None:
    # NUL cannot be stored in PostgreSQL text, and no buyer means it.
    text = " ".join(query.replace("\x00", " ").split())[:200]
    if text:
        session.add(
            RecsEvent(
                kind=SEARCH,
                marketplace=marketplace,
                buyer_id=shopper.buyer_id,
                visitor=None if shopper.buyer_id else shopper.visitor,
                query=text,
                at=clock.now(),
            )
        )
        session.commit()


def record_add_to_cart(
    session: Session, clock: Clock, shopper: Shopper, marketplace: str, asins: Iterable[str]
) -> None:
    now = clock.now()
    for asin in asins:
        session.add(
            RecsEvent(
                kind=CART,
                marketplace=marketplace,
                buyer_id=shopper.buyer_id,
                visitor=None if shopper.buyer_id else shopper.visitor,
                asin=asin,
                at=now,
            )
        )
    session.commit()


@on("order.placed")
def _order_placed(session: Session, event: DomainEvent) -> None:
    """Each order line becomes a purchase event; the checkout is the basket, so items
    bought from several sellers at once still count as bought together."""
    order = session.get(Order, event.payload["order_id"])
    if order is None:
        return
    for item in order.items:
        session.add(
            RecsEvent(
                kind=PURCHASE,
                marketplace=order.marketplace,
                buyer_id=order.buyer_id,
                asin=item.asin,
                basket=str(order.checkout_id),
                at=order.purchased_at,
            )
        )


# -- browsing history ---------------------------------------------------------------------


def browsing_history(
    session: Session, shopper: Shopper, marketplace: str, limit: int | None = None
) -> list[str]:
    """ASINs the shopper looked at, newest first."""
    size = limit or _policy(marketplace).history_size
    return list(
        session.scalars(
            select(BrowsingHistory.asin)
            .where(_owned(shopper, BrowsingHistory), BrowsingHistory.marketplace == marketplace)
            .order_by(BrowsingHistory.viewed_at.desc(), BrowsingHistory.id.desc())
            .limit(size)
        )
    )


def clear_history(session: Session, shopper: Shopper, marketplace: str) -> int:
    """Forget what the shopper viewed here (history and raw view events alike)."""
    removed = session.execute(
        delete(BrowsingHistory).where(
            _owned(shopper, BrowsingHistory), BrowsingHistory.marketplace == marketplace
        )
    ).rowcount  # type: ignore[attr-defined]
    session.execute(
        delete(RecsEvent).where(
            _owned(shopper, RecsEvent),
            RecsEvent.marketplace == marketplace,
            RecsEvent.kind == VIEW,
        )
    )
    session.commit()
    return int(removed or 0)


def merge_guest_history(session: Session, visitor: str, buyer_id: int) -> None:
    """At sign-in the guest's history and events become the buyer's (latest view wins)."""
    guest_rows = session.scalars(
        select(BrowsingHistory).where(BrowsingHistory.visitor == visitor)
    ).all()
    by_market: dict[str, list[BrowsingHistory]] = defaultdict(list)
    for row in guest_rows:
        by_market[row.marketplace].append(row)
    for marketplace, rows in by_market.items():
        mine = session.scalars(
            select(BrowsingHistory).where(
                BrowsingHistory.buyer_id == buyer_id, BrowsingHistory.marketplace == marketplace
            )
        ).all()
        merged = rules.merge_history(
            [rules.Viewed(r.asin, r.viewed_at) for r in rows],
            [rules.Viewed(r.asin, r.viewed_at) for r in mine],
            _policy(marketplace).history_size,
        )
        for row in [*rows, *mine]:
            session.delete(row)
        session.flush()
        for viewed in merged:
            session.add(
                BrowsingHistory(
                    buyer_id=buyer_id,
                    marketplace=marketplace,
                    asin=viewed.asin,
                    viewed_at=viewed.at,
                )
            )
    session.execute(
        update(RecsEvent)
        .where(RecsEvent.visitor == visitor)
        .values(buyer_id=buyer_id, visitor=None)
    )
    session.commit()


# -- fitting and storing the model --------------------------------------------------------


def _histories(
    keys: list[str], asins: list[str], ages: list[float], index: dict[str, int], half_life: float
) -> tuple[sp.csr_matrix, np.ndarray]:
    """Histories-by-products 0/1 matrix and each history's recency weight (its newest event)."""
    rows: dict[str, int] = {}
    newest: dict[str, float] = {}
    r, c = [], []
    for key, asin, age in zip(keys, asins, ages, strict=True):
        r.append(rows.setdefault(key, len(rows)))
        c.append(index[asin])
        newest[key] = min(newest.get(key, age), age)
    matrix = sp.csr_matrix((np.ones(len(r)), (r, c)), shape=(len(rows), len(index)))
    matrix.data[:] = 1.0
    weights = np.array([rules.recency_weight(newest[k], half_life) for k in rows])
    return matrix, weights


def _content_neighbours(
    products: list[tuple[str, int, int | None, str]], index: dict[str, int], policy: RecsPolicy
) -> sp.csr_matrix:
    """Cold start: neighbours by shared category, brand and title words (within a category)."""
    by_category: dict[int, list[tuple[str, int | None, set[str]]]] = defaultdict(list)
    for asin, category_id, brand_id, title in products:
        by_category[category_id].append(
            (asin, brand_id, rules.title_terms(title, policy.min_title_term))
        )
    r, c, v = [], [], []
    for members in by_category.values():
        for asin, brand, terms in members:
            scored = sorted(
                (
                    (
                        rules.content_similarity(
                            terms,
                            other_terms,
                            same_category=True,
                            same_brand=brand is not None and brand == other_brand,
                            category_weight=policy.category_weight,
                            brand_weight=policy.brand_weight,
                        ),
                        other,
                    )
                    for other, other_brand, other_terms in members
                    if other != asin
                ),
                key=lambda pair: (-pair[0], pair[1]),
            )[: policy.neighbours]
            for score, other in scored:
                r.append(index[asin])
                c.append(index[other])
                v.append(score)
    size = len(index)
    return sp.csr_matrix((v, (r, c)), shape=(size, size))


def fit_marketplace(session: Session, now: datetime, marketplace: str) -> StoredModel:
    """The marketplace's model from its events: baskets, buyers' purchases, viewing
    sessions, plus content neighbours for every product (cold start)."""
    policy = _policy(marketplace)
    products = [
        (a, cat, brand, title)
        for a, cat, brand, title in session.execute(
            select(Product.asin, Product.category_id, Product.brand_id, Product.title).order_by(
                Product.asin
            )
        )
    ]
    asins = [p[0] for p in products]
    index = {asin: n for n, asin in enumerate(asins)}
    since = now - timedelta(days=policy.history_days)
    events = session.execute(
        select(RecsEvent.kind, RecsEvent.buyer_id, RecsEvent.visitor, RecsEvent.basket)
        .add_columns(RecsEvent.asin, RecsEvent.at)
        .where(
            RecsEvent.marketplace == marketplace,
            RecsEvent.at >= since,
            RecsEvent.kind.in_([PURCHASE, VIEW]),
            RecsEvent.asin.is_not(None),
        )
        .order_by(RecsEvent.id)
    ).all()
    settings = FitSettings(
        neighbours=policy.neighbours, min_support=policy.min_support, alpha=policy.alpha
    )
    lists: dict[str, sp.csr_matrix] = {}
    for kind, key_of, event_kind in (
        ("together", lambda e: f"b{e.basket}", PURCHASE),
        ("bought", lambda e: f"u{e.buyer_id}", PURCHASE),
        ("viewed", lambda e: f"u{e.buyer_id}" if e.buyer_id else f"v{e.visitor}", VIEW),
    ):
        chosen = [e for e in events if e.kind == event_kind and e.asin in index]
        if not chosen:
            continue
        ages = [(now - _aware(e.at, now)).total_seconds() / 86400 for e in chosen]
        matrix, weights = _histories(
            [key_of(e) for e in chosen],
            [e.asin for e in chosen],
            ages,
            index,
            policy.half_life_days,
        )
        lists[kind] = corrected_neighbours(matrix, settings, weights)
    lists["similar"] = _content_neighbours(products, index, policy)
    return StoredModel(asins, lists, now)


def _aware(value: datetime, like: datetime) -> datetime:
    """SQLite hands back naive datetimes; they are UTC."""
    if value.tzinfo is None and like.tzinfo is not None:
        return value.replace(tzinfo=like.tzinfo)
    return value


def refresh(sessions: sessionmaker[Session], clock: Clock, var_dir: Path) -> int:
    """Refit every marketplace with activity and store the models; returns models written."""
    written = 0
    with sessions() as session:
        active = set(session.scalars(select(RecsEvent.marketplace).distinct()))
        active |= set(session.scalars(select(Offer.marketplace).distinct()))
        for code in MARKETPLACES:
            if code not in active and not model_path(var_dir, code).exists():
                continue
            save(fit_marketplace(session, clock.now(), code), model_path(var_dir, code))
            written += 1
    return written


def add_new_products(sessions: sessionmaker[Session], clock: Clock, var_dir: Path) -> int:
    """Between refits, give products created since the last fit content neighbours
    (and make them neighbours of their category peers), without refitting behaviour."""
    added = 0
    with sessions() as session:
        for code in MARKETPLACES:
            path = model_path(var_dir, code)
            if not path.exists():
                continue
            model = load(var_dir, code)
            fresh = session.scalar(
                select(func.count()).where(
                    Product.asin.not_in(model.asins) if model.asins else True
                )
            )
            if not fresh:
                continue
            policy = _policy(code)
            products = list(
                session.execute(
                    select(
                        Product.asin, Product.category_id, Product.brand_id, Product.title
                    ).order_by(Product.asin)
                )
            )
            asins = [p[0] for p in products]
            index = {asin: n for n, asin in enumerate(asins)}
            lists = {kind: _reindex(m, model.asins, index) for kind, m in model.lists.items()}
            lists["similar"] = _content_neighbours([tuple(p) for p in products], index, policy)
            save(StoredModel(asins, lists, model.fitted_at), path)
            added += int(fresh)
    return added


def _reindex(matrix: sp.csr_matrix, old: list[str], index: dict[str, int]) -> sp.csr_matrix:
    coo = matrix.tocoo()
    mapping = np.array([index.get(a, -1) for a in old], dtype=np.int64)
    rows, cols = mapping[coo.row], mapping[coo.col]
    keep = (rows >= 0) & (cols >= 0)
    size = len(index)
    return sp.csr_matrix((coo.data[keep], (rows[keep], cols[keep])), shape=(size, size))


def roll_up(sessions: sessionmaker[Session], clock: Clock) -> int:
    """Fold raw events older than the policy's window into daily counts, then drop them.
    Purchases are kept as long as ``history_days`` (the model fits on them)."""
    folded = 0
    with sessions() as session, session.begin():
        for code in MARKETPLACES:
            policy = _policy(code)
            cutoff = clock.now() - timedelta(days=policy.raw_event_days)
            old = (
                RecsEvent.marketplace == code,
                RecsEvent.at < cutoff,
                RecsEvent.kind != PURCHASE,
            )
            counts = session.execute(
                select(RecsEvent.asin, RecsEvent.kind, RecsEvent.at).where(
                    *old, RecsEvent.asin.is_not(None)
                )
            ).all()
            per_day: dict[tuple[str, str, object], int] = defaultdict(int)
            for asin, kind, at in counts:
                per_day[(asin, kind, at.date())] += 1
            for (asin, kind, day), count in per_day.items():
                row = session.get(RecsDailyCount, (asin, code, kind, day))
                if row is None:
                    session.add(
                        RecsDailyCount(asin=asin, marketplace=code, kind=kind, day=day, count=count)
                    )
                else:
                    row.count += count
            session.execute(delete(RecsEvent).where(*old))
            purchases_cutoff = clock.now() - timedelta(days=policy.history_days)
            session.execute(
                delete(RecsEvent).where(
                    RecsEvent.marketplace == code,
                    RecsEvent.kind == PURCHASE,
                    RecsEvent.at < purchases_cutoff,
                )
            )
            folded += len(counts)
    return folded


# -- widgets ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pick:
    """A product a widget shows, with the offer "Add to cart" would buy."""

    product: Product
    offer: OfferFacts
    offers: ProductOffers


@dataclass(frozen=True)
class Bundle:
    """Frequently bought together: this product and its companions, priced together."""

    items: list[Pick]

    @property
    def total(self) -> Money:
        currency = self.items[0].offer.price.currency
        return Money(currency, rules.bundle_total([p.offer.price.minor for p in self.items]))


def _is_adult(category_path: str, policy: RecsPolicy) -> bool:
    return any(
        category_path == prefix or category_path.startswith(prefix + "/")
        for prefix in policy.adult_categories
    )


@dataclass(frozen=True)
class _Facts:
    """What choosing needs of a candidate product (its tile needs the whole product)."""

    family: str
    adult: bool


class Tiles:
    """What a page's widgets have read, each product once however many widgets
    consider it (the product page has three): candidates' facts and offers first,
    then whole products (images, brand) only for the ones chosen."""

    def __init__(self, session: Session, marketplace: str) -> None:
        self.session = session
        self.marketplace = marketplace
        self.facts: dict[str, _Facts] = {}
        self.offers: dict[str, ProductOffers] = {}
        self.products: dict[str, Product] = {}
        self._asked: set[str] = set()

    def load(self, asins: Iterable[str]) -> None:
        """Read the facts and offers of the products not read yet, in one batch."""
        wanted = [a for a in dict.fromkeys(asins) if a not in self._asked]
        if not wanted:
            return
        self._asked.update(wanted)
        policy = _policy(self.marketplace)
        rows = self.session.execute(
            select(Product.asin, Product.parent_asin, Product.attributes, Category.path)
            .join(Category, Category.id == Product.category_id)
            .where(Product.asin.in_(wanted))
        )
        found = {
            asin: _Facts(parent or asin, bool(attributes.get("adult")) or _is_adult(path, policy))
            for asin, parent, attributes, path in rows
        }
        self.facts.update(found)
        self.offers.update(offers_for_products(self.session, list(found), self.marketplace))

    def picks(self, asins: Sequence[str]) -> list[Pick]:
        """The tiles of chosen products (loaded, so their featured offers are known)."""
        missing = [a for a in asins if a not in self.products]
        if missing:
            self.products.update(
                (p.asin, p)
                for p in self.session.scalars(
                    select(Product)
                    .where(Product.asin.in_(missing))
                    .options(selectinload(Product.images))
                )
            )
        # A product removed since its facts were read (another transaction) is left out.
        return [
            Pick(self.products[a], self.offers[a].featured, self.offers[a])  # type: ignore[arg-type]
            for a in asins
            if a in self.products
        ]


def _ranked(scored: Sequence[tuple[str, float]]) -> list[tuple[str, float]]:
    """Candidates in the order ``rules.choose`` considers them."""
    return sorted(scored, key=lambda pair: (-pair[1], pair[0]))


def _batch(limit: int) -> int:
    """How many ranked candidates to read at a time: enough that a few unbuyable or
    excluded ones seldom need a second read, far fewer than the model lists."""
    return max(2 * limit, 4)


def _choose(
    tiles: Tiles,
    scored: Sequence[tuple[str, float]],
    *,
    limit: int,
    exclude: Iterable[str] = (),
    adult_allowed: bool = False,
) -> list[str]:
    """Filter candidates (buyable featured offer here, adult only in context, one
    variant per product family) and keep the best ``limit``.

    ``rules.choose`` takes candidates greedily, best first, so they are read in that
    order a batch at a time until ``limit`` are chosen or none are left: the same
    choice as reading them all, for a fraction of the rows."""
    policy = _policy(tiles.marketplace)
    ranked = _ranked(scored)
    excluded = tuple(exclude)
    chosen: list[rules.Candidate] = []
    read = 0
    while read < len(ranked):
        read = min(len(ranked), read + _batch(limit))
        tiles.load(asin for asin, _ in ranked[:read])
        chosen = rules.choose(
            _candidates(tiles, ranked[:read]),
            limit=limit,
            per_family=policy.per_family,
            adult_allowed=adult_allowed,
            exclude=excluded,
        )
        if len(chosen) >= limit:
            break
    return [c.asin for c in chosen]


def _candidates(tiles: Tiles, ranked: Sequence[tuple[str, float]]) -> list[rules.Candidate]:
    candidates = []
    for asin, score in ranked:
        facts = tiles.facts.get(asin)
        if facts is None:
            continue
        offers = tiles.offers.get(asin)
        featured = offers.featured if offers is not None else None
        buyable = featured is not None and is_buyable(featured)
        candidates.append(rules.Candidate(asin, score, facts.family, buyable, facts.adult))
    return candidates


def _picks(
    session: Session,
    scored: list[tuple[str, float]],
    marketplace: str,
    *,
    limit: int,
    exclude: Iterable[str] = (),
    adult_allowed: bool = False,
) -> list[Pick]:
    """The best ``limit`` candidates worth showing (``_choose``), ready for their tiles."""
    tiles = Tiles(session, marketplace)
    chosen = _choose(tiles, scored, limit=limit, exclude=exclude, adult_allowed=adult_allowed)
    return tiles.picks(chosen)


def _context(product: Product, marketplace: str) -> tuple[set[str], bool]:
    """What a product page's lists leave out (the product and its variants) and
    whether adult items belong here (only on an adult product's own page)."""
    policy = _policy(marketplace)
    family = {product.asin, product.parent_asin or product.asin}
    adult = bool(product.attributes.get("adult")) or _is_adult(product.category.path, policy)
    return family, adult


def _bundle_choice(
    tiles: Tiles, model: StoredModel, product: Product
) -> tuple[ProductOffers, list[str]] | None:
    """The product's offers and its companions, or None: not buyable, or nothing is
    bought with it often enough."""
    policy = _policy(tiles.marketplace)
    tiles.load([product.asin])
    own = tiles.offers.get(product.asin)
    if own is None or own.featured is None or not is_buyable(own.featured):
        return None
    exclude, adult = _context(product, tiles.marketplace)
    companions = _choose(
        tiles,
        model.neighbours("together", product.asin),
        limit=policy.bundle_size,
        exclude=exclude,
        adult_allowed=adult,
    )
    return (own, companions) if companions else None


def _bundle(
    tiles: Tiles, product: Product, choice: tuple[ProductOffers, list[str]] | None
) -> Bundle | None:
    if choice is None:
        return None
    own, companions = choice
    return Bundle([Pick(product, own.featured, own), *tiles.picks(companions)])  # type: ignore[arg-type]


def frequently_bought_together(
    session: Session, model: StoredModel, product: Product, marketplace: str
) -> Bundle | None:
    """The product with 2-3 companions from basket co-occurrence, or None when the
    product is not buyable or nothing is bought with it often enough."""
    tiles = Tiles(session, marketplace)
    return _bundle(tiles, product, _bundle_choice(tiles, model, product))


def _also_scored(
    session: Session, model: StoredModel, product: Product, marketplace: str, kind: str
) -> list[tuple[str, float]]:
    scored = model.neighbours(kind, product.asin)
    if not scored and kind == "viewed":
        scored = model.neighbours("similar", product.asin) or _similar_live(
            session, product, marketplace
        )
    return scored


def _also_choice(tiles: Tiles, product: Product, scored: list[tuple[str, float]]) -> list[str]:
    exclude, adult = _context(product, tiles.marketplace)
    return _choose(
        tiles,
        scored,
        limit=_policy(tiles.marketplace).carousel_size,
        exclude=exclude,
        adult_allowed=adult,
    )


def customers_also(
    session: Session, model: StoredModel, product: Product, marketplace: str, kind: str
) -> list[Pick]:
    """ "Customers who viewed this also viewed" (kind ``viewed``) or "who bought this
    also bought" (``bought``); products without behaviour yet get content neighbours."""
    tiles = Tiles(session, marketplace)
    scored = _also_scored(session, model, product, marketplace, kind)
    return tiles.picks(_also_choice(tiles, product, scored))


@dataclass(frozen=True)
class ProductPageWidgets:
    bundle: Bundle | None
    also_bought: list[Pick]
    also_viewed: list[Pick]


def product_page_widgets(
    session: Session, model: StoredModel, product: Product, marketplace: str
) -> ProductPageWidgets:
    """The product page's three widgets, as ``frequently_bought_together`` and
    ``customers_also`` give them, sharing their reads: the first candidates of all
    three in one batch, then the chosen products in one more."""
    policy = _policy(marketplace)
    bought = _also_scored(session, model, product, marketplace, "bought")
    viewed = _also_scored(session, model, product, marketplace, "viewed")
    together = model.neighbours("together", product.asin)
    tiles = Tiles(session, marketplace)
    tiles.load(
        [
            product.asin,
            *(a for a, _ in _ranked(together)[: _batch(policy.bundle_size)]),
            *(a for a, _ in _ranked(bought)[: _batch(policy.carousel_size)]),
            *(a for a, _ in _ranked(viewed)[: _batch(policy.carousel_size)]),
        ]
    )
    bundle = _bundle_choice(tiles, model, product)
    also_bought = _also_choice(tiles, product, bought)
    also_viewed = _also_choice(tiles, product, viewed)
    tiles.picks([*(bundle[1] if bundle else ()), *also_bought, *also_viewed])
    return ProductPageWidgets(
        bundle=_bundle(tiles, product, bundle),
        also_bought=tiles.picks(also_bought),
        also_viewed=tiles.picks(also_viewed),
    )


def _similar_live(session: Session, product: Product, marketplace: str) -> list[tuple[str, float]]:
    """Content neighbours for a product the stored model has never seen (created since)."""
    policy = _policy(marketplace)
    peers = session.execute(
        select(Product.asin, Product.brand_id, Product.title)
        .where(Product.category_id == product.category_id, Product.asin != product.asin)
        .limit(500)
    ).all()
    terms = rules.title_terms(product.title, policy.min_title_term)
    scored = [
        (
            asin,
            rules.content_similarity(
                terms,
                rules.title_terms(title, policy.min_title_term),
                same_category=True,
                same_brand=product.brand_id is not None and brand == product.brand_id,
                category_weight=policy.category_weight,
                brand_weight=policy.brand_weight,
            ),
        )
        for asin, brand, title in peers
    ]
    return sorted(scored, key=lambda pair: (-pair[1], pair[0]))[: policy.neighbours]


def trending(
    session: Session, now: datetime, marketplace: str, limit: int, exclude: Iterable[str] = ()
) -> list[Pick]:
    """What is selling and being viewed in this marketplace lately (new buyers' list)."""
    policy = _policy(marketplace)
    since = now - timedelta(days=policy.trending_days)
    weights = {PURCHASE: 5.0, CART: 2.0, VIEW: 1.0}
    scores: dict[str, float] = defaultdict(float)
    for asin, kind, at in session.execute(
        select(RecsEvent.asin, RecsEvent.kind, RecsEvent.at).where(
            RecsEvent.marketplace == marketplace,
            RecsEvent.at >= since,
            RecsEvent.asin.is_not(None),
        )
    ):
        age = (now - _aware(at, now)).total_seconds() / 86400
        scores[asin] += weights.get(kind, 0.0) * rules.recency_weight(age, policy.trending_days / 2)
    ranked = sorted(scores.items(), key=lambda pair: (-pair[1], pair[0]))[: limit * 4]
    return _picks(session, ranked, marketplace, limit=limit, exclude=exclude)


#: products a search finds, for the search's text (the storefront's own search)
SearchLookup = Callable[[str], list[str]]
_SEARCHES_USED = 3  # the shopper's latest distinct searches that seed the list
_PER_SEARCH = 5  # top results of each
_SEARCH_WEIGHT = 0.5  # a search says less about intent than a product viewed


def recommended_for_you(
    session: Session,
    model: StoredModel,
    now: datetime,
    shopper: Shopper,
    marketplace: str,
    searched: SearchLookup | None = None,
) -> list[Pick]:
    """From the shopper's recent views, searches and purchases (newer counts more).
    Durable goods already bought never come back; consumables do once they are due."""
    policy = _policy(marketplace)
    since = now - timedelta(days=policy.history_days)
    seeds: dict[str, float] = defaultdict(float)
    bought: dict[str, datetime] = {}
    found = {} if searched is None else _search_seeds(session, now, shopper, marketplace, searched)
    for asin, weight in found.items():
        seeds[asin] += weight
    for kind, asin, at in session.execute(
        select(RecsEvent.kind, RecsEvent.asin, RecsEvent.at).where(
            _owned(shopper, RecsEvent),
            RecsEvent.marketplace == marketplace,
            RecsEvent.at >= since,
            RecsEvent.asin.is_not(None),
        )
    ):
        at = _aware(at, now)
        age = (now - at).total_seconds() / 86400
        seeds[asin] += (3.0 if kind == PURCHASE else 1.0) * rules.recency_weight(
            age, policy.half_life_days
        )
        if kind == PURCHASE:
            bought[asin] = max(bought.get(asin, at), at)
    if not seeds:
        return trending(session, now, marketplace, policy.for_you_size)
    scores: dict[str, float] = defaultdict(float)
    for seed, weight in seeds.items():
        for kind, share in (("bought", 1.0), ("viewed", 0.6), ("together", 0.8), ("similar", 0.2)):
            for asin, score in model.neighbours(kind, seed)[: policy.neighbours]:
                scores[asin] += weight * share * rules.damped(score)
    for asin, weight in found.items():  # what a search found is a suggestion in itself
        scores[asin] += weight
    consumable = _consumables(session, list(bought), policy)
    for asin, at in bought.items():
        days = (now - at).total_seconds() / 86400
        if rules.may_recommend_again(
            days_since_bought=days,
            consumable=asin in consumable,
            typical_repeat_days=policy.repeat_days,
        ):
            scores[asin] += rules.repeat_boost(days, policy.repeat_days) * max(
                scores.values(), default=1.0
            )
        else:
            scores.pop(asin, None)
    ranked = sorted(scores.items(), key=lambda pair: (-pair[1], pair[0]))[: policy.for_you_size * 4]
    excluded = [a for a in bought if a not in scores]
    picks = _picks(session, ranked, marketplace, limit=policy.for_you_size, exclude=excluded)
    return picks or trending(session, now, marketplace, policy.for_you_size, excluded)


def _search_seeds(
    session: Session, now: datetime, shopper: Shopper, marketplace: str, searched: SearchLookup
) -> dict[str, float]:
    """Products the shopper's latest searches find, weighted by the search's age."""
    policy = _policy(marketplace)
    recent = session.execute(
        select(RecsEvent.query, RecsEvent.at)
        .where(
            _owned(shopper, RecsEvent),
            RecsEvent.marketplace == marketplace,
            RecsEvent.kind == SEARCH,
            RecsEvent.at >= now - timedelta(days=policy.history_days),
        )
        .order_by(RecsEvent.at.desc(), RecsEvent.id.desc())
        .limit(_SEARCHES_USED * 4)
    ).all()
    seeds: dict[str, float] = defaultdict(float)
    used: set[str] = set()
    for text, at in recent:
        key = (text or "").casefold()
        if not key or key in used or len(used) >= _SEARCHES_USED:
            continue
        used.add(key)
        age = (now - _aware(at, now)).total_seconds() / 86400
        weight = _SEARCH_WEIGHT * rules.recency_weight(age, policy.half_life_days)
        for asin in searched(text or "")[:_PER_SEARCH]:
            seeds[asin] += weight
    return seeds


def _consumables(session: Session, asins: list[str], policy: RecsPolicy) -> set[str]:
    if not asins:
        return set()
    rows = session.execute(
        select(Product.asin, Category.path)
        .join(Category, Category.id == Product.category_id)
        .where(Product.asin.in_(asins))
    )
    return {
        asin
        for asin, path in rows
        if any(path == p or path.startswith(p + "/") for p in policy.consumable_categories)
    }


def history_picks(session: Session, shopper: Shopper, marketplace: str) -> list[Product]:
    """The browsing history's products, newest first (shown even if sold out)."""
    asins = browsing_history(session, shopper, marketplace)
    if not asins:
        return []
    found = {
        p.asin: p
        for p in session.scalars(
            select(Product).where(Product.asin.in_(asins)).options(selectinload(Product.images))
        )
    }
    return [found[a] for a in asins if a in found]


def inspired_by_browsing(
    session: Session, model: StoredModel, shopper: Shopper, marketplace: str, *, named: int = 3
) -> tuple[list[Product], list[Pick]]:
    """The digest's content: up to ``named`` products the shopper viewed that pass the
    widgets' filters (newest first), and products like them not yet seen."""
    policy = _policy(marketplace)
    viewed = history_picks(session, shopper, marketplace)
    scores: dict[str, float] = defaultdict(float)
    for rank, product in enumerate(viewed):
        for kind in ("viewed", "bought", "similar"):
            for asin, score in model.neighbours(kind, product.asin):
                scores[asin] += rules.damped(score) / (1 + rank)
    ranked = sorted(scores.items(), key=lambda pair: (-pair[1], pair[0]))
    picks = _picks(
        session,
        ranked[: policy.for_you_size * 4],
        marketplace,
        limit=policy.for_you_size,
        exclude=[p.asin for p in viewed],
    )
    mentionable = {
        p.product.asin
        for p in _picks(session, [(v.asin, 0.0) for v in viewed], marketplace, limit=named)
    }
    return [v for v in viewed if v.asin in mentionable], picks
