"""chargeback outcome: the seller's response and the issuer's decision

Revision ID: 0022_chargeback_outcome
Revises: 0021_merge_money_deals_recs
Create Date: 2026-11-30 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import souk.core.db

revision: str = "0022_chargeback_outcome"
down_revision: str | Sequence[str] | None = "0021_merge_money_deals_recs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_INT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("chargebacks", schema=None) as batch_op:
        # Chargebacks recorded before disputes had an outcome are still open.
        batch_op.add_column(
            sa.Column("status", sa.String(length=10), server_default="open", nullable=False)
        )
        batch_op.add_column(sa.Column("seller_response", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("responded_at", souk.core.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("decided_at", souk.core.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("decided_by", _INT, nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_chargebacks_decided_by_users"), "users", ["decided_by"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("chargebacks", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_chargebacks_decided_by_users"), type_="foreignkey")
        batch_op.drop_column("decided_by")
        batch_op.drop_column("decided_at")
        batch_op.drop_column("responded_at")
        batch_op.drop_column("seller_response")
        batch_op.drop_column("status")
