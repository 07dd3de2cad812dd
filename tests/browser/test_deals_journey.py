"""Browser journey: a seller creates a lightning deal and schedules a product banner for
buyers in New York starting at 08:00 in each buyer's zone on the day clocks go forward;
a New Yorker sees both from 08:00 local time, a Californian never does."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from souk.core.clock import FrozenClock, utc
from souk.core.config import Settings
from souk.core.migrate import upgrade
from souk.core.runtime import Runtime
from tests import factories as f
from tests.browser.test_journeys import CHROMIUM, CHROMIUM_ARGS, SHOTS, _free_port, _product_shot
from tests.promotions import support as s

pytestmark = pytest.mark.browser


@pytest.fixture
def deals_shop(tmp_path: Path) -> Iterator[tuple[str, Runtime, dict[str, str]]]:
    import threading
    import time

    import uvicorn

    from souk.catalog.rules import ProductDraft
    from souk.catalog.service import create_product
    from souk.web.app import create_app

    url = f"sqlite:///{tmp_path / 'souk.db'}"
    upgrade(url)
    settings = Settings(
        var_dir=tmp_path / "var", database_url=url, secret_key="deals", run_background=False
    )
    # Saturday 7 March 2026, evening in New York: the deal is set up the day before.
    rt = Runtime.build(settings, clock=FrozenClock(utc(2026, 3, 7, 23)))
    rt.deliver_inline()
    with rt.sessions() as session:
        seller = f.seller(session, rt.clock, name="Kettle House")
        kettle = create_product(
            session,
            rt.clock,
            ProductDraft(
                title="Acme Steel Kettle 1.7 l, Rapid Boil",
                category_path="Home & Kitchen/Kitchen/Kettles",
                brand="Acme",
                description="A quiet, fast kettle.",
                bullets=("Boils 1.7 litres in under 4 minutes",),
            ),
            images=[(_product_shot("Acme", "#8a9aa9"), "Acme steel kettle")],
            media=rt.media,
        ).product
        f.offer(
            session, rt.clock, seller_id=seller.id, asin=kettle.asin, price="39.99",
            quantity=40, sku="KETTLE-17",
        )  # fmt: skip
        people = {
            "asin": kettle.asin,
            "title": kettle.title,
            "seller": seller.email,
            "new_yorker": s.buyer_in(session, rt.clock, "NY").user.email,
            "californian": s.buyer_in(session, rt.clock, "CA").user.email,
        }
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
    yield f"http://127.0.0.1:{port}", rt, people
    server.should_exit = True
    thread.join(timeout=10)
    rt.close()


def _sign_in(page, base: str, email: str, next_path: str) -> None:  # type: ignore[no-untyped-def]
    page.context.clear_cookies()
    page.goto(f"{base}/signin?next={next_path}")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(f.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"**{next_path}")


def test_state_targeted_lightning_deal_starts_at_local_time_for_that_state_only(deals_shop) -> None:  # type: ignore[no-untyped-def]
    import playwright.sync_api as playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed: make test installs it")
    base, rt, people = deals_shop
    SHOTS.mkdir(parents=True, exist_ok=True)
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_context(viewport={"width": 1360, "height": 900}).new_page()

        # The seller creates the deal in Seller Central.
        _sign_in(page, base, people["seller"], "/seller/promotions")
        page.get_by_role("link", name="Create a lightning deal").click()
        page.get_by_label("Name").fill("Sunday morning kettle deal")
        page.get_by_label("SKUs").fill("KETTLE-17")
        page.get_by_label("Deal price (USD)").fill("27.99")
        page.get_by_label("Units in the deal").fill("12")
        page.get_by_label("Starts").fill("2026-03-08T08:00")
        page.get_by_label("Ends").fill("2026-03-08T14:00")
        page.get_by_label("Start and end at these times in each buyer's own time zone").check()
        page.get_by_label("States or provinces").fill("NY")
        page.get_by_label("Deal price (USD)").fill("45.00")
        page.get_by_role("button", name="Create lightning deal").click()
        assert page.get_by_text("The deal price must be below the current price.").is_visible()
        page.get_by_label("Deal price (USD)").fill("27.99")
        page.screenshot(path=str(SHOTS / "d1-seller-deal-form.png"), full_page=True)
        page.get_by_role("button", name="Create lightning deal").click()
        page.wait_for_url("**/seller/promotions?created=*")
        row = page.get_by_role("row", name="Sunday morning kettle deal")
        assert row.get_by_text("US-NY").is_visible()
        assert row.get_by_text("Scheduled").is_visible()
        page.screenshot(path=str(SHOTS / "d2-seller-promotions.png"), full_page=True)

        # The seller schedules a banner for the same buyers and times.
        page.get_by_role("link", name="Schedule a product banner").click()
        page.wait_for_url("**/seller/promotions/banners")
        page.get_by_label("Product", exact=True).fill("KETTLE-17")
        page.get_by_label("Headline").fill("Ask us at kettles@example.com about colours")
        page.get_by_label("Starts").fill("2026-03-08T08:00")
        page.get_by_label("Ends").fill("2026-03-08T14:00")
        page.get_by_label("Start and end at these times in each buyer's own time zone").check()
        page.get_by_label("States or provinces").fill("NY")
        page.get_by_role("button", name="Schedule banner").click()
        assert page.get_by_text("buyers reach sellers through souk only").is_visible()
        page.get_by_label("Headline").fill("Now in brushed copper: same quiet boil")
        page.get_by_label("Image (optional)").set_input_files(
            files=[
                {
                    "name": "copper.png",
                    "mimeType": "image/png",
                    "buffer": _product_shot("Acme", "#b87333"),
                }
            ]
        )
        page.get_by_role("button", name="Schedule banner").click()
        page.wait_for_url("**/seller/promotions/banners?created=*")
        row = page.get_by_role("row", name="Now in brushed copper")
        assert row.get_by_text("US-NY").is_visible()
        assert row.get_by_text("Scheduled").is_visible()
        page.screenshot(path=str(SHOTS / "d2b-seller-banners.png"), full_page=True)

        # 07:59 in New York on the day clocks went forward (11:59 UTC): not yet.
        rt.clock.set(utc(2026, 3, 8, 11, 59))  # type: ignore[attr-defined]
        _sign_in(page, base, people["new_yorker"], "/deals")
        assert page.get_by_text(people["title"]).count() == 0
        # 08:00 EDT is 12:00 UTC: the deal is on for the New Yorker.
        rt.clock.set(utc(2026, 3, 8, 12, 0))  # type: ignore[attr-defined]
        page.goto(f"{base}/deals")
        card = page.locator(f"article.deal-card[data-asin='{people['asin']}']")
        assert card.get_by_text("Lightning deal").is_visible()
        assert card.get_by_text("0% claimed").is_visible()
        assert card.get_by_text("Ends in 6 h 00 min").is_visible()
        page.screenshot(path=str(SHOTS / "d3-deals-new-york.png"), full_page=True)
        card.get_by_role("link", name=people["title"]).click()
        page.wait_for_url(f"**/dp/{people['asin']}")
        assert page.get_by_text("Save $12.00").is_visible()
        banner = page.locator("aside.product-banner")
        assert banner.get_by_text("Now in brushed copper: same quiet boil").is_visible()
        assert banner.locator("img").evaluate("img => img.naturalWidth") == 800
        page.screenshot(path=str(SHOTS / "d4-product-deal.png"), full_page=True)
        page.get_by_role("button", name="Add to Cart").first.click()
        page.wait_for_url("**/cart*")
        assert page.get_by_text("$27.99").first.is_visible()

        # The Californian is outside the audience: nothing at 08:00 Pacific either.
        rt.clock.set(utc(2026, 3, 8, 15, 30))  # type: ignore[attr-defined]
        _sign_in(page, base, people["californian"], "/deals")
        assert page.get_by_text(people["title"]).count() == 0
        page.goto(f"{base}/dp/{people['asin']}")
        assert page.get_by_text("Lightning deal").count() == 0
        assert page.locator("aside.product-banner").count() == 0
        assert page.get_by_text("Now in brushed copper").count() == 0
        assert page.get_by_text("$39.99").first.is_visible()
        page.screenshot(path=str(SHOTS / "d5-product-california.png"), full_page=True)
        browser.close()
