"""Best Sellers Rank use cases: keep the daily sales rollup, recompute ranks,
read a product's ranks and a category's best sellers."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import delete, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, sessionmaker

from souk.catalog.models import Category
from souk.core.clock import Clock
from souk.core.events import DomainEvent, on
from souk.core.policy import default_policy
from souk.marketplaces.rules import MARKETPLACES
from souk.orders.models import Order
from souk.rankings import rules
from souk.rankings.models import DailySales, SalesRank, SalesRankHistory
from souk.sellers.models import SellerUser

# -- the rollup ---------------------------------------------------------------------------


def _add_units(session: Session, asin: str, marketplace: str, day: date, units: int) -> None:
    """units += n for one product-day, as one atomic upsert on either database."""
    dialect = session.get_bind().dialect.name
    maker = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = maker(DailySales).values(asin=asin, marketplace=marketplace, day=day, units=units)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["asin", "marketplace", "day"], set_={"units": DailySales.units + units}
        )
    )


def _counts(session: Session, order: Order) -> bool:
    own_staff = session.scalar(
        select(SellerUser.id).where(
            SellerUser.seller_id == order.seller_id, SellerUser.user_id == order.buyer_id
        )
    )
    if own_staff is None:
        # Purchases by people of a linked seller account do not count either.
        from souk.policy.service import is_self_or_linked_purchase

        if is_self_or_linked_purchase(session, order.buyer_id, order.seller_id):
            return False
    return rules.counts_toward_rank(buyer_works_for_seller=own_staff is not None)


@on("order.placed")
def _order_placed(session: Session, event: DomainEvent) -> None:
    # Counted even if canceled since: the cancellation's own event takes it off again,
    # whichever of the two is delivered first.
    order = session.get(Order, event.payload["order_id"])
    if order is None or not _counts(session, order):
        return
    for item in order.items:
        _add_units(session, item.asin, order.marketplace, order.purchased_at.date(), item.quantity)


@on("order.canceled")
def _order_canceled(session: Session, event: DomainEvent) -> None:
    order = session.get(Order, event.payload["order_id"])
    # An order canceled because its payment failed was never placed, so never counted.
    if order is None or order.cancel_reason == "PaymentFailed" or not _counts(session, order):
        return
    for item in order.items:
        _add_units(session, item.asin, order.marketplace, order.purchased_at.date(), -item.quantity)


# -- recompute ----------------------------------------------------------------------------


def _ancestors(session: Session) -> dict[int, tuple[int, ...]]:
    """Per category id: its own id and every ancestor's."""
    by_path = {c.path: c.id for c in session.scalars(select(Category))}
    chains = {}
    for path, category_id in by_path.items():
        parts = path.split("/")
        chain = [
            by_path["/".join(parts[: i + 1])]
            for i in range(len(parts))
            if "/".join(parts[: i + 1]) in by_path
        ]
        chains[category_id] = tuple(chain)
    return chains


def recompute(sessions: sessionmaker[Session], clock: Clock) -> int:
    """Recompute every marketplace's ranks from the rollup; returns ranks written.

    The work is set-based: one statement per marketplace sums each product's
    units weighted by their day's decay (weights from ``rules.day_weight``),
    spreads the score to the product's category and its ancestors, and ranks
    within each category by score, then product id, exactly as
    ``rules.rank_by_category`` does (a test holds the two together).
    """
    now = clock.now()
    today = now.date()
    written = 0
    with sessions() as session:
        _load_ancestors(session)
        for code in MARKETPLACES:
            policy = default_policy().for_marketplace(code).rankings
            has_sales = session.scalar(
                select(DailySales.asin).where(DailySales.marketplace == code).limit(1)
            )
            has_ranks = session.scalar(
                select(SalesRank.asin).where(SalesRank.marketplace == code).limit(1)
            )
            if has_sales is None and has_ranks is None:
                continue
            _load_weights(session, today, policy.window_days, policy.half_life_days)
            session.execute(delete(SalesRank).where(SalesRank.marketplace == code))
            result = session.execute(text(_RANK_SQL), {"marketplace": code, "now": now})
            written += result.rowcount  # type: ignore[attr-defined]
            session.execute(
                delete(SalesRankHistory).where(
                    SalesRankHistory.marketplace == code, SalesRankHistory.day == today
                )
            )
            session.execute(text(_HISTORY_SQL), {"marketplace": code, "today": today})
        session.commit()
    return written


