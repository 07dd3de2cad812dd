"""Small builders for tests: a seller with an offer, a buyer with an address."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from sqlalchemy.orm import Session

from souk.accounts.models import Address, User
from souk.accounts.rules import PostalAddress
from souk.accounts.service import add_address, register_user
from souk.catalog.models import Product
from souk.catalog.rules import ProductDraft
from souk.catalog.service import create_product
from souk.core.clock import Clock
from souk.core.money import Money
from souk.offers.models import Offer
from souk.offers.rules import OfferTerms
from souk.offers.service import put_offer
from souk.orders.payments import Card
from souk.sellers.models import Seller
from souk.sellers.service import register_seller

_counter = itertools.count(1)
PASSWORD = "Correct-Horse-9"
GOOD_CARD = Card("4242424242424242", 12, 2030, "123", "Test Buyer")
DECLINED_CARD = Card("4000000000000002", 12, 2030, "123")
CAPTURE_FAILS_CARD = Card("4000000000000341", 12, 2030, "123")


@dataclass
class Buyer:
    user: User
    address: Address


def seller(
    session: Session, clock: Clock, *, plan: str = "professional", name: str | None = None
) -> Seller:
    n = next(_counter)
    created, _ = register_seller(
        session,
        clock,
        business_name=name or f"Test Seller {n}",
        email=f"seller{n}@example.com",
        country="US",
        plan=plan,
        password=PASSWORD,
    )
    return created


def buyer(session: Session, clock: Clock, *, country: str = "US") -> Buyer:
    n = next(_counter)
    user = register_user(
        session, clock, email=f"buyer{n}@example.com", name=f"Buyer {n}", password=PASSWORD
    )
    addresses = {
        "US": PostalAddress("Ada Buyer", "1 Main St", "Springfield", "62701", "US", "IL"),
        "GB": PostalAddress("Ada Buyer", "1 High St", "London", "SW1A 1AA", "GB"),
        "DE": PostalAddress("Ada Käufer", "Hauptstr. 1", "Berlin", "10115", "DE"),
    }
    address = add_address(session, user.id, addresses[country])
    return Buyer(user, address)


def product(
    session: Session,
    clock: Clock,
    *,
    title: str | None = None,
    brand: str = "Acme",
    category: str = "Home & Kitchen/Kitchen",
    gtin: str | None = None,
) -> Product:
    n = next(_counter)
    draft = ProductDraft(
        title=title or f"Acme Kettle model {n}",
        category_path=category,
        brand=brand,
        bullets=("Boils fast",),
        gtin=gtin,
    )
    return create_product(session, clock, draft).product


def offer(
    session: Session,
    clock: Clock,
    *,
    seller_id: str,
    asin: str,
    price: str = "19.99",
    quantity: int = 10,
    shipping: str = "0",
    marketplace: str = "US",
    condition: str = "new",
    channel: str = "MERCHANT",
    handling_days: int = 1,
    sku: str | None = None,
) -> Offer:
    currency = {"US": "USD", "UK": "GBP", "DE": "EUR", "JP": "JPY"}[marketplace]
    terms = OfferTerms(
        sku=sku or f"SKU-{next(_counter)}",
        condition=condition,
        price=Money.parse(price, currency),
        shipping=Money.parse(shipping, currency),
        quantity=quantity,
        handling_days=handling_days,
        fulfillment_channel=channel,
    )
    return put_offer(
        session, clock, seller_id=seller_id, asin=asin, marketplace=marketplace, terms=terms
    )
