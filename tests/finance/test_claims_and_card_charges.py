"""A-to-z claims and chargebacks in the seller's ledger, statement and money trail;
negative balances carried over, then charged to the seller's card on file."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from souk.accounts.service import register_user
from souk.core.errors import InvalidInput, NotFound, PaymentDeclined
from souk.core.money import Money
from souk.finance import service as finance
from souk.finance.cards import card_of_seller, keep_card
from souk.finance.models import CardOnFile, LedgerTransaction
from souk.fulfillment import network
from souk.orders.models import Order
from souk.orders.payments import Card
from souk.returns import service as returns
from tests import factories as f
from tests.finance.test_ledger import UPS, _bank, _merchant, _order
from tests.fulfillment.support import buy, buyer_at, platform_offer, stock_at
from tests.web.conftest import browser  # noqa: F401

NO_FUNDS = Card("4000000000009995", 12, 2030, "123")


def usd(text: str) -> Money:
    return Money.parse(text, "USD")


def _staff(rt, session):
    staff = register_user(
        session,
        rt.clock,
        email=f"staff{rt.clock.now().timestamp()}@souk.example",
        name="Sam Staff",
        password=f.PASSWORD,
        is_staff=True,
    )
    session.commit()
    return staff


def _shipped_merchant_order(rt, session, key="claim"):
    from souk.fulfillment.service import confirm_shipment

    seller, _product, offer, buyer = _merchant(rt, session, price="40.00")
    order = _order(rt, session, buyer, offer.id, 1, key)
    confirm_shipment(
        session,
        rt.clock,
        seller_id=seller.id,
        order_id=order.id,
        carrier="UPS",
        tracking_number=UPS,
    )
    session.expire_all()
    return seller, buyer, session.get(Order, order.id)


def _grant(rt, session, buyer, order, reason):
    rt.clock.set(order.latest_delivery_at + timedelta(days=3, minutes=1))
    claim = returns.file_claim(
        session,
        rt.clock,
        buyer_id=buyer.user.id,
        order_id=order.id,
        reason=reason,
        description="The parcel never came and the seller did not help.",
    )
    session.commit()
    staff = _staff(rt, session)
    return returns.decide_claim(
        session,
        rt.clock,
        rt.payments,
        claim_id=claim.id,
        staff_user_id=staff.id,
        outcome="granted",
        note="Granted under the A-to-z guarantee.",
    )


def _lines(session, seller_id, order_id, kind):
    return [
        line
        for line in finance.transactions(session, seller_id, "US")
        if line.tx.reference == order_id and line.tx.kind == kind
    ]


def _reconciles(session, seller_id):
    """Every statement: opening + its lines = closing = the ledger's balance at its end."""
    for statement in finance.statements(session, seller_id, "US"):
        view = finance.statement_view(session, seller_id, statement.id)
        lines = sum(line.amount.minor for line in view.lines)
        assert statement.opening_minor + lines == statement.closing_minor
        until = finance._period_instants(statement.period_start, statement.period_end, "US")[1]
        ledger = finance.balances(session, seller_id, "US", before=until).available.minor
        assert statement.closing_minor == ledger


def test_granted_claim_on_a_merchant_order_debits_the_seller(rt, session):
    seller, buyer, order = _shipped_merchant_order(rt, session)
    before = finance.balances(session, seller.id, "US").available
    claim = _grant(rt, session, buyer, order, "Item not as described or defective")
    assert claim.amount_minor == order.total_minor == 4000
    [line] = _lines(session, seller.id, order.id, "claim")
    # The refund comes out of the seller's balance; most of the referral fee goes back.
    assert line.amount == usd("-40.00") + usd("2.56")
    assert "A-to-z claim granted" in line.tx.description
    assert not _lines(session, seller.id, order.id, "reimbursement")  # the seller pays
    assert finance.balances(session, seller.id, "US").available == before + line.amount

    rt.clock.advance(timedelta(days=15))
    finance.settle_due(session, rt.clock, finance.TestPayoutProvider(), rt.payments)
    statement = finance.statements(session, seller.id, "US")[0]
    view = finance.statement_view(session, seller.id, statement.id)
    assert view.totals["claims"] == line.amount
    assert "claim" in finance.statement_csv(view)
    _reconciles(session, seller.id)
    trail = finance.order_trail(session, order.id)
    claim_accounts = {row.account for row in trail if row.kind == "claim"}
    assert claim_accounts == {"payable", "clearing", "fees:referral"}
    assert "order" in {row.kind for row in trail}
    assert all(row.statement != "open period" for row in trail)
    assert not [row for row in trail if row.kind == "payout"]  # no bank account yet


