"""Messaging use cases: contact, reply, block with a reason, reply clocks,
opt-out, inbox, schedules, templates and the response-time metric.

Every message goes through the content rules; a blocked one is stored with
its reasons and handed back to the sender, never dropped. Each delivered
message also queues an e-mail (``OutgoingMail``) to the other side, from the
author's relay alias, in the same transaction; ``mail.send_pending_mail``
sends them.
"""

from __future__ import annotations

import re
import secrets
import string
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from souk.accounts.service import addresses, get_user
from souk.catalog.service import get_product
from souk.core.clock import Clock
from souk.core.errors import InvalidInput, InvalidState, NotFound
from souk.core.events import emit
from souk.core.policy import MessagingPolicy, default_policy
from souk.core.storage import MediaStorage
from souk.marketplaces.rules import MARKETPLACES, marketplace
from souk.messaging import rules
from souk.messaging.models import (
    Message,
    MessageAttachment,
    MessageTemplate,
    MessageThread,
    MessagingPreference,
    OutgoingMail,
)
from souk.orders.models import Order
from souk.orders.service import buyer_order, seller_order
from souk.sellers.service import get_seller

DELIVERED = "delivered"
BLOCKED = "blocked"
SCHEDULED = "scheduled"
_ALIAS_ALPHABET = string.ascii_lowercase + string.digits


def messaging_policy(market: str) -> MessagingPolicy:
    return default_policy().for_marketplace(market).messaging


@dataclass(frozen=True)
class Upload:
    """A file the sender attaches."""

    filename: str
    data: bytes
    content_type: str = "application/octet-stream"


@dataclass(frozen=True)
class Posted:
    """The stored message and the content rules' verdict on it."""

    message: Message
    verdict: rules.Verdict

    @property
    def blocked(self) -> bool:
        return not self.verdict.allowed


def relay_address(thread: MessageThread, side: str) -> str:
    """The relay address standing for ``side`` (buyer or seller) in this thread."""
    policy = messaging_policy(thread.marketplace)
    alias = thread.buyer_alias if side == rules.BUYER else thread.seller_alias
    return f"{alias}@{policy.relay_subdomain}.{marketplace(thread.marketplace).domain}"


def _new_alias(session: Session) -> str:
    while True:
        alias = "".join(secrets.choice(_ALIAS_ALPHABET) for _ in range(10))
        taken = session.scalar(
            select(MessageThread.id).where(
                or_(MessageThread.buyer_alias == alias, MessageThread.seller_alias == alias)
            )
        )
        if taken is None:
            return alias


def _thread(
    session: Session, clock: Clock, buyer_id: int, seller_id: str, market: str
) -> MessageThread:
    thread = session.scalar(
        select(MessageThread).where(
            MessageThread.buyer_id == buyer_id, MessageThread.seller_id == seller_id
        )
    )
    if thread is None:
        now = clock.now()
        thread = MessageThread(
            buyer_id=buyer_id,
            seller_id=seller_id,
            marketplace=market,
            buyer_alias=_new_alias(session),
            seller_alias=_new_alias(session),
            created_at=now,
            last_message_at=now,
        )
        session.add(thread)
        session.flush()
    return thread


def _safe_filename(name: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1])
    return cleaned.strip("._")[:120] or "attachment"


def _verdict(
    body: str, sender: str, uploads: Sequence[Upload], policy: MessagingPolicy
) -> rules.Verdict:
    return rules.combine(
        rules.check_text(body, sender=sender, max_length=policy.max_length),
        rules.check_attachments(
            [rules.AttachmentFacts(u.filename, len(u.data), u.data[:16]) for u in uploads],
            allowed_types=policy.attachment_types,
            max_bytes=policy.attachment_max_bytes,
            max_count=policy.attachments_per_message,
        ),
    )


