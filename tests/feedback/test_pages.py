"""Seller feedback pages: leaving it, the store and product pages, Seller Central, staff."""

from __future__ import annotations

from sqlalchemy import select

from souk.accounts.models import User
from souk.feedback import service as feedback
from souk.feedback.models import SellerFeedback
from souk.sellers.models import SellerUser
from tests import factories as f
from tests.returns import support as s


def _seller_email(session, seller_id):  # type: ignore[no-untyped-def]
    user_id = session.scalar(select(SellerUser.user_id).where(SellerUser.seller_id == seller_id))
    return session.get(User, user_id).email


def test_feedback_from_order_to_store_page_and_seller_central(
    rt, session, browser, other_browser
) -> None:  # type: ignore[no-untyped-def]
    item = s.listing(rt, session)
    buyer = f.buyer(session, rt.clock)
    order = s.delivered_order(rt, session, buyer, item.offer)
    seller_email = _seller_email(session, item.seller.id)
    order_id, seller_id, asin = order.id, item.seller.id, item.product.asin
    buyer_email = buyer.user.email
    session.commit()

    assert "No feedback yet" in browser.get(f"/sellers/{seller_id}").text
    assert "No seller ratings yet" in browser.get(f"/dp/{asin}").text
    browser.sign_in(buyer_email)
    form = browser.get(f"/orders/{order_id}/feedback")
    assert form.status_code == 200 and "Overall rating" in form.text
    bad = browser.post(f"/orders/{order_id}/feedback", {"stars": "", "comment": "Quick!"})
    assert bad.status_code == 400 and "Choose from 1 to 5 stars." in bad.text
    sent = browser.post(
        f"/orders/{order_id}/feedback",
        {
            "stars": "5",
            "comment": "Shipped the next day, well packed",
            "on_time": "yes",
            "as_described": "yes",
        },
    )
    assert sent.status_code == 303
    again = browser.post(
        f"/orders/{order_id}/feedback", {"stars": "1", "comment": "Second go at it"}
    )
    assert again.status_code == 400 and "already left feedback" in again.text
    order_page = browser.get(f"/orders/{order_id}").text
    assert "Your seller feedback" in order_page and "You have already left feedback" in order_page

    store = browser.get(f"/sellers/{seller_id}").text
    assert "Seller feedback" in store and "Shipped the next day, well packed" in store
    assert "100% positive" in store
    product = browser.get(f"/dp/{asin}")
    assert product.status_code == 200 and "100% positive" in product.text

    other_browser.sign_in(seller_email)
    manager = other_browser.get("/seller/feedback").text
    assert "Shipped the next day" in manager and "Reply publicly" in manager
    replied = other_browser.post(
        f"/seller/feedback/{order_id}/reply", {"reply": "Thank you for your order!"}
    )
    assert replied.status_code == 303
    twice = other_browser.post(f"/seller/feedback/{order_id}/reply", {"reply": "And again"})
    assert twice.status_code == 409 and "already replied" in twice.text
    assert "Thank you for your order!" in browser.get(f"/sellers/{seller_id}").text


def test_held_feedback_and_removal_requests_reach_staff(
    rt, session, browser, other_browser
) -> None:  # type: ignore[no-untyped-def]
    item = s.listing(rt, session)
    buyer = f.buyer(session, rt.clock)
    staff = f.buyer(session, rt.clock)
    staff.user.is_staff = True
    first = s.delivered_order(rt, session, buyer, item.offer)
    second = s.delivered_order(rt, session, buyer, item.offer)
    feedback.leave_feedback(
        session,
        rt.clock,
        buyer_id=buyer.user.id,
        order_id=first.id,
        stars=1,
        comment="Total shit, never again",
    )
    feedback.leave_feedback(
        session,
        rt.clock,
        buyer_id=buyer.user.id,
        order_id=second.id,
        stars=2,
        comment="Seller was slow to answer",
    )
    seller_email = _seller_email(session, item.seller.id)
    staff_email, first_id, second_id = staff.user.email, first.id, second.id
    session.commit()

    other_browser.sign_in(seller_email)
    asked = other_browser.post(
        f"/seller/feedback/{second_id}/request-removal", {"reason": "Entirely a product review"}
    )
    assert asked.status_code == 303
    browser.sign_in(staff_email)
    queue = browser.get("/ops/feedback").text
    assert "Held by the rules" in queue and "Seller asks for removal" in queue
    assert browser.post(f"/ops/feedback/{first_id}", {"decision": "remove"}).status_code == 303
    assert browser.post(f"/ops/feedback/{second_id}", {"decision": "keep"}).status_code == 303
    statuses = dict(session.execute(select(SellerFeedback.order_id, SellerFeedback.status)).all())
    session.rollback()
    assert statuses == {first_id: "removed", second_id: "published"}
    assert "No feedback waits" in browser.get("/ops/feedback").text
