"""Fulfilment, payments, fee calculator, ops receiving and Prime pages on the real app."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from souk.accounts.service import register_user
from souk.finance import service as finance
from souk.fulfillment import network, prime
from souk.fulfillment.models import InboundShipment
from souk.orders.payments import Card
from souk.sellers.models import Seller
from tests import factories as f
from tests.fulfillment.support import UNIT, buy, buyer_at, platform_offer
from tests.web.conftest import browser  # noqa: F401


def _seller_email(session, seller_id):
    return session.get(Seller, seller_id).email


def test_seller_sends_stock_staff_receive_buyer_sees_prime(rt, session, browser):  # noqa: F811
    stocked = platform_offer(rt, session)
    email = _seller_email(session, stocked.seller_id)
    register_user(
        session,
        rt.clock,
        email="olga@souk.example",
        name="Olga Ops",
        password=f.PASSWORD,
        is_staff=True,
    )
    session.commit()

    browser.sign_in(email)
    page = browser.get("/seller/fulfilment")
    assert page.status_code == 200 and "no units in a centre yet" in page.text
    bad = browser.post(
        "/seller/fulfilment/plans",
        {"name": "First", "placement": "split", "sku_1": stocked.sku, "quantity_1": "10"},
    )
    assert bad.status_code == 400 and "Give the unit size and weight" in bad.text
    assert browser.get("/seller/fulfilment").text.count("/seller/fulfilment/plans/FBA") == 0
    made = browser.post(
        "/seller/fulfilment/plans",
        {
            "name": "First",
            "placement": "one_centre",
            "sku_1": stocked.sku,
            "quantity_1": "12",
            "length_1": "12",
            "width_1": "9",
            "height_1": "4",
            "weight_1": "1.2",
        },
    )
    assert made.status_code == 303
    plan_url = made.headers["location"].split("?")[0]
    plan_page = browser.get(plan_url)
    assert "Print box labels (PDF)" in plan_page.text
    pdf = browser.get(plan_url + "/labels.pdf")
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")

    session.expire_all()
    shipment_ids = session.scalars(select(InboundShipment.id)).all()
    session.rollback()  # end the read: SQLite has one writer
    browser.post("/signout", {})
    browser.sign_in("olga@souk.example")
    ops = browser.get("/ops/fulfilment")
    assert ops.status_code == 200 and all(s in ops.text for s in shipment_ids)
    for shipment_id in shipment_ids:
        form = browser.get(f"/ops/fulfilment/inbound/{shipment_id}")
        fields = dict(
            re.findall(
                r'name="((?:received|damaged)_\d+)" inputmode="numeric" size="6" value="(\d+)"',
                form.text,
            )
        )
        wrong = browser.post(
            f"/ops/fulfilment/inbound/{shipment_id}",
            {k: ("-1" if k.startswith("received") else v) for k, v in fields.items()},
        )
        assert wrong.status_code == 400
        ok = browser.post(f"/ops/fulfilment/inbound/{shipment_id}", fields)
        assert ok.status_code == 303
    session.expire_all()
    assert (
        sum(
            line.buckets.fulfillable
            for line in network.seller_stock(session, stocked.seller_id, "US")
        )
        == 12
    )
    session.rollback()  # end the read: SQLite has one writer

    product = browser.get(f"/dp/{stocked.asin}")
    assert "prime-badge" in product.text and "Arrives by" in product.text


def test_fee_calculator_payments_and_statement(rt, session, browser):  # noqa: F811
    stocked = platform_offer(rt, session, price="25.00")
    seller = session.get(Seller, stocked.seller_id)
    finance.add_payout_account(
        session,
        rt.clock,
        finance.TestPayoutProvider(),
        seller_id=seller.id,
        holder="Acme",
        bank_name="First Test Bank",
        country="US",
        currency="USD",
        routing_number="011000015",
        account_number="000123456789",
    )
    plan = network.create_inbound_plan(
        session,
        rt.clock,
        seller_id=seller.id,
        marketplace="US",
        name="x",
        lines=[network.InboundRequestLine(stocked.sku, 5, UNIT)],
        placement="one_centre",
        centre_code="EWR4",
    )
    shipment = session.scalar(select(InboundShipment).where(InboundShipment.plan_id == plan.id))
    network.receive_shipment(
        session, rt.clock, shipment_id=shipment.id, counts={stocked.offer_id: (5, 0)}
    )
    buyer = buyer_at(rt, session, "10001", "NY", "New York")
    order = buy(rt, session, buyer, stocked.offer_id, 1)
    session.commit()
    network.run_outbound(session, rt.clock)
    rt.clock.advance(timedelta(days=15))
    finance.settle_due(session, rt.clock, finance.TestPayoutProvider())
    email = seller.email
    session.rollback()

    browser.sign_in(email)
    calc = browser.get(f"/seller/fees?asin={stocked.asin}&price=25.00&shipping=0&unit_cost=8")
    assert calc.status_code == 200
    assert (
        "You ship it" in calc.text
        and "souk fulfils it" in calc.text
        and "Break-even price" in calc.text
    )
    assert "$7.00" in calc.text  # large standard, 3.108 lb shipping weight
    bad = browser.get(f"/seller/fees?asin={stocked.asin}&price=abc")
    assert bad.status_code == 400 and "Enter an amount" in bad.text

    pay = browser.get("/seller/payments")
    assert pay.status_code == 200 and "Statements" in pay.text and "····6789" in pay.text
    statement_id = re.search(r"/seller/payments/statements/(\d+)\"", pay.text).group(1)
    st = browser.get(f"/seller/payments/statements/{statement_id}")
    assert order.id in st.text and "Order shipped" in st.text and "$25.00" in st.text
    csv_text = browser.get(f"/seller/payments/statements/{statement_id}.csv").text
    assert "opening_balance" in csv_text and order.id in csv_text
    wrong = browser.post(
        "/seller/payments/bank",
        {
            "holder": "X",
            "bank_name": "B",
            "country": "US",
            "currency": "USD",
            "routing_number": "123456789",
            "account_number": "000123456789",
        },
    )
    assert wrong.status_code == 400 and "routing number is not valid" in wrong.text


def test_prime_join_and_cancel(rt, session, browser):  # noqa: F811
    buyer = f.buyer(session, rt.clock)
    email = buyer.user.email
    session.commit()
    browser.sign_in(email)
    page = browser.get("/prime")
    assert "Start your free trial" in page.text
    card = {
        "card_name": "Ada Buyer",
        "card_number": "4242 4242 4242 4242",
        "card_exp_month": "12",
        "card_exp_year": "2030",
        "card_cvc": "123",
    }
    assert browser.post("/prime/join", {"plan": "weekly", **card}).status_code == 400
    no_card = browser.post("/prime/join", {"plan": "yearly"})
    assert no_card.status_code == 400 and "Add a card for the Prime fee" in no_card.text
    refused = browser.post(
        "/prime/join", {"plan": "yearly", **card, "card_number": "4000 0000 0000 0002"}
    )
    assert refused.status_code == 400 and "declined" in refused.text
    assert prime.membership(session, buyer.user.id, "US") is None  # nothing changed
    session.commit()
    assert browser.post("/prime/join", {"plan": "yearly", **card}).status_code == 303
    page = browser.get("/prime").text
    assert "Free trial until" in page and "····4242" in page
    assert browser.post("/prime/cancel", {}).status_code == 303
    assert "Benefits last until" in browser.get("/prime?done=canceled").text


def test_prime_page_shows_a_declined_fee_and_the_ended_membership(rt, session, browser):  # noqa: F811
    buyer = f.buyer(session, rt.clock)
    session.commit()
    prime.join(
        session,
        rt.clock,
        rt.payments,
        user_id=buyer.user.id,
        marketplace="US",
        plan="monthly",
        card=Card("4000000000009995", 12, 2030, "123"),  # kept, but has no funds
    )
    rt.clock.advance(timedelta(days=31))
    assert prime.renew_due(session, rt.clock, rt.payments) == 0
    session.commit()
    browser.sign_in(buyer.user.email)
    page = browser.get("/prime").text
    assert "prime-unpaid" in page and "could not be charged" in page
    assert "insufficient funds" in page and "Declined" in page
    assert "Join Prime" in page  # and they may join again with another card