def _post(
    session: Session,
    clock: Clock,
    media: MediaStorage,
    thread: MessageThread,
    *,
    sender: str,
    author_user_id: int | None,
    body: str,
    uploads: Sequence[Upload] = (),
    order_id: str | None = None,
    asin: str | None = None,
    purpose: str = "",
    deliver_at: datetime | None = None,
    via: str = "web",
) -> Posted:
    policy = messaging_policy(thread.marketplace)
    verdict = _verdict(body, sender, uploads, policy)
    now = clock.now()
    status = BLOCKED if not verdict.allowed else SCHEDULED if deliver_at else DELIVERED
    message = Message(
        thread_id=thread.id,
        sender=sender,
        author_user_id=author_user_id,
        body=body.strip(),
        order_id=order_id,
        asin=asin,
        purpose=purpose,
        status=status,
        block_reasons=list(verdict.reasons),
        via=via,
        created_at=now,
        deliver_at=deliver_at,
    )
    session.add(message)
    session.flush()
    if status != BLOCKED:
        # Blocked files are never kept: they may be what the rules stopped.
        for upload in uploads:
            key = f"messages/{thread.id}/{uuid.uuid4().hex}/{_safe_filename(upload.filename)}"
            media.save(key, upload.data)
            kind = rules.sniff_type(upload.data[:16]) or upload.content_type
            message.attachments.append(
                MessageAttachment(
                    filename=_safe_filename(upload.filename),
                    content_type=kind,
                    size=len(upload.data),
                    storage_key=key,
                )
            )
    if status == DELIVERED:
        _deliver(session, clock, thread, message)
    elif status == BLOCKED:
        emit(session, "message.blocked", str(message.id), {"reasons": list(verdict.reasons)}, now)
        if via == "email":
            _queue_bounce(session, clock, thread, message, verdict)
    session.flush()
    return Posted(message, verdict)


def _deliver(session: Session, clock: Clock, thread: MessageThread, message: Message) -> None:
    """The message reaches the other side: clocks start or stop, an e-mail is queued."""
    now = clock.now()
    policy = messaging_policy(thread.marketplace)
    message.status = DELIVERED
    message.delivered_at = now
    thread.last_message_at = now
    if message.sender == rules.BUYER:
        message.reply_due_at = rules.reply_due(now, policy.reply_hours)
    elif message.sender == rules.SELLER:  # a platform notice answers nobody
        for waiting in session.scalars(
            select(Message).where(
                Message.thread_id == thread.id,
                Message.sender == rules.BUYER,
                Message.status == DELIVERED,
                Message.answered_at.is_(None),
                Message.id != message.id,
            )
        ):
            waiting.answered_at = now
    _queue_message_mail(session, clock, thread, message)
    emit(
        session,
        "message.delivered",
        str(message.id),
        {"thread_id": thread.id, "sender": message.sender, "seller_id": thread.seller_id},
        now,
    )


def _queue_message_mail(
    session: Session, clock: Clock, thread: MessageThread, message: Message
) -> None:
    seller = get_seller(session, thread.seller_id)
    if message.sender == rules.BUYER:
        # The seller sees the buyer only through the buyer's relay alias.
        rcpt, from_side, from_name = seller.email, rules.BUYER, "souk buyer"
    else:
        rcpt = get_user(session, thread.buyer_id).email
        from_side, from_name = rules.SELLER, f"{seller.store_name} (via souk)"
    about = f" about order {message.order_id}" if message.order_id else ""
    session.add(
        OutgoingMail(
            message_id=message.id,
            kind="message",
            mail_from=relay_address(thread, from_side),
            from_name=from_name,
            rcpt_to=rcpt,
            subject=f"New message{about}",
            body=message.body,
            created_at=clock.now(),
        )
    )


def _queue_bounce(
    session: Session, clock: Clock, thread: MessageThread, message: Message, verdict: rules.Verdict
) -> None:
    if message.sender == rules.BUYER:
        rcpt = get_user(session, thread.buyer_id).email
    else:
        rcpt = get_seller(session, thread.seller_id).email
    reasons = "\n".join(f"- {text}" for text in verdict.messages)
    session.add(
        OutgoingMail(
            message_id=message.id,
            kind="bounce",
            mail_from=marketplace(thread.marketplace).no_reply_address,
            from_name="souk messages",
            rcpt_to=rcpt,
            subject="Your message was not delivered",
            body=(
                "souk did not deliver your message because:\n"
                f"{reasons}\n\nPlease edit it and send it again.\n\n"
                f"Your message:\n{message.body}"
            ),
            created_at=clock.now(),
        )
    )


# --- buyers -----------------------------------------------------------------


