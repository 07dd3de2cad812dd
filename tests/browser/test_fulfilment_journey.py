"""Browser journey: a seller sends stock to souk and prints box labels; staff
receive it; the offer shows the Prime badge and "Arrives by"; an order ships
from the centre; the seller's statement shows the sale and the fees."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from souk.accounts.rules import PostalAddress
from souk.accounts.service import add_address, register_user
from souk.catalog.rules import ProductDraft
from souk.catalog.service import create_product
from souk.core.clock import FrozenClock, utc
from souk.core.config import Settings
from souk.core.migrate import upgrade
from souk.core.runtime import Runtime
from souk.finance import service as finance
from souk.fulfillment import network
from souk.marketplaces.rules import MARKETPLACES
from souk.orders.service import CheckoutRequest, place_order
from tests import factories as f
from tests.browser.test_journeys import CHROMIUM, CHROMIUM_ARGS, SHOTS, _free_port, _product_shot

pytestmark = pytest.mark.browser


@pytest.fixture
def fc_shop(tmp_path: Path) -> Iterator[tuple[str, Runtime, dict[str, str]]]:
    import uvicorn

    from souk.web.app import create_app

    url = f"sqlite:///{tmp_path / 'souk.db'}"
    upgrade(url)
    settings = Settings(
        var_dir=tmp_path / "var", database_url=url, secret_key="fc", run_background=False
    )
    rt = Runtime.build(settings, clock=FrozenClock(utc(2026, 3, 2, 14)))  # Monday 09:00 NY
    rt.deliver_inline()
    with rt.sessions() as session:
        network.seed_network(session)
        seller = f.seller(session, rt.clock, name="Kettle House")
        kettle = create_product(
            session,
            rt.clock,
            ProductDraft(
                title="Acme Steel Kettle 1.7 l, Rapid Boil",
                brand="Acme",
                category_path="Home & Kitchen/Kitchen/Kettles",
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
            quantity=0,
            channel="PLATFORM",
            sku="KETTLE-FBA",
        )
        finance.add_payout_account(
            session,
            rt.clock,
            finance.TestPayoutProvider(),
            seller_id=seller.id,
            holder="Kettle House LLC",
            bank_name="First Test Bank",
            country="US",
            currency="USD",
            routing_number="011000015",
            account_number="000123456789",
        )
        register_user(
            session,
            rt.clock,
            email="olga@souk.example",
            name="Olga Ops",
            password=f.PASSWORD,
            is_staff=True,
        )
        buyer = f.buyer(session, rt.clock)
        address = add_address(
            session,
            buyer.user.id,
            PostalAddress("Ada Buyer", "1 Ocean Ave", "Santa Monica", "90401", "US", "CA"),
            make_default=True,
        )
        session.commit()
        people = {
            "asin": kettle.asin,
            "seller": seller.email,
            "buyer": buyer.user.email,
            "buyer_id": str(buyer.user.id),
            "address_id": str(address.id),
            "offer_id": str(offer.id),
            "seller_id": seller.id,
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


def test_inbound_to_prime_to_statement(fc_shop) -> None:  # type: ignore[no-untyped-def]
    import playwright.sync_api as playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed: make test installs it")
    base, rt, people = fc_shop
    SHOTS.mkdir(parents=True, exist_ok=True)
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1360, "height": 900}, locale="en-US")
        page = context.new_page()

        # The seller plans a shipment of 24 kettles and prints the box labels.
        _sign_in(page, base, people["seller"], "/seller/fulfilment")
        page.get_by_role("link", name="Create inbound plan").click()
        page.get_by_label("Plan name").fill("Spring kettles")
        page.get_by_label("SKU, row 1").select_option("KETTLE-FBA")
        page.get_by_label("Units, row 1", exact=True).fill("24")
        for name, value in (("Length", "12"), ("Width", "9"), ("Height", "10"), ("Weight", "3.2")):
            page.get_by_label(f"{name}, row 1").fill(value)
        page.screenshot(path=str(SHOTS / "fc1-inbound-plan-form.png"), full_page=True)
        page.get_by_role("button", name="Create plan and split into shipments").click()
        page.wait_for_url("**/seller/fulfilment/plans/FBA*")
        assert page.get_by_text("Plan created").is_visible()
        labels = page.get_by_role("link", name="Print box labels (PDF)")
        pdf = page.request.get(base + labels.get_attribute("href"))
        assert pdf.headers["content-type"] == "application/pdf" and pdf.body()[:4] == b"%PDF"
        page.screenshot(path=str(SHOTS / "fc2-inbound-plan.png"), full_page=True)
        shipments = page.locator("section[id^=shipment-]")
        count = shipments.count()
        assert count >= 2  # split across centres near buyers

        # Staff count every box in; one kettle arrived damaged.
        _sign_in(page, base, "olga@souk.example", "/ops/fulfilment")
        for index in range(count):
            page.get_by_role("link", name="Receive").first.click()
            page.wait_for_url("**/ops/fulfilment/inbound/*")
            if index == 0:
                page.get_by_label("Damaged units of KETTLE-FBA").fill("1")
                page.screenshot(path=str(SHOTS / "fc3-ops-receive.png"), full_page=True)
            page.get_by_role("button", name="Record receipt").click()
            page.wait_for_url("**/ops/fulfilment?done=received")
        assert page.get_by_text("Nothing on the way.").is_visible()

        # The buyer on the west coast sees the Prime badge and an "Arrives by" date.
        _sign_in(page, base, people["buyer"], f"/dp/{people['asin']}")
        buybox = page.locator(".buybox")
        assert buybox.locator(".prime-badge").is_visible()
        assert "Arrives by" in buybox.inner_text()
        page.screenshot(path=str(SHOTS / "fc4-product-prime.png"), full_page=True)

        # Checkout promises, per speed, the network's date for the buyer's address.
        page.get_by_label("Quantity").first.select_option("2")
        page.get_by_role("button", name="Add to Cart", exact=True).click()
        page.wait_for_url("**/cart?added=*")
        page.goto(f"{base}/checkout?address={people['address_id']}")
        standard = page.locator("label.choice", has=page.locator("input[value=standard]"))
        promised = standard.locator(".arrives-by")
        assert promised.inner_text().startswith("Arrives by")
        shown_day = promised.get_attribute("data-arrives")
        page.screenshot(path=str(SHOTS / "fc4b-checkout-promise.png"), full_page=True)

        with rt.sessions() as session:
            order = place_order(
                session,
                rt.clock,
                rt.payments,
                CheckoutRequest(
                    buyer_id=int(people["buyer_id"]),
                    marketplace="US",
                    address_id=int(people["address_id"]),
                    delivery_speed="standard",
                    card=f.GOOD_CARD,
                    idempotency_key="journey",
                    lines=((int(people["offer_id"]), 2),),
                ),
            ).orders[0]
            order_id = order.id
            # The order keeps the date checkout showed.
            zone = MARKETPLACES["US"].zone
            assert order.latest_delivery_at.astimezone(zone).date().isoformat() == shown_day

        # The centre picks, packs and ships it.
        _sign_in(page, base, "olga@souk.example", "/ops/fulfilment")
        for step in ("Pick", "Pack", "Ship"):
            page.locator("#outbound").get_by_role("button", name=step).click()
            page.wait_for_url("**/ops/fulfilment*")
        assert page.locator("#outbound").get_by_text("The queue is empty.").is_visible()

        rt.clock.advance(timedelta(days=15))  # type: ignore[attr-defined]
        with rt.sessions() as session:
            assert finance.settle_due(session, rt.clock, finance.TestPayoutProvider()) >= 1

        _sign_in(page, base, people["seller"], "/seller/payments")
        page.screenshot(path=str(SHOTS / "fc5-payments.png"), full_page=True)
        page.get_by_role("link", name="Mar 2, 2026").first.click()
        page.wait_for_url("**/seller/payments/statements/*")
        text = page.locator("main").inner_text()
        assert order_id in text and "Order shipped" in text
        assert "$69.98" in text  # two kettles sold
        page.screenshot(path=str(SHOTS / "fc6-statement.png"), full_page=True)

        page.goto(
            f"{base}/seller/fees?asin={people['asin']}&price=34.99&unit_cost=12&own_shipping=8"
        )
        assert page.get_by_text("Break-even price").is_visible()
        page.screenshot(path=str(SHOTS / "fc7-fee-calculator.png"), full_page=True)
        context.close()
        browser.close()
