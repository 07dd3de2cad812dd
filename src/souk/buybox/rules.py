"""Which offer a buyer gets when pressing "Add to Cart" (the featured offer).

Pure functions for one product in one marketplace; every number comes from the
``[buybox]`` policy section (overridable per marketplace).

Eligibility
    New condition, a professional seller, an active account not on holiday,
    stock on hand, shipping to the buyer's country (when the offer says where it
    ships), and an account health band that is not excluded (``critical``).

Score
    ``score = sum(weights[c] * component[c])`` over these components:

    - ``price_vs_lowest``: 1 at the lowest eligible landed price (price +
      shipping), falling linearly in log price to 0 at ``price_span`` above it,
      and below 0 beyond. It is deliberately not clipped: when the lowest price
      moves, every other offer's score moves by the same amount, which keeps
      "lowering only your price never loses you the box" true under rotation.
    - ``price_vs_recent``: 1 at or below the median landed price buyers paid in
      the last ``recent_price_days``, 0 at ``recent_price_span`` above it (1 for
      every offer while too few sales are known).
    - ``delivery``: handling days plus the channel's transit days, 1 at
      ``fastest_days``, 0 at ``slowest_days``.
    - ``platform``: 1 when fulfilled by the platform's network.
    - ``seller_metrics``: the weighted mean of the seller's metric scores (order
      defect, late shipment and cancellation rates score 0 at their
      ``metric_zero_at``; valid tracking and response rates and the feedback
      rating score 0 at theirs and 1 at perfection; unknown metrics score
      ``unknown_metric_score``).
    - ``stock``: units on hand up to ``stock_full_units``.

Suppression
    No offer is featured when the cheapest eligible offer costs more than
    ``suppress_above_recent`` above the recent selling price, or more than
    ``suppress_above_competitive`` above the cheapest new offer of any professional
    seller (one that cannot be featured, say, for its account health); the page
    then says "See all buying options".

Rotation
    Eligible offers scoring at least ``(1 - rotation_band) * best`` share the box
    in proportion to score. Each period of ``rotation_period_minutes`` every
    candidate draws ``u`` from a hash of (ASIN, marketplace, period, seed,
    offer id); the smallest ``-ln(u) / score`` wins: an exponential race, so
    each candidate wins with probability score / sum of scores, the same pick
    all period long, and a higher score never loses a race it won before.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cached_property

from souk.core.money import Money
from souk.core.policy import BuyboxPolicy
from souk.performance.rules import NEUTRAL_STANDING, SellerStanding

COMPONENTS = (
    "price_vs_lowest",
    "price_vs_recent",
    "delivery",
    "platform",
    "seller_metrics",
    "stock",
)
#: Metrics where less is better (a rate of failures).
FAILURE_METRICS = ("order_defect_rate", "late_shipment_rate", "cancellation_rate")
#: Metrics where more is better (rates of success, and the 1-5 star rating).
SUCCESS_METRICS = ("valid_tracking_rate", "response_rate_24h")
RATING_METRIC = "feedback_rating"
BEST_RATING = 5.0
METRIC_LABELS = {
    "order_defect_rate": "order defect rate",
    "late_shipment_rate": "late shipment rate",
    "cancellation_rate": "cancellation rate",
    "valid_tracking_rate": "valid tracking rate",
    "response_rate_24h": "replies within 24 hours",
    "feedback_rating": "feedback rating",
}
PLATFORM = "PLATFORM"


@dataclass(frozen=True)
class OfferFacts:
    """What the featured-offer decision needs to know about one offer."""

    offer_id: int
    seller_id: str
    condition: str
    price: Money
    shipping: Money
    quantity: int
    handling_days: int
    fulfillment_channel: str
    seller_plan: str
    seller_status: str
    seller_on_holiday: bool
    sku: str = ""
    #: Countries the offer ships to; None when the offer does not say (ships to
    #: every address the marketplace serves).
    ships_to: frozenset[str] | None = None

    @cached_property
    def landed(self) -> Money:
        return self.price + self.shipping


@dataclass(frozen=True)
class ProductContext:
    """The product-level facts the decision needs besides its offers."""

    asin: str
    marketplace: str
    #: Median landed price per unit paid in the recent window; None with too few sales.
    recent_price: Money | None = None
    #: The buyer's country, when known (the shipping address or the marketplace's).
    buyer_country: str | None = None


@dataclass(frozen=True)
class OfferVerdict:
    """One offer's part in the decision: eligibility, score, share and why it lost."""

    offer: OfferFacts
    ineligible_because: tuple[str, ...]
    score: float | None
    components: Mapping[str, float]
    delivery_days: int
    metric_scores: Mapping[str, float | None]
    share: float = 0.0  # of the rotation, 0 outside it
    reasons: tuple[str, ...] = ()

    @property
    def eligible(self) -> bool:
        return not self.ineligible_because


