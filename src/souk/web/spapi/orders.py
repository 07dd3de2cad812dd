"""Orders v0: getOrders, getOrder, getOrderItems, getOrderAddress, getOrderBuyerInfo."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from souk.core.money import exponent
from souk.marketplaces.rules import MARKETPLACES
from souk.orders.models import Order
from souk.sellerapi import rules, service
from souk.sellerapi.service import Caller
from souk.web.deps import read_db
from souk.web.spapi.common import ERRORS, Model, as_utc, csv, iso, operation, page_key, seller_of

router = APIRouter(tags=["seller API: orders v0"])

STATUSES = (
    "Pending",
    "Unshipped",
    "PartiallyShipped",
    "Shipped",
    "Canceled",
    "Unfulfillable",
    "InvoiceUnconfirmed",
    "PendingAvailability",
)
CHANNELS = {"MFN": "MERCHANT", "AFN": "PLATFORM"}
SPEED_CATEGORIES = {"standard": "Standard", "expedited": "Expedited", "next_day": "NextDay"}
CONDITIONS = {
    "new": ("New", "New"),
    "used_like_new": ("Used", "Mint"),
    "used_very_good": ("Used", "VeryGood"),
    "used_good": ("Used", "Good"),
    "used_acceptable": ("Used", "Acceptable"),
    "refurbished": ("Refurbished", "Refurbished"),
    "collectible": ("Collectible", "Good"),
}


class Money(Model):
    CurrencyCode: str | None = None
    Amount: str | None = None


class Address(Model):
    Name: str | None = None
    AddressLine1: str | None = None
    AddressLine2: str | None = None
    City: str | None = None
    StateOrRegion: str | None = None
    PostalCode: str | None = None
    CountryCode: str | None = None
    Phone: str | None = None
    AddressType: str | None = None


class OrderModel(Model):
    AmazonOrderId: str
    SellerOrderId: str | None = None
    PurchaseDate: str
    LastUpdateDate: str
    OrderStatus: str
    FulfillmentChannel: str | None = None
    SalesChannel: str | None = None
    ShipServiceLevel: str | None = None
    OrderTotal: Money | None = None
    NumberOfItemsShipped: int | None = None
    NumberOfItemsUnshipped: int | None = None
    MarketplaceId: str | None = None
    ShipmentServiceLevelCategory: str | None = None
    OrderType: str | None = None
    EarliestShipDate: str | None = None
    LatestShipDate: str | None = None
    EarliestDeliveryDate: str | None = None
    LatestDeliveryDate: str | None = None
    IsBusinessOrder: bool | None = None
    IsPrime: bool | None = None
    IsPremiumOrder: bool | None = None
    IsGlobalExpressEnabled: bool | None = None
    IsReplacementOrder: bool | None = None
    IsSoldByAB: bool | None = None
    ShippingAddress: Address | None = None


class OrdersList(Model):
    Orders: list[OrderModel]
    NextToken: str | None = None
    CreatedBefore: str | None = None
    LastUpdatedBefore: str | None = None


class GetOrdersResponse(Model):
    payload: OrdersList | None = None


class GetOrderResponse(Model):
    payload: OrderModel | None = None


class OrderItem(Model):
    ASIN: str
    SellerSKU: str | None = None
    OrderItemId: str
    Title: str | None = None
    QuantityOrdered: int
    QuantityShipped: int | None = None
    ItemPrice: Money | None = None
    ShippingPrice: Money | None = None
    ConditionId: str | None = None
    ConditionSubtypeId: str | None = None
    IsGift: str | None = None


class OrderItemsList(Model):
    OrderItems: list[OrderItem]
    NextToken: str | None = None
    AmazonOrderId: str


class GetOrderItemsResponse(Model):
    payload: OrderItemsList | None = None


class OrderAddress(Model):
    AmazonOrderId: str
    ShippingAddress: Address | None = None


class GetOrderAddressResponse(Model):
    payload: OrderAddress | None = None


class OrderBuyerInfo(Model):
    AmazonOrderId: str


class GetOrderBuyerInfoResponse(Model):
    payload: OrderBuyerInfo | None = None


def _money(minor: int, currency: str) -> Money:
    return Money(CurrencyCode=currency, Amount=rules.amount_string(minor, exponent(currency)))


def _address(order: Order) -> Address:
    """The full address only while the seller must ship it; else the area alone."""
    if rules.full_address_visible(order.status, order.fulfillment_channel):
        return Address(
            Name=order.ship_name,
            AddressLine1=order.ship_line1,
            AddressLine2=order.ship_line2 or None,
            City=order.ship_city,
            StateOrRegion=order.ship_state or None,
            PostalCode=order.ship_postal_code,
            CountryCode=order.ship_country,
            Phone=order.ship_phone or None,
            AddressType="Residential",
        )
    return Address(
        City=order.ship_city,
        StateOrRegion=order.ship_state or None,
        PostalCode=order.ship_postal_code,
        CountryCode=order.ship_country,
    )


def order_model(order: Order) -> OrderModel:
    return OrderModel(**order_fields(order))


def order_fields(order: Order) -> dict[str, Any]:
    """An order as the SP-API Order object (plain values, absent fields left out)."""
    shipped = sum(i.quantity_shipped for i in order.items)
    ordered = sum(i.quantity for i in order.items)
    market = MARKETPLACES[order.marketplace]
    fields = dict(
        AmazonOrderId=order.id,
        SellerOrderId=order.id,
        PurchaseDate=iso(order.purchased_at) or "",
        LastUpdateDate=iso(order.updated_at) or "",
        OrderStatus=order.status,
        FulfillmentChannel=rules.CHANNEL_CODES.get(order.fulfillment_channel, "MFN"),
        SalesChannel=market.domain,
        ShipServiceLevel=order.delivery_speed,
        OrderTotal={
            "CurrencyCode": order.currency,
            "Amount": rules.amount_string(order.total_minor, exponent(order.currency)),
        },
        NumberOfItemsShipped=shipped,
        NumberOfItemsUnshipped=0 if order.status == "Canceled" else ordered - shipped,
        MarketplaceId=market.marketplace_id,
        ShipmentServiceLevelCategory=SPEED_CATEGORIES.get(order.delivery_speed, "Standard"),
        OrderType="StandardOrder",
        EarliestShipDate=iso(order.purchased_at),
        LatestShipDate=iso(order.latest_ship_at),
        EarliestDeliveryDate=iso(order.earliest_delivery_at),
        LatestDeliveryDate=iso(order.latest_delivery_at),
        IsBusinessOrder=False,
        IsPrime=order.fulfillment_channel == "PLATFORM",
        IsPremiumOrder=False,
        IsGlobalExpressEnabled=False,
        IsReplacementOrder=False,
        IsSoldByAB=False,
        ShippingAddress=_address(order).model_dump(exclude_none=True),
    )
    return {k: v for k, v in fields.items() if v is not None}


def _dt(value: datetime | None) -> datetime | None:
    return as_utc(value)


@router.get(
    "/orders/v0/orders",
    operation_id="getOrders",
    response_model=GetOrdersResponse,
    response_model_exclude_none=True,
    responses=ERRORS,
)
def get_orders(
    request: Request,
    MarketplaceIds: list[str] = Query(..., min_length=1),
    CreatedAfter: datetime | None = Query(None),
    CreatedBefore: datetime | None = Query(None),
    LastUpdatedAfter: datetime | None = Query(None),
    LastUpdatedBefore: datetime | None = Query(None),
    OrderStatuses: list[str] | None = Query(None),
    FulfillmentChannels: list[str] | None = Query(None),
    AmazonOrderIds: list[str] | None = Query(None),
    MaxResultsPerPage: int | None = Query(None),
    NextToken: str | None = Query(None),
    caller: Caller = Depends(operation("getOrders")),
    session: Session = Depends(read_db),
) -> JSONResponse:
    """The seller's orders created or updated in a window, 100 at most a page."""
    seller_id = seller_of(caller)
    limit = rules.page_size(MaxResultsPerPage, service.seller_api_policy().max_orders_per_page)
    key = page_key(request)
    after: tuple[str, str] | None = None
    if NextToken:
        state = rules.read_page_token(NextToken, key)
        if state.get("seller") != seller_id:
            raise rules.ApiRefusal("InvalidInput", "NextToken is not valid.")
        query = service.query_from_state(state.get("query") or {})
        cursor = state.get("after")
        if not (isinstance(cursor, list) and len(cursor) == 2):
            raise rules.ApiRefusal("InvalidInput", "NextToken is not valid.")
        after = (str(cursor[0]), str(cursor[1]))
        limit = int(state.get("limit") or limit)
    else:
        markets = [service.marketplace_code([m]) for m in csv(MarketplaceIds)]
        if CreatedAfter is None and LastUpdatedAfter is None:
            raise rules.ApiRefusal(
                "InvalidInput", "Either CreatedAfter or LastUpdatedAfter must be given."
            )
        if CreatedAfter is not None and LastUpdatedAfter is not None:
            raise rules.ApiRefusal(
                "InvalidInput", "Give CreatedAfter or LastUpdatedAfter, not both."
            )
        statuses = csv(OrderStatuses)
        unknown = [s for s in statuses if s not in STATUSES]
        if unknown:
            raise rules.ApiRefusal("InvalidInput", f"Unknown OrderStatuses value {unknown[0]}.")
        channels = csv(FulfillmentChannels)
        if any(c not in CHANNELS for c in channels):
            raise rules.ApiRefusal("InvalidInput", "FulfillmentChannels must be AFN or MFN.")
        order_ids = csv(AmazonOrderIds)
        if len(order_ids) > 50:
            raise rules.ApiRefusal("InvalidInput", "AmazonOrderIds takes at most 50 ids.")
        query = service.OrderQuery(
            created_after=_dt(CreatedAfter),
            created_before=_dt(CreatedBefore),
            updated_after=_dt(LastUpdatedAfter),
            updated_before=_dt(LastUpdatedBefore),
            statuses=tuple(statuses),
            channels=tuple(CHANNELS[c] for c in channels),
            marketplaces=tuple(markets),
            order_ids=tuple(order_ids),
        )
    orders, last = service.seller_orders_page(session, seller_id, query, limit, after)
    token = None
    if last is not None:
        token = rules.sign_page_token(
            {
                "seller": seller_id,
                "query": service.query_state(query),
                "after": list(last),
                "limit": limit,
            },
            key,
        )
    # Built as plain JSON: a page of 100 orders is the hot path of order import.
    payload: dict[str, Any] = {"Orders": [order_fields(o) for o in orders]}
    if token:
        payload["NextToken"] = token
    return JSONResponse(
        {"payload": payload},
        headers={"x-amzn-RateLimit-Limit": request.state.spapi_rate_limit},
    )


