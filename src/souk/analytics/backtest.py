"""Backtesting the sales forecast on simulated demand against the naive seasonal
baseline, scored by mean absolute scaled error (MASE)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from souk.analytics.forecast import forecast_daily
from souk.analytics.rules import WEEK, mase, naive_seasonal

# Shoppers buy more at weekends and on Mondays' paydays-and-returns bounce; Monday first.
WEEKDAY_SHAPE = (1.0, 0.92, 0.9, 0.95, 1.08, 1.3, 1.22)


def simulated_demand(rng: np.random.Generator, days: int) -> list[float]:
    """Daily units of one SKU: a popularity drawn log-normally (most SKUs sell a few
    a day, some dozens), a weekly shape with its own strength, a slow trend,
    over-dispersed (negative binomial) noise and rare one-day spikes."""
    base = float(np.exp(rng.normal(math.log(6.0), 0.8)))
    strength = float(rng.uniform(0.4, 1.2))
    shape = np.array([1 + strength * (w - 1) for w in WEEKDAY_SHAPE])
    shift = int(rng.integers(0, WEEK))
    trend = float(rng.normal(0.0, 0.25)) / 365.0  # relative change per day
    dispersion = float(rng.uniform(3.0, 12.0))  # smaller: noisier
    units = []
    for day in range(days):
        mean = base * shape[(day + shift) % WEEK] * max(0.2, 1 + trend * day)
        if rng.random() < 0.01:
            mean *= float(rng.uniform(2.0, 4.0))
        p = dispersion / (dispersion + mean)
        units.append(float(rng.negative_binomial(dispersion, p)))
    return units


@dataclass(frozen=True)
class BacktestResult:
    skus: int
    mase_model: float
    mase_naive: float

    @property
    def ratio(self) -> float:
        return self.mase_model / self.mase_naive


def backtest(
    skus: int, train_days: int = 26 * WEEK, horizon_days: int = 8 * WEEK, seed: int = 2026
) -> BacktestResult:
    """Fit on ``train_days`` of each simulated SKU, forecast ``horizon_days``, and
    average the MASE of the model and of the naive seasonal forecast over SKUs."""
    rng = np.random.default_rng(seed)
    model_scores, naive_scores = [], []
    for _ in range(skus):
        series = simulated_demand(rng, train_days + horizon_days)
        train, actual = series[:train_days], series[train_days:]
        model = forecast_daily(train, horizon_days, band=False).daily
        naive = naive_seasonal(train, WEEK, horizon_days)
        model_scores.append(mase(actual, model, train, WEEK))
        naive_scores.append(mase(actual, naive, train, WEEK))
    return BacktestResult(skus, float(np.mean(model_scores)), float(np.mean(naive_scores)))