@dataclass(frozen=True)
class Decision:
    """The featured offer of one product in one marketplace for one rotation period."""

    asin: str
    marketplace: str
    period: int
    featured_offer_id: int | None
    suppressed: bool
    suppressed_because: str
    #: (offer id, weight) of the offers sharing the box, best score first.
    candidates: tuple[tuple[int, float], ...]
    lowest_landed: Money | None
    competitive: Money | None
    recent_price: Money | None
    verdicts: tuple[OfferVerdict, ...] = field(default=())

    def verdict(self, offer_id: int) -> OfferVerdict | None:
        return next((v for v in self.verdicts if v.offer.offer_id == offer_id), None)


# -- eligibility ---------------------------------------------------------------------------


def ineligibility(
    offer: OfferFacts,
    standing: SellerStanding | None = None,
    *,
    buyer_country: str | None = None,
    excluded_health_bands: Sequence[str] = (),
) -> list[str]:
    """Why an offer cannot be featured; empty when it can."""
    reasons = []
    if offer.condition != "new":
        reasons.append("only new-condition offers can be featured")
    if offer.seller_plan != "professional":
        reasons.append("only professional sellers can be featured")
    if offer.seller_status != "active":
        reasons.append(f"seller account is {offer.seller_status}")
    if offer.seller_on_holiday:
        reasons.append("seller is on holiday")
    if offer.quantity <= 0:
        reasons.append("out of stock")
    if buyer_country and offer.ships_to is not None and buyer_country not in offer.ships_to:
        reasons.append(f"does not ship to {buyer_country}")
    if standing is not None and standing.health_band in excluded_health_bands:
        reasons.append(f"account health is {standing.health_band.replace('_', ' ')}")
    return reasons


def is_buyable(offer: OfferFacts) -> bool:
    """Whether the offer may be shown and bought at all (any condition)."""
    return offer.seller_status == "active" and not offer.seller_on_holiday and offer.quantity > 0


def _rank(offer: OfferFacts) -> tuple[int, int, int, int, int]:
    return (
        offer.landed.minor,
        offer.handling_days,
        0 if offer.fulfillment_channel == PLATFORM else 1,
        -offer.quantity,
        offer.offer_id,
    )


def featured_offer(offers: list[OfferFacts]) -> OfferFacts | None:
    """The eligible offer with the lowest landed price (ties: faster, platform, stock).

    A price-only shortcut for places that need a product's going price without
    seller metrics (search documents); the featured offer itself is ``decide``'s.
    """
    eligible = [o for o in offers if not ineligibility(o)]
    return min(eligible, key=_rank) if eligible else None


def other_offers(offers: list[OfferFacts], featured: OfferFacts | None) -> list[OfferFacts]:
    """Buyable offers other than the featured one, cheapest landed price first."""
    return sorted(
        (
            o
            for o in offers
            if is_buyable(o) and (featured is None or o.offer_id != featured.offer_id)
        ),
        key=_rank,
    )


# -- score ---------------------------------------------------------------------------------


def clamp01(value: float) -> float:
    """``value`` held within 0..1."""
    return 0.0 if value < 0.0 else 1.0 if value > 1.0 else value


def millionths(value: float) -> int:
    """A score or component in whole millionths, as explanations store them."""
    return round(value * 1_000_000)


def rounded(value: float) -> float:
    """Six decimals, the precision weights and scores are stored and compared at."""
    return round(value * 1_000_000) / 1_000_000


def delivery_days(offer: OfferFacts, policy: BuyboxPolicy) -> int:
    """Days from order to door: handling days plus the channel's transit days."""
    return offer.handling_days + policy.transit_days.get(
        offer.fulfillment_channel, max(policy.transit_days.values())
    )


def metric_scores(standing: SellerStanding, policy: BuyboxPolicy) -> dict[str, float | None]:
    """Each weighted metric's score in 0..1 (None when the seller has no data for it)."""
    scores: dict[str, float | None] = {}
    for name in policy.metric_weights:
        value = getattr(standing, name, None)
        zero_at = policy.metric_zero_at[name]
        if value is None:
            scores[name] = None
        elif name in FAILURE_METRICS:
            scores[name] = clamp01(1.0 - float(value) / zero_at)
        elif name == RATING_METRIC:
            scores[name] = clamp01((float(value) - zero_at) / (BEST_RATING - zero_at))
        else:
            scores[name] = clamp01((float(value) - zero_at) / (1.0 - zero_at))
    return scores


