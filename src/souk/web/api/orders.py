"""The buyer's orders: list, read, cancel before shipment."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from sqlalchemy.orm import Session

from souk.accounts.models import User
from souk.fulfillment.service import shipments
from souk.orders.service import buyer_order, buyer_orders, cancel_by_buyer
from souk.web.api.common import errors
from souk.web.api.schemas import BuyerCancelIn, OrderList, OrderOut
from souk.web.deps import api_user, db, read_db, runtime

router = APIRouter(prefix="/orders", tags=["buyer"])

OrderId = Annotated[str, Path(max_length=40, description="The order number, NNN-NNNNNNN-NNNNNNN.")]


@router.get(
    "",
    summary="List my orders",
    description="Newest first.",
    response_model=OrderList,
    responses=errors(401),
)
def list_orders(
    limit: int = Query(20, ge=1, le=100),
    offset: int = Query(0, ge=0, le=1_000_000),
    user: User = Depends(api_user),
    session: Session = Depends(read_db),
) -> OrderList:
    # One more than asked tells whether another page exists.
    found = buyer_orders(session, user.id, limit=limit + 1, offset=offset)
    return OrderList(
        orders=[OrderOut.of(order) for order in found[:limit]],
        next_offset=offset + limit if len(found) > limit else None,
    )


@router.get(
    "/{order_id}",
    summary="Read one of my orders",
    response_model=OrderOut,
    responses=errors(401, 404),
)
def read_order(
    order_id: OrderId, user: User = Depends(api_user), session: Session = Depends(read_db)
) -> OrderOut:
    order = buyer_order(session, user.id, order_id)
    return OrderOut.of(order, shipments(session, order.id))


@router.post(
    "/{order_id}/cancel",
    summary="Cancel one of my orders",
    description="Possible until the seller ships; the payment is refunded and the "
    "stock returns to the seller.",
    response_model=OrderOut,
    responses=errors(401, 404, 409),
)
def cancel_order(
    order_id: OrderId,
    body: BuyerCancelIn,
    request: Request,
    user: User = Depends(api_user),
    session: Session = Depends(db),
) -> OrderOut:
    rt = runtime(request)
    order = cancel_by_buyer(
        session, rt.clock, rt.payments, buyer_id=user.id, order_id=order_id, reason=body.reason
    )
    return OrderOut.of(order)
