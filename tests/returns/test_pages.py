"""Buyer, Seller Central and operations pages for returns, refunds and claims."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from souk.accounts.models import User
from souk.returns.models import Claim, Refund, ReturnRequest
from souk.sellers.models import SellerUser
from tests import factories as f
from tests.returns import support as s


def _seller_email(session, seller_id):  # type: ignore[no-untyped-def]
    user_id = session.scalar(select(SellerUser.user_id).where(SellerUser.seller_id == seller_id))
    return session.get(User, user_id).email


def test_return_journey_through_the_pages(rt, session, browser, other_browser) -> None:  # type: ignore[no-untyped-def]
    item = s.listing(rt, session, price="40.00", shipping="5.00")
    buyer = f.buyer(session, rt.clock)
    order = s.delivered_order(rt, session, buyer, item.offer, 2)
    seller_email = _seller_email(session, item.seller.id)
    session.commit()

    browser.sign_in(buyer.user.email)
    page = browser.get(f"/orders/{order.id}")
    assert page.status_code == 200
    assert "Return items" in page.text and f"/orders/{order.id}/return" in page.text
    # Feedback is open, a claim is not yet (no contact, delivered on time).
    assert f"/orders/{order.id}/feedback" in page.text
    assert f'href="/orders/{order.id}/claim"' not in page.text
    assert "First contact the seller" in page.text

    form = browser.get(f"/orders/{order.id}/return")
    assert form.status_code == 200 and "Why are you returning it?" in form.text
    item_id = order.items[0].id
    bad = browser.post(f"/orders/{order.id}/return", {f"qty-{item_id}": "1", "reason": ""})
    assert bad.status_code == 400 and "Choose a reason from the list." in bad.text
    sent = browser.post(
        f"/orders/{order.id}/return",
        {f"qty-{item_id}": "1", "reason": "Item arrived damaged", "comment": "Dented lid"},
    )
    assert sent.status_code == 303
    assert "Waiting for the seller" in browser.get(sent.headers["location"]).text

    other_browser.sign_in(seller_email)
    listing = other_browser.get("/seller/returns")
    assert listing.status_code == 200 and "Dented lid" in listing.text
    request_id = session.scalar(select(ReturnRequest.id).where(ReturnRequest.order_id == order.id))
    session.rollback()
    assert browser.get(f"/returns/{request_id}/label").status_code == 409  # not yet
    assert (
        other_browser.post(
            f"/seller/returns/{request_id}/authorize", {"tab": "requested"}
        ).status_code
        == 303
    )
    label = browser.get(f"/returns/{request_id}/label")
    assert label.status_code == 200 and "PREPAID RETURN" in label.text
    refused = other_browser.post(
        f"/seller/returns/{request_id}/receive",
        {"tab": "authorized", "condition": "damaged", "deduction_percent": "60"},
    )
    assert refused.status_code == 400 and "0 to 50%" in refused.text
    received = other_browser.post(
        f"/seller/returns/{request_id}/receive",
        {"tab": "authorized", "condition": "damaged", "deduction_percent": "25"},
    )
    assert received.status_code == 303
    refund = session.scalar(select(Refund).where(Refund.order_id == order.id))
    session.rollback()
    # 40.00 less 25%, no shipping (one of two units back).
    assert refund is not None and refund.amount_minor == 3000
    shown = browser.get(f"/orders/{order.id}").text
    assert "$30.00" in shown and "refunded to your card" in shown
    assert "Refund of $30.00" in other_browser.get(f"/seller/orders/{order.id}").text


def test_claims_pages_and_staff_decision(rt, session, browser, other_browser) -> None:  # type: ignore[no-untyped-def]
    item = s.listing(rt, session)
    buyer = f.buyer(session, rt.clock)
    order = s.order(rt, session, buyer, item.offer)
    staff = f.buyer(session, rt.clock)
    staff.user.is_staff = True
    seller_email = _seller_email(session, item.seller.id)
    buyer_email, staff_email = buyer.user.email, staff.user.email
    order_id, total = order.id, order.total_minor
    session.commit()
    # Never shipped: three days past the latest delivery date the claim opens.
    rt.clock.set(order.latest_delivery_at + timedelta(days=3))  # type: ignore[attr-defined]

    browser.sign_in(buyer_email)
    assert f'href="/orders/{order.id}/claim"' in browser.get(f"/orders/{order.id}").text
    short = browser.post(
        f"/orders/{order.id}/claim", {"reason": "Item not received", "description": "no"}
    )
    assert short.status_code == 400
    filed = browser.post(
        f"/orders/{order.id}/claim",
        {"reason": "Item not received", "description": "Nothing arrived and no tracking either."},
    )
    assert filed.status_code == 303
    claim_id = session.scalar(select(Claim.id).where(Claim.order_id == order.id))
    session.rollback()

    other_browser.sign_in(seller_email)
    page = other_browser.get("/seller/claims")
    assert "Nothing arrived" in page.text and "Respond by" in page.text
    answered = other_browser.post(
        f"/seller/claims/{claim_id}/respond", {"response": "Stock ran out, refund on its way."}
    )
    assert answered.status_code == 303

    ops = browser  # the buyer's client signs in again as staff
    ops.sign_in(staff_email)
    queue = ops.get("/ops/claims")
    assert queue.status_code == 200 and "Stock ran out" in queue.text
    no_note = ops.post(f"/ops/claims/{claim_id}/decide", {"outcome": "granted", "note": ""})
    assert no_note.status_code == 400
    decided = ops.post(
        f"/ops/claims/{claim_id}/decide",
        {"outcome": "granted", "amount": "", "note": "Never shipped."},
    )
    assert decided.status_code == 303
    claim = session.get(Claim, claim_id)
    assert claim is not None and claim.outcome == "granted" and claim.amount_minor == total
    session.rollback()

    recorded = ops.post(
        "/ops/chargebacks",
        {
            "order_id": order_id,
            "provider_reference": "dp_123",
            "reason": "Item not received",
            "amount": "1.00",
        },
    )
    assert recorded.status_code == 303
    assert "dp_123" in ops.get("/ops/claims").text


def test_buyers_cannot_reach_staff_pages_or_other_buyers_orders(rt, session, browser) -> None:  # type: ignore[no-untyped-def]
    item = s.listing(rt, session)
    buyer = f.buyer(session, rt.clock)
    stranger = f.buyer(session, rt.clock)
    order = s.delivered_order(rt, session, buyer, item.offer)
    session.commit()
    browser.sign_in(stranger.user.email)
    assert browser.get("/ops/claims").status_code == 403
    assert browser.get(f"/orders/{order.id}/return").status_code == 404
    assert (
        browser.post(f"/orders/{order.id}/return", {"reason": "Bought by mistake"}).status_code
        == 404
    )
