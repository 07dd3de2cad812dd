"""Browser journey: a buyer returns an item, the seller authorises and refunds it,
the buyer rates the seller and the rating shows on the store page; staff see
the A-to-z claims queue; the seller answers a chargeback and staff record that
the card issuer decided for the seller."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from souk.accounts.models import User
from souk.core.clock import FrozenClock, utc
from souk.core.config import Settings
from souk.core.migrate import upgrade
from souk.core.runtime import Runtime
from souk.returns.service import file_claim, record_chargeback
from souk.sellers.models import SellerUser
from tests import factories as f
from tests.browser.test_journeys import CHROMIUM, CHROMIUM_ARGS, SHOTS, _free_port, _product_shot
from tests.returns import support as s

pytestmark = pytest.mark.browser

EVIDENCE = "Delivered by UPS on the promised day and left at the front door."


@pytest.fixture
def returns_shop(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    import threading
    import time

    import uvicorn

    from souk.catalog.rules import ProductDraft
    from souk.catalog.service import create_product
    from souk.web.app import create_app

    url = f"sqlite:///{tmp_path / 'souk.db'}"
    upgrade(url)
    settings = Settings(
        var_dir=tmp_path / "var", database_url=url, secret_key="returns", run_background=False
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
        offer = f.offer(
            session,
            rt.clock,
            seller_id=seller.id,
            asin=kettle.asin,
            price="34.99",
            shipping="4.99",
            quantity=30,
        )
        buyer, other = f.buyer(session, rt.clock), f.buyer(session, rt.clock)
        staff = f.buyer(session, rt.clock)
        staff.user.is_staff = True
        order = s.delivered_order(rt, session, buyer, offer)
        lost = s.order(rt, session, other, offer)  # never shipped: a claim for staff
        session.commit()
        rt.clock.set(lost.latest_delivery_at + timedelta(days=3))  # type: ignore[attr-defined]
        file_claim(
            session,
            rt.clock,
            buyer_id=other.user.id,
            order_id=lost.id,
            reason="Item not received",
            description="Two weeks on and still nothing arrived.",
        )
        record_chargeback(
            session,
            rt.clock,
            order_id=order.id,
            provider_reference="dp_journey",
            reason="Item not received",
            amount_minor=order.total_minor,
        )
        seller_user = session.scalar(
            select(SellerUser.user_id).where(SellerUser.seller_id == seller.id)
        )
        people = {
            "order": order.id,
            "seller_id": seller.id,
            "buyer": buyer.user.email,
            "seller": session.get(User, seller_user).email,
            "staff": staff.user.email,
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
    yield f"http://127.0.0.1:{port}", people
    server.should_exit = True
    thread.join(timeout=10)
    rt.close()


def _sign_in(page, base: str, email: str, next_path: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/signin?next={next_path}")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(f.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"**{next_path}")


def test_return_refund_and_seller_feedback(returns_shop) -> None:  # type: ignore[no-untyped-def]
    import playwright.sync_api as playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed: make test installs it")
    base, people = returns_shop
    order = people["order"]
    SHOTS.mkdir(parents=True, exist_ok=True)
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        size = {"width": 1360, "height": 900}
        buyer = browser.new_context(viewport=size, locale="en-US").new_page()
        _sign_in(buyer, base, people["buyer"], f"/orders/{order}")
        assert buyer.get_by_text("Return items").first.is_visible()
        buyer.screenshot(path=str(SHOTS / "rt1-order-actions.png"), full_page=True)
        buyer.get_by_role("link", name="Return items").click()
        buyer.wait_for_url(f"**/orders/{order}/return")
        buyer.get_by_role("button", name="Request return").click()
        assert buyer.get_by_text("Choose a reason from the list.").is_visible()
        buyer.get_by_label("Why are you returning it?").select_option("Item arrived damaged")
        buyer.get_by_label("Comments for the seller").fill("The lid hinge is cracked.")
        buyer.screenshot(path=str(SHOTS / "rt2-return-form.png"), full_page=True)
        buyer.get_by_role("button", name="Request return").click()
        buyer.wait_for_url(f"**/orders/{order}?return=*")
        assert buyer.get_by_text("Waiting for the seller").is_visible()

        seller = browser.new_context(viewport=size, locale="en-US").new_page()
        _sign_in(seller, base, people["seller"], "/seller/returns")
        assert seller.get_by_text("The lid hinge is cracked.").is_visible()
        seller.screenshot(path=str(SHOTS / "rt3-seller-returns.png"), full_page=True)
        seller.get_by_role("button", name="Authorise return").click()
        seller.wait_for_url("**/seller/returns?*done=*")
        seller.goto(f"{base}/seller/returns?status=authorized")
        seller.get_by_label("Came back").select_option("as_sold")
        seller.get_by_label("Put sellable units back on sale").check()
        seller.screenshot(path=str(SHOTS / "rt4-seller-receive.png"), full_page=True)

        buyer.reload()
        buyer.get_by_role("link", name="Print return label").click()
        buyer.wait_for_url("**/label")
        assert buyer.get_by_text("PREPAID RETURN").is_visible()
        buyer.screenshot(path=str(SHOTS / "rt5-return-label.png"), full_page=True)

        seller.get_by_role("button", name="Received · refund buyer").click()
        seller.wait_for_url("**/seller/returns?*done=*")

        buyer.goto(f"{base}/orders/{order}")
        refund = buyer.get_by_text("refunded to your card")
        assert refund.is_visible()
        # Damaged on arrival, every unit back: item and delivery are refunded.
        assert "$39.98" in buyer.locator(".fb-block").filter(has_text="Refunds").inner_text()
        buyer.get_by_role("link", name="Leave seller feedback").click()
        buyer.wait_for_url(f"**/orders/{order}/feedback")
        buyer.get_by_text("5 stars", exact=True).click()
        buyer.get_by_label("Comments about the seller").fill(
            "Answered within the hour and refunded as soon as the kettle was back."
        )
        buyer.locator("input[name=on_time][value=yes]").check()
        buyer.screenshot(path=str(SHOTS / "rt6-feedback-form.png"), full_page=True)
        buyer.get_by_role("button", name="Submit feedback").click()
        buyer.wait_for_url(f"**/orders/{order}?feedback=1")
        buyer.screenshot(path=str(SHOTS / "rt7-order-after.png"), full_page=True)

        buyer.goto(f"{base}/sellers/{people['seller_id']}")
        assert buyer.get_by_text("Answered within the hour").is_visible()
        assert buyer.get_by_text("100% positive").is_visible()
        buyer.screenshot(path=str(SHOTS / "rt8-store-feedback.png"), full_page=True)

        seller.goto(f"{base}/seller/feedback")
        assert seller.get_by_text("Answered within the hour").is_visible()
        seller.screenshot(path=str(SHOTS / "rt9-seller-feedback.png"), full_page=True)
        seller.goto(f"{base}/seller/claims")
        assert seller.get_by_text("still nothing arrived").is_visible()
        seller.screenshot(path=str(SHOTS / "rt10-seller-claims.png"), full_page=True)
        seller.get_by_role("link", name="Chargebacks", exact=True).click()
        seller.wait_for_url("**/seller/chargebacks")
        seller.get_by_label("Your evidence for the card issuer").fill(EVIDENCE)
        seller.get_by_role("button", name="Send response").click()
        seller.wait_for_url("**/seller/chargebacks?done=*")
        assert seller.get_by_text("Your response was sent").is_visible()
        seller.screenshot(path=str(SHOTS / "rt10b-seller-chargebacks.png"), full_page=True)

        staff = browser.new_context(viewport=size, locale="en-US").new_page()
        _sign_in(staff, base, people["staff"], "/ops/claims")
        assert staff.get_by_text("still nothing arrived").is_visible()
        staff.screenshot(path=str(SHOTS / "rt11-ops-claims.png"), full_page=True)
        assert staff.get_by_text(EVIDENCE).is_visible()
        staff.get_by_role("button", name="Issuer decided for the seller").click()
        staff.wait_for_url("**/ops/claims?chargeback_decided=*")
        assert staff.get_by_text("Won for the seller", exact=True).is_visible()
        browser.close()