def test_chargeback_debits_the_seller_and_shows_in_the_trail(rt, session):
    seller, _buyer, order = _shipped_merchant_order(rt, session, key="cb")
    _bank(rt, session, seller.id)
    before = finance.balances(session, seller.id, "US").available
    with pytest.raises(InvalidInput):
        returns.record_chargeback(
            session,
            rt.clock,
            order_id=order.id,
            provider_reference="dp_1",
            reason="Item not received",
            amount_minor=order.total_minor + 1,
        )
    session.rollback()
    assert not _lines(session, seller.id, order.id, "chargeback")
    returns.record_chargeback(
        session,
        rt.clock,
        order_id=order.id,
        provider_reference="dp_1",
        reason="Item not received",
        amount_minor=2500,
    )
    [line] = _lines(session, seller.id, order.id, "chargeback")
    assert line.amount == usd("-25.00") and "Item not received" in line.tx.description
    assert finance.balances(session, seller.id, "US").available == before - usd("25.00")
    accounts = {
        row.account for row in finance.order_trail(session, order.id) if row.kind == "chargeback"
    }
    assert accounts == {"payable", "clearing"}
    rt.clock.advance(timedelta(days=15))
    finance.settle_due(session, rt.clock, finance.TestPayoutProvider(), rt.payments)
    _reconciles(session, seller.id)
    trail = finance.order_trail(session, order.id)
    statement = finance.statements(session, seller.id, "US")[0]
    assert trail[-1].kind == "payout" and trail[-1].amount.minor == statement.payout_minor > 0
    with pytest.raises(NotFound):
        finance.order_trail(session, "999-0000000-0000000")


def test_platform_pays_for_parcels_it_did_not_deliver(rt, session):
    stocked = platform_offer(rt, session, price="30.00")
    stock_at(rt, session, stocked, {"EWR4": 4})
    buyer = buyer_at(rt, session, "10001", "NY", "New York")
    order = buy(rt, session, buyer, stocked.offer_id, 1, key="lost")
    damaged = buy(rt, session, buyer, stocked.offer_id, 1, key="bad")
    session.commit()
    network.run_outbound(session, rt.clock)
    session.expire_all()
    order = session.get(Order, order.id)
    _grant(rt, session, buyer, order, "Item not received")
    [claim] = _lines(session, stocked.seller_id, order.id, "claim")
    [funded] = _lines(session, stocked.seller_id, order.id, "reimbursement")
    assert "paid by souk" in funded.tx.description
    # souk makes the seller whole: exactly what the claim took (refund less referral back).
    assert claim.amount == usd("-28.08") and claim.amount + funded.amount == usd("0")
    # Not as described: the seller's product, the seller's cost, even when souk shipped it.
    returns.record_chargeback(
        session,
        rt.clock,
        order_id=damaged.id,
        provider_reference="dp_2",
        reason="Item not as described",
        amount_minor=damaged.total_minor,
    )
    assert _lines(session, stocked.seller_id, damaged.id, "chargeback")
    assert not _lines(session, stocked.seller_id, damaged.id, "reimbursement")


def _owe(rt, session, seller_id, amount="25.00"):
    staff = _staff(rt, session)
    finance.adjust(
        session,
        rt.clock,
        seller_id=seller_id,
        marketplace="US",
        amount=-usd(amount),
        description="Recovered overpayment",
        staff_user_id=staff.id,
    )


def _settle(rt, session, days):
    rt.clock.advance(timedelta(days=days))
    finance.settle_due(session, rt.clock, finance.TestPayoutProvider(), rt.payments)


