"""Messaging use cases on both databases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from souk.core.errors import InvalidInput, InvalidState, NotFound
from souk.messaging import rules
from souk.messaging import service as messaging
from souk.messaging.models import Message, MessageAttachment, OutgoingMail
from tests import factories as f
from tests.messaging.support import PDF, trade


def _count(session, model) -> int:  # type: ignore[no-untyped-def]
    return session.scalar(select(func.count()).select_from(model)) or 0


def _ask(rt, session, t, body="Does it work on 240 V?", **kw):  # type: ignore[no-untyped-def]
    return messaging.contact_seller(
        session,
        rt.clock,
        rt.media,
        buyer_id=t.buyer.user.id,
        seller_id=t.seller.id,
        market="US",
        body=body,
        **kw,
    )


def _answer(rt, session, t, thread_id, body="Yes, 110-240 V.", **kw):  # type: ignore[no-untyped-def]
    return messaging.seller_send(
        session,
        rt.clock,
        rt.media,
        seller_id=t.seller.id,
        user_id=None,
        thread_id=thread_id,
        body=body,
        **kw,
    )


def test_buyer_asks_seller_answers_one_thread_per_pair(rt, session) -> None:
    t = trade(rt, session)
    first = _ask(rt, session, t, asin=t.product.asin)
    assert not first.blocked and first.message.status == "delivered"
    assert first.message.reply_due_at == rt.clock.now() + timedelta(hours=24)
    second = _ask(rt, session, t, body="Also, is it quiet?", order_id=t.order.id)
    assert second.message.thread_id == first.message.thread_id
    rt.clock.advance(timedelta(hours=3))
    reply = _answer(rt, session, t, first.message.thread_id)
    assert reply.message.order_id == t.order.id  # the thread's order is attached
    session.expire_all()
    for m in (first.message, second.message):
        assert session.get(Message, m.id).answered_at == rt.clock.now()
    metric = messaging.response_time_for(session, rt.clock, t.seller.id)
    assert metric.counted_7d == 2 and metric.answered_in_time_7d == 1.0


def test_relay_mail_hides_the_buyers_address(rt, session) -> None:
    t = trade(rt, session)
    posted = _ask(rt, session, t)
    thread = posted.message.thread
    mail = session.scalars(select(OutgoingMail)).one()
    assert mail.rcpt_to == t.seller.email
    assert mail.mail_from == f"{thread.buyer_alias}@marketplace.souk.com"
    assert t.buyer.user.email not in mail.mail_from + mail.body + mail.subject
    # The alias is stable for the pair.
    again = _ask(rt, session, t, body="One more question")
    assert messaging.relay_address(again.message.thread, "buyer") == mail.mail_from


def test_blocked_message_is_stored_and_returned_not_delivered(rt, session) -> None:
    t = trade(rt, session)
    posted = _ask(rt, session, t, body="Call me on +1 212 555 0147")
    assert posted.blocked and posted.verdict.reasons == (rules.PHONE,)
    session.expire_all()
    stored = session.get(Message, posted.message.id)
    assert stored.status == "blocked" and stored.block_reasons == ["phone"]
    assert stored.reply_due_at is None
    assert _count(session, OutgoingMail) == 0
    thread = stored.thread
    assert stored in messaging.visible_messages(thread, "buyer")
    assert stored not in messaging.visible_messages(thread, "seller")


def test_attachments_checked_by_content(rt, session) -> None:
    t = trade(rt, session)
    ok = _ask(rt, session, t, uploads=[messaging.Upload("photo.pdf", PDF)])
    assert not ok.blocked
    assert session.scalars(select(MessageAttachment)).one().content_type == "application/pdf"
    bad = _ask(rt, session, t, uploads=[messaging.Upload("invoice.pdf", b"MZ\x90\0evil")])
    assert bad.verdict.reasons == (rules.ATTACHMENT_TYPE,)
    assert _count(session, MessageAttachment) == 1  # the refused file is not kept


def test_seller_contact_needs_an_order_within_the_window(rt, session) -> None:
    t = trade(rt, session)
    with pytest.raises(InvalidInput, match="Choose the order"):
        messaging.seller_send(
            session, rt.clock, rt.media, seller_id=t.seller.id, user_id=None, body="Hi"
        )
    rt.clock.advance(timedelta(days=30))
    sent = messaging.seller_send(
        session,
        rt.clock,
        rt.media,
        seller_id=t.seller.id,
        user_id=None,
        order_id=t.order.id,
        purpose="shipping_question",
        body="Is the side door fine for delivery?",
    )
    assert not sent.blocked
    rt.clock.advance(timedelta(seconds=1))
    before = _count(session, Message)
    with pytest.raises(InvalidInput, match="30 days"):
        messaging.seller_send(
            session,
            rt.clock,
            rt.media,
            seller_id=t.seller.id,
            user_id=None,
            order_id=t.order.id,
            purpose="shipping_question",
            body="Again?",
        )
    assert _count(session, Message) == before


def test_opt_out_lets_only_order_required_messages_through(rt, session) -> None:
    t = trade(rt, session)
    messaging.set_opt_out(session, rt.clock, t.buyer.user.id, True)
    args = dict(seller_id=t.seller.id, user_id=None, order_id=t.order.id, body="About your order")
    with pytest.raises(InvalidInput, match="opted out"):
        messaging.seller_send(session, rt.clock, rt.media, purpose="general", **args)
    sent = messaging.seller_send(session, rt.clock, rt.media, purpose="customisation", **args)
    assert not sent.blocked


def test_other_sellers_and_buyers_see_nothing(rt, session) -> None:
    t = trade(rt, session)
    posted = _ask(rt, session, t)
    other_seller = f.seller(session, rt.clock)
    other_buyer = f.buyer(session, rt.clock)
    with pytest.raises(NotFound):
        messaging.seller_thread(session, other_seller.id, posted.message.thread_id)
    with pytest.raises(NotFound):
        messaging.buyer_thread(session, other_buyer.user.id, posted.message.thread_id)
    with pytest.raises(NotFound):
        messaging.contact_seller(
            session,
            rt.clock,
            rt.media,
            buyer_id=other_buyer.user.id,
            seller_id=t.seller.id,
            market="US",
            body="hi",
            order_id=t.order.id,
        )
    with pytest.raises(NotFound):
        messaging.mark_no_reply_needed(
            session, rt.clock, seller_id=other_seller.id, message_id=posted.message.id
        )


def test_no_reply_needed_is_excluded_from_the_metric(rt, session) -> None:
    t = trade(rt, session)
    posted = _ask(rt, session, t, body="Thanks, all good!")
    messaging.mark_no_reply_needed(
        session, rt.clock, seller_id=t.seller.id, message_id=posted.message.id
    )
    with pytest.raises(InvalidState):
        reply = _answer(rt, session, t, posted.message.thread_id)
        messaging.mark_no_reply_needed(
            session, rt.clock, seller_id=t.seller.id, message_id=reply.message.id
        )
    rt.clock.advance(timedelta(days=2))
    assert messaging.response_time_for(session, rt.clock, t.seller.id).counted_7d == 0


def test_reply_clock_reminders_and_late_answers(rt, session) -> None:
    t = trade(rt, session)
    posted = _ask(rt, session, t)
    assert messaging.send_reminders(session, rt.clock) == 0
    rt.clock.advance(timedelta(hours=18))  # six hours left: remind once
    assert messaging.send_reminders(session, rt.clock) == 1
    assert messaging.send_reminders(session, rt.clock) == 0
    reminder = session.scalars(select(OutgoingMail).where(OutgoingMail.kind == "reminder")).one()
    assert reminder.rcpt_to == t.seller.email
    inbox = messaging.seller_inbox(session, rt.clock, t.seller.id)
    assert inbox[0].waiting == 1 and inbox[0].time_left == timedelta(hours=6)
    rt.clock.advance(timedelta(hours=7))
    _answer(rt, session, t, posted.message.thread_id)
    metric = messaging.response_time_for(session, rt.clock, t.seller.id)
    assert metric.answered_in_time_7d == 0.0
    assert metric.median_response == timedelta(hours=25)


def test_inbox_puts_unanswered_first_and_searches(rt, session) -> None:
    t = trade(rt, session)
    answered = _ask(rt, session, t, body="Is the lid steel?")
    _answer(rt, session, t, answered.message.thread_id)
    other = f.buyer(session, rt.clock)
    rt.clock.advance(timedelta(hours=1))
    waiting = messaging.contact_seller(
        session,
        rt.clock,
        rt.media,
        buyer_id=other.user.id,
        seller_id=t.seller.id,
        market="US",
        body="Do you ship to Hawaii?",
    )
    rt.clock.advance(timedelta(hours=1))
    _answer(rt, session, t, answered.message.thread_id, body="Anything else?")
    rows = messaging.seller_inbox(session, rt.clock, t.seller.id)
    assert [r.thread.id for r in rows] == [waiting.message.thread_id, answered.message.thread_id]
    found = messaging.seller_inbox(session, rt.clock, t.seller.id, search="hawaii")
    assert [r.thread.id for r in found] == [waiting.message.thread_id]
    assert messaging.seller_inbox(session, rt.clock, t.seller.id, search="100%_") == []


def test_scheduled_reply_arrives_when_due(rt, session) -> None:
    t = trade(rt, session)
    asked = _ask(rt, session, t)
    at = rt.clock.now() + timedelta(hours=5)
    scheduled = _answer(rt, session, t, asked.message.thread_id, deliver_at=at)
    assert scheduled.message.status == "scheduled"
    assert messaging.deliver_scheduled(session, rt.clock) == 0
    rt.clock.advance(timedelta(hours=5))
    assert messaging.deliver_scheduled(session, rt.clock) == 1
    session.expire_all()
    assert session.get(Message, asked.message.id).answered_at == at
    with pytest.raises(InvalidInput, match="future"):
        _answer(rt, session, t, asked.message.thread_id, deliver_at=rt.clock.now())


def test_buyer_zone_from_shipping_address_and_busy_hours(rt, session) -> None:
    t = trade(rt, session, state="CA")
    asked = _ask(rt, session, t)
    assert messaging.buyer_time_zone_for(session, asked.message.thread) == "America/Los_Angeles"
    histogram = messaging.busy_hours_for(session, rt.clock, "US")
    # START is 14:00 UTC on a March Monday: 09:00 in New York.
    assert rules.peak_hours(histogram, 1) == [9]


def test_templates_pass_the_rules_when_saved(rt, session) -> None:
    t = trade(rt, session)
    messaging.save_template(
        session, rt.clock, seller_id=t.seller.id, name="Shipped", body="It shipped today."
    )
    with pytest.raises(InvalidInput, match="exists"):
        messaging.save_template(session, rt.clock, seller_id=t.seller.id, name="Shipped", body="x")
    with pytest.raises(InvalidInput, match="Marketing"):
        messaging.save_template(
            session, rt.clock, seller_id=t.seller.id, name="Promo", body="Use code SAVE10"
        )
    assert [x.name for x in messaging.seller_templates(session, t.seller.id)] == ["Shipped"]


def test_typical_reply_hours_needs_history(rt, session) -> None:
    t = trade(rt, session)
    assert messaging.typical_reply_hours_for(session, rt.clock, t.seller.id) is None
    for n in range(3):
        asked = _ask(rt, session, t, body=f"Question {n}")
        rt.clock.advance(timedelta(hours=2, minutes=30))
        _answer(rt, session, t, asked.message.thread_id)
    assert messaging.typical_reply_hours_for(session, rt.clock, t.seller.id) == 3
