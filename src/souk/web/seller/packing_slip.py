"""A printable packing slip for one of the seller's orders."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from souk.core.money import Money
from souk.orders import rules
from souk.orders.service import seller_order
from souk.web.deps import SellerContext, read_db, seller_context
from souk.web.pages import render
from souk.web.seller.access import require

router = APIRouter()

# The buyer's address is printed only while the order still has to ship.
NEEDS_SHIPPING = (rules.PENDING, rules.UNSHIPPED, rules.PARTIALLY_SHIPPED)


@router.get("/orders/{order_id}/packing-slip", response_class=HTMLResponse)
def packing_slip(
    request: Request,
    order_id: str,
    ctx: SellerContext = Depends(seller_context),
    session: Session = Depends(read_db),
) -> HTMLResponse:
    require(ctx, "orders")
    order = seller_order(session, ctx.seller.id, order_id)
    return render(
        request,
        "seller/packing_slip.html",
        ctx=ctx,
        order=order,
        seller=ctx.seller,
        show_address=order.status in NEEDS_SHIPPING,
        items_total=Money(order.currency, order.items_minor),
        shipping_total=Money(order.currency, order.shipping_minor),
        total=Money(order.currency, order.total_minor),
    )
