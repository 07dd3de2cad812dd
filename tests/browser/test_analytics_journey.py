"""Browser journey: a seller reads its business report, downloads it, forecasts a SKU
and gets a restock suggestion."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from souk.core.config import Settings
from souk.core.migrate import upgrade
from souk.core.runtime import Runtime
from tests import factories as f
from tests.analytics.support import build_trade
from tests.browser.test_journeys import CHROMIUM, CHROMIUM_ARGS, SHOTS, _free_port

pytestmark = pytest.mark.browser


@pytest.fixture
def analytics_shop(tmp_path: Path) -> Iterator[tuple[str, str]]:
    import threading
    import time

    import uvicorn

    from souk.core.clock import FrozenClock, utc
    from souk.offers.service import update_quantity
    from souk.web.app import create_app

    url = f"sqlite:///{tmp_path / 'souk.db'}"
    upgrade(url)
    settings = Settings(
        var_dir=tmp_path / "var", database_url=url, secret_key="analytics", run_background=False
    )
    rt = Runtime.build(settings, clock=FrozenClock(utc(2026, 2, 2, 15)))
    rt.deliver_inline()
    with rt.sessions() as session:
        seller, _, offer = build_trade(rt, session)
        update_quantity(session, rt.clock, offer, 12)  # low: the forecast says restock
        email = seller.email
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(rt, background=False), host="127.0.0.1", port=port, log_level="warning"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started
    yield f"http://127.0.0.1:{port}", email
    server.should_exit = True
    thread.join(timeout=10)
    rt.close()


def test_seller_reads_reports_and_a_forecast_with_restock(analytics_shop) -> None:  # type: ignore[no-untyped-def]
    import playwright.sync_api as playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed: make test installs it")
    base, email = analytics_shop
    SHOTS.mkdir(parents=True, exist_ok=True)
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_context(viewport={"width": 1360, "height": 900}).new_page()
        page.goto(f"{base}/signin?next=/seller/analytics")
        page.get_by_label("E-mail address").fill(email)
        page.get_by_label("Password").fill(f.PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/seller/analytics")
        page.get_by_label("From").fill("2026-02-02")
        page.get_by_label("To").fill("2026-02-22")
        page.get_by_role("button", name="Show").click()
        page.wait_for_url("**from=2026-02-02*")
        kpi = page.locator(".kpi", has_text="Units ordered")
        assert kpi.locator(".value").inner_text() == "33"  # three weeks of 1+1+1+1+2+3+2
        assert page.locator("figure.chart-box svg").count() == 1
        page.screenshot(path=str(SHOTS / "a1-business-report.png"), full_page=True)
        with page.expect_download() as download:
            page.get_by_role("link", name="Download CSV").first.click()
        assert download.value.suggested_filename.startswith("business-report-day-")

        page.get_by_role("link", name="Forecast & restock").click()
        page.wait_for_url("**/seller/analytics/forecast")
        page.get_by_label("Lead time (days)").fill("10")
        page.get_by_role("button", name="Forecast").click()
        restock = page.locator(".kpi", has_text="Restock suggestion")
        assert "units" in restock.locator(".value").inner_text()
        assert "send by" in restock.inner_text()
        assert page.get_by_text("Holt-Winters exponential smoothing").is_visible()
        page.screenshot(path=str(SHOTS / "a2-forecast.png"), full_page=True)

        page.get_by_role("link", name="Buyer behaviour").click()
        assert (
            page.locator(".kpi", has_text="Repeat purchase rate").locator(".value").inner_text()
            == "100.0%"
        )
        page.screenshot(path=str(SHOTS / "a3-behaviour.png"), full_page=True)
        browser.close()
