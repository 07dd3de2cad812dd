"""Seller Central inventory: the seller's offers, repricing, restocking, new offers."""

from __future__ import annotations

from decimal import InvalidOperation

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from souk.catalog.service import find_by_identifier, get_product, match_titles
from souk.core.errors import InvalidInput, SoukError
from souk.core.money import Money
from souk.core.policy import default_policy
from souk.offers.rules import CHANNELS, CONDITIONS, OfferTerms
from souk.offers.service import (
    put_offer,
    seller_offer_by_id,
    seller_offers,
    update_price,
    update_quantity,
)
from souk.policy.service import screen_offer, throttle_listing_changes
from souk.web.deps import (
    SellerContext,
    check_csrf,
    current_marketplace,
    db,
    read_db,
    runtime,
    seller_context,
)
from souk.web.pages import field_errors, form_values, render
from souk.web.seller.access import require
from souk.web.storefront.cart import whole_number
from souk.web.storefront.queries import with_images

router = APIRouter()

SHOWN = 200
FOUND = 20


def _require(ctx: SellerContext) -> None:
    require(ctx, "inventory")


def amount(value: str | None, currency: str, field: str, *, blank_is_zero: bool = False) -> Money:
    text = (value or "").strip()
    if not text and blank_is_zero:
        return Money.zero(currency)
    try:
        return Money.parse(text, currency)
    except (ValueError, InvalidOperation):
        raise InvalidInput(f"Enter an amount in {currency}, like 19.99.", field=field) from None


def inventory_page(
    request: Request,
    session: Session,
    ctx: SellerContext,
    *,
    status_code: int = 200,
    row_errors: dict[int, dict[str, str]] | None = None,
    row_values: dict[int, dict[str, str]] | None = None,
) -> HTMLResponse:
    market = current_marketplace(request)
    q = request.query_params.get("q", "")
    rows = seller_offers(
        session, ctx.seller.id, marketplace=market.code, sku_or_asin=q, limit=SHOWN
    )
    products = with_images(session, [p for _, p in rows])
    return render(
        request,
        "seller/inventory.html",
        status_code=status_code,
        ctx=ctx,
        section="inventory",
        rows=[(o, p) for (o, _), p in zip(rows, products, strict=True)],
        q=q,
        row_errors=row_errors or {},
        row_values=row_values or {},
    )


@router.get("/inventory", response_class=HTMLResponse)
def inventory(
    request: Request,
    ctx: SellerContext = Depends(seller_context),
    session: Session = Depends(read_db),
) -> HTMLResponse:
    _require(ctx)
    return inventory_page(request, session, ctx)


async def _change(request: Request, session: Session, ctx: SellerContext, offer_id: int, what: str):  # type: ignore[no-untyped-def]
    _require(ctx)
    values = await form_values(request)
    clock = runtime(request).clock
    offer = seller_offer_by_id(session, ctx.seller.id, offer_id)
    try:
        if what == "price":
            price = amount(values.get("price"), offer.currency, "price")
            shipping = amount(
                values.get("shipping"), offer.currency, "shipping", blank_is_zero=True
            )
            screen_offer(
                session,
                clock,
                seller_id=ctx.seller.id,
                asin=offer.asin,
                marketplace=offer.marketplace,
                price_minor=price.minor,
                shipping_minor=shipping.minor,
                handling_days=offer.handling_days,
            )
            update_price(session, clock, offer, price, shipping)
        else:
            throttle_listing_changes(session, clock, ctx.seller.id)
            update_quantity(session, clock, offer, whole_number(values.get("quantity"), "quantity"))
    except SoukError as error:
        if error.status != 400:
            raise
        session.rollback()
        return inventory_page(
            request,
            session,
            ctx,
            status_code=400,
            row_errors={offer_id: field_errors(error, what)},
            row_values={offer_id: values},
        )
    return RedirectResponse(f"/seller/inventory?saved={offer_id}", status_code=303)


