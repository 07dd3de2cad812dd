"""The buyer's orders: history, one order with tracking, cancellation before shipment."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from souk.accounts.models import User
from souk.catalog.service import products_by_asin
from souk.core.errors import SoukError
from souk.core.policy import default_policy
from souk.fulfillment.service import shipments
from souk.orders import rules
from souk.orders.models import Order
from souk.orders.service import buyer_order, buyer_orders, cancel_by_buyer, order_notes
from souk.sellers.models import Seller
from souk.web.deps import check_csrf, db, read_db, runtime, signed_in_user
from souk.web.pages import field_errors, form_values, render

router = APIRouter()

PER_PAGE = 10


def _sellers(session: Session, orders: list[Order]) -> dict[str, Seller]:
    ids = {o.seller_id for o in orders}
    return {s.id: s for s in session.scalars(select(Seller).where(Seller.id.in_(ids)))}


@router.get("/orders", response_class=HTMLResponse)
def history(
    request: Request,
    page: int = 1,
    user: User = Depends(signed_in_user),
    session: Session = Depends(read_db),
) -> HTMLResponse:
    page = max(1, page)
    orders = buyer_orders(session, user.id, limit=PER_PAGE + 1, offset=(page - 1) * PER_PAGE)
    more = len(orders) > PER_PAGE
    orders = orders[:PER_PAGE]
    asins = [i.asin for o in orders for i in o.items]
    return render(
        request,
        "storefront/orders.html",
        orders=orders,
        products=products_by_asin(session, asins),
        sellers=_sellers(session, orders),
        page=page,
        more=more,
    )


def order_page(
    request: Request,
    session: Session,
    user: User,
    order_id: str,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    order = buyer_order(session, user.id, order_id)
    return render(
        request,
        "storefront/order.html",
        status_code=status_code,
        order=order,
        seller=session.get(Seller, order.seller_id),
        products=products_by_asin(session, [i.asin for i in order.items]),
        shipments=shipments(session, order.id),
        notes=order_notes(session, order.id),
        cancelable=order.status in (rules.PENDING, rules.UNSHIPPED),
        reasons=default_policy().for_marketplace(order.marketplace).cancellation.buyer_reasons,
        errors=errors or {},
        values=values or {},
    )


@router.get("/orders/{order_id}", response_class=HTMLResponse)
def order_detail(
    request: Request,
    order_id: str,
    user: User = Depends(signed_in_user),
    session: Session = Depends(read_db),
) -> HTMLResponse:
    return order_page(request, session, user, order_id)


@router.post("/orders/{order_id}/cancel", dependencies=[Depends(check_csrf)])
async def cancel(
    request: Request,
    order_id: str,
    user: User = Depends(signed_in_user),
    session: Session = Depends(db),
) -> Response:
    values = await form_values(request)
    rt = runtime(request)
    try:
        cancel_by_buyer(
            session,
            rt.clock,
            rt.payments,
            buyer_id=user.id,
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
            user,
            order_id,
            status_code=error.status,
            errors=field_errors(error, "reason"),
            values=values,
        )
    return RedirectResponse(f"/orders/{order_id}?canceled=1", status_code=303)
