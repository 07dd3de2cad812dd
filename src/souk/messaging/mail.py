"""E-mail in and out of the relay.

Out: queued ``OutgoingMail`` rows go to an SMTP server (``smtplib``) from the
author's relay alias, attachments included; the recipient's real address is
known only to souk. In: a MIME message addressed to a relay alias is parsed
(text and attachments), its sender checked against the thread's side, and
posted into the thread through the same use cases as the web pages; what the
content rules block is bounced to the sender with the reasons.
"""

from __future__ import annotations

import re
import smtplib
from dataclasses import dataclass
from email import message_from_bytes
from email import policy as email_policy
from email.message import EmailMessage
from email.utils import formataddr, getaddresses, parseaddr

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from souk.accounts.models import User
from souk.core.clock import Clock
from souk.core.storage import MediaStorage
from souk.messaging import rules
from souk.messaging.models import Message, MessageThread, OutgoingMail
from souk.messaging.service import (
    Posted,
    Upload,
    buyer_reply,
    messaging_policy,
    seller_send,
)
from souk.sellers.models import Seller, SellerUser

MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class SmtpTarget:
    host: str
    port: int


def default_target() -> SmtpTarget:
    policy = messaging_policy("US")
    return SmtpTarget(policy.smtp_host, policy.smtp_port)


def _mime(mail: OutgoingMail, session: Session, media: MediaStorage) -> EmailMessage:
    message = EmailMessage()
    message["From"] = formataddr((mail.from_name, mail.mail_from))
    message["To"] = mail.rcpt_to
    message["Subject"] = mail.subject
    if mail.kind == "message":
        message["Reply-To"] = mail.mail_from
    message.set_content(
        mail.body
        + (
            "\n\n--\nReply to this e-mail to answer through souk. Links, e-mail addresses and "
            "phone numbers are removed by souk's messaging rules."
            if mail.kind == "message"
            else ""
        )
    )
    if mail.kind == "digest":  # recommendations' e-mail: add its HTML part and unsubscribe link
        from souk.recs.digest import html_part

        part = html_part(session, mail.id)
        if part is not None:
            message["List-Unsubscribe"] = f"<{part.unsubscribe_url}>"
            message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
            message.add_alternative(part.html, subtype="html")
    if mail.message_id is not None:
        stored = session.get(Message, mail.message_id)
        if stored is not None and mail.kind == "message":
            for attachment in stored.attachments:
                maintype, _, subtype = attachment.content_type.partition("/")
                message.add_attachment(
                    media.read(attachment.storage_key),
                    maintype=maintype,
                    subtype=subtype or "octet-stream",
                    filename=attachment.filename,
                )
    return message


def send_pending_mail(
    sessions: sessionmaker[Session],
    clock: Clock,
    media: MediaStorage,
    target: SmtpTarget | None = None,
    *,
    limit: int = 100,
) -> int:
    """Send queued e-mail through SMTP; failures stay queued and are retried."""
    target = target or default_target()
    sent = 0
    with sessions() as session:
        pending = list(
            session.scalars(
                select(OutgoingMail)
                .where(OutgoingMail.sent_at.is_(None), OutgoingMail.attempts < MAX_ATTEMPTS)
                .order_by(OutgoingMail.id)
                .limit(limit)
            )
        )
        if not pending:
            return 0
        try:
            smtp = smtplib.SMTP(target.host, target.port, timeout=30)
        except OSError as error:
            for mail in pending:
                mail.attempts += 1
                mail.last_error = f"connect: {error}"
            session.commit()
            return 0
        with smtp:
            for mail in pending:
                try:
                    smtp.send_message(
                        _mime(mail, session, media),
                        from_addr=mail.mail_from,
                        to_addrs=[mail.rcpt_to],
                    )
                except (smtplib.SMTPException, OSError) as error:
                    mail.attempts += 1
                    mail.last_error = str(error)[:500]
                    continue
                mail.sent_at = clock.now()
                mail.attempts += 1
                sent += 1
        session.commit()
    return sent


# --- incoming -----------------------------------------------------------------


@dataclass(frozen=True)
class Received:
    """What became of an incoming e-mail."""

    accepted: bool
    reason: str
    posted: Posted | None = None


_QUOTE_START = re.compile(r"^(?:On .+ wrote:|-----Original Message-----|From: .+)$")


def _reply_text(message: EmailMessage) -> str:
    """The new text of a reply: quoted history and signatures' delimiter dropped."""
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    text = part.get_content()
    if part.get_content_type() == "text/html":
        text = re.sub(r"<[^>]+>", " ", text)
    kept = []
    for line in text.splitlines():
        if _QUOTE_START.match(line.strip()) or line.strip() == "--":
            break
        if line.startswith(">"):
            continue
        kept.append(line)
    return "\n".join(kept).strip()


