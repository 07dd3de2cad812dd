"""The seller ledger (append-only, double entry), statements, payouts, rates."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from souk.core.db import Base


class LedgerTransaction(Base):
    """One business event in a seller's book; its entries sum to zero. Never
    changed or deleted: a mistake is corrected by another transaction."""

    __tablename__ = "ledger_transactions"
    __table_args__ = (Index("ix_ledger_tx_seller_at", "seller_id", "marketplace", "occurred_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    seller_id: Mapped[str] = mapped_column(ForeignKey("sellers.id"))
    marketplace: Mapped[str] = mapped_column(String(2))
    currency: Mapped[str] = mapped_column(String(3))
    kind: Mapped[str] = mapped_column(String(30))  # order | refund | fee | ad | reimbursement ...
    reference: Mapped[str] = mapped_column(String(60), default="")  # order id, statement id...
    description: Mapped[str] = mapped_column(String(300))
    #: Makes posting idempotent: an event delivered twice posts once.
    source_key: Mapped[str] = mapped_column(String(120), unique=True)
    occurred_at: Mapped[datetime]
    recorded_at: Mapped[datetime]

    entries: Mapped[list[LedgerEntry]] = relationship(
        order_by="LedgerEntry.id", back_populates="transaction"
    )


class LedgerEntry(Base):
    __tablename__ = "ledger_entries"
    __table_args__ = (
        Index("ix_ledger_entries_book", "seller_id", "marketplace", "account", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    transaction_id: Mapped[int] = mapped_column(ForeignKey("ledger_transactions.id"), index=True)
    seller_id: Mapped[str] = mapped_column(String(20))
    marketplace: Mapped[str] = mapped_column(String(2))
    account: Mapped[str] = mapped_column(String(40))
    amount_minor: Mapped[int]  # debit positive, credit negative
    occurred_at: Mapped[datetime]

    transaction: Mapped[LedgerTransaction] = relationship(back_populates="entries")


@event.listens_for(Session, "before_flush")
def _ledger_is_append_only(session: Session, _context: Any, _instances: Any) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, LedgerTransaction | LedgerEntry) and (
            obj in session.deleted or session.is_modified(obj, include_collections=False)
        ):
            raise RuntimeError("Ledger records are immutable; post a correcting transaction.")


class Statement(Base):
    """A settlement period's statement: derived from the ledger when the period closes."""

    __tablename__ = "finance_statements"
    __table_args__ = (UniqueConstraint("seller_id", "marketplace", "period_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    seller_id: Mapped[str] = mapped_column(ForeignKey("sellers.id"), index=True)
    marketplace: Mapped[str] = mapped_column(String(2))
    currency: Mapped[str] = mapped_column(String(3))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)  # exclusive
    opening_minor: Mapped[int]
    closing_minor: Mapped[int]  # available balance at period end, after reserve, before payout
    reserve_minor: Mapped[int]  # held at period end
    payout_minor: Mapped[int]
    carried_minor: Mapped[int]
    created_at: Mapped[datetime]
    #: A negative balance charged to the seller's card on file at settlement
    #: (0: none), and what happened: charged, declined or why nothing was tried.
    card_charge_minor: Mapped[int] = mapped_column(default=0, server_default="0")
    card_charge_note: Mapped[str] = mapped_column(String(300), default="", server_default="")


class PayoutAccount(Base):
    """Where a seller's money goes. Only the last digits are kept; the provider
    holds the full details under ``provider_token``."""

    __tablename__ = "finance_payout_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    seller_id: Mapped[str] = mapped_column(ForeignKey("sellers.id"), unique=True)
    holder: Mapped[str] = mapped_column(String(120))
    bank_name: Mapped[str] = mapped_column(String(120))
    country: Mapped[str] = mapped_column(String(2))
    currency: Mapped[str] = mapped_column(String(3))
    last4: Mapped[str] = mapped_column(String(4))
    provider_token: Mapped[str] = mapped_column(String(80))
    verified_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class CardOnFile(Base):
    """A card kept by the payment provider for later charges: a buyer's card for
    the Prime fee, or a seller's card for a negative balance. souk keeps the
    provider's token and the last digits, never the card number."""

    __tablename__ = "cards_on_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), unique=True)
    seller_id: Mapped[str | None] = mapped_column(ForeignKey("sellers.id"), unique=True)
    provider: Mapped[str] = mapped_column(String(40))
    token: Mapped[str] = mapped_column(String(80))
    brand: Mapped[str] = mapped_column(String(20))
    last4: Mapped[str] = mapped_column(String(4))
    exp_month: Mapped[int]
    exp_year: Mapped[int]
    created_at: Mapped[datetime]


class Payout(Base):
    __tablename__ = "finance_payouts"

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("finance_statements.id"), unique=True)
    seller_id: Mapped[str] = mapped_column(ForeignKey("sellers.id"), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    amount_minor: Mapped[int]
    target_currency: Mapped[str] = mapped_column(String(3))
    rate: Mapped[str] = mapped_column(String(30))
    rate_day: Mapped[date | None] = mapped_column(Date)
    fee_minor: Mapped[int]  # conversion fee, in the marketplace currency
    converted_minor: Mapped[int]
    provider: Mapped[str] = mapped_column(String(40))
    provider_reference: Mapped[str] = mapped_column(String(80))
    account_last4: Mapped[str] = mapped_column(String(4))
    status: Mapped[str] = mapped_column(String(12))  # sent | failed | held
    failure: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]


class FxRate(Base):
    """A day's recorded exchange rate: quote units per base unit."""

    __tablename__ = "finance_fx_rates"
    __table_args__ = (UniqueConstraint("day", "base", "quote"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    base: Mapped[str] = mapped_column(String(3))
    quote: Mapped[str] = mapped_column(String(3))
    rate: Mapped[str] = mapped_column(String(30))
    source: Mapped[str] = mapped_column(String(60))
    recorded_at: Mapped[datetime]
