"""Recommendation decisions as pure functions: scoring, filters, diversity,
repeat purchases and browsing-history merges. No I/O, no clock reads."""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime


def expected_cooccurrence(history_lengths: Iterable[int], share_of_y: float) -> float:
    """Smith & Linden (2017): how often Y would share a history with X by chance.

    ``history_lengths`` are the sizes |c| of the histories (buyers or baskets)
    that hold X; ``share_of_y`` is P_Y, Y's share of all interactions.
    E_XY = sum over c of [1 - (1 - P_Y)^|c|].
    """
    return sum(1.0 - math.pow(1.0 - share_of_y, length) for length in history_lengths)


def corrected_score(together: float, expected: float, alpha: float = 0.5) -> float:
    """(N_XY - E_XY) / E_XY^alpha: how far co-occurrence beats chance (alpha 0.5: a z-score)."""
    return (together - expected) / math.pow(max(expected, 1e-9), alpha)


def recency_weight(age_days: float, half_life_days: float) -> float:
    """An interaction's weight, halving every ``half_life_days``."""
    return math.pow(0.5, max(0.0, age_days) / half_life_days)


@dataclass(frozen=True)
class Candidate:
    """A product a widget might show, with what the filters need to know."""

    asin: str
    score: float
    family: str  # the variation parent's ASIN, or the product's own
    buyable: bool  # a featured offer in stock in this marketplace
    adult: bool


def choose(
    candidates: Iterable[Candidate],
    *,
    limit: int,
    per_family: int,
    adult_allowed: bool,
    exclude: Iterable[str] = (),
) -> list[Candidate]:
    """The best ``limit`` candidates worth showing: buyable, never excluded, adult items
    only where the context allows, and at most ``per_family`` variants of one product."""
    excluded = set(exclude)
    chosen: list[Candidate] = []
    families: dict[str, int] = {}
    for candidate in sorted(candidates, key=lambda c: (-c.score, c.asin)):
        if len(chosen) >= limit:
            break
        if candidate.asin in excluded or not candidate.buyable:
            continue
        if candidate.adult and not adult_allowed:
            continue
        if families.get(candidate.family, 0) >= per_family:
            continue
        families[candidate.family] = families.get(candidate.family, 0) + 1
        excluded.add(candidate.asin)
        chosen.append(candidate)
    return chosen


def may_recommend_again(
    *, days_since_bought: float, consumable: bool, typical_repeat_days: float
) -> bool:
    """Whether something the buyer already bought may be suggested again.

    A durable good just bought is not (one kettle is enough); a consumable is, once
    about ``typical_repeat_days`` have passed since it was last bought.
    """
    return consumable and days_since_bought >= typical_repeat_days


def repeat_boost(days_since_bought: float, typical_repeat_days: float) -> float:
    """How due a consumable is: 0 just after buying, 1 when its usual interval has passed."""
    if typical_repeat_days <= 0:
        return 1.0
    return min(1.0, days_since_bought / typical_repeat_days)


@dataclass(frozen=True)
class Viewed:
    asin: str
    at: datetime


def merge_history(guest: Sequence[Viewed], buyer: Sequence[Viewed], limit: int) -> list[Viewed]:
    """A guest's browsing history joined to the buyer's at sign-in: one entry per
    product at its latest view, newest first, at most ``limit`` kept."""
    latest: dict[str, datetime] = {}
    for item in [*guest, *buyer]:
        if item.asin not in latest or item.at > latest[item.asin]:
            latest[item.asin] = item.at
    ordered = sorted(latest.items(), key=lambda pair: (pair[1], pair[0]), reverse=True)
    return [Viewed(asin, at) for asin, at in ordered[:limit]]


def title_terms(title: str, min_length: int) -> set[str]:
    """Words of a title that say what the product is (short words carry little)."""
    words = "".join(ch.lower() if ch.isalnum() else " " for ch in title).split()
    return {w for w in words if len(w) >= min_length and not w.isdigit()}


def content_similarity(
    terms_a: set[str],
    terms_b: set[str],
    *,
    same_category: bool,
    same_brand: bool,
    category_weight: float,
    brand_weight: float,
) -> float:
    """Cold-start closeness of two products: title-term overlap (Jaccard) plus
    weights for sharing a category and a brand."""
    union = terms_a | terms_b
    overlap = len(terms_a & terms_b) / len(union) if union else 0.0
    return (
        overlap
        + (category_weight if same_category else 0.0)
        + (brand_weight if same_brand else 0.0)
    )


def trending_score(daily_counts: Iterable[tuple[int, float]], half_life_days: float) -> float:
    """Recent activity with decay: sum of count x 0.5^(days ago / half life)."""
    return sum(count * recency_weight(days_ago, half_life_days) for days_ago, count in daily_counts)


def bundle_total(prices_minor: Sequence[int]) -> int:
    """The combined price of a frequently-bought-together bundle, in minor units."""
    return sum(prices_minor)


def damped(value: float) -> float:
    """log(1 + x): keeps one enthusiastic visitor from outweighing many."""
    return math.log1p(max(0.0, value))


def digest_period(today: date, every_days: int) -> date:
    """The first day of the digest period holding ``today``. Periods are counted from
    0001-01-01, a Monday, so weekly periods run Monday to Sunday."""
    if every_days < 1:
        raise ValueError("A digest period is at least one day.")
    return date.fromordinal(1 + (today.toordinal() - 1) // every_days * every_days)


_UNSUBSCRIBE = b"recs-digest-unsubscribe:"


def unsubscribe_token(buyer_id: int, key: bytes) -> str:
    """The signed token of a digest's unsubscribe link: the buyer, and a MAC only
    souk can make, so the link works without signing in and cannot be forged."""
    mac = hmac.new(key, _UNSUBSCRIBE + str(buyer_id).encode(), hashlib.sha256).digest()[:16]
    return f"{buyer_id}.{base64.urlsafe_b64encode(mac).decode().rstrip('=')}"


def unsubscribe_buyer(token: str, key: bytes) -> int | None:
    """The buyer an unsubscribe token was made for, or None if souk did not make it."""
    buyer, _, signature = token.strip().partition(".")
    well_formed = token.isascii() and buyer.isdigit() and 0 < len(buyer) <= 18
    if not well_formed or not signature:
        return None
    expected = unsubscribe_token(int(buyer), key).partition(".")[2]
    return int(buyer) if hmac.compare_digest(signature, expected) else None
