"""Seller Central: the seller's offers in the Buy Box (featured now, view share, why not)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from souk.buybox.service import policy_for, seller_buybox
from souk.web.deps import SellerContext, current_marketplace, read_db, runtime, seller_context
from souk.web.pages import render
from souk.web.seller.access import require
from souk.web.storefront.queries import with_images

router = APIRouter()

SHOWN = 200


@router.get("/buybox", response_class=HTMLResponse)
def buybox_page(
    request: Request,
    ctx: SellerContext = Depends(seller_context),
    session: Session = Depends(read_db),
) -> HTMLResponse:
    require(ctx, "inventory")
    market = current_marketplace(request)
    lines = seller_buybox(
        session, ctx.seller.id, market.code, runtime(request).clock.now(), limit=SHOWN
    )
    with_images(session, [line.product for line in lines])
    return render(
        request,
        "seller/buybox.html",
        ctx=ctx,
        section="buybox",
        lines=lines,
        featured=sum(1 for line in lines if line.featured_now),
        days=policy_for(market.code).view_share_days,
        shown=SHOWN,
    )
