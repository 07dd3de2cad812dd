"""Daily sales forecasts with Holt-Winters exponential smoothing (statsmodels ETS):
a damped additive trend and weekly seasonality, with an uncertainty band from the
model's simulated future paths. Short histories fall back to simpler models."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from souk.analytics.rules import WEEK

#: Two full weeks are the least the seasonal model can be fitted on.
MIN_SEASONAL_DAYS = 2 * WEEK + 2
BAND_PATHS = 300
BAND_LEVEL = 0.8  # the band holds 80 % of simulated futures


@dataclass(frozen=True)
class Forecast:
    daily: list[float]
    low: list[float]
    high: list[float]
    sigma: float  # standard deviation of one day's error in the fitted history
    method: str  # "holt_winters" | "smoothing" | "average"


def _band(paths: np.ndarray) -> tuple[list[float], list[float]]:
    tail = (1 - BAND_LEVEL) / 2
    low = np.quantile(paths, tail, axis=1)
    high = np.quantile(paths, 1 - tail, axis=1)
    return [max(0.0, float(v)) for v in low], [max(0.0, float(v)) for v in high]


def forecast_daily(
    history: Sequence[float], horizon: int, seed: int = 7, *, band: bool = True
) -> Forecast:
    """Forecast ``horizon`` days after ``history`` (daily units, oldest first); without
    ``band`` the uncertainty band is left out (it costs most of the time)."""
    if horizon < 1:
        raise ValueError("the horizon must be at least one day")
    values = np.asarray([max(0.0, float(v)) for v in history], dtype=float)
    if len(values) == 0 or not values.any():
        zeros = [0.0] * horizon
        return Forecast(zeros, zeros, zeros, 0.0, "average")
    if len(values) < WEEK:
        mean = float(values.mean())
        sigma = float(values.std()) if len(values) > 1 else math.sqrt(mean)
        spread = 1.2816 * sigma
        return Forecast(
            [mean] * horizon,
            [max(0.0, mean - spread)] * horizon,
            [mean + spread] * horizon,
            sigma,
            "average",
        )
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    seasonal = len(values) >= MIN_SEASONAL_DAYS
    with warnings.catch_warnings():
        # Convergence chatter on short or flat series: the fit is still usable.
        warnings.simplefilter("ignore")
        model = ExponentialSmoothing(
            values,
            trend="add" if seasonal else None,
            damped_trend=seasonal,
            seasonal="add" if seasonal else None,
            seasonal_periods=WEEK if seasonal else None,
            initialization_method="estimated",
        )
        fit = model.fit(optimized=True, use_brute=False)
        mean = np.asarray(fit.forecast(horizon), dtype=float)
        residuals = np.asarray(fit.resid, dtype=float)
        sigma = float(np.std(residuals)) if len(residuals) else 0.0
        if not band:
            daily = [max(0.0, float(v)) for v in mean]
            return Forecast(daily, daily, daily, sigma, "holt_winters" if seasonal else "smoothing")
        paths = np.asarray(
            fit.simulate(
                horizon,
                repetitions=BAND_PATHS,
                error="add",
                anchor="end",
                random_state=np.random.RandomState(seed),
            ),
            dtype=float,
        ).reshape(horizon, -1)
    low, high = _band(paths)
    daily = [max(0.0, float(v)) for v in mean]
    # Simulated quantiles can sit a hair off the point forecast on very regular series.
    low = [min(lo, d) for lo, d in zip(low, daily, strict=True)]
    high = [max(hi, d) for hi, d in zip(high, daily, strict=True)]
    return Forecast(daily, low, high, sigma, "holt_winters" if seasonal else "smoothing")