def contact_seller(
    session: Session,
    clock: Clock,
    media: MediaStorage,
    *,
    buyer_id: int,
    seller_id: str,
    market: str,
    body: str,
    asin: str | None = None,
    order_id: str | None = None,
    uploads: Sequence[Upload] = (),
    via: str = "web",
) -> Posted:
    """A buyer writes to a seller from a product page or an order."""
    if market not in MARKETPLACES:
        raise InvalidInput(f"No marketplace {market}.", field="marketplace")
    seller = get_seller(session, seller_id)
    if order_id:
        order = buyer_order(session, buyer_id, order_id)
        if order.seller_id != seller.id:
            raise NotFound(f"No order {order_id} from this seller.", field="order_id")
        market = order.marketplace
    if asin:
        asin = get_product(session, asin).asin
    thread = _thread(session, clock, buyer_id, seller.id, market)
    posted = _post(
        session,
        clock,
        media,
        thread,
        sender=rules.BUYER,
        author_user_id=buyer_id,
        body=body,
        uploads=uploads,
        order_id=order_id or None,
        asin=asin or None,
        via=via,
    )
    session.commit()
    return posted


def send_platform_message(
    session: Session,
    clock: Clock,
    *,
    seller_id: str,
    buyer_id: int,
    order_id: str,
    subject: str,
    body: str,
) -> Message | None:
    """A message in souk's own words about an order (a review request, a notice) in
    the buyer-seller thread. People's content rules do not apply to souk's wording,
    it answers no buyer message, and buyers who opted out of unsolicited messages
    do not get it (returns None)."""
    if is_opted_out(session, buyer_id):
        return None
    order = session.get(Order, order_id)
    market = order.marketplace if order is not None else "US"
    thread = _thread(session, clock, buyer_id, seller_id, market)
    message = Message(
        thread_id=thread.id,
        sender=rules.PLATFORM,
        author_user_id=None,
        body=f"{subject}\n\n{body}".strip(),
        order_id=order_id,
        purpose="platform",
        status=DELIVERED,
        block_reasons=[],
        via="web",
        created_at=clock.now(),
    )
    session.add(message)
    session.flush()
    _deliver(session, clock, thread, message)
    return message


def buyer_reply(
    session: Session,
    clock: Clock,
    media: MediaStorage,
    *,
    buyer_id: int,
    thread_id: int,
    body: str,
    uploads: Sequence[Upload] = (),
    via: str = "web",
) -> Posted:
    thread = buyer_thread(session, buyer_id, thread_id)
    last_order = _last_order_id(thread)
    posted = _post(
        session,
        clock,
        media,
        thread,
        sender=rules.BUYER,
        author_user_id=buyer_id,
        body=body,
        uploads=uploads,
        order_id=last_order,
        via=via,
    )
    session.commit()
    return posted


def set_opt_out(session: Session, clock: Clock, buyer_id: int, opted_out: bool) -> None:
    """Buyers may refuse unsolicited seller messages; order-required ones still arrive."""
    preference = session.get(MessagingPreference, buyer_id)
    if preference is None:
        preference = MessagingPreference(buyer_id=buyer_id, updated_at=clock.now())
        session.add(preference)
    preference.opted_out = opted_out
    preference.updated_at = clock.now()
    session.commit()


def is_opted_out(session: Session, buyer_id: int) -> bool:
    preference = session.get(MessagingPreference, buyer_id)
    return bool(preference and preference.opted_out)


def buyer_threads(session: Session, buyer_id: int) -> list[MessageThread]:
    return list(
        session.scalars(
            select(MessageThread)
            .where(MessageThread.buyer_id == buyer_id)
            .order_by(MessageThread.last_message_at.desc())
            .options(selectinload(MessageThread.messages))
        )
    )


def buyer_thread(session: Session, buyer_id: int, thread_id: int) -> MessageThread:
    """The buyer's own thread; anyone else's is simply not found."""
    thread = session.get(MessageThread, thread_id)
    if thread is None or thread.buyer_id != buyer_id:
        raise NotFound("No such conversation.")
    return thread


def visible_messages(thread: MessageThread, side: str) -> list[Message]:
    """What one side sees: every delivered message, plus its own blocked and scheduled ones."""
    return [m for m in thread.messages if m.status == DELIVERED or m.sender == side]


