"""The Prime fee: charged to the card on file when a trial ends and at each renewal,
recorded as platform revenue, and a declined fee ends the membership."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from souk.core.errors import InvalidInput, PaymentDeclined
from souk.finance.cards import card_of_user
from souk.finance.models import LedgerTransaction
from souk.fulfillment import network, prime
from souk.fulfillment.models import PrimeCharge
from souk.orders.payments import Card
from tests import factories as f

NO_FUNDS = Card("4000000000009995", 12, 2030, "123")
MONTHLY = 1499  # policy default, US cents


def _join(rt, session, user_id, card=f.GOOD_CARD, plan="monthly"):
    return prime.join(
        session, rt.clock, rt.payments, user_id=user_id, marketplace="US", plan=plan, card=card
    )


def _charges(session, user_id):
    session.expire_all()
    return session.scalars(
        select(PrimeCharge).where(PrimeCharge.user_id == user_id).order_by(PrimeCharge.id)
    ).all()


def test_trial_end_and_renewals_charge_the_card_on_file_once_per_period(rt, session):
    buyer = f.buyer(session, rt.clock)
    session.commit()
    member = _join(rt, session, buyer.user.id)
    assert member.status == "trial" and _charges(session, buyer.user.id) == []
    trial_end = member.renews_at
    rt.clock.advance(timedelta(days=30, minutes=1))
    assert prime.renew_due(session, rt.clock, rt.payments) == 1
    assert prime.renew_due(session, rt.clock, rt.payments) == 0  # the job runs hourly
    [charge] = _charges(session, buyer.user.id)
    assert (charge.status, charge.amount_minor, charge.currency) == ("paid", MONTHLY, "USD")
    assert charge.card_last4 == "4242" and charge.provider_reference
    assert charge.period_start == trial_end
    session.refresh(member)
    assert member.status == "active" and member.renews_at == charge.period_end
    # Platform revenue: no seller's ledger has a line for it.
    assert session.scalar(select(func.count()).select_from(LedgerTransaction)) == 0
    rt.clock.advance(timedelta(days=31))
    assert prime.renew_due(session, rt.clock, rt.payments) == 1
    first, second = _charges(session, buyer.user.id)
    assert second.period_start == first.period_end and second.status == "paid"
    assert network.is_prime_member(session, buyer.user.id, "US", rt.clock.now())


def test_declined_fee_ends_the_membership_with_the_reason(rt, session):
    buyer = f.buyer(session, rt.clock)
    session.commit()
    _join(rt, session, buyer.user.id, card=NO_FUNDS)  # the card is kept; charges fail
    rt.clock.advance(timedelta(days=31))
    assert prime.renew_due(session, rt.clock, rt.payments) == 0
    member = prime.membership(session, buyer.user.id, "US")
    assert member.status == "unpaid"
    assert "could not be charged" in member.failure and "insufficient funds" in member.failure
    [charge] = _charges(session, buyer.user.id)
    assert charge.status == "declined" and not charge.provider_reference
    assert not network.is_prime_member(session, buyer.user.id, "US", rt.clock.now())
    assert prime.renew_due(session, rt.clock, rt.payments) == 0  # not tried again
    assert len(_charges(session, buyer.user.id)) == 1

    # Joining again with the same card: no second trial, the fee is due now and fails.
    with pytest.raises(PaymentDeclined):
        _join(rt, session, buyer.user.id, card=None)
    session.expire_all()
    assert prime.membership(session, buyer.user.id, "US").status == "unpaid"
    # With a working card the membership restarts, paid from today.
    again = _join(rt, session, buyer.user.id, card=f.GOOD_CARD)
    assert again.status == "active" and again.failure == ""
    paid = [c for c in _charges(session, buyer.user.id) if c.status == "paid"]
    assert len(paid) == 1 and paid[0].period_start == rt.clock.now()
    assert card_of_user(session, buyer.user.id).last4 == "4242"


def test_canceled_membership_is_never_charged(rt, session):
    buyer = f.buyer(session, rt.clock)
    session.commit()
    _join(rt, session, buyer.user.id)
    prime.cancel(session, rt.clock, user_id=buyer.user.id, marketplace="US")
    rt.clock.advance(timedelta(days=40))
    assert prime.renew_due(session, rt.clock, rt.payments) == 0
    assert _charges(session, buyer.user.id) == []


def test_bad_join_requests_change_nothing(rt, session):
    buyer = f.buyer(session, rt.clock)
    session.commit()
    with pytest.raises(InvalidInput) as no_card:
        _join(rt, session, buyer.user.id, card=None)
    assert no_card.value.field == "card_number"
    session.rollback()
    with pytest.raises(PaymentDeclined):
        _join(rt, session, buyer.user.id, card=f.DECLINED_CARD)
    session.rollback()
    with pytest.raises(InvalidInput):
        _join(rt, session, buyer.user.id, card=Card("4242424242424241", 12, 2030, "123"))
    session.rollback()
    with pytest.raises(InvalidInput):
        _join(rt, session, buyer.user.id, plan="weekly")
    session.rollback()
    assert prime.membership(session, buyer.user.id, "US") is None
    assert card_of_user(session, buyer.user.id) is None
