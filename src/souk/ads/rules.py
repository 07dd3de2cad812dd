"""Sponsored Products rules: which ads may show, what they bid, who wins and
what they pay, and whether a budget allows another click.

All amounts are integer minor units of the marketplace currency.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

MATCH_TYPES = ("broad", "phrase", "exact")
TARGET_KINDS = ("keyword", "product", "category")
STRATEGIES = ("fixed", "down_only", "up_and_down")
PLACEMENTS = ("top_of_search", "rest_of_search", "product_page")


def _stem(word: str) -> str:
    # Plural-insensitive matching: "kettles" targets "kettle" and the other way round.
    if len(word) > 3 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("es") and word[-3] in "sxz":
        return word[:-2]
    if len(word) > 2 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def stems(words: list[str]) -> list[str]:
    return [_stem(w) for w in words]


def keyword_matches(keyword: list[str], query: list[str], match_type: str) -> bool:
    """Whether a keyword target (its words) matches a buyer's query (its words).

    broad: every keyword word is in the query, in any order;
    phrase: the keyword's words appear in the query together and in order;
    exact: the query is the keyword (plurals aside).
    """
    if not keyword or not query:
        return False
    k, q = stems(keyword), stems(query)
    if match_type == "exact":
        return k == q
    if match_type == "phrase":
        return any(q[i : i + len(k)] == k for i in range(len(q) - len(k) + 1))
    if match_type == "broad":
        return set(k) <= set(q)
    raise ValueError(f"unknown match type {match_type!r}")


def blocked_by_negatives(negatives: list[tuple[list[str], str]], query: list[str]) -> bool:
    """Negative keywords (exact or phrase) keep an ad group off matching queries."""
    return any(keyword_matches(words, query, kind) for words, kind in negatives)


def placement_bid(base_bid: int, placement_percent: int) -> int:
    """A bid raised by its placement modifier (+0 to +900 %)."""
    if not 0 <= placement_percent <= 900:
        raise ValueError("placement modifiers run from 0 to 900 %")
    return base_bid * (100 + placement_percent) // 100


def strategy_multiplier(strategy: str, placement: str, conversion_ratio: float) -> float:
    """How a bidding strategy moves a bid for one auction.

    ``conversion_ratio`` is this opportunity's predicted conversion over the
    campaign's usual. Fixed bids never move; "down only" lowers bids where a
    sale is less likely (never raises); "up and down" also raises them, by up
    to 100 % at the top of search and 50 % elsewhere.
    """
    if strategy == "fixed":
        return 1.0
    ratio = max(conversion_ratio, 0.0)
    if strategy == "down_only":
        return min(1.0, ratio)
    if strategy == "up_and_down":
        ceiling = 2.0 if placement == "top_of_search" else 1.5
        return min(ceiling, ratio)
    raise ValueError(f"unknown bidding strategy {strategy!r}")


def predicted_ctr(clicks: int, impressions: int, prior_ctr: float, prior_weight: int) -> float:
    """Click-through rate smoothed toward the placement's prior, so a new ad
    neither wins everything nor nothing on its first few impressions."""
    return (clicks + prior_ctr * prior_weight) / (impressions + prior_weight)


@dataclass(frozen=True)
class Bidder:
    ad_id: int
    asin: str
    bid: int  # after placement modifier and strategy, in minor units
    ctr: float  # predicted click-through rate, > 0


@dataclass(frozen=True)
class Award:
    ad_id: int
    asin: str
    slot: int  # 1-based
    price: int  # cost per click, charged only when clicked
    bid: int


def run_auction(bidders: list[Bidder], slots: int, reserve: int, increment: int = 1) -> list[Award]:
    """Generalised second-price auction, ranked by bid x predicted CTR.

    Each winner pays the least it could have bid and kept its slot: the next
    ad's score over its own CTR, plus one increment (one cent); never more
    than its own bid and never less than the reserve. Bids under the reserve
    do not take part. One ad per product: the best-ranked one.
    """
    eligible = sorted(
        (b for b in bidders if b.bid >= reserve and b.ctr > 0),
        key=lambda b: (-(b.bid * b.ctr), -b.bid, b.ad_id),
    )
    seen: set[str] = set()
    ranked = []
    for bidder in eligible:
        if bidder.asin not in seen:
            seen.add(bidder.asin)
            ranked.append(bidder)
    awards = []
    for position, bidder in enumerate(ranked[:slots]):
        if position + 1 < len(ranked):
            follower = ranked[position + 1]
            needed = math.ceil(follower.bid * follower.ctr / bidder.ctr - 1e-9) + increment
        else:
            needed = reserve
        price = min(bidder.bid, max(reserve, needed))
        awards.append(Award(bidder.ad_id, bidder.asin, position + 1, price, bidder.bid))
    return awards


def may_spend(
    *,
    price: int,
    daily_budget: int,
    spent_today: int,
    spent_this_month: int,
    days_elapsed_in_month: int,
    day_fraction: float,
    pacing_slack: float,
) -> bool:
    """Whether a campaign may take a click costing ``price`` now.

    Daily budgets average over the calendar month: the month to date may not
    pass the daily budget times the days so far (today included). Within a
    day, spend is paced to the share of the day gone by, plus some slack, so
    the budget lasts until evening instead of running out at breakfast.
    """
    if price <= 0:
        return True
    month_allowance = daily_budget * days_elapsed_in_month
    if spent_this_month + price > month_allowance:
        return False
    paced = daily_budget * min(1.0, max(day_fraction, 0.0) + pacing_slack)
    return spent_today + price <= paced


def acos(spend: int, sales: int) -> float | None:
    """Advertising cost of sales: spend over attributed sales (None without sales)."""
    return spend / sales if sales > 0 else None
