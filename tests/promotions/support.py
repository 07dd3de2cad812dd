"""Builders for promotion tests: buyers in given states, a seller with an offer, deals."""

from __future__ import annotations

import itertools
from datetime import datetime

from sqlalchemy.orm import Session

from souk.accounts.rules import PostalAddress
from souk.accounts.service import add_address, register_user
from souk.core.clock import Clock
from souk.core.money import Money
from souk.promotions import rules
from souk.promotions.service import PromotionDraft, create_promotion
from tests import factories as f

_n = itertools.count(1)
PLACES = {
    "NY": ("New York", "10001"),
    "CA": ("San Francisco", "94105"),
    "IL": ("Chicago", "60601"),
    "AZ": ("Phoenix", "85001"),
}


def buyer_in(session: Session, clock: Clock, state: str) -> f.Buyer:
    n = next(_n)
    user = register_user(
        session,
        clock,
        email=f"deal-buyer{n}@example.com",
        name=f"Deal Buyer {n}",
        password=f.PASSWORD,
    )
    city, postal = PLACES[state]
    address = add_address(
        session, user.id, PostalAddress("Dee Buyer", "5 Elm St", city, postal, "US", state)
    )
    session.commit()
    return f.Buyer(user, address)


def lightning(
    session: Session,
    clock: Clock,
    *,
    seller_id: str,
    sku: str,
    price: str = "14.00",
    units: int = 5,
    states: tuple[str, ...] = (),
    starts: datetime = datetime(2026, 3, 8, 8, 0),
    ends: datetime = datetime(2026, 3, 8, 20, 0),
    each_zone: bool = True,
):
    return create_promotion(
        session,
        clock,
        seller_id=seller_id,
        marketplace="US",
        draft=PromotionDraft(
            kind=rules.LIGHTNING_DEAL,
            title="Kettle lightning deal",
            skus=(sku,),
            starts=starts,
            ends=ends,
            each_zone=each_zone,
            audience=rules.Audience(states=states),
            deal_price=Money.parse(price, "USD"),
            deal_quantity=units,
        ),
    )