def seller_metrics_score(standing: SellerStanding, policy: BuyboxPolicy) -> float:
    """The weighted mean of the seller's metric scores (unknown ones count as neutral)."""
    total = 0.0
    weights = 0.0
    for name, score in metric_scores(standing, policy).items():
        weight = policy.metric_weights[name]
        total += weight * (policy.unknown_metric_score if score is None else score)
        weights += weight
    return total / weights if weights > 0 else policy.unknown_metric_score


def price_vs_lowest(log_landed: float, log_lowest: float, policy: BuyboxPolicy) -> float:
    """1 at the lowest landed price, 0 at ``price_span`` above it, negative beyond."""
    return 1.0 - (log_landed - log_lowest) / math.log(1.0 + policy.price_span)


def price_vs_recent(log_landed: float, log_recent: float | None, policy: BuyboxPolicy) -> float:
    """1 at or below the recent selling price, 0 at ``recent_price_span`` above it."""
    if log_recent is None:
        return 1.0
    return clamp01(1.0 - (log_landed - log_recent) / math.log(1.0 + policy.recent_price_span))


def delivery_score(days: int, policy: BuyboxPolicy) -> float:
    """1 at ``fastest_days`` or sooner, 0 at ``slowest_days`` or later."""
    span = policy.slowest_days - policy.fastest_days
    return clamp01((policy.slowest_days - days) / span) if span > 0 else 1.0


def stock_score(quantity: int, policy: BuyboxPolicy) -> float:
    """Units on hand up to ``stock_full_units``, as a share."""
    full = policy.stock_full_units
    return min(quantity, full) / full if full > 0 else 1.0


def total_score(components: Mapping[str, float], policy: BuyboxPolicy) -> float:
    """The weighted sum, always in ``COMPONENTS`` order (so every path adds alike)."""
    score = 0.0
    for name in COMPONENTS:
        score += policy.weights.get(name, 0.0) * components[name]
    return score


def score_offer(
    offer: OfferFacts,
    standing: SellerStanding,
    lowest: Money,
    recent: Money | None,
    policy: BuyboxPolicy,
) -> tuple[float, dict[str, float]]:
    """An eligible offer's score and its components."""
    log_landed = math.log(offer.landed.minor)
    components = {
        "price_vs_lowest": price_vs_lowest(log_landed, math.log(lowest.minor), policy),
        "price_vs_recent": price_vs_recent(
            log_landed, math.log(recent.minor) if recent is not None else None, policy
        ),
        "delivery": delivery_score(delivery_days(offer, policy), policy),
        "platform": 1.0 if offer.fulfillment_channel == PLATFORM else 0.0,
        "seller_metrics": seller_metrics_score(standing, policy),
        "stock": stock_score(offer.quantity, policy),
    }
    return total_score(components, policy), components


# -- suppression, rotation -----------------------------------------------------------------


def suppression(
    cheapest: Money, competitive: Money | None, recent: Money | None, policy: BuyboxPolicy
) -> str:
    """Why no offer is featured although some are eligible; empty when one is."""
    if recent is not None and cheapest.minor > recent.minor * (1.0 + policy.suppress_above_recent):
        return "recent"
    if competitive is not None and cheapest.minor > competitive.minor * (
        1.0 + policy.suppress_above_competitive
    ):
        return "competitive"
    return ""


