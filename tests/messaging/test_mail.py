"""A full e-mail round trip through a real SMTP server (aiosmtpd on 127.0.0.1)."""

from __future__ import annotations

import smtplib
import socket
from email import message_from_bytes
from email import policy as email_policy
from email.message import EmailMessage

import aiosmtpd.controller as controller_module
import pytest
from sqlalchemy import select

from souk.messaging import service as messaging
from souk.messaging.mail import RelayHandler, SmtpTarget, receive_mail, send_pending_mail
from souk.messaging.models import Message, OutgoingMail
from tests.messaging.support import PDF, trade


class Mailbox:
    """Keeps every message the SMTP server receives."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        self.messages.append((list(envelope.rcpt_tos), envelope.original_content))
        return "250 OK"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp_server():  # type: ignore[no-untyped-def]
    box = Mailbox()
    port = _port()
    controller = controller_module.Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield box, SmtpTarget("127.0.0.1", port)
    controller.stop()


def _seller_reply(seller_email: str, alias_address: str) -> bytes:
    reply = EmailMessage()
    reply["From"] = f"Kettle House <{seller_email}>"
    reply["To"] = alias_address
    reply["Subject"] = "Re: New message"
    reply.set_content(
        "Yes, it works on 240 V. The manual is attached.\n\n"
        "On Mon, 2 Mar 2026, souk buyer wrote:\n> Does it work on 240 V?\n"
    )
    reply.add_attachment(PDF, maintype="application", subtype="pdf", filename="manual.pdf")
    return reply.as_bytes()


def test_round_trip_through_smtp_with_a_pdf(rt, session, smtp_server) -> None:
    box, target = smtp_server
    t = trade(rt, session)
    asked = messaging.contact_seller(
        session,
        rt.clock,
        rt.media,
        buyer_id=t.buyer.user.id,
        seller_id=t.seller.id,
        market="US",
        body="Does it work on 240 V?",
    )
    session.commit()
    assert send_pending_mail(rt.sessions, rt.clock, rt.media, target) == 1

    # The seller gets it from the buyer's relay alias; the buyer's address is nowhere in it.
    rcpt, raw = box.messages[0]
    assert rcpt == [t.seller.email]
    seen = message_from_bytes(raw, policy=email_policy.default)
    buyer_alias = messaging.relay_address(asked.message.thread, "buyer")
    assert buyer_alias in seen["From"] and seen["Reply-To"] == buyer_alias
    assert t.buyer.user.email.encode() not in raw
    assert "Does it work on 240 V?" in seen.get_body(preferencelist=("plain",)).get_content()

    # The seller answers by e-mail with a PDF; souk's relay SMTP server posts it into the thread.
    session.commit()  # release SQLite's write lock for the relay's own session
    relay = RelayHandler(rt.sessions, rt.clock, rt.media)
    relay_port = _port()
    inbound = controller_module.Controller(relay, hostname="127.0.0.1", port=relay_port)
    inbound.start()
    try:
        with smtplib.SMTP("127.0.0.1", relay_port) as client:
            client.sendmail(
                t.seller.email, [buyer_alias], _seller_reply(t.seller.email, buyer_alias)
            )
    finally:
        inbound.stop()
    assert relay.received and relay.received[0].accepted, relay.received
    session.expire_all()
    reply = session.scalars(select(Message).where(Message.sender == "seller")).one()
    assert reply.via == "email" and reply.body == "Yes, it works on 240 V. The manual is attached."
    assert [(a.filename, a.content_type) for a in reply.attachments] == [
        ("manual.pdf", "application/pdf")
    ]
    assert session.get(Message, asked.message.id).answered_at is not None
    session.commit()

    # And the buyer receives the answer, PDF included, from the seller's alias.
    assert send_pending_mail(rt.sessions, rt.clock, rt.media, target) == 1
    rcpt, raw = box.messages[1]
    assert rcpt == [t.buyer.user.email]
    answer = message_from_bytes(raw, policy=email_policy.default)
    assert messaging.relay_address(asked.message.thread, "seller") in answer["From"]
    files = [(p.get_filename(), p.get_payload(decode=True)) for p in answer.iter_attachments()]
    assert files == [("manual.pdf", PDF)]
    assert t.seller.email.encode() not in raw


def test_strangers_and_blocked_replies_are_refused(rt, session) -> None:
    t = trade(rt, session)
    asked = messaging.contact_seller(
        session,
        rt.clock,
        rt.media,
        buyer_id=t.buyer.user.id,
        seller_id=t.seller.id,
        market="US",
        body="Is it in stock?",
    )
    session.commit()
    alias = messaging.relay_address(asked.message.thread, "buyer")
    session.commit()
    stranger = receive_mail(
        rt.sessions, rt.clock, rt.media, _seller_reply("spam@example.net", alias)
    )
    assert not stranger.accepted and "Only the seller" in stranger.reason
    unknown = receive_mail(
        rt.sessions,
        rt.clock,
        rt.media,
        _seller_reply(t.seller.email, "nobody@marketplace.souk.com"),
    )
    assert not unknown.accepted
    bad = EmailMessage()
    bad["From"], bad["To"], bad["Subject"] = t.seller.email, alias, "Re"
    bad.set_content("Call us on +1 212 555 0147 instead")
    blocked = receive_mail(rt.sessions, rt.clock, rt.media, bad.as_bytes())
    assert not blocked.accepted and "Phone numbers" in blocked.reason
    with rt.sessions() as check:
        bounce = check.scalars(select(OutgoingMail).where(OutgoingMail.kind == "bounce")).one()
        assert bounce.rcpt_to == t.seller.email and "Phone numbers" in bounce.body


def test_unreachable_smtp_keeps_mail_queued(rt, session) -> None:
    t = trade(rt, session)
    messaging.contact_seller(
        session,
        rt.clock,
        rt.media,
        buyer_id=t.buyer.user.id,
        seller_id=t.seller.id,
        market="US",
        body="Hello?",
    )
    session.commit()
    assert send_pending_mail(rt.sessions, rt.clock, rt.media, SmtpTarget("127.0.0.1", _port())) == 0
    with rt.sessions() as check:
        mail = check.scalars(select(OutgoingMail)).one()
        assert mail.sent_at is None and mail.attempts == 1 and mail.last_error
