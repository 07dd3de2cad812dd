"""Use cases for offers: list, reprice, restock, and read a product's offers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, bindparam, func, select, update
from sqlalchemy.orm import Session

from souk.buybox.rules import OfferFacts, other_offers
from souk.buybox.service import clock_now, featured_among
from souk.catalog.models import Product
from souk.core.clock import Clock
from souk.core.errors import InvalidInput, NotFound
from souk.core.events import emit
from souk.core.money import Money
from souk.core.policy import default_policy
from souk.marketplaces.rules import MARKETPLACES
from souk.offers.models import Offer
from souk.offers.rules import OfferTerms, check_offer_terms
from souk.sellers.models import Seller


@dataclass(frozen=True)
class ProductOffers:
    """A product's offers in one marketplace, as its detail page shows them."""

    featured: OfferFacts | None
    others: list[OfferFacts]
    sellers: dict[str, Seller]
    #: Eligible offers exist but all are priced well above recent or competitive
    #: prices, so none is featured ("See all buying options").
    suppressed: bool = False

    @property
    def count(self) -> int:
        return len(self.others) + (1 if self.featured else 0)


def _marketplace_currency(marketplace: str) -> str:
    if marketplace not in MARKETPLACES:
        raise InvalidInput(f"Unknown marketplace {marketplace!r}.", field="marketplace")
    return MARKETPLACES[marketplace].currency


def _offer_event(session: Session, clock: Clock, offer: Offer, change: str) -> None:
    emit(
        session,
        "offer.changed",
        offer.asin,
        {
            "offer_id": offer.id,
            "asin": offer.asin,
            "seller_id": offer.seller_id,
            "marketplace": offer.marketplace,
            "sku": offer.sku,
            "change": change,
            "price_minor": offer.price_minor,
            "shipping_minor": offer.shipping_minor,
            "quantity": offer.quantity,
            "currency": offer.currency,
        },
        clock.now(),
    )


def put_offer(
    session: Session,
    clock: Clock,
    *,
    seller_id: str,
    asin: str,
    marketplace: str,
    terms: OfferTerms,
    commit: bool = True,
) -> Offer:
    """Create the seller's offer for this SKU, or replace its terms."""
    currency = _marketplace_currency(marketplace)
    check_offer_terms(
        terms, currency, default_policy().for_marketplace(marketplace).shipping.max_handling_days
    )
    product = session.get(Product, asin)
    if product is None:
        raise NotFound(f"No product {asin}.", field="asin")
    if session.scalar(select(Product.asin).where(Product.parent_asin == asin).limit(1)):
        raise InvalidInput(
            "Offers go on a variation (size, colour), not on its parent.", field="asin"
        )
    offer = session.scalar(
        select(Offer).where(
            Offer.seller_id == seller_id, Offer.marketplace == marketplace, Offer.sku == terms.sku
        )
    )
    now = clock.now()
    if offer is not None and offer.asin != asin:
        raise InvalidInput(
            f"SKU {terms.sku!r} is already used for product {offer.asin}.", field="sku"
        )
    if offer is None:
        offer = Offer(
            seller_id=seller_id, asin=asin, marketplace=marketplace, sku=terms.sku, created_at=now
        )
        session.add(offer)
    offer.condition = terms.condition
    offer.currency = currency
    offer.price_minor = terms.price.minor
    offer.shipping_minor = terms.shipping.minor
    offer.quantity = terms.quantity
    offer.handling_days = terms.handling_days
    offer.fulfillment_channel = terms.fulfillment_channel
    offer.is_active = True
    offer.updated_at = now
    session.flush()
    _offer_event(session, clock, offer, "put")
    if commit:
        session.commit()
    return offer


def seller_offer(session: Session, seller_id: str, marketplace: str, sku: str) -> Offer:
    offer = session.scalar(
        select(Offer).where(
            Offer.seller_id == seller_id, Offer.marketplace == marketplace, Offer.sku == sku
        )
    )
    if offer is None:
        raise NotFound(f"You have no offer with SKU {sku!r} in {marketplace}.", field="sku")
    return offer


def seller_offer_by_id(session: Session, seller_id: str, offer_id: int) -> Offer:
    offer = session.get(Offer, offer_id)
    if offer is None or offer.seller_id != seller_id:
        raise NotFound("No such offer.")
    return offer


def update_price(
    session: Session, clock: Clock, offer: Offer, price: Money, shipping: Money | None = None
) -> Offer:
    if price.currency != offer.currency or (shipping and shipping.currency != offer.currency):
        raise InvalidInput(f"Prices in this marketplace are in {offer.currency}.", field="currency")
    if price.minor <= 0:
        raise InvalidInput("The price must be more than zero.", field="price")
    if shipping is not None and shipping.minor < 0:
        raise InvalidInput("The shipping charge cannot be negative.", field="shipping")
    offer.price_minor = price.minor
    if shipping is not None:
        offer.shipping_minor = shipping.minor
    offer.updated_at = clock.now()
    _offer_event(session, clock, offer, "price")
    session.commit()
    return offer


def update_quantity(session: Session, clock: Clock, offer: Offer, quantity: int) -> Offer:
    if quantity < 0:
        raise InvalidInput("Quantity cannot be negative.", field="quantity")
    offer.quantity = quantity
    offer.updated_at = clock.now()
    _offer_event(session, clock, offer, "quantity")
    session.commit()
    return offer


