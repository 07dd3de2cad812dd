"""FBA Inventory v1: getInventorySummaries for the seller's platform-fulfilled stock."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.orm import Session

from souk.fulfillment.network import seller_stock
from souk.fulfillment.rules import Buckets
from souk.marketplaces.rules import MARKETPLACES
from souk.offers.service import seller_offers
from souk.sellerapi import rules, service
from souk.sellerapi.service import Caller
from souk.web.deps import read_db
from souk.web.spapi.common import ERRORS, Model, as_utc, csv, iso, operation, page_key, seller_of

router = APIRouter(tags=["seller API: FBA inventory v1"])
PAGE = 50


class Granularity(Model):
    granularityType: str | None = None
    granularityId: str | None = None


class ReservedQuantity(Model):
    totalReservedQuantity: int | None = None


class UnfulfillableQuantity(Model):
    totalUnfulfillableQuantity: int | None = None


class ResearchingQuantity(Model):
    totalResearchingQuantity: int | None = None


class InventoryDetails(Model):
    fulfillableQuantity: int | None = None
    inboundWorkingQuantity: int | None = None
    inboundShippedQuantity: int | None = None
    inboundReceivingQuantity: int | None = None
    reservedQuantity: ReservedQuantity | None = None
    researchingQuantity: ResearchingQuantity | None = None
    unfulfillableQuantity: UnfulfillableQuantity | None = None


class InventorySummary(Model):
    asin: str | None = None
    fnSku: str | None = None
    sellerSku: str | None = None
    condition: str | None = None
    inventoryDetails: InventoryDetails | None = None
    lastUpdatedTime: str | None = None
    productName: str | None = None
    totalQuantity: int | None = None


class GetInventorySummariesResult(Model):
    granularity: Granularity
    inventorySummaries: list[InventorySummary]


class Pagination(Model):
    nextToken: str | None = None


class GetInventorySummariesResponse(Model):
    payload: GetInventorySummariesResult | None = None
    pagination: Pagination | None = None


@router.get(
    "/fba/inventory/v1/summaries",
    operation_id="getInventorySummaries",
    response_model=GetInventorySummariesResponse,
    response_model_exclude_none=True,
    responses=ERRORS,
)
def get_inventory_summaries(
    request: Request,
    granularityType: str = Query(...),
    granularityId: str = Query(...),
    marketplaceIds: list[str] = Query(..., min_length=1),
    details: bool = Query(False),
    startDateTime: datetime | None = Query(None),
    sellerSkus: list[str] | None = Query(None),
    sellerSku: str | None = Query(None),
    nextToken: str | None = Query(None),
    caller: Caller = Depends(operation("getInventorySummaries")),
    session: Session = Depends(read_db),
) -> GetInventorySummariesResponse:
    """Units souk's fulfilment network holds for the seller, SKU by SKU."""
    seller_id = seller_of(caller)
    if granularityType != "Marketplace":
        raise rules.ApiRefusal("InvalidInput", "granularityType must be Marketplace.")
    market = service.marketplace_code([granularityId])
    wanted = set(csv(sellerSkus)) | ({sellerSku} if sellerSku else set())
    since = as_utc(startDateTime)
    offset = 0
    key = page_key(request)
    if nextToken:
        state = rules.read_page_token(nextToken, key)
        if state.get("s") != seller_id or not isinstance(state.get("o"), int):
            raise rules.ApiRefusal("InvalidInput", "nextToken is not valid.")
        offset = state["o"]
    rows = [
        (offer, product)
        for offer, product in seller_offers(session, seller_id, marketplace=market, limit=10_000)
        if offer.fulfillment_channel == "PLATFORM"
        and (not wanted or offer.sku in wanted)
        and (since is None or offer.updated_at >= since)
    ]
    rows.sort(key=lambda pair: pair[0].sku)
    page = rows[offset : offset + PAGE]
    # Units in souk's fulfilment centres by state, summed over centres; an offer the
    # network has no record of counts its sellable quantity as fulfillable.
    held: dict[int, Buckets] = {}
    for line in seller_stock(session, seller_id, market):
        was = held.get(line.offer.id, Buckets())
        b = line.buckets
        held[line.offer.id] = Buckets(
            was.fulfillable + b.fulfillable,
            was.inbound + b.inbound,
            was.reserved + b.reserved,
            was.unfulfillable + b.unfulfillable,
            was.researching + b.researching,
        )
    summaries = []
    for offer, product in page:
        units = held.get(offer.id, Buckets(fulfillable=offer.quantity))
        summaries.append(
            InventorySummary(
                asin=offer.asin,
                fnSku=offer.asin,
                sellerSku=offer.sku,
                condition=rules.CONDITION_CODES.get(offer.condition, "NewItem"),
                inventoryDetails=InventoryDetails(
                    fulfillableQuantity=units.fulfillable,
                    inboundWorkingQuantity=0,
                    inboundShippedQuantity=0,
                    inboundReceivingQuantity=units.inbound,
                    reservedQuantity=ReservedQuantity(totalReservedQuantity=units.reserved),
                    researchingQuantity=ResearchingQuantity(
                        totalResearchingQuantity=units.researching
                    ),
                    unfulfillableQuantity=UnfulfillableQuantity(
                        totalUnfulfillableQuantity=units.unfulfillable
                    ),
                )
                if details
                else None,
                lastUpdatedTime=iso(offer.updated_at),
                productName=product.title,
                totalQuantity=units.fulfillable
                + units.inbound
                + units.reserved
                + units.unfulfillable
                + units.researching,
            )
        )
    pagination = None
    if len(rows) > offset + PAGE:
        pagination = Pagination(
            nextToken=rules.sign_page_token({"s": seller_id, "o": offset + PAGE}, key)
        )
    return GetInventorySummariesResponse(
        payload=GetInventorySummariesResult(
            granularity=Granularity(
                granularityType="Marketplace",
                granularityId=MARKETPLACES[market].marketplace_id,
            ),
            inventorySummaries=summaries,
        ),
        pagination=pagination,
    )
