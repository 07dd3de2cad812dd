"""Cards on file: a buyer's card for the Prime fee, a seller's card for a negative
balance at settlement. The payment provider keeps the card; souk keeps its token,
brand and last digits."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from souk.core.clock import Clock
from souk.core.errors import InvalidInput
from souk.finance.models import CardOnFile
from souk.orders.payments import Card, PaymentProvider


def card_of_user(session: Session, user_id: int) -> CardOnFile | None:
    return session.scalar(select(CardOnFile).where(CardOnFile.user_id == user_id))


def card_of_seller(session: Session, seller_id: str) -> CardOnFile | None:
    return session.scalar(select(CardOnFile).where(CardOnFile.seller_id == seller_id))


def keep_card(
    session: Session,
    clock: Clock,
    payments: PaymentProvider,
    card: Card,
    *,
    user_id: int | None = None,
    seller_id: str | None = None,
) -> CardOnFile:
    """Put ``card`` on file for a buyer or a seller, replacing the one kept before.
    A malformed or refused card raises and changes nothing. The caller commits."""
    if (user_id is None) == (seller_id is None):
        raise InvalidInput("A card on file belongs to one buyer or one seller.")
    saved = payments.save_card(card, clock.now())
    found = (
        card_of_user(session, user_id)
        if user_id is not None
        else card_of_seller(session, str(seller_id))
    )
    if found is None:
        found = CardOnFile(user_id=user_id, seller_id=seller_id)
        session.add(found)
    found.provider = payments.name
    found.token = saved.token
    found.brand = saved.brand
    found.last4 = saved.last4
    found.exp_month = card.exp_month
    found.exp_year = card.exp_year
    found.created_at = clock.now()
    session.flush()
    return found
