"""Seller Central: "Request a review" on an order, and the review programme.

The order page shows the request button through ``partials/reviews_request.html``,
which asks ``review_request_for`` (a template global registered here) whether
the button is on, so the order handler does not change.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from souk.catalog.service import products_by_asin
from souk.core.errors import InvalidInput, SoukError
from souk.reviews import service
from souk.reviews.rules import programme_fee
from souk.web.deps import (
    SellerContext,
    check_csrf,
    current_marketplace,
    db,
    read_db,
    runtime,
    seller_context,
)
from souk.web.pages import ENV, field_errors, form_values, render
from souk.web.seller.access import require
from souk.web.seller.orders import order_page

router = APIRouter()


def review_request_for(request: Request, seller_id: str, order_id: str) -> service.RequestState:
    rt = runtime(request)
    with rt.read_sessions() as session:
        return service.review_request_state(session, rt.clock, seller_id, order_id)


ENV.globals["review_request_for"] = review_request_for


@router.post("/orders/{order_id}/request-review", dependencies=[Depends(check_csrf)])
def request_review(
    request: Request,
    order_id: str,
    ctx: SellerContext = Depends(seller_context),
    session: Session = Depends(db),
) -> Response:
    require(ctx, "orders")
    try:
        service.request_review(session, runtime(request).clock, ctx.seller.id, order_id)
    except SoukError as error:
        if error.status == 404:
            raise
        session.rollback()
        return order_page(
            request, session, ctx, order_id, status_code=error.status, errors=field_errors(error)
        )
    return RedirectResponse(f"/seller/orders/{order_id}?review_requested=1", status_code=303)


def _programme_page(
    request: Request,
    session: Session,
    ctx: SellerContext,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    market = current_marketplace(request)
    policy = service.reviews_policy(market.code)
    enrolled = service.enrolments(session, ctx.seller.id)
    tiers: list[dict[str, Any]] = []
    low = 1
    for tier in sorted(policy.programme_fee_tiers, key=lambda t: t.up_to_units):
        tiers.append({"from": low, "to": tier.up_to_units, "fee": tier.fee_minor})
        low = tier.up_to_units + 1
    return render(
        request,
        "reviews/seller_programme.html",
        status_code=status_code,
        ctx=ctx,
        section="reviews",
        enrolled=enrolled,
        products=products_by_asin(session, [e.asin for e in enrolled]),
        tiers=tiers,
        policy=policy,
        errors=errors or {},
        values=values or {"units": "10"},
    )


@router.get("/reviews/programme", response_class=HTMLResponse)
def programme(
    request: Request,
    ctx: SellerContext = Depends(seller_context),
    session: Session = Depends(read_db),
) -> HTMLResponse:
    require(ctx, "inventory")
    return _programme_page(request, session, ctx)


@router.post("/reviews/programme", dependencies=[Depends(check_csrf)])
async def enrol(
    request: Request,
    ctx: SellerContext = Depends(seller_context),
    session: Session = Depends(db),
) -> Response:
    require(ctx, "inventory")
    values = await form_values(request)
    market = current_marketplace(request)
    try:
        units_text = values.get("units", "").strip()
        if not (units_text.isascii() and units_text.isdigit()):
            raise InvalidInput("Enter the number of free units.", field="units")
        units = int(units_text)
        policy = service.reviews_policy(market.code)
        programme_fee(units, policy.programme_max_units, policy.programme_fee_tiers)
        service.enrol_product(
            session,
            runtime(request).clock,
            seller_id=ctx.seller.id,
            asin=values.get("asin", ""),
            marketplace=market.code,
            units=units,
        )
    except SoukError as error:
        session.rollback()
        return _programme_page(
            request,
            session,
            ctx,
            status_code=error.status,
            errors=field_errors(error, "asin"),
            values=values,
        )
    return RedirectResponse("/seller/reviews/programme?enrolled=1", status_code=303)
