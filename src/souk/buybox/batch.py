"""The full Buy Box recompute: every product of a marketplace at once, set-based.

One query loads every active offer with its seller's flags (ordered by product),
one the recent order lines, one the sellers' standings; the scores are then
computed column-wise with numpy, in exactly the arithmetic of
``rules.decide`` (same operations in the same order, logs taken by
``math.log``), so both paths store identical decisions (a test holds them
together). Offers' ``ships_to`` is not stored yet, so every offer ships to the
marketplace's country here as in the per-product path.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import orjson
from sqlalchemy import and_, bindparam, delete, exists, select, text
from sqlalchemy.orm import Session, aliased, sessionmaker

from souk.buybox import rules
from souk.buybox.models import BuyboxDecision, BuyboxHistory
from souk.buybox.service import (
    CANCELED,
    median_low,
    policy_for,
    signature,
    standings_for,
)
from souk.core.clock import Clock
from souk.core.db import UTCDateTime
from souk.marketplaces.rules import MARKETPLACES
from souk.performance.rules import NEUTRAL_STANDING

# Flags per offer, one integer: 1 new, 2 professional seller, 4 buyable now, 8 platform.
_OFFERS = text(
    "SELECT o.id, o.asin, o.seller_id, o.price_minor + o.shipping_minor AS landed,"
    " o.quantity, o.handling_days,"
    " (CASE WHEN o.condition = 'new' THEN 1 ELSE 0 END)"
    " + (CASE WHEN s.plan = 'professional' THEN 2 ELSE 0 END)"
    " + (CASE WHEN s.status = 'active' AND NOT s.on_holiday AND o.quantity > 0"
    " THEN 4 ELSE 0 END)"
    " + (CASE WHEN o.fulfillment_channel = 'PLATFORM' THEN 8 ELSE 0 END) AS flags"
    " FROM offers o JOIN sellers s ON s.id = o.seller_id"
    " WHERE o.marketplace = :marketplace AND o.is_active"
    " ORDER BY o.asin, o.id"
)
_PAID = text(
    "SELECT i.asin, i.unit_price_minor"
    " + (i.shipping_minor + i.quantity / 2) / (CASE WHEN i.quantity > 0 THEN i.quantity ELSE 1 END)"
    " FROM order_items i JOIN orders o ON o.id = i.order_id"
    " WHERE o.marketplace = :marketplace AND o.purchased_at >= :since AND o.purchased_at < :now"
    " AND o.status <> :canceled AND i.condition = 'new'"
).bindparams(bindparam("since", type_=UTCDateTime()), bindparam("now", type_=UTCDateTime()))


def _recent(session: Session, marketplace: str, now: datetime) -> dict[str, int]:
    policy = policy_for(marketplace)
    since = now - timedelta(days=policy.recent_price_days)
    params = {"marketplace": marketplace, "since": since, "now": now, "canceled": CANCELED}
    paid: dict[str, list[int]] = defaultdict(list)
    for asin, landed in session.execute(_PAID, params).all():
        paid[asin].append(int(landed))
    return {
        asin: median_low(values)
        for asin, values in paid.items()
        if len(values) >= policy.recent_price_min_orders
    }


def decision_rows(session: Session, marketplace: str, now: datetime) -> list[dict[str, Any]]:
    """Every product's decision row of one marketplace (nothing written)."""
    policy = policy_for(marketplace)
    rows = session.execute(_OFFERS, {"marketplace": marketplace}).all()
    if not rows:
        return []
    (ids_t, asins_t, sellers_t, landed_t, qty_t, handling_t, flags_t) = zip(*rows, strict=True)
    n = len(rows)
    offer_ids = np.fromiter(ids_t, dtype=np.int64, count=n)
    landed = np.fromiter(landed_t, dtype=np.int64, count=n)
    quantity = np.fromiter(qty_t, dtype=np.int64, count=n)
    handling = np.fromiter(handling_t, dtype=np.int64, count=n)
    flags = np.fromiter(flags_t, dtype=np.int64, count=n)
    is_new, professional = (flags & 1) > 0, (flags & 2) > 0
    buyable, platform = (flags & 4) > 0, (flags & 8) > 0
    fallback_transit = max(policy.transit_days.values())
    transit = np.where(
        platform,
        policy.transit_days.get(rules.PLATFORM, fallback_transit),
        policy.transit_days.get("MERCHANT", fallback_transit),
    )

    # Sellers: metric score and excluded health band, computed once per seller.
    seller_index: dict[str, int] = {}
    seller_of = np.fromiter(
        (seller_index.setdefault(s, len(seller_index)) for s in sellers_t), dtype=np.int64, count=n
    )
    standings = standings_for(session, marketplace, list(seller_index))
    neutral = NEUTRAL_STANDING
    metric_by_seller = np.array(
        [rules.seller_metrics_score(standings.get(s, neutral), policy) for s in seller_index]
    )
    excluded_by_seller = np.array(
        [
            standings.get(s, neutral).health_band in policy.excluded_health_bands
            for s in seller_index
        ],
        dtype=bool,
    )

    # Products: rows arrive ordered by ASIN; starts[g] is product g's first row.
    starts_list = [0] + [i for i in range(1, n) if asins_t[i] != asins_t[i - 1]]
    starts = np.array(starts_list, dtype=np.int64)
    sizes = np.diff(np.append(starts, n))
    group = np.repeat(np.arange(len(starts)), sizes)
    product_asins = [asins_t[i] for i in starts_list]

    eligible = is_new & professional & buyable & ~excluded_by_seller[seller_of]
    log_landed = np.array([math.log(x) for x in landed_t])
    big = np.iinfo(np.int64).max
    lowest = np.minimum.reduceat(np.where(eligible, landed, big), starts)
    has_eligible = lowest != big
    lowest_log = np.array([math.log(x) if x != big else 0.0 for x in lowest.tolist()])
    market_offer = is_new & professional & buyable
    competitive = np.minimum.reduceat(np.where(market_offer, landed, big), starts)
    recent_by_asin = _recent(session, marketplace, now)
    recent_list = [recent_by_asin.get(a) for a in product_asins]
    has_recent = np.array([r is not None for r in recent_list], dtype=bool)
    recent = np.array([r if r is not None else 0 for r in recent_list], dtype=np.int64)
    recent_log = np.array([math.log(r) if r else 0.0 for r in recent_list])

    # Components, as rules.score_offer computes them.
    price_vs_lowest = 1.0 - (log_landed - lowest_log[group]) / math.log(1.0 + policy.price_span)
    price_vs_recent = np.where(
        has_recent[group],
        np.clip(
            1.0 - (log_landed - recent_log[group]) / math.log(1.0 + policy.recent_price_span),
            0.0,
            1.0,
        ),
        1.0,
    )
    days = handling + transit
    span = policy.slowest_days - policy.fastest_days
    delivery = np.clip((policy.slowest_days - days) / span, 0.0, 1.0) if span > 0 else np.ones(n)
    full = policy.stock_full_units
    stock = np.minimum(quantity, full) / full if full > 0 else np.ones(n)
    components = {
        "price_vs_lowest": price_vs_lowest,
        "price_vs_recent": price_vs_recent,
        "delivery": delivery,
        "platform": platform.astype(np.float64),
        "seller_metrics": metric_by_seller[seller_of],
        "stock": stock,
    }
    score = np.zeros(n)
    for name in rules.COMPONENTS:
        score = score + policy.weights.get(name, 0.0) * components[name]

    # Suppression, as rules.suppression decides it.
    by_recent = has_recent & (lowest > recent * (1.0 + policy.suppress_above_recent))
    by_competitive = (competitive != big) & (
        lowest > competitive * (1.0 + policy.suppress_above_competitive)
    )
    by_competitive &= ~by_recent
    suppressed = has_eligible & (by_recent | by_competitive)

    # Rotation candidates, as rules.rotation_candidates chooses them.
    best = np.maximum.reduceat(np.where(eligible, score, -np.inf), starts)
    floor = np.where(best > 0, best * (1.0 - policy.rotation_band), best)
    candidate = eligible & ~suppressed[group] & (score >= floor[group])
    candidate &= np.where(best[group] > 0, True, score == best[group])
    weight = np.where(best[group] > 0, np.rint(score * 1_000_000) / 1_000_000, 1.0)

    # Explanation columns, each product's offers best score first, as explanation_record.
    order = np.lexsort((offer_ids, np.where(eligible, -score, -0.0), ~eligible, group))
    ordered_ids = offer_ids[order].tolist()
    ordered_eligible = eligible[order]
    not_scored = np.flatnonzero(~ordered_eligible).tolist()

    def column(values: np.ndarray) -> list[Any]:
        listed: list[Any] = np.rint(values[order] * 1_000_000).astype(np.int64).tolist()
        for i in not_scored:
            listed[i] = None
        return listed

    score_col = column(score)
    component_cols = {name: column(components[name]) for name in rules.COMPONENTS}

    cand_index = np.flatnonzero(candidate)
    cand_by_group: dict[int, list[tuple[int, float]]] = defaultdict(list)
    for g, offer_id, w in zip(
        group[cand_index].tolist(),
        offer_ids[cand_index].tolist(),
        weight[cand_index].tolist(),
        strict=True,
    ):
        cand_by_group[g].append((offer_id, w))

    period = rules.rotation_period(now, policy)
    seed = policy.rotation_seed
    lowest_l, competitive_l = lowest.tolist(), competitive.tolist()
    suppressed_l, by_recent_l = suppressed.tolist(), by_recent.tolist()
    starts_l, ends_l = starts_list, [*starts_list[1:], n]
    result = []
    for g, asin in enumerate(product_asins):
        chosen = tuple(sorted(cand_by_group.get(g, ()), key=lambda p: (-p[1], p[0])))
        is_suppressed = suppressed_l[g]
        a, b = starts_l[g], ends_l[g]
        candidates = [[offer_id, w] for offer_id, w in chosen]
        result.append(
            {
                "asin": asin,
                "marketplace": marketplace,
                "featured_offer_id": rules.rotation_pick(asin, marketplace, period, seed, chosen),
                "suppressed": is_suppressed,
                "candidates": candidates,
                "explanation": {
                    "lowest_minor": lowest_l[g] if lowest_l[g] != big else None,
                    "competitive_minor": competitive_l[g] if competitive_l[g] != big else None,
                    "recent_minor": recent_list[g],
                    "suppressed_because": (
                        ("recent" if by_recent_l[g] else "competitive") if is_suppressed else ""
                    ),
                    "offer_ids": ordered_ids[a:b],
                    "scores": score_col[a:b],
                    "components": {name: component_cols[name][a:b] for name in rules.COMPONENTS},
                },
                "signature": signature(candidates, is_suppressed),
                "computed_at": now,
            }
        )
    return result


