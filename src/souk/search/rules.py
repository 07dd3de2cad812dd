"""Search rules: how buyer text becomes terms, and how relevance and sales
combine into one ranking. Pure functions; the index and storage live elsewhere."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
MAX_QUERY_TERMS = 12
MAX_QUERY_LENGTH = 200


@dataclass(frozen=True)
class RankingWeights:
    """How much each signal counts; every weight comes from policy."""

    text: float
    sales: float
    conversion: float
    in_stock: float
    delivery: float
    rerank_depth: int
    fuzzy_min_length: int


@dataclass(frozen=True)
class Signals:
    """What the index knows about one candidate besides text relevance."""

    text_score: float
    sales_velocity: float  # decayed units a day
    conversion_rate: float  # orders per click, 0..1
    in_stock: bool
    delivery_days: int  # fastest promised transit + handling


@dataclass(frozen=True)
class ScoreBreakdown:
    text: float
    sales: float
    conversion: float
    availability: float
    delivery: float

    @property
    def total(self) -> float:
        return self.text + self.sales + self.conversion + self.availability + self.delivery


def fold(text: str) -> str:
    """Lower case without accents, as the index's tokenizer sees words."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def query_terms(text: str) -> list[str]:
    """The words of a buyer's query; anything that is not a word is ignored,
    so no input can be a syntax error."""
    return _TOKEN.findall(fold(text[:MAX_QUERY_LENGTH]))[:MAX_QUERY_TERMS]


def score(signals: Signals, best_text_score: float, weights: RankingWeights) -> ScoreBreakdown:
    """One candidate's score: text relevance relative to the best match, boosted
    by selling and converting in proportion to that relevance, plus small
    additive credits for being in stock and arriving soon.

    Scaling the sales boost by relevance means sales order products that
    match the query about equally well, but a best seller that barely matches
    cannot bury a product that matches much better. Sales enter through log1p
    so they stay bounded; text is normalised per query so the weights mean the
    same for every query.
    """
    text = signals.text_score / best_text_score if best_text_score > 0 else 0.0
    sales = math.log1p(max(signals.sales_velocity, 0.0))
    conversion = min(max(signals.conversion_rate, 0.0), 1.0)
    return ScoreBreakdown(
        text=weights.text * text,
        sales=text * weights.sales * sales,
        conversion=text * weights.conversion * conversion,
        availability=weights.in_stock if signals.in_stock else 0.0,
        delivery=weights.delivery / (1 + max(signals.delivery_days, 0)),
    )


class HasSignals(Protocol):
    """Anything carrying a candidate's signals (the index's candidates do)."""

    @property
    def text_score(self) -> float: ...
    @property
    def sales_velocity(self) -> float: ...
    @property
    def conversion_rate(self) -> float: ...
    @property
    def in_stock(self) -> bool: ...
    @property
    def delivery_days(self) -> int: ...


def totals(
    candidates: Sequence[HasSignals], best_text_score: float, weights: RankingWeights
) -> list[float]:
    """Each candidate's ``score(...).total``, without building the breakdowns.

    Ranking needs a total for every candidate of a query (hundreds) but a
    breakdown only for the page shown; the arithmetic is the same as in
    :func:`score`, term by term and summed in the same order, so the totals are
    equal to the last bit and the order they give is the same.
    """
    result = []
    for signals in candidates:
        text = signals.text_score / best_text_score if best_text_score > 0 else 0.0
        sales = math.log1p(max(signals.sales_velocity, 0.0))
        conversion = min(max(signals.conversion_rate, 0.0), 1.0)
        result.append(
            weights.text * text
            + text * weights.sales * sales
            + text * weights.conversion * conversion
            + (weights.in_stock if signals.in_stock else 0.0)
            + weights.delivery / (1 + max(signals.delivery_days, 0))
        )
    return result


def price_bucket(price_minor: int, bounds: list[int]) -> str:
    """The facet bucket a price falls in, by the marketplace's bounds in minor units."""
    lower = 0
    for upper in bounds:
        if price_minor < upper:
            return f"{lower}-{upper}"
        lower = upper
    return f"{lower}-"


def bucket_bounds(key: str, bounds: list[int]) -> tuple[int, int | None] | None:
    """A facet bucket key back into (lowest, highest) minor units, the highest
    included (None: no upper bound); None if the key is not one of ``price_bucket``'s."""
    edges = [0, *bounds]
    for i, lower in enumerate(edges):
        upper = edges[i + 1] if i + 1 < len(edges) else None
        if key == f"{lower}-{upper if upper is not None else ''}":
            return lower, (upper - 1 if upper is not None else None)
    return None


def decayed_sales(units_by_age_days: list[tuple[float, int]], half_life_days: float) -> float:
    """Units sold, each weighted by 2^(-age / half-life): recent sales count most."""
    if half_life_days <= 0:
        raise ValueError("half-life must be positive")
    return float(sum(units * 0.5 ** (age / half_life_days) for age, units in units_by_age_days))