@router.post("/inventory/{offer_id}/price", dependencies=[Depends(check_csrf)])
async def change_price(
    request: Request,
    offer_id: int,
    ctx: SellerContext = Depends(seller_context),
    session: Session = Depends(db),
) -> Response:
    return await _change(request, session, ctx, offer_id, "price")  # type: ignore[no-any-return]


@router.post("/inventory/{offer_id}/quantity", dependencies=[Depends(check_csrf)])
async def change_quantity(
    request: Request,
    offer_id: int,
    ctx: SellerContext = Depends(seller_context),
    session: Session = Depends(db),
) -> Response:
    return await _change(request, session, ctx, offer_id, "quantity")  # type: ignore[no-any-return]


@router.get("/inventory/add", response_class=HTMLResponse)
def find_product(
    request: Request,
    q: str = "",
    ctx: SellerContext = Depends(seller_context),
    session: Session = Depends(read_db),
) -> HTMLResponse:
    """Find the product page to sell on: by ASIN, UPC/EAN/GTIN, or title words."""
    _require(ctx)
    found = []
    if q.strip():
        exact = find_by_identifier(session, q)
        found = [exact] if exact is not None else match_titles(session, q, limit=FOUND)
    return render(
        request,
        "seller/find_product.html",
        ctx=ctx,
        section="inventory",
        q=q,
        found=with_images(session, found),
    )


def offer_form(
    request: Request,
    session: Session,
    ctx: SellerContext,
    asin: str,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    market = current_marketplace(request)
    policy = default_policy().for_marketplace(market.code)
    defaults = {
        "condition": "new",
        "quantity": "1",
        "handling_days": str(ctx.seller.default_handling_days),
        "fulfillment_channel": "MERCHANT",
    }
    return render(
        request,
        "seller/offer_form.html",
        status_code=status_code,
        ctx=ctx,
        section="inventory",
        product=get_product(session, asin),
        errors=errors or {},
        values={**defaults, **(values or {})},
        conditions=CONDITIONS,
        channels=CHANNELS,
        max_handling_days=policy.shipping.max_handling_days,
        created=request.query_params.get("created") == "1",
    )


@router.get("/inventory/add/{asin}", response_class=HTMLResponse)
def new_offer_form(
    request: Request,
    asin: str,
    ctx: SellerContext = Depends(seller_context),
    session: Session = Depends(read_db),
) -> HTMLResponse:
    _require(ctx)
    return offer_form(request, session, ctx, asin)


@router.post("/inventory/add/{asin}", dependencies=[Depends(check_csrf)])
async def new_offer(
    request: Request,
    asin: str,
    ctx: SellerContext = Depends(seller_context),
    session: Session = Depends(db),
) -> Response:
    _require(ctx)
    values = await form_values(request)
    market = current_marketplace(request)
    try:
        terms = OfferTerms(
            sku=values.get("sku", ""),
            condition=values.get("condition", ""),
            price=amount(values.get("price"), market.currency, "price"),
            shipping=amount(
                values.get("shipping"), market.currency, "shipping", blank_is_zero=True
            ),
            quantity=whole_number(values.get("quantity"), "quantity"),
            handling_days=whole_number(values.get("handling_days"), "handling_days"),
            fulfillment_channel=values.get("fulfillment_channel", ""),
        )
        screen_offer(
            session,
            runtime(request).clock,
            seller_id=ctx.seller.id,
            asin=asin,
            marketplace=market.code,
            price_minor=terms.price.minor,
            shipping_minor=terms.shipping.minor,
            handling_days=terms.handling_days,
        )
        put_offer(
            session,
            runtime(request).clock,
            seller_id=ctx.seller.id,
            asin=asin,
            marketplace=market.code,
            terms=terms,
        )
    except SoukError as error:
        if error.status != 400:
            raise
        session.rollback()
        return offer_form(
            request, session, ctx, asin, status_code=400, errors=field_errors(error), values=values
        )
    return RedirectResponse(f"/seller/inventory?listed={asin}", status_code=303)