@router.get(
    "/orders/v0/orders/{orderId}",
    operation_id="getOrder",
    response_model=GetOrderResponse,
    response_model_exclude_none=True,
    responses=ERRORS,
)
def get_order(
    orderId: str,
    caller: Caller = Depends(operation("getOrder")),
    session: Session = Depends(read_db),
) -> GetOrderResponse:
    order = service.seller_order(session, seller_of(caller), orderId)
    return GetOrderResponse(payload=order_model(order))


@router.get(
    "/orders/v0/orders/{orderId}/orderItems",
    operation_id="getOrderItems",
    response_model=GetOrderItemsResponse,
    response_model_exclude_none=True,
    responses=ERRORS,
)
def get_order_items(
    orderId: str,
    NextToken: str | None = Query(None),
    caller: Caller = Depends(operation("getOrderItems")),
    session: Session = Depends(read_db),
) -> GetOrderItemsResponse:
    """Every item of the order in one page (souk orders are small enough)."""
    if NextToken:
        raise rules.ApiRefusal("InvalidInput", "NextToken is not valid.")
    order = service.seller_order(session, seller_of(caller), orderId)
    items = []
    for item in order.items:
        condition, subtype = CONDITIONS.get(item.condition, ("New", "New"))
        items.append(
            OrderItem(
                ASIN=item.asin,
                SellerSKU=item.sku,
                OrderItemId=str(item.id),
                Title=item.title,
                QuantityOrdered=item.quantity,
                QuantityShipped=item.quantity_shipped,
                ItemPrice=_money(item.unit_price_minor * item.quantity, order.currency),
                ShippingPrice=_money(item.shipping_minor, order.currency),
                ConditionId=condition,
                ConditionSubtypeId=subtype,
                IsGift="false",
            )
        )
    return GetOrderItemsResponse(payload=OrderItemsList(OrderItems=items, AmazonOrderId=order.id))


