"""Buyer-seller message threads, messages, attachments, preferences, templates, mail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from souk.core.db import Base


class MessageThread(Base):
    """All messages between one buyer and one seller, with relay aliases for each side."""

    __tablename__ = "message_threads"
    __table_args__ = (UniqueConstraint("buyer_id", "seller_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    seller_id: Mapped[str] = mapped_column(ForeignKey("sellers.id", ondelete="CASCADE"), index=True)
    #: The site of first contact; its domain is in both relay addresses.
    marketplace: Mapped[str] = mapped_column(String(2))
    #: The seller writes to the buyer at this alias (and sees only it).
    buyer_alias: Mapped[str] = mapped_column(String(32), unique=True)
    #: The buyer writes to the seller at this alias.
    seller_alias: Mapped[str] = mapped_column(String(32), unique=True)
    created_at: Mapped[datetime]
    last_message_at: Mapped[datetime]

    messages: Mapped[list[Message]] = relationship(
        order_by="Message.id", back_populates="thread", cascade="all, delete-orphan"
    )


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (
        Index("ix_messages_thread_created", "thread_id", "created_at"),
        Index("ix_messages_due", "status", "sender", "answered_at", "reply_due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(
        ForeignKey("message_threads.id", ondelete="CASCADE"), index=True
    )
    sender: Mapped[str] = mapped_column(String(10))  # buyer | seller | platform
    author_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    order_id: Mapped[str | None] = mapped_column(String(19), index=True)
    asin: Mapped[str | None] = mapped_column(String(10))
    purpose: Mapped[str] = mapped_column(String(30), default="")
    #: delivered | blocked | scheduled
    status: Mapped[str] = mapped_column(String(12), index=True)
    block_reasons: Mapped[list[Any]] = mapped_column(default=list)
    via: Mapped[str] = mapped_column(String(10), default="web")  # web | email
    created_at: Mapped[datetime]
    #: When a scheduled message is to arrive (UTC); delivered_at when it did.
    deliver_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    #: Buyer messages only: the 24-hour clock.
    reply_due_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    no_reply_needed: Mapped[bool] = mapped_column(default=False)
    reminder_sent_at: Mapped[datetime | None]
    read_at: Mapped[datetime | None]

    thread: Mapped[MessageThread] = relationship(back_populates="messages")
    attachments: Mapped[list[MessageAttachment]] = relationship(
        order_by="MessageAttachment.id", cascade="all, delete-orphan"
    )


class MessageAttachment(Base):
    __tablename__ = "message_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    storage_key: Mapped[str] = mapped_column(String(300))


class MessagingPreference(Base):
    """A buyer's choice to receive only the messages an order needs."""

    __tablename__ = "messaging_preferences"

    buyer_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    opted_out: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime]


class MessageTemplate(Base):
    """A seller's saved reply text (checked by the content rules when sent)."""

    __tablename__ = "message_templates"
    __table_args__ = (UniqueConstraint("seller_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    seller_id: Mapped[str] = mapped_column(ForeignKey("sellers.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class OutgoingMail(Base):
    """An e-mail waiting for (or done with) the SMTP relay: written in the
    message's transaction, sent after commit by a job."""

    __tablename__ = "outgoing_mail"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int | None] = mapped_column(
        ForeignKey("messages.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))  # message | bounce | reminder
    mail_from: Mapped[str] = mapped_column(String(254))
    from_name: Mapped[str] = mapped_column(String(200), default="")
    rcpt_to: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None] = mapped_column(index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
