"""Catalog Items 2022-04-01: searchCatalogItems and getCatalogItem."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.orm import Session

from souk.catalog.models import Product
from souk.catalog.service import find_by_identifier, match_titles, products_by_asin
from souk.core.errors import NotFound
from souk.core.ids import is_asin
from souk.marketplaces.rules import MARKETPLACES
from souk.rankings.service import product_ranks
from souk.sellerapi import rules, service
from souk.sellerapi.service import Caller
from souk.web.deps import read_db, runtime
from souk.web.spapi.common import ERRORS, Model, csv, operation, page_key

router = APIRouter(tags=["seller API: catalog items 2022-04-01"])

INCLUDED = ("summaries", "images", "attributes", "identifiers", "salesRanks")
IDENTIFIER_TYPES = ("ASIN", "EAN", "GTIN", "ISBN", "JAN", "MINSAN", "SKU", "UPC")


class BrowseClassification(Model):
    displayName: str
    classificationId: str


class ItemSummary(Model):
    marketplaceId: str
    brand: str | None = None
    browseClassification: BrowseClassification | None = None
    itemName: str | None = None
    manufacturer: str | None = None
    websiteDisplayGroupName: str | None = None


class ItemImage(Model):
    variant: str
    link: str
    height: int
    width: int


class ItemImages(Model):
    marketplaceId: str
    images: list[ItemImage]


class ItemIdentifier(Model):
    identifierType: str
    identifier: str


class ItemIdentifiers(Model):
    marketplaceId: str
    identifiers: list[ItemIdentifier]


class ClassificationRank(Model):
    classificationId: str
    title: str
    link: str | None = None
    rank: int


class DisplayGroupRank(Model):
    websiteDisplayGroup: str
    title: str
    link: str | None = None
    rank: int


class ItemSalesRanks(Model):
    marketplaceId: str
    classificationRanks: list[ClassificationRank] | None = None
    displayGroupRanks: list[DisplayGroupRank] | None = None


class Item(Model):
    asin: str
    attributes: dict[str, Any] | None = None
    identifiers: list[ItemIdentifiers] | None = None
    images: list[ItemImages] | None = None
    salesRanks: list[ItemSalesRanks] | None = None
    summaries: list[ItemSummary] | None = None


class Pagination(Model):
    nextToken: str | None = None
    previousToken: str | None = None


class ItemSearchResults(Model):
    numberOfResults: int
    pagination: Pagination | None = None
    items: list[Item]


def _included(values: list[str] | None) -> set[str]:
    wanted = set(csv(values)) or {"summaries"}
    unknown = wanted - set(INCLUDED)
    if unknown:
        raise rules.ApiRefusal(
            "InvalidInput", f"includedData may be {', '.join(INCLUDED)}; not {sorted(unknown)[0]}."
        )
    return wanted


def item(
    request: Request, session: Session, product: Product, market: str, wanted: set[str]
) -> Item:
    marketplace_id = MARKETPLACES[market].marketplace_id
    base = runtime(request).settings.base_url.rstrip("/")
    result = Item(asin=product.asin)
    if "summaries" in wanted:
        result.summaries = [
            ItemSummary(
                marketplaceId=marketplace_id,
                brand=product.brand.name if product.brand else None,
                browseClassification=BrowseClassification(
                    displayName=product.category.name, classificationId=str(product.category_id)
                ),
                itemName=product.title,
                manufacturer=product.brand.name if product.brand else None,
                websiteDisplayGroupName=product.category.path.split("/")[0],
            )
        ]
    if "images" in wanted:
        result.images = [
            ItemImages(
                marketplaceId=marketplace_id,
                images=[
                    ItemImage(
                        variant="MAIN" if n == 0 else f"PT{n:02d}",
                        link=f"{base}/media/{image.storage_key}",
                        height=image.height,
                        width=image.width,
                    )
                    for n, image in enumerate(product.images)
                ],
            )
        ]
    if "attributes" in wanted:
        attributes: dict[str, Any] = {
            "item_name": [{"value": product.title, "marketplace_id": marketplace_id}],
            "bullet_point": [
                {"value": str(b), "marketplace_id": marketplace_id} for b in product.bullets
            ],
        }
        if product.brand:
            attributes["brand"] = [{"value": product.brand.name, "marketplace_id": marketplace_id}]
        if product.description:
            attributes["product_description"] = [
                {"value": product.description, "marketplace_id": marketplace_id}
            ]
        for name, value in (product.attributes or {}).items():
            attributes.setdefault(str(name), [{"value": value, "marketplace_id": marketplace_id}])
        result.attributes = attributes
    if "identifiers" in wanted:
        identifiers = []
        if product.gtin:
            kind = "UPC" if len(product.gtin) == 12 else "EAN"
            identifiers.append(ItemIdentifier(identifierType=kind, identifier=product.gtin))
        result.identifiers = [
            ItemIdentifiers(marketplaceId=marketplace_id, identifiers=identifiers)
        ]
    if "salesRanks" in wanted:
        ranks = product_ranks(session, product.asin, market)
        result.salesRanks = [
            ItemSalesRanks(
                marketplaceId=marketplace_id,
                classificationRanks=[
                    ClassificationRank(
                        classificationId=str(r.category.id),
                        title=r.category.name,
                        link=f"{base}/bestsellers/{r.category.path}",
                        rank=r.rank,
                    )
                    for r in ranks
                    if r.category.depth > 0
                ],
                displayGroupRanks=[
                    DisplayGroupRank(
                        websiteDisplayGroup=r.category.slug, title=r.category.name, rank=r.rank
                    )
                    for r in ranks
                    if r.category.depth == 0
                ],
            )
        ]
    return result


@router.get(
    "/catalog/2022-04-01/items",
    operation_id="searchCatalogItems",
    response_model=ItemSearchResults,
    response_model_exclude_none=True,
    responses=ERRORS,
)
def search_catalog_items(
    request: Request,
    marketplaceIds: list[str] = Query(..., min_length=1),
    identifiers: list[str] | None = Query(None),
    identifiersType: str | None = Query(None),
    includedData: list[str] | None = Query(None),
    keywords: list[str] | None = Query(None),
    pageSize: int | None = Query(None),
    pageToken: str | None = Query(None),
    caller: Caller = Depends(operation("searchCatalogItems")),
    session: Session = Depends(read_db),
) -> ItemSearchResults:
    """Products by keywords (every word in the title) or by identifiers."""
    market = service.marketplace_code(csv(marketplaceIds))
    wanted = _included(includedData)
    size = rules.page_size(pageSize, 20)
    codes, words = csv(identifiers), " ".join(csv(keywords))
    if bool(codes) == bool(words):
        raise rules.ApiRefusal("InvalidInput", "Give either keywords or identifiers.")
    if codes:
        if identifiersType not in IDENTIFIER_TYPES:
            raise rules.ApiRefusal(
                "InvalidInput", f"identifiersType must be one of {', '.join(IDENTIFIER_TYPES)}."
            )
        if len(codes) > 20:
            raise rules.ApiRefusal("InvalidInput", "identifiers takes at most 20 values.")
        if identifiersType == "ASIN":
            found = products_by_asin(session, [c.upper() for c in codes if is_asin(c.upper())])
            products = [found[c.upper()] for c in codes if c.upper() in found]
        elif identifiersType == "SKU":
            from souk.offers.service import seller_offers

            seller_id = caller.seller_id or ""
            asins = [
                o.asin
                for code in codes
                for o, _ in seller_offers(session, seller_id, marketplace=market, sku_or_asin=code)
                if o.sku == code
            ]
            found = products_by_asin(session, asins)
            products = [found[a] for a in asins if a in found]
        else:
            products = [p for p in (find_by_identifier(session, c) for c in codes) if p]
        return ItemSearchResults(
            numberOfResults=len(products),
            items=[item(request, session, p, market, wanted) for p in products[:size]],
        )
    offset = 0
    key = page_key(request)
    if pageToken:
        state = rules.read_page_token(pageToken, key)
        if state.get("k") != words or not isinstance(state.get("o"), int):
            raise rules.ApiRefusal("InvalidInput", "pageToken is not valid.")
        offset = state["o"]
    matches = match_titles(session, words, limit=min(offset + size + 1, 1000))
    page = matches[offset : offset + size]
    pagination = None
    if len(matches) > offset + size:
        pagination = Pagination(
            nextToken=rules.sign_page_token({"k": words, "o": offset + size}, key)
        )
    return ItemSearchResults(
        numberOfResults=len(matches),
        pagination=pagination,
        items=[item(request, session, p, market, wanted) for p in page],
    )


@router.get(
    "/catalog/2022-04-01/items/{asin}",
    operation_id="getCatalogItem",
    response_model=Item,
    response_model_exclude_none=True,
    responses=ERRORS,
)
def get_catalog_item(
    request: Request,
    asin: str,
    marketplaceIds: list[str] = Query(..., min_length=1),
    includedData: list[str] | None = Query(None),
    caller: Caller = Depends(operation("getCatalogItem")),
    session: Session = Depends(read_db),
) -> Item:
    market = service.marketplace_code(csv(marketplaceIds))
    wanted = _included(includedData)
    found = products_by_asin(session, [asin.upper()]) if is_asin(asin.upper()) else {}
    if asin.upper() not in found:
        raise NotFound(f"No catalog item {asin}.", field="asin")
    return item(request, session, found[asin.upper()], market, wanted)
