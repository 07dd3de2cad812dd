"""Messaging in a real browser: a buyer asks from a product page (a phone number
is refused with the reason shown), the seller answers in Seller Central, the
buyer reads the answer. Screenshots go to test-output/screenshots/."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn

from souk.core.config import Settings
from souk.core.migrate import upgrade
from souk.core.runtime import Runtime
from souk.web.app import create_app
from tests import factories as f
from tests.browser.test_journeys import CHROMIUM, CHROMIUM_ARGS, SHOTS, _seed

pytestmark = pytest.mark.browser


@dataclass
class Shop:
    url: str
    kettle_asin: str
    buyer_email: str
    seller_email: str


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[Shop]:
    url = f"sqlite:///{tmp_path / 'souk.db'}"
    upgrade(url)
    settings = Settings(
        var_dir=tmp_path / "var", database_url=url, secret_key="browser-test", run_background=False
    )
    rt = Runtime.build(settings)
    rt.deliver_inline()
    kettle, _ = _seed(rt)
    with rt.sessions() as session:
        buyer = f.buyer(session, rt.clock)
        from souk.sellers.models import Seller

        house = session.query(Seller).filter_by(business_name="Kettle House").one()
        emails = (buyer.user.email, house.email)
        session.commit()
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
    yield Shop(f"http://127.0.0.1:{port}", kettle, *emails)
    server.should_exit = True
    thread.join(timeout=10)
    rt.close()


@pytest.fixture
def browser():  # type: ignore[no-untyped-def]
    import playwright.sync_api as playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed: make test installs it")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with playwright.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def _page(browser):  # type: ignore[no-untyped-def]
    return browser.new_context(viewport={"width": 1360, "height": 900}, locale="en-US").new_page()


def _sign_in(page, shop: Shop, email: str, next_path: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{shop.url}/signin?next={next_path}")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(f.PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_buyer_asks_seller_answers_buyer_reads(shop: Shop, browser) -> None:  # type: ignore[no-untyped-def]
    buyer = _page(browser)
    _sign_in(buyer, shop, shop.buyer_email, f"/dp/{shop.kettle_asin}")
    buyer.wait_for_url(f"**/dp/{shop.kettle_asin}")
    shot(buyer, "msg-01-product-ask")
    buyer.get_by_role("link", name="Ask Kettle House a question").click()
    buyer.wait_for_url("**/messages/new?**")

    buyer.get_by_label("Your message").fill("Can you call me on 212 555 0147 about the kettle?")
    buyer.get_by_role("button", name="Send message").click()
    refusal = buyer.locator("#e-body")
    assert "Phone numbers are not allowed" in refusal.inner_text()
    shot(buyer, "msg-02-phone-refused")

    buyer.get_by_label("Your message").fill("Does the kettle work on 240 V in the UK?")
    buyer.get_by_role("button", name="Send message").click()
    buyer.wait_for_url("**/messages/*?sent=1")
    assert buyer.get_by_text("Does the kettle work on 240 V in the UK?").is_visible()
    thread_url = buyer.url.split("?")[0]
    shot(buyer, "msg-03-buyer-thread")

    seller = _page(browser)
    _sign_in(seller, shop, shop.seller_email, "/seller")
    seller.wait_for_url("**/seller")
    seller.get_by_role("link", name="Messages", exact=True).click()
    seller.wait_for_url("**/seller/messages")
    assert seller.get_by_text("left").first.is_visible()
    assert shop.buyer_email not in seller.content()
    shot(seller, "msg-04-seller-inbox")
    seller.locator("table.msg-inbox a").first.click()
    seller.get_by_label("Your reply").fill("Yes: it works on 110-240 V. Use a UK plug adapter.")
    shot(seller, "msg-05-seller-thread")
    seller.get_by_role("button", name="Send reply").click()
    seller.wait_for_url("**/seller/messages/*?sent=1")
    assert seller.get_by_text("Answered").first.is_visible()

    buyer.goto(thread_url)
    assert buyer.get_by_text("Yes: it works on 110-240 V.").is_visible()
    shot(buyer, "msg-06-buyer-reads-answer")
