"""messaging: threads with relay aliases, messages, attachments, preferences, templates, mail

Revision ID: 0009_messaging
Revises: 0004_ads
Create Date: 2026-11-23 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import souk.core.db

revision: str = "0009_messaging"
down_revision: str | None = "0004_ads"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "message_templates",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("seller_id", sa.String(length=14), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", souk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["seller_id"],
            ["sellers.id"],
            name=op.f("fk_message_templates_seller_id_sellers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_templates")),
        sa.UniqueConstraint("seller_id", "name", name=op.f("uq_message_templates_seller_id")),
    )
    op.create_index(
        op.f("ix_message_templates_seller_id"), "message_templates", ["seller_id"], unique=False
    )
    op.create_table(
        "message_threads",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("buyer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("seller_id", sa.String(length=14), nullable=False),
        sa.Column("marketplace", sa.String(length=2), nullable=False),
        sa.Column("buyer_alias", sa.String(length=32), nullable=False),
        sa.Column("seller_alias", sa.String(length=32), nullable=False),
        sa.Column("created_at", souk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_message_at", souk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["buyer_id"],
            ["users.id"],
            name=op.f("fk_message_threads_buyer_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["seller_id"],
            ["sellers.id"],
            name=op.f("fk_message_threads_seller_id_sellers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_threads")),
        sa.UniqueConstraint("buyer_alias", name=op.f("uq_message_threads_buyer_alias")),
        sa.UniqueConstraint("buyer_id", "seller_id", name=op.f("uq_message_threads_buyer_id")),
        sa.UniqueConstraint("seller_alias", name=op.f("uq_message_threads_seller_alias")),
    )
    op.create_index(
        op.f("ix_message_threads_buyer_id"), "message_threads", ["buyer_id"], unique=False
    )
    op.create_index(
        op.f("ix_message_threads_seller_id"), "message_threads", ["seller_id"], unique=False
    )
    op.create_table(
        "messaging_preferences",
        sa.Column("buyer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("opted_out", sa.Boolean(), nullable=False),
        sa.Column("updated_at", souk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["buyer_id"],
            ["users.id"],
            name=op.f("fk_messaging_preferences_buyer_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("buyer_id", name=op.f("pk_messaging_preferences")),
    )
    op.create_table(
        "messages",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "thread_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("sender", sa.String(length=10), nullable=False),
        sa.Column(
            "author_user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("order_id", sa.String(length=19), nullable=True),
        sa.Column("asin", sa.String(length=10), nullable=True),
        sa.Column("purpose", sa.String(length=30), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column(
            "block_reasons",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("via", sa.String(length=10), nullable=False),
        sa.Column("created_at", souk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("deliver_at", souk.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", souk.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reply_due_at", souk.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("answered_at", souk.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("no_reply_needed", sa.Boolean(), nullable=False),
        sa.Column("reminder_sent_at", souk.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("read_at", souk.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["author_user_id"], ["users.id"], name=op.f("fk_messages_author_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["thread_id"],
            ["message_threads.id"],
            name=op.f("fk_messages_thread_id_message_threads"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_messages")),
    )
    op.create_index(
        "ix_messages_due",
        "messages",
        ["status", "sender", "answered_at", "reply_due_at"],
        unique=False,
    )
    op.create_index(op.f("ix_messages_order_id"), "messages", ["order_id"], unique=False)
    op.create_index(op.f("ix_messages_status"), "messages", ["status"], unique=False)
    op.create_index(
        "ix_messages_thread_created", "messages", ["thread_id", "created_at"], unique=False
    )
    op.create_index(op.f("ix_messages_thread_id"), "messages", ["thread_id"], unique=False)
    op.create_table(
        "message_attachments",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "message_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("storage_key", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["messages.id"],
            name=op.f("fk_message_attachments_message_id_messages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_attachments")),
    )
    op.create_index(
        op.f("ix_message_attachments_message_id"),
        "message_attachments",
        ["message_id"],
        unique=False,
    )
    op.create_table(
        "outgoing_mail",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "message_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("mail_from", sa.String(length=254), nullable=False),
        sa.Column("from_name", sa.String(length=200), nullable=False),
        sa.Column("rcpt_to", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", souk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", souk.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["messages.id"],
            name=op.f("fk_outgoing_mail_message_id_messages"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outgoing_mail")),
    )
    op.create_index(
        op.f("ix_outgoing_mail_message_id"), "outgoing_mail", ["message_id"], unique=False
    )
    op.create_index(op.f("ix_outgoing_mail_sent_at"), "outgoing_mail", ["sent_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_outgoing_mail_sent_at"), table_name="outgoing_mail")
    op.drop_index(op.f("ix_outgoing_mail_message_id"), table_name="outgoing_mail")
    op.drop_table("outgoing_mail")
    op.drop_index(op.f("ix_message_attachments_message_id"), table_name="message_attachments")
    op.drop_table("message_attachments")
    op.drop_index(op.f("ix_messages_thread_id"), table_name="messages")
    op.drop_index("ix_messages_thread_created", table_name="messages")
    op.drop_index(op.f("ix_messages_status"), table_name="messages")
    op.drop_index(op.f("ix_messages_order_id"), table_name="messages")
    op.drop_index("ix_messages_due", table_name="messages")
    op.drop_table("messages")
    op.drop_table("messaging_preferences")
    op.drop_index(op.f("ix_message_threads_seller_id"), table_name="message_threads")
    op.drop_index(op.f("ix_message_threads_buyer_id"), table_name="message_threads")
    op.drop_table("message_threads")
    op.drop_index(op.f("ix_message_templates_seller_id"), table_name="message_templates")
    op.drop_table("message_templates")
