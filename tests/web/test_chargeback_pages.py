"""Chargebacks in Seller Central (the seller's evidence) and in the operations
console (the card issuer's decision), through the real app."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from souk.accounts.models import User
from souk.core.money import Money
from souk.finance import service as finance
from souk.returns import service as returns
from souk.returns.models import Chargeback
from souk.sellers.models import SellerUser
from tests import factories as f
from tests.returns import support as s

EVIDENCE = "Delivered with UPS tracking 1Z999AA10123456784 and signed for by the buyer."


def _seller_email(session, seller_id):  # type: ignore[no-untyped-def]
    user_id = session.scalar(select(SellerUser.user_id).where(SellerUser.seller_id == seller_id))
    return session.get(User, user_id).email


def _disputed(rt, session, reference):  # type: ignore[no-untyped-def]
    item = s.listing(rt, session, price="40.00")
    buyer = f.buyer(session, rt.clock)
    order = s.ship(rt, session, s.order(rt, session, buyer, item.offer))
    session.commit()
    chargeback = returns.record_chargeback(
        session,
        rt.clock,
        order_id=order.id,
        provider_reference=reference,
        reason="Item not received",
        amount_minor=2500,
    )
    return item.seller.id, order.id, chargeback.id


def _state(session, chargeback_id):  # type: ignore[no-untyped-def]
    """The chargeback as stored; the read's transaction ends at once, as the
    app's requests need the database (SQLite takes its lock on BEGIN)."""
    session.rollback()
    chargeback = session.get(Chargeback, chargeback_id)
    state = chargeback.status, chargeback.seller_response
    session.rollback()
    return state


def test_seller_answers_a_chargeback_and_staff_record_the_decision(
    rt, session, browser, other_browser
) -> None:  # type: ignore[no-untyped-def]
    seller_id, order_id, chargeback_id = _disputed(rt, session, "dp_mine")
    _other_seller, other_order, other_id = _disputed(rt, session, "dp_theirs")
    staff = f.buyer(session, rt.clock)
    staff.user.is_staff = True
    seller_email, staff_email = _seller_email(session, seller_id), staff.user.email
    session.commit()
    before = finance.balances(session, seller_id, "US").available
    session.rollback()

    browser.sign_in(seller_email)
    assert 'href="/seller/chargebacks"' in browser.get("/seller/claims").text
    page = browser.get("/seller/chargebacks")
    assert page.status_code == 200
    assert order_id in page.text and "Item not received" in page.text and "$25.00" in page.text
    assert "Respond by" in page.text and f"/seller/chargebacks/{chargeback_id}/respond" in page.text
    assert other_order not in page.text  # only the seller's own chargebacks

    # Another seller's chargeback: not found, and nothing changes.
    theirs = browser.post(f"/seller/chargebacks/{other_id}/respond", {"response": EVIDENCE})
    assert theirs.status_code == 404
    assert _state(session, other_id) == ("open", None)

    short = browser.post(f"/seller/chargebacks/{chargeback_id}/respond", {"response": "No."})
    assert short.status_code == 400 and "at least 20 characters" in short.text
    contact = browser.post(
        f"/seller/chargebacks/{chargeback_id}/respond",
        {"response": "Please call me on +1 212 555 0142 to talk it through."},
    )
    assert contact.status_code == 400 and "Leave out links" in contact.text
    assert _state(session, chargeback_id) == ("open", None)

    sent = browser.post(f"/seller/chargebacks/{chargeback_id}/respond", {"response": EVIDENCE})
    assert sent.status_code == 303
    page = browser.get("/seller/chargebacks?done=1")
    assert "Your response" in page.text and EVIDENCE in page.text
    assert f"/seller/chargebacks/{chargeback_id}/respond" not in page.text
    again = browser.post(
        f"/seller/chargebacks/{chargeback_id}/respond", {"response": EVIDENCE + " Again."}
    )
    assert again.status_code == 409 and "already responded" in again.text
    assert _state(session, chargeback_id) == ("open", EVIDENCE)
    # A seller is no staff: the decision is not theirs to record.
    assert (
        browser.post(f"/ops/chargebacks/{chargeback_id}/decide", {"outcome": "won"}).status_code
        == 403
    )

    other_browser.sign_in(staff_email)
    queue = other_browser.get("/ops/claims")
    assert queue.status_code == 200 and EVIDENCE in queue.text
    assert f"/ops/chargebacks/{chargeback_id}/decide" in queue.text
    assert "Issuer decided for the seller" in queue.text
    assert "Issuer decided for the buyer" in queue.text
    unknown = other_browser.post(f"/ops/chargebacks/{chargeback_id}/decide", {"outcome": "maybe"})
    assert unknown.status_code == 400 and "Record whether the issuer decided" in unknown.text
    missing = other_browser.post("/ops/chargebacks/999999/decide", {"outcome": "won"})
    assert missing.status_code == 404 and "No chargeback 999999" in missing.text
    assert _state(session, chargeback_id) == ("open", EVIDENCE)

    won = other_browser.post(f"/ops/chargebacks/{chargeback_id}/decide", {"outcome": "won"})
    assert won.status_code == 303
    assert "Won for the seller" in other_browser.get("/ops/claims").text
    twice = other_browser.post(f"/ops/chargebacks/{chargeback_id}/decide", {"outcome": "lost"})
    assert twice.status_code == 409 and "already decided" in twice.text
    assert _state(session, chargeback_id) == ("won", EVIDENCE)
    assert f"/ops/chargebacks/{chargeback_id}/decide" not in other_browser.get("/ops/claims").text

    decided = browser.get("/seller/chargebacks?tab=decided").text
    assert "Won: the issuer decided for you" in decided and order_id in decided
    assert "No open chargebacks." in browser.get("/seller/chargebacks").text
    assert finance.balances(session, seller_id, "US").available == before + Money("USD", 2500)
    session.rollback()
    payments = browser.get("/seller/payments").text
    assert "Chargeback won" in payments


def test_late_response_is_refused_on_the_page(rt, session, browser) -> None:  # type: ignore[no-untyped-def]
    seller_id, _order_id, chargeback_id = _disputed(rt, session, "dp_late")
    seller_email = _seller_email(session, seller_id)
    session.commit()
    rt.clock.set(returns.chargeback_respond_by(session.get(Chargeback, chargeback_id)))
    session.rollback()
    browser.sign_in(seller_email)
    # The last instant still takes a response; a second later the form is gone.
    assert f"/seller/chargebacks/{chargeback_id}/respond" in browser.get("/seller/chargebacks").text
    rt.clock.advance(timedelta(seconds=1))
    page = browser.get("/seller/chargebacks").text
    assert f"/seller/chargebacks/{chargeback_id}/respond" not in page
    assert "Waiting for the card issuer" in page and "time to respond" in page
    late = browser.post(f"/seller/chargebacks/{chargeback_id}/respond", {"response": EVIDENCE})
    assert late.status_code == 409 and "time to respond" in late.text
    assert _state(session, chargeback_id) == ("open", None)