def _uploads(message: EmailMessage) -> list[Upload]:
    uploads = []
    for part in message.iter_attachments():
        data = part.get_payload(decode=True)
        if isinstance(data, bytes):
            uploads.append(
                Upload(part.get_filename() or "attachment", data, part.get_content_type())
            )
    return uploads


def _find_thread(
    session: Session, recipients: list[str]
) -> tuple[MessageThread, str] | tuple[None, None]:
    """The thread and the side the mail is addressed to, from a relay alias."""
    for address in recipients:
        local, _, domain = address.lower().partition("@")
        if not domain:
            continue
        thread = session.scalar(
            select(MessageThread).where(
                or_(MessageThread.buyer_alias == local, MessageThread.seller_alias == local)
            )
        )
        if thread is None:
            continue
        expected = f"{messaging_policy(thread.marketplace).relay_subdomain}."
        if not domain.startswith(expected):
            continue
        return thread, (rules.BUYER if thread.buyer_alias == local else rules.SELLER)
    return None, None


def _seller_addresses(session: Session, seller_id: str) -> set[str]:
    seller = session.get(Seller, seller_id)
    staff = session.scalars(
        select(User.email)
        .join(SellerUser, SellerUser.user_id == User.id)
        .where(SellerUser.seller_id == seller_id)
    )
    return {e.lower() for e in staff} | ({seller.email.lower()} if seller else set())


def _author_user(session: Session, email: str) -> int | None:
    return session.scalar(select(User.id).where(User.email == email))


def receive_mail(
    sessions: sessionmaker[Session],
    clock: Clock,
    media: MediaStorage,
    raw: bytes,
    *,
    envelope_recipients: list[str] | None = None,
) -> Received:
    """Post an e-mail sent to a relay alias into its thread.

    Mail to the buyer's alias must come from the seller (its e-mail or a
    staff member's), mail to the seller's alias from the buyer; anything else
    is refused. Attachments go through the same rules as on the web.
    """
    parsed = message_from_bytes(raw, policy=email_policy.default)
    assert isinstance(parsed, EmailMessage)
    recipients = list(envelope_recipients or [])
    recipients += [a for _, a in getaddresses(parsed.get_all("To", []) + parsed.get_all("Cc", []))]
    sender = parseaddr(str(parsed.get("From", "")))[1].lower()
    with sessions() as session:
        thread, addressed_to = _find_thread(session, recipients)
        if thread is None:
            return Received(False, "No conversation uses this relay address.")
        text = _reply_text(parsed)
        uploads = _uploads(parsed)
        if addressed_to == rules.BUYER:
            if sender not in _seller_addresses(session, thread.seller_id):
                return Received(False, "Only the seller can write to this relay address.")
            posted = seller_send(
                session,
                clock,
                media,
                seller_id=thread.seller_id,
                user_id=_author_user(session, sender),
                thread_id=thread.id,
                body=text,
                uploads=uploads,
                via="email",
            )
        else:
            buyer = session.get(User, thread.buyer_id)
            if buyer is None or sender != buyer.email.lower():
                return Received(False, "Only the buyer can write to this relay address.")
            posted = buyer_reply(
                session,
                clock,
                media,
                buyer_id=thread.buyer_id,
                thread_id=thread.id,
                body=text,
                uploads=uploads,
                via="email",
            )
        if posted.blocked:
            return Received(False, " ".join(posted.verdict.messages), posted)
        return Received(True, "posted", posted)


class RelayHandler:
    """An ``aiosmtpd`` handler: the relay's own SMTP server hands every message
    for ``@marketplace.<site>`` to :func:`receive_mail`."""

    def __init__(self, sessions: sessionmaker[Session], clock: Clock, media: MediaStorage) -> None:
        self.sessions = sessions
        self.clock = clock
        self.media = media
        self.received: list[Received] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        raw = getattr(envelope, "original_content", None) or getattr(envelope, "content", b"")
        recipients = list(getattr(envelope, "rcpt_tos", []))
        try:
            result = receive_mail(
                self.sessions, self.clock, self.media, raw, envelope_recipients=recipients
            )
        except Exception as error:  # a refused reply must not crash the SMTP server
            first_line = (str(error).splitlines() or ["error"])[0]
            return f"451 Requested action aborted: {first_line}"[:200]
        self.received.append(result)
        if not result.accepted and result.posted is None:
            return "550 " + result.reason
        return "250 Message accepted for delivery"