@router.get(
    "/orders/v0/orders/{orderId}/address",
    operation_id="getOrderAddress",
    response_model=GetOrderAddressResponse,
    response_model_exclude_none=True,
    responses=ERRORS,
)
def get_order_address(
    orderId: str,
    caller: Caller = Depends(operation("getOrderAddress")),
    session: Session = Depends(read_db),
) -> GetOrderAddressResponse:
    """Where the order goes: in full only while the seller has to ship it."""
    order = service.seller_order(session, seller_of(caller), orderId)
    return GetOrderAddressResponse(
        payload=OrderAddress(AmazonOrderId=order.id, ShippingAddress=_address(order))
    )


@router.get(
    "/orders/v0/orders/{orderId}/buyerInfo",
    operation_id="getOrderBuyerInfo",
    response_model=GetOrderBuyerInfoResponse,
    response_model_exclude_none=True,
    responses=ERRORS,
)
def get_order_buyer_info(
    orderId: str,
    caller: Caller = Depends(operation("getOrderBuyerInfo")),
    session: Session = Depends(read_db),
) -> GetOrderBuyerInfoResponse:
    """Buyers' names and e-mail addresses are not shared: sellers write through messaging."""
    order = service.seller_order(session, seller_of(caller), orderId)
    return GetOrderBuyerInfoResponse(payload=OrderBuyerInfo(AmazonOrderId=order.id))