def recompute_marketplace(session: Session, marketplace: str, now: datetime) -> int:
    """Replace every stored decision of the marketplace; history rows where the rotation
    or suppression changed. Returns the decisions written (the caller commits)."""
    rows = decision_rows(session, marketplace, now)
    known = dict(
        session.execute(
            select(BuyboxDecision.asin, BuyboxDecision.signature).where(
                BuyboxDecision.marketplace == marketplace
            )
        ).all()
    )
    session.execute(delete(BuyboxDecision).where(BuyboxDecision.marketplace == marketplace))
    changed = [r for r in rows if known.get(r["asin"]) != r["signature"]]
    _bulk_insert(session, rows, changed, now)
    _prune_history(session, marketplace, now)
    return len(rows)


def _bulk_insert(
    session: Session, rows: list[dict[str, Any]], changed: list[dict[str, Any]], now: datetime
) -> None:
    """Insert decisions (and history rows for the changed ones) through the driver's
    executemany with JSON serialised once by orjson: at a hundred thousand rows the
    ORM's per-row parameter processing would cost more than the decisions."""
    connection = session.connection()
    dialect = connection.dialect
    when = BuyboxDecision.__table__.c.computed_at.type.bind_processor(dialect)
    at = when(now) if when else now
    if dialect.name == "postgresql":
        mark, as_json = "%s", "%s::jsonb"
    else:
        mark, as_json = "?", "?"
    if rows:
        connection.exec_driver_sql(
            "INSERT INTO buybox_decisions (asin, marketplace, featured_offer_id, suppressed,"
            f" candidates, explanation, signature, computed_at) VALUES ({mark}, {mark}, {mark},"
            f" {mark}, {as_json}, {as_json}, {mark}, {mark})"
            # An event handler may have stored one since the delete, from newer data.
            " ON CONFLICT (asin, marketplace) DO NOTHING",
            [
                (
                    r["asin"],
                    r["marketplace"],
                    r["featured_offer_id"],
                    r["suppressed"],
                    orjson.dumps(r["candidates"]).decode(),
                    orjson.dumps(r["explanation"]).decode(),
                    r["signature"],
                    at,
                )
                for r in rows
            ],
        )
    if changed:
        connection.exec_driver_sql(
            "INSERT INTO buybox_history (asin, marketplace, valid_from, suppressed, candidates)"
            f" VALUES ({mark}, {mark}, {mark}, {mark}, {as_json})",
            [
                (
                    r["asin"],
                    r["marketplace"],
                    at,
                    r["suppressed"],
                    orjson.dumps(r["candidates"]).decode(),
                )
                for r in changed
            ],
        )


def _prune_history(session: Session, marketplace: str, now: datetime) -> None:
    """Forget history older than twice the view-share window, keeping the row that was
    in force at its start."""
    cutoff = now - timedelta(days=2 * policy_for(marketplace).view_share_days)
    later = aliased(BuyboxHistory)
    session.execute(
        delete(BuyboxHistory).where(
            BuyboxHistory.marketplace == marketplace,
            BuyboxHistory.valid_from < cutoff,
            exists().where(
                and_(
                    later.asin == BuyboxHistory.asin,
                    later.marketplace == BuyboxHistory.marketplace,
                    later.valid_from > BuyboxHistory.valid_from,
                    later.valid_from <= cutoff,
                )
            ),
        )
    )


def recompute_all(
    sessions: sessionmaker[Session], clock: Clock, marketplaces: list[str] | None = None
) -> int:
    """Recompute every product's decision in each marketplace, one transaction each."""
    now = clock.now()
    written = 0
    for code in marketplaces or list(MARKETPLACES):
        with sessions() as session, session.begin():
            written += recompute_marketplace(session, code, now)
    return written