def test_negative_balance_is_carried_then_charged_to_the_card_on_file(rt, session):
    seller = f.seller(session, rt.clock)
    session.commit()
    keep_card(session, rt.clock, rt.payments, f.GOOD_CARD, seller_id=seller.id)
    session.commit()
    _owe(rt, session, seller.id)
    _settle(rt, session, 15)
    [first] = finance.statements(session, seller.id, "US")
    assert first.closing_minor == first.carried_minor == -2500
    assert first.card_charge_minor == 0 and "carried over" in first.card_charge_note
    _settle(rt, session, 14)
    second = finance.statements(session, seller.id, "US")[0]
    assert second.opening_minor == -2500 and second.card_charge_minor == 2500
    assert second.closing_minor == 0 and "····4242" in second.card_charge_note
    view = finance.statement_view(session, seller.id, second.id)
    [charge] = [line for line in view.lines if line.tx.kind == "card_charge"]
    assert charge.amount == usd("25.00") and view.totals["card_charges"] == usd("25.00")
    assert "card_charge" in finance.statement_csv(view)
    _reconciles(session, seller.id)
    _settle(rt, session, 14)  # nothing owed any more: nothing charged again
    third = finance.statements(session, seller.id, "US")[0]
    assert third.card_charge_minor == 0 and third.card_charge_note == ""
    assert (
        session.scalar(
            select(func.count())
            .select_from(LedgerTransaction)
            .where(LedgerTransaction.kind == "card_charge")
        )
        == 1
    )


def test_declined_card_leaves_the_balance_carried_over(rt, session):
    seller = f.seller(session, rt.clock)
    session.commit()
    keep_card(session, rt.clock, rt.payments, NO_FUNDS, seller_id=seller.id)
    session.commit()
    _owe(rt, session, seller.id, "12.34")
    _settle(rt, session, 15)
    _settle(rt, session, 14)
    second = finance.statements(session, seller.id, "US")[0]
    assert second.closing_minor == second.carried_minor == -1234
    assert second.card_charge_minor == 0
    assert "declined" in second.card_charge_note and "insufficient funds" in second.card_charge_note
    assert not [
        line
        for line in finance.transactions(session, seller.id, "US")
        if line.tx.kind == "card_charge"
    ]
    _reconciles(session, seller.id)


def test_no_card_on_file_is_said_on_the_statement(rt, session):
    seller = f.seller(session, rt.clock)
    session.commit()
    _owe(rt, session, seller.id)
    _settle(rt, session, 15)
    _settle(rt, session, 14)
    second = finance.statements(session, seller.id, "US")[0]
    assert second.closing_minor == -2500 and "no card on file" in second.card_charge_note


def test_bad_cards_on_file_are_refused_and_change_nothing(rt, session):
    seller = f.seller(session, rt.clock)
    buyer = f.buyer(session, rt.clock)
    session.commit()
    with pytest.raises(PaymentDeclined):
        keep_card(session, rt.clock, rt.payments, f.DECLINED_CARD, seller_id=seller.id)
    session.rollback()
    with pytest.raises(InvalidInput):
        keep_card(
            session, rt.clock, rt.payments, Card("4242", 12, 2030, "123"), seller_id=seller.id
        )
    session.rollback()
    with pytest.raises(InvalidInput):
        keep_card(
            session, rt.clock, rt.payments, f.GOOD_CARD, seller_id=seller.id, user_id=buyer.user.id
        )
    session.rollback()
    assert card_of_seller(session, seller.id) is None
    assert session.scalar(select(func.count()).select_from(CardOnFile)) == 0


def test_seller_puts_a_card_on_file_and_the_statement_shows_the_charge(rt, session, browser):  # noqa: F811
    seller = f.seller(session, rt.clock)
    session.commit()
    email = seller.email
    seller_id = seller.id
    browser.sign_in(email)
    page = browser.get("/seller/payments").text
    assert "No card on file" in page
    card = {
        "card_name": "Test Seller",
        "card_number": "4000 0000 0000 0002",
        "card_exp_month": "12",
        "card_exp_year": "2030",
        "card_cvc": "123",
    }
    refused = browser.post("/seller/payments/card", card)
    assert refused.status_code == 400 and "declined" in refused.text
    assert (
        browser.post("/seller/payments/card", {**card, "card_exp_month": "13"}).status_code == 400
    )
    assert card_of_seller(session, seller_id) is None
    session.commit()
    saved = browser.post("/seller/payments/card", {**card, "card_number": "4242424242424242"})
    assert saved.status_code == 303
    assert "Visa ····4242" in browser.get("/seller/payments?saved=card").text

    _owe(rt, session, seller_id)
    _settle(rt, session, 15)
    _settle(rt, session, 14)
    statement = finance.statements(session, seller_id, "US")[0]
    session.commit()
    text = browser.get(f"/seller/payments/statements/{statement.id}").text
    assert "Card charge" in text and "charged to your Visa ····4242" in text
