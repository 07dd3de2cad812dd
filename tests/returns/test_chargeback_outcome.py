"""Chargebacks answered by the seller and decided by the card issuer: the
response window, the decision, the money that comes back and the order
defect rate, on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from alembic import command
from sqlalchemy import func, inspect, select

from souk.accounts.service import register_user
from souk.core.clock import utc
from souk.core.errors import InvalidInput, InvalidState, NotFound
from souk.core.events import DomainEvent, OutboxEvent
from souk.core.migrate import alembic_config
from souk.core.money import Money
from souk.finance import service as finance
from souk.finance.models import LedgerTransaction
from souk.fulfillment import network
from souk.orders.models import Order, OrderNote
from souk.performance import service as performance
from souk.returns import rules
from souk.returns import service as returns
from souk.returns.models import Chargeback
from tests import factories as f
from tests.finance.test_claims_and_card_charges import _reconciles
from tests.fulfillment.support import buy, buyer_at, platform_offer, stock_at
from tests.returns import support as s

_staff_numbers = itertools.count(1)
EVIDENCE = "Delivered on 4 March with UPS tracking 1Z999AA10123456784, signed for at the door."


def _shipped(rt, session, price="40.00"):  # type: ignore[no-untyped-def]
    item = s.listing(rt, session, price=price)
    buyer = f.buyer(session, rt.clock)
    order = s.ship(rt, session, s.order(rt, session, buyer, item.offer))
    session.commit()
    return item.seller, order


def _record(rt, session, order, reference="dp_1", reason="Item not received", amount=None):  # type: ignore[no-untyped-def]
    return returns.record_chargeback(
        session,
        rt.clock,
        order_id=order.id,
        provider_reference=reference,
        reason=reason,
        amount_minor=amount or order.total_minor,
    )


def _staff(rt, session):  # type: ignore[no-untyped-def]
    staff = register_user(
        session,
        rt.clock,
        email=f"disputes{next(_staff_numbers)}@souk.example",
        name="Dana Disputes",
        password=f.PASSWORD,
        is_staff=True,
    )
    session.commit()
    return staff


def _decide(rt, session, chargeback_id, outcome):  # type: ignore[no-untyped-def]
    staff = _staff(rt, session)
    return returns.decide_chargeback(
        session, rt.clock, chargeback_id=chargeback_id, outcome=outcome, decided_by=staff.id
    )


def _available(session, seller_id):  # type: ignore[no-untyped-def]
    return finance.balances(session, seller_id, "US").available


def _kind(session, order_id, kind):  # type: ignore[no-untyped-def]
    return list(
        session.scalars(
            select(LedgerTransaction).where(
                LedgerTransaction.reference == order_id, LedgerTransaction.kind == kind
            )
        )
    )


def _unchanged(session, chargeback_id):  # type: ignore[no-untyped-def]
    session.rollback()
    chargeback = session.get(Chargeback, chargeback_id)
    assert chargeback.status == "open" and chargeback.decided_at is None
    assert chargeback.seller_response is None and chargeback.responded_at is None


# --- rules -------------------------------------------------------------------------


def test_response_window_counts_from_recording_and_is_inclusive() -> None:
    recorded = utc(2026, 3, 2, 14, 0)
    until = rules.chargeback_response_deadline(recorded, 7)
    assert until == utc(2026, 3, 9, 14, 0)

    def state(now, status="open", responded=False):  # type: ignore[no-untyped-def]
        return rules.chargeback_response_eligibility(
            status=status, responded=responded, now=now, respond_by=until
        )

    assert state(until).allowed and state(until).until == until
    assert not state(until + timedelta(seconds=1)).allowed
    assert "already responded" in state(recorded, responded=True).reason
    assert "decided" in state(recorded, status="won").reason


def test_response_text_rules() -> None:
    assert rules.check_chargeback_response(f"  {EVIDENCE}\r\n") == EVIDENCE
    assert rules.check_chargeback_response("x" * 2000) == "x" * 2000
    # Marketing words are evidence here, not a message to the buyer.
    assert rules.check_chargeback_response("We offered the buyer 10% off and a replacement.")
    for bad in ("Too short to say.", "x" * 2001, "Call me on +44 20 7946 0958 for details."):
        with pytest.raises(InvalidInput) as error:
            rules.check_chargeback_response(bad)
        assert error.value.field == "response"
    with pytest.raises(InvalidInput, match="links"):
        rules.check_chargeback_response("Proof of delivery is at www.example-courier.com/pod")


# --- responding --------------------------------------------------------------------


def test_seller_responds_once_within_the_window(rt, session) -> None:  # type: ignore[no-untyped-def]
    seller, order = _shipped(rt, session)
    chargeback = _record(rt, session, order)
    other, _ = _shipped(rt, session)
    respond_by = returns.chargeback_respond_by(chargeback)
    assert respond_by == chargeback.recorded_at + timedelta(days=7)

    with pytest.raises(NotFound):
        returns.respond_to_chargeback(
            session, rt.clock, seller_id=other.id, chargeback_id=chargeback.id, response=EVIDENCE
        )
    _unchanged(session, chargeback.id)
    with pytest.raises(NotFound):
        returns.respond_to_chargeback(
            session, rt.clock, seller_id=seller.id, chargeback_id=999999, response=EVIDENCE
        )
    session.rollback()
    for text in ("   too short    ", "x" * 2001):
        with pytest.raises(InvalidInput) as error:
            returns.respond_to_chargeback(
                session, rt.clock, seller_id=seller.id, chargeback_id=chargeback.id, response=text
            )
        assert error.value.field == "response"
        _unchanged(session, chargeback.id)

    rt.clock.set(respond_by)  # the last instant still counts
    answered = returns.respond_to_chargeback(
        session,
        rt.clock,
        seller_id=seller.id,
        chargeback_id=chargeback.id,
        response=f"  {EVIDENCE}  ",
    )
    assert answered.seller_response == EVIDENCE and answered.responded_at == respond_by
    assert answered.status == "open"
    notes = session.scalars(select(OrderNote.text).where(OrderNote.order_id == order.id)).all()
    assert "The seller responded to the chargeback" in notes
    with pytest.raises(InvalidState, match="already responded"):
        returns.respond_to_chargeback(
            session,
            rt.clock,
            seller_id=seller.id,
            chargeback_id=chargeback.id,
            response="A second, different story about it.",
        )
    session.rollback()
    assert session.get(Chargeback, chargeback.id).seller_response == EVIDENCE


def test_no_response_after_the_deadline_or_the_decision(rt, session) -> None:  # type: ignore[no-untyped-def]
    seller, order = _shipped(rt, session)
    late = _record(rt, session, order, "dp_late", amount=1000)
    decided = _record(rt, session, order, "dp_decided", amount=1000)
    _decide(rt, session, decided.id, "lost")
    rt.clock.set(returns.chargeback_respond_by(late) + timedelta(seconds=1))
    with pytest.raises(InvalidState, match="time to respond") as error:
        returns.respond_to_chargeback(
            session, rt.clock, seller_id=seller.id, chargeback_id=late.id, response=EVIDENCE
        )
    assert error.value.field == "response"
    _unchanged(session, late.id)
    rt.clock.set(decided.recorded_at + timedelta(hours=1))
    with pytest.raises(InvalidState, match="decided"):
        returns.respond_to_chargeback(
            session, rt.clock, seller_id=seller.id, chargeback_id=decided.id, response=EVIDENCE
        )
    session.rollback()
    assert session.get(Chargeback, decided.id).seller_response is None


# --- deciding ----------------------------------------------------------------------


def test_issuer_decides_once_with_a_known_outcome(rt, session) -> None:  # type: ignore[no-untyped-def]
    _seller, order = _shipped(rt, session)
    chargeback = _record(rt, session, order)
    staff = _staff(rt, session)
    for outcome in ("", "granted", "WON ", "maybe"):
        with pytest.raises(InvalidInput) as error:
            returns.decide_chargeback(
                session, rt.clock, chargeback_id=chargeback.id, outcome=outcome, decided_by=staff.id
            )
        assert error.value.field == "outcome"
        _unchanged(session, chargeback.id)
    with pytest.raises(NotFound):
        returns.decide_chargeback(
            session, rt.clock, chargeback_id=999999, outcome="won", decided_by=staff.id
        )
    session.rollback()

    decided = returns.decide_chargeback(
        session, rt.clock, chargeback_id=chargeback.id, outcome="won", decided_by=staff.id
    )
    assert decided.status == "won" and decided.decided_by == staff.id
    assert decided.decided_at == rt.clock.now()
    [event] = session.scalars(select(OutboxEvent).where(OutboxEvent.topic == "chargeback.decided"))
    assert event.payload == {
        "order_id": order.id,
        "seller_id": order.seller_id,
        "marketplace": "US",
        "chargeback_id": chargeback.id,
        "outcome": "won",
        "currency": "USD",
        "amount_minor": order.total_minor,
        "reason": "Item not received",
    }
    rt.clock.advance(timedelta(hours=1))
    for outcome in ("lost", "won"):
        with pytest.raises(InvalidState, match="already decided") as error:
            returns.decide_chargeback(
                session, rt.clock, chargeback_id=chargeback.id, outcome=outcome, decided_by=staff.id
            )
        assert error.value.field == "outcome"
        session.rollback()
    again = session.get(Chargeback, chargeback.id)
    assert again.status == "won" and again.decided_at == decided.decided_at
    assert (
        session.scalar(
            select(func.count())
            .select_from(OutboxEvent)
            .where(OutboxEvent.topic == "chargeback.decided")
        )
        == 1
    )


# --- money -------------------------------------------------------------------------


def test_won_dispute_gives_the_seller_the_money_back(rt, session) -> None:  # type: ignore[no-untyped-def]
    seller, order = _shipped(rt, session)
    before = _available(session, seller.id)
    chargeback = _record(rt, session, order, amount=2500)
    assert _available(session, seller.id) == before - Money.parse("25.00", "USD")
    rt.clock.advance(timedelta(days=3))
    _decide(rt, session, chargeback.id, "won")
    assert _available(session, seller.id) == before
    [reversal] = _kind(session, order.id, "chargeback_reversal")
    assert reversal.source_key == f"chargeback-won:{chargeback.id}"
    assert "Chargeback won (Item not received)" in reversal.description
    [taken] = _kind(session, order.id, "chargeback")
    assert {e.account: e.amount_minor for e in reversal.entries} == {
        e.account: -e.amount_minor for e in taken.entries
    }
    # The event delivered twice posts once.
    event = session.scalars(
        select(OutboxEvent).where(OutboxEvent.topic == "chargeback.decided")
    ).one()
    finance._on_chargeback_decided(
        session,
        DomainEvent(event.id, event.topic, event.subject, event.payload, event.occurred_at),
    )
    session.commit()
    assert len(_kind(session, order.id, "chargeback_reversal")) == 1
    assert _available(session, seller.id) == before

    rt.clock.advance(timedelta(days=30))
    finance.settle_due(session, rt.clock, finance.TestPayoutProvider(), rt.payments)
    _reconciles(session, seller.id)
    views = [
        finance.statement_view(session, seller.id, statement.id)
        for statement in finance.statements(session, seller.id, "US")
    ]
    # Taken and given back: nothing left of it in the statements' claims totals.
    assert sum(view.totals["claims"].minor for view in views) == 0
    assert any("chargeback_reversal" in finance.statement_csv(view) for view in views)


def test_lost_dispute_leaves_the_money_taken(rt, session) -> None:  # type: ignore[no-untyped-def]
    seller, order = _shipped(rt, session)
    before = _available(session, seller.id)
    chargeback = _record(rt, session, order, amount=2500)
    _decide(rt, session, chargeback.id, "lost")
    assert _available(session, seller.id) == before - Money.parse("25.00", "USD")
    assert not _kind(session, order.id, "chargeback_reversal")
    rt.clock.advance(timedelta(days=30))
    finance.settle_due(session, rt.clock, finance.TestPayoutProvider(), rt.payments)
    _reconciles(session, seller.id)


def test_won_dispute_that_souk_paid_repays_souk_not_the_seller_twice(rt, session) -> None:  # type: ignore[no-untyped-def]
    stocked = platform_offer(rt, session, price="30.00")
    stock_at(rt, session, stocked, {"EWR4": 2})
    buyer = buyer_at(rt, session, "10001", "NY", "New York")
    order = buy(rt, session, buyer, stocked.offer_id, 1, key="funded")
    session.commit()
    network.run_outbound(session, rt.clock)
    session.expire_all()
    order = session.get(Order, order.id)
    before = _available(session, stocked.seller_id)
    # souk screened the payment: a fraudulent one on an order it fulfilled is souk's cost.
    chargeback = _record(rt, session, order, reason="Fraudulent transaction")
    [funded] = _kind(session, order.id, "reimbursement")
    assert funded.source_key == f"funded:chargeback:{chargeback.id}"
    assert _available(session, stocked.seller_id) == before
    _decide(rt, session, chargeback.id, "won")
    assert _available(session, stocked.seller_id) == before  # not paid a second time
    [reversal] = _kind(session, order.id, "chargeback_reversal")
    # The issuer's money goes back to clearing, souk's reimbursement is undone,
    # and the seller's balance is not touched.
    assert {e.account: e.amount_minor for e in reversal.entries} == {
        "clearing": order.total_minor,
        "reimbursements": -order.total_minor,
    }
    assert "repays souk's reimbursement" in reversal.description
    rt.clock.advance(timedelta(days=30))
    finance.settle_due(session, rt.clock, finance.TestPayoutProvider(), rt.payments)
    _reconciles(session, stocked.seller_id)


def test_won_dispute_never_in_the_ledger_posts_nothing(rt, session) -> None:  # type: ignore[no-untyped-def]
    _seller, order = _shipped(rt, session)
    # A chargeback the ledger never saw (no chargeback.recorded delivered yet).
    stray = Chargeback(
        order_id=order.id,
        seller_id=order.seller_id,
        marketplace="US",
        provider_reference="dp_stray",
        reason="Item not received",
        currency="USD",
        amount_minor=1500,
        filed_at=rt.clock.now(),
        recorded_at=rt.clock.now(),
    )
    session.add(stray)
    session.commit()
    assert stray.status == "open"  # the column's default
    before = _available(session, order.seller_id)
    _decide(rt, session, stray.id, "won")
    assert not _kind(session, order.id, "chargeback_reversal")
    assert _available(session, order.seller_id) == before

    # Its recorded event arriving late (a retry) takes the money and, the
    # dispute being won already, gives it straight back.
    finance._on_chargeback(
        session,
        DomainEvent(
            0,
            "chargeback.recorded",
            order.id,
            {
                "order_id": order.id,
                "seller_id": order.seller_id,
                "marketplace": "US",
                "chargeback_id": stray.id,
                "currency": "USD",
                "amount_minor": 1500,
                "reason": "Item not received",
            },
            stray.recorded_at,
        ),
    )
    session.commit()
    assert len(_kind(session, order.id, "chargeback")) == 1
    assert len(_kind(session, order.id, "chargeback_reversal")) == 1
    assert _available(session, order.seller_id) == before


# --- seller performance ------------------------------------------------------------


def test_won_dispute_is_no_order_defect(rt, session) -> None:  # type: ignore[no-untyped-def]
    item = s.listing(rt, session)
    buyer = f.buyer(session, rt.clock)
    orders = [s.ship(rt, session, s.order(rt, session, buyer, item.offer)) for _ in range(4)]
    session.commit()
    won = _record(rt, session, orders[0], "dp_won")
    lost = _record(rt, session, orders[1], "dp_lost")
    _record(rt, session, orders[2], "dp_open")
    _decide(rt, session, won.id, "won")
    _decide(rt, session, lost.id, "lost")
    now = rt.clock.now()
    defects = returns.order_defects(
        session, [item.seller.id], "US", now - timedelta(days=60), now + timedelta(seconds=1)
    )
    assert {d.order_id for d in defects} == {orders[1].id, orders[2].id}
    evaluation = performance.recompute_seller(
        session, rt.clock, item.seller.id, "US", enforce=False
    )
    odr = evaluation.metric("order_defect_rate")
    assert odr is not None and (odr.numerator, odr.denominator) == (2, 4)
    assert set(odr.order_ids) == {orders[1].id, orders[2].id}


# --- migration ---------------------------------------------------------------------


def test_migration_opens_existing_chargebacks_and_downgrades(rt, session, database_url) -> None:  # type: ignore[no-untyped-def]
    _seller, order = _shipped(rt, session)
    chargeback = _record(rt, session, order)
    session.close()
    rt.engine.dispose()
    config = alembic_config(database_url)
    command.downgrade(config, "0021_merge_money_deals_recs")
    try:
        columns = {c["name"] for c in inspect(rt.engine).get_columns("chargebacks")}
        assert "status" not in columns and "decided_by" not in columns
    finally:
        rt.engine.dispose()
        command.upgrade(config, "heads")
    rt.engine.dispose()
    with rt.sessions() as fresh:
        kept = fresh.get(Chargeback, chargeback.id)
        assert kept.status == "open" and kept.seller_response is None
        assert kept.decided_by is None and kept.responded_at is None
