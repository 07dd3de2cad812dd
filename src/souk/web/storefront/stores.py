"""Seller storefront pages (/sellers/{id}) and brand store pages (/stores/{brand})."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from souk.catalog.service import brand_by_name, brand_products
from souk.core.money import Money
from souk.identity.service import store_disclosure
from souk.offers.service import offers_for_products, seller_offers
from souk.sellers.rules import can_sell
from souk.sellers.service import get_seller
from souk.web.deps import current_marketplace, read_db
from souk.web.pages import render
from souk.web.storefront.queries import with_images

router = APIRouter()

PER_PAGE = 24
# Read this many of the seller's offers to fill a page of buyable listings.
OFFERS_READ = 500


@router.get("/sellers/{seller_id}", response_class=HTMLResponse)
def seller_store(
    request: Request, seller_id: str, session: Session = Depends(read_db)
) -> HTMLResponse:
    market = current_marketplace(request)
    seller = get_seller(session, seller_id)
    selling = can_sell(seller.status, seller.on_holiday)
    listings = []
    if selling:
        rows = seller_offers(session, seller.id, marketplace=market.code, limit=OFFERS_READ)
        buyable = [(o, p) for o, p in rows if o.is_active and o.quantity > 0][:PER_PAGE]
        products = with_images(session, [p for _, p in buyable])
        listings = [
            (o, p, Money(o.currency, o.price_minor), Money(o.currency, o.shipping_minor))
            for (o, _), p in zip(buyable, products, strict=True)
        ]
    return render(
        request,
        "storefront/seller_store.html",
        seller=seller,
        selling=selling,
        listings=listings,
        # INFORM Consumers Act: high-revenue sellers' name, address and contact.
        disclosure=store_disclosure(session, seller.id),
    )


@router.get("/stores/{brand}", response_class=HTMLResponse)
def brand_store(
    request: Request, brand: str, page: int = 1, session: Session = Depends(read_db)
) -> HTMLResponse:
    market = current_marketplace(request)
    found = brand_by_name(session, brand)
    page = max(1, page)
    products, total = brand_products(
        session, found.id, limit=PER_PAGE, offset=(page - 1) * PER_PAGE
    )
    return render(
        request,
        "storefront/brand_store.html",
        brand=found,
        products=products,
        offers=offers_for_products(session, [p.asin for p in products], market.code),
        total=total,
        page=page,
        more=page * PER_PAGE < total,
    )