# Scores per product, spread to every ancestor category, ranked within each.
_RANK_SQL = """
INSERT INTO sales_ranks (asin, marketplace, category_id, rank, score, computed_at)
SELECT asin, :marketplace, ancestor_id,
       ROW_NUMBER() OVER (PARTITION BY ancestor_id ORDER BY score DESC, asin),
       score, :now
FROM (
    SELECT d.asin AS asin, a.ancestor_id AS ancestor_id, SUM(d.units * w.weight) AS score
    FROM daily_sales d
    JOIN rank_day_weights w ON w.day = d.day
    JOIN products p ON p.asin = d.asin
    JOIN rank_category_ancestors a ON a.category_id = p.category_id
    WHERE d.marketplace = :marketplace
    GROUP BY d.asin, a.ancestor_id
) scored
WHERE score > 0
"""

# One history point a day: the rank in the product's own category.
_HISTORY_SQL = """
INSERT INTO sales_rank_history (asin, marketplace, category_id, day, rank)
SELECT r.asin, r.marketplace, r.category_id, :today, r.rank
FROM sales_ranks r JOIN products p ON p.asin = r.asin AND p.category_id = r.category_id
WHERE r.marketplace = :marketplace
"""


def _temporary(session: Session, name: str, columns: str) -> None:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(
            text(f"CREATE TEMPORARY TABLE IF NOT EXISTS {name} ({columns}) ON COMMIT DROP")
        )
    else:
        session.execute(text(f"CREATE TEMPORARY TABLE IF NOT EXISTS {name} ({columns})"))
    session.execute(text(f"DELETE FROM {name}"))


def _load_ancestors(session: Session) -> None:
    _temporary(
        session,
        "rank_category_ancestors",
        "category_id BIGINT NOT NULL, ancestor_id BIGINT NOT NULL",
    )
    rows = [
        {"category_id": c, "ancestor_id": a}
        for c, chain in _ancestors(session).items()
        for a in chain
    ]
    if rows:
        session.execute(
            text("INSERT INTO rank_category_ancestors VALUES (:category_id, :ancestor_id)"), rows
        )


def _load_weights(session: Session, today: date, window_days: int, half_life_days: float) -> None:
    _temporary(session, "rank_day_weights", "day DATE NOT NULL, weight DOUBLE PRECISION")
    session.execute(
        text("INSERT INTO rank_day_weights VALUES (:day, :weight)"),
        [
            {"day": today - timedelta(days=age), "weight": rules.day_weight(age, half_life_days)}
            for age in range(window_days)
        ],
    )


# -- reads --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CategoryRank:
    category: Category
    rank: int


def product_ranks(session: Session, asin: str, marketplace: str) -> list[CategoryRank]:
    """ "#3 in Kitchen": the product's ranks, broadest category first."""
    rows = session.execute(
        select(SalesRank.rank, Category)
        .join(Category, Category.id == SalesRank.category_id)
        .where(SalesRank.asin == asin, SalesRank.marketplace == marketplace)
        .order_by(Category.depth)
    ).all()
    return [CategoryRank(category, rank) for rank, category in rows]


def best_sellers(
    session: Session, marketplace: str, category_id: int, limit: int = 50, offset: int = 0
) -> list[tuple[str, int]]:
    """(asin, rank) of a category's best sellers, best first."""
    return [
        (a, r)
        for a, r in session.execute(
            select(SalesRank.asin, SalesRank.rank)
            .where(SalesRank.marketplace == marketplace, SalesRank.category_id == category_id)
            .order_by(SalesRank.rank)
            .limit(limit)
            .offset(offset)
        )
    ]


def rank_history(
    session: Session, asin: str, marketplace: str, days: int = 90, today: date | None = None
) -> list[tuple[date, int]]:
    query = select(SalesRankHistory.day, SalesRankHistory.rank).where(
        SalesRankHistory.asin == asin, SalesRankHistory.marketplace == marketplace
    )
    if today is not None:
        query = query.where(SalesRankHistory.day > today - timedelta(days=days))
    return [(d, r) for d, r in session.execute(query.order_by(SalesRankHistory.day))]


def ranks_for_products(session: Session, asins: list[str], marketplace: str) -> dict[str, int]:
    """The best (broadest-category) rank of each product, for result badges."""
    found: dict[str, int] = {}
    rows = session.execute(
        select(SalesRank.asin, SalesRank.rank, Category.depth)
        .join(Category, Category.id == SalesRank.category_id)
        .where(SalesRank.asin.in_(asins), SalesRank.marketplace == marketplace)
    )
    best: dict[str, tuple[int, int]] = defaultdict(lambda: (10**9, 10**9))
    for asin, rank, depth in rows:
        best[asin] = min(best[asin], (depth, rank))
    for asin, (_, rank) in best.items():
        found[asin] = rank
    return found
