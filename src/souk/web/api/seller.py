"""The seller's side: offers (listing, price, stock) and orders (read, ship, cancel).

Every call acts for one seller account the token's user works for, with a role
that allows it; another seller's orders are simply not found.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import AwareDatetime
from sqlalchemy.orm import Session

from souk.catalog.service import get_product
from souk.core.money import Money
from souk.fulfillment.service import confirm_shipment, shipments
from souk.offers.models import Offer
from souk.offers.rules import OfferTerms, check_offer_terms
from souk.offers.service import (
    put_offer,
    seller_offer,
    seller_offers,
    update_price,
    update_quantity,
)
from souk.orders.service import cancel_by_seller, seller_order, seller_orders
from souk.policy.service import screen_offer
from souk.web.api.common import (
    SellerAccount,
    currency_for,
    errors,
    marketplace_code,
    parse_amount,
    seller_account,
)
from souk.web.api.schemas import (
    Clean,
    OrderList,
    OrderOut,
    OrderStatus,
    SellerCancelIn,
    SellerOfferIn,
    SellerOfferList,
    SellerOfferOut,
    SellerOfferUpdate,
    ShipmentIn,
)
from souk.web.deps import db, read_db, runtime

router = APIRouter(prefix="/seller", tags=["seller"])

inventory = seller_account("inventory")
orders_desk = seller_account("orders")

Sku = Annotated[
    str,
    Path(
        max_length=600,
        description="The seller's SKU. It may contain '/', spaces and any Unicode; "
        "percent-encode what a URL path cannot hold.",
    ),
    Clean,
]
OrderId = Annotated[str, Path(max_length=40, description="The order number, NNN-NNNNNNN-NNNNNNN.")]


def _offer_out(session: Session, offer: Offer) -> SellerOfferOut:
    return SellerOfferOut.of(offer, get_product(session, offer.asin).title)


# -- offers -----------------------------------------------------------------


@router.get(
    "/offers",
    summary="List my offers",
    description="Most recently changed first; `q` matches SKU, ASIN or title.",
    response_model=SellerOfferList,
    responses=errors(401, 403),
)
def list_offers(
    marketplace: Annotated[str | None, Query(max_length=10), Clean] = None,
    q: Annotated[str, Query(max_length=200), Clean] = "",
    limit: int = Query(50, ge=1, le=200),
    offset: int = Query(0, ge=0, le=1_000_000),
    account: SellerAccount = Depends(inventory),
    session: Session = Depends(read_db),
) -> SellerOfferList:
    code = marketplace_code(marketplace) if marketplace else None
    rows = seller_offers(
        session, account.seller_id, marketplace=code, sku_or_asin=q, limit=limit + 1, offset=offset
    )
    return SellerOfferList(
        seller_id=account.seller_id,
        offers=[SellerOfferOut.of(offer, product.title) for offer, product in rows[:limit]],
        next_offset=offset + limit if len(rows) > limit else None,
    )


@router.put(
    "/offers/{sku:path}",
    summary="Create or replace an offer",
    description="Lists the SKU on a product in a marketplace, or replaces all its terms.",
    response_model=SellerOfferOut,
    responses=errors(401, 403, 404),
)
def put_seller_offer(
    sku: Sku,
    body: SellerOfferIn,
    request: Request,
    account: SellerAccount = Depends(inventory),
    session: Session = Depends(db),
) -> SellerOfferOut:
    code = marketplace_code(body.marketplace)
    currency = currency_for(code, body.currency)
    terms = OfferTerms(
        sku=sku,
        condition=body.condition,
        price=parse_amount(body.price, currency, "price"),
        shipping=parse_amount(body.shipping, currency, "shipping"),
        quantity=body.quantity,
        handling_days=body.handling_days,
        fulfillment_channel=body.fulfillment_channel,
    )
    # Upload throttling (429 + Retry-After) and the offer red lines come first.
    screen_offer(
        session,
        runtime(request).clock,
        seller_id=account.seller_id,
        asin=body.asin.strip().upper(),
        marketplace=code,
        price_minor=terms.price.minor,
        shipping_minor=terms.shipping.minor,
        handling_days=terms.handling_days,
    )
    offer = put_offer(
        session,
        runtime(request).clock,
        seller_id=account.seller_id,
        asin=body.asin.strip().upper(),
        marketplace=code,
        terms=terms,
    )
    return _offer_out(session, offer)


@router.patch(
    "/offers/{sku:path}",
    summary="Change an offer's price or stock",
    description="Send `price` (and optionally `shipping`), `quantity`, or both.",
    response_model=SellerOfferOut,
    responses=errors(401, 403, 404),
)
def patch_seller_offer(
    sku: Sku,
    body: SellerOfferUpdate,
    request: Request,
    account: SellerAccount = Depends(inventory),
    session: Session = Depends(db),
) -> SellerOfferOut:
    clock = runtime(request).clock
    offer = seller_offer(session, account.seller_id, marketplace_code(body.marketplace), sku)
    currency = currency_for(offer.marketplace, body.currency)
    price = parse_amount(body.price, currency, "price") if body.price is not None else None
    shipping = (
        parse_amount(body.shipping, currency, "shipping") if body.shipping is not None else None
    )
    if price is None and shipping is not None:
        price = Money(offer.currency, offer.price_minor)
    _check_whole_change(offer, price, shipping, body.quantity)
    screen_offer(
        session,
        clock,
        seller_id=account.seller_id,
        asin=offer.asin,
        marketplace=offer.marketplace,
        price_minor=price.minor if price is not None else offer.price_minor,
        shipping_minor=shipping.minor if shipping is not None else offer.shipping_minor,
        handling_days=offer.handling_days,
    )
    if price is not None:
        update_price(session, clock, offer, price, shipping)
    if body.quantity is not None:
        update_quantity(session, clock, offer, body.quantity)
    return _offer_out(session, offer)


def _check_whole_change(
    offer: Offer, price: Money | None, shipping: Money | None, quantity: int | None
) -> None:
    """Price and stock are saved one after the other; check both first with the offer
    rules, so a refused half never leaves the other half saved."""
    current = Money(offer.currency, offer.price_minor)
    check_offer_terms(
        OfferTerms(
            sku=offer.sku,
            condition=offer.condition,
            price=current if price is None else price,
            shipping=Money(offer.currency, offer.shipping_minor) if shipping is None else shipping,
            quantity=offer.quantity if quantity is None else quantity,
            handling_days=offer.handling_days,
            fulfillment_channel=offer.fulfillment_channel,
        ),
        offer.currency,
        # Handling time is not part of this change.
        max_handling_days=offer.handling_days,
    )


# -- orders -----------------------------------------------------------------


@router.get(
    "/orders",
    summary="List my orders",
    description="Newest first. Filter by status (repeat the parameter for several) and "
    "by purchase time; page with `limit` and the `next_offset` of the previous page.",
    response_model=OrderList,
    responses=errors(401, 403),
)
def list_seller_orders(
    status: list[OrderStatus] | None = Query(None),
    created_after: AwareDatetime | None = Query(
        None, description="Only orders purchased at or after this instant (with time zone)."
    ),
    limit: int = Query(50, ge=1, le=200),
    offset: int = Query(0, ge=0, le=1_000_000),
    account: SellerAccount = Depends(orders_desk),
    session: Session = Depends(read_db),
) -> OrderList:
    found = seller_orders(
        session,
        account.seller_id,
        statuses=tuple(s.value for s in status or ()),
        created_after=created_after,
        limit=limit + 1,
        offset=offset,
    )
    return OrderList(
        orders=[OrderOut.of(order) for order in found[:limit]],
        next_offset=offset + limit if len(found) > limit else None,
    )


@router.get(
    "/orders/{order_id}",
    summary="Read one of my orders",
    description="With the shipping address and any shipments.",
    response_model=OrderOut,
    responses=errors(401, 403, 404),
)
def read_seller_order(
    order_id: OrderId,
    account: SellerAccount = Depends(orders_desk),
    session: Session = Depends(read_db),
) -> OrderOut:
    order = seller_order(session, account.seller_id, order_id)
    return OrderOut.of(order, shipments(session, order.id))


@router.post(
    "/orders/{order_id}/shipment",
    summary="Confirm shipment",
    description="Ships every remaining unit with one tracked parcel; the tracking number "
    "must have the carrier's format.",
    response_model=OrderOut,
    status_code=201,
    responses=errors(401, 403, 404, 409),
)
def ship_order(
    order_id: OrderId,
    body: ShipmentIn,
    request: Request,
    account: SellerAccount = Depends(orders_desk),
    session: Session = Depends(db),
) -> OrderOut:
    confirm_shipment(
        session,
        runtime(request).clock,
        seller_id=account.seller_id,
        order_id=order_id,
        carrier=body.carrier,
        tracking_number=body.tracking_number,
    )
    order = seller_order(session, account.seller_id, order_id)
    return OrderOut.of(order, shipments(session, order.id))


@router.post(
    "/orders/{order_id}/cancel",
    summary="Cancel an order",
    description="Before shipment, with one of the marketplace's seller reasons; it counts "
    "against the seller's cancellation rate.",
    response_model=OrderOut,
    responses=errors(401, 403, 404, 409),
)
def cancel_seller_order(
    order_id: OrderId,
    body: SellerCancelIn,
    request: Request,
    account: SellerAccount = Depends(orders_desk),
    session: Session = Depends(db),
) -> OrderOut:
    rt = runtime(request)
    order = cancel_by_seller(
        session,
        rt.clock,
        rt.payments,
        seller_id=account.seller_id,
        order_id=order_id,
        reason=body.reason,
    )
    return OrderOut.of(order)
