"""Scheduled product content: a seller's banner (a headline and an optional image) on a
product page, for an audience, from a local start time to a local end time.

Banners are scheduled and targeted exactly like promotions (``rules.Schedule`` and
``rules.Audience``): with ``each_zone`` the wall-clock times are read in each
buyer's own zone, so a banner starting at 8:00 starts at 8:00 in New York and
three hours later in California. Only a product's offer holders (by SKU) and the
owners of its registered brand may put a banner on it, and the headline passes
the same content rules as listings: no contact details, no promotional claims.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from souk.catalog.models import Product
from souk.core.clock import Clock
from souk.core.errors import InvalidInput, InvalidState, NotFound
from souk.core.policy import default_policy
from souk.core.storage import MediaStorage, check_image
from souk.marketplaces.rules import MARKETPLACES
from souk.offers.models import Offer
from souk.policy.models import BrandOwner
from souk.promotions import rules
from souk.promotions.models import ProductBanner
from souk.promotions.service import (
    WALL_FORMAT,
    audience_of,
    buyer_location,
    buyer_zone,
    schedule_of,
)
from souk.sellers.models import SellerUser

SCHEDULED, LIVE, ENDED, WITHDRAWN = "scheduled", "live", "ended", "withdrawn"
STATUS_LABELS = {SCHEDULED: "Scheduled", LIVE: "Live", ENDED: "Ended", WITHDRAWN: "Withdrawn"}


@dataclass(frozen=True)
class BannerDraft:
    product: str  # the seller's SKU, or the ASIN of a product of a brand it owns
    headline: str
    starts: datetime  # wall-clock
    ends: datetime
    each_zone: bool = False
    audience: rules.Audience = dataclasses.field(default_factory=rules.Audience)
    image: bytes | None = None


def _owns_brand(session: Session, seller_id: str, product: Product) -> bool:
    if product.brand_id is None:
        return False
    owner = session.scalar(
        select(BrandOwner.id)
        .join(SellerUser, SellerUser.user_id == BrandOwner.user_id)
        .where(SellerUser.seller_id == seller_id, BrandOwner.brand_id == product.brand_id)
        .limit(1)
    )
    return owner is not None


def banner_product(session: Session, seller_id: str, marketplace: str, ref: str) -> Product:
    """The product a seller may put a banner on: one it offers (by SKU) in this
    marketplace, or one of a brand a member of its team owns (by ASIN)."""
    ref = ref.strip()
    if not ref:
        raise InvalidInput("Enter one of your SKUs or a product's ASIN.", field="product")
    asin = session.scalar(
        select(Offer.asin).where(
            Offer.seller_id == seller_id, Offer.marketplace == marketplace, Offer.sku == ref
        )
    )
    product = session.get(Product, asin or ref.upper())
    if product is not None and (asin is not None or _owns_brand(session, seller_id, product)):
        return product
    raise InvalidInput(
        f"You have no offer with SKU {ref} in this marketplace, and no brand you own makes "
        "that product.",
        field="product",
    )


def check_headline(text: str, marketplace: str) -> str:
    """The headline, tidied, if it passes the listing content rules."""
    headline = " ".join(text.split())
    conduct = default_policy().for_marketplace(marketplace).conduct
    problem = rules.banner_text_problem(headline, tuple(conduct.promotional_phrases))
    if problem:
        raise InvalidInput(problem, field="headline")
    return headline


def create_banner(
    session: Session,
    clock: Clock,
    media: MediaStorage,
    *,
    seller_id: str,
    marketplace: str,
    draft: BannerDraft,
) -> ProductBanner:
    """Check and save a seller's banner; nothing is written when any check fails."""
    if marketplace not in MARKETPLACES:
        raise InvalidInput(f"Unknown marketplace {marketplace!r}.", field="marketplace")
    market = MARKETPLACES[marketplace]
    headline = check_headline(draft.headline, marketplace)
    product = banner_product(session, seller_id, marketplace, draft.product)
    schedule = rules.check_schedule(rules.Schedule(draft.starts, draft.ends, draft.each_zone))
    now = clock.now()
    window_start, window_end = rules.live_span(schedule, draft.audience, market.time_zone, now)
    image = None
    if draft.image:
        try:
            image = check_image(draft.image)
        except InvalidInput as error:
            raise InvalidInput(error.message, field="image") from None
    banner = ProductBanner(
        seller_id=seller_id,
        marketplace=marketplace,
        asin=product.asin,
        headline=headline,
        image_key=None,
        image_width=image.width if image else 0,
        image_height=image.height if image else 0,
        countries=list(draft.audience.countries),
        states=list(draft.audience.states),
        postal_prefixes=list(draft.audience.postal_prefixes),
        starts_local=draft.starts.strftime(WALL_FORMAT),
        ends_local=draft.ends.strftime(WALL_FORMAT),
        each_zone=draft.each_zone,
        window_start=window_start,
        window_end=window_end,
        status="active",
        created_at=now,
    )
    session.add(banner)
    session.flush()
    if image is not None:
        banner.image_key = f"banners/{seller_id}/{banner.id}.{image.extension}"
        media.save(banner.image_key, image.data)
    session.commit()
    return banner


def status_of(banner: ProductBanner, now: datetime) -> str:
    """Scheduled (live nowhere yet), live (somewhere in its audience), or ended."""
    if banner.status != "active":
        return WITHDRAWN
    if now < banner.window_start:
        return SCHEDULED
    return LIVE if now < banner.window_end else ENDED


def seller_banners(session: Session, seller_id: str, marketplace: str) -> list[ProductBanner]:
    return list(
        session.scalars(
            select(ProductBanner)
            .where(ProductBanner.seller_id == seller_id, ProductBanner.marketplace == marketplace)
            .order_by(ProductBanner.window_start.desc(), ProductBanner.id.desc())
        )
    )


def withdraw_banner(
    session: Session, clock: Clock, seller_id: str, banner_id: int
) -> ProductBanner:
    banner = session.get(ProductBanner, banner_id)
    if banner is None or banner.seller_id != seller_id:
        raise NotFound(f"No banner {banner_id}.", field="banner_id")
    if status_of(banner, clock.now()) in (ENDED, WITHDRAWN):
        raise InvalidState("That banner has already ended.")
    banner.status = "withdrawn"
    session.commit()
    return banner


def live_banners(
    session: Session, now: datetime, marketplace: str, asin: str, buyer_id: int | None
) -> list[ProductBanner]:
    """Banners on a product page for this buyer now: in the audience, and within the
    schedule read in the buyer's zone (or the marketplace's)."""
    candidates = session.scalars(
        select(ProductBanner)
        .where(
            ProductBanner.marketplace == marketplace,
            ProductBanner.asin == asin,
            ProductBanner.status == "active",
            ProductBanner.window_start <= now,
            ProductBanner.window_end > now,
        )
        .order_by(ProductBanner.window_start, ProductBanner.id)
    ).all()
    if not candidates:
        return []
    where = buyer_location(session, buyer_id, marketplace)
    market_zone = MARKETPLACES[marketplace].time_zone
    return [
        b
        for b in candidates
        if rules.audience_includes(audience_of(b), where)
        and rules.is_live(
            schedule_of(b), buyer_zone(where, marketplace) if b.each_zone else market_zone, now
        )
    ]
