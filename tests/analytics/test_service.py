"""Seller analytics on both databases, from real orders, views, messages and searches."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient

from souk.analytics import service
from souk.analytics.backtest import backtest
from souk.core.errors import InvalidInput
from souk.web.app import create_app
from tests.analytics.support import DAYS, WEEKDAY_UNITS, build_trade
from tests.web.conftest import Browser


@pytest.fixture
def trade(rt, session):
    return build_trade(rt, session)


def test_business_report_by_day_and_product(rt, session, trade):
    seller, kettle, _ = trade
    report = service.business_report(
        session, seller.id, "US", date(2026, 2, 2), date(2026, 2, 2) + timedelta(days=DAYS - 1)
    )
    expected_units = sum(WEEKDAY_UNITS[d % 7] for d in range(DAYS))
    assert report.total("units") == expected_units
    assert report.total("orders") == DAYS
    assert report.total("sales_minor") == expected_units * 2000
    assert report.total("sessions") == 3 * DAYS  # v1's second view is the same session
    assert report.total("page_views") == 4 * DAYS
    first = report.by_day[0]
    assert (first.key, first.units, first.sessions) == ("2026-02-02", 1, 3)
    assert first.unit_session_percentage == pytest.approx(100 / 3)
    assert [p.key for p in report.by_product] == [kettle.asin]
    with pytest.raises(InvalidInput):
        service.business_report(session, seller.id, "US", date(2026, 2, 5), date(2026, 2, 1))


def test_buyer_behaviour_in_buyers_local_time(rt, session, trade):
    seller, _, _ = trade
    behaviour = service.buyer_behaviour(
        session, seller.id, "US", date(2026, 2, 2), date(2026, 2, 22)
    )
    assert behaviour.orders == DAYS and behaviour.buyers == 2
    assert behaviour.repeat_purchase_rate == 100.0
    # Orders at 15:00 UTC: 10:00 in New York, 07:00 in San Francisco.
    assert behaviour.order_hours[10] == 14 and behaviour.order_hours[7] == 7
    assert behaviour.peak_order_hours[0] == 10
    assert behaviour.return_rate == 0.0


def test_forecast_finds_the_weekly_pattern_and_suggests_a_restock(rt, session, trade):
    seller, _, _ = trade
    today = rt.clock.now().date()
    result = service.sku_forecast(
        session, seller.id, "US", "KETTLE-1", today=today, weeks=4, lead_time_days=14
    )
    assert result.forecast.method == "holt_winters"
    assert len(result.weeks) == 4
    assert sum(result.history) == sum(WEEKDAY_UNITS[d % 7] for d in range(DAYS))
    daily = result.forecast.daily
    # Saturdays sell most (3 units a week), weekdays one.
    saturday = next(i for i in range(7) if (today + timedelta(days=i)).weekday() == 5)
    monday = next(i for i in range(7) if (today + timedelta(days=i)).weekday() == 0)
    assert daily[saturday] > daily[monday] + 1
    assert all(
        lo <= mid <= hi
        for lo, mid, hi in zip(result.forecast.low, daily, result.forecast.high, strict=True)
    )
    assert result.restock.units == 0  # 500 - 55 units in stock
    with pytest.raises(InvalidInput) as error:
        service.sku_forecast(
            session, seller.id, "US", "KETTLE-1", today=today, weeks=13, lead_time_days=14
        )
    assert error.value.field == "weeks"
    with pytest.raises(InvalidInput):
        service.sku_forecast(
            session, seller.id, "US", "NOPE", today=today, weeks=4, lead_time_days=1
        )


def test_search_terms_show_own_clicks_and_click_share(rt, session, trade):
    seller, _, _ = trade
    terms = service.search_terms(session, seller.id, "US", date(2026, 2, 2), date(2026, 2, 22))
    assert [(t.query, t.searches, t.impressions, t.clicks, t.all_clicks) for t in terms] == [
        ("steel kettl", 1, 1, 1, 2)
    ]
    assert terms[0].click_share == 50.0


def test_analytics_pages_and_csv(rt, session, trade):
    seller, kettle, _ = trade
    session.commit()
    with TestClient(create_app(rt, background=False)) as client:
        web = Browser(client)
        web.sign_in(seller.email)
        for path in (
            "/seller/analytics?from=2026-02-02&to=2026-02-22",
            "/seller/analytics/behaviour?from=2026-02-02&to=2026-02-22",
            "/seller/analytics/forecast?sku=KETTLE-1&weeks=6&lead_time=10",
            "/seller/analytics/search-terms?from=2026-02-02&to=2026-02-22",
            "/seller/analytics/market",
        ):
            page = web.get(path)
            assert page.status_code == 200, (path, page.text[-500:])
            assert "<svg" in page.text or "search" in path or "market" in path
        bad = web.get("/seller/analytics?from=2026-02-22&to=2026-02-02")
        assert bad.status_code == 400 and "must not be before" in bad.text
        bad = web.get("/seller/analytics/forecast?sku=KETTLE-1&weeks=20&lead_time=10")
        assert bad.status_code == 400
        csv = web.get("/seller/analytics/report.csv?from=2026-02-02&to=2026-02-22&by=product")
        assert csv.headers["content-type"].startswith("text/csv")
        lines = csv.text.strip().splitlines()
        assert lines[0].startswith("asin,title,sessions,page_views,units")
        assert lines[1].startswith(f"{kettle.asin},Acme Steel Kettle,63,84,")


def test_holt_winters_beats_the_naive_seasonal_forecast_on_simulated_demand():
    result = backtest(6, seed=11)
    assert result.mase_model < 0.9 * result.mase_naive