def rotation_period(now: datetime, policy: BuyboxPolicy) -> int:
    """The index of the rotation period ``now`` falls in (periods start at the Unix epoch)."""
    seconds = policy.rotation_period_minutes * 60
    return int(now.timestamp() // seconds) if seconds > 0 else 0


def rotation_draw(asin: str, marketplace: str, period: int, seed: int, offer_id: int) -> float:
    """A uniform number in (0, 1) fixed by its inputs."""
    digest = hashlib.blake2b(
        f"{asin}|{marketplace}|{period}|{seed}|{offer_id}".encode(), digest_size=8
    ).digest()
    return (int.from_bytes(digest, "big") + 0.5) / 2.0**64


def rotation_pick(
    asin: str,
    marketplace: str,
    period: int,
    seed: int,
    candidates: Sequence[tuple[int, float]],
) -> int | None:
    """The candidate featured in ``period``: the winner of an exponential race."""
    if not candidates:
        return None
    if len(candidates) == 1:
        return candidates[0][0]
    best: tuple[float, int] | None = None
    for offer_id, weight in candidates:
        draw = rotation_draw(asin, marketplace, period, seed, offer_id)
        key = (-math.log(draw) / weight if weight > 0 else math.inf, offer_id)
        if best is None or key < best:
            best = key
    assert best is not None
    return best[1]


def rotation_candidates(
    scores: Sequence[tuple[int, float]], policy: BuyboxPolicy
) -> tuple[tuple[int, float], ...]:
    """(offer id, weight) of the offers within ``rotation_band`` of the best score."""
    if not scores:
        return ()
    best = max(score for _, score in scores)
    if best <= 0:
        chosen = [(offer_id, 1.0) for offer_id, score in scores if score == best]
    else:
        floor = best * (1.0 - policy.rotation_band)
        chosen = [(offer_id, rounded(score)) for offer_id, score in scores if score >= floor]
    return tuple(sorted(chosen, key=lambda pair: (-pair[1], pair[0])))


def shares(candidates: Sequence[tuple[int, float]]) -> dict[int, float]:
    """Each candidate's expected share of the box."""
    total = sum(weight for _, weight in candidates)
    return {offer_id: weight / total for offer_id, weight in candidates} if total > 0 else {}


# -- the decision --------------------------------------------------------------------------


def decide(
    context: ProductContext,
    offers: Sequence[OfferFacts],
    standings: Mapping[str, SellerStanding],
    policy: BuyboxPolicy,
    period: int,
    money_text: Callable[[Money], str] = str,
) -> Decision:
    """The featured offer of one product, every offer's verdict and why the others lost.

    ``standings`` holds each seller's latest metrics (neutral for any missing);
    ``period`` is the rotation period (``rotation_period(now, policy)``).
    """
    checked = []
    for offer in offers:
        standing = standings.get(offer.seller_id, NEUTRAL_STANDING)
        reasons = ineligibility(
            offer,
            standing,
            buyer_country=context.buyer_country,
            excluded_health_bands=policy.excluded_health_bands,
        )
        checked.append((offer, standing, tuple(reasons)))
    eligible = [(o, s) for o, s, r in checked if not r]
    # The competitive price: the cheapest new offer any professional seller has on sale
    # (eligible or not; individual sellers' few units do not set the market price).
    new_buyable = [
        o.landed
        for o, _, _ in checked
        if o.condition == "new" and o.seller_plan == "professional" and is_buyable(o)
    ]
    competitive = min(new_buyable, key=lambda m: m.minor) if new_buyable else None
    lowest = min((o.landed for o, _ in eligible), key=lambda m: m.minor) if eligible else None
    recent = context.recent_price

    # Metric scores per seller, once each (a seller may have several offers).
    metrics = {o.seller_id: metric_scores(s, policy) for o, s, _ in checked}
    scored: dict[int, tuple[float, dict[str, float]]] = {}
    if lowest is not None:
        for offer, standing in eligible:
            scored[offer.offer_id] = score_offer(offer, standing, lowest, recent, policy)
    suppressed_because = suppression(lowest, competitive, recent, policy) if lowest else ""
    candidates: tuple[tuple[int, float], ...] = ()
    if scored and not suppressed_because:
        candidates = rotation_candidates(
            [(offer_id, score) for offer_id, (score, _) in scored.items()], policy
        )
    featured_id = rotation_pick(
        context.asin, context.marketplace, period, policy.rotation_seed, candidates
    )
    share_of = shares(candidates)

    base = [
        OfferVerdict(
            offer=offer,
            ineligible_because=reasons,
            score=scored[offer.offer_id][0] if offer.offer_id in scored else None,
            components=scored[offer.offer_id][1] if offer.offer_id in scored else {},
            delivery_days=delivery_days(offer, policy),
            metric_scores=metrics[offer.seller_id],
            share=share_of.get(offer.offer_id, 0.0),
        )
        for offer, _, reasons in checked
    ]
    featured = next((v for v in base if v.offer.offer_id == featured_id), None)
    decision = Decision(
        asin=context.asin,
        marketplace=context.marketplace,
        period=period,
        featured_offer_id=featured_id,
        suppressed=bool(suppressed_because),
        suppressed_because=suppressed_because,
        candidates=candidates,
        lowest_landed=lowest,
        competitive=competitive,
        recent_price=recent,
    )
    verdicts = tuple(
        OfferVerdict(
            offer=v.offer,
            ineligible_because=v.ineligible_because,
            score=v.score,
            components=v.components,
            delivery_days=v.delivery_days,
            metric_scores=v.metric_scores,
            share=v.share,
            reasons=lost_reasons(v, featured, decision, policy, money_text),
        )
        for v in base
    )
    return replace(decision, verdicts=verdicts)


def suppression_text(
    decision: Decision, policy: BuyboxPolicy, money_text: Callable[[Money], str]
) -> str:
    """Why the product shows no featured offer, in words."""
    if decision.suppressed_because == "recent" and decision.recent_price is not None:
        return (
            f"no offer is featured: every eligible offer is more than "
            f"{policy.suppress_above_recent:.0%} above the recent price "
            f"{money_text(decision.recent_price)}"
        )
    if decision.suppressed_because == "competitive" and decision.competitive is not None:
        return (
            f"no offer is featured: every eligible offer is more than "
            f"{policy.suppress_above_competitive:.0%} above the lowest new offer "
            f"{money_text(decision.competitive)}"
        )
    return ""


def lost_reasons(
    verdict: OfferVerdict,
    featured: OfferVerdict | None,
    decision: Decision,
    policy: BuyboxPolicy,
    money_text: Callable[[Money], str] = str,
) -> tuple[str, ...]:
    """Why this offer is not the featured one (empty for the featured offer)."""
    if not verdict.eligible:
        return verdict.ineligible_because
    if decision.suppressed:
        return (suppression_text(decision, policy, money_text),)
    offer = verdict.offer
    if featured is None or featured.offer.offer_id == offer.offer_id:
        return ()
    reasons = []
    if verdict.share > 0:
        reasons.append(f"shares the box in rotation ({verdict.share:.0%} of views)")
    lowest = decision.lowest_landed
    if lowest is not None and offer.landed.minor > lowest.minor:
        reasons.append(f"price {money_text(offer.landed - lowest)} above lowest")
    if verdict.delivery_days > featured.delivery_days:
        reasons.append(
            f"slower delivery ({verdict.delivery_days} days vs {featured.delivery_days})"
        )
    if featured.offer.fulfillment_channel == PLATFORM and offer.fulfillment_channel != PLATFORM:
        reasons.append("not fulfilled by souk")
    own = verdict.components.get("seller_metrics", 0.0)
    theirs = featured.components.get("seller_metrics", 0.0)
    if own < theirs:
        unknown = policy.unknown_metric_score

        def known(score: float | None) -> float:
            return unknown if score is None else score

        weaker = [
            METRIC_LABELS.get(name, name)
            for name, score in verdict.metric_scores.items()
            if known(score) < known(featured.metric_scores.get(name))
        ]
        reasons.append("weaker seller metrics" + (f" ({', '.join(weaker)})" if weaker else ""))
    if verdict.components.get("stock", 0.0) < featured.components.get("stock", 0.0):
        reasons.append(f"less stock ({offer.quantity} units)")
    if not reasons:
        reasons.append("lower score")
    return tuple(reasons)


# -- stored forms --------------------------------------------------------------------------


def explanation_record(decision: Decision) -> dict[str, object]:
    """The compact explanation stored with a decision: per offer (best score first) its
    score and components in millionths, None where the offer is not eligible.

    The batch recompute writes the same shape, so the two paths can be compared.
    """
    ordered = sorted(
        decision.verdicts,
        key=lambda v: (v.score is None, -(v.score or 0.0), v.offer.offer_id),
    )
    return {
        "lowest_minor": decision.lowest_landed.minor if decision.lowest_landed else None,
        "competitive_minor": decision.competitive.minor if decision.competitive else None,
        "recent_minor": decision.recent_price.minor if decision.recent_price else None,
        "suppressed_because": decision.suppressed_because,
        "offer_ids": [v.offer.offer_id for v in ordered],
        "scores": [millionths(v.score) if v.score is not None else None for v in ordered],
        "components": {
            name: [millionths(v.components[name]) if v.components else None for v in ordered]
            for name in COMPONENTS
        },
    }


def explain_json(decision: Decision) -> dict[str, object]:
    """The explanation as ``souk buybox explain --json`` prints it."""
    featured = decision.verdict(decision.featured_offer_id) if decision.featured_offer_id else None
    ordered = sorted(
        decision.verdicts,
        key=lambda v: (v.score is None, -(v.score or 0.0), v.offer.offer_id),
    )
    return {
        "featured": (
            {"seller_id": featured.offer.seller_id, "sku": featured.offer.sku}
            if featured is not None
            else None
        ),
        "offers": [
            {
                "seller_id": v.offer.seller_id,
                "sku": v.offer.sku,
                "eligible": v.eligible,
                "score": round(v.score, 4) if v.score is not None else None,
                "reasons": list(v.reasons),
            }
            for v in ordered
        ],
    }
