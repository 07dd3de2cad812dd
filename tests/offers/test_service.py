"""Offer use cases on both databases: put_offer, reprice, restock, featured offer."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import func, select

from souk.catalog.rules import ProductDraft
from souk.catalog.service import create_product
from souk.core.errors import InvalidInput, NotFound
from souk.core.events import OutboxEvent
from souk.core.money import Money
from souk.offers.models import Offer
from souk.offers.rules import OfferTerms
from souk.offers.service import (
    product_offers,
    put_offer,
    reserve_stock,
    seller_offer,
    seller_offers,
    set_active,
    update_price,
    update_quantity,
)
from souk.sellers.service import set_holiday, set_status
from tests import factories as f


def _terms(sku: str = "KETTLE-1", **changes) -> OfferTerms:
    terms = OfferTerms(sku, "new", Money("USD", 1999), Money("USD", 0), 5, 1)
    return replace(terms, **changes)


def _count(session) -> int:
    return session.scalar(select(func.count()).select_from(Offer))


def test_put_offer_creates_then_updates_the_same_sku(rt, session):
    seller = f.seller(session, rt.clock)
    product = f.product(session, rt.clock)
    offer = put_offer(
        session, rt.clock, seller_id=seller.id, asin=product.asin, marketplace="US", terms=_terms()
    )
    again = put_offer(
        session,
        rt.clock,
        seller_id=seller.id,
        asin=product.asin,
        marketplace="US",
        terms=_terms(price=Money("USD", 1500), quantity=9),
    )
    assert again.id == offer.id and _count(session) == 1
    assert (again.price_minor, again.quantity, again.currency) == (1500, 9, "USD")
    changes = session.scalars(
        select(OutboxEvent).where(OutboxEvent.topic == "offer.changed").order_by(OutboxEvent.id)
    ).all()
    assert [e.payload["price_minor"] for e in changes] == [1999, 1500]


@pytest.mark.parametrize("sku", ["ABC/123/blue", "Kaffeemühle-ß/2", "急須-001"])
def test_skus_with_slashes_and_unicode_round_trip(rt, session, sku):
    seller = f.seller(session, rt.clock)
    product = f.product(session, rt.clock)
    put_offer(
        session,
        rt.clock,
        seller_id=seller.id,
        asin=product.asin,
        marketplace="US",
        terms=_terms(sku),
    )
    session.expire_all()
    assert seller_offer(session, seller.id, "US", sku).sku == sku
    assert [o.sku for o, _ in seller_offers(session, seller.id, sku_or_asin=sku)] == [sku]


def test_one_sku_cannot_point_at_two_products(rt, session):
    seller = f.seller(session, rt.clock)
    a, b = f.product(session, rt.clock), f.product(session, rt.clock)
    put_offer(session, rt.clock, seller_id=seller.id, asin=a.asin, marketplace="US", terms=_terms())
    with pytest.raises(InvalidInput) as error:
        put_offer(
            session, rt.clock, seller_id=seller.id, asin=b.asin, marketplace="US", terms=_terms()
        )
    assert error.value.field == "sku"


@pytest.mark.parametrize(
    ("terms", "marketplace", "field"),
    [
        (_terms(price=Money("USD", 0)), "US", "price"),
        (_terms(quantity=-1), "US", "quantity"),
        (_terms(), "DE", "currency"),  # dollars on the German site
        (_terms(sku=" bad"), "US", "sku"),
        (_terms(handling_days=31), "US", "handling_days"),
        (_terms(), "ZZ", "marketplace"),
    ],
)
def test_bad_offers_write_nothing(rt, session, terms, marketplace, field):
    seller = f.seller(session, rt.clock)
    product = f.product(session, rt.clock)
    with pytest.raises(InvalidInput) as error:
        put_offer(
            session,
            rt.clock,
            seller_id=seller.id,
            asin=product.asin,
            marketplace=marketplace,
            terms=terms,
        )
    assert error.value.field == field
    assert _count(session) == 0


def test_offer_on_unknown_product_or_variation_parent_is_refused(rt, session):
    seller = f.seller(session, rt.clock)
    with pytest.raises(NotFound):
        put_offer(
            session,
            rt.clock,
            seller_id=seller.id,
            asin="B0NOSUCH00",
            marketplace="US",
            terms=_terms(),
        )
    parent = create_product(
        session, rt.clock, ProductDraft("Acme Shirt", "Clothing", brand="Acme")
    ).product
    child = create_product(
        session,
        rt.clock,
        ProductDraft("Acme Shirt Small", "Clothing", brand="Acme"),
        parent_asin=parent.asin,
        variation_theme="Size",
        variation_values={"size": "S"},
    ).product
    with pytest.raises(InvalidInput) as error:
        put_offer(
            session,
            rt.clock,
            seller_id=seller.id,
            asin=parent.asin,
            marketplace="US",
            terms=_terms(),
        )
    assert error.value.field == "asin"
    assert (
        put_offer(
            session,
            rt.clock,
            seller_id=seller.id,
            asin=child.asin,
            marketplace="US",
            terms=_terms(),
        ).asin
        == child.asin
    )


def test_update_price_and_quantity(rt, session):
    seller = f.seller(session, rt.clock)
    offer = f.offer(session, rt.clock, seller_id=seller.id, asin=f.product(session, rt.clock).asin)
    update_price(session, rt.clock, offer, Money("USD", 2500), Money("USD", 499))
    update_quantity(session, rt.clock, offer, 0)
    session.expire_all()
    fresh = session.get(Offer, offer.id)
    assert (fresh.price_minor, fresh.shipping_minor, fresh.quantity) == (2500, 499, 0)
    for bad in (Money("USD", 0), Money("EUR", 100)):
        with pytest.raises(InvalidInput):
            update_price(session, rt.clock, fresh, bad)
    with pytest.raises(InvalidInput):
        update_price(session, rt.clock, fresh, Money("USD", 100), Money("USD", -1))
    with pytest.raises(InvalidInput):
        update_quantity(session, rt.clock, fresh, -1)
    session.expire_all()
    assert session.get(Offer, offer.id).price_minor == 2500


def test_reserve_stock_never_goes_below_zero(rt, session):
    seller = f.seller(session, rt.clock)
    offer = f.offer(
        session, rt.clock, seller_id=seller.id, asin=f.product(session, rt.clock).asin, quantity=3
    )
    assert reserve_stock(session, offer.id, 2)
    assert not reserve_stock(session, offer.id, 2)
    assert reserve_stock(session, offer.id, 1)
    assert not reserve_stock(session, offer.id, 1)
    session.commit()
    session.expire_all()
    assert session.get(Offer, offer.id).quantity == 0


def test_product_offers_feature_the_cheapest_eligible(rt, session):
    product = f.product(session, rt.clock)
    pro = f.seller(session, rt.clock)
    cheap_individual = f.seller(session, rt.clock, plan="individual")
    used = f.seller(session, rt.clock)
    away = f.seller(session, rt.clock)
    winner = f.offer(session, rt.clock, seller_id=pro.id, asin=product.asin, price="20.00")
    f.offer(session, rt.clock, seller_id=cheap_individual.id, asin=product.asin, price="10.00")
    f.offer(
        session, rt.clock, seller_id=used.id, asin=product.asin, price="5.00", condition="used_good"
    )
    f.offer(session, rt.clock, seller_id=away.id, asin=product.asin, price="1.00")
    set_holiday(session, rt.clock, away.id, True)
    offers = product_offers(session, product.asin, "US")
    assert offers.featured.offer_id == winner.id
    assert [o.price.minor for o in offers.others] == [500, 1000]
    assert offers.count == 3
    set_status(session, rt.clock, pro.id, "suspended", "Policy")
    offers = product_offers(session, product.asin, "US")
    assert offers.featured is None
    assert product_offers(session, product.asin, "DE").count == 0


def test_inactive_offers_are_not_shown(rt, session):
    product = f.product(session, rt.clock)
    seller = f.seller(session, rt.clock)
    offer = f.offer(session, rt.clock, seller_id=seller.id, asin=product.asin)
    set_active(session, rt.clock, offer, False)
    assert product_offers(session, product.asin, "US").count == 0
