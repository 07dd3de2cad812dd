"""Seller Central orders: tabs by status, one order, confirm shipment, cancel."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from souk.catalog.service import products_by_asin
from souk.core.errors import SoukError
from souk.core.policy import default_policy
from souk.fulfillment.rules import CARRIERS
from souk.fulfillment.service import confirm_shipment, shipments
from souk.orders import rules
from souk.orders.service import cancel_by_seller, order_notes, seller_order, seller_orders
from souk.web.deps import SellerContext, check_csrf, db, read_db, runtime, seller_context
from souk.web.pages import field_errors, form_values, render
from souk.web.seller.access import require

router = APIRouter()

TABS: dict[str, tuple[str, tuple[str, ...]]] = {
    "unshipped": ("Unshipped", (rules.PENDING, rules.UNSHIPPED, rules.PARTIALLY_SHIPPED)),
    "shipped": ("Shipped", (rules.SHIPPED,)),
    "canceled": ("Canceled", (rules.CANCELED, rules.UNFULFILLABLE)),
}
PER_PAGE = 50


@router.get("/orders", response_class=HTMLResponse)
def order_list(
    request: Request,
    tab: str = "unshipped",
    page: int = 1,
    ctx: SellerContext = Depends(seller_context),
    session: Session = Depends(read_db),
) -> HTMLResponse:
    require(ctx, "orders")
    tab = tab if tab in TABS else "unshipped"
    page = max(1, page)
    found = seller_orders(
        session,
        ctx.seller.id,
        statuses=TABS[tab][1],
        limit=PER_PAGE + 1,
        offset=(page - 1) * PER_PAGE,
    )
    return render(
        request,
        "seller/orders.html",
        ctx=ctx,
        section="orders",
        tabs=TABS,
        tab=tab,
        orders=found[:PER_PAGE],
        page=page,
        more=len(found) > PER_PAGE,
    )


def order_page(
    request: Request,
    session: Session,
    ctx: SellerContext,
    order_id: str,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    order = seller_order(session, ctx.seller.id, order_id)
    policy = default_policy().for_marketplace(order.marketplace)
    open_order = order.status in (rules.PENDING, rules.UNSHIPPED, rules.PARTIALLY_SHIPPED)
    return render(
        request,
        "seller/order.html",
        status_code=status_code,
        ctx=ctx,
        section="orders",
        order=order,
        products=products_by_asin(session, [i.asin for i in order.items]),
        shipments=shipments(session, order.id),
        notes=order_notes(session, order.id),
        # The buyer's address is shown only while the seller still has to ship.
        show_address=open_order,
        can_ship=order.status in (rules.UNSHIPPED, rules.PARTIALLY_SHIPPED)
        and order.fulfillment_channel == "MERCHANT",
        can_cancel=order.status in (rules.PENDING, rules.UNSHIPPED),
        carriers=CARRIERS,
        reasons=policy.cancellation.seller_reasons,
        errors=errors or {},
        values=values or {},
    )


@router.get("/orders/{order_id}", response_class=HTMLResponse)
def order_detail(
    request: Request,
    order_id: str,
    ctx: SellerContext = Depends(seller_context),
    session: Session = Depends(read_db),
) -> HTMLResponse:
    require(ctx, "orders")
    return order_page(request, session, ctx, order_id)


async def _act(request: Request, session: Session, ctx: SellerContext, order_id: str, what: str):  # type: ignore[no-untyped-def]
    require(ctx, "orders")
    values = await form_values(request)
    rt = runtime(request)
    try:
        if what == "ship":
            confirm_shipment(
                session,
                rt.clock,
                seller_id=ctx.seller.id,
                order_id=order_id,
                carrier=values.get("carrier", ""),
                tracking_number=values.get("tracking_number", ""),
            )
        else:
            cancel_by_seller(
                session,
                rt.clock,
                rt.payments,
                seller_id=ctx.seller.id,
                order_id=order_id,
                reason=values.get("reason", ""),
            )
    except SoukError as error:
        if error.status == 404:
            raise
        session.rollback()
        return order_page(
            request,
            session,
            ctx,
            order_id,
            status_code=error.status,
            errors=field_errors(error, "form"),
            values=values,
        )
    done = "shipped" if what == "ship" else "canceled"
    return RedirectResponse(f"/seller/orders/{order_id}?{done}=1", status_code=303)


@router.post("/orders/{order_id}/ship", dependencies=[Depends(check_csrf)])
async def ship(
    request: Request,
    order_id: str,
    ctx: SellerContext = Depends(seller_context),
    session: Session = Depends(db),
) -> Response:
    return await _act(request, session, ctx, order_id, "ship")  # type: ignore[no-any-return]


@router.post("/orders/{order_id}/cancel", dependencies=[Depends(check_csrf)])
async def cancel(
    request: Request,
    order_id: str,
    ctx: SellerContext = Depends(seller_context),
    session: Session = Depends(db),
) -> Response:
    return await _act(request, session, ctx, order_id, "cancel")  # type: ignore[no-any-return]
