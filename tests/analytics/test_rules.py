"""Analytics rules: ratios, MASE and the naive seasonal baseline, restock, peak hours."""

from __future__ import annotations

import math
from datetime import date

import pytest

from souk.analytics import rules


def test_unit_session_percentage_and_rates() -> None:
    assert rules.unit_session_percentage(3, 12) == 25.0
    assert rules.unit_session_percentage(3, 0) is None
    assert rules.rate(1, 4) == 25.0
    assert rules.rate(1, 0) is None
    assert rules.repeat_purchase_rate([1, 2, 3, 1]) == 50.0
    assert rules.repeat_purchase_rate([]) is None


def test_naive_seasonal_repeats_the_last_season() -> None:
    history = [1, 2, 3, 4, 5, 6, 7, 10, 20, 30, 40, 50, 60, 70]
    assert rules.naive_seasonal(history, 7, 9) == [10, 20, 30, 40, 50, 60, 70, 10, 20]
    with pytest.raises(ValueError):
        rules.naive_seasonal([1, 2], 7, 3)


def test_mase_scales_by_the_in_sample_naive_error() -> None:
    training = [0, 0, 4, 4, 0, 0, 4, 4]  # season 2: every pair differs by 4
    scale = sum(abs(training[i] - training[i - 2]) for i in range(2, 8)) / 6
    assert scale == 4
    assert rules.mase([4, 4], [3, 5], training, 2) == pytest.approx(1 / scale)
    assert rules.mase([1], [1], [2, 2, 2], 1) == 0.0
    assert math.isinf(rules.mase([1], [2], [2, 2, 2], 1))
    with pytest.raises(ValueError):
        rules.mase([1, 2], [1], training, 2)
    with pytest.raises(ValueError):
        rules.mase([1], [1], [1, 2], 2)


def test_weekly_sums_days_into_weeks() -> None:
    weeks = rules.weekly(date(2026, 3, 2), [1.0] * 14 + [5.0], [0.5] * 15, [2.0] * 15)
    assert [(w.week_start, w.units, w.low, w.high) for w in weeks] == [
        (date(2026, 3, 2), 7.0, 3.5, 14.0),
        (date(2026, 3, 9), 7.0, 3.5, 14.0),
    ]


def test_restock_covers_lead_time_and_a_review_period_with_safety_stock() -> None:
    today = date(2026, 3, 2)
    # 10 a day, 14 days lead + 7 review = 210 needed; safety 1.65 * 2 * sqrt(21) = 15.1
    suggestion = rules.restock_suggestion(today, 100, [10.0] * 60, 2.0, 14, 7, 1.65)
    assert suggestion.units == math.ceil(210 + 1.65 * 2 * math.sqrt(21) - 100)
    assert suggestion.safety_stock == 16
    assert suggestion.days_of_cover == 10  # 100 units at 10 a day
    assert suggestion.send_by == today  # already inside the lead time
    plenty = rules.restock_suggestion(today, 1000, [10.0] * 60, 2.0, 14, 7, 1.65)
    assert plenty.units == 0
    later = rules.restock_suggestion(today, 300, [10.0] * 60, 0.0, 5, 7, 1.65)
    assert later.units == 0 and later.days_of_cover == 30
    slow = rules.restock_suggestion(today, 100, [5.0] * 60, 0.0, 5, 7, 1.65)
    assert slow.days_of_cover == 20 and slow.send_by == date(2026, 3, 17)  # 20 - 5 days
    with pytest.raises(ValueError):
        rules.restock_suggestion(today, 1, [1.0], 0.0, -1, 7, 1.65)


def test_peak_hours() -> None:
    hours = [9, 9, 20, 20, 20, 13]
    assert rules.peak_hours(hours, top=2) == [20, 9]
    assert rules.peak_hours([]) == []
    assert rules.hour_histogram([23, 23, 0])[23] == 2
