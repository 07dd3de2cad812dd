"""Best Sellers Rank: recent sales with exponential decay, ranked per category.

A product ranks in its own category and in every ancestor of it, so a
kettle has a rank in Kitchen and in Home & Kitchen. Products without
counted sales in the window have no rank, as on the large marketplaces.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class DaySales:
    asin: str
    age_days: int  # 0 = today
    units: int


@dataclass(frozen=True)
class Ranked:
    asin: str
    category_id: int
    rank: int
    score: float


def day_weight(age_days: int, half_life_days: float) -> float:
    """How much a unit sold ``age_days`` ago counts: 2^(-age / half-life)."""
    if half_life_days <= 0:
        raise ValueError("half-life must be positive")
    return float(0.5 ** (age_days / half_life_days))


def decayed_score(sales: Iterable[DaySales], half_life_days: float) -> dict[str, float]:
    """Per product: units weighted by 2^(-age / half-life)."""
    if half_life_days <= 0:
        raise ValueError("half-life must be positive")
    scores: dict[str, float] = defaultdict(float)
    for day in sales:
        if day.units > 0:
            scores[day.asin] += day.units * day_weight(day.age_days, half_life_days)
    return dict(scores)


def rank_by_category(
    scores: dict[str, float], categories_of: dict[str, tuple[int, ...]]
) -> list[Ranked]:
    """Rank products within every category they belong to (own and ancestors).

    Higher score ranks first; equal scores are ordered by product id so ranks
    are stable between runs.
    """
    members: dict[int, list[tuple[float, str]]] = defaultdict(list)
    for asin, score in scores.items():
        if score <= 0:
            continue
        for category_id in categories_of.get(asin, ()):
            members[category_id].append((score, asin))
    ranked: list[Ranked] = []
    for category_id, entries in members.items():
        entries.sort(key=lambda entry: (-entry[0], entry[1]))
        ranked.extend(
            Ranked(asin, category_id, position, score)
            for position, (score, asin) in enumerate(entries, start=1)
        )
    return ranked


def counts_toward_rank(*, buyer_works_for_seller: bool) -> bool:
    """Purchases by the seller's own people never count (canceled orders are
    taken off the rollup when they are canceled)."""
    return not buyer_works_for_seller
