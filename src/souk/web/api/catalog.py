"""Catalog reads: products with their offers, title search, browse categories.
No access token needed."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from sqlalchemy.orm import Session

from souk.buybox.rules import OfferFacts
from souk.catalog.service import (
    category_by_path,
    category_chain,
    child_categories,
    get_product,
    match_titles,
    top_categories,
    variation_children,
)
from souk.offers.service import ProductOffers, offers_for_products, product_offers
from souk.web.api.common import errors, marketplace_code
from souk.web.api.schemas import (
    CategoryList,
    CategoryOut,
    Clean,
    ImageOut,
    MoneyOut,
    OfferOut,
    ProductList,
    ProductOut,
    ProductSummary,
)
from souk.web.deps import read_db

router = APIRouter(tags=["catalog"])

MarketplaceQuery = Annotated[
    str,
    Query(max_length=10, description="The marketplace whose offers and prices to show."),
    Clean,
]
AsinPath = Annotated[str, Path(max_length=10, description="The product's ASIN."), Clean]


def _offer(facts: OfferFacts, offers: ProductOffers) -> OfferOut:
    seller = offers.sellers[facts.seller_id]
    return OfferOut(
        offer_id=facts.offer_id,
        seller_id=facts.seller_id,
        seller_name=seller.store_name,
        sold_by_souk=seller.is_platform_retail,
        condition=facts.condition,
        price=MoneyOut.of(facts.price),
        shipping=MoneyOut.of(facts.shipping),
        landed_price=MoneyOut.of(facts.landed),
        available_quantity=facts.quantity,
        handling_days=facts.handling_days,
        fulfillment_channel=facts.fulfillment_channel,
    )


@router.get(
    "/products/{asin}",
    summary="Read a product",
    description="The product page: images, bullet points, attributes, category path, "
    "brand, and the featured offer with the other offers in the marketplace.",
    response_model=ProductOut,
    responses=errors(404),
)
def read_product(
    asin: AsinPath, marketplace: MarketplaceQuery = "US", session: Session = Depends(read_db)
) -> ProductOut:
    code = marketplace_code(marketplace)
    product = get_product(session, asin.strip().upper())
    offers = product_offers(session, product.asin, code)
    return ProductOut(
        asin=product.asin,
        marketplace=code,
        title=product.title,
        brand=product.brand.name if product.brand else None,
        description=product.description,
        bullets=[str(b) for b in product.bullets],
        attributes=product.attributes,
        gtin=product.gtin,
        category_path=[CategoryOut.of(c) for c in category_chain(session, product.category)],
        images=[ImageOut.of(i) for i in product.images],
        parent_asin=product.parent_asin,
        variation_theme=product.variation_theme,
        variation_values=product.variation_values,
        variation_asins=[c.asin for c in variation_children(session, product.asin)],
        featured_offer=_offer(offers.featured, offers) if offers.featured else None,
        other_offers=[_offer(o, offers) for o in offers.others],
    )


@router.get(
    "/products",
    summary="Find products by title",
    description="Products whose title contains every word of `q`, with their featured offer.",
    response_model=ProductList,
    responses=errors(),
)
def find_products(
    q: Annotated[
        str, Query(min_length=1, max_length=200, description="Words of the title."), Clean
    ],
    marketplace: MarketplaceQuery = "US",
    limit: int = Query(20, ge=1, le=50),
    session: Session = Depends(read_db),
) -> ProductList:
    code = marketplace_code(marketplace)
    products = match_titles(session, q, limit=limit)
    offers = offers_for_products(session, [p.asin for p in products], code)
    summaries = []
    for product in products:
        found = offers.get(product.asin, ProductOffers(None, [], {}))
        summaries.append(
            ProductSummary(
                asin=product.asin,
                title=product.title,
                brand=product.brand.name if product.brand else None,
                image=ImageOut.of(product.images[0]) if product.images else None,
                featured_offer=_offer(found.featured, found) if found.featured else None,
                offer_count=found.count,
            )
        )
    return ProductList(marketplace=code, products=summaries)


@router.get(
    "/categories",
    summary="Browse categories",
    description="The top-level categories, or the children of the category at `parent`.",
    response_model=CategoryList,
    responses=errors(404),
)
def list_categories(
    parent: Annotated[
        str | None,
        Query(max_length=500, description="A category path, e.g. home-kitchen/kitchen."),
        Clean,
    ] = None,
    session: Session = Depends(read_db),
) -> CategoryList:
    if parent is None:
        return CategoryList(
            parent=None, categories=[CategoryOut.of(c) for c in top_categories(session)]
        )
    node = category_by_path(session, parent.strip("/"))
    return CategoryList(
        parent=CategoryOut.of(node),
        categories=[CategoryOut.of(c) for c in child_categories(session, node.id)],
    )