def _last_order_id(thread: MessageThread) -> str | None:
    for message in reversed(thread.messages):
        if message.order_id:
            return message.order_id
    return None


# --- sellers ----------------------------------------------------------------


def seller_thread(session: Session, seller_id: str, thread_id: int) -> MessageThread:
    thread = session.get(MessageThread, thread_id)
    if thread is None or thread.seller_id != seller_id:
        raise NotFound("No such conversation.")
    return thread


def seller_send(
    session: Session,
    clock: Clock,
    media: MediaStorage,
    *,
    seller_id: str,
    user_id: int | None,
    body: str,
    thread_id: int | None = None,
    order_id: str | None = None,
    purpose: str = "",
    uploads: Sequence[Upload] = (),
    deliver_at: datetime | None = None,
    via: str = "web",
) -> Posted:
    """A seller replies in a thread, or writes to a buyer about an order.

    Refusals by the contact rules (no order, too late, opted out) raise and
    store nothing; content the rules block is stored and handed back.
    """
    order: Order | None = None
    if order_id:
        order = seller_order(session, seller_id, order_id)
        thread = _thread(session, clock, order.buyer_id, seller_id, order.marketplace)
        if thread_id is not None and thread.id != thread_id:
            raise NotFound(f"No order {order_id} in this conversation.", field="order_id")
    elif thread_id is not None:
        thread = seller_thread(session, seller_id, thread_id)
        # A follow-up in a thread the seller opened is about the same order and purpose.
        last_order = _last_order_id(thread)
        order = seller_order(session, seller_id, last_order) if last_order else None
        purpose = purpose or next(
            (
                m.purpose
                for m in reversed(thread.messages)
                if m.sender == rules.SELLER and m.purpose
            ),
            "",
        )
    else:
        raise InvalidInput("Choose the order this message is about.", field="order_id")
    policy = messaging_policy(thread.marketplace)
    is_reply = any(m.sender == rules.BUYER and m.status == DELIVERED for m in thread.messages)
    refusal = rules.seller_contact_refusal(
        rules.SellerContact(
            is_reply=is_reply,
            order_purchased_at=order.purchased_at if order else None,
            purpose=purpose,
            buyer_opted_out=is_opted_out(session, thread.buyer_id),
        ),
        now=clock.now(),
        window_days=policy.seller_contact_days,
        order_required_purposes=policy.order_required_purposes,
    )
    if refusal is not None:
        session.rollback()
        raise InvalidInput(refusal, field="purpose" if order else "order_id")
    if deliver_at is not None and deliver_at <= clock.now():
        raise InvalidInput("Choose a delivery time in the future.", field="deliver_at")
    posted = _post(
        session,
        clock,
        media,
        thread,
        sender=rules.SELLER,
        author_user_id=user_id,
        body=body,
        uploads=uploads,
        order_id=order_id or _last_order_id(thread),
        purpose=purpose,
        deliver_at=deliver_at,
        via=via,
    )
    session.commit()
    return posted


def mark_no_reply_needed(
    session: Session, clock: Clock, *, seller_id: str, message_id: int
) -> None:
    """The seller closes a buyer message's clock without answering ("thanks!")."""
    message = session.get(Message, message_id)
    if message is None or message.thread.seller_id != seller_id:
        raise NotFound("No such message.")
    if message.sender != rules.BUYER or message.status != DELIVERED:
        raise InvalidState("Only a buyer's message can be marked as needing no reply.")
    if message.answered_at is not None:
        raise InvalidState("This message is already answered.")
    message.no_reply_needed = True
    emit(session, "message.no_reply_needed", str(message.id), {}, clock.now())
    session.commit()


@dataclass(frozen=True)
class InboxRow:
    thread: MessageThread
    buyer_address: str
    last: Message | None
    waiting: int  # buyer messages whose clock runs
    due_at: datetime | None  # the earliest running clock
    time_left: timedelta | None


def _waiting(thread: MessageThread) -> list[Message]:
    return [
        m
        for m in thread.messages
        if m.sender == rules.BUYER
        and m.status == DELIVERED
        and m.answered_at is None
        and not m.no_reply_needed
    ]


