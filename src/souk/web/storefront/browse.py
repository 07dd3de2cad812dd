"""Browsing pages: home, category, product detail, all offers, marketplace (search: search.py)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from souk.buybox.rules import OfferFacts
from souk.catalog.models import Product
from souk.catalog.service import (
    category_by_path,
    category_chain,
    get_product,
    merged_into,
    top_categories,
    variation_children,
)
from souk.core.clock import Clock
from souk.core.errors import InvalidInput
from souk.core.policy import default_policy
from souk.marketplaces.rules import MARKETPLACES, Marketplace
from souk.offers.rules import CONDITIONS
from souk.offers.service import ProductOffers, offers_for_products, product_offers
from souk.orders.rules import DeliveryWindow, delivery_window
from souk.web.deps import check_csrf, current_marketplace, read_db, runtime
from souk.web.locale import product_text_for
from souk.web.pagecache import replay_on_cache_hit
from souk.web.pages import form_values, render, safe_next
from souk.web.storefront.deals import product_banners
from souk.web.storefront.queries import shelf
from souk.web.storefront.recs import record_product_view

router = APIRouter()

SHELF_SIZE = 6
OTHER_SELLERS_SHOWN = 3
# The speed the product page promises; checkout offers the others.
PROMISED_SPEED = "standard"


@router.get("/", response_class=HTMLResponse)
def home(request: Request, session: Session = Depends(read_db)) -> HTMLResponse:
    market = current_marketplace(request)
    shelves = []
    for category in top_categories(session):
        products = shelf(session, category, market.code, SHELF_SIZE)
        if products:
            shelves.append((category, products))
    asins = [p.asin for _, products in shelves for p in products]
    offers = offers_for_products(session, asins, market.code)
    return render(request, "storefront/home.html", shelves=shelves, offers=offers)


@router.get("/c/{path:path}", response_class=HTMLResponse)
def category_page(request: Request, path: str, session: Session = Depends(read_db)) -> HTMLResponse:
    """Browse a category: the search engine scoped to it, with sort, facets and pages."""
    # Imported here: the search pages import this module's delivery promise.
    from souk.web.storefront.search import category_listing

    category = category_by_path(session, path.strip("/"))
    return render(
        request, "storefront/category.html", **category_listing(request, session, category)
    )


def arrival(market: Marketplace, clock: Clock, offer: OfferFacts) -> DeliveryWindow:
    """When the featured offer would arrive at the promised speed, ordered now."""
    policy = default_policy().for_marketplace(market.code).shipping
    speed = policy.speeds.get(PROMISED_SPEED) or next(iter(policy.speeds.values()))
    return delivery_window(
        clock.now(),
        offer.handling_days,
        speed.transit_days_min,
        speed.transit_days_max,
        market.zone,
        policy.cutoff_hour_local,
    )


def _family(session: Session, product: Product) -> tuple[Product | None, list[Product]]:
    """The variation parent (if any) and the children to offer as choices."""
    if product.parent_asin:
        parent = session.get(Product, product.parent_asin)
        return parent, variation_children(session, product.parent_asin)
    return None, variation_children(session, product.asin)


def product_context(request: Request, session: Session, asin: str) -> dict[str, object]:
    market = current_marketplace(request)
    product = get_product(session, asin)
    offers = product_offers(session, asin, market.code)
    parent, variations = _family(session, product)
    policy = default_policy().for_marketplace(market.code)
    featured = offers.featured
    window = arrival(market, runtime(request).clock, featured) if featured else None
    return {
        "product": product,
        "offers": offers,
        "featured": featured,
        "featured_seller": offers.sellers.get(featured.seller_id) if featured else None,
        "others": offers.others[:OTHER_SELLERS_SHOWN],
        "window": window,
        "other_windows": {
            o.offer_id: arrival(market, runtime(request).clock, o) for o in offers.others
        },
        "parent": parent,
        "variations": variations,
        "low_stock_line": policy.checkout.low_stock_line,
        "max_quantity": policy.checkout.max_quantity_per_line,
        "lowest_other": min((o.landed for o in offers.others), default=None),
        "chain": category_chain(session, product.category),
        "text": product_text_for(request, session, product),
        "banners": product_banners(request, session, product.asin),
    }


@router.get("/dp/{asin}", response_class=HTMLResponse)
def product_page(request: Request, asin: str, session: Session = Depends(read_db)) -> Response:
    kept = merged_into(session, asin)  # a duplicate merged by operations lives on there
    if kept is not None:
        return RedirectResponse(f"/dp/{kept}", status_code=301)
    record_product_view(request, asin)
    market = current_marketplace(request).code
    replay_on_cache_hit(
        request.scope.setdefault("state", {}), "product_view", asin=asin, marketplace=market
    )
    return render(request, "storefront/product.html", **product_context(request, session, asin))


@router.get("/dp/{asin}/offers", response_class=HTMLResponse)
def all_offers(
    request: Request,
    asin: str,
    condition: str = "",
    speed: str = "",
    session: Session = Depends(read_db),
) -> HTMLResponse:
    market = current_marketplace(request)
    product = get_product(session, asin)
    offers: ProductOffers = product_offers(session, asin, market.code)
    listed = ([offers.featured] if offers.featured else []) + offers.others
    speeds = default_policy().for_marketplace(market.code).shipping.speeds
    # Filters: one condition, and offers whose fulfilment channel can ship at that speed.
    condition = condition if condition in CONDITIONS else ""
    speed = speed if speed in speeds else ""
    shown = [
        o
        for o in listed
        if (not condition or o.condition == condition)
        and (not speed or o.fulfillment_channel in speeds[speed].channels)
    ]
    clock = runtime(request).clock
    return render(
        request,
        "storefront/offers.html",
        product=product,
        offers=offers,
        listed=shown,
        all_count=len(listed),
        conditions_listed=sorted({o.condition for o in listed}, key=list(CONDITIONS).index),
        speeds=speeds,
        condition=condition,
        speed=speed,
        windows={o.offer_id: arrival(market, clock, o) for o in listed},
        max_quantity=default_policy().for_marketplace(market.code).checkout.max_quantity_per_line,
    )


@router.post("/marketplace", dependencies=[Depends(check_csrf)])
async def switch_marketplace(request: Request) -> RedirectResponse:
    values = await form_values(request)
    code = values.get("marketplace", "")
    if code not in MARKETPLACES:
        raise InvalidInput("Choose one of souk's marketplaces.", field="marketplace")
    request.session["marketplace"] = code
    return RedirectResponse(safe_next(values.get("next")), status_code=303)
