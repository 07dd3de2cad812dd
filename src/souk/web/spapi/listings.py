"""Listings Items 2021-08-01: a seller's SKU as a JSON listing (put, patch, get, delete).

SKUs are any printable text: ``/`` arrives percent-encoded and is matched as one
path segment."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends, Query, Request
from pydantic import Field
from sqlalchemy.orm import Session

from souk.catalog.service import products_by_asin
from souk.core.errors import NotFound
from souk.core.money import exponent
from souk.marketplaces.rules import MARKETPLACES
from souk.offers.rules import check_sku
from souk.offers.service import seller_offer
from souk.sellerapi import rules, service
from souk.sellerapi.service import Caller, ListingResult
from souk.web.deps import db, read_db, runtime
from souk.web.spapi.common import ERRORS, Model, csv, iso, operation, seller_of

router = APIRouter(tags=["seller API: listings items 2021-08-01"])

INCLUDED = ("summaries", "attributes", "issues", "offers", "fulfillmentAvailability")


class ListingsItemPutRequest(Model):
    productType: str = Field(min_length=1, max_length=100)
    requirements: str | None = None
    attributes: dict[str, Any]


class PatchOperation(Model):
    op: str
    path: str
    value: list[Any] | None = None


class ListingsItemPatchRequest(Model):
    productType: str = Field(min_length=1, max_length=100)
    patches: list[PatchOperation] = Field(min_length=1)


class Issue(Model):
    code: str
    message: str
    severity: str
    attributeNames: list[str] | None = None
    categories: list[str]


class ItemIdentifiersByMarketplace(Model):
    marketplaceId: str | None = None
    asin: str | None = None


class ListingsItemSubmissionResponse(Model):
    sku: str
    status: str
    submissionId: str
    issues: list[Issue] | None = None
    identifiers: list[ItemIdentifiersByMarketplace] | None = None


class ItemSummary(Model):
    marketplaceId: str
    asin: str | None = None
    productType: str
    conditionType: str | None = None
    status: list[str]
    itemName: str | None = None
    createdDate: str
    lastUpdatedDate: str


class MoneyAmount(Model):
    currencyCode: str
    amount: str


class ItemOffer(Model):
    marketplaceId: str
    offerType: str
    price: MoneyAmount


class FulfillmentAvailability(Model):
    fulfillmentChannelCode: str
    quantity: int | None = None


class Item(Model):
    sku: str
    summaries: list[ItemSummary] | None = None
    attributes: dict[str, Any] | None = None
    issues: list[Issue] | None = None
    offers: list[ItemOffer] | None = None
    fulfillmentAvailability: list[FulfillmentAvailability] | None = None


def _check_path(caller: Caller, sellerId: str, sku: str) -> str:
    seller_id = seller_of(caller)
    if sellerId != seller_id:
        # Another seller's listings do not exist for this caller.
        raise NotFound(f"No listings item {sku!r} for seller {sellerId}.", field="sellerId")
    try:
        check_sku(sku)
    except Exception as error:
        raise rules.ApiRefusal("InvalidInput", str(error)) from None
    return seller_id


def _answer(result: ListingResult, market: str) -> ListingsItemSubmissionResponse:
    marketplace_id = MARKETPLACES[market].marketplace_id
    return ListingsItemSubmissionResponse(
        sku=result.sku,
        status=result.status,
        submissionId=result.submission_id,
        issues=[
            Issue(
                code=i.code,
                message=i.message,
                severity=i.severity,
                attributeNames=[i.attribute] if i.attribute else [],
                categories=["INVALID_ATTRIBUTE"] if i.severity == "ERROR" else [],
            )
            for i in result.issues
        ],
        identifiers=[ItemIdentifiersByMarketplace(marketplaceId=marketplace_id, asin=result.asin)]
        if result.asin and result.status == "ACCEPTED"
        else None,
    )


@router.put(
    "/listings/2021-08-01/items/{sellerId}/{sku:path}",
    operation_id="putListingsItem",
    response_model=ListingsItemSubmissionResponse,
    response_model_exclude_none=True,
    responses=ERRORS,
)
def put_listings_item(
    request: Request,
    sellerId: str,
    sku: str,
    body: ListingsItemPutRequest = Body(...),
    marketplaceIds: list[str] = Query(..., min_length=1),
    caller: Caller = Depends(operation("putListingsItem")),
    session: Session = Depends(db),
) -> ListingsItemSubmissionResponse:
    """Create or replace the offer for ``sku`` on an existing product."""
    seller_id = _check_path(caller, sellerId, sku)
    market = service.marketplace_code(csv(marketplaceIds))
    result = service.put_listing(
        session,
        runtime(request).clock,
        seller_id=seller_id,
        marketplace=market,
        sku=sku,
        attributes=body.attributes,
    )
    return _answer(result, market)


@router.patch(
    "/listings/2021-08-01/items/{sellerId}/{sku:path}",
    operation_id="patchListingsItem",
    response_model=ListingsItemSubmissionResponse,
    response_model_exclude_none=True,
    responses=ERRORS,
)
def patch_listings_item(
    request: Request,
    sellerId: str,
    sku: str,
    body: ListingsItemPatchRequest = Body(...),
    marketplaceIds: list[str] = Query(..., min_length=1),
    caller: Caller = Depends(operation("patchListingsItem")),
    session: Session = Depends(db),
) -> ListingsItemSubmissionResponse:
    """Change some attributes of an existing listing (price, quantity, condition)."""
    seller_id = _check_path(caller, sellerId, sku)
    market = service.marketplace_code(csv(marketplaceIds))
    result = service.patch_listing(
        session,
        runtime(request).clock,
        seller_id=seller_id,
        marketplace=market,
        sku=sku,
        patches=[p.model_dump() for p in body.patches],
    )
    return _answer(result, market)


@router.delete(
    "/listings/2021-08-01/items/{sellerId}/{sku:path}",
    operation_id="deleteListingsItem",
    response_model=ListingsItemSubmissionResponse,
    response_model_exclude_none=True,
    responses=ERRORS,
)
def delete_listings_item(
    request: Request,
    sellerId: str,
    sku: str,
    marketplaceIds: list[str] = Query(..., min_length=1),
    caller: Caller = Depends(operation("deleteListingsItem")),
    session: Session = Depends(db),
) -> ListingsItemSubmissionResponse:
    seller_id = _check_path(caller, sellerId, sku)
    market = service.marketplace_code(csv(marketplaceIds))
    result = service.delete_listing(
        session, runtime(request).clock, seller_id=seller_id, marketplace=market, sku=sku
    )
    return _answer(result, market)


@router.get(
    "/listings/2021-08-01/items/{sellerId}/{sku:path}",
    operation_id="getListingsItem",
    response_model=Item,
    response_model_exclude_none=True,
    responses=ERRORS,
)
def get_listings_item(
    sellerId: str,
    sku: str,
    marketplaceIds: list[str] = Query(..., min_length=1),
    includedData: list[str] | None = Query(None),
    caller: Caller = Depends(operation("getListingsItem")),
    session: Session = Depends(read_db),
) -> Item:
    seller_id = _check_path(caller, sellerId, sku)
    market = service.marketplace_code(csv(marketplaceIds))
    wanted = set(csv(includedData)) or {"summaries"}
    if wanted - set(INCLUDED):
        raise rules.ApiRefusal("InvalidInput", f"includedData may be {', '.join(INCLUDED)}.")
    offer = seller_offer(session, seller_id, market, sku)
    marketplace_id = MARKETPLACES[market].marketplace_id
    product = products_by_asin(session, [offer.asin]).get(offer.asin)
    item = Item(sku=offer.sku)
    if "summaries" in wanted:
        status = ["BUYABLE", "DISCOVERABLE"] if offer.is_active and offer.quantity > 0 else []
        item.summaries = [
            ItemSummary(
                marketplaceId=marketplace_id,
                asin=offer.asin,
                productType="PRODUCT",
                conditionType=service.offer_attributes(offer)["condition_type"][0]["value"],
                status=status,
                itemName=product.title if product else None,
                createdDate=iso(offer.created_at) or "",
                lastUpdatedDate=iso(offer.updated_at) or "",
            )
        ]
    if "attributes" in wanted:
        item.attributes = service.offer_attributes(offer)
    if "issues" in wanted:
        item.issues = []
    if "offers" in wanted:
        item.offers = [
            ItemOffer(
                marketplaceId=marketplace_id,
                offerType="B2C",
                price=MoneyAmount(
                    currencyCode=offer.currency,
                    amount=rules.amount_string(offer.price_minor, exponent(offer.currency)),
                ),
            )
        ]
    if "fulfillmentAvailability" in wanted:
        item.fulfillmentAvailability = [
            FulfillmentAvailability(
                fulfillmentChannelCode="DEFAULT"
                if offer.fulfillment_channel == "MERCHANT"
                else "PLATFORM",
                quantity=offer.quantity,
            )
        ]
    return item
