"""Messages pages: buyer contacts a seller, seller answers in Seller Central, access control."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from souk.messaging.models import Message
from tests.messaging.support import PDF, trade


def _count(session) -> int:  # type: ignore[no-untyped-def]
    # A separate short session: the test's own one keeps its loaded objects, and
    # SQLite's write lock is released at once for the app's sessions.
    with session.info["runtime"].read_sessions() as reader:
        return reader.scalar(select(func.count()).select_from(Message)) or 0


def test_buyer_asks_from_product_page_and_seller_answers(
    rt, session, browser, other_browser
) -> None:
    t = trade(rt, session)
    session.commit()
    product_page = browser.get(f"/dp/{t.product.asin}")
    assert "Ask Kettle House a question" in product_page.text
    browser.sign_in(t.buyer.user.email)
    form = browser.get(f"/messages/new?seller={t.seller.id}&asin={t.product.asin}")
    assert form.status_code == 200 and "Contact Kettle House" in form.text

    refused = browser.post(
        "/messages/new",
        {"seller": t.seller.id, "asin": t.product.asin, "body": "Call me on 212 555 0147"},
    )
    assert refused.status_code == 422
    assert "Phone numbers are not allowed" in refused.text
    assert 'id="e-body"' in refused.text  # beside the field
    assert _count(session) == 1  # stored as blocked, not dropped

    sent = browser.post(
        "/messages/new",
        {"seller": t.seller.id, "asin": t.product.asin, "body": "Does it work on 240 V?"},
        files={"attachments": ("label.pdf", PDF, "application/pdf")},
    )
    assert sent.status_code == 303
    thread_url = sent.headers["location"].split("?")[0]
    thread_id = int(thread_url.rsplit("/", 1)[1])

    other_browser.sign_in(t.seller.email)
    inbox = other_browser.get("/seller/messages")
    assert inbox.status_code == 200 and "24 h" in inbox.text and "left" in inbox.text
    assert t.buyer.user.email not in inbox.text
    page = other_browser.get(f"/seller/messages/{thread_id}")
    assert "Does it work on 240 V?" in page.text and "label.pdf" in page.text
    assert t.buyer.user.email not in page.text and "America/Chicago" in page.text
    attachment_id = re.search(r"/seller/messages/attachments/(\d+)", page.text).group(1)
    assert other_browser.get(f"/seller/messages/attachments/{attachment_id}").content == PDF
    answer = other_browser.post(f"/seller/messages/{thread_id}", {"body": "Yes, 110-240 V."})
    assert answer.status_code == 303

    thread = browser.get(thread_url)
    assert "Yes, 110-240 V." in thread.text
    assert "Call me on 212 555 0147" in thread.text and "Not delivered" in thread.text
    assert browser.get(f"/messages/attachments/{attachment_id}").status_code == 200


def test_strangers_get_not_found(rt, session, browser, other_browser) -> None:
    t = trade(rt, session)
    session.commit()
    browser.sign_in(t.buyer.user.email)
    sent = browser.post("/messages/new", {"seller": t.seller.id, "body": "Is it in stock?"})
    thread_id = int(sent.headers["location"].split("?")[0].rsplit("/", 1)[1])
    other = trade(rt, session)
    session.commit()
    other_browser.sign_in(other.seller.email)
    assert other_browser.get(f"/seller/messages/{thread_id}").status_code == 404
    assert other_browser.post(f"/seller/messages/{thread_id}", {"body": "hi"}).status_code == 404
    assert other_browser.get(f"/seller/messages/new?order={t.order.id}").status_code == 404
    other_browser.client.cookies.clear()
    other_browser.sign_in(other.buyer.user.email)
    assert other_browser.get(f"/messages/{thread_id}").status_code == 404
    assert other_browser.get(f"/messages/new?order={t.order.id}").status_code == 404


def test_seller_contacts_buyer_about_an_order_and_schedules(rt, session, browser) -> None:
    t = trade(rt, session)
    session.commit()
    browser.sign_in(t.seller.email)
    order_page = browser.get(f"/seller/orders/{t.order.id}")
    assert "Contact buyer" in order_page.text
    missing = browser.post("/seller/messages/new", {"order": t.order.id, "body": "Hello"})
    assert missing.status_code == 400 and "Choose what the message is about" in missing.text
    marketing = browser.post(
        "/seller/messages/new",
        {"order": t.order.id, "purpose": "general", "body": "Use code SAVE20 for 20% off"},
    )
    assert marketing.status_code == 422 and "Marketing" in marketing.text
    sent = browser.post(
        "/seller/messages/new",
        {"order": t.order.id, "purpose": "delivery_schedule", "body": "Which day suits you?"},
    )
    assert sent.status_code == 303
    thread_url = sent.headers["location"].split("?")[0]
    bad_time = browser.post(
        thread_url, {"body": "Later", "send_day": "2026-03-01", "send_time": "09:00"}
    )
    assert bad_time.status_code == 400 and "future" in bad_time.text
    later = browser.post(
        thread_url, {"body": "Reminder", "send_day": "2026-03-03", "send_time": "09:00"}
    )
    assert later.status_code == 303 and "scheduled=1" in later.headers["location"]
    assert "Scheduled to arrive" in browser.get(thread_url).text


def test_opt_out_and_templates(rt, session, browser, other_browser) -> None:
    t = trade(rt, session)
    session.commit()
    browser.sign_in(t.buyer.user.email)
    assert browser.post("/messages/preferences", {"opt_out": "1"}).status_code == 303
    assert "checked" in browser.get("/messages").text
    other_browser.sign_in(t.seller.email)
    refused = other_browser.post(
        "/seller/messages/new", {"order": t.order.id, "purpose": "general", "body": "Hello"}
    )
    assert refused.status_code == 400 and "opted out" in refused.text
    bad = other_browser.post(
        "/seller/messages/templates", {"name": "Promo", "body": "Visit our store"}
    )
    assert bad.status_code == 400 and "Marketing" in bad.text
    good = other_browser.post(
        "/seller/messages/templates", {"name": "Shipped", "body": "It shipped."}
    )
    assert good.status_code == 303
    assert "It shipped." in other_browser.get("/seller/messages/templates").text


def test_forms_need_the_csrf_token(rt, session, browser) -> None:
    t = trade(rt, session)
    session.commit()
    browser.sign_in(t.buyer.user.email)
    forged = browser.client.post(
        "/messages/new", data={"seller": t.seller.id, "body": "hi"}, follow_redirects=False
    )
    assert forged.status_code == 403
    assert _count(session) == 0