def seller_inbox(
    session: Session, clock: Clock, seller_id: str, *, search: str = "", limit: int = 200
) -> list[InboxRow]:
    """Unanswered conversations first, the least time left on top; then the rest, newest first."""
    query = (
        select(MessageThread)
        .where(MessageThread.seller_id == seller_id)
        .options(selectinload(MessageThread.messages))
        .order_by(MessageThread.last_message_at.desc())
        .limit(limit)
    )
    term = search.strip()
    if term:
        like = "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        matching = select(Message.thread_id).where(
            or_(
                Message.body.ilike(like, escape="\\"),
                Message.order_id == term,
                Message.asin == term.upper(),
            ),
            or_(Message.status == DELIVERED, Message.sender == rules.SELLER),
        )
        query = query.where(
            or_(
                MessageThread.id.in_(matching),
                MessageThread.buyer_alias == term.split("@")[0].lower(),
            )
        )
    now = clock.now()
    rows = []
    for thread in session.scalars(query):
        waiting = _waiting(thread)
        due = min((m.reply_due_at for m in waiting if m.reply_due_at), default=None)
        shown = visible_messages(thread, rules.SELLER)
        rows.append(
            InboxRow(
                thread=thread,
                buyer_address=relay_address(thread, rules.BUYER),
                last=shown[-1] if shown else None,
                waiting=len(waiting),
                due_at=due,
                time_left=rules.time_left(due, now) if due else None,
            )
        )
    rows.sort(
        key=lambda r: (
            r.due_at is None,
            r.due_at or now,
            -(r.thread.last_message_at.timestamp()),
        )
    )
    return rows


def buyer_time_zone_for(session: Session, thread: MessageThread) -> str:
    """The buyer's zone: the latest order's shipping address with this seller,
    else the buyer's default address, else the marketplace's zone."""
    fallback = marketplace(thread.marketplace).time_zone
    order = session.scalar(
        select(Order)
        .where(Order.buyer_id == thread.buyer_id, Order.seller_id == thread.seller_id)
        .order_by(Order.purchased_at.desc())
        .limit(1)
    )
    if order is not None:
        return rules.buyer_time_zone(order.ship_country, order.ship_state, fallback=fallback)
    known = addresses(session, thread.buyer_id)
    if known:
        return rules.buyer_time_zone(known[0].country, known[0].state, fallback=fallback)
    return fallback


def busy_hours_for(
    session: Session, clock: Clock, market: str, *, days: int = 90
) -> list[tuple[int, int]]:
    """Buyer messages per local hour (marketplace time) over recent history."""
    zone = marketplace(market).zone
    since = clock.now() - timedelta(days=days)
    sent = session.scalars(
        select(Message.created_at)
        .join(MessageThread, MessageThread.id == Message.thread_id)
        .where(
            MessageThread.marketplace == market,
            Message.sender == rules.BUYER,
            Message.created_at >= since,
        )
    )
    return rules.busy_hours(at.astimezone(zone).hour for at in sent)


def response_time_for(session: Session, clock: Clock, seller_id: str) -> rules.ResponseTime:
    """The response-time metric for account health: answered within the reply
    window over 7 and 30 days, and the median time to answer."""
    now = clock.now()
    rows = session.execute(
        select(
            Message.delivered_at,
            Message.answered_at,
            Message.no_reply_needed,
            MessageThread.marketplace,
        )
        .join(MessageThread, MessageThread.id == Message.thread_id)
        .where(
            MessageThread.seller_id == seller_id,
            Message.sender == rules.BUYER,
            Message.status == DELIVERED,
            Message.delivered_at >= now - timedelta(days=rules.RESPONSE_WINDOW_DAYS),
        )
    ).all()
    market = rows[0].marketplace if rows else "US"
    clocks = [
        rules.BuyerMessageClock(r.delivered_at, r.answered_at, r.no_reply_needed) for r in rows
    ]
    return rules.response_time(clocks, now=now, reply_hours=messaging_policy(market).reply_hours)


def typical_reply_hours_for(session: Session, clock: Clock, seller_id: str) -> int | None:
    """ "Typically replies within N hours" beside the seller, or None without enough history."""
    metric = response_time_for(session, clock, seller_id)
    policy = messaging_policy("US")
    return rules.typical_reply_hours(metric, min_messages=policy.typical_reply_min_messages)


# --- templates ----------------------------------------------------------------


