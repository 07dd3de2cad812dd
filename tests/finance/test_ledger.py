"""The seller ledger, settlements, statements and payouts on both databases."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from souk.core.errors import InvalidInput, InvalidState
from souk.core.money import Money
from souk.finance import service as finance
from souk.finance.models import LedgerEntry, LedgerTransaction, Payout, Statement
from souk.fulfillment import network
from souk.fulfillment.service import confirm_shipment
from souk.orders.models import Order
from souk.orders.service import CheckoutRequest, place_order
from souk.returns.service import issue_refund
from tests import factories as f

UPS = "1Z999AA10123456784"


def usd(text: str) -> Money:
    return Money.parse(text, "USD")


def _merchant(rt, session, price="20.00"):
    seller = f.seller(session, rt.clock)
    product = f.product(session, rt.clock, category="Electronics/Audio")
    offer = f.offer(
        session, rt.clock, seller_id=seller.id, asin=product.asin, price=price, quantity=1000
    )
    buyer = f.buyer(session, rt.clock)
    session.commit()
    return seller, product, offer, buyer


def _order(rt, session, buyer, offer_id, quantity, key):
    return place_order(
        session,
        rt.clock,
        rt.payments,
        CheckoutRequest(
            buyer_id=buyer.user.id,
            marketplace="US",
            address_id=buyer.address.id,
            delivery_speed="standard",
            card=f.GOOD_CARD,
            idempotency_key=key,
            lines=((offer_id, quantity),),
        ),
    ).orders[0]


def _bank(rt, session, seller_id, currency="USD", country="US"):
    return finance.add_payout_account(
        session,
        rt.clock,
        finance.TestPayoutProvider(),
        seller_id=seller_id,
        holder="Test Seller LLC",
        bank_name="First Test Bank",
        country=country,
        currency=currency,
        routing_number="011000015",
        account_number="000123456789",
    )


def test_estimate_fees_contract(rt, session):
    seller, product, _offer, _ = _merchant(rt, session)
    estimate = finance.estimate_fees(
        session,
        marketplace="US",
        asin=product.asin,
        price=usd("20.00"),
        shipping=usd("0"),
        channel="MERCHANT",
        at=rt.clock.now(),
    )
    assert estimate.referral == usd("1.60") and estimate.fulfilment == usd("0")
    assert estimate.total == usd("1.60") and estimate.proceeds == usd("18.40")
    platform = finance.estimate_fees(
        session,
        marketplace="US",
        asin=product.asin,
        price=usd("20.00"),
        shipping=usd("0"),
        channel="PLATFORM",
        at=rt.clock.now(),
    )
    assert platform.fulfilment.minor > 0  # default unit until measured
    assert [line.name for line in platform.lines] == ["Referral fee", "Fulfilment fee"]
    with pytest.raises(InvalidInput, match="USD"):
        finance.estimate_fees(
            session,
            marketplace="US",
            asin=product.asin,
            price=Money.parse("20", "EUR"),
            shipping=usd("0"),
            channel="MERCHANT",
            at=rt.clock.now(),
        )
    comparison = finance.compare_channels(
        session,
        marketplace="US",
        asin=product.asin,
        price=usd("20.00"),
        shipping=usd("4.99"),
        unit_cost=usd("6.00"),
        own_shipping=usd("5.50"),
        at=rt.clock.now(),
    )
    assert comparison.merchant.net == usd("24.99") - usd("2.00") - usd("6.00") - usd("5.50")
    assert comparison.platform.break_even is not None
    del seller


def test_money_trail_from_checkout_to_payout(rt, session):
    seller, _product, offer, buyer = _merchant(rt, session)
    _bank(rt, session, seller.id)
    order = _order(rt, session, buyer, offer.id, 2, "trail")
    confirm_shipment(
        session,
        rt.clock,
        seller_id=seller.id,
        order_id=order.id,
        carrier="UPS",
        tracking_number=UPS,
    )
    session.expire_all()
    bal = finance.balances(session, seller.id, "US")
    # 40.00 sale less 8 % referral (1.60 x 2) = 36.80 available, nothing pending.
    assert bal.available == usd("36.80") and bal.pending == usd("0")
    issue_refund(
        session, rt.clock, rt.payments, session.get(Order, order.id), 2000, reason="Item returned"
    )
    session.commit()
    # Refund 20.00; half the referral (1.60) comes back less 20 % admin (0.32).
    assert finance.balances(session, seller.id, "US").available == usd("36.80") - usd(
        "20.00"
    ) + usd("1.28")

    # The period 2026-03-02 .. 03-16 closes; sales in the last 7 days are reserved.
    rt.clock.advance(timedelta(days=15))
    assert finance.settle_due(session, rt.clock, finance.TestPayoutProvider()) >= 1
    statements = finance.statements(session, seller.id, "US")
    st_ = statements[0]
    view = finance.statement_view(session, seller.id, st_.id)
    assert view.totals["sales"] == usd("40.00")
    assert view.totals["fees"] == usd("3.20") - usd("1.28")
    assert st_.payout_minor == 1808  # 18.08: nothing shipped in the reserve window
    payout = session.scalar(select(Payout).where(Payout.statement_id == st_.id))
    assert payout.amount_minor == st_.payout_minor and payout.status == "sent"
    assert st_.closing_minor == st_.opening_minor + sum(line.amount.minor for line in view.lines)
    assert st_.closing_minor == 0
    csv_text = finance.statement_csv(view)
    assert "opening_balance" in csv_text and "payout" in csv_text and "18.08" in csv_text
    # Settling again changes nothing.
    assert finance.settle_due(session, rt.clock, finance.TestPayoutProvider()) == 0


def test_reserve_holds_recent_sales_and_converts_payouts(rt, session):
    seller, _product, offer, buyer = _merchant(rt, session)
    _bank(rt, session, seller.id, currency="EUR", country="DE")
    finance.record_rate(
        session,
        rt.clock,
        day=date(2026, 3, 1),
        base="USD",
        quote="EUR",
        rate="0.9200",
        source="test",
    )
    rt.clock.advance(timedelta(days=10))  # 12 March: within the last 7 days of the period
    order = _order(rt, session, buyer, offer.id, 1, "recent")
    confirm_shipment(
        session,
        rt.clock,
        seller_id=seller.id,
        order_id=order.id,
        carrier="UPS",
        tracking_number=UPS,
    )
    rt.clock.advance(timedelta(days=5))
    finance.settle_due(session, rt.clock, finance.TestPayoutProvider())
    first = finance.statements(session, seller.id, "US")[0]
    # The 20.00 sale is in the reserve window: all that is available (18.40 after the
    # referral fee) is held for returns; nothing is paid out yet.
    assert first.reserve_minor == 1840 and first.payout_minor == 0
    assert first.closing_minor == 0
    rt.clock.advance(timedelta(days=14))
    finance.settle_due(session, rt.clock, finance.TestPayoutProvider())
    second = finance.statements(session, seller.id, "US")[0]
    assert second.opening_minor == first.closing_minor
    assert second.reserve_minor == 0 and second.payout_minor == 1840
    payout = session.scalar(select(Payout).where(Payout.statement_id == second.id))
    # 18.40 less 1.5 % (0.28) = 18.12 x 0.92 = 16.67 EUR.
    assert (payout.fee_minor, payout.converted_minor, payout.target_currency) == (28, 1667, "EUR")
    assert Decimal(payout.rate) == Decimal("0.9200")


def test_bad_bank_details_and_rates_are_refused(rt, session):
    seller, *_ = _merchant(rt, session)
    provider = finance.TestPayoutProvider()
    for kwargs, field in [
        ({"routing_number": "123456789"}, "routing"),
        ({"account_number": "12"}, "4 to 17"),
        ({"account_number": "DE89370400440532013001", "country": "DE"}, "check digits"),
        ({"account_number": "000123450002"}, "did not confirm"),
    ]:
        args = (
            dict(
                seller_id=seller.id,
                holder="X",
                bank_name="B",
                country="US",
                currency="USD",
                routing_number="011000015",
                account_number="000123456789",
            )
            | kwargs
        )
        with pytest.raises(Exception, match=field):
            finance.add_payout_account(session, rt.clock, provider, **args)
        session.rollback()
    assert finance.payout_destination(session, seller.id) is None
    ok = finance.add_payout_account(
        session,
        rt.clock,
        provider,
        seller_id=seller.id,
        holder="X",
        bank_name="B",
        country="DE",
        currency="EUR",
        routing_number="",
        account_number="DE89370400440532013000",
    )
    assert ok.last4 == "3000"
    with pytest.raises(InvalidInput):
        finance.record_rate(
            session, rt.clock, day=date(2026, 3, 1), base="USD", quote="EUR", rate="-1", source="x"
        )
    finance.record_rate(
        session, rt.clock, day=date(2026, 3, 1), base="USD", quote="EUR", rate="0.91", source="x"
    )
    with pytest.raises(InvalidState):
        finance.record_rate(
            session,
            rt.clock,
            day=date(2026, 3, 1),
            base="USD",
            quote="EUR",
            rate="0.92",
            source="x",
        )


def test_ledger_rows_are_immutable(rt, session):
    seller, _product, offer, buyer = _merchant(rt, session)
    _order(rt, session, buyer, offer.id, 1, "imm")
    entry = session.scalars(select(LedgerEntry)).first()
    entry.amount_minor += 1
    with pytest.raises(RuntimeError, match="immutable"):
        session.flush()
    session.rollback()
    tx = session.scalars(select(LedgerTransaction)).first()
    session.delete(tx)
    with pytest.raises(RuntimeError, match="immutable"):
        session.flush()
    session.rollback()
    del seller


ACTIONS = st.lists(
    st.one_of(
        st.tuples(st.just("order"), st.integers(1, 3), st.booleans()),
        st.tuples(st.just("refund"), st.integers(1, 100), st.booleans()),
        st.tuples(st.just("fee"), st.integers(1, 5000), st.booleans()),
        st.tuples(st.just("days"), st.integers(1, 9), st.booleans()),
    ),
    min_size=3,
    max_size=12,
)


@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
@given(actions=ACTIONS)
def test_ledger_balances_and_payouts_equal_statements(rt, session, actions):
    """Over any sequence of orders (shipped or canceled), refunds, fees and days
    passing, every transaction balances, statements chain and reconcile to the
    ledger to the cent, and every payout equals its statement."""
    seller, _product, offer, buyer = _merchant(rt, session, price="12.34")
    _bank(rt, session, seller.id)
    shipped: list[str] = []
    for n, (kind, value, flag) in enumerate(actions):
        if kind == "order":
            order = _order(rt, session, buyer, offer.id, value, f"{seller.id}-{n}")
            if flag:
                confirm_shipment(
                    session,
                    rt.clock,
                    seller_id=seller.id,
                    order_id=order.id,
                    carrier="UPS",
                    tracking_number=UPS,
                )
                shipped.append(order.id)
            else:
                from souk.orders.service import cancel_by_seller

                cancel_by_seller(
                    session,
                    rt.clock,
                    rt.payments,
                    seller_id=seller.id,
                    order_id=order.id,
                    reason="NoInventory",
                )
        elif kind == "refund" and shipped:
            order = session.get(Order, shipped[value % len(shipped)])
            from souk.returns.service import refunded_minor

            left = order.total_minor - refunded_minor(session, order.id)
            if left > 0:
                issue_refund(
                    session,
                    rt.clock,
                    rt.payments,
                    order,
                    max(1, left * value // 100),
                    reason="test",
                )
                session.commit()
        elif kind == "fee":
            network.charge_fee(
                session,
                seller_id=seller.id,
                marketplace="US",
                kind="storage",
                amount_minor=value,
                currency="USD",
                reference="t",
                description="Storage",
                key=f"{seller.id}-{n}",
                at=rt.clock.now(),
            )
            session.commit()
        else:
            rt.clock.advance(timedelta(days=value))
            finance.settle_due(session, rt.clock, finance.TestPayoutProvider())
    rt.clock.advance(timedelta(days=30))
    finance.settle_due(session, rt.clock, finance.TestPayoutProvider())

    unbalanced = session.execute(
        select(LedgerEntry.transaction_id)
        .where(LedgerEntry.seller_id == seller.id)
        .group_by(LedgerEntry.transaction_id)
        .having(func.sum(LedgerEntry.amount_minor) != 0)
    ).all()
    assert unbalanced == []
    statements = sorted(finance.statements(session, seller.id, "US"), key=lambda s: s.period_start)
    activity = session.scalar(
        select(func.count()).select_from(LedgerEntry).where(LedgerEntry.seller_id == seller.id)
    )
    # A seller with no money movement at all (only refunds of nothing, days passing)
    # has no settlement to report; any activity must be settled by now.
    assert bool(statements) == bool(activity)
    previous_closing = 0
    for statement in statements:
        view = finance.statement_view(session, seller.id, statement.id)
        assert statement.opening_minor == previous_closing
        assert statement.closing_minor == statement.opening_minor + sum(
            line.amount.minor for line in view.lines
        )
        paid = sum(-line.amount.minor for line in view.lines if line.tx.kind == "payout")
        assert paid == statement.payout_minor
        payout = session.scalar(select(Payout).where(Payout.statement_id == statement.id))
        if statement.payout_minor:
            assert payout.amount_minor == payout.converted_minor == statement.payout_minor
        previous_closing = statement.closing_minor
    final = finance.balances(session, seller.id, "US")
    assert final.available.minor == previous_closing
    assert final.pending.minor == 0
    assert session.scalar(
        select(func.count(Statement.id)).where(Statement.seller_id == seller.id)
    ) == len(statements)
