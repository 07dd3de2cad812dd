"""Seller analytics rules: report ratios, forecast error, the naive seasonal baseline,
restock suggestions and peak hours. Pure functions over plain values."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

WEEK = 7


def unit_session_percentage(units: int, sessions: int) -> float | None:
    """Units ordered per 100 sessions (what the large marketplaces call conversion);
    ``None`` without sessions."""
    if sessions <= 0:
        return None
    return 100.0 * units / sessions


def featured_offer_percentage(featured_views: int, page_views: int) -> float | None:
    """Share of a product's page views in which the seller's offer was the featured
    (Buy Box) offer, in percent; ``None`` without page views."""
    if page_views <= 0:
        return None
    return 100.0 * min(featured_views, page_views) / page_views


def rate(part: int, whole: int) -> float | None:
    """``part`` as a percentage of ``whole``, or ``None`` when there is no whole."""
    return None if whole <= 0 else 100.0 * part / whole


def repeat_purchase_rate(orders_per_buyer: Iterable[int]) -> float | None:
    """Percentage of buyers with two or more orders."""
    counts = [c for c in orders_per_buyer if c > 0]
    if not counts:
        return None
    return 100.0 * sum(1 for c in counts if c >= 2) / len(counts)


def naive_seasonal(history: Sequence[float], season: int, horizon: int) -> list[float]:
    """Each future day repeats the same day of the last full season."""
    if season < 1 or len(history) < season:
        raise ValueError("the history must hold at least one full season")
    last = list(history[-season:])
    return [last[h % season] for h in range(horizon)]


def mase(
    actual: Sequence[float], forecast: Sequence[float], training: Sequence[float], season: int
) -> float:
    """Mean absolute scaled error: the forecast's mean absolute error divided by the
    in-sample mean absolute error of the naive seasonal forecast (Hyndman & Koehler)."""
    if len(actual) != len(forecast) or not actual:
        raise ValueError("actual and forecast must be non-empty and of equal length")
    if len(training) <= season:
        raise ValueError("the training history must be longer than one season")
    scale = sum(abs(training[i] - training[i - season]) for i in range(season, len(training)))
    scale /= len(training) - season
    error = sum(abs(a - f) for a, f in zip(actual, forecast, strict=True)) / len(actual)
    if scale == 0:
        return 0.0 if error == 0 else math.inf
    return error / scale


@dataclass(frozen=True)
class WeekForecast:
    week_start: date
    units: float
    low: float
    high: float


def weekly(
    start: date, daily: Sequence[float], low: Sequence[float], high: Sequence[float]
) -> list[WeekForecast]:
    """Daily forecasts and bands summed into weeks starting at ``start``. Band ends add
    up as if days moved together: a cautious (wide) weekly band."""
    weeks = []
    for first in range(0, len(daily) - len(daily) % WEEK, WEEK):
        end = first + WEEK
        weeks.append(
            WeekForecast(
                start + timedelta(days=first),
                sum(daily[first:end]),
                max(0.0, sum(low[first:end])),
                sum(high[first:end]),
            )
        )
    return weeks


@dataclass(frozen=True)
class Restock:
    """How many units to send and by when so stock lasts through the lead time."""

    units: int
    send_by: date
    days_of_cover: int | None  # days the stock on hand lasts at the forecast rate
    safety_stock: int


def restock_suggestion(
    today: date,
    on_hand: int,
    daily_forecast: Sequence[float],
    daily_sigma: float,
    lead_time_days: int,
    review_days: int,
    z: float,
) -> Restock:
    """Order-up-to rule: cover the forecast demand over the lead time plus one review
    period, plus safety stock ``z * sigma * sqrt(lead time + review)``, less the stock
    on hand; send it before the stock on hand runs below the lead-time demand."""
    if lead_time_days < 0 or review_days < 1:
        raise ValueError("lead time must be >= 0 and the review period >= 1 day")
    horizon = lead_time_days + review_days
    demand = [max(0.0, d) for d in daily_forecast]
    if len(demand) < horizon:
        tail = demand[-1] if demand else 0.0
        demand = demand + [tail] * (horizon - len(demand))
    needed = sum(demand[:horizon])
    safety = max(0.0, z * daily_sigma * math.sqrt(horizon))
    units = max(0, math.ceil(needed + safety - on_hand))
    left = float(on_hand)
    cover = None
    for day, want in enumerate(demand):
        left -= want
        if left < 0:
            cover = day
            break
    # Send when what is left would only last the lead time.
    send_in = 0 if cover is None else max(0, cover - lead_time_days)
    if cover is None and units == 0:
        send_in = len(demand)
    return Restock(units, today + timedelta(days=send_in), cover, math.ceil(safety))


def peak_hours(hours: Iterable[int], top: int = 3) -> list[int]:
    """The ``top`` busiest hours (0-23), busiest first, earlier hour on ties."""
    counts = [0] * 24
    for hour in hours:
        counts[hour % 24] += 1
    ranked = sorted(range(24), key=lambda h: (-counts[h], h))
    return [h for h in ranked[:top] if counts[h] > 0]


def hour_histogram(hours: Iterable[int]) -> list[int]:
    counts = [0] * 24
    for hour in hours:
        counts[hour % 24] += 1
    return counts
