"""A seller's path from healthy to suspended to reinstated, in a real browser.

The shop's history is made through souk's own use cases on a frozen clock:
the seller ships every order late, the daily recompute warns, a week later
restricts selling. The seller opens Account health and appeals with a plan of
action; staff approve in the operations console; the offer is back on sale.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import uvicorn

from souk.accounts.service import register_user
from souk.core.clock import FrozenClock
from souk.core.config import Settings
from souk.core.migrate import upgrade
from souk.core.runtime import Runtime
from souk.performance.service import recompute
from souk.sellers.models import Seller
from souk.web.app import create_app
from tests import factories as f
from tests.browser.test_journeys import CHROMIUM, CHROMIUM_ARGS, SHOTS, _free_port
from tests.performance import support as s

pytestmark = pytest.mark.browser
STAFF_PASSWORD = "Operations-Desk-42"


@dataclass
class Story:
    url: str
    rt: Runtime
    seller_email: str
    seller_id: str
    asin: str


def _history(rt: Runtime) -> tuple[str, str, str]:
    with rt.sessions() as session:
        shop = s.shop(rt, session)
        shop.seller.business_name = shop.seller.store_name = "Slowpoke Supplies"
        session.commit()
        placed = [s.buy(rt, session, shop) for _ in range(8)]
        rt.clock.set(max(o.latest_ship_at for o in placed) + timedelta(hours=2))  # type: ignore[attr-defined]
        for order in placed:
            s.ship(rt, session, order)
        register_user(
            session,
            rt.clock,
            email="olga@souk.example",
            name="Olga Ops",
            password=STAFF_PASSWORD,
            is_staff=True,
        )
        ids = shop.seller.email, shop.seller.id, shop.product.asin
    for _ in range(8):  # a week of daily recomputes: warned, then restricted
        recompute(rt.sessions, rt.clock)
        rt.clock.advance(timedelta(days=1))  # type: ignore[attr-defined]
    return ids


@pytest.fixture
def story(tmp_path: Path) -> Iterator[Story]:
    url = f"sqlite:///{tmp_path / 'souk.db'}"
    upgrade(url)
    settings = Settings(
        var_dir=tmp_path / "var", database_url=url, secret_key="browser-test", run_background=False
    )
    rt = Runtime.build(settings, clock=FrozenClock(datetime.now(UTC) - timedelta(days=20)))
    rt.deliver_inline()
    email, seller_id, asin = _history(rt)
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
    assert server.started, "uvicorn did not start"
    yield Story(f"http://127.0.0.1:{port}", rt, email, seller_id, asin)
    server.should_exit = True
    thread.join(timeout=10)
    rt.close()


def _sign_in(tab, url: str, email: str, password: str, then: str) -> None:  # type: ignore[no-untyped-def]
    tab.goto(f"{url}/signin?next={then}")
    tab.get_by_label("E-mail address").fill(email)
    tab.get_by_label("Password").fill(password)
    tab.get_by_role("button", name="Sign in").click()
    tab.wait_for_url(f"**{then}")


def _shot(tab, name: str) -> None:  # type: ignore[no-untyped-def]
    tab.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_seller_appeals_a_restriction_and_staff_reinstate_it(story: Story) -> None:
    import playwright.sync_api as playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed: make test installs it")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with story.rt.sessions() as session:
        assert session.get(Seller, story.seller_id).status == "suspended"
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        seller_ctx = browser.new_context(viewport={"width": 1360, "height": 900}, locale="en-US")
        staff_ctx = browser.new_context(viewport={"width": 1360, "height": 900}, locale="en-US")
        tab = seller_ctx.new_page()
        tab.goto(f"{story.url}/dp/{story.asin}/offers")
        assert "Slowpoke Supplies" not in tab.locator("main").inner_text()
        _sign_in(tab, story.url, story.seller_email, f.PASSWORD, "/seller")
        tab.get_by_role("link", name="Performance").click()
        tab.wait_for_url("**/seller/performance")
        assert tab.get_by_role("heading", name="Account health").first.is_visible()
        assert tab.get_by_test_id("health-rating").inner_text() == "0"
        assert "Critical" in tab.locator(".ah-head").inner_text()
        assert tab.get_by_text("Your selling privileges are suspended.").is_visible()
        metrics = tab.get_by_test_id("metrics").inner_text()
        assert "Late shipment rate (30 days)" in metrics and "Off target" in metrics
        assert tab.locator(".sales-chart svg").count() == 1
        _shot(tab, "perf0-seller-account-health")

        tab.get_by_role("link", name="8 orders").first.click()
        tab.wait_for_url("**/seller/performance/metrics/late_shipment_rate_*")
        assert tab.get_by_test_id("metric-orders").locator("tbody tr").count() == 8
        _shot(tab, "perf1-seller-metric-orders")
        tab.go_back()

        actions = tab.get_by_test_id("actions")
        assert "Selling restriction" in actions.inner_text()
        actions.get_by_role("link", name="Appeal").first.click()
        tab.wait_for_url("**/appeal")
        tab.get_by_role("button", name="Submit appeal").click()
        assert tab.get_by_text("Explain what caused the problem.").is_visible()
        tab.get_by_label("Root cause").fill(
            "Our packer worked alone and orders waited until the weekly courier run."
        )
        tab.get_by_label("Actions taken").fill(
            "We hired a second packer and booked a daily courier collection."
        )
        tab.get_by_label("Preventive measures").fill(
            "Every morning we list orders due to ship that day and ship them first."
        )
        _shot(tab, "perf2-seller-plan-of-action")
        tab.get_by_role("button", name="Submit appeal").click()
        tab.wait_for_url("**/seller/performance?appealed=1")
        assert tab.get_by_text("Under review").is_visible()

        ops = staff_ctx.new_page()
        _sign_in(ops, story.url, "olga@souk.example", STAFF_PASSWORD, "/ops")
        ops.get_by_role("link", name="Appeals").click()
        ops.wait_for_url("**/ops/appeals")
        assert "Slowpoke Supplies" in ops.get_by_test_id("appeals").inner_text()
        _shot(ops, "perf3-ops-appeals-queue")
        ops.get_by_test_id("appeals").get_by_role("link", name="Review", exact=True).click()
        ops.wait_for_url("**/ops/appeals/*")
        assert ops.get_by_text("Our packer worked alone").is_visible()
        assert ops.get_by_text("Late shipment rate (30 days)").first.is_visible()
        _shot(ops, "perf4-ops-appeal-review")
        ops.get_by_label("Note to the seller").fill("Thank you; the daily collection answers it.")
        ops.get_by_role("button", name="Approve and reinstate").click()
        ops.wait_for_url("**/ops/appeals?done=*")

        tab.goto(f"{story.url}/seller/performance")
        assert tab.get_by_text("Your selling privileges are suspended.").count() == 0
        assert "Approved" in tab.get_by_test_id("actions").inner_text()
        _shot(tab, "perf5-seller-reinstated")
        # The offer is on sale again (its metrics still keep it out of the featured spot).
        tab.goto(f"{story.url}/dp/{story.asin}/offers")
        assert "Slowpoke Supplies" in tab.locator("main").inner_text()
        _shot(tab, "perf6-offers-after-reinstatement")
        seller_ctx.close()
        staff_ctx.close()
        browser.close()
    with story.rt.sessions() as session:
        assert session.get(Seller, story.seller_id).status == "active"
