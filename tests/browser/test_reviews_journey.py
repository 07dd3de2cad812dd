"""Browser journey: a buyer with a delivered order reviews it; another marks it helpful."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from souk.core.clock import FrozenClock, utc
from souk.core.config import Settings
from souk.core.migrate import upgrade
from souk.core.runtime import Runtime
from tests import factories as f
from tests.browser.test_journeys import CHROMIUM, CHROMIUM_ARGS, SHOTS, _free_port, _product_shot
from tests.reviews import support as s

pytestmark = pytest.mark.browser


@pytest.fixture
def reviews_shop(tmp_path: Path) -> Iterator[tuple[str, Runtime, dict[str, str]]]:
    import threading
    import time

    import uvicorn

    from souk.catalog.rules import ProductDraft
    from souk.catalog.service import create_product
    from souk.web.app import create_app

    url = f"sqlite:///{tmp_path / 'souk.db'}"
    upgrade(url)
    settings = Settings(
        var_dir=tmp_path / "var", database_url=url, secret_key="reviews", run_background=False
    )
    rt = Runtime.build(settings, clock=FrozenClock(utc(2026, 3, 2, 14)))
    rt.deliver_inline()
    with rt.sessions() as session:
        seller = f.seller(session, rt.clock, name="Kettle House")
        kettle = create_product(
            session,
            rt.clock,
            ProductDraft(
                title="Acme Steel Kettle 1.7 l, Rapid Boil, Stainless Steel",
                category_path="Home & Kitchen/Kitchen/Kettles",
                brand="Acme",
                description="A quiet, fast kettle with a limescale filter.",
                bullets=("Boils 1.7 litres in under 4 minutes",),
            ),
            images=[(_product_shot("Acme", "#8a9aa9"), "Acme steel kettle")],
            media=rt.media,
        ).product
        offer = f.offer(session, rt.clock, seller_id=seller.id, asin=kettle.asin, price="34.99")
        author, reader = f.buyer(session, rt.clock), f.buyer(session, rt.clock)
        s.delivered_order(rt, session, author, offer)
        s.delivered_order(rt, session, reader, offer)
        rt.clock.advance(timedelta(days=20))  # type: ignore[attr-defined]
        people = {
            "asin": kettle.asin,
            "author": author.user.email,
            "reader": reader.user.email,
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
    page.goto(f"{base}/signin?next={next_path}")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(f.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"**{next_path}")


def test_buyer_reviews_a_delivered_order_and_another_finds_it_helpful(reviews_shop) -> None:  # type: ignore[no-untyped-def]
    import playwright.sync_api as playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed: make test installs it")
    base, _rt, people = reviews_shop
    asin = people["asin"]
    SHOTS.mkdir(parents=True, exist_ok=True)
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        author = browser.new_context(viewport={"width": 1360, "height": 900}, locale="en-US")
        page = author.new_page()
        _sign_in(page, base, people["author"], f"/dp/{asin}")
        assert page.get_by_role("link", name="No customer reviews yet").is_visible()
        page.get_by_role("link", name="Write a customer review").click()
        page.wait_for_url(f"**/review/create/{asin}")
        assert page.get_by_text("Verified Purchase").is_visible()
        page.get_by_label("Add a headline").fill("Quiet, fast and easy to clean")
        page.get_by_label("Add a written review").fill("Too short")
        page.get_by_role("button", name="Submit").click()
        assert page.get_by_text("Choose from 1 to 5 stars.").is_visible()
        page.screenshot(path=str(SHOTS / "r1-review-form-errors.png"), full_page=True)
        page.get_by_text("4 stars", exact=True).click()
        page.get_by_label("Add a written review").fill(
            "Boils a full litre in under three minutes and the filter keeps scale out of the cup."
        )
        page.get_by_role("button", name="Submit").click()
        page.wait_for_url("**/thanks")
        assert page.get_by_text("is live").is_visible()
        page.get_by_role("link", name="Back to the product").click()
        section = page.locator("#reviews")
        assert section.get_by_text("Quiet, fast and easy to clean").first.is_visible()
        assert section.get_by_text("Verified Purchase").first.is_visible()
        page.screenshot(path=str(SHOTS / "r2-product-reviews.png"), full_page=True)
        author.close()

        reader = browser.new_context(viewport={"width": 1360, "height": 900}, locale="en-US")
        page = reader.new_page()
        _sign_in(page, base, people["reader"], f"/dp/{asin}/reviews")
        page.get_by_role("button", name="Helpful").click()
        page.wait_for_url("**voted=*")
        assert page.get_by_text("1 person found this helpful").is_visible()
        assert page.get_by_text("Thank you for your feedback.").is_visible()
        page.screenshot(path=str(SHOTS / "r3-helpful-vote.png"), full_page=True)
        reader.close()
        browser.close()
