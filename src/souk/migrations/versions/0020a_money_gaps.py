"""money gaps of the fulfilment network: cards on file (buyers' Prime fee, sellers'
negative balances), Prime fee charges, an unpaid membership's reason, and the card
charge of a settlement on its statement

Revision ID: 0020a_money_gaps
Revises: 0019_merge_trust_money_global
Create Date: 2026-11-23 16:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import souk.core.db

revision: str = "0020a_money_gaps"
down_revision: str | Sequence[str] | None = "0019_merge_trust_money_global"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_INT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "cards_on_file",
        sa.Column("id", _INT, nullable=False),
        sa.Column("user_id", _INT, nullable=True),
        sa.Column("seller_id", sa.String(length=14), nullable=True),
        sa.Column("provider", sa.String(length=40), nullable=False),
        sa.Column("token", sa.String(length=80), nullable=False),
        sa.Column("brand", sa.String(length=20), nullable=False),
        sa.Column("last4", sa.String(length=4), nullable=False),
        sa.Column("exp_month", _INT, nullable=False),
        sa.Column("exp_year", _INT, nullable=False),
        sa.Column("created_at", souk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["seller_id"], ["sellers.id"], name=op.f("fk_cards_on_file_seller_id_sellers")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_cards_on_file_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cards_on_file")),
        sa.UniqueConstraint("seller_id", name=op.f("uq_cards_on_file_seller_id")),
        sa.UniqueConstraint("user_id", name=op.f("uq_cards_on_file_user_id")),
    )
    op.create_table(
        "prime_charges",
        sa.Column("id", _INT, nullable=False),
        sa.Column("membership_id", _INT, nullable=False),
        sa.Column("user_id", _INT, nullable=False),
        sa.Column("marketplace", sa.String(length=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount_minor", _INT, nullable=False),
        sa.Column("period_start", souk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("period_end", souk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("provider_reference", sa.String(length=80), nullable=False),
        sa.Column("card_last4", sa.String(length=4), nullable=False),
        sa.Column("failure", sa.String(length=300), nullable=False),
        sa.Column("charged_at", souk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["membership_id"],
            ["prime_memberships.id"],
            name=op.f("fk_prime_charges_membership_id_prime_memberships"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_prime_charges_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prime_charges")),
        sa.UniqueConstraint(
            "membership_id", "period_start", name=op.f("uq_prime_charges_membership_id")
        ),
    )
    with op.batch_alter_table("prime_charges", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_prime_charges_membership_id"), ["membership_id"], unique=False
        )
    with op.batch_alter_table("prime_memberships", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("failure", sa.String(length=300), server_default="", nullable=False)
        )
    with op.batch_alter_table("finance_statements", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("card_charge_minor", _INT, server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("card_charge_note", sa.String(length=300), server_default="", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("finance_statements", schema=None) as batch_op:
        batch_op.drop_column("card_charge_note")
        batch_op.drop_column("card_charge_minor")
    with op.batch_alter_table("prime_memberships", schema=None) as batch_op:
        batch_op.drop_column("failure")
    with op.batch_alter_table("prime_charges", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_prime_charges_membership_id"))
    op.drop_table("prime_charges")
    op.drop_table("cards_on_file")