def set_active(session: Session, clock: Clock, offer: Offer, active: bool) -> Offer:
    offer.is_active = active
    offer.updated_at = clock.now()
    _offer_event(session, clock, offer, "active" if active else "inactive")
    session.commit()
    return offer


def reserve_stock(session: Session, offer_id: int, quantity: int) -> bool:
    """Take ``quantity`` units if that many are left, atomically; False when not.

    A single conditional UPDATE: on PostgreSQL a concurrent buyer's update waits
    for this row's lock and re-checks the condition, so stock never goes negative.
    """
    taken = session.connection().execute(_TAKE_STOCK, {"offer": offer_id, "units": quantity})
    return taken.rowcount == 1


def release_stock(session: Session, offer_id: int, quantity: int) -> None:
    session.connection().execute(_RETURN_STOCK, {"offer": offer_id, "units": quantity})


# Core statements built once: checkout runs them for every line it sells, and they
# change no object the session holds (offers are read afresh where stock matters).
_OFFERS = Offer.__table__
_TAKE_STOCK = (
    update(_OFFERS)
    .where(
        _OFFERS.c.id == bindparam("offer"),
        _OFFERS.c.quantity >= bindparam("units"),
        _OFFERS.c.is_active,
    )
    .values(quantity=_OFFERS.c.quantity - bindparam("units"))
)
_RETURN_STOCK = (
    update(_OFFERS)
    .where(_OFFERS.c.id == bindparam("offer"))
    .values(quantity=_OFFERS.c.quantity + bindparam("units"))
)


_FACT_COLUMNS = (
    Offer.asin,
    Offer.id,
    Offer.seller_id,
    Offer.condition,
    Offer.currency,
    Offer.price_minor,
    Offer.shipping_minor,
    Offer.quantity,
    Offer.handling_days,
    Offer.fulfillment_channel,
    Offer.sku,
    Seller.plan,
    Seller.status,
    Seller.on_holiday,
)


def _row_facts(row: Row[*tuple[Any, ...]]) -> OfferFacts:
    """What the Buy Box needs of an offer and its seller, from a row of ``_FACT_COLUMNS``."""
    return OfferFacts(
        offer_id=row.id,
        seller_id=row.seller_id,
        condition=row.condition,
        price=Money(row.currency, row.price_minor),
        shipping=Money(row.currency, row.shipping_minor),
        quantity=row.quantity,
        handling_days=row.handling_days,
        fulfillment_channel=row.fulfillment_channel,
        seller_plan=row.plan,
        seller_status=row.status,
        seller_on_holiday=row.on_holiday,
        sku=row.sku,
    )


def product_offers(
    session: Session, asin: str, marketplace: str, now: datetime | None = None
) -> ProductOffers:
    """The featured offer and the other buyable offers."""
    return offers_for_products(session, [asin], marketplace, now).get(
        asin, ProductOffers(None, [], {})
    )


def offers_for_products(
    session: Session, asins: Sequence[str], marketplace: str, now: datetime | None = None
) -> dict[str, ProductOffers]:
    """Featured and other offers of many products at once (result lists, carousels).

    The featured offer is the stored Buy Box decision (``souk.buybox``), checked
    against the offers as loaded here; ``now`` picks the rotation period.
    """
    # Plain columns, not Offer entities: a carousel reads dozens of products' offers
    # and building ORM objects for them cost more than the query itself.
    rows = session.execute(
        select(*_FACT_COLUMNS)
        .join(Seller, Seller.id == Offer.seller_id)
        .where(Offer.asin.in_(list(asins)), Offer.marketplace == marketplace, Offer.is_active)
    ).all()
    if not rows:
        return {}
    facts: dict[str, list[OfferFacts]] = {}
    for row in rows:
        facts.setdefault(row.asin, []).append(_row_facts(row))
    seller_ids = {row.seller_id for row in rows}
    sellers = {s.id: s for s in session.scalars(select(Seller).where(Seller.id.in_(seller_ids)))}
    decided = featured_among(session, facts, marketplace, now or clock_now(session))
    result = {}
    for asin, offers in facts.items():
        outcome = decided[asin]
        featured = next((f for f in offers if f.offer_id == outcome.offer_id), None)
        result[asin] = ProductOffers(
            featured,
            other_offers(offers, featured),
            {f.seller_id: sellers[f.seller_id] for f in offers},
            outcome.suppressed,
        )
    return result


def seller_offers(
    session: Session,
    seller_id: str,
    *,
    marketplace: str | None = None,
    sku_or_asin: str = "",
    limit: int = 100,
    offset: int = 0,
) -> list[tuple[Offer, Product]]:
    query = (
        select(Offer, Product)
        .join(Product, Product.asin == Offer.asin)
        .where(Offer.seller_id == seller_id)
    )
    if marketplace:
        query = query.where(Offer.marketplace == marketplace)
    if sku_or_asin.strip():
        needle = sku_or_asin.strip()
        query = query.where(
            (Offer.sku.contains(needle))
            | (Offer.asin == needle.upper())
            | func.lower(Product.title).contains(needle.lower())
        )
    rows = session.execute(
        query.order_by(Offer.updated_at.desc(), Offer.id.desc()).limit(limit).offset(offset)
    )
    return [(offer, product) for offer, product in rows]
