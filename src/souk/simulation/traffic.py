"""Simulated search and advertising traffic.

Most simulated purchases start with a search: the buyer types a few words
of what they want, sees ranked results and sponsored ones, sometimes clicks
an ad (and sometimes buys the advertised product instead), and opens the
product from the results. A few sellers run Sponsored Products campaigns.
So the demo has real search logs, click-through, ad impressions, clicks,
spend and attributed sales, all through the same use cases the pages call.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from souk.ads.models import Campaign
from souk.ads.service import (
    add_ad,
    add_ad_group,
    add_keyword,
    click,
    create_campaign,
    search_auction,
)
from souk.catalog.models import Brand, Product
from souk.core.clock import Clock
from souk.core.errors import SoukError
from souk.core.money import Money
from souk.core.policy import default_policy
from souk.core.runtime import Runtime
from souk.marketplaces.rules import MARKETPLACES
from souk.offers.models import Offer
from souk.search.rules import query_terms
from souk.search.service import SearchRequest, record_click, record_search, search
from souk.sellers.models import Seller

#: Share of purchases that begin with a search (the rest come from browsing).
SEARCH_SHARE = 0.6
#: Chance a searching buyer clicks the first sponsored result shown.
AD_CLICK_RATE = 0.1
#: Chance that buyer then buys the advertised product instead.
AD_BUY_RATE = 0.5
ADVERTISERS = 8
ADS_PER_ADVERTISER = 6
# Budgets and bids as multiples of the marketplace's least budget and bid.
BUDGET_MULTIPLE = 20
BID_MULTIPLE = 40
# Sponsored results never repeat a product already in the first organic row.
ORGANIC_ROW = 4

_WORD = re.compile(r"^[^\W\d_]{3,}$")


def query_words(title: str, brand: str) -> list[str]:
    """What a buyer would type for a product: its title's words without the
    brand, model codes and units ("Electric Kettle" from "Acme Electric Kettle
    1.7 L A475")."""
    brand_words = set(query_terms(brand))
    return [w for w in query_terms(title) if _WORD.match(w) and w not in brand_words][:3]


class SearchTraffic:
    """Buyers' searches and ad clicks during a simulation."""

    def __init__(self, rt: Runtime, seed: int) -> None:
        self.rt = rt
        self.seed = seed
        with rt.read_sessions() as session:
            rows = session.execute(
                select(Product.asin, Product.title, Brand.name).outerjoin(
                    Brand, Brand.id == Product.brand_id
                )
            ).all()
        self.words = {asin: query_words(title, brand or "") for asin, title, brand in rows}
        self.brands = {asin: brand or "" for asin, _, brand in rows}
        self.ensure_index()

    def ensure_index(self) -> None:
        """Searching needs an index; build it once if this database has none yet."""
        from souk.search.service import rebuild

        index = self.rt.search_index
        if search(index, SearchRequest("US", "")).total == 0:
            with self.rt.read_sessions() as session:
                rebuild(session, self.rt.clock, index)

    def query_for(self, asin: str, rng: random.Random) -> str:
        words = self.words.get(asin) or []
        if not words:
            return ""
        roll = rng.random()
        if roll < 0.3:
            return words[-1]
        if roll < 0.45 and self.brands.get(asin):
            return f"{self.brands[asin]} {words[-1]}"
        return " ".join(words[:2])

    def shop(
        self, session: Session, clock: Clock, user_id: int, marketplace: str, wanted: str
    ) -> str:
        """The buyer searches for ``wanted``; returns the product they go on to buy."""
        rng = random.Random(f"{self.seed}:search:{clock.now().isoformat()}:{user_id}")
        if rng.random() >= SEARCH_SHARE:
            return wanted
        text = self.query_for(wanted, rng)
        if not text:
            return wanted
        visitor = f"u:{user_id}"
        try:
            page = search(self.rt.search_index, SearchRequest(marketplace, text))
            slots = search_auction(
                session,
                clock,
                marketplace=marketplace,
                query=text,
                visitor=visitor,
                exclude_asins={r.asin for r in page.results[:ORGANIC_ROW]},
            )
            search_id = record_search(session, clock, page, visitor)
            if slots and rng.random() < AD_CLICK_RATE:
                click(session, clock, impression_id=slots[0].impression_id, visitor=visitor)
                if rng.random() < AD_BUY_RATE:
                    return slots[0].asin
            if any(r.asin == wanted for r in page.results):
                record_click(session, clock, search_id, wanted)
        except SoukError:
            session.rollback()
        return wanted


def start_campaigns(rt: Runtime, clock: Clock, seed: int) -> int:
    """A few third-party sellers advertise some of their products (once per database)."""
    with rt.sessions() as session:
        if session.scalar(select(func.count()).select_from(Campaign)):
            return 0
        sellers = session.scalars(
            select(Seller).where(~Seller.is_platform_retail).order_by(Seller.id)
        ).all()
        rng = random.Random(f"{seed}:advertisers")
        chosen = rng.sample(list(sellers), k=min(ADVERTISERS, len(sellers)))
        started = 0
        for seller in chosen:
            started += _advertise(session, clock, seller, rng)
        return started


def _advertise(session: Session, clock: Clock, seller: Seller, rng: random.Random) -> int:
    offers = session.execute(
        select(Offer, Product.title, Brand.name)
        .join(Product, Product.asin == Offer.asin)
        .outerjoin(Brand, Brand.id == Product.brand_id)
        .where(Offer.seller_id == seller.id, Offer.is_active, Offer.quantity > 0)
        .order_by(Offer.id)
    ).all()
    if not offers:
        return 0
    marketplace = Counter(o.marketplace for o, _, _ in offers).most_common(1)[0][0]
    mine = [
        row for row in offers if row[0].marketplace == marketplace and row[0].condition == "new"
    ]
    if not mine:
        return 0
    picked = rng.sample(mine, k=min(ADS_PER_ADVERTISER, len(mine)))
    policy = default_policy().for_marketplace(marketplace).ads
    currency = MARKETPLACES[marketplace].currency
    today: date = clock.now().astimezone(MARKETPLACES[marketplace].zone).date()
    campaign = create_campaign(
        session,
        clock,
        seller_id=seller.id,
        marketplace=marketplace,
        name=f"{seller.business_name} - always on",
        daily_budget=Money(currency, policy.min_daily_budget_minor * BUDGET_MULTIPLE),
        start_date=today,
        bidding_strategy=rng.choice(("fixed", "down_only", "up_and_down")),
        top_of_search_percent=rng.choice((0, 0, 25, 50)),
    )
    # One ad group per product, so each product shows only on its own keyword.
    for offer, title, brand in picked:
        words = query_words(title, brand or "")
        if not words:
            continue
        group = add_ad_group(
            session,
            seller_id=seller.id,
            campaign_id=campaign.id,
            name=" ".join(words)[:120],
            default_bid=Money(currency, policy.min_bid_minor * BID_MULTIPLE),
        )
        add_ad(session, seller_id=seller.id, ad_group_id=group.id, sku=offer.sku)
        add_keyword(
            session,
            seller_id=seller.id,
            ad_group_id=group.id,
            keyword=words[-1],
            match_type="broad",
        )
    return 1
