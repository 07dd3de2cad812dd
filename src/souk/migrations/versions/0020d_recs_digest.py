"""the "Inspired by your browsing" e-mail digest: digests sent (one per buyer,
marketplace and period) and buyers' choice to receive it

Revision ID: 0020d_recs_digest
Revises: 0019_merge_trust_money_global
Create Date: 2026-11-23 16:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import souk.core.db

revision: str = "0020d_recs_digest"
down_revision: str | Sequence[str] | None = "0019_merge_trust_money_global"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_INT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "recs_digests",
        sa.Column("id", _INT, nullable=False),
        sa.Column("buyer_id", _INT, nullable=False),
        sa.Column("marketplace", sa.String(length=2), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("mail_id", _INT, nullable=True),
        sa.Column("asins", sa.String(length=400), nullable=False),
        sa.Column("html", sa.Text(), nullable=False),
        sa.Column("unsubscribe_url", sa.String(length=500), nullable=False),
        sa.Column("created_at", souk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["buyer_id"],
            ["users.id"],
            name=op.f("fk_recs_digests_buyer_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["mail_id"],
            ["outgoing_mail.id"],
            name=op.f("fk_recs_digests_mail_id_outgoing_mail"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recs_digests")),
        sa.UniqueConstraint(
            "buyer_id", "marketplace", "period_start", name=op.f("uq_recs_digests_buyer_id")
        ),
    )
    op.create_index(op.f("ix_recs_digests_mail_id"), "recs_digests", ["mail_id"], unique=False)
    op.create_table(
        "recs_digest_preferences",
        sa.Column("buyer_id", _INT, nullable=False),
        sa.Column("subscribed", sa.Boolean(), nullable=False),
        sa.Column("updated_at", souk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["buyer_id"],
            ["users.id"],
            name=op.f("fk_recs_digest_preferences_buyer_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("buyer_id", name=op.f("pk_recs_digest_preferences")),
    )


def downgrade() -> None:
    op.drop_table("recs_digest_preferences")
    op.drop_index(op.f("ix_recs_digests_mail_id"), table_name="recs_digests")
    op.drop_table("recs_digests")