def seller_templates(session: Session, seller_id: str) -> list[MessageTemplate]:
    return list(
        session.scalars(
            select(MessageTemplate)
            .where(MessageTemplate.seller_id == seller_id)
            .order_by(MessageTemplate.name)
        )
    )


def save_template(
    session: Session, clock: Clock, *, seller_id: str, name: str, body: str
) -> MessageTemplate:
    """Templates pass the content rules when saved, so sellers learn early."""
    name, body = name.strip(), body.strip()
    if not name:
        raise InvalidInput("Give the template a name.", field="name")
    if len(name) > 80:
        raise InvalidInput("Template names are at most 80 characters.", field="name")
    verdict = rules.check_text(body, sender=rules.SELLER)
    if not verdict.allowed:
        raise InvalidInput(" ".join(verdict.messages), field="body")
    exists = session.scalar(
        select(func.count())
        .select_from(MessageTemplate)
        .where(MessageTemplate.seller_id == seller_id, MessageTemplate.name == name)
    )
    if exists:
        raise InvalidInput(f"A template named '{name}' exists already.", field="name")
    template = MessageTemplate(seller_id=seller_id, name=name, body=body, created_at=clock.now())
    session.add(template)
    session.commit()
    return template


def delete_template(session: Session, *, seller_id: str, template_id: int) -> None:
    template = session.get(MessageTemplate, template_id)
    if template is None or template.seller_id != seller_id:
        raise NotFound("No such template.")
    session.delete(template)
    session.commit()


# --- attachments ------------------------------------------------------------


def attachment_for(
    session: Session,
    attachment_id: int,
    *,
    buyer_id: int | None = None,
    seller_id: str | None = None,
) -> MessageAttachment:
    """An attachment for one side of its thread; anyone else gets not found."""
    attachment = session.get(MessageAttachment, attachment_id)
    if attachment is None:
        raise NotFound("No such attachment.")
    message = session.get(Message, attachment.message_id)
    assert message is not None
    thread = message.thread
    side = rules.BUYER if buyer_id is not None else rules.SELLER
    owner_ok = (buyer_id is not None and thread.buyer_id == buyer_id) or (
        seller_id is not None and thread.seller_id == seller_id
    )
    if not owner_ok or (message.status != DELIVERED and message.sender != side):
        raise NotFound("No such attachment.")
    return attachment


# --- jobs -------------------------------------------------------------------


def deliver_scheduled(session: Session, clock: Clock) -> int:
    """Deliver scheduled messages whose time has come."""
    now = clock.now()
    due = list(
        session.scalars(
            select(Message)
            .where(Message.status == SCHEDULED, Message.deliver_at <= now)
            .order_by(Message.deliver_at, Message.id)
        )
    )
    for message in due:
        _deliver(session, clock, message.thread, message)
    session.commit()
    return len(due)


def send_reminders(session: Session, clock: Clock) -> int:
    """Remind sellers once about buyer messages close to (or past) their reply deadline."""
    now = clock.now()
    waiting = session.scalars(
        select(Message).where(
            Message.sender == rules.BUYER,
            Message.status == DELIVERED,
            Message.answered_at.is_(None),
            Message.no_reply_needed.is_(False),
            Message.reminder_sent_at.is_(None),
        )
    )
    sent = 0
    for message in waiting:
        thread = message.thread
        policy = messaging_policy(thread.marketplace)
        if message.reply_due_at is None or not rules.needs_reminder(
            message.reply_due_at,
            now,
            lead_hours=policy.reminder_lead_hours,
            already_reminded=False,
        ):
            continue
        message.reminder_sent_at = now
        left = rules.time_left(message.reply_due_at, now)
        hours = max(0, int(left.total_seconds() // 3600))
        when = f"within {hours} hours" if left > timedelta(0) else "now: it is overdue"
        session.add(
            OutgoingMail(
                message_id=message.id,
                kind="reminder",
                mail_from=marketplace(thread.marketplace).no_reply_address,
                from_name="souk Seller Central",
                rcpt_to=get_seller(session, thread.seller_id).email,
                subject="A buyer is waiting for your reply",
                body=(
                    f"Please answer the buyer's message {when}.\n"
                    f"Open Seller Central, Messages, to reply.\n\n{message.body}"
                ),
                created_at=now,
            )
        )
        sent += 1
    session.commit()
    return sent
