"""Demo promotions: a running lightning deal, tomorrow's 08:00-in-each-zone deal for a
few states, a coupon and a multi-buy of the demo seller, and a members' sale next week
with a submitted deal waiting for review."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select

from souk.core.errors import SoukError
from souk.core.money import Money
from souk.core.runtime import Runtime
from souk.marketplaces.rules import MARKETPLACES
from souk.offers.models import Offer
from souk.promotions import rules
from souk.promotions.service import (
    PromotionDraft,
    create_event,
    create_promotion,
    submit_event_deal,
)
from souk.sellers.models import Seller

MARKETPLACE = "US"


def _off(price: int, percent: int, currency: str) -> Money:
    """At least ``percent`` off, ending in 99 as shop prices do."""
    target = price * (100 - percent) // 100
    return Money(currency, max(99, target // 100 * 100 - 1))


def load_promotions_demo(rt: Runtime, *, seller_email: str, seed: int = 7) -> int:
    """Create the demo promotions; returns how many were created."""
    rng = random.Random(seed)
    created = 0
    with rt.sessions() as session:
        seller = session.scalar(select(Seller).where(Seller.email == seller_email))
        if seller is None:
            return 0
        offers = list(
            session.scalars(
                select(Offer)
                .where(
                    Offer.seller_id == seller.id,
                    Offer.marketplace == MARKETPLACE,
                    Offer.is_active,
                    Offer.quantity >= 10,
                    Offer.price_minor >= 999,
                )
                .order_by(Offer.id)
            )
        )
        if len(offers) < 5:
            return 0
        rng.shuffle(offers)
        local = rt.clock.now().astimezone(MARKETPLACES[MARKETPLACE].zone).replace(tzinfo=None)
        now_local = local.replace(minute=0, second=0, microsecond=0)
        tomorrow_eight = (now_local + timedelta(days=1)).replace(hour=8)
        plans = [
            PromotionDraft(
                kind=rules.LIGHTNING_DEAL,
                title="Lightning deal of the day",
                skus=(offers[0].sku,),
                starts=now_local - timedelta(hours=1),
                ends=now_local + timedelta(hours=11),
                deal_price=_off(offers[0].price_minor, 25, offers[0].currency),
                deal_quantity=min(20, offers[0].quantity),
                headline="Limited units at this price.",
            ),
            PromotionDraft(
                kind=rules.LIGHTNING_DEAL,
                title="Morning deal for the North-East",
                skus=(offers[1].sku,),
                starts=tomorrow_eight,
                ends=tomorrow_eight + timedelta(hours=6),
                each_zone=True,
                audience=rules.Audience(states=("US-NY", "US-NJ", "US-CT", "US-MA")),
                deal_price=_off(offers[1].price_minor, 30, offers[1].currency),
                deal_quantity=min(15, offers[1].quantity),
            ),
            PromotionDraft(
                kind=rules.COUPON,
                title="Ten percent coupon",
                skus=(offers[2].sku, offers[3].sku),
                starts=now_local - timedelta(days=1),
                ends=now_local + timedelta(days=30),
                percent_bp=1000,
                budget=Money(offers[2].currency, 50_000),
                redemption_limit=200,
            ),
            PromotionDraft(
                kind=rules.BUY_X_GET_Y,
                title="Buy two, get one free",
                skus=(offers[4].sku,),
                starts=now_local - timedelta(days=1),
                ends=now_local + timedelta(days=14),
                buy=2,
                get=1,
            ),
        ]
        for draft in plans:
            try:
                create_promotion(
                    session, rt.clock, seller_id=seller.id, marketplace=MARKETPLACE, draft=draft
                )
                created += 1
            except SoukError:
                session.rollback()  # e.g. a price that rose recently: skip that one
        now = rt.clock.now()
        event = create_event(
            session,
            rt.clock,
            marketplace=MARKETPLACE,
            name="Members' Spring Sale",
            description="Two days of deals across every department.",
            starts_at=now + timedelta(days=7),
            ends_at=now + timedelta(days=9),
            submissions_close_at=now + timedelta(days=5),
            min_rating=0.0,
            min_discount_bp=1500,
        )
        for offer in offers[5:7]:
            try:
                submit_event_deal(
                    session,
                    rt.clock,
                    seller_id=seller.id,
                    event_id=event.id,
                    sku=offer.sku,
                    deal_price=_off(offer.price_minor, 20, offer.currency),
                    deal_quantity=min(10, offer.quantity),
                )
                created += 1
            except SoukError:
                session.rollback()
    return created
